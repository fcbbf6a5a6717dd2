package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/fixtures"

	"github.com/statusarchive/statusarchive/fixtures/golden"
)

// scripted is a vendor's /api/v2/incidents.json that the test rewrites
// between scrapes, the way a vendor edits its history.
type scripted struct {
	mu        sync.Mutex
	incidents []apiIncident
	status    int    // answer with this status instead of the list when set
	raw       string // answer with this body instead of the list when set
}

type apiIncident struct {
	ID       string      `json:"id"`
	Name     string      `json:"name"`
	Status   string      `json:"status"`
	Impact   string      `json:"impact"`
	Created  string      `json:"created_at"`
	Resolved *string     `json:"resolved_at"`
	Updates  []apiUpdate `json:"incident_updates"`
}

type apiUpdate struct {
	ID      string `json:"id"`
	Status  string `json:"status"`
	Body    string `json:"body"`
	Display string `json:"display_at"`
	Created string `json:"created_at"`
}

func (s *scripted) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case r.URL.Path == "/robots.txt":
		http.NotFound(w, r)
	case s.status != 0:
		http.Error(w, http.StatusText(s.status), s.status)
	case s.raw != "":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(s.raw))
	default:
		w.Header().Set("Content-Type", "application/json")
		// Newest first, as Statuspage lists them; updates newest first too.
		list := slices.Clone(s.incidents)
		slices.Reverse(list)
		for i := range list {
			ups := slices.Clone(list[i].Updates)
			slices.Reverse(ups)
			list[i].Updates = ups
		}
		_ = json.NewEncoder(w).Encode(map[string]any{
			"page":      map[string]string{"id": "p1", "name": "Acme", "url": "https://status.acme.test", "time_zone": "Etc/UTC"},
			"incidents": list,
		})
	}
}

// edit changes the script under its lock.
func (s *scripted) edit(fn func(s *scripted)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fn(s)
}

func (s *scripted) find(id string) *apiIncident {
	for i := range s.incidents {
		if s.incidents[i].ID == id {
			return &s.incidents[i]
		}
	}
	panic("no incident " + id)
}

func stamp(day, clock string) string { return "2026-06-" + day + "T" + clock + ":00.000Z" }

func upd(id, status, body, day, clock string) apiUpdate {
	return apiUpdate{ID: id, Status: status, Body: body, Display: stamp(day, clock), Created: stamp(day, clock)}
}

func baseline() []apiIncident {
	resolvedA, resolvedB := stamp("02", "11:30"), stamp("05", "09:40")
	return []apiIncident{
		{ID: "aaaaaaaaaaaa", Name: "API errors in eu-west", Status: "resolved", Impact: "major", Created: stamp("02", "10:00"), Resolved: &resolvedA,
			Updates: []apiUpdate{
				upd("a1", "investigating", "We are investigating elevated API errors in eu-west.", "02", "10:00"),
				upd("a2", "identified", "A faulty load balancer was taken out of rotation.", "02", "10:45"),
				upd("a3", "resolved", "This incident has been resolved.", "02", "11:30"),
			}},
		{ID: "bbbbbbbbbbbb", Name: "Delayed webhooks", Status: "resolved", Impact: "minor", Created: stamp("05", "09:00"), Resolved: &resolvedB,
			Updates: []apiUpdate{
				upd("b1", "investigating", "Webhooks are delayed by up to 10 minutes.", "05", "09:00"),
				upd("b2", "resolved", "Webhook delivery is back to normal.", "05", "09:40"),
			}},
	}
}

// origin hides the loopback port, which differs on every run.
var origin = regexp.MustCompile(`http://127\.0\.0\.1:\d+`)

var hashes = regexp.MustCompile(`\b[0-9a-f]{12}\n`)

func TestScriptedHistory(t *testing.T) {
	site := &scripted{incidents: baseline()}
	srv := httptest.NewServer(site)
	defer srv.Close()
	url := srv.URL + "/api/v2/incidents.json"
	c := newCLI(t)
	start := c.now

	steps := []struct {
		name string
		edit func(s *scripted)
		want scrapeSummary // only the counts are compared
	}{
		{"baseline", func(*scripted) {}, scrapeSummary{New: 2}},
		{"incident added", func(s *scripted) {
			s.incidents = append(s.incidents, apiIncident{ID: "cccccccccccc", Name: "Dashboard slow", Status: "investigating", Impact: "minor",
				Created: stamp("10", "08:00"), Updates: []apiUpdate{upd("c1", "investigating", "The dashboard is slow to load.", "10", "08:00")}})
		}, scrapeSummary{New: 1, Unchanged: 2}},
		{"update added", func(s *scripted) {
			c := s.find("cccccccccccc")
			c.Status = "identified"
			c.Updates = append(c.Updates, upd("c2", "identified", "A slow database query was found; a fix is being deployed.", "10", "08:30"))
		}, scrapeSummary{Changed: 1, Unchanged: 2}},
		{"impact downgraded", func(s *scripted) { s.find("aaaaaaaaaaaa").Impact = "minor" }, scrapeSummary{Changed: 1, Unchanged: 2}},
		{"body edited", func(s *scripted) {
			s.find("aaaaaaaaaaaa").Updates[1].Body = "A faulty load balancer in one zone was taken out of rotation."
		}, scrapeSummary{Changed: 1, Unchanged: 2}},
		{"postmortem added", func(s *scripted) {
			a := s.find("aaaaaaaaaaaa")
			a.Status = "postmortem"
			a.Updates = append(a.Updates, upd("a4", "postmortem", "A configuration push removed health checks from one load balancer pool.", "09", "16:00"))
		}, scrapeSummary{Changed: 1, Unchanged: 2}},
		{"incident deleted", func(s *scripted) {
			s.incidents = slices.DeleteFunc(s.incidents, func(in apiIncident) bool { return in.ID == "bbbbbbbbbbbb" })
		}, scrapeSummary{Deleted: 1, Unchanged: 2}},
		{"incident restored", func(s *scripted) {
			s.incidents = append(baseline()[1:2], s.incidents...)
		}, scrapeSummary{Restored: 1, Unchanged: 2}},
	}
	var reports strings.Builder
	for i, step := range steps {
		// Each run an hour after the one before, so that reports show when.
		c.now = start.Add(time.Duration(i) * time.Hour)
		site.edit(step.edit)
		sum, err := c.scrape("acme", url)
		if err != nil {
			t.Fatalf("step %d (%s): %v", i, step.name, err)
		}
		if sum.New != step.want.New || sum.Changed != step.want.Changed || sum.Unchanged != step.want.Unchanged ||
			sum.Deleted != step.want.Deleted || sum.Restored != step.want.Restored {
			t.Errorf("step %d (%s): %d new, %d changed, %d unchanged, %d deleted, %d restored; want %d, %d, %d, %d, %d", i, step.name,
				sum.New, sum.Changed, sum.Unchanged, sum.Deleted, sum.Restored,
				step.want.New, step.want.Changed, step.want.Unchanged, step.want.Deleted, step.want.Restored)
		}
		fmt.Fprintf(&reports, "### step %d: %s\n%s\n", i, step.name, c.must("changes"))
	}
	golden.Check(t, filepath.Join("testdata", "history/changes-per-run.txt"), []byte(origin.ReplaceAllString(reports.String(), "ORIGIN")))

	since := start.Format("2006-01-02T15:04:05Z")
	golden.Check(t, filepath.Join("testdata", "history/changes-all.txt"), []byte(origin.ReplaceAllString(c.must("changes", "--since", since), "ORIGIN")))
	golden.Check(t, filepath.Join("testdata", "history/changes-all.json"), []byte(origin.ReplaceAllString(c.must("changes", "--since", since, "--json"), "ORIGIN")))

	var diffs strings.Builder
	for v := 2; v <= 4; v++ {
		fmt.Fprintf(&diffs, "### aaaaaaaaaaaa v%d -> v%d\n%s\n", v-1, v, c.must("diff", "--from", fmt.Sprint(v-1), "--to", fmt.Sprint(v), "acme/aaaaaaaaaaaa"))
	}
	golden.Check(t, filepath.Join("testdata", "history/diffs.txt"), []byte(origin.ReplaceAllString(diffs.String(), "ORIGIN")))
	// Content hashes cover the incident's URL, whose loopback port differs
	// on every run: show them as HASH.
	shown := origin.ReplaceAllString(c.must("show", "acme/bbbbbbbbbbbb"), "ORIGIN")
	golden.Check(t, filepath.Join("testdata", "history/show-deleted-and-restored.txt"), []byte(hashes.ReplaceAllString(shown, "HASH\n")))

	// Versions: A has 4 (downgrade, edit, postmortem), B 3 (tombstone,
	// restored), C 2.
	for id, want := range map[string]int{"aaaaaaaaaaaa": 4, "bbbbbbbbbbbb": 3, "cccccccccccc": 2} {
		var rec struct {
			Versions []struct {
				Deleted bool `json:"deleted"`
			} `json:"Versions"`
		}
		if err := json.Unmarshal([]byte(c.must("show", "--json", "acme/"+id)), &rec); err != nil {
			t.Fatal(err)
		}
		if len(rec.Versions) != want {
			t.Errorf("%s has %d versions, want %d", id, len(rec.Versions), want)
		}
		if id == "bbbbbbbbbbbb" && (len(rec.Versions) != 3 || !rec.Versions[1].Deleted || rec.Versions[2].Deleted) {
			t.Errorf("bbbbbbbbbbbb versions %+v, want live, tombstone, live", rec.Versions)
		}
	}
}

// TestRescrapingUnchangedAddsNothing re-scrapes one history a hundred times,
// then re-renders it with other white space, update order and incident
// order: no version is ever added and the archive file does not grow.
func TestRescrapingUnchangedAddsNothing(t *testing.T) {
	site := &scripted{incidents: baseline()}
	srv := httptest.NewServer(site)
	defer srv.Close()
	url := srv.URL + "/api/v2/incidents.json"
	c := newCLI(t)
	if _, err := c.scrape("acme", url); err != nil {
		t.Fatal(err)
	}
	if _, err := c.scrape("acme", url); err != nil {
		t.Fatal(err)
	}
	info, err := os.Stat(c.db)
	if err != nil {
		t.Fatal(err)
	}
	runs := 100
	if testing.Short() {
		runs = 10
	}
	for i := range runs {
		sum, err := c.scrape("acme", url)
		if err != nil || sum.New+sum.Changed+sum.Deleted != 0 {
			t.Fatalf("rescrape %d: %+v, %v; want nothing new", i, sum, err)
		}
	}
	site.edit(func(s *scripted) {
		slices.Reverse(s.incidents)
		for i := range s.incidents {
			for k := range s.incidents[i].Updates {
				u := &s.incidents[i].Updates[k]
				u.Body = "  " + strings.ReplaceAll(u.Body, " ", "  \n ") + "\u200b\n"
			}
		}
		s.find("aaaaaaaaaaaa").Name = "API errors\tin  eu-west "
	})
	sum, err := c.scrape("acme", url)
	if err != nil || sum.New+sum.Changed+sum.Deleted != 0 {
		t.Fatalf("re-rendered with other white space and order: %+v, %v; want nothing new", sum, err)
	}
	if after, err := os.Stat(c.db); err != nil || after.Size() != info.Size() {
		t.Errorf("archive grew from %d to %d bytes over unchanged rescrapes (%v)", info.Size(), after.Size(), err)
	}
	for _, in := range c.export("--kind", "all") {
		if in.Version != 1 {
			t.Errorf("%s is at version %d", in.ID, in.Version)
		}
	}
}

// TestBrokenRunsChangeNothing feeds the archive one broken run after
// another: each fails naming its reason and leaves the records as they
// were; the next good run then proceeds normally.
func TestBrokenRunsChangeNothing(t *testing.T) {
	site := &scripted{incidents: baseline()}
	site.incidents = append(site.incidents, apiIncident{ID: "dddddddddddd", Name: "Login errors", Status: "resolved", Impact: "minor",
		Created: stamp("12", "10:00"), Updates: []apiUpdate{upd("d1", "resolved", "Logins failed for 5 minutes.", "12", "10:00")}},
		apiIncident{ID: "eeeeeeeeeeee", Name: "Search degraded", Status: "resolved", Impact: "minor",
			Created: stamp("13", "10:00"), Updates: []apiUpdate{upd("e1", "resolved", "Search was slow for an hour.", "13", "10:00")}})
	srv := httptest.NewServer(site)
	defer srv.Close()
	url := srv.URL + "/api/v2/incidents.json"
	c := newCLI(t)
	if _, err := c.scrape("acme", url); err != nil {
		t.Fatal(err)
	}
	before := c.must("export", "--format", "ndjson", "--kind", "all")
	good := slices.Clone(site.incidents)

	cases := []struct {
		name string
		edit func(s *scripted)
		want string
	}{
		{"empty page", func(s *scripted) { s.raw = " " }, "unrecognised page format"},
		{"challenge page", func(s *scripted) {
			s.raw = `<!DOCTYPE html><html><head><title>Just a moment...</title></head><body>Checking your browser</body></html>`
		}, "bot challenge"},
		{"half the incidents missing", func(s *scripted) { s.incidents = s.incidents[:2] }, "suspect"},
		{"no incidents at all", func(s *scripted) { s.incidents = []apiIncident{} }, "suspect"},
		{"5xx", func(s *scripted) { s.status = http.StatusBadGateway }, "502"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			site.edit(func(s *scripted) {
				s.incidents, s.raw, s.status = slices.Clone(good), "", 0
				tc.edit(s)
			})
			_, errOut, err := c.run("scrape", "--delay", "0", "--source", "acme", url)
			if err == nil {
				t.Fatal("a broken run succeeded")
			}
			if !strings.Contains(strings.ToLower(err.Error()), tc.want) || !strings.Contains(err.Error(), "acme") {
				t.Errorf("error %q does not name the source and %q (stderr %s)", err, tc.want, errOut)
			}
			if after := c.must("export", "--format", "ndjson", "--kind", "all"); after != before {
				t.Errorf("the archive changed after a broken run")
			}
		})
	}
	site.edit(func(s *scripted) {
		s.incidents, s.raw, s.status = slices.Clone(good), "", 0
		s.find("dddddddddddd").Impact = "major"
	})
	sum, err := c.scrape("acme", url)
	if err != nil || sum.Changed != 1 || sum.Unchanged != len(good)-1 || sum.Deleted != 0 {
		t.Fatalf("good run after the broken ones: %+v, %v; want 1 changed, the rest unchanged", sum, err)
	}
	if !strings.Contains(c.must("sources"), "suspect") && !strings.Contains(c.must("sources", "--runs", "10"), "suspect") {
		t.Errorf("the suspect runs are not in the run log")
	}
}

// TestScrolledOffIsNotDeleted: an incident that drops off the end of a
// windowed list (the API's latest 50) was not deleted by the vendor, while
// one missing from inside the window was.
func TestScrolledOffIsNotDeleted(t *testing.T) {
	site := &scripted{incidents: baseline()} // a (Jun 2), b (Jun 5)
	site.incidents = append(site.incidents, apiIncident{ID: "cccccccccccc", Name: "Dashboard slow", Status: "resolved", Impact: "minor",
		Created: stamp("10", "08:00"), Updates: []apiUpdate{upd("c1", "resolved", "The dashboard was slow.", "10", "08:00")}})
	srv := httptest.NewServer(site)
	defer srv.Close()
	url := srv.URL + "/api/v2/incidents.json"
	c := newCLI(t)
	if _, err := c.scrape("acme", url); err != nil {
		t.Fatal(err)
	}
	// The oldest (a) scrolls off as a new one arrives.
	site.edit(func(s *scripted) {
		s.incidents = append(s.incidents[1:], apiIncident{ID: "dddddddddddd", Name: "Login errors", Status: "resolved", Impact: "minor",
			Created: stamp("12", "10:00"), Updates: []apiUpdate{upd("d1", "resolved", "Logins failed for 5 minutes.", "12", "10:00")}})
	})
	sum, err := c.scrape("acme", url)
	if err != nil || sum.Deleted != 0 || sum.New != 1 {
		t.Fatalf("after the oldest scrolled off: %+v, %v; want 1 new and nothing deleted", sum, err)
	}
	// c, inside the window (between b and d), vanishes: that is a deletion.
	site.edit(func(s *scripted) {
		s.incidents = slices.DeleteFunc(s.incidents, func(in apiIncident) bool { return in.ID == "cccccccccccc" })
	})
	sum, err = c.scrape("acme", url)
	if err != nil || sum.Deleted != 1 {
		t.Fatalf("after an incident inside the window vanished: %+v, %v; want 1 deleted", sum, err)
	}
}

// TestSummaryIsASnapshot: a summary lists only open incidents, so an
// incident leaving it has ended, and an empty summary is normal.
func TestSummaryIsASnapshot(t *testing.T) {
	open := apiIncident{ID: "ffffffffffff", Name: "Elevated errors", Status: "investigating", Impact: "major",
		Created: stamp("20", "10:00"), Updates: []apiUpdate{upd("f1", "investigating", "We are investigating.", "20", "10:00")}}
	var mu sync.Mutex
	incidents := []apiIncident{open}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{
			"page":                   map[string]string{"id": "p1", "name": "Acme", "url": "https://status.acme.test"},
			"status":                 map[string]string{"indicator": "major", "description": "Partial System Outage"},
			"components":             []any{},
			"incidents":              incidents,
			"scheduled_maintenances": []any{},
		})
	}))
	defer srv.Close()
	c := newCLI(t)
	if _, err := c.scrape("acme", srv.URL+"/api/v2/summary.json"); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	incidents = []apiIncident{}
	mu.Unlock()
	sum, err := c.scrape("acme", srv.URL+"/api/v2/summary.json")
	if err != nil || sum.Deleted != 0 || sum.Outcome != "ok" {
		t.Fatalf("empty summary after an open incident: %+v, %v; want an ok run that deletes nothing", sum, err)
	}
}

// relativeTimes serves the seed's site with "N hours ago" beside every
// timestamp, N changing from one request to the next, as pages rendered
// at request time do.
type relativeTimes struct {
	site http.Handler
	n    int
	mu   sync.Mutex
}

var timeTag = regexp.MustCompile(`(</time>)`)

func (r *relativeTimes) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	rec := httptest.NewRecorder()
	r.site.ServeHTTP(rec, req)
	r.mu.Lock()
	r.n++
	ago := fmt.Sprintf(`$1 <span class="ago">(%d hours ago)</span>`, r.n*7)
	r.mu.Unlock()
	for k, v := range rec.Header() {
		if k != "Content-Length" {
			w.Header()[k] = v
		}
	}
	w.WriteHeader(rec.Code)
	_, _ = w.Write(timeTag.ReplaceAll(rec.Body.Bytes(), []byte(ago)))
}

func TestRelativeTimesAddNoVersion(t *testing.T) {
	plain := httptest.NewServer(fixtures.OutageHistorySite("semantic"))
	defer plain.Close()
	site := &relativeTimes{site: fixtures.OutageHistorySite("semantic")}
	srv := httptest.NewServer(site)
	defer srv.Close()
	c := newCLI(t)
	first, err := c.scrape("workos", srv.URL+workosPath)
	if err != nil {
		t.Fatal(err)
	}
	c.sweepPeriodLater()
	again, err := c.scrape("workos", srv.URL+workosPath)
	if err != nil || again.New+again.Changed+again.Deleted != 0 || again.Unchanged != first.Incidents {
		t.Fatalf("rescrape with other relative times: %+v, %v; want every incident unchanged", again, err)
	}
	// And the records are those of the page without relative times.
	want := newCLI(t)
	if _, err := want.scrape("workos", plain.URL+workosPath); err != nil {
		t.Fatal(err)
	}
	got, exp := byTitle(c.export()), byTitle(want.export())
	for title, in := range exp {
		g := got[title]
		if len(g.Updates) != len(in.Updates) {
			t.Errorf("%q: %d updates, want %d", title, len(g.Updates), len(in.Updates))
			continue
		}
		for i := range in.Updates {
			if g.Updates[i].Text != in.Updates[i].Text || g.Updates[i].At != in.Updates[i].At {
				t.Errorf("%q update %d = (%s, %q), want (%s, %q)", title, i+1, g.Updates[i].At, g.Updates[i].Text, in.Updates[i].At, in.Updates[i].Text)
			}
		}
	}
}
