package main

import (
	"bytes"
	"encoding/json"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive/stats"
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

// TestStatsOpenUntilLastSeen: the demo's case. An incident the archive last
// saw open months before the report counts until that sighting, not until
// now (which made one demo incident 5,817 h of downtime); --open-until now
// keeps the old reading, and both show the open incidents' share.
func TestStatsOpenUntilLastSeen(t *testing.T) {
	srv := httptest.NewServer(fixtures.StatuspageSite(fixtures.StatuspageOptions{}))
	defer srv.Close()
	c := newCLI(t)
	if _, err := c.scrape("acme", srv.URL+"/"); err != nil {
		t.Fatal(err)
	}
	seen := c.now
	c.now = seen.AddDate(0, 8, 0) // the report, eight months on
	type figures struct {
		OpenUntil string `json:"open_until"`
		Sources   []struct {
			Open         int   `json:"open"`
			Downtime     int64 `json:"downtime"`
			OpenDowntime int64 `json:"open_downtime"`
		} `json:"sources"`
	}
	read := func(args ...string) figures {
		var f figures
		if err := json.Unmarshal([]byte(c.must(append([]string{"stats", "--format", "json", "--source", "acme"}, args...)...)), &f); err != nil {
			t.Fatal(err)
		}
		if len(f.Sources) != 1 {
			t.Fatalf("stats json sources: %+v", f.Sources)
		}
		return f
	}
	def, lastSeen, now := read(), read("--open-until", "last-seen"), read("--open-until", "now")
	if def.OpenUntil != "last-seen" || now.OpenUntil != "now" || def.Sources[0] != lastSeen.Sources[0] {
		t.Errorf("open_until %q and %q, default %+v against last-seen %+v: want last-seen the default", def.OpenUntil, now.OpenUntil, def.Sources[0], lastSeen.Sources[0])
	}
	s, n := def.Sources[0], now.Sources[0]
	if s.Open == 0 || s.OpenDowntime <= 0 {
		t.Fatalf("the fixture site has %d open incidents, %v open downtime: want some", s.Open, time.Duration(s.OpenDowntime))
	}
	// Each open incident gains the eight months between its last sighting
	// and now under --open-until now, and only then.
	gap := c.now.Sub(seen) - time.Minute
	if got := time.Duration(n.OpenDowntime - s.OpenDowntime); got < time.Duration(s.Open)*gap {
		t.Errorf("open downtime now %v, last-seen %v: want %d × %v more under now", time.Duration(n.OpenDowntime), time.Duration(s.OpenDowntime), s.Open, gap)
	}
	if n.Downtime-n.OpenDowntime != s.Downtime-s.OpenDowntime {
		t.Errorf("resolved downtime differs: %v and %v", time.Duration(n.Downtime-n.OpenDowntime), time.Duration(s.Downtime-s.OpenDowntime))
	}
	table := c.must("stats", "--source", "acme")
	for _, want := range []string{"of it from open incidents", "runs until the archive last saw it open"} {
		if !strings.Contains(table, want) {
			t.Errorf("stats table lacks %q:\n%s", want, table)
		}
	}
	if _, _, err := c.run("stats", "--open-until", "forever"); err == nil {
		t.Errorf("stats --open-until forever: no error")
	}
}

// TestStatsNotesDisagreements: a stated window set aside for the page's
// started and resolved fields is reported under the table and in the
// report's notes, not silently dropped.
func TestStatsNotesDisagreements(t *testing.T) {
	r := stats.Report{Sources: []stats.Summary{{Source: "acme", Incidents: 3, Disagreements: 2}, {Source: "beta", Incidents: 1}}}
	var buf bytes.Buffer
	if err := writeStatsTable(&buf, r); err != nil {
		t.Fatal(err)
	}
	want := "note: acme: 2 stated impact windows lie over 1h0m0s from the page's started/resolved fields; the fields were used"
	if !strings.Contains(buf.String(), want) {
		t.Errorf("stats table lacks %q:\n%s", want, buf.String())
	}
	if strings.Contains(buf.String(), "note: beta") {
		t.Errorf("stats table notes beta, which has no disagreement:\n%s", buf.String())
	}
	notes := reportNotes(r, 4, 0)
	if len(notes) != 1 || !strings.HasPrefix(notes[0], "acme: 2 stated impact windows") {
		t.Errorf("report notes = %q, want acme's disagreement", notes)
	}
}
