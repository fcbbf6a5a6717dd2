package main

import (
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/statusarchive/statusarchive/fixtures"
)

// TestSourcesShowFoldedRuns scrapes an unchanged site several times: the
// runs after the first unchanged one fold into its entry, which `sources
// --runs` shows as one line with how many runs it stands for and when the
// latest started, and the ledger still counts every run.
func TestSourcesShowFoldedRuns(t *testing.T) {
	srv := httptest.NewServer(fixtures.StatuspageSite(fixtures.StatuspageOptions{}))
	defer srv.Close()
	c := newCLI(t)
	var runs []uint64
	for range 4 {
		c.now = c.now.Add(5 * 60e9)
		sum, err := c.scrape("acme", srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, sum.Run)
	}
	if runs[1] == runs[0] || runs[2] != runs[1] || runs[3] != runs[1] {
		t.Errorf("run ids = %v, want the first, then one entry for the three unchanged runs", runs)
	}
	out := c.must("sources", "--runs", "5")
	if !strings.Contains(out, "REPEATED") {
		t.Errorf("sources --runs has no REPEATED column:\n%s", out)
	}
	folded := regexp.MustCompile(`(?m)^\s+\d+\s.*\sok\s.*×3, last \d{4}-\d\d-\d\d \d\d:\d\d`)
	if lines := folded.FindAllString(out, -1); len(lines) != 1 {
		t.Errorf("sources --runs shows %d folded entries, want 1 (×3):\n%s", len(lines), out)
	}
	if !regexp.MustCompile(`(?m)^acme\s.*\s4\s+0\s+0\s`).MatchString(out) {
		t.Errorf("sources does not count 4 runs, 0 failed, 0 suspect:\n%s", out)
	}
}
