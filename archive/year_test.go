package archive_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/archivetest"
	"github.com/statusarchive/statusarchive/parser"
)

// yearSource is one simulated vendor: its whole incident history as its
// history page would show it, and what the archive must hold for it.
type yearSource struct {
	name      string
	rng       *rand.Rand
	incidents []parser.Incident // oldest first, as the page lists them
	open      map[int]bool      // index into incidents
	versions  map[string]int    // incident id -> versions it must have
	body      []byte            // the page as last rendered
}

// step moves the source on by one run at now: sometimes a new incident,
// sometimes an update to an open one. It reports whether the page changed.
func (s *yearSource) step(now time.Time) bool {
	changed := false
	for i := range s.open {
		if s.rng.IntN(2) == 0 {
			continue
		}
		in := &s.incidents[i]
		st := parser.StatusMonitoring
		if len(in.Updates) >= 3 {
			st = parser.StatusResolved
			delete(s.open, i)
		}
		in.Status = st
		in.Updates = append(in.Updates, parser.Update{
			Status: st, StatusRaw: string(st), At: parser.NewTime(now, ""),
			Body: fmt.Sprintf("Update %d on %s at %s.", len(in.Updates)+1, in.ID, now.Format(time.RFC3339)),
		})
		s.versions[in.ID]++
		changed = true
	}
	if s.rng.IntN(8) == 0 { // about one incident every four days at 12 h runs
		id := fmt.Sprintf("%s-%04d", s.name, len(s.incidents))
		s.incidents = append(s.incidents, parser.Incident{
			Source: s.name, ID: id, Kind: parser.KindIncident, Title: "Elevated errors on " + id,
			Impact: parser.ImpactMinor, Status: parser.StatusInvestigating,
			URL: "https://status." + s.name + ".example/incidents/" + id,
			Updates: []parser.Update{{
				Status: parser.StatusInvestigating, StatusRaw: "Investigating", At: parser.NewTime(now, ""),
				Body: "We are investigating elevated errors. " + strings.Repeat("Details follow. ", 20),
			}},
		})
		s.open[len(s.incidents)-1] = true
		s.versions[id] = 1
		changed = true
	}
	return changed
}

// page renders the history page's bytes: it changes exactly when an
// incident does.
func (s *yearSource) page(changed bool) []byte {
	if changed || s.body == nil {
		s.body, _ = json.Marshal(s.incidents) // plain structs: cannot fail
	}
	return s.body
}

// TestYearSimulation drives one archive through a simulated year
// (RELIABILITY test 9): three sources scraped every 12 hours on an injected
// clock, incidents appearing and being updated, the archive compacted and
// replaced once a month as an operator's cron would. At the end every
// version of every incident and every raw page ever stored must read back,
// Check must be clean, and the file must stay bounded: after each
// compaction within a small factor of the data fed in, and between
// compactions (bbolt reusing freed pages) within twice the last compacted
// size plus bbolt's growth step. -short runs a quarter of a year.
func TestYearSimulation(t *testing.T) {
	days, every := 365, 12*time.Hour
	if testing.Short() {
		days = 91
	}
	ctx := context.Background()
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clock := archivetest.NewClock(start)
	path := filepath.Join(t.TempDir(), "archive.db")
	opts := archive.Options{Now: clock.Now, Logger: archivetest.TestLogger(t)}
	db, err := archive.Open(path, opts)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = db.Close() }()

	seed := uint64(time.Now().UnixNano())
	t.Logf("seed %d", seed)
	var sources []*yearSource
	for i, name := range []string{"acme", "globex", "initech"} {
		sources = append(sources, &yearSource{
			name: name, rng: rand.New(rand.NewPCG(seed, uint64(i))),
			open: map[int]bool{}, versions: map[string]int{},
		})
	}
	pages := map[string][]byte{} // sha256 -> body, every page body stored
	fed := 0                     // bytes of pages and incident JSON handed to the archive
	lastCompacted, maxFile, runs := int64(0), int64(0), 0
	month := start.Month()
	end := start.AddDate(0, 0, days)
	for now := start; now.Before(end); now = clock.Advance(every) {
		for _, s := range sources {
			changed := s.step(now)
			body := s.page(changed)
			sum := sha256.Sum256(body)
			if _, ok := pages[hex.EncodeToString(sum[:])]; !ok {
				pages[hex.EncodeToString(sum[:])] = body
				fed += 2 * len(body) // the page, and the incidents in it
			}
			url := "https://status." + s.name + ".example/history.json"
			in := archive.RunInput{
				Source: s.name, URL: url, Started: now, Finished: now, Format: "test", Complete: true,
				Pages: []archive.PageInput{{URL: url, Status: http.StatusOK, FetchedAt: now, Body: body,
					Header: http.Header{"Content-Type": {"application/json"}}}},
			}
			if _, err := db.Ingest(ctx, in, s.incidents); err != nil {
				t.Fatalf("%s: ingest %s: %v", now.Format(time.DateTime), s.name, err)
			}
			runs++
		}
		maxFile = max(maxFile, fileSize(t, path))
		if lastCompacted > 0 && fileSize(t, path) > 2*lastCompacted+2*(2<<20) {
			t.Fatalf("%s: the file grew to %d bytes, more than twice the last compacted size %d plus two growth steps",
				now.Format(time.DateOnly), fileSize(t, path), lastCompacted)
		}
		if next := now.Add(every); next.Month() != month || !next.Before(end) {
			month = next.Month()
			before := fileSize(t, path)
			db, lastCompacted = compactAndReplace(t, db, path, opts)
			t.Logf("%s: %6d runs, file %8d bytes, compacted to %8d (fed %9d bytes in total)",
				now.Format(time.DateOnly), runs, before, lastCompacted, fed)
			if limit := int64(fed) + 2<<20; lastCompacted > limit {
				t.Errorf("%s: compacted archive is %d bytes, more than the %d bytes fed in plus one growth step",
					now.Format(time.DateOnly), lastCompacted, fed)
			}
			if limit := before + before/5 + 2<<20; lastCompacted > limit {
				t.Errorf("%s: compaction grew the archive from %d to %d bytes", now.Format(time.DateOnly), before, lastCompacted)
			}
		}
	}

	versions, incidents := 0, 0
	for _, s := range sources {
		for id, want := range s.versions {
			rec := mustRecord(t, db, s.name+"/"+id)
			if len(rec.Versions) != want {
				t.Errorf("%s/%s: %d versions, want %d", s.name, id, len(rec.Versions), want)
			}
			versions += want
			incidents++
		}
	}
	for sha, want := range pages {
		got, err := db.Page(ctx, sha)
		if err != nil || string(got) != string(want) {
			t.Fatalf("page %s: %d bytes (err %v), want the %d bytes stored", sha[:12], len(got), err, len(want))
		}
	}
	if err := db.Check(ctx); err != nil {
		t.Fatalf("Check after the year: %v", err)
	}
	t.Logf("%d days, %d runs: %d incidents, %d versions, %d distinct pages all read back; "+
		"largest file %d bytes, final compacted %d bytes, %d bytes fed",
		days, runs, incidents, versions, len(pages), maxFile, lastCompacted, fed)
}

// compactAndReplace compacts the archive at path into a new file, swaps it
// in and reopens it, returning the reopened archive and its new size.
func compactAndReplace(t *testing.T, db *archive.DB, path string, opts archive.Options) (*archive.DB, int64) {
	t.Helper()
	ctx := context.Background()
	dst := path + ".compact"
	if _, err := db.Compact(ctx, dst); err != nil {
		t.Fatalf("compact: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := archive.Replace(ctx, path, dst, opts); err != nil {
		t.Fatalf("replace: %v", err)
	}
	db, err := archive.Open(path, opts)
	if err != nil {
		t.Fatalf("reopen after compaction: %v", err)
	}
	return db, fileSize(t, path)
}
