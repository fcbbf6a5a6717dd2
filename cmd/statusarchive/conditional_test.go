package main

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/fixtures"
	"github.com/statusarchive/statusarchive/parser"
)

// etagged serves h with a strong ETag on every 200 and answers a request
// whose If-None-Match names the current one with 304 and no body, as
// status page CDNs do. It counts both kinds of answer.
type etagged struct {
	h                 http.Handler
	full, notModified atomic.Int64
	url               string // where a test serves it, when it says
}

func (e *etagged) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	if rec.Code != http.StatusOK || r.URL.Path == "/robots.txt" {
		for k, v := range rec.Header() {
			w.Header()[k] = v
		}
		w.WriteHeader(rec.Code)
		_, _ = w.Write(rec.Body.Bytes())
		return
	}
	sum := sha256.Sum256(rec.Body.Bytes())
	tag := `"` + hex.EncodeToString(sum[:8]) + `"`
	if r.Header.Get("If-None-Match") == tag {
		e.notModified.Add(1)
		w.Header().Set("ETag", tag)
		w.WriteHeader(http.StatusNotModified)
		return
	}
	e.full.Add(1)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	w.Header().Set("ETag", tag)
	w.WriteHeader(http.StatusOK)
	_, _ = w.Write(rec.Body.Bytes())
}

// countingCLI is a cli whose runs count the pages they parse.
func (c *cli) countParses(n *atomic.Int64) {
	c.parse = func(doc parser.Document, f parser.Format) (*parser.Page, error) {
		n.Add(1)
		return parser.Parse(doc, f)
	}
}

func TestConditionalGetSkipsParsing(t *testing.T) {
	site := &etagged{h: fixtures.StatuspageSite(fixtures.StatuspageOptions{})}
	srv := httptest.NewServer(site)
	defer srv.Close()
	c := newCLI(t)
	var parses atomic.Int64
	c.countParses(&parses)
	first, err := c.scrape("acme", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if site.notModified.Load() != 0 || parses.Load() == 0 {
		t.Fatalf("first run: %d answers were 304, %d pages parsed", site.notModified.Load(), parses.Load())
	}
	fetched := site.full.Load()
	parses.Store(0)

	c.sweepPeriodLater()
	again, err := c.scrape("acme", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if n := parses.Load(); n != 0 {
		t.Errorf("an unchanged site answered 304 to every page, yet %d pages were parsed", n)
	}
	if site.full.Load() != fetched || site.notModified.Load() == 0 {
		t.Errorf("second run: %d more full answers, %d 304s; want every page conditional", site.full.Load()-fetched, site.notModified.Load())
	}
	if again.Incidents != first.Incidents || again.Unchanged != first.Incidents || again.New+again.Changed+again.Deleted != 0 || again.Outcome != "ok" {
		t.Errorf("second run over 304s: %+v, want all %d incidents unchanged, nothing deleted", again, first.Incidents)
	}
	if got := c.export("--kind", "all"); len(got) != first.Incidents {
		t.Errorf("%d incidents archived after the 304 run, want %d", len(got), first.Incidents)
	}
}

func TestConditionalGetSeesEdits(t *testing.T) {
	script := &scripted{incidents: baseline()}
	site := &etagged{h: script}
	srv := httptest.NewServer(site)
	defer srv.Close()
	url := srv.URL + "/api/v2/incidents.json"
	c := newCLI(t)
	if _, err := c.scrape("acme", url); err != nil {
		t.Fatal(err)
	}
	if sum, err := c.scrape("acme", url); err != nil || site.notModified.Load() != 1 || sum.Unchanged != 2 {
		t.Fatalf("unchanged rescrape: %+v, %v, %d answers 304; want one 304 and 2 unchanged", sum, err, site.notModified.Load())
	}
	script.edit(func(s *scripted) { s.find("aaaaaaaaaaaa").Impact = "minor" })
	sum, err := c.scrape("acme", url)
	if err != nil || sum.Changed != 1 || sum.Unchanged != 1 {
		t.Fatalf("after an edit: %+v, %v; want the edit seen through the new ETag", sum, err)
	}
}

// TestPartialRunKeepsNoDigest: a run that could not fetch one detail page
// archives that incident as the list showed it, incomplete; the next run
// must not stand the list page's digest in for it, but fetch afresh and
// complete it.
func TestPartialRunKeepsNoDigest(t *testing.T) {
	// With ETags the unchanged pages answer 304; without, their bodies
	// are fetched unchanged: either way a digest stands in for them.
	for _, etags := range []bool{true, false} {
		t.Run(map[bool]string{true: "etags", false: "no validators"}[etags], func(t *testing.T) {
			var failing atomic.Bool
			failing.Store(true)
			const detail = "/providers/workos/incidents/2681851"
			var site http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == detail && failing.Load() {
					http.Error(w, "boom", http.StatusInternalServerError)
					return
				}
				fixtures.OutageHistorySite("semantic").ServeHTTP(w, r)
			})
			if etags {
				site = &etagged{h: site}
			}
			srv := httptest.NewServer(site)
			defer srv.Close()
			c := newCLI(t)
			if sum, err := c.scrape("workos", srv.URL+workosPath); err == nil || sum.Outcome != "partial" {
				t.Fatalf("first run with a failing detail page: %+v, %v; want a partial run", sum, err)
			}
			failing.Store(false)
			sum, err := c.scrape("workos", srv.URL+workosPath)
			if err != nil || sum.Outcome != "ok" || sum.Changed != 1 || sum.New != 0 {
				t.Fatalf("next run: %+v, %v; want ok with the incomplete incident completed", sum, err)
			}
			if sum, err := c.scrape("workos", srv.URL+workosPath); err != nil || sum.New+sum.Changed+sum.Deleted != 0 {
				t.Fatalf("third run over unchanged pages: %+v, %v; want nothing new", sum, err)
			}
		})
	}
}

// TestUnreadableDetailPages scrapes a Statuspage site whose every
// incident page is unreadable: each incident is archived as the history
// list shows it, marked incomplete, the run is partial and its error
// groups the failures by cause; once the pages read again, the next run
// completes every incomplete incident.
func TestUnreadableDetailPages(t *testing.T) {
	var broken atomic.Bool
	var unreadable atomic.Int32
	broken.Store(true)
	site := &etagged{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/incidents/") && broken.Load() {
			unreadable.Add(1)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprintf(w, "<!doctype html><html><body><div>Incident</div><p>Redesigned: %s</p></body></html>", r.URL.Path)
			return
		}
		fixtures.StatuspageSite(fixtures.StatuspageOptions{}).ServeHTTP(w, r)
	})}
	srv := httptest.NewServer(site)
	defer srv.Close()

	c := newCLI(t)
	sum, err := c.scrape("acme", srv.URL)
	if err == nil || sum.Outcome != "partial" || sum.New != statuspageIncidents(t) {
		t.Fatalf("scrape with every incident page unreadable: %+v, %v; want a partial run archiving all %d incidents", sum, err, statuspageIncidents(t))
	}
	incomplete := 0
	for _, in := range c.export() {
		if in.Partial {
			incomplete++
		}
	}
	if incomplete == 0 {
		t.Fatal("no archived incident is marked incomplete")
	}
	// One cause, counted, naming three pages and how many more: not a
	// line with every URL in it.
	if msg, n := err.Error(), unreadable.Load(); !strings.Contains(msg, fmt.Sprintf("%d pages: unrecognised page format (", n)) || strings.Count(msg, srv.URL) != 3 {
		t.Errorf("error %q: want the failures grouped by cause, %d pages, three URLs named", msg, n)
	}

	broken.Store(false)
	next, err := c.scrape("acme", srv.URL)
	if err != nil || next.Outcome != "ok" || next.New != 0 {
		t.Fatalf("next run with the pages readable: %+v, %v; want ok, nothing new", next, err)
	}
	for _, in := range c.export() {
		if in.Partial {
			t.Errorf("%s is still incomplete after a good run", in.ID)
		}
	}
}

// TestOutageHistoryDetailPagesUnreadable scrapes an outage-history site
// whose every detail page is unreadable: every incident the list pages
// show is archived as they show it, marked incomplete, and the run is
// partial. Once the detail pages read again, the next run completes every
// incident and none stays marked.
func TestOutageHistoryDetailPagesUnreadable(t *testing.T) {
	healthy := httptest.NewServer(fixtures.OutageHistorySite("semantic"))
	defer healthy.Close()
	want := newCLI(t)
	if _, err := want.scrape("workos", healthy.URL+workosPath); err != nil {
		t.Fatal(err)
	}
	complete := byTitle(want.export())

	var broken atomic.Bool
	broken.Store(true)
	details := map[string]bool{}
	var mu sync.Mutex
	site := &etagged{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.Contains(r.URL.Path, "/incidents/") && broken.Load() {
			mu.Lock()
			details[r.URL.Path] = true
			mu.Unlock()
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			fmt.Fprint(w, "<!doctype html><html><body><p>We are redesigning this page.</p></body></html>")
			return
		}
		fixtures.OutageHistorySite("semantic").ServeHTTP(w, r)
	})}
	srv := httptest.NewServer(site)
	defer srv.Close()

	c := newCLI(t)
	sum, err := c.scrape("workos", srv.URL+workosPath)
	if err == nil || sum.Outcome != "partial" {
		t.Fatalf("scrape with every detail page unreadable: %+v, %v; want a partial run", sum, err)
	}
	got := c.export()
	if len(got) != len(complete) || sum.New != len(complete) {
		t.Fatalf("archived %d incidents (%d new), want all %d the list pages show", len(got), sum.New, len(complete))
	}
	incomplete := 0
	for _, in := range got {
		if in.Incomplete {
			incomplete++
		}
	}
	if len(details) == 0 || incomplete != len(details) {
		t.Errorf("%d incidents marked incomplete, want one for each of the %d unreadable detail pages", incomplete, len(details))
	}

	broken.Store(false)
	if sum, err := c.scrape("workos", srv.URL+workosPath); err != nil || sum.Outcome != "ok" {
		t.Fatalf("run with the detail pages readable again: %+v, %v; want ok", sum, err)
	}
	for _, in := range c.export() {
		if in.Incomplete {
			t.Errorf("%q still marked incomplete after its detail page was read", in.Title)
		}
		if w := complete[in.Title]; len(in.Updates) != len(w.Updates) {
			t.Errorf("%q has %d updates after the good run, want %d", in.Title, len(in.Updates), len(w.Updates))
		}
	}
}

// TestUnchangedBodySkipsParsing: a site that sends neither ETag nor
// Last-Modified, scraped again unchanged, has every page fetched in full
// and none parsed: each body is byte-identical to the one its kept digest
// was parsed from, and stands for it as a 304 would. Nothing is archived
// anew, and a reparse still reads the whole run.
func TestUnchangedBodySkipsParsing(t *testing.T) {
	var validators atomic.Int64
	fixture := fixtures.StatuspageSite(fixtures.StatuspageOptions{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
			validators.Add(1)
		}
		fixture.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := newCLI(t)
	var parses atomic.Int64
	c.countParses(&parses)
	first, err := c.scrape("acme", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if parses.Load() == 0 || first.New == 0 {
		t.Fatalf("first run: %+v, %d pages parsed", first, parses.Load())
	}
	parses.Store(0)

	c.sweepPeriodLater()
	again, err := c.scrape("acme", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if n := parses.Load(); n != 0 {
		t.Errorf("an unchanged site without validators: %d pages parsed on the second run, want 0", n)
	}
	if n := validators.Load(); n != 0 {
		t.Errorf("%d requests were conditional, yet the site sent no validators", n)
	}
	if again.Pages == 0 || again.Incidents != first.Incidents || again.Unchanged != first.Incidents ||
		again.New+again.Changed+again.Deleted != 0 || again.Outcome != "ok" {
		t.Errorf("second run over unchanged bodies: %+v, want all %d incidents unchanged, nothing archived", again, first.Incidents)
	}
	got := c.export("--kind", "all")
	if len(got) != first.Incidents {
		t.Errorf("%d incidents archived after the unchanged run, want %d", len(got), first.Incidents)
	}
	for _, in := range got {
		if in.Version != 1 {
			t.Errorf("%s is at version %d after an unchanged run, want 1", in.ID, in.Version)
		}
	}
	want := fmt.Sprintf(": %d incidents, 0 changed by the parser, %d unchanged (ok)", first.Incidents, first.Incidents)
	if out := c.must("reparse"); !strings.Contains(out, want) {
		t.Errorf("reparse of a run of unchanged bodies:\n%s\nwant %q", out, want)
	}
}

// TestUnchangedBodySeesEdits: without validators, an edit of the page
// is parsed and makes exactly one new version.
func TestUnchangedBodySeesEdits(t *testing.T) {
	script := &scripted{incidents: baseline()}
	srv := httptest.NewServer(script)
	defer srv.Close()
	url := srv.URL + "/api/v2/incidents.json"
	c := newCLI(t)
	var parses atomic.Int64
	c.countParses(&parses)
	if _, err := c.scrape("acme", url); err != nil {
		t.Fatal(err)
	}
	parses.Store(0)
	if sum, err := c.scrape("acme", url); err != nil || parses.Load() != 0 || sum.Unchanged != 2 {
		t.Fatalf("unchanged rescrape: %+v, %v, %d pages parsed; want none parsed and 2 unchanged", sum, err, parses.Load())
	}
	script.edit(func(s *scripted) { s.find("aaaaaaaaaaaa").Impact = "minor" })
	sum, err := c.scrape("acme", url)
	if err != nil || sum.Changed != 1 || sum.Unchanged != 1 || sum.New+sum.Deleted != 0 || parses.Load() != 1 {
		t.Fatalf("after an edit: %+v, %v, %d pages parsed; want the edited page parsed and one change", sum, err, parses.Load())
	}
	for _, in := range c.export() {
		if want := map[string]int{"aaaaaaaaaaaa": 2}[in.ID] + map[bool]int{true: 0, false: 1}[in.ID == "aaaaaaaaaaaa"]; in.Version != want {
			t.Errorf("%s is at version %d, want %d: one version for the edit, none for the rest", in.ID, in.Version, want)
		}
	}
	parses.Store(0)
	if sum, err := c.scrape("acme", url); err != nil || parses.Load() != 0 || sum.Changed+sum.New != 0 {
		t.Fatalf("rescrape after the edit: %+v, %v, %d pages parsed; want the edited body unchanged now", sum, err, parses.Load())
	}
}

// An open incident's own page is asked for on every incremental run, also
// when the list page that shows it answers 304 (its digest recorded the
// incident open): a new update on it is archived by the next run, not a
// sweep period later. A resolved incident's own page is not asked for
// (beyond the sweep's slice).
func TestOpenIncidentFetchedEveryRun(t *testing.T) {
	fixture := fixtures.StatuspageSite(fixtures.StatuspageOptions{})
	var mu sync.Mutex
	asked := map[string]int{}
	site := &etagged{h: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		asked[r.URL.Path]++
		mu.Unlock()
		fixture.ServeHTTP(w, r)
	})}
	srv := httptest.NewServer(site)
	defer srv.Close()
	c := newCLI(t)
	if _, err := c.scrape("acme", srv.URL); err != nil {
		t.Fatal(err)
	}
	var open, resolved []string
	for _, in := range c.export() {
		path := "/api/v2/incidents/" + in.ID + ".json"
		if in.ResolvedAt == nil {
			open = append(open, path)
		} else {
			resolved = append(resolved, path)
		}
	}
	if len(open) == 0 || len(resolved) == 0 {
		t.Fatalf("the fixture site has %d open and %d resolved incidents; want both", len(open), len(resolved))
	}
	mu.Lock()
	clear(asked)
	mu.Unlock()
	const runs = 3
	for range runs {
		c.now = c.now.Add(5 * time.Minute)
		if sum, err := c.scrape("acme", srv.URL); err != nil || sum.New+sum.Changed+sum.Deleted != 0 {
			t.Fatalf("unchanged run: %+v, %v", sum, err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if asked["/"] != runs {
		t.Errorf("start page asked for %d times in %d runs", asked["/"], runs)
	}
	for _, p := range open {
		if asked[p] != runs {
			t.Errorf("open incident %s asked for %d times in %d runs, want every run", p, asked[p], runs)
		}
	}
	swept := 0
	for _, p := range resolved {
		swept += asked[p]
	}
	t.Logf("%d runs: %d requests in all, %d of them for resolved incidents' pages (the sweep's slice)", runs, site.full.Load()+site.notModified.Load(), swept)
	if swept > runs {
		t.Errorf("resolved incidents' pages asked for %d times in %d runs; want at most the sweep's page a run", swept, runs)
	}
}
