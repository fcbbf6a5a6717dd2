package archive

import (
	"context"
	"errors"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/rs/zerolog"

	"github.com/statusarchive/statusarchive/parser"
)

// foldRun is an unchanged-looking run of a one-page source at at.
func foldRun(at time.Time) RunInput {
	return RunInput{Source: "acme", URL: "https://status.acme.example/history", Started: at, Finished: at, Format: "test", Complete: true,
		Pages: []PageInput{{URL: "https://status.acme.example/history", Status: http.StatusOK, FetchedAt: at, Body: []byte("<html>history</html>"),
			Header: http.Header{"Etag": {`"v1"`}}}}}
}

// foldIncidents are three incidents that began before at.
func foldIncidents(at time.Time) []parser.Incident {
	out := make([]parser.Incident, 3)
	for i := range out {
		out[i] = parser.Incident{Source: "acme", ID: "inc-" + string(rune('a'+i)), Kind: parser.KindIncident, Title: "Errors",
			Impact: parser.ImpactMinor, Status: parser.StatusResolved,
			Updates: []parser.Update{{Status: parser.StatusResolved, StatusRaw: "Resolved", Body: "Resolved.",
				At: parser.NewTime(at.Add(-time.Duration(i+1)*time.Hour), "")}}}
	}
	return out
}

// TestOldRunLogKeepsWorking writes a run log as archives did before runs
// were folded (an entry per run, without the fold's fields), then takes
// new runs on it: an old entry reads as one run, the next unchanged run
// folds into the latest old entry, and the archive checks clean.
func TestOldRunLogKeepsWorking(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "archive.db")
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	now := start
	opts := Options{Now: func() time.Time { return now }, Logger: zerolog.Nop()}
	db, err := Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	db.noFold = true // as main wrote archives before this change
	for range 4 {
		if _, err := db.Ingest(ctx, foldRun(now), foldIncidents(start)); err != nil {
			t.Fatal(err)
		}
		now = now.Add(5 * time.Minute)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	// The old entries have no fold fields at all.
	raw, err := bbolt.Open(path, fileMode, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	err = raw.View(func(tx *bbolt.Tx) error {
		runs := root(tx, bucketRuns)
		return runs.b.ForEach(func(k, v []byte) error {
			var fields map[string]any
			if err := runs.decode(k, v, &fields); err != nil {
				return err
			}
			for name := range fields {
				if strings.HasPrefix(name, "last_") || name == "folded" {
					t.Errorf("old entry %s has %q", showKey(k), name)
				}
			}
			return nil
		})
	})
	raw.Close()
	if err != nil {
		t.Fatal(err)
	}

	if db, err = Open(path, opts); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	old, err := db.Runs(ctx, "acme", 0)
	if err != nil || len(old) != 4 {
		t.Fatalf("old run log = %d entries, %v; want 4", len(old), err)
	}
	for _, r := range old {
		if r.Count() != 1 || !r.Latest().Recorded.Equal(r.Recorded) {
			t.Errorf("old entry %d: count %d, latest recorded %v; want one run recorded %v", r.ID, r.Count(), r.Latest().Recorded, r.Recorded)
		}
	}
	next, err := db.Ingest(ctx, foldRun(now), foldIncidents(start))
	if err != nil {
		t.Fatal(err)
	}
	if next.ID != old[0].ID || next.Count() != 2 || !next.LastRecorded.Equal(now) {
		t.Errorf("unchanged run on an old archive = entry %d count %d last %v; want folded into %d", next.ID, next.Count(), next.LastRecorded, old[0].ID)
	}
	if pages, err := db.RunPages(ctx, old[1].ID); err != nil || len(pages) != 1 || string(pages[0].Body) != "<html>history</html>" {
		t.Errorf("RunPages of an old entry = %+v, %v", pages, err)
	}
	infos, err := db.Sources(ctx)
	if err != nil || len(infos) != 1 || infos[0].Runs != 5 {
		t.Errorf("Sources = %+v, %v; want 5 runs", infos, err)
	}
	if err := db.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// TestCheckBadFold: Check reports an entry that folds runs into a run
// that changed something or failed, or lost its latest time.
func TestCheckBadFold(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "archive.db")
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	now := start
	db, err := Open(path, Options{Now: func() time.Time { return now }, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	first, err := db.Ingest(ctx, foldRun(now), foldIncidents(start))
	if err != nil {
		t.Fatal(err)
	}
	failed, err := db.RecordFailure(ctx, foldRun(now), errors.New("fetch: 503"))
	if err != nil {
		t.Fatal(err)
	}
	odd, err := db.RecordFailure(ctx, foldRun(now), errors.New("fetch: 503"))
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Check(ctx); err != nil {
		t.Fatalf("Check before: %v", err)
	}
	odd.SameSightings = true // a failure whose heads later runs would leave alone
	bad := first
	bad.Folded, bad.LastRecorded = 3, now // folded into a run that made versions
	worse := failed
	worse.Folded = 2 // folded into a failure, and no latest time
	err = db.update(func(tx *bbolt.Tx) error {
		runs := root(tx, bucketRuns)
		if err := runs.put(seq(bad.ID), bad); err != nil {
			return err
		}
		if err := runs.put(seq(odd.ID), odd); err != nil {
			return err
		}
		return runs.put(seq(worse.ID), worse)
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Check(ctx)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "3 runs folded into a run that is not an unchanged vendor run") ||
		!strings.Contains(err.Error(), "2 runs folded into a run that is not") ||
		!strings.Contains(err.Error(), "marked as one whose heads later runs leave unwritten") {
		t.Errorf("Check = %v, want the three bad folds reported", err)
	}
}

// TestCheckFoldedCompleteRuns: an entry cannot count more complete runs
// than it stands for, nor count some without the time of the latest.
func TestCheckFoldedCompleteRuns(t *testing.T) {
	runs := bucket{path: []string{bucketRuns}}
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	unchanged := Run{ID: 7, Source: src, Outcome: OutcomeOK, Origin: OriginVendor, Folded: 2, LastRecorded: at}
	for _, tc := range []struct {
		name string
		edit func(r *Run)
		want string // "" for sound
	}{
		{"sound", func(r *Run) { r.CompleteRuns, r.LastComplete = 3, at }, ""},
		{"none", func(r *Run) {}, ""},
		{"more than it stands for", func(r *Run) { r.CompleteRuns, r.LastComplete = 4, at }, "4 complete runs in an entry of 3"},
		{"negative", func(r *Run) { r.CompleteRuns = -1 }, "-1 complete runs"},
		{"no time", func(r *Run) { r.CompleteRuns = 1 }, "1 complete runs without the time of the latest"},
	} {
		r := unchanged
		tc.edit(&r)
		err := checkFolded(runs, seq(r.ID), r)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: checkFolded = %v, want nil", tc.name, err)
		case tc.want != "" && (!errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("%s: checkFolded = %v, want ErrCorrupt with %q", tc.name, err, tc.want)
		}
	}
}
