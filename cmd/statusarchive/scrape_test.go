package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/fixtures"
	"github.com/statusarchive/statusarchive/parser"
)

// cli runs the command in-process against one archive file, with a clock
// that starts at the same instant in every test and ticks a second a read.
type cli struct {
	t     *testing.T
	db    string
	now   time.Time
	parse func(parser.Document, parser.Format) (*parser.Page, error)
}

func newCLI(t *testing.T) *cli {
	t.Helper()
	return &cli{t: t, db: filepath.Join(t.TempDir(), "archive.db"), now: time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)}
}

// sweepPeriodLater moves the clock on by the default sweep period: the
// next incremental run re-checks the source's whole history (every list
// page and every incident's own page), as the sweep does at least once a
// period, instead of the slice a run soon after the last one re-checks.
func (c *cli) sweepPeriodLater() { c.now = c.now.Add(archive.DefaultSweepPeriod) }

func (c *cli) clock() time.Time {
	c.now = c.now.Add(time.Second)
	return c.now
}

// run runs statusarchive with args (and --db) and returns stdout, stderr
// and the error Run returned.
func (c *cli) run(args ...string) (string, string, error) {
	c.t.Helper()
	var stdout, stderr bytes.Buffer
	m := NewMain(&stdout, &stderr)
	m.Getenv = func(string) string { return "" }
	m.LogFormat = "json"
	m.Now = c.clock
	m.Parse = c.parse
	full := append([]string{args[0], "--db", c.db}, args[1:]...)
	err := m.Run(context.Background(), full)
	return stdout.String(), stderr.String(), err
}

// must runs args and fails the test on error.
func (c *cli) must(args ...string) string {
	c.t.Helper()
	out, errOut, err := c.run(args...)
	if err != nil {
		c.t.Fatalf("statusarchive %s: %v\nstderr:\n%s", strings.Join(args, " "), err, errOut)
	}
	return out
}

// scrape scrapes url as source with no politeness delay (loopback) and
// returns the summary.
func (c *cli) scrape(source, url string, extra ...string) (scrapeSummary, error) {
	c.t.Helper()
	args := append([]string{"scrape", "--json", "--delay", "0", "--source", source}, extra...)
	out, errOut, err := c.run(append(args, url)...)
	var sum scrapeSummary
	if jerr := json.Unmarshal([]byte(out), &sum); jerr != nil {
		c.t.Fatalf("scrape %s: output %q is not a JSON summary: %v (run error %v)\nstderr:\n%s", url, out, jerr, err, errOut)
	}
	return sum, err
}

// exported is one incident of `export --format json`.
type exported struct {
	Source          string   `json:"source"`
	ID              string   `json:"id"`
	Title           string   `json:"title"`
	URL             string   `json:"url"`
	Impact          *string  `json:"impact"`
	Status          *string  `json:"status"`
	StartedAt       *string  `json:"started_at"`
	ResolvedAt      *string  `json:"resolved_at"`
	DurationMinutes *float64 `json:"duration_minutes"`
	Version         int      `json:"version"`
	Partial         bool     `json:"partial"`
	Incomplete      bool     `json:"incomplete"`
	Updates         []struct {
		Status    *string `json:"status"`
		RawStatus string  `json:"raw_status"`
		At        string  `json:"at"`
		AtText    string  `json:"at_text"`
		Text      string  `json:"text"`
	} `json:"updates"`
}

func (c *cli) export(args ...string) []exported {
	c.t.Helper()
	out := c.must(append([]string{"export", "--format", "json", "--kind", "all"}, args...)...)
	var got []exported
	if err := json.Unmarshal([]byte(out), &got); err != nil {
		c.t.Fatalf("export is not a JSON array: %v\n%s", err, out)
	}
	return got
}

const workosPath = "/providers/workos/outages"

// seedIncident is an incident as the seed's visible text shows it.
type seedIncident struct {
	title   string
	claimed int
	updates []seedUpdate
}

type seedUpdate struct {
	status string
	at     time.Time
	body   string
}

// readSeed parses the seed's text with nothing but line patterns, so that
// the parser under test is checked against an independent reading.
func readSeed(t *testing.T) []seedIncident {
	t.Helper()
	label := regexp.MustCompile(`^Timeline · (\d+) updates?$`)
	item := regexp.MustCompile(`^- (\w+) ([A-Z][a-z]{2} \d{2}, \d{4}, \d{2}:\d{2} [AP]M) UTC$`)
	var out []seedIncident
	var prev string
	sc := bufio.NewScanner(strings.NewReader(fixtures.SeedText()))
	for sc.Scan() {
		line := sc.Text()
		switch m := label.FindStringSubmatch(line); {
		case m != nil:
			n, _ := strconv.Atoi(m[1])
			out = append(out, seedIncident{title: prev, claimed: n})
		case item.MatchString(line):
			m := item.FindStringSubmatch(line)
			at, err := time.Parse("Jan 02, 2006, 03:04 PM", m[2])
			if err != nil {
				t.Fatalf("seed time %q: %v", m[2], err)
			}
			cur := &out[len(out)-1]
			cur.updates = append(cur.updates, seedUpdate{status: m[1], at: at.UTC()})
		case len(out) > 0 && len(out[len(out)-1].updates) > 0 && out[len(out)-1].updates[len(out[len(out)-1].updates)-1].body == "":
			ups := out[len(out)-1].updates
			ups[len(ups)-1].body = line
		}
		prev = line
	}
	if len(out) != 24 {
		t.Fatalf("seed has %d incidents by line pattern, want 24", len(out))
	}
	return out
}

func byTitle(incidents []exported) map[string]exported {
	m := map[string]exported{}
	for _, in := range incidents {
		m[in.Title] = in
	}
	return m
}

func TestScrapeArchivesTheSeedSite(t *testing.T) {
	srv := httptest.NewServer(fixtures.OutageHistorySite("semantic"))
	defer srv.Close()
	c := newCLI(t)
	sum, err := c.scrape("workos", srv.URL+workosPath)
	if err != nil {
		t.Fatal(err)
	}
	got := c.export("--source", "workos")
	if sum.Incidents != len(got) || sum.New != len(got) || sum.Changed != 0 || sum.Unchanged != 0 {
		t.Errorf("summary %+v, want %d incidents all new", sum, len(got))
	}
	if len(got) <= 24 {
		t.Errorf("archived %d incidents, want the seed's 24 plus page 2's", len(got))
	}
	seen := byTitle(got)
	for _, want := range readSeed(t) {
		in, ok := seen[want.title]
		if !ok {
			t.Errorf("seed incident %q not archived", want.title)
			continue
		}
		if len(in.Updates) != want.claimed {
			t.Errorf("%q: %d updates archived, its label says %d", want.title, len(in.Updates), want.claimed)
		}
		if len(want.updates) > 0 && len(in.Updates) != len(want.updates) {
			continue
		}
		for i, u := range want.updates {
			got := in.Updates[i]
			if got.At != u.at.Format(time.RFC3339) || got.RawStatus != u.status || got.Text != u.body {
				t.Errorf("%q update %d = (%s, %q, %q), want (%s, %q, %q)", want.title, i+1,
					got.At, got.RawStatus, got.Text, u.at.Format(time.RFC3339), u.status, u.body)
			}
			if !strings.Contains(got.AtText, u.at.Format("Jan 02, 2006, 03:04 PM")) {
				t.Errorf("%q update %d keeps time text %q, want the page's", want.title, i+1, got.AtText)
			}
		}
	}
	if in := seen["Authkit and Admin Portal Errors"]; len(in.Updates) != 11 {
		t.Errorf("the 11-update incident has %d updates, want all 11 from its detail page", len(in.Updates))
	}
}

func TestBothMarkupsArchiveTheSameRecords(t *testing.T) {
	var dumps []string
	for _, markup := range fixtures.Markups() {
		srv := httptest.NewServer(fixtures.OutageHistorySite(markup))
		c := newCLI(t)
		if _, err := c.scrape("workos", srv.URL+workosPath); err != nil {
			t.Fatalf("%s: %v", markup, err)
		}
		out := c.must("export", "--format", "ndjson", "--kind", "all")
		dumps = append(dumps, strings.ReplaceAll(out, srv.URL, "ORIGIN"))
		srv.Close()
	}
	if len(dumps) < 2 {
		t.Fatalf("only %d markups", len(dumps))
	}
	want := strings.Split(dumps[0], "\n")
	for i := 1; i < len(dumps); i++ {
		got := strings.Split(dumps[i], "\n")
		if len(got) != len(want) {
			t.Errorf("markup %s archives %d records, %s %d", fixtures.Markups()[i], len(got), fixtures.Markups()[0], len(want))
			continue
		}
		for k := range got {
			if got[k] != want[k] {
				t.Errorf("markup %s archives other records than %s:\n%s\nvs\n%s", fixtures.Markups()[i], fixtures.Markups()[0], got[k], want[k])
			}
		}
	}
}

// vendorEdits serves the semantic site, optionally with one more update on
// the "SSO Request Latency" incident, as a vendor posting again would.
type vendorEdits struct {
	site        http.Handler
	extraUpdate bool
}

func (v *vendorEdits) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if !v.extraUpdate || r.URL.Path != workosPath || r.URL.Query().Get("page") != "" {
		v.site.ServeHTTP(w, r)
		return
	}
	rec := httptest.NewRecorder()
	v.site.ServeHTTP(rec, r)
	page := rec.Body.String()
	const label = `Timeline · 1 update</p>`
	const last = `intermittent timeouts. We have resolved the issue and are monitoring.</p>
</li>`
	if !strings.Contains(page, label) || !strings.Contains(page, last) {
		http.Error(w, "fixture changed: cannot add an update", http.StatusInternalServerError)
		return
	}
	page = strings.Replace(page, label, `Timeline · 2 updates</p>`, 1)
	page = strings.Replace(page, last, last+`
<li class="update">
<p class="update-head"><span class="status">postmortem</span> <time datetime="2026-06-10T09:00:00Z">Jun 10, 2026, 09:00 AM UTC</time></p>
<p class="update-body">A capacity alarm was missing on the SSO fleet; we have added it.</p>
</li>`, 1)
	w.Header().Set("Content-Type", rec.Header().Get("Content-Type"))
	_, _ = w.Write([]byte(page))
}

func TestRescrapeVersionsOnlyWhatChanged(t *testing.T) {
	site := &vendorEdits{site: fixtures.OutageHistorySite("semantic")}
	srv := httptest.NewServer(site)
	defer srv.Close()
	c := newCLI(t)
	first, err := c.scrape("workos", srv.URL+workosPath)
	if err != nil {
		t.Fatal(err)
	}
	c.sweepPeriodLater()
	again, err := c.scrape("workos", srv.URL+workosPath)
	if err != nil {
		t.Fatal(err)
	}
	if again.New != 0 || again.Changed != 0 || again.Unchanged != first.Incidents {
		t.Fatalf("unchanged rescrape: %+v, want 0 new, 0 changed, %d unchanged", again, first.Incidents)
	}
	for _, in := range c.export() {
		if in.Version != 1 {
			t.Errorf("%s has version %d after an unchanged rescrape", in.ID, in.Version)
		}
	}

	site.extraUpdate = true
	c.sweepPeriodLater()
	edited, err := c.scrape("workos", srv.URL+workosPath)
	if err != nil {
		t.Fatal(err)
	}
	if edited.Changed != 1 || edited.New != 0 || edited.Unchanged != first.Incidents-1 {
		t.Fatalf("after one incident gained an update: %+v, want exactly 1 changed", edited)
	}
	var id string
	for _, in := range c.export() {
		switch {
		case in.Title == "SSO Request Latency":
			id = in.ID
			if in.Version != 2 || len(in.Updates) != 2 {
				t.Errorf("SSO Request Latency: version %d with %d updates, want version 2 with 2", in.Version, len(in.Updates))
			}
		case in.Version != 1:
			t.Errorf("%s (%s) has version %d, only SSO Request Latency changed", in.ID, in.Title, in.Version)
		}
	}
	d := c.must("diff", "workos/"+id)
	if !strings.Contains(d, "A capacity alarm was missing") || !strings.Contains(d, "postmortem") {
		t.Errorf("diff does not show the added postmortem:\n%s", d)
	}
	report := c.must("changes")
	if !strings.Contains(report, "SSO Request Latency") || strings.Contains(report, "Elevated API Errors") {
		t.Errorf("changes since the previous run should name only SSO Request Latency:\n%s", report)
	}
	shown := c.must("show", "workos/"+id)
	for _, want := range []string{"versions (2):", "v1 ", "v2 ", "1 updates", "2 updates", "A capacity alarm was missing"} {
		if !strings.Contains(shown, want) {
			t.Errorf("show does not display %q:\n%s", want, shown)
		}
	}
}

// TestBadInputLeavesTheArchiveAlone scrapes a good site, then one bad
// source after another: each fails with an error naming the source and
// the cause, and the archive's records stay exactly as they were.
func TestBadInputLeavesTheArchiveAlone(t *testing.T) {
	good := httptest.NewServer(fixtures.OutageHistorySite("semantic"))
	defer good.Close()
	bad := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			http.NotFound(w, r)
		case "/500":
			http.Error(w, "boom", http.StatusInternalServerError)
		case "/empty":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte(`<html><body><h1>WorkOS Outage History</h1><p>WorkOS had 44 outages in the last 2 years totaling 122h 18m of downtime — averaging 1.8 incidents per month.</p></body></html>`))
		case "/big":
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write(bytes.Repeat([]byte("<p>x</p>"), 1<<17))
		case "/json":
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"hello":"world"}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer bad.Close()
	closed := httptest.NewServer(http.NotFoundHandler())
	unreachable := closed.URL
	closed.Close()

	c := newCLI(t)
	if _, err := c.scrape("workos", good.URL+workosPath); err != nil {
		t.Fatal(err)
	}
	before := c.must("export", "--format", "ndjson", "--kind", "all")

	cases := []struct {
		name, url string
		extra     []string
		want      string
	}{
		{"unreachable host", unreachable + "/outages", nil, "connection refused"},
		{"404", bad.URL + "/missing", nil, "404"},
		{"500", bad.URL + "/500", nil, "500"},
		{"zero incidents", bad.URL + "/empty", nil, "zero incidents"},
		{"body over the cap", bad.URL + "/big", []string{"--max-body", "65536"}, "cap"},
		{"not html", bad.URL + "/json", nil, "format"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.scrape("workos", tc.url, tc.extra...)
			if err == nil {
				t.Fatalf("scrape %s succeeded", tc.url)
			}
			msg := err.Error()
			if !strings.Contains(msg, "workos") || !strings.Contains(strings.ToLower(msg), tc.want) {
				t.Errorf("error %q does not name the source and %q", msg, tc.want)
			}
			if after := c.must("export", "--format", "ndjson", "--kind", "all"); after != before {
				t.Errorf("the archive changed after a failed scrape")
			}
		})
	}
}

func TestNotAnArchive(t *testing.T) {
	c := newCLI(t)
	want := []byte("these are my notes, not an archive\n")
	if err := os.WriteFile(c.db, want, 0o644); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(fixtures.OutageHistorySite("semantic"))
	defer srv.Close()
	_, errOut, err := c.run("scrape", "--delay", "0", srv.URL+workosPath)
	if !errors.Is(err, archive.ErrNotArchive) {
		t.Fatalf("scrape into a foreign file: %v (%s), want ErrNotArchive", err, errOut)
	}
	if got, _ := os.ReadFile(c.db); !bytes.Equal(got, want) {
		t.Errorf("the foreign file was changed")
	}
}

func TestArchiveHeldByAnotherProcess(t *testing.T) {
	c := newCLI(t)
	srv := httptest.NewServer(fixtures.OutageHistorySite("semantic"))
	defer srv.Close()
	if _, err := c.scrape("workos", srv.URL+workosPath); err != nil {
		t.Fatal(err)
	}
	holder, err := archive.Open(c.db, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	start := time.Now()
	_, _, err = c.run("scrape", "--delay", "0", srv.URL+workosPath)
	if !errors.Is(err, archive.ErrLocked) || !strings.Contains(err.Error(), "in use by another process") {
		t.Fatalf("scrape while the archive is held: %v, want ErrLocked saying it is in use", err)
	}
	if waited := time.Since(start); waited > 5*time.Second {
		t.Errorf("waited %v for the lock, want about a second", waited)
	}
}

func TestOneStartURLPerSource(t *testing.T) {
	c := newCLI(t)
	_, _, err := c.run("scrape", "--source", "acme", "http://127.0.0.1:1/a", "http://127.0.0.1:1/b")
	var ue *usageError
	if !errors.As(err, &ue) {
		t.Errorf("two start URLs for one source: %v, want a usage error", err)
	}
}
