package archive

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"

	bbolt "go.etcd.io/bbolt"

	"github.com/statusarchive/statusarchive/parser"
)

// Superseded versions live apart from their incident.
//
// An incident keeps its head and its latest version only (flat, or in
// its bucket: incidents.go). When a new version supersedes the latest,
// the old one moves to the source's history bucket, keyed by the
// incident's id and the version's number, many incidents to a page. A head
// and one version fit in about 700 bytes; with its superseded versions
// beside them an incident's bucket outgrew bbolt's inline limit at its
// second version and took a 4 KiB page of its own, written again at every
// change (measured in docs/benchmarks.md: 3,089 bytes of file per changed
// version when all of 10,000 incidents change, against 1,271 this way).
//
// Archives of schema 1 kept every version in the incident's bucket. Their
// versions are read where they are: a version is looked up beside the
// incident's head first, then in history; the incident's next version
// moves them all to history (moveOlder), and Compact moves every one in
// its copy (migrateIncidents). The first superseded version
// this build moves into a history bucket marks the file schema 2, so that
// an older build refuses it (ErrSchema) rather than miss the versions.

// bucketHistory is sources/<source>/history.
const bucketHistory = "history"

// historyKey is the key of version n of incident id in a history bucket:
// the id's bytes, then n as 8 bytes big-endian. The suffix's fixed length
// makes the key unambiguous whatever bytes the id holds.
func historyKey(id string, n uint64) []byte {
	return binary.BigEndian.AppendUint64(append(make([]byte, 0, len(id)+8), id...), n)
}

// splitHistoryKey is historyKey's inverse; ok is false for a key too short
// to be one.
func splitHistoryKey(k []byte) (id string, n uint64, ok bool) {
	if len(k) <= 8 {
		return "", 0, false
	}
	return string(k[:len(k)-8]), binary.BigEndian.Uint64(k[len(k)-8:]), true
}

// showHistoryKey renders a history key for people: the id, then #n.
func showHistoryKey(k []byte) (string, bool) {
	id, n, ok := splitHistoryKey(k)
	if !ok {
		return "", false
	}
	return showKey([]byte(id)) + "#" + strconv.FormatUint(n, 10), true
}

// isHistory reports whether path is a source's history bucket.
func isHistory(path []string) bool {
	return len(path) == 3 && path[0] == bucketSources && path[2] == bucketHistory
}

// isIncidents reports whether path is a source's incidents bucket.
func isIncidents(path []string) bool {
	return len(path) == 3 && path[0] == bucketSources && path[2] == bucketIncidents
}

// incidentsOf returns source's incidents bucket, whose incident buckets
// read superseded versions from source's history bucket.
func incidentsOf(source bucket) bucket {
	incidents := source.sub(bucketIncidents)
	history := source.sub(bucketHistory)
	incidents.history = &history
	return incidents
}

// incidentID is the id of the incident whose bucket is ib.
func incidentID(ib bucket) string { return ib.path[len(ib.path)-1] }

// rawVersion finds version n of the incident in ib: in ib (the latest,
// and every version of a schema 1 archive), else in the source's history.
// It returns the bucket and key it is stored under and its envelope, nil
// when neither has it (then the bucket and key are ib's).
func rawVersion(ib bucket, n int) (bucket, []byte, []byte) {
	key := seq(uint64(n))
	if ib.b == nil {
		return ib, key, nil
	}
	if v := ib.rawGet(key); v != nil || ib.history == nil || !ib.history.exists() {
		return ib, key, v
	}
	hk := historyKey(incidentID(ib), uint64(n))
	if v := ib.history.b.Get(hk); v != nil {
		return *ib.history, hk, v
	}
	return ib, key, nil
}

// getVersion reads version n of the incident in ib as stored, wherever it
// is (rawVersion). found is false when it is nowhere.
func getVersion(ib bucket, n int, v *storedVersion) (found bool, err error) {
	b, key, val := rawVersion(ib, n)
	if val == nil {
		return false, nil
	}
	return true, b.decode(key, val, v)
}

// missingVersion is the error for version n of the incident in ib, found
// nowhere.
func missingVersion(ib bucket, n int) error {
	if ib.history == nil {
		return &RecordError{Path: ib.keyPath(seq(uint64(n))), Err: fmt.Errorf("%w: version missing", ErrCorrupt)}
	}
	return &RecordError{Path: ib.keyPath(seq(uint64(n))), Err: fmt.Errorf("%w: version missing, here and in %s", ErrCorrupt, ib.history)}
}

// versionPath names where version n of the incident in ib is, or would
// be, for errors.
func versionPath(ib bucket, n int) string {
	b, key, _ := rawVersion(ib, n)
	return b.keyPath(key)
}

// supersede moves prev, until now the latest version of the incident in
// ib, into the source's history bucket: relative to next, the updates of
// the version that supersedes it, when the two share any, else whole. The
// versions before prev that a schema 1 archive kept in ib move with it,
// as they are (moveOlder).
func (w *writer) supersede(ib bucket, prev storedVersion, next []parser.Update) error {
	if w.history.b == nil {
		if err := markSchema(w.tx, schemaHistory); err != nil {
			return err
		}
		h, err := w.source.create(bucketHistory)
		if err != nil {
			return err
		}
		// Keys arrive in id order when a run changes many incidents.
		h.b.FillPercent = 0.9
		w.history = h
	}
	var rec binaryRecord = prev
	if shared(&prev.Incident, next) > 0 {
		rec = relativeVersion{v: prev, next: next}
	}
	if err := w.history.put(historyKey(incidentID(ib), uint64(prev.N)), rec); err != nil {
		return err
	}
	if err := ib.rawDelete(seq(uint64(prev.N))); err != nil {
		return fmt.Errorf("move %s: %w", ib.keyPath(seq(uint64(prev.N))), err)
	}
	return w.moveOlder(ib, prev.N)
}

// moveOlder moves the versions before n that the incident's bucket still
// holds (an archive of schema 1 kept them all there, from version 1 on) to
// the source's history bucket, each envelope's payload as it is, sealed
// again for its new key: the relative ones still name positions in the
// version after them, whose content does not change. A version whose
// envelope fails its checksum stays where it is, for Check to report:
// damage to an old version is no reason to refuse a new one.
func (w *writer) moveOlder(ib bucket, n int) error {
	_, err := moveLeftovers(ib, w.history, n)
	return err
}

// moveLeftovers moves the versions before n still in the incident bucket
// ib to history (see moveOlder) and returns how many it moved.
func moveLeftovers(ib, history bucket, n int) (int, error) {
	if ib.prefix != nil || !leftBefore(ib.b, n) {
		return 0, nil
	}
	id, moved := incidentID(ib), 0
	for v := 1; v < n; v++ {
		key := seq(uint64(v))
		val := ib.b.Get(key)
		if val == nil {
			continue
		}
		enc, payload, err := ib.open(key, val)
		if err != nil {
			continue
		}
		hk := historyKey(id, uint64(v))
		if err := history.b.Put(hk, history.seal(hk, enc, payload)); err != nil {
			return moved, fmt.Errorf("write %s: %w", history.keyPath(hk), err)
		}
		if err := ib.b.Delete(key); err != nil {
			return moved, fmt.Errorf("move %s: %w", ib.keyPath(key), err)
		}
		moved++
	}
	return moved, nil
}

// leftBefore reports whether the incident bucket ib keeps versions before
// n in place, as schema 1 did. Those start at version 1: schema 2 moves
// every version it supersedes, and the first move takes the older ones
// along.
func leftBefore(ib *bbolt.Bucket, n int) bool {
	return n > 1 && ib.Get(seq(1)) != nil
}

// needsMigration reports whether any incident of the archive still has a
// bucket of its own (see incidents.go), where schema 1 also kept its
// superseded versions.
func needsMigration(tx *bbolt.Tx) bool {
	sources := root(tx, bucketSources)
	if !sources.exists() {
		return false
	}
	found := false
	_ = sources.b.ForEachBucket(func(name []byte) error {
		incidents := sources.sub(string(name)).sub(bucketIncidents)
		if !incidents.exists() {
			return nil
		}
		return incidents.b.ForEachBucket(func([]byte) error {
			found = true
			return errStop
		})
	})
	return found
}

// errStop ends a ForEach early.
var errStop = errors.New("stop")

// migrateIncidents brings the incidents of bdb (an archive being
// compacted) that have a bucket of their own to the layout this build
// writes, migrateBatch incidents a transaction: superseded versions kept
// in the incident's bucket move to their source's history bucket, and the
// incident's head and latest version move out of its bucket into flat
// keys (flatten). It marks the file schema 2 when it moved versions to
// history, schemaFlat when it made an incident flat.
func migrateIncidents(ctx context.Context, bdb *bbolt.DB) error {
	var sources []string
	err := bdb.View(func(tx *bbolt.Tx) error {
		return root(tx, bucketSources).b.ForEachBucket(func(name []byte) error {
			sources = append(sources, string(name))
			return nil
		})
	})
	if err != nil {
		return err
	}
	for _, name := range sources {
		var after []byte // the last incident id a transaction went through
		for done := false; !done; {
			if err := ctx.Err(); err != nil {
				return err
			}
			err := bdb.Update(func(tx *bbolt.Tx) error {
				source := root(tx, bucketSources).sub(name)
				incidents := source.sub(bucketIncidents)
				if !incidents.exists() {
					done = true
					return nil
				}
				// The batch's ids first: flattening writes to the
				// bucket the cursor walks.
				var ids []string
				c := incidents.b.Cursor()
				k, v := c.First()
				if after != nil {
					if k, v = c.Seek(after); k != nil && string(k) == string(after) {
						k, v = c.Next()
					}
				}
				for ; k != nil && len(ids) < migrateBatch; k, v = c.Next() {
					if v == nil { // a flat key otherwise, or for Check to report
						ids = append(ids, string(k))
					}
				}
				done = k == nil
				if len(ids) > 0 {
					after = []byte(ids[len(ids)-1])
				}
				history := source.sub(bucketHistory)
				moved, flattened := 0, 0
				for _, id := range ids {
					ib := incidents.sub(id)
					if leftBefore(ib.b, int(ib.b.Sequence())) {
						if !history.exists() {
							var err error
							if history, err = source.create(bucketHistory); err != nil {
								return err
							}
						}
						m, err := moveLeftovers(ib, history, int(ib.b.Sequence()))
						if err != nil {
							return err
						}
						moved += m
					}
					if ok, err := flatten(incidents, id); err != nil {
						return err
					} else if ok {
						flattened++
					}
				}
				if moved > 0 {
					if err := markSchema(tx, schemaHistory); err != nil {
						return err
					}
				}
				if flattened > 0 {
					return markSchema(tx, schemaFlat)
				}
				return nil
			})
			if err != nil {
				return fmt.Errorf("migrate the incidents of %s: %w", name, err)
			}
		}
	}
	return nil
}

// flatten moves every record of incident id's own bucket in incidents to
// its flat key, sealed again for it, and removes the bucket. An incident
// one of whose records fails its checksum stays as it is, for Check to
// report (flattened reports which).
func flatten(incidents bucket, id string) (flattened bool, err error) {
	own := incidents.sub(id)
	if !own.exists() {
		return false, nil
	}
	flat := incidents.newIncident(id)
	type record struct {
		key, sealed []byte
	}
	var recs []record
	err = own.b.ForEach(func(k, v []byte) error {
		if v == nil {
			return errStop // not an incident's bucket: Check reports it
		}
		enc, payload, err := own.open(k, v)
		if err != nil {
			return errStop
		}
		recs = append(recs, record{flat.key(k), flat.seal(k, enc, payload)})
		return nil
	})
	switch {
	case errors.Is(err, errStop):
		return false, nil
	case err != nil:
		return false, err
	}
	if err := incidents.b.DeleteBucket([]byte(id)); err != nil {
		return false, fmt.Errorf("flatten %s: %w", own, err)
	}
	for _, r := range recs {
		if err := incidents.b.Put(r.key, r.sealed); err != nil {
			return false, fmt.Errorf("flatten %s: %w", own, err)
		}
	}
	return true, nil
}

// migrateBatch is how many incidents one transaction of migrateIncidents
// goes through: enough to keep commits few, few enough to keep a
// transaction's dirty pages small.
const migrateBatch = 2000
