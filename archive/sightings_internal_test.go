package archive

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/rs/zerolog"

	"github.com/statusarchive/statusarchive/parser"
)

// TestFoldedSightingsAgree runs the same random life of a source (quiet
// runs, edits, incidents coming and going off the page, failures,
// partial views, a summary listing nothing, a changed page body,
// complete runs, deletions, reparses) into two
// archives: one folding unchanged runs, which leaves heads unwritten
// while its runs see the same incidents, and one writing every run its
// own entry and every sighting into its head, as archives did before
// folding. Every 29 steps the second is turned to the layout of schema 1
// (every version in its incident's bucket; in the JSON form every other
// time), so that its later runs supersede versions of either layout.
// Every reader must tell the same versions, with the same last-seen
// times, in both, at every step.
func TestFoldedSightingsAgree(t *testing.T) {
	for seed := range uint64(4) {
		t.Run(fmt.Sprint(seed), func(t *testing.T) { foldedSightingsAgree(t, seed) })
	}
}

func foldedSightingsAgree(t *testing.T, seed uint64) {
	ctx := context.Background()
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	now := start
	opts := Options{Now: func() time.Time { return now }, Logger: zerolog.Nop()}
	folding, err := Open(filepath.Join(t.TempDir(), "folding.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer folding.Close()
	plain, err := Open(filepath.Join(t.TempDir(), "plain.db"), opts)
	if err != nil {
		t.Fatal(err)
	}
	defer plain.Close()
	plain.noFold = true

	rng := rand.New(rand.NewPCG(seed, 42))
	type inc struct {
		id    string
		title string
	}
	var all []inc // every incident ever listed, newest last
	for i := range 6 {
		all = append(all, inc{fmt.Sprintf("inc-%03d", i), "Errors"})
	}
	window := 5 // the page lists the newest window incidents
	body := "<html>history v1</html>"
	incidents := func(skip int) []parser.Incident {
		var out []parser.Incident
		listed := all[max(len(all)-window, 0):]
		for i, in := range listed {
			if i == skip {
				continue
			}
			n := len(all) - len(listed) + i
			out = append(out, parser.Incident{Source: "acme", ID: in.id, Kind: parser.KindIncident, Title: in.title,
				Impact: parser.ImpactMinor, Status: parser.StatusResolved,
				Updates: []parser.Update{{Status: parser.StatusResolved, StatusRaw: "Resolved", Body: "Resolved.",
					At: parser.NewTime(start.Add(time.Duration(n)*time.Hour), "")}}})
		}
		return out
	}
	run := func(complete bool) RunInput {
		return RunInput{Source: "acme", URL: "https://status.acme.example/history", Started: now, Finished: now.Add(time.Second),
			Format: "test", Complete: complete, DropThreshold: -1,
			Pages: []PageInput{{URL: "https://status.acme.example/history", Status: http.StatusOK, FetchedAt: now, Body: []byte(body),
				Header: http.Header{"Etag": {`"` + body + `"`}}}}}
	}
	both := func(what string, f func(db *DB) error) {
		t.Helper()
		for _, db := range []*DB{folding, plain} {
			if err := f(db); err != nil && !errors.Is(err, ErrSuspect) {
				t.Fatalf("step %s: %v", what, err)
			}
		}
	}
	const steps = 300
	for step := range steps {
		now = now.Add(5 * time.Minute)
		var what string
		switch r := rng.IntN(100); {
		case r < 55:
			what = "quiet"
			both(what, func(db *DB) error { _, err := db.Ingest(ctx, run(false), incidents(-1)); return err })
		case r < 63:
			what = "edit"
			k := len(all) - 1 - rng.IntN(window)
			all[k].title = fmt.Sprintf("Errors (edit %d)", step)
			both(what, func(db *DB) error { _, err := db.Ingest(ctx, run(false), incidents(-1)); return err })
		case r < 70:
			what = "new incident pushes the oldest off the page"
			all = append(all, inc{fmt.Sprintf("inc-%03d", len(all)), "Errors"})
			both(what, func(db *DB) error { _, err := db.Ingest(ctx, run(false), incidents(-1)); return err })
		case r < 76:
			what = "failure"
			both(what, func(db *DB) error { _, err := db.RecordFailure(ctx, run(false), errors.New("503")); return err })
		case r < 84:
			what = "one incident not seen"
			skip := rng.IntN(window)
			both(what, func(db *DB) error { _, err := db.Ingest(ctx, run(false), incidents(skip)); return err })
		case r < 88:
			what = "the page's body changed, not its incidents"
			body = fmt.Sprintf("<html>history v%d</html>", step)
			both(what, func(db *DB) error { _, err := db.Ingest(ctx, run(false), incidents(-1)); return err })
		case r < 90:
			what = "a complete run that sees every incident"
			both(what, func(db *DB) error { _, err := db.Ingest(ctx, run(true), incidents(-1)); return err })
		case r < 92:
			what = "a complete run that does not see one incident: a tombstone"
			skip := rng.IntN(window)
			both(what, func(db *DB) error { _, err := db.Ingest(ctx, run(true), incidents(skip)); return err })
		case r < 93:
			what = "a summary that lists nothing"
			in := run(false)
			in.Snapshot = true
			both(what, func(db *DB) error { _, err := db.Ingest(ctx, in, nil); return err })
		case r < 95:
			what = "reparse"
			in := run(false)
			in.Origin = OriginParser
			k := len(all) - 1 - rng.IntN(window)
			all[k].title = fmt.Sprintf("Errors (parser %d)", step)
			both(what, func(db *DB) error { _, err := db.Ingest(ctx, in, incidents(-1)); return err })
		default:
			what = "the window narrows and widens"
			window = 3 + rng.IntN(3)
			both(what, func(db *DB) error { _, err := db.Ingest(ctx, run(false), incidents(-1)); return err })
		}
		if step%29 == 28 {
			toSchema1(t, plain, step%58 == 57)
		}
		if step%8 == 0 || step == steps-1 {
			compareSightings(t, ctx, fmt.Sprintf("step %d (%s)", step, what), folding, plain, step%48 == 0 || step == steps-1)
		}
	}
	for _, db := range []*DB{folding, plain} {
		if err := db.Check(ctx); err != nil {
			t.Errorf("Check: %v", err)
		}
	}
	fRuns, _ := folding.Runs(ctx, "acme", 0)
	pRuns, _ := plain.Runs(ctx, "acme", 0)
	if len(fRuns) >= len(pRuns) {
		t.Errorf("the folding archive has %d entries, the plain one %d: nothing folded", len(fRuns), len(pRuns))
	}
	mixed := 0 // entries of incomplete runs that complete ones folded into
	for _, r := range fRuns {
		if n, _ := r.Completes(); n > 0 && !r.Complete {
			mixed++
		}
	}
	if mixed == 0 {
		t.Errorf("no complete run folded into an entry of incomplete ones")
	}
}

// compareSightings fails when a reader of a and one of b tell a
// different last-seen time (or version) of any incident; Changes, which
// lists every change so far, is compared only when changes is set.
func compareSightings(t *testing.T, ctx context.Context, when string, a, b *DB, changes bool) {
	t.Helper()
	rows := func(db *DB) map[string]Row {
		out := map[string]Row{}
		for row, err := range db.Rows(ctx, Filter{IncludeDeleted: true}) {
			if err != nil {
				t.Fatalf("%s: Rows: %v", when, err)
			}
			out[row.Incident.ID] = row
		}
		return out
	}
	ra, rb := rows(a), rows(b)
	if len(ra) != len(rb) {
		t.Fatalf("%s: %d rows against %d", when, len(ra), len(rb))
	}
	for id, x := range ra {
		y := rb[id]
		if !x.LastSeen.Equal(y.LastSeen) || x.Version != y.Version || x.Deleted != y.Deleted {
			t.Fatalf("%s: %s: folding archive's row: version %d last seen %v deleted %v; plain archive's: version %d last seen %v deleted %v",
				when, id, x.Version, x.LastSeen, x.Deleted, y.Version, y.LastSeen, y.Deleted)
		}
		va, err := a.Incident(ctx, "acme/"+id)
		if err != nil {
			t.Fatal(err)
		}
		vb, err := b.Incident(ctx, "acme/"+id)
		if err != nil {
			t.Fatal(err)
		}
		if len(va.Versions) != len(vb.Versions) {
			t.Fatalf("%s: %s: %d versions in the folding archive, %d in the plain one", when, id, len(va.Versions), len(vb.Versions))
		}
		for i := range va.Versions {
			if x, y := va.Versions[i], vb.Versions[i]; x.Hash != y.Hash || x.Deleted != y.Deleted || !reflect.DeepEqual(x.Incident, y.Incident) {
				t.Fatalf("%s: %s version %d differs:\n%+v\nin the folding archive,\n%+v\nin the plain one", when, id, i+1, x, y)
			}
			if !va.Versions[i].LastSeen.Equal(vb.Versions[i].LastSeen) {
				t.Fatalf("%s: %s version %d: last seen %v in the folding archive, %v in the plain one",
					when, id, i+1, va.Versions[i].LastSeen, vb.Versions[i].LastSeen)
			}
		}
	}
	if !changes {
		return
	}
	ca, err := a.Changes(ctx, ChangeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	cb, err := b.Changes(ctx, ChangeFilter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ca) != len(cb) {
		t.Fatalf("%s: %d changes against %d", when, len(ca), len(cb))
	}
	for i := range ca {
		if !ca[i].Version.LastSeen.Equal(cb[i].Version.LastSeen) || (ca[i].Previous == nil) != (cb[i].Previous == nil) ||
			ca[i].Previous != nil && !ca[i].Previous.LastSeen.Equal(cb[i].Previous.LastSeen) {
			t.Fatalf("%s: change %d (%s %s) tells other last-seen times in the two archives", when, i, ca[i].ID, ca[i].Kind)
		}
	}
}

// TestFoldedRunsLeaveHeads: runs that fold into an entry and see what its
// first run saw write no incident's head, and every reader still tells
// the latest run's time as when each was last seen; the run after them
// that sees something else writes that time into the heads.
func TestFoldedRunsLeaveHeads(t *testing.T) {
	ctx := context.Background()
	start := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	now := start
	db, err := Open(filepath.Join(t.TempDir(), "archive.db"), Options{Now: func() time.Time { return now }, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	headOf := func(id string) (raw []byte, h head) {
		t.Helper()
		err := db.view(ctx, func(tx *bbolt.Tx) error {
			ib := root(tx, bucketSources).sub("acme").sub(bucketIncidents).incident(id)
			raw = append([]byte(nil), ib.rawGet([]byte(keyHead))...)
			_, err := ib.get([]byte(keyHead), &h)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return raw, h
	}
	for range 2 { // the versions, then the first unchanged run: the entry
		if _, err := db.Ingest(ctx, foldRun(now), foldIncidents(start)); err != nil {
			t.Fatal(err)
		}
		now = now.Add(5 * time.Minute)
	}
	before, _ := headOf("inc-a")
	var last time.Time
	for range 5 {
		r, err := db.Ingest(ctx, foldRun(now), foldIncidents(start))
		if err != nil {
			t.Fatal(err)
		}
		if r.Folded == 0 || !r.SameSightings {
			t.Fatalf("unchanged run = folded %d, same sightings %v; want folded into an entry of same sightings", r.Folded, r.SameSightings)
		}
		last = now
		now = now.Add(5 * time.Minute)
	}
	if after, _ := headOf("inc-a"); string(after) != string(before) {
		t.Errorf("folded runs of the same sightings rewrote a head")
	}
	for row, err := range db.Rows(ctx, Filter{}) {
		if err != nil {
			t.Fatal(err)
		}
		if !row.LastSeen.Equal(last) {
			t.Errorf("%s: last seen %v, want the latest run's %v", row.Incident.ID, row.LastSeen, last)
		}
	}
	if rec, err := db.Incident(ctx, "acme/inc-b"); err != nil || !rec.Latest().LastSeen.Equal(last) {
		t.Errorf("Incident(inc-b) = last seen %v, %v; want %v", rec.Latest().LastSeen, err, last)
	}
	// A failure ends the entry: the heads get the time it kept.
	if _, err := db.RecordFailure(ctx, foldRun(now), errors.New("503")); err != nil {
		t.Fatal(err)
	}
	if _, h := headOf("inc-c"); !h.LastSeen.Equal(last) {
		t.Errorf("after a failure, inc-c's head says last seen %v, want %v", h.LastSeen, last)
	}
	if err := db.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
}
