package archive

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"
	bbolt "go.etcd.io/bbolt"

	"github.com/statusarchive/statusarchive/parser"
)

// versionsInPlace counts the superseded versions of db that are still in
// their incident's bucket, as schema 1 kept them.
func versionsInPlace(t *testing.T, db *DB) int {
	t.Helper()
	n := 0
	err := db.view(context.Background(), func(tx *bbolt.Tx) error {
		sources := root(tx, bucketSources)
		return sources.b.ForEachBucket(func(name []byte) error {
			incidents := incidentsOf(sources.sub(string(name)))
			return incidents.b.ForEachBucket(func(id []byte) error {
				ib := incidents.sub(string(id))
				return ib.b.ForEach(func(k, _ []byte) error {
					if v, ok := unseq(k); ok && v < ib.b.Sequence() {
						n++
					}
					return nil
				})
			})
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// historyRun ingests incidents as one complete vendor run at now.
func historyRun(t *testing.T, db *DB, now time.Time, incidents ...parser.Incident) Run {
	t.Helper()
	in := RunInput{Source: src, URL: "https://status.acme.example/history", Started: now, Finished: now, Format: "test", Complete: true,
		Pages: []PageInput{{URL: "https://status.acme.example/history", Status: http.StatusOK, FetchedAt: now, Body: []byte(fmt.Sprint(incidents))}}}
	run, err := db.Ingest(context.Background(), in, incidents)
	if err != nil {
		t.Fatal(err)
	}
	return run
}

// openAt opens a new archive in a temporary directory, on the clock *now
// reads; it is closed when the test ends.
func openAt(t *testing.T, now *time.Time) *DB {
	t.Helper()
	db, err := Open(filepath.Join(t.TempDir(), "archive.db"), Options{Now: func() time.Time { return *now }, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

// threeVersions archives incident a in three versions, an hour apart
// from *now on, which it moves past them.
func threeVersions(t *testing.T, db *DB, now *time.Time) {
	t.Helper()
	for _, body := range []string{"Resolved.", "Resolved, edited.", "Resolved, edited again."} {
		historyRun(t, db, *now, oldFormIncident("a", 30, "Investigating.", body))
		*now = now.Add(time.Hour)
	}
}

// TestSupersededVersionsMoveToHistory: whatever an incident goes through
// (edits that share updates and edits that share none, deletion,
// restoration), its bucket holds its head and latest version only and
// stays inline in its parent's page; every superseded version is in the
// source's history, and every reader gives what the same archive gives
// turned to the schema 1 layout.
func TestSupersededVersionsMoveToHistory(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	path := filepath.Join(t.TempDir(), "archive.db")
	db, err := Open(path, Options{Now: func() time.Time { return now }, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	if got := schemaOf(t, db); got != Schema {
		t.Fatalf("a new archive is schema %d, want %d", got, Schema)
	}
	body := "We are investigating elevated error rates on the API in the EU region."
	other := oldFormIncident("b", 40, "Investigating.", "Resolved.")
	lives := [][]parser.Incident{
		{oldFormIncident("a", 30, body, "Resolved."), other},
		{oldFormIncident("a", 30, body, "Resolved."), other}, // unchanged
		{oldFormIncident("a", 30, body, "Resolved, edited."), other},
		{oldFormIncident("a", 30, "Other words.", "Other words again."), other},
		{other}, // a deleted
		{oldFormIncident("a", 30, "Other words.", "Other words again."), other}, // restored
		{oldFormIncident("a", 30, "Third words.", "Third words again."), other},
	}
	for i, incidents := range lives {
		historyRun(t, db, now, incidents...)
		now = now.Add(time.Hour)
		err := db.view(ctx, func(tx *bbolt.Tx) error {
			incidents := incidentsOf(root(tx, bucketSources).sub(src))
			ib := incidents.incident("a")
			if ib.prefix == nil {
				t.Fatalf("after run %d, incident a has a bucket of its own, not flat keys", i+1)
			}
			n, err := latestN(ib)
			if err != nil {
				return err
			}
			var keys []string
			_ = ownKeys(ib, func(k []byte) error { keys = append(keys, showKey(k)); return nil })
			if want := []string{fmt.Sprint("#", n), keyHead}; !reflect.DeepEqual(keys, want) {
				t.Errorf("after run %d, incident a's keys are %v, want %v", i+1, keys, want)
			}
			if st := incidents.b.Stats(); st.BucketN != 1 {
				t.Errorf("after run %d, the incidents bucket holds buckets: %+v", i+1, st)
			}
			for v := uint64(1); v < n; v++ {
				if !incidents.history.exists() || incidents.history.b.Get(historyKey("a", v)) == nil {
					t.Errorf("after run %d, version %d of %d is not in history", i+1, v, n)
				}
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Check(ctx); err != nil {
		t.Fatalf("Check: %v", err)
	}
	type reads struct {
		rec     Record
		rows    [][]Row
		changes []VersionChange
	}
	read := func(db *DB) reads {
		t.Helper()
		var r reads
		if r.rec, err = db.Incident(ctx, "a"); err != nil {
			t.Fatal(err)
		}
		for h := range len(lives) + 1 {
			r.rows = append(r.rows, allRows(t, db, Filter{IncludeDeleted: true, AsOf: time.Date(2026, 6, 1, 12+h, 1, 0, 0, time.UTC)}))
		}
		if r.changes, err = db.Changes(ctx, ChangeFilter{}); err != nil {
			t.Fatal(err)
		}
		return r
	}
	got := read(db)
	if len(got.rec.Versions) != 6 {
		t.Fatalf("incident a has %d versions, want 6", len(got.rec.Versions))
	}
	toSchema1(t, db, false)
	if n := versionsInPlace(t, db); n != 5 {
		t.Fatalf("the schema 1 layout keeps %d superseded versions in place, want 5", n)
	}
	if err := db.Check(ctx); err != nil {
		t.Fatalf("Check in the schema 1 layout: %v", err)
	}
	if want := read(db); !reflect.DeepEqual(got, want) {
		t.Errorf("reads with superseded versions in history =\n%+v\nwant, as in the schema 1 layout,\n%+v", got, want)
	}
	// A schema 1 archive stays schema 1 until a version is superseded.
	historyRun(t, db, now, lives[len(lives)-1]...)
	if got := schemaOf(t, db); got != 1 {
		t.Errorf("after an unchanged run, schema %d, want 1 still", got)
	}
	historyRun(t, db, now.Add(time.Hour), oldFormIncident("a", 30, "Fourth words."), other)
	if got := schemaOf(t, db); got != schemaHistory {
		t.Errorf("after a change, schema %d, want %d (no incident is new)", got, schemaHistory)
	}
	// The change moved the versions schema 1 kept in place along with
	// the one it superseded: the bucket is inline again.
	if n := versionsInPlace(t, db); n != 0 {
		t.Errorf("after a change, %d superseded versions still in the incident's bucket, want 0", n)
	}
	err = db.view(ctx, func(tx *bbolt.Tx) error {
		if st := incidentsOf(root(tx, bucketSources).sub(src)).incident("a").b.Stats(); st.InlineBucketN != 1 {
			t.Errorf("after a change, incident a's bucket is not inline: %+v", st)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// The sixth was seen again by the unchanged run since.
	if rec, err := db.Incident(ctx, "a"); err != nil || len(rec.Versions) != 7 || !reflect.DeepEqual(rec.Versions[:5], got.rec.Versions[:5]) ||
		!reflect.DeepEqual(rec.Versions[5].Incident, got.rec.Versions[5].Incident) {
		t.Errorf("after a change, incident a = %d versions, %v; want the 6 before, as they were, and a seventh", len(rec.Versions), err)
	}
	if err := db.Check(ctx); err != nil {
		t.Errorf("Check of the mixed layout: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}

// TestCheckFindsMisplacedVersions: Check names each way a version can be
// in the wrong place or missing.
func TestCheckFindsMisplacedVersions(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(incidents, history bucket) error
		want   string
	}{
		{"stored twice", func(incidents, history bucket) error {
			ib := incidents.incident("a")
			v, err := readVersion(ib, 1)
			if err != nil {
				return err
			}
			return ib.put(seq(1), v)
		}, "sources/acme/incidents/a/#1: archive record corrupt: version 1 is stored twice"},
		{"superseded version missing", func(incidents, history bucket) error {
			return history.b.Delete(historyKey("a", 2))
		}, "sources/acme/incidents/a/#2: archive record corrupt: version missing, here and in sources/acme/history"},
		{"latest moved to history", func(incidents, history bucket) error {
			ib := incidents.incident("a")
			v, err := readVersion(ib, 3)
			if err != nil {
				return err
			}
			if err := history.put(historyKey("a", 3), v); err != nil {
				return err
			}
			return ib.rawDelete(seq(3))
		}, "sources/acme/incidents/a/#3: archive record corrupt: the latest version is not in its incident's bucket"},
		{"a version beyond the head", func(incidents, history bucket) error {
			v, err := readVersion(incidents.incident("a"), 3)
			if err != nil {
				return err
			}
			return history.put(historyKey("a", 4), v)
		}, "sources/acme/history/a#4: archive record corrupt: version 4 of an incident at version 3"},
		{"a version of no incident", func(incidents, history bucket) error {
			v, err := readVersion(incidents.incident("a"), 3)
			if err != nil {
				return err
			}
			return history.put(historyKey("gone", 1), v)
		}, `sources/acme/history/gone#1: archive record corrupt: a version of incident "gone", which is not archived`},
		{"a key too short", func(incidents, history bucket) error {
			return history.put([]byte("short"), head{})
		}, "sources/acme/history/short: archive record corrupt: a key of 5 bytes"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_ = checkFindsBroken(t, func(incidents bucket) error { return tc.break_(incidents, *incidents.history) }, tc.want)
		})
	}
}

// checkFindsBroken archives incident a in three versions, has break_
// damage the source's incidents bucket behind the archive's back, and
// expects Check to report ErrCorrupt saying want; it returns what Check
// said.
func checkFindsBroken(t *testing.T, break_ func(incidents bucket) error, want string) error {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	db := openAt(t, &now)
	threeVersions(t, db, &now)
	if err := db.Check(ctx); err != nil {
		t.Fatalf("Check before: %v", err)
	}
	err := db.update(func(tx *bbolt.Tx) error {
		return break_(incidentsOf(root(tx, bucketSources).sub(src)))
	})
	if err != nil {
		t.Fatal(err)
	}
	err = db.Check(ctx)
	if !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), want) {
		t.Errorf("Check = %v\nwant ErrCorrupt with %q", err, want)
	}
	return err
}

// compactCopy compacts db into a new file and opens the copy read-only;
// it is closed when the test ends.
func compactCopy(t *testing.T, db *DB) *DB {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "compacted.db")
	if _, err := db.Compact(context.Background(), dst); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	out, err := Open(dst, Options{ReadOnly: true, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = out.Close() })
	return out
}

// TestDamagedOldVersionStaysInPlace: a schema 1 version whose envelope
// fails its checksum does not stop a new version of its incident; it is
// left where it was, the others move, and Check names it.
func TestDamagedOldVersionStaysInPlace(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	db := openAt(t, &now)
	threeVersions(t, db, &now)
	toSchema1(t, db, false)
	err := db.update(func(tx *bbolt.Tx) error {
		ib := incidentsOf(root(tx, bucketSources).sub(src)).incident("a")
		v := append([]byte(nil), ib.b.Get(seq(1))...)
		v[len(v)-3] ^= 0x20
		return ib.b.Put(seq(1), v)
	})
	if err != nil {
		t.Fatal(err)
	}
	historyRun(t, db, now, oldFormIncident("a", 30, "Investigating.", "Resolved, edited a third time."))
	err = db.view(ctx, func(tx *bbolt.Tx) error {
		incidents := incidentsOf(root(tx, bucketSources).sub(src))
		ib := incidents.incident("a")
		if ib.b.Get(seq(1)) == nil || incidents.history.b.Get(historyKey("a", 1)) != nil {
			t.Errorf("the damaged version 1 moved")
		}
		for n := uint64(2); n <= 3; n++ {
			if ib.b.Get(seq(n)) != nil || incidents.history.b.Get(historyKey("a", n)) == nil {
				t.Errorf("version %d did not move to history", n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Check(ctx); !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), "sources/acme/incidents/a/#1") {
		t.Errorf("Check = %v, want ErrCorrupt naming sources/acme/incidents/a/#1", err)
	}
}

// TestCompactMovesSchema1Versions: compacting an archive of schema 1
// moves every superseded version to history in the copy, which reads
// exactly as the archive did, passes Check, and is schema 2; the archive
// itself is left as it was.
func TestCompactMovesSchema1Versions(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	db := openAt(t, &now)
	const incidents = migrateBatch + 5 // more than one transaction's worth
	var list []parser.Incident
	for i := range incidents {
		list = append(list, oldFormIncident(fmt.Sprintf("i%05d", i), 30, "Investigating.", "Resolved."))
	}
	historyRun(t, db, now, list...)
	for round := range 2 {
		now = now.Add(time.Hour)
		for i := range list {
			if i%3 != 0 {
				list[i] = oldFormIncident(list[i].ID, 30, "Investigating.", fmt.Sprintf("Resolved, edit %d.", round))
			}
		}
		historyRun(t, db, now, list...)
	}
	toSchema1(t, db, false)
	inPlace := versionsInPlace(t, db)
	if inPlace == 0 {
		t.Fatal("no version in place after the conversion")
	}
	reads := func(db *DB) (recs []Record, rows []Row, changes []VersionChange) {
		t.Helper()
		for _, id := range []string{"i00000", "i00001", list[len(list)-1].ID} {
			rec, err := db.Incident(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			recs = append(recs, rec)
		}
		rows = allRows(t, db, Filter{IncludeDeleted: true, AsOf: now.Add(-30 * time.Minute)})
		var err error
		if changes, err = db.Changes(ctx, ChangeFilter{}); err != nil {
			t.Fatal(err)
		}
		return recs, rows, changes
	}
	wantRecs, wantRows, wantChanges := reads(db)
	dst := filepath.Join(t.TempDir(), "compacted.db")
	if _, err := db.Compact(ctx, dst); err != nil {
		t.Fatalf("Compact: %v", err)
	}
	if got := versionsInPlace(t, db); got != inPlace {
		t.Errorf("the archive itself has %d versions in place after Compact, want %d as before", got, inPlace)
	}
	out, err := Open(dst, Options{ReadOnly: true, Logger: zerolog.Nop()})
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if n := versionsInPlace(t, out); n != 0 {
		t.Errorf("the compacted copy keeps %d superseded versions in place, want 0 (of %d)", n, inPlace)
	}
	if own, flat := incidentBuckets(t, out); own != 0 || flat != incidents {
		t.Errorf("the compacted copy has %d incidents in buckets and %d flat, want 0 and %d", own, flat, incidents)
	}
	if got := schemaOf(t, out); got != Schema {
		t.Errorf("the compacted copy is schema %d, want %d", got, Schema)
	}
	if err := out.Check(ctx); err != nil {
		t.Errorf("Check of the copy: %v", err)
	}
	recs, rows, changes := reads(out)
	if !reflect.DeepEqual(recs, wantRecs) || !reflect.DeepEqual(rows, wantRows) || !reflect.DeepEqual(changes, wantChanges) {
		t.Errorf("the compacted copy reads differently from the archive")
	}
	if len(rows) != incidents {
		t.Errorf("%d rows, want %d", len(rows), incidents)
	}
}
