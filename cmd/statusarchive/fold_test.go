package main

import (
	"fmt"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/fixtures"
)

// TestSourcesShowFoldedRuns scrapes an unchanged site several times: the
// runs after the first unchanged one fold into its entry, which `sources
// --runs` shows as one line with how many runs it stands for and when the
// latest started, scrape's summary names that entry and its count, and
// the ledger still counts every run.
func TestSourcesShowFoldedRuns(t *testing.T) {
	srv := httptest.NewServer(fixtures.StatuspageSite(fixtures.StatuspageOptions{}))
	defer srv.Close()
	c := newCLI(t)
	var runs []uint64
	for i := range 4 {
		c.now = c.now.Add(5 * 60e9)
		sum, err := c.scrape("acme", srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, sum.Run)
		if want := max(i-1, 0); sum.Folded != want {
			t.Errorf("scrape %d: --json folded = %d, want %d", i+1, sum.Folded, want)
		}
	}
	c.now = c.now.Add(5 * 60e9)
	if out := c.must("scrape", "--source", "acme", srv.URL); !strings.Contains(out, fmt.Sprintf("as run %d found it: counted there (×4)", runs[1])) {
		t.Errorf("scrape's summary does not say the run was counted in run %d's entry:\n%s", runs[1], out)
	}
	if runs[1] == runs[0] || runs[2] != runs[1] || runs[3] != runs[1] {
		t.Errorf("run ids = %v, want the first, then one entry for the three unchanged runs", runs)
	}
	out := c.must("sources", "--runs", "5")
	if !strings.Contains(out, "REPEATED") {
		t.Errorf("sources --runs has no REPEATED column:\n%s", out)
	}
	folded := regexp.MustCompile(`(?m)^\s+\d+\s.*\sok\s.*×4, last \d{4}-\d\d-\d\d \d\d:\d\d`)
	if lines := folded.FindAllString(out, -1); len(lines) != 1 {
		t.Errorf("sources --runs shows %d folded entries, want 1 (×4):\n%s", len(lines), out)
	}
	if !regexp.MustCompile(`(?m)^acme\s.*\s5\s+0\s+0\s`).MatchString(out) {
		t.Errorf("sources does not count 5 runs, 0 failed, 0 suspect:\n%s", out)
	}
}

// TestRepeatedNamesCompleteRuns: the REPEATED column says how many of an
// entry's runs were complete views of the history, and when the latest was.
func TestRepeatedNamesCompleteRuns(t *testing.T) {
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		run  archive.Run
		want string
	}{
		{archive.Run{Started: at, Complete: true}, "-"},
		{archive.Run{Started: at, Folded: 2, LastStarted: at.Add(time.Hour)}, "×3, last 2026-06-01 13:00"},
		{archive.Run{Started: at, Folded: 2, LastStarted: at.Add(time.Hour), CompleteRuns: 1, LastComplete: at.Add(30 * time.Minute)},
			"×3, last 2026-06-01 13:00; 1 complete, 2026-06-01 12:30"},
	} {
		if got := repeated(tc.run); got != tc.want {
			t.Errorf("repeated(%+v) = %q, want %q", tc.run, got, tc.want)
		}
	}
}
