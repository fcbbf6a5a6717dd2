package archive

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"reflect"
	"testing"
	"time"

	"github.com/rs/zerolog"
	bbolt "go.etcd.io/bbolt"

	"github.com/statusarchive/statusarchive/parser"
)

// toJSONForm rewrites every head and version of the archive in the form
// archives were written in before binary records: JSON (deflated when
// that pays), each superseded version holding its own last-seen time, in
// the schema 1 layout (toSchema1).
func toJSONForm(t *testing.T, db *DB) {
	t.Helper()
	toSchema1(t, db, true)
}

// toSchema1 rewrites the archive in the layout of schema 1: every version
// in its incident's bucket, no history buckets, the format record at
// schema 1. With json, every head and version is written as JSON too.
func toSchema1(t *testing.T, db *DB, json bool) {
	t.Helper()
	toBuckets(t, db)
	err := db.update(func(tx *bbolt.Tx) error {
		sources := root(tx, bucketSources)
		err := sources.b.ForEachBucket(func(name []byte) error {
			source := sources.sub(string(name))
			incidents := incidentsOf(source)
			err := incidents.b.ForEachBucket(func(id []byte) error {
				ib := incidents.sub(string(id))
				var h head
				if _, err := ib.get([]byte(keyHead), &h); err != nil {
					return err
				}
				var next *storedVersion
				for n := h.N; n >= 1; n-- {
					v, err := readVersion(ib, n)
					if err != nil {
						return err
					}
					switch {
					case json:
						old := v.Version
						old.LastSeen = lastSeen(old, next, h)
						err = ib.putJSON(seq(uint64(n)), old)
					case next != nil && shared(&v.Incident, next.Incident.Updates) > 0:
						err = ib.put(seq(uint64(n)), relativeVersion{v: v, next: next.Incident.Updates})
					default:
						err = ib.put(seq(uint64(n)), v)
					}
					if err != nil {
						return err
					}
					next = &v
				}
				if json {
					return ib.putJSON([]byte(keyHead), h)
				}
				return nil
			})
			if err != nil || !incidents.history.exists() {
				return err
			}
			return source.b.DeleteBucket([]byte(bucketHistory))
		})
		if err != nil {
			return err
		}
		meta := root(tx, bucketMeta)
		var f formatRecord
		if _, err := meta.get([]byte(keyFormat), &f); err != nil {
			return err
		}
		f.Schema = 1
		return meta.put([]byte(keyFormat), f)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// toBuckets rewrites the archive in the layout of schema 2: every flat
// incident's records, as they are, in a bucket of its own whose sequence
// is its latest version, and the format record at schema 2 when it named
// a newer one.
func toBuckets(t *testing.T, db *DB) {
	t.Helper()
	err := db.update(func(tx *bbolt.Tx) error {
		sources := root(tx, bucketSources)
		err := sources.b.ForEachBucket(func(name []byte) error {
			incidents := incidentsOf(sources.sub(string(name)))
			var flat []bucket
			err := eachIncident(incidents, func(_ string, ib bucket, _ flatRecords) error {
				if ib.prefix != nil {
					flat = append(flat, ib)
				}
				return nil
			}, nil)
			if err != nil {
				return err
			}
			for _, ib := range flat {
				n, err := latestN(ib)
				if err != nil {
					return err
				}
				// Sealed again for the key they get in their own bucket.
				mine := incidents.within(incidentID(ib))
				recs := map[string][]byte{}
				err = ownKeys(ib, func(k []byte) error {
					enc, payload, err := ib.open(k, ib.rawGet(k))
					recs[string(k)] = mine.seal(k, enc, payload)
					return err
				})
				if err != nil {
					return err
				}
				for k := range recs {
					if err := ib.rawDelete([]byte(k)); err != nil {
						return err
					}
				}
				own, err := incidents.b.CreateBucket([]byte(incidentID(ib)))
				if err != nil {
					return err
				}
				for k, v := range recs {
					if err := own.Put([]byte(k), v); err != nil {
						return err
					}
				}
				if err := own.SetSequence(n); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		meta := root(tx, bucketMeta)
		var f formatRecord
		if _, err := meta.get([]byte(keyFormat), &f); err != nil || f.Schema <= schemaHistory {
			return err
		}
		f.Schema = schemaHistory
		return meta.put([]byte(keyFormat), f)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// encodings counts the envelopes of every head and version by encoding.
func encodings(t *testing.T, db *DB) map[byte]int {
	t.Helper()
	got := map[byte]int{}
	err := db.view(context.Background(), func(tx *bbolt.Tx) error {
		count := func(k, v []byte) error {
			got[v[4]]++
			var sv storedVersion
			if string(k) != keyHead && v[4] == encBinary && sv.decodeBinary(v[envelopeHeader:]) == nil && sv.refs != nil {
				got['r']++ // relative to the next version
			}
			return nil
		}
		incidents := incidentsOf(root(tx, bucketSources).sub(src))
		if incidents.history.exists() {
			if err := incidents.history.b.ForEach(count); err != nil {
				return err
			}
		}
		return eachIncident(incidents, func(_ string, ib bucket, _ flatRecords) error {
			return ownKeys(ib, func(k []byte) error { return count(k, ib.rawGet(k)) })
		}, nil)
	})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

const src = "acme"

func oldFormIncident(id string, hoursAgo int, bodies ...string) parser.Incident {
	in := parser.Incident{Source: src, ID: id, Kind: parser.KindIncident, Title: "Errors on " + id,
		Impact: parser.ImpactMinor, Status: parser.StatusResolved}
	start := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC).Add(-time.Duration(hoursAgo) * time.Hour)
	for i, b := range bodies {
		in.Updates = append(in.Updates, parser.Update{Status: parser.StatusUpdate, StatusRaw: "Update", Body: b,
			At: parser.NewTime(start.Add(time.Duration(i)*time.Hour), "")})
	}
	in.ReadWindows() // as Parse returns it
	return in
}

// TestJSONRecordsReadAndTakeRuns: an archive turned to schema 1 (every
// version in its incident's bucket), its heads and versions in binary or
// in the JSON form (as written before binary records), reads exactly as
// one written by this build throughout, before and after both take the
// same new runs, which supersede old-form versions (moving those of
// schema 1 to history), delete and restore incidents, and mark the file
// schema 2.
func TestJSONRecordsReadAndTakeRuns(t *testing.T) {
	for _, json := range []bool{true, false} {
		name := "binary"
		if json {
			name = "json"
		}
		t.Run(name, func(t *testing.T) { testSchema1ReadAndTakeRuns(t, json) })
	}
}

// schemaOf reads the schema db's format record names.
func schemaOf(t *testing.T, db *DB) int {
	t.Helper()
	var f formatRecord
	err := db.view(context.Background(), func(tx *bbolt.Tx) error {
		_, err := root(tx, bucketMeta).get([]byte(keyFormat), &f)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f.Schema
}

func testSchema1ReadAndTakeRuns(t *testing.T, json bool) {
	ctx := context.Background()
	t0 := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	a := func(body string) parser.Incident { return oldFormIncident("a", 30, "Investigating.", body) }
	b := func(body string) parser.Incident { return oldFormIncident("b", 20, "Investigating.", body) }
	c := oldFormIncident("c", 10, "Investigating.", "From 13:35 UTC to 14:24 UTC requests failed.")
	long := fmt.Sprintf("%0900d", 7) // long enough to be stored deflated
	runs := []struct {
		complete  bool
		incidents []parser.Incident
	}{
		{true, []parser.Incident{a("Resolved."), b("Resolved."), c}},
		{true, []parser.Incident{a("Resolved."), b("Resolved, edited." + long), c}},
		{true, []parser.Incident{a("Resolved."), b("Resolved, edited." + long), c}},
		// the archive is turned to schema 1 here (and to JSON)
		{true, []parser.Incident{a("Resolved, edited."), b("Resolved, edited." + long), c}},
		{true, []parser.Incident{a("Resolved, edited."), b("Resolved, edited." + long)}}, // c deleted
		{true, []parser.Incident{a("Resolved, edited twice."), b("Resolved, edited again." + long), c}},
	}
	const converted = 3
	dbs := [2]*DB{}
	clocks := [2]time.Time{t0, t0}
	for i := range dbs {
		var err error
		dbs[i], err = Open(filepath.Join(t.TempDir(), "archive.db"), Options{Now: func() time.Time { return clocks[i] }, Logger: zerolog.Nop()})
		if err != nil {
			t.Fatal(err)
		}
		defer dbs[i].Close()
	}
	same := func(stage string) {
		t.Helper()
		for _, id := range []string{"a", "b", "c"} {
			recs := [2]Record{}
			for i, db := range dbs {
				var err error
				if recs[i], err = db.Incident(ctx, src+"/"+id); err != nil {
					t.Fatal(err)
				}
			}
			if !reflect.DeepEqual(recs[1], recs[0]) {
				t.Errorf("%s: incident %s in the JSON form =\n%+v\nwant, as written in binary,\n%+v", stage, id, recs[1], recs[0])
			}
		}
		for r := range len(runs) + 1 {
			f := Filter{IncludeDeleted: true, AsOf: t0.Add(time.Duration(r)*time.Hour + time.Minute)}
			if r == len(runs) {
				f.AsOf = time.Time{}
			}
			var rows [2][]Row
			for i, db := range dbs {
				rows[i] = allRows(t, db, f)
			}
			if !reflect.DeepEqual(rows[1], rows[0]) {
				t.Errorf("%s: rows as of %v in the JSON form =\n%+v\nwant\n%+v", stage, f.AsOf, rows[1], rows[0])
			}
		}
		var changes [2][]VersionChange
		for i, db := range dbs {
			var err error
			if changes[i], err = db.Changes(ctx, ChangeFilter{}); err != nil {
				t.Fatal(err)
			}
			if err := db.Check(ctx); err != nil {
				t.Errorf("%s: Check of archive %d: %v", stage, i, err)
			}
		}
		if !reflect.DeepEqual(changes[1], changes[0]) {
			t.Errorf("%s: changes in the JSON form =\n%+v\nwant\n%+v", stage, changes[1], changes[0])
		}
	}
	for r, run := range runs {
		if r == converted {
			toSchema1(t, dbs[1], json)
			if enc := encodings(t, dbs[1]); json && (enc[encBinary]+enc[encBinaryDeflate] != 0 || enc[encDeflate] == 0) {
				t.Fatalf("after the conversion, records by encoding: %v; want JSON only, some deflated", enc)
			}
			if got := schemaOf(t, dbs[1]); got != 1 {
				t.Fatalf("after the conversion, schema %d, want 1", got)
			}
			if versionsInPlace(t, dbs[1]) == 0 {
				t.Fatalf("after the conversion, no superseded version is in its incident's bucket")
			}
			same("converted")
		}
		for i, db := range dbs {
			clocks[i] = t0.Add(time.Duration(r) * time.Hour)
			in := RunInput{Source: src, URL: "https://status.acme.example/history", Started: clocks[i], Finished: clocks[i],
				Format: "test", Complete: run.complete, Pages: []PageInput{{URL: "https://status.acme.example/history",
					Status: http.StatusOK, FetchedAt: clocks[i], Body: []byte(fmt.Sprint("page ", r))}}}
			if _, err := db.Ingest(ctx, in, run.incidents); err != nil {
				t.Fatal(err)
			}
		}
	}
	same("after new runs")
	enc := encodings(t, dbs[1])
	if enc[encBinary] == 0 || enc[encBinaryDeflate] == 0 || enc['r'] == 0 || (json && enc[encDeflate] == 0) {
		t.Errorf("records by encoding: %v; want binary (some relative to the next version), deflated binary and, converted to JSON, JSON side by side", enc)
	}
	if got := schemaOf(t, dbs[1]); got != schemaHistory {
		t.Errorf("after runs that superseded versions, schema %d, want %d (no incident is new)", got, schemaHistory)
	}
	if inPlace := versionsInPlace(t, dbs[1]); inPlace != 0 {
		t.Errorf("%d superseded versions left in their incident's bucket after every incident took a new version; want all moved to history", inPlace)
	}
	if rec, err := dbs[1].Incident(ctx, "c"); err != nil || len(rec.Versions) != 3 || !rec.Versions[0].LastSeen.Equal(t0.Add(3*time.Hour)) {
		t.Errorf("incident c = %+v, %v; want 3 versions, the first last seen at run 4", rec, err)
	}
}

// TestSupersededVersionStorage: a new version that shares updates with
// the one it supersedes has that one moved to history relative to it (the
// shared updates as their positions), much smaller; one that shares none
// moves whole, its payload as it was. Both read back whole, with the
// last time they were seen.
func TestSupersededVersionStorage(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	db := openAt(t, &now)
	body := "We are investigating elevated error rates on the API in the EU region. Some requests may fail."
	ingest := func(bodies ...string) {
		t.Helper()
		in := RunInput{Source: src, URL: "https://status.acme.example/history", Started: now, Finished: now, Format: "test"}
		if _, err := db.Ingest(ctx, in, []parser.Incident{oldFormIncident("a", 30, bodies...)}); err != nil {
			t.Fatal(err)
		}
	}
	stored := func(n uint64) []byte {
		var v []byte
		_ = db.view(ctx, func(tx *bbolt.Tx) error {
			_, _, raw := rawVersion(incidentsOf(root(tx, bucketSources).sub(src)).incident("a"), int(n))
			v = append(v, raw...)
			return nil
		})
		return v
	}
	var want []parser.Incident
	var seen []time.Time
	step := func(bodies ...string) {
		t.Helper()
		ingest(bodies...)
		want = append(want, oldFormIncident("a", 30, bodies...))
		now = now.Add(time.Hour)
		ingest(bodies...) // seen again, unchanged
		seen = append(seen, now)
		now = now.Add(time.Hour)
	}
	step(body, "Resolved.")
	first := stored(1)
	step(body, "Resolved, edited.")
	if got := stored(1); len(got) > len(first)-len(body) {
		t.Errorf("version 1 after version 2 shared its first update: %d bytes, want its %d less the update's %d", len(got), len(first), len(body))
	}
	step("Other words.", "Other words again.")
	second := stored(2)
	step("Third words.", "Third words again.")
	if got := stored(2); len(got) < envelopeHeader || !bytes.Equal(got[envelopeHeader:], second[envelopeHeader:]) {
		t.Errorf("version 2, which shares no update with version 3, moved to history as %x; want its payload as it was, %x", got, second)
	}
	rec, err := db.Incident(ctx, "a")
	if err != nil || len(rec.Versions) != len(want) {
		t.Fatalf("incident a = %+v, %v; want %d versions", rec, err, len(want))
	}
	for i, v := range rec.Versions {
		want[i].Source = src
		if !reflect.DeepEqual(v.Incident, want[i]) || !v.LastSeen.Equal(seen[i]) {
			t.Errorf("version %d = %+v last seen %v\nwant %+v last seen %v", i+1, v.Incident, v.LastSeen, want[i], seen[i])
		}
	}
	if err := db.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
}
