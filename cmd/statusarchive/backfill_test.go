package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/fixtures"
)

// editable rewrites one path's body (old text to new) while edited is set,
// so that a test can edit one incident of a generated site.
type editable struct {
	h        http.Handler
	path     string
	old, new string
	edited   atomic.Bool
}

func (e *editable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !e.edited.Load() || r.URL.Path != e.path {
		e.h.ServeHTTP(w, r)
		return
	}
	r = r.Clone(r.Context())
	r.Header.Del("If-None-Match")
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, r)
	for k, v := range rec.Header() {
		w.Header()[k] = v
	}
	body := bytes.ReplaceAll(rec.Body.Bytes(), []byte(e.old), []byte(e.new))
	w.Header().Del("Content-Length")
	w.WriteHeader(rec.Code)
	_, _ = w.Write(body)
}

// generatedSite serves fixtures.LargeStatuspageSite(n, perPage) with
// incident i's editable, behind etagged (ETags of the served bodies, 304s
// and counts).
func generatedSite(t testing.TB, n, perPage, i int) (*etagged, *editable, string) {
	t.Helper()
	ed := &editable{h: fixtures.LargeStatuspageSite(n, perPage), path: fmt.Sprintf("/api/v2/incidents/gen%09d.json", i),
		old: "This incident has been resolved.", new: "Resolved: a postmortem is published."}
	site := &etagged{h: ed}
	srv := httptest.NewServer(site)
	t.Cleanup(srv.Close)
	site.url = srv.URL + "/history?page=1"
	return site, ed, site.url
}

// requests is how many requests site has answered, 200s and 304s.
func (e *etagged) requests() int64 { return e.full.Load() + e.notModified.Load() }

// checkGenerated fails unless the archive holds exactly the n incidents
// of the generated site, each with its three updates as the site renders
// them: the incident's own body first, then the two fixed ones.
func checkGenerated(t *testing.T, c *cli, n int) {
	t.Helper()
	got := c.export()
	if len(got) != n {
		t.Fatalf("%d incidents archived, want %d", len(got), n)
	}
	for _, inc := range got {
		var i int
		if _, err := fmt.Sscanf(inc.ID, "gen%09d", &i); err != nil || i >= n {
			t.Errorf("incident %s is not one the site published", inc.ID)
			continue
		}
		var texts []string
		for _, u := range inc.Updates {
			texts = append(texts, u.Text)
		}
		want := []string{fmt.Sprintf("We are investigating reports of degraded performance (incident %d).", i),
			"A fix has been implemented and we are monitoring the results.", "This incident has been resolved."}
		if !reflect.DeepEqual(texts, want) || inc.Partial {
			t.Errorf("incident %d: updates %q (partial %v), want %q", i, texts, inc.Partial, want)
		}
	}
}

// backfill scrapes until the source's backfill is complete and returns
// how many runs it took; each run must make progress.
func backfill(t *testing.T, c *cli, url string, extra ...string) int {
	t.Helper()
	left := -1
	for runs := 1; runs <= 50; runs++ {
		sum, err := c.scrape("gen", url, extra...)
		if err != nil {
			t.Fatalf("run %d: %v", runs, err)
		}
		if sum.Left == 0 {
			if sum.Outcome != archive.OutcomeOK {
				t.Fatalf("run %d finished the backfill with outcome %s", runs, sum.Outcome)
			}
			return runs
		}
		if sum.Outcome != archive.OutcomePartial || (left >= 0 && sum.Left >= left && sum.New == 0) {
			t.Fatalf("run %d: %+v; want partial and progress after %d pages left", runs, sum, left)
		}
		left = sum.Left
	}
	t.Fatal("backfill not complete after 50 runs")
	return 0
}

// A 61-incident site (13 history pages, 76 pages) is archived whole by
// one default run; with a budget of 30 pages a run it takes several, each
// one going on where the last stopped, and ends with the same archive.
// `sources` shows the backfill's state.
func TestBackfillResumesUntilComplete(t *testing.T) {
	const n = 61
	_, _, url := generatedSite(t, n, 5, 0)
	c := newCLI(t)
	if runs := backfill(t, c, url); runs != 1 {
		t.Errorf("default budget: %d runs, want 1", runs)
	}
	checkGenerated(t, c, n)
	if out := c.must("sources"); !strings.Contains(out, "complete") {
		t.Errorf("sources after the backfill:\n%s\nwant it complete", out)
	}

	small := newCLI(t)
	runs := backfill(t, small, url, "--max-pages", "30")
	t.Logf("61 incidents, 76 pages, 30 pages a run: %d runs", runs)
	if runs < 3 {
		t.Errorf("%d runs of 30 pages archived 76 pages", runs)
	}
	checkGenerated(t, small, n)
}

// `sources` names the pages left while a backfill is under way.
func TestSourcesShowsBackfillLeft(t *testing.T) {
	_, _, url := generatedSite(t, 61, 5, 0)
	c := newCLI(t)
	sum, err := c.scrape("gen", url, "--max-pages", "30")
	if err != nil || sum.Outcome != archive.OutcomePartial || sum.Left == 0 {
		t.Fatalf("first run of 30 pages: %+v, %v; want partial with pages left", sum, err)
	}
	if out := c.must("sources"); !strings.Contains(out, fmt.Sprintf("%d pages left", sum.Left)) {
		t.Errorf("sources:\n%s\nwant %d pages left", out, sum.Left)
	}
}

// A run interrupted (its context cancelled, as by a signal) after 20
// pages keeps what it fetched and where it stopped; the next run goes on
// from there and completes the archive.
func TestBackfillInterruptedRunResumes(t *testing.T) {
	const n = 61
	site, _, url := generatedSite(t, n, 5, 0)
	c := newCLI(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var stdout, stderr bytes.Buffer
	m := NewMain(&stdout, &stderr)
	m.Getenv = func(string) string { return "" }
	m.LogFormat = "json"
	m.Now = c.clock
	m.Transport = &cancelAfter{next: http.DefaultTransport, n: 20, cancel: cancel}
	err := m.Run(ctx, []string{"scrape", "--db", c.db, "--json", "--delay", "0", "--source", "gen", url})
	if err == nil {
		t.Fatal("the interrupted run reported no error")
	}
	var sum scrapeSummary
	if jerr := json.Unmarshal(stdout.Bytes(), &sum); jerr != nil {
		t.Fatalf("interrupted run's output %q: %v (%v)", stdout.String(), jerr, err)
	}
	if sum.Outcome != archive.OutcomePartial || sum.Left == 0 || sum.Incidents == 0 {
		t.Fatalf("interrupted run: %+v, want partial, with incidents and pages left", sum)
	}
	if runs := backfill(t, c, url); runs != 1 {
		t.Errorf("after the interruption the backfill took %d more runs, want 1", runs)
	}
	checkGenerated(t, c, n)
	// Both runs together fetched the site once, and the newest page
	// again: the resumed run did not start over.
	both := site.requests()
	whole, _, _ := generatedSite(t, n, 5, 0)
	if runs := backfill(t, newCLI(t), whole.url); runs != 1 {
		t.Fatalf("uninterrupted: %d runs", runs)
	}
	t.Logf("interrupted after 20 requests (%d pages pending), then resumed: %d requests in all; uninterrupted: %d",
		sum.Left, both, whole.requests())
	if both > whole.requests()+1 {
		t.Errorf("interrupted and resumed runs made %d requests; one uninterrupted run makes %d", both, whole.requests())
	}
}

// cancelAfter cancels a context once n requests have been answered.
type cancelAfter struct {
	next   http.RoundTripper
	n      int64
	seen   atomic.Int64
	cancel context.CancelFunc
}

func (c *cancelAfter) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := c.next.RoundTrip(r)
	if c.seen.Add(1) == c.n {
		c.cancel()
	}
	return resp, err
}

// cpu is the process's user and system CPU time.
func cpu(t testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		t.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// The GitHub-sized site (3,000 incidents, 50 history pages, ETags): how
// many default runs archive it with every update exact; what the next
// unchanged run fetches and costs; and after how many daily runs an edit
// to the oldest incident (four years old) is archived, with the default
// sweep period of 7 days.
func TestBackfillGitHubSized(t *testing.T) {
	const n, perPage = 3000, 60
	site, ed, url := generatedSite(t, n, perPage, n-1)
	c := newCLI(t)
	runs := backfill(t, c, url)
	t.Logf("GitHub-sized site: %d default runs, %d requests", runs, site.requests())
	checkGenerated(t, c, n)

	before, before304, began := site.requests(), site.notModified.Load(), cpu(t)
	sum, err := c.scrape("gen", url)
	if err != nil || sum.New+sum.Changed+sum.Deleted != 0 {
		t.Fatalf("unchanged run: %+v, %v", sum, err)
	}
	pages := site.requests() - before
	t.Logf("unchanged run: %d requests (%d answered 304), %v CPU (test process, server included)",
		pages, site.notModified.Load()-before304, cpu(t)-began)
	if pages > 200 {
		t.Errorf("unchanged run made %d requests, want a small slice of the %d pages", pages, n+53)
	}

	ed.edited.Store(true)
	oldest := fmt.Sprintf("gen%09d", n-1)
	for day := 1; day <= 7; day++ {
		c.now = c.now.Add(24 * time.Hour)
		sum, err := c.scrape("gen", url)
		if err != nil {
			t.Fatalf("day %d: %v", day, err)
		}
		if sum.Changed > 0 {
			var got *exported
			for _, inc := range c.export() {
				if inc.ID == oldest {
					got = &inc
				}
			}
			if got == nil || got.Updates[len(got.Updates)-1].Text != ed.new || sum.Changed != 1 {
				t.Fatalf("day %d: changed %d, the oldest incident reads %+v", day, sum.Changed, got)
			}
			t.Logf("edit to the oldest incident found on day %d (%d requests that run)", day, sum.Pages)
			return
		}
	}
	t.Fatal("edit to the oldest incident not found within the 7-day sweep period")
}

// After the backfill of a 61-incident site (76 pages), an unchanged run
// five minutes later makes a handful of conditional requests (the newest
// page, and the one or two pages of the sweep's slice), all answered 304,
// and parses nothing. Runs every hour re-verify the history page by page:
// an edit to the oldest incident, which only the sweep reaches, is found
// within the sweep period (7 days), and no run before it re-fetches the
// whole site.
func TestBackfillSmallSiteUnchangedThenEdited(t *testing.T) {
	const n = 61
	site, ed, url := generatedSite(t, n, 5, n-1)
	c := newCLI(t)
	var parses atomic.Int64
	c.countParses(&parses)
	backfill(t, c, url)
	first, before, before304 := site.requests(), site.requests(), site.notModified.Load()
	parses.Store(0)
	c.now = c.now.Add(5 * time.Minute)
	sum, err := c.scrape("gen", url)
	if err != nil || sum.Outcome != archive.OutcomeOK || sum.New+sum.Changed+sum.Deleted != 0 || sum.Unchanged == 0 {
		t.Fatalf("unchanged run: %+v, %v; want ok, some incidents seen unchanged, nothing else", sum, err)
	}
	got, got304 := site.requests()-before, site.notModified.Load()-before304
	t.Logf("unchanged run: %d requests, %d answered 304, %d parsed (the backfill made %d)", got, got304, parses.Load(), first)
	if got > 4 || got304 != got || parses.Load() != 0 {
		t.Errorf("unchanged run: %d requests (%d were 304), %d parsed; want at most 4, all 304, none parsed", got, got304, parses.Load())
	}
	ed.edited.Store(true)
	most := int64(0)
	for hour := 1; hour <= 7*24; hour++ {
		c.now = c.now.Add(time.Hour)
		before := site.requests()
		sum, err := c.scrape("gen", url)
		if err != nil || sum.Outcome != archive.OutcomeOK || sum.New+sum.Deleted != 0 {
			t.Fatalf("hour %d: %+v, %v", hour, sum, err)
		}
		if sum.Changed == 1 {
			t.Logf("hourly runs: the edit to the oldest incident found after %d hours; at most %d requests a run", hour, most)
			return
		}
		most = max(most, site.requests()-before)
		if most > 10 {
			t.Fatalf("hour %d: a run made %d requests; want a slice of the %d pages", hour, most, first)
		}
	}
	t.Fatal("edit to the oldest incident not found within the 7-day sweep period")
}

// withdrawing hides one incident of a generated site while withdrawn is
// set: from its history page, and its own page answers 404.
type withdrawing struct {
	h         http.Handler
	code      string
	withdrawn atomic.Bool
}

func (g *withdrawing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.withdrawn.Load() {
		g.h.ServeHTTP(w, r)
		return
	}
	if r.URL.Path == "/api/v2/incidents/"+g.code+".json" {
		http.NotFound(w, r)
		return
	}
	if r.URL.Path != "/history" {
		g.h.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	g.h.ServeHTTP(rec, r)
	var props map[string]any
	if err := json.Unmarshal(rec.Body.Bytes(), &props); err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	months, _ := props["months"].([]any)
	for _, m := range months {
		month := m.(map[string]any)
		incidents, _ := month["incidents"].([]any)
		var kept []any
		for _, in := range incidents {
			if in.(map[string]any)["code"] != g.code {
				kept = append(kept, in)
			}
		}
		month["incidents"] = kept
	}
	body, _ := json.Marshal(props)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(body)
}

// An incident the vendor withdraws is inferred deleted only by a run that
// sees every list page: the run that ends a sweep, within the sweep period
// (daily runs here). The runs before it, which see a slice of the history,
// delete nothing, and none fails on the withdrawn page.
func TestSweepInfersDeletionsOncePerPeriod(t *testing.T) {
	const n, perPage = 61, 5
	g := &withdrawing{h: fixtures.LargeStatuspageSite(n, perPage), code: fmt.Sprintf("gen%09d", n-3)}
	site := &etagged{h: g}
	srv := httptest.NewServer(site)
	defer srv.Close()
	url := srv.URL + "/history?page=1"
	c := newCLI(t)
	backfill(t, c, url)
	g.withdrawn.Store(true)
	for day := 1; day <= 7; day++ {
		c.now = c.now.Add(24 * time.Hour)
		sum, err := c.scrape("gen", url)
		if err != nil || sum.Outcome != archive.OutcomeOK || sum.New+sum.Changed != 0 || sum.Deleted > 1 {
			t.Fatalf("day %d: %+v, %v; want an ok run that adds and changes nothing", day, sum, err)
		}
		if sum.Deleted == 1 {
			t.Logf("withdrawn incident inferred deleted on day %d (%d requests that run)", day, sum.Pages)
			for _, in := range c.export("--kind", "all") {
				if in.ID == g.code {
					t.Errorf("withdrawn incident %s still exported", in.ID)
				}
			}
			return
		}
	}
	t.Fatal("withdrawn incident not inferred deleted within the 7-day sweep period")
}

// failOnce answers 404 for path while failing is set.
type failOnce struct {
	h       http.Handler
	path    string
	failing atomic.Bool
}

func (f *failOnce) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if f.failing.Load() && r.URL.Path == f.path {
		http.NotFound(w, r)
		return
	}
	f.h.ServeHTTP(w, r)
}

// An old incident whose own page failed during the backfill is archived
// as the list showed it, incomplete; the next run, incremental, asks for
// that page again although neither its walk nor its sweep reaches it, and
// completes the record, without fetching the history again.
func TestBackfillRetriesFailedPage(t *testing.T) {
	const n, perPage = 200, 20 // 212 pages
	const old = n - 1
	f := &failOnce{h: fixtures.LargeStatuspageSite(n, perPage), path: fmt.Sprintf("/api/v2/incidents/gen%09d.json", old)}
	f.failing.Store(true)
	site := &etagged{h: f}
	srv := httptest.NewServer(site)
	defer srv.Close()
	url := srv.URL + "/history?page=1"
	c := newCLI(t)
	sum, err := c.scrape("gen", url)
	if err == nil || sum.Outcome != archive.OutcomePartial || sum.Left != 0 {
		t.Fatalf("backfill with one failing page: %+v, %v; want partial, an error, nothing left", sum, err)
	}
	first := site.requests()
	f.failing.Store(false)
	sum, err = c.scrape("gen", url)
	if err != nil || sum.Outcome != archive.OutcomeOK {
		t.Fatalf("next run: %+v, %v", sum, err)
	}
	again := site.requests() - first
	t.Logf("backfill %d requests; the run after it %d", first, again)
	if again > first*2/3 {
		t.Errorf("the run after one failed page made %d requests of the backfill's %d", again, first)
	}
	checkGenerated(t, c, n)
}

// An incremental run that reads a changed list page but not the own pages
// of its (known, resolved) incidents keeps their archived timelines: the
// list's incomplete renderings make no version that loses updates.
func TestIncrementalListOnlyKeepsTimelines(t *testing.T) {
	const n, perPage = 200, 20 // 212 pages
	ed := &editable{h: fixtures.LargeStatuspageSite(n, perPage), path: "/history",
		old: "This incident has been resolved.", new: "This incident has been resolved; see the postmortem."}
	site := &etagged{h: ed}
	srv := httptest.NewServer(site)
	defer srv.Close()
	url := srv.URL + "/history?page=1"
	c := newCLI(t)
	if runs := backfill(t, c, url); runs != 1 {
		t.Fatalf("backfill: %d runs", runs)
	}
	// The first incremental run, a day after the backfill, sweeps a
	// seventh of the site's pages: page 1 with its incidents' pages, and
	// on into page 2's; the next one, soon after, sweeps on from there, so
	// that page 1 is only walked.
	c.now = c.now.Add(24 * time.Hour)
	if sum, err := c.scrape("gen", url); err != nil || sum.Changed != 0 {
		t.Fatalf("unchanged run: %+v, %v", sum, err)
	}
	ed.edited.Store(true)
	sum, err := c.scrape("gen", url)
	if err != nil || sum.Outcome != archive.OutcomeOK || sum.Deleted != 0 {
		t.Fatalf("run over the changed list: %+v, %v", sum, err)
	}
	t.Logf("run over a changed list page whose incidents' pages it did not fetch: %+v", sum)
	checkGenerated(t, c, n)
}

// With hourly runs, the sweep of the GitHub-sized site re-checks the
// hour's share of its pages a run (3,233/168: 20 pages, and the list pages
// they hang from), and an edit to the oldest incident, on the last page,
// is found within the 7-day period.
func TestBackfillGitHubSizedHourly(t *testing.T) {
	if testing.Short() {
		t.Skip("a 3,000-incident backfill and a day of hourly runs")
	}
	const n, perPage = 3000, 60
	_, ed, url := generatedSite(t, n, perPage, n-1)
	c := newCLI(t)
	backfill(t, c, url)
	ed.edited.Store(true)
	for hour := 1; hour <= 7*24; hour++ {
		c.now = c.now.Add(time.Hour)
		sum, err := c.scrape("gen", url)
		if err != nil {
			t.Fatalf("hour %d: %v", hour, err)
		}
		if sum.Changed == 1 {
			t.Logf("hourly runs: edit to the oldest incident found after %d hours (%d requests that run)", hour, sum.Pages)
			return
		}
	}
	t.Fatal("edit to the oldest incident not found within the 7-day sweep period")
}

// A daemon source whose history is larger than its page budget archives
// it over several scheduled runs, each partial with pages left and none a
// failure: the source never goes stale, and the archive ends complete.
func TestDaemonBackfillNeverStale(t *testing.T) {
	const n = 61
	tr := loopbackTransport()
	defer tr.CloseIdleConnections()
	_, _, url := generatedSite(t, n, 5, 0)
	src := testSource(t, "gen", url, "@hourly")
	src.Limits.MaxPages = 20
	cfg := &Config{StaleAfter: 1, Concurrency: 1, Sources: []Source{src}}
	logs := &syncBuffer{}
	c := newCLI(t)
	d := newDaemon(testMain(tr), zerolog.New(logs), c.db, "", cfg)
	var lefts []string
	for run := 1; ; run++ {
		if run > 10 {
			t.Fatalf("backfill not complete after 10 runs of 20 pages: %v", lefts)
		}
		d.runSource(t.Context(), "gen")
		if got := d.staleSources(); len(got) != 0 {
			t.Fatalf("run %d: stale sources %q", run, got)
		}
		line := logs.lines(t)
		last := line[len(line)-1]
		lefts = append(lefts, fmt.Sprint(last["outcome"], " ", last["backfill_left"]))
		if last["backfill_left"] == nil {
			break
		}
		if last["outcome"] != archive.OutcomePartial {
			t.Fatalf("run %d with pages left: outcome %v", run, last["outcome"])
		}
	}
	t.Logf("daemon runs of 20 pages (outcome, pages left): %v", lefts)
	if len(lefts) < 4 {
		t.Errorf("76 pages in %d runs of 20", len(lefts))
	}
	checkGenerated(t, c, n)
}

// publishing adds one incident, newer than all the others, to a generated
// site while grown is set: at the top of history page 1 and at its own
// incident page, rendered as the newest generated incident is.
type publishing struct {
	h     http.Handler
	grown atomic.Bool
}

const (
	grownCode = "new000000001"
	grownName = "A new incident after the backfill"
)

func (g *publishing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !g.grown.Load() {
		g.h.ServeHTTP(w, r)
		return
	}
	get := func(path string) []byte {
		rec := httptest.NewRecorder()
		g.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		return rec.Body.Bytes()
	}
	var body []byte
	switch {
	case r.URL.Path == "/history" && r.URL.Query().Get("page") == "1":
		var props map[string]any
		if err := json.Unmarshal(get(r.URL.RequestURI()), &props); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		month := props["months"].([]any)[0].(map[string]any)
		incidents := month["incidents"].([]any)
		top := map[string]any{}
		for k, v := range incidents[0].(map[string]any) {
			top[k] = v
		}
		top["code"], top["name"] = grownCode, grownName
		month["incidents"] = append([]any{top}, incidents...)
		body, _ = json.Marshal(props)
	case r.URL.Path == "/api/v2/incidents/"+grownCode+".json":
		body = get("/api/v2/incidents/gen000000000.json")
		body = bytes.ReplaceAll(body, []byte("gen000000000"), []byte(grownCode))
		body = bytes.ReplaceAll(body, []byte("Incident with Actions and Pages, number 0"), []byte(grownName))
	default:
		g.h.ServeHTTP(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_, _ = w.Write(body)
}

// After the backfill of a 600-incident site (610 pages), an incident the vendor publishes is archived by
// the next incremental run, which fetches a slice of the site, not all of
// it; the run after that finds nothing new.
func TestIncrementalRunFindsNewIncident(t *testing.T) {
	const n, perPage = 600, 60
	g := &publishing{h: fixtures.LargeStatuspageSite(n, perPage)}
	site := &etagged{h: g}
	srv := httptest.NewServer(site)
	defer srv.Close()
	url := srv.URL + "/history?page=1"
	c := newCLI(t)
	backfill(t, c, url)
	checkGenerated(t, c, n)

	c.now = c.now.Add(time.Hour)
	if sum, err := c.scrape("gen", url); err != nil || sum.New+sum.Changed+sum.Deleted != 0 {
		t.Fatalf("unchanged run: %+v, %v", sum, err)
	}

	g.grown.Store(true)
	c.now = c.now.Add(time.Hour)
	before := site.requests()
	sum, err := c.scrape("gen", url)
	if err != nil || sum.New != 1 || sum.Changed+sum.Deleted != 0 {
		t.Fatalf("run after the vendor published an incident: %+v, %v; want exactly 1 new", sum, err)
	}
	if pages := site.requests() - before; pages >= n {
		t.Errorf("the incremental run made %d requests, want a slice of the %d pages", pages, n+perPage/6)
	} else {
		t.Logf("new incident found by an incremental run of %d requests", pages)
	}
	var found bool
	for _, inc := range c.export() {
		if inc.ID == grownCode {
			found = true
			if inc.Title != grownName || len(inc.Updates) != 3 || inc.Partial || inc.Incomplete {
				t.Errorf("new incident archived as %+v, want its title and 3 updates", inc)
			}
		}
	}
	if !found {
		t.Fatalf("new incident %s not in the export", grownCode)
	}
	c.now = c.now.Add(time.Hour)
	if sum, err := c.scrape("gen", url); err != nil || sum.New+sum.Changed+sum.Deleted != 0 {
		t.Fatalf("run after that: %+v, %v; want nothing new", sum, err)
	}
}
