package main

import (
	"net/http/httptest"
	"slices"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/fixtures"
)

// vendorWant is what a scrape of a platform's loopback site archives: every
// incident the platform shows (its whole history, or only what is open).
func vendorWant(site *fixtures.VendorSite, platform string) []string {
	var ids []string
	for _, in := range site.Data().Incidents {
		switch {
		case (platform == fixtures.VendorGCP || platform == fixtures.VendorCheckly || platform == fixtures.VendorAWS || platform == fixtures.VendorAWSRSS ||
			platform == fixtures.VendorAzure) && in.Impact == "maintenance":
			// These platforms list no maintenance.
		case site.HasHistory() || in.Open():
			ids = append(ids, in.ID)
		}
	}
	return ids
}

// Every vendor platform's site, crawled through the CLI: the first run
// archives all it shows (its whole history where it publishes one, walking
// the history pages), a rescrape makes no version, and an edit to one
// incident makes exactly one.
func TestScrapeVendorSites(t *testing.T) {
	for _, platform := range fixtures.VendorPlatforms() {
		t.Run(platform, func(t *testing.T) {
			site, err := fixtures.NewVendorSite(platform)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(site)
			defer srv.Close()
			c := newCLI(t)
			want := vendorWant(site, platform)
			first, err := c.scrape(platform, srv.URL+site.StartPath())
			if err != nil {
				t.Fatalf("first scrape: %v", err)
			}
			// The history is walked: Hund.io's home page, then its history
			// pages; Cachet's pages; Slack's current status, then its history.
			pages := map[string]int{fixtures.VendorHundio: 4, fixtures.VendorCachet: 3, fixtures.VendorSlack: 2}[platform]
			if pages > 0 && first.Pages != pages {
				t.Errorf("first scrape fetched %d pages, want %d", first.Pages, pages)
			}
			got := c.export()
			if len(got) != len(want) || first.New != len(want) {
				t.Fatalf("archived %d incidents (%d new), the site shows %d", len(got), first.New, len(want))
			}
			for _, in := range got {
				if len(in.Updates) == 0 {
					t.Errorf("%s %q archived with no updates", in.ID, in.Title)
				}
				for _, u := range in.Updates {
					if u.AtText == "" {
						t.Errorf("%s: an update keeps no time text", in.ID)
					}
				}
			}

			// Cachet keeps a fixed incident's own status at "Investigating";
			// its newest post decides.
			for _, in := range got {
				if platform == fixtures.VendorCachet && in.Title == "Delayed webhooks & retries" && (in.Status == nil || *in.Status != "resolved") {
					t.Errorf("Cachet's fixed incident with a stale status: status %v, want resolved", in.Status)
				}
			}

			again, err := c.scrape(platform, srv.URL+site.StartPath())
			if err != nil || again.New != 0 || again.Changed != 0 || again.Deleted != 0 {
				t.Fatalf("rescrape: %+v, %v; want nothing new, changed or deleted", again, err)
			}

			// Edit the oldest incident the platform shows: history is
			// re-read, not only the newest page.
			data := site.Data()
			slices.SortFunc(data.Incidents, func(a, b fixtures.VendorIncident) int { return a.Updates[0].At.Compare(b.Updates[0].At) })
			var target string
			for _, in := range data.Incidents {
				if slices.Contains(want, in.ID) {
					target = in.ID
					break
				}
			}
			site.Edit(func(d *fixtures.VendorData) {
				for i := range d.Incidents {
					if d.Incidents[i].ID == target {
						ups := d.Incidents[i].Updates
						ups[len(ups)-1].Body += " (edited)"
					}
				}
			})
			// The sweep re-reads it within its period.
			c.sweepPeriodLater()
			edited, err := c.scrape(platform, srv.URL+site.StartPath())
			if err != nil || edited.Changed != 1 || edited.New != 0 || edited.Deleted != 0 {
				t.Fatalf("after editing %s: %+v, %v; want exactly one changed", target, edited, err)
			}
		})
	}
}

// A current-only platform's feed that empties means all is well: an ok
// run, not a parse failure, and nothing deleted.
func TestScrapeVendorAllClear(t *testing.T) {
	for _, platform := range []string{fixtures.VendorAzure, fixtures.VendorAWS, fixtures.VendorCheckly, fixtures.VendorSlack} {
		t.Run(platform, func(t *testing.T) {
			site, err := fixtures.NewVendorSite(platform)
			if err != nil {
				t.Fatal(err)
			}
			srv := httptest.NewServer(site)
			defer srv.Close()
			c := newCLI(t)
			start := srv.URL + site.StartPath()
			if _, err := c.scrape(platform, start); err != nil {
				t.Fatal(err)
			}
			site.Edit(func(d *fixtures.VendorData) {
				for i := range d.Incidents {
					in := &d.Incidents[i]
					if in.Open() {
						at := in.Updates[len(in.Updates)-1].At.Add(time.Hour)
						in.Updates = append(in.Updates, fixtures.VendorUpdate{Status: "resolved", At: at, Body: "Resolved."})
					}
				}
			})
			sum, err := c.scrape(platform, start)
			if err != nil || sum.Outcome != "ok" || sum.Deleted != 0 {
				t.Fatalf("all clear: %+v, %v; want an ok run deleting nothing", sum, err)
			}
		})
	}
}
