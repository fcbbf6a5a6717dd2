package main

import (
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"

	"github.com/statusarchive/statusarchive/fixtures"

	"github.com/statusarchive/statusarchive/fixtures/golden"
)

// TestStatsOnTheSeed pins what stats prints for the seed's site, the
// page's own claim beside the archive's, in every format.
func TestStatsOnTheSeed(t *testing.T) {
	srv := httptest.NewServer(fixtures.OutageHistorySite("semantic"))
	defer srv.Close()
	c := newCLI(t)
	if _, err := c.scrape("workos", srv.URL+workosPath); err != nil {
		t.Fatal(err)
	}
	table := c.must("stats", "--by", "month", "--until", "2026-07-01")
	golden.Check(t, filepath.Join("testdata", "stats/seed-table.txt"), []byte(table))
	for _, want := range []string{"what the page claims", "WorkOS had 44 outages in the last 2 years totaling 122h 18m", "availability, method statuspage"} {
		if !strings.Contains(table, want) {
			t.Errorf("stats table lacks %q", want)
		}
	}
	golden.Check(t, filepath.Join("testdata", "stats/seed.csv"), []byte(c.must("stats", "--format", "csv", "--until", "2026-07-01")))
	var report struct {
		Sources []struct {
			Incidents     int   `json:"incidents"`
			Downtime      int64 `json:"downtime"`
			DowntimeUnion int64 `json:"downtime_union"`
		} `json:"sources"`
		Claims []struct {
			OutagesClaimed int `json:"outages_claimed"`
		} `json:"claims"`
	}
	if err := json.Unmarshal([]byte(c.must("stats", "--format", "json", "--until", "2026-07-01")), &report); err != nil {
		t.Fatal(err)
	}
	if len(report.Sources) != 1 || report.Sources[0].Incidents == 0 || report.Sources[0].DowntimeUnion > report.Sources[0].Downtime {
		t.Errorf("stats json: %+v", report.Sources)
	}
	if len(report.Claims) != 1 || report.Claims[0].OutagesClaimed != 44 {
		t.Errorf("stats json claims: %+v, want the page's 44 outages", report.Claims)
	}
}
