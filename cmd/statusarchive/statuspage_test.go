package main

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/statusarchive/statusarchive/fixtures"
)

// statuspageIncidents is how many incidents (maintenance included) the
// fixture Statuspage site holds across all its history pages.
func statuspageIncidents(t *testing.T) int {
	t.Helper()
	srv := httptest.NewServer(fixtures.StatuspageSite(fixtures.StatuspageOptions{}))
	defer srv.Close()
	c := newCLI(t)
	// Count from the API list, which names every incident, not from a crawl.
	if _, err := c.scrape("count", srv.URL+"/api/v2/incidents.json"); err != nil {
		t.Fatal(err)
	}
	return len(c.export())
}

func TestScrapeStatuspageSiteFullHistory(t *testing.T) {
	want := statuspageIncidents(t)
	srv := httptest.NewServer(fixtures.StatuspageSite(fixtures.StatuspageOptions{}))
	defer srv.Close()
	c := newCLI(t)
	first, err := c.scrape("acme", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	got := c.export()
	if len(got) != want || first.New != want {
		t.Fatalf("archived %d incidents (%d new), the site has %d", len(got), first.New, want)
	}
	for _, in := range got {
		if len(in.Updates) < 2 {
			t.Errorf("%s %q has %d updates: its full timeline was not fetched", in.ID, in.Title, len(in.Updates))
		}
		if len(in.ID) != 12 {
			t.Errorf("id %q is not a Statuspage code", in.ID)
		}
	}
	c.sweepPeriodLater() // a run that re-checks the whole history
	again, err := c.scrape("acme", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if again.New != 0 || again.Changed != 0 || again.Deleted != 0 || again.Unchanged != want {
		t.Errorf("second run: %+v, want every incident unchanged", again)
	}

	// Maintenance is archived but left out of exports unless asked for.
	incidents := c.must("export", "--format", "ndjson")
	maintenance := c.must("export", "--format", "ndjson", "--kind", "maintenance")
	all := c.must("export", "--format", "ndjson", "--kind", "all")
	n := func(s string) int { return strings.Count(s, "\n") }
	if n(maintenance) == 0 || n(incidents)+n(maintenance) != n(all) || strings.Contains(incidents, `"kind":"maintenance"`) {
		t.Errorf("export --kind: %d incidents + %d maintenance, %d all; default export has maintenance: %v",
			n(incidents), n(maintenance), n(all), strings.Contains(incidents, `"kind":"maintenance"`))
	}
}

func TestScrapeStatuspageFallsBackToHTML(t *testing.T) {
	viaJSON := newCLI(t)
	srv := httptest.NewServer(fixtures.StatuspageSite(fixtures.StatuspageOptions{}))
	defer srv.Close()
	if _, err := viaJSON.scrape("acme", srv.URL); err != nil {
		t.Fatal(err)
	}
	viaHTML := newCLI(t)
	refusing := httptest.NewServer(fixtures.StatuspageSite(fixtures.StatuspageOptions{RefuseJSON: true}))
	defer refusing.Close()
	if _, err := viaHTML.scrape("acme", refusing.URL); err != nil {
		t.Fatal(err)
	}
	a := byTitle(viaJSON.export())
	b := byTitle(viaHTML.export())
	if len(a) != len(b) {
		t.Fatalf("JSON gave %d incidents, HTML %d", len(a), len(b))
	}
	for title, x := range a {
		y, ok := b[title]
		if !ok || x.ID != y.ID || len(x.Updates) != len(y.Updates) {
			t.Errorf("%q: JSON %s with %d updates, HTML %s with %d", title, x.ID, len(x.Updates), y.ID, len(y.Updates))
			continue
		}
		for i := range x.Updates {
			if x.Updates[i].At != y.Updates[i].At || x.Updates[i].Text != y.Updates[i].Text {
				t.Errorf("%q update %d: JSON (%s, %q), HTML (%s, %q)", title, i+1, x.Updates[i].At, x.Updates[i].Text, y.Updates[i].At, y.Updates[i].Text)
			}
		}
	}
}

// switchable serves one handler or another from the same address.
type switchable struct {
	handlers []http.Handler
	current  atomic.Int32
}

func (s *switchable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.handlers[s.current.Load()].ServeHTTP(w, r)
}

func TestScrapeStatuspageFailingMidway(t *testing.T) {
	site := &switchable{handlers: []http.Handler{
		fixtures.StatuspageSite(fixtures.StatuspageOptions{FailPath: "/history?page=2"}),
		fixtures.StatuspageSite(fixtures.StatuspageOptions{}),
	}}
	srv := httptest.NewServer(site)
	defer srv.Close()
	c := newCLI(t)
	sum, err := c.scrape("acme", srv.URL)
	if err == nil || !strings.Contains(err.Error(), "partial") || !strings.Contains(err.Error(), "500") {
		t.Fatalf("a crawl whose history page 2 fails: %v, want a partial-run error naming the 500", err)
	}
	if sum.Outcome != "partial" || sum.Deleted != 0 {
		t.Errorf("summary %+v, want outcome partial with nothing deleted", sum)
	}
	got := c.export("--kind", "all")
	if len(got) == 0 {
		t.Fatal("nothing archived from the pages that did load")
	}
	for _, in := range got {
		if len(in.Updates) < 2 {
			t.Errorf("%s archived with %d updates: a short timeline was written", in.ID, len(in.Updates))
		}
	}
	// The next good run completes the history without touching what the
	// partial run archived correctly.
	site.current.Store(1)
	next, err := c.scrape("acme", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	if next.Changed != 0 || next.New != statuspageIncidents(t)-len(got) {
		t.Errorf("good run after the partial one: %+v, want only the missing incidents new", next)
	}
	sources := c.must("sources", "--runs", "3")
	if !strings.Contains(sources, "partial") {
		t.Errorf("sources does not show the partial run:\n%s", sources)
	}
}

// TestRenderingsAreOneIncident scrapes the fixture site's incidents through
// the API (the full crawl), then through the Atom and RSS feeds and each
// incident's HTML page: every rendering lands on the same incident, and
// none of them makes a version, since they agree on what they state.
func TestRenderingsAreOneIncident(t *testing.T) {
	srv := httptest.NewServer(fixtures.StatuspageSite(fixtures.StatuspageOptions{}))
	defer srv.Close()
	c := newCLI(t)
	first, err := c.scrape("acme", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	targets := []string{srv.URL + "/history.atom", srv.URL + "/history.rss"}
	for _, in := range c.export("--kind", "all") {
		targets = append(targets, srv.URL+"/incidents/"+in.ID)
	}
	for _, target := range targets {
		sum, err := c.scrape("acme", target)
		if err != nil {
			t.Fatalf("%s: %v", target, err)
		}
		if sum.New != 0 || sum.Changed != 0 || sum.Deleted != 0 {
			t.Errorf("%s: %d new, %d changed, %d deleted; every rendering should agree with the archived incident", target, sum.New, sum.Changed, sum.Deleted)
			t.Log(c.must("changes"))
		}
	}
	if got := c.export("--kind", "all"); len(got) != first.Incidents {
		t.Errorf("%d incidents after scraping every rendering, want %d", len(got), first.Incidents)
	}
}
