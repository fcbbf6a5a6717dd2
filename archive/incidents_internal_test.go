package archive

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/statusarchive/statusarchive/parser"
)

// incidentBuckets counts the incidents of db that have a bucket of their
// own (schemas 1 and 2), and those kept flat.
func incidentBuckets(t *testing.T, db *DB) (own, flat int) {
	t.Helper()
	err := db.view(context.Background(), func(tx *bbolt.Tx) error {
		sources := root(tx, bucketSources)
		return sources.b.ForEachBucket(func(name []byte) error {
			return eachIncident(incidentsOf(sources.sub(string(name))), func(_ string, ib bucket, _ flatRecords) error {
				if ib.prefix == nil {
					own++
				} else {
					flat++
				}
				return nil
			}, nil)
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return own, flat
}

// allRows is every row of db that f selects.
func allRows(t *testing.T, db *DB, f Filter) []Row {
	t.Helper()
	var rows []Row
	for row, err := range db.Rows(context.Background(), f) {
		if err != nil {
			t.Fatal(err)
		}
		rows = append(rows, row)
	}
	return rows
}

// layoutReads is what every reader of an archive gives: each incident's
// record, the rows at several instants and the changes.
type layoutReads struct {
	recs    []Record
	rows    [][]Row
	changes []VersionChange
}

func readLayout(t *testing.T, db *DB, ids []string, instants []time.Time) layoutReads {
	t.Helper()
	ctx := context.Background()
	var r layoutReads
	for _, id := range ids {
		rec, err := db.Incident(ctx, id)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		r.recs = append(r.recs, rec)
	}
	filters := []Filter{{}, {IncludeDeleted: true}, {Kind: parser.KindIncident}}
	for _, at := range instants {
		filters = append(filters, Filter{IncludeDeleted: true, AsOf: at})
	}
	for _, f := range filters {
		r.rows = append(r.rows, allRows(t, db, f))
	}
	var err error
	if r.changes, err = db.Changes(ctx, ChangeFilter{}); err != nil {
		t.Fatal(err)
	}
	return r
}

// TestLayoutsReadAlike: the same life (new incidents, edits, deletions,
// restorations, unchanged runs) archived flat, and archived by an archive
// whose incidents were turned to a bucket each halfway (schema 2; what it
// archives afterwards is new incidents flat beside old ones in buckets),
// reads the same through every reader after every run, and Check finds
// both sound. Compact then makes every incident of the mixed one flat,
// and it still reads the same.
func TestLayoutsReadAlike(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	flat, mixed := openAt(t, &now), openAt(t, &now)
	rng := rand.New(rand.NewPCG(11, 12))
	var ids []string
	for i := range 40 {
		ids = append(ids, fmt.Sprintf("inc-%03d", i))
	}
	edits := map[string]int{}
	var instants []time.Time
	const runs = 24
	for run := range runs {
		// Incidents 0..k are on the page; the list grows, edits come and
		// go, and some incidents leave it (and are tombstoned, the run
		// being complete) to come back later.
		k := min(len(ids), 10+run*2)
		var list []parser.Incident
		for i, id := range ids[:k] {
			if rng.IntN(9) == 0 && i < k-1 {
				continue // gone from the page this run
			}
			if rng.IntN(4) == 0 {
				edits[id]++
			}
			list = append(list, oldFormIncident(id, 30+i, "Investigating.", fmt.Sprintf("Resolved, edit %d.", edits[id])))
		}
		historyRun(t, flat, now, list...)
		historyRun(t, mixed, now, list...)
		instants = append(instants, now.Add(30*time.Minute))
		now = now.Add(time.Hour)
		if run == runs/2 {
			toBuckets(t, mixed)
			if own, n := incidentBuckets(t, mixed); own == 0 || n != 0 {
				t.Fatalf("after toBuckets: %d incidents in buckets, %d flat; want all in buckets", own, n)
			}
		}
		want, got := readLayout(t, flat, ids, instants), readLayout(t, mixed, ids, instants)
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("after run %d the two layouts read differently:\n%+v\nwant\n%+v", run+1, got, want)
		}
	}
	if own, n := incidentBuckets(t, flat); own != 0 || n != len(ids) {
		t.Errorf("the flat archive has %d incidents in buckets and %d flat, want 0 and %d", own, n, len(ids))
	}
	own, n := incidentBuckets(t, mixed)
	if own == 0 || n == 0 {
		t.Errorf("the mixed archive has %d incidents in buckets and %d flat, want some of each", own, n)
	}
	for _, db := range []*DB{flat, mixed} {
		if err := db.Check(ctx); err != nil {
			t.Fatalf("Check: %v", err)
		}
	}
	if got := schemaOf(t, mixed); got != Schema {
		t.Errorf("the mixed archive is schema %d, want %d once it holds a flat incident", got, Schema)
	}
	want := readLayout(t, flat, ids, instants)
	out := compactCopy(t, mixed)
	if own, n := incidentBuckets(t, out); own != 0 || n != len(ids) {
		t.Errorf("the compacted copy has %d incidents in buckets and %d flat, want 0 and %d", own, n, len(ids))
	}
	if got := readLayout(t, out, ids, instants); !reflect.DeepEqual(got, want) {
		t.Errorf("the compacted copy reads differently:\n%+v\nwant\n%+v", got, want)
	}
}

// TestNULIdsAreFlat: an id holding NUL bytes is kept flat like any
// other, its keys apart from those of the id before its first NUL (whose
// head key, unescaped, it would spell): both read, take versions and
// survive Compact.
func TestNULIdsAreFlat(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	db := openAt(t, &now)
	ids := []string{"a", "a\x00head", "a\x00\xff\x01"}
	for _, body := range []string{"Resolved.", "Resolved, edited."} {
		var list []parser.Incident
		for i, id := range ids {
			list = append(list, oldFormIncident(id, 30+i, "Investigating.", body))
		}
		historyRun(t, db, now, list...)
		now = now.Add(time.Hour)
	}
	check := func(db *DB) {
		t.Helper()
		if own, flat := incidentBuckets(t, db); own != 0 || flat != len(ids) {
			t.Fatalf("%d incidents in buckets, %d flat; want 0 and %d", own, flat, len(ids))
		}
		for _, id := range ids {
			rec, err := db.Incident(ctx, src+"/"+id)
			if err != nil || len(rec.Versions) != 2 || rec.Versions[1].Incident.ID != id {
				t.Fatalf("Incident(%q) = %+v, %v; want 2 versions of it", id, rec, err)
			}
		}
		var got []string
		for _, row := range allRows(t, db, Filter{}) {
			got = append(got, row.Incident.ID)
		}
		if !reflect.DeepEqual(got, ids) {
			t.Errorf("rows of %q, want %q in order", got, ids)
		}
		if err := db.Check(ctx); err != nil {
			t.Fatalf("Check: %v", err)
		}
	}
	check(db)
	toBuckets(t, db)
	check(compactCopy(t, db))
}

// TestCheckFindsFlatDamage: Check names each way a flat incident's keys
// can be wrong.
func TestCheckFindsFlatDamage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(incidents bucket) error
		want   string
		not    string // nor should Check say this
	}{
		{"a version without a head", func(incidents bucket) error {
			v, err := readVersion(incidents.incident("a"), 3)
			if err != nil {
				return err
			}
			return incidents.newIncident("ghost").put(seq(1), v)
		}, "sources/acme/incidents/ghost/#1: archive record corrupt: a version of an incident without a head record", ""},
		{"a key neither head nor version", func(incidents bucket) error {
			return incidents.incident("a").put([]byte("note"), head{})
		}, "sources/acme/incidents/a/note: archive record corrupt: a key of an incident that is neither its head nor a version", ""},
		{"a stray key between the latest version and the head", func(incidents bucket) error {
			// "Z" sorts after the version's key and before "head": the
			// version still has its head.
			return incidents.incident("a").put([]byte("Zed"), head{})
		}, "sources/acme/incidents/a/Zed: archive record corrupt: a key of an incident that is neither its head nor a version", "without a head record"},
		{"a value that is no flat key", func(incidents bucket) error {
			return incidents.put([]byte("loose"), head{})
		}, "sources/acme/incidents/loose: archive record corrupt: a value where an incident belongs", ""},
		{"a superseded version kept flat", func(incidents bucket) error {
			ib := incidents.incident("a")
			v, err := readVersion(ib, 2)
			if err != nil {
				return err
			}
			if err := ib.put(seq(2), v); err != nil {
				return err
			}
			return incidents.history.b.Delete(historyKey("a", 2))
		}, "sources/acme/incidents/a/#2: archive record corrupt: version 2 of a flat incident at version 3", ""},
		{"the latest missing", func(incidents bucket) error {
			return incidents.incident("a").rawDelete(seq(3))
		}, "sources/acme/incidents/a/#3: archive record corrupt: the latest version is not in its incident's bucket", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := checkFindsBroken(t, tc.break_, tc.want); tc.not != "" && err != nil && strings.Contains(err.Error(), tc.not) {
				t.Errorf("Check = %v\nwhich should not say %q", err, tc.not)
			}
		})
	}
}

// TestFlatKeys: a flat key gives back the id and key it was made of, the
// keys of different ids never share a prefix and sort as the ids do (NUL
// bytes, and the bytes the escape uses, included), and a flat record is
// sealed for its key in the incidents bucket, where Check's walk of every
// envelope opens it, yet named as its own bucket would name it.
func TestFlatKeys(t *testing.T) {
	ids := []string{"a", "ab", "a\x00", "a\x00b", "a\x00\x00", "a\x01", "a\xff", "a\x00\xff", "a\x00\x01", "\x00", "\xff", "inc-001", "Z", "é"}
	keys := [][]byte{[]byte(keyHead), seq(1), seq(1 << 40)}
	for _, a := range ids {
		for _, k := range keys {
			full := append(flatPrefix(a), k...)
			if id, key, ok := flatKey(full); !ok || id != a || string(key) != string(k) {
				t.Errorf("flatKey(%q) = %q, %q, %v; want %q, %q", full, id, key, ok, a, k)
			}
		}
		for _, b := range ids {
			pa, pb := flatPrefix(a), flatPrefix(b)
			if a != b && (bytes.HasPrefix(pa, pb) || bytes.HasPrefix(pb, pa)) {
				t.Errorf("the flat prefixes of %q and %q overlap: %q, %q", a, b, pa, pb)
			}
			for _, ka := range keys {
				for _, kb := range keys {
					if a == b {
						continue
					}
					if got, want := bytes.Compare(append(flatPrefix(a), ka...), append(flatPrefix(b), kb...)), strings.Compare(a, b); got != want {
						t.Errorf("keys of %q and %q compare %d, the ids %d", a, b, got, want)
					}
				}
			}
		}
	}
	for _, bad := range []string{"", "head", "\x00\x01head", "a\x00", "a\x00\x02head", "a\x00\xff"} {
		if id, key, ok := flatKey([]byte(bad)); ok {
			t.Errorf("flatKey(%q) = %q, %q, ok; want not a flat key", bad, id, key)
		}
	}
	incidents := bucket{}.within(bucketSources).within(src).within(bucketIncidents)
	for _, id := range []string{"inc-1", "a\x00head"} {
		own, flat := incidents.within(id), incidents.newIncident(id)
		for _, k := range keys {
			sealed := flat.seal(k, encBinary, []byte("a payload"))
			if _, _, err := incidents.open(flat.key(k), sealed); err != nil {
				t.Errorf("%q %s: the incidents bucket does not open its flat record: %v", id, showKey(k), err)
			}
			if a, b := own.keyPath(k), incidents.keyPath(flat.key(k)); a != b {
				t.Errorf("%q %s is named %q in its bucket, %q flat", id, showKey(k), a, b)
			}
		}
	}
}

// FuzzFlatKey: any id and key come back from their flat key.
func FuzzFlatKey(f *testing.F) {
	f.Add("inc-1", []byte(keyHead))
	f.Add("a\x00\xff\x01", seq(3))
	f.Add("", []byte("x"))
	f.Fuzz(func(t *testing.T, id string, key []byte) {
		if id == "" {
			return // not an id: Validate refuses it
		}
		id2, key2, ok := flatKey(append(flatPrefix(id), key...))
		if !ok || id2 != id || !bytes.Equal(key2, key) {
			t.Fatalf("flatKey(flatPrefix(%q) + %q) = %q, %q, %v", id, key, id2, key2, ok)
		}
	})
}
