package main

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/statusarchive/statusarchive/fixtures"
)

// platformSite is what a platform fixture's data file says: its incidents
// and how many updates each has.
type platformSite struct {
	Incidents []struct {
		ID      string `json:"id"`
		Title   string `json:"title"`
		Updates []struct {
			Body string `json:"body"`
		} `json:"updates"`
	} `json:"incidents"`
}

func readPlatformSite(t *testing.T, platform string) platformSite {
	t.Helper()
	b, err := fixtures.PlatformData(platform)
	if err != nil {
		t.Fatal(err)
	}
	var s platformSite
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestScrapePlatformSites crawls each platform's loopback site from the
// page a user would give, through its history, and checks that every
// incident of the data file is archived with its whole timeline; that a
// second run makes no version; and that one edit by the vendor, seen by
// every rendering, makes exactly one.
func TestScrapePlatformSites(t *testing.T) {
	starts := map[string]string{
		"incidentio":  "/",
		"instatus":    "/history",
		"betterstack": "/index.json",
		"statusio":    "/pages/history/5f00000000000000000000aa",
	}
	for _, platform := range fixtures.Platforms {
		t.Run(platform, func(t *testing.T) {
			data := readPlatformSite(t, platform)
			// The vendor later edits one update of the oldest incident,
			// which only the history reaches; every rendering shows the edit.
			oldest := data.Incidents[len(data.Incidents)-1]
			body := oldest.Updates[0].Body
			site := &switchable{handlers: []http.Handler{
				fixtures.PlatformSite(platform, fixtures.PlatformOptions{}),
				fixtures.PlatformSite(platform, fixtures.PlatformOptions{Replace: [2]string{body, body + " (edited)"}}),
			}}
			srv := httptest.NewServer(site)
			defer srv.Close()
			c := newCLI(t)
			first, err := c.scrape(platform, srv.URL+starts[platform])
			if err != nil {
				t.Fatal(err)
			}
			got := c.export()
			if len(got) != len(data.Incidents) || first.New != len(data.Incidents) {
				t.Fatalf("archived %d incidents (%d new), the site has %d", len(got), first.New, len(data.Incidents))
			}
			byID := map[string]exported{}
			for _, in := range got {
				byID[in.ID] = in
			}
			for _, want := range data.Incidents {
				in, ok := byID[want.ID]
				if !ok {
					t.Errorf("incident %s %q not archived", want.ID, want.Title)
					continue
				}
				if in.Title != want.Title || len(in.Updates) != len(want.Updates) {
					t.Errorf("incident %s: %q with %d updates, want %q with %d", want.ID, in.Title, len(in.Updates), want.Title, len(want.Updates))
				}
			}

			again, err := c.scrape(platform, srv.URL+starts[platform])
			if err != nil {
				t.Fatal(err)
			}
			if again.New != 0 || again.Changed != 0 || again.Deleted != 0 {
				t.Errorf("second run: %+v, want no new, changed or deleted incident", again)
			}

			// Within a sweep period the sweep re-reads the oldest
			// incident, whose page the newest pages do not lead to.
			site.current.Store(1)
			c.sweepPeriodLater()
			third, err := c.scrape(platform, srv.URL+starts[platform])
			if err != nil {
				t.Fatal(err)
			}
			if third.Changed != 1 || third.New != 0 {
				t.Errorf("after one edit: %+v, want exactly one changed incident", third)
			}
			for _, in := range c.export() {
				if in.ID == oldest.ID && !strings.Contains(in.Updates[0].Text, "(edited)") {
					t.Errorf("incident %s first update %q, want the edit", in.ID, in.Updates[0].Text)
				}
			}
		})
	}
}

// TestScrapeStatusIOFromFeed: a crawl started at status.io's RSS feed
// reaches every incident the feed links through its page.
func TestScrapeStatusIOFromFeed(t *testing.T) {
	data := readPlatformSite(t, "statusio")
	srv := httptest.NewServer(fixtures.PlatformSite("statusio", fixtures.PlatformOptions{}))
	defer srv.Close()
	c := newCLI(t)
	if _, err := c.scrape("statusio", srv.URL+"/pages/5f00000000000000000000aa/rss"); err != nil {
		t.Fatal(err)
	}
	got := c.export()
	if len(got) != len(data.Incidents) {
		t.Fatalf("archived %d incidents from the feed, the site has %d", len(got), len(data.Incidents))
	}
	for _, in := range got {
		if len(in.Updates) < 2 {
			t.Errorf("%s has %d updates: its page was not read", in.ID, len(in.Updates))
		}
	}
}

// TestScrapeBetterStackFailingMidway: when one report page fails, the run
// is partial and deletes nothing; that report is archived as its collapsed
// history entry shows it (its last update, marked incomplete), and the next
// good run completes it: one changed incident, nothing new.
func TestScrapeBetterStackFailingMidway(t *testing.T) {
	data := readPlatformSite(t, "betterstack")
	site := &switchable{handlers: []http.Handler{
		fixtures.PlatformSite("betterstack", fixtures.PlatformOptions{FailPath: "/incidents/970005"}),
		fixtures.PlatformSite("betterstack", fixtures.PlatformOptions{}),
	}}
	srv := httptest.NewServer(site)
	defer srv.Close()
	c := newCLI(t)
	sum, err := c.scrape("betterstack", srv.URL+"/index.json")
	if err == nil || !strings.Contains(err.Error(), "partial") {
		t.Fatalf("a crawl whose report page fails: %v, want a partial-run error", err)
	}
	if sum.Deleted != 0 || sum.New != len(data.Incidents) {
		t.Errorf("summary %+v, want every report new and nothing deleted", sum)
	}
	for _, in := range c.export() {
		want := 0
		for _, d := range data.Incidents {
			if d.ID == in.ID {
				want = len(d.Updates)
			}
		}
		if in.ID == "970005" {
			want = 1 // the history entry shows the last update only
		}
		if len(in.Updates) != want {
			t.Errorf("report %s archived with %d updates, want %d", in.ID, len(in.Updates), want)
		}
	}
	site.current.Store(1)
	next, err := c.scrape("betterstack", srv.URL+"/index.json")
	if err != nil {
		t.Fatal(err)
	}
	if next.New != 0 || next.Changed != 1 || next.Deleted != 0 {
		t.Errorf("next run: %+v, want the incomplete report completed: one changed, nothing new", next)
	}
}

// TestScrapeInstatusFromSummary: a crawl started at Instatus's summary,
// whose open incidents carry no updates, reaches the history and every
// incident page, and archives every incident with its whole timeline.
func TestScrapeInstatusFromSummary(t *testing.T) {
	data := readPlatformSite(t, "instatus")
	srv := httptest.NewServer(fixtures.PlatformSite("instatus", fixtures.PlatformOptions{}))
	defer srv.Close()
	c := newCLI(t)
	sum, err := c.scrape("instatus", srv.URL+"/summary.json")
	if err != nil {
		t.Fatal(err)
	}
	if sum.New != len(data.Incidents) {
		t.Errorf("summary %+v, want %d new incidents", sum, len(data.Incidents))
	}
	want := map[string]int{}
	for _, d := range data.Incidents {
		want[d.ID] = len(d.Updates)
	}
	for _, in := range c.export() {
		if len(in.Updates) != want[in.ID] {
			t.Errorf("%s archived with %d updates, want %d", in.ID, len(in.Updates), want[in.ID])
		}
	}
}
