package archive

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/statusarchive/statusarchive/parser"
)

// The sweep's slice: the share of the history's pages (list pages and
// the incidents' own pages) the elapsed share of the period stands for,
// rounded up, at least one page, at most all; taken page by page from
// where the last run stopped, wrapping at the end of the history.
func TestSweepSlice(t *testing.T) {
	week := 7 * 24 * time.Hour
	github := make([]int, 53) // a start page and 52 history pages of 60 incidents
	for i := range github {
		github[i] = 60
	}
	small := []int{3, 4, 3, 3, 2, 0, 0} // the fixture site: home, 6 history pages
	total := func(own []int) int {
		n := 0
		for _, o := range own {
			n += 1 + o
		}
		return n
	}
	for _, tc := range []struct {
		name    string
		own     []int
		elapsed time.Duration
		want    int
	}{
		{"first run: one page", github, 0, 1},
		{"an hour: a 168th", github, time.Hour, 20}, // ceil(3233/168)
		{"a day: a seventh", github, 24 * time.Hour, 462},
		{"a week: all", github, week, 3233},
		{"longer than the period: all", github, 30 * 24 * time.Hour, 3233},
		{"small site every 5 minutes: one page", small, 5 * time.Minute, 1},
		{"small site daily: a seventh", small, 24 * time.Hour, 4}, // ceil(22/7)
		{"no history", nil, time.Hour, 0},
	} {
		if got := sweepItems(total(tc.own), tc.elapsed, week); got != tc.want {
			t.Errorf("%s: got %d pages, want %d", tc.name, got, tc.want)
		}
	}

	// The walk goes list page, its incidents' pages, next list page; it
	// wraps at the end, and says so.
	var got [][2]int
	at, wrapped := sweepWalk([]int{2, 0, 1}, sweepCursor{Pos: 0, Off: 2}, 4, func(pos, off int) { got = append(got, [2]int{pos, off}) })
	want := [][2]int{{0, 2}, {1, 0}, {2, 0}, {2, 1}}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] || got[2] != want[2] || got[3] != want[3] || at != (sweepCursor{}) || !wrapped {
		t.Errorf("walk of 4 from (0,2): got %v, next %+v, wrapped %v; want %v, next {0 0}, wrapped", got, at, wrapped, want)
	}
	// A cursor past a history that shrank goes on at a page that exists.
	if at, _ := sweepWalk([]int{1, 1}, sweepCursor{Pos: 5, Off: 3}, 1, func(int, int) {}); at != (sweepCursor{Pos: 0, Off: 1}) {
		t.Errorf("cursor past the end: next %+v, want {0 1}", at)
	}
	if at, _ := sweepWalk([]int{1, 1}, sweepCursor{Pos: 0, Off: 7}, 1, func(int, int) {}); at != (sweepCursor{Pos: 1, Off: 1}) {
		t.Errorf("cursor past a list page's incidents: next %+v, want {1 1}", at)
	}

	// Runs every hour, or every 5 minutes, re-check every page of the
	// history within the period, and one of them wraps.
	for _, tc := range []struct {
		own   []int
		every time.Duration
	}{{github, time.Hour}, {github, 5 * time.Minute}, {small, 5 * time.Minute}, {small, 24 * time.Hour}} {
		seen := map[[2]int]bool{}
		at, wraps := sweepCursor{Pos: 17 % len(tc.own)}, 0
		for run := time.Duration(0); run < week; run += tc.every {
			var w bool
			at, w = sweepWalk(tc.own, at, sweepItems(total(tc.own), tc.every, week), func(pos, off int) { seen[[2]int{pos, off}] = true })
			if w {
				wraps++
			}
		}
		if len(seen) != total(tc.own) || wraps == 0 {
			t.Errorf("runs every %v over %d pages: %d re-checked in a week, %d wraps; want all, at least one wrap", tc.every, total(tc.own), len(seen), wraps)
		}
	}
}

// A Backfill written before the sweep's position was kept apart (its
// Sweep, SweepOwn and Swept inside it) reads as it was written; written
// again, the position goes to its own record, and a run that moved only
// the position leaves the backfill record as it was.
func TestBackfillSweepPositionApart(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "archive.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	swept := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	old := Backfill{Done: true, History: []parser.Follow{{URL: "https://acme.example/history?page=2", Reason: parser.FollowNext}},
		Own: []int{3, 4}, Sweep: 1, SweepOwn: 2, Swept: swept}
	err = db.bolt.Update(func(tx *bbolt.Tx) error {
		src, err := createRoot(tx, bucketSources)
		if err != nil {
			return err
		}
		acme, err := src.create("acme")
		if err != nil {
			return err
		}
		return acme.put([]byte(keyBackfill), old) // the old form: one record
	})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.Backfill(context.Background(), "acme")
	if err != nil || !reflect.DeepEqual(got, old) {
		t.Fatalf("old-form backfill read as %+v, %v; want %+v", got, err, old)
	}
	var before []byte
	for i, at := range []sweepPosition{{Sweep: 1, SweepOwn: 3, Swept: swept}, {Sweep: 1, SweepOwn: 4, Swept: swept}} {
		bf := old
		bf.Sweep, bf.SweepOwn, bf.Swept = at.Sweep, at.SweepOwn, at.Swept
		var rest []byte
		err = db.bolt.Update(func(tx *bbolt.Tx) error {
			acme := root(tx, bucketSources).sub("acme")
			if err := putBackfill(acme, &bf); err != nil {
				return err
			}
			rest = bytes.Clone(acme.b.Get([]byte(keyBackfill)))
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := db.Backfill(context.Background(), "acme"); err != nil || !reflect.DeepEqual(got, bf) {
			t.Errorf("write %d: read back %+v, %v; want %+v", i, got, err, bf)
		}
		if i > 0 && !bytes.Equal(rest, before) {
			t.Errorf("write %d moved only the sweep, yet the backfill record changed", i)
		}
		before = rest
	}
}
