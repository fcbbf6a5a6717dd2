package archive

import (
	"testing"
	"time"
)

// The sweep's slice: the share of the history's pages the elapsed share
// of the period stands for, rounded up to whole list pages from the
// position, at least sweepFloor pages, at most every list page.
func TestSweepSlice(t *testing.T) {
	week := 7 * 24 * time.Hour
	github := make([]int, 53) // a start page and 52 history pages of 60 incidents
	for i := range github {
		github[i] = 61
	}
	small := []int{6, 6, 6, 1, 1} // under the floor
	for _, tc := range []struct {
		name    string
		cost    []int
		at      int
		elapsed time.Duration
		want    int
	}{
		{"first run: the floor", github, 0, 0, 2},
		{"an hour: the floor", github, 0, time.Hour, 2},
		{"a day: a seventh", github, 0, 24 * time.Hour, 8}, // ceil(3233/7) = 462 pages: 8 list pages
		{"a week: all", github, 10, week, 53},
		{"longer than the period: all", github, 10, 30 * 24 * time.Hour, 53},
		{"small history: all, every run", small, 3, time.Second, 5},
		{"no history", nil, 0, time.Hour, 0},
	} {
		if got := sweepSlice(tc.cost, tc.at, tc.elapsed, week); got != tc.want {
			t.Errorf("%s: got %d list pages, want %d", tc.name, got, tc.want)
		}
	}
	// Runs every hour cover the whole history within the period.
	at, covered := 0, 0
	for hour := 0; covered < len(github); hour++ {
		if hour > 7*24 {
			t.Fatalf("hourly runs covered %d of %d list pages in a week", covered, len(github))
		}
		k := sweepSlice(github, at, time.Hour, week)
		at, covered = (at+k)%len(github), covered+k
	}
}
