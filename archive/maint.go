package archive

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"unsafe"

	bbolt "go.etcd.io/bbolt"
)

// maxReported bounds how many problems Check lists.
const maxReported = 1000

// Check verifies the archive: bbolt's own page-level check, the checksum
// of every stored value, and the structure the archive relies on (every
// incident's versions run 1..n under a head that names the newest, every
// run the indexes name exists and folds only unchanged runs, every page a run names is stored and hashes
// to its key). It also reports ErrRolledBack when the file is behind the
// transaction high-water mark recorded for it. It returns every problem
// found, joined; nil means clean.
//
// A badly damaged file can fault the process inside bbolt's memory map,
// where no recover() helps. Check refuses files shorter than their meta
// page says, stops reading values once bbolt's own check finds damage, and
// never reads a key or value reaching outside the file; still, about 1 in
// 300 random byte flips faulted a checking process here: check untrusted
// files in a child process.
func (db *DB) Check(ctx context.Context) error {
	var c checker
	run := func(tx *bbolt.Tx) (err error) {
		defer func() {
			if r := recover(); r != nil {
				err = fmt.Errorf("%w: bbolt failed reading the file: %v", ErrCorrupt, r)
			}
		}()
		if err := checkSize(tx, db.path); err != nil {
			return err
		}
		c.txid = uint64(tx.ID())
		if tx.Writable() {
			c.txid-- // a write transaction takes the next id
		}
		broken := false
		for err := range tx.Check() {
			c.add(fmt.Errorf("%w: bbolt: %w", ErrCorrupt, err))
			broken = true
		}
		if broken {
			// Reading values through damaged pages can fault the process
			// (measured: a flipped element size sends a read past the map).
			return nil
		}
		info := db.bolt.Info()
		c.mapStart, c.mapEnd = info.Data, info.Data+uintptr(tx.Size())
		return c.walk(ctx, tx)
	}
	var err error
	if db.readOnly {
		err = db.bolt.View(run)
	} else {
		// bbolt's check reads the freelist, which a concurrent writer
		// changes: hold the writer lock, and roll back.
		var tx *bbolt.Tx
		if tx, err = db.bolt.Begin(true); err == nil {
			err = run(tx)
			_ = tx.Rollback()
		}
	}
	if err != nil {
		c.add(err)
	}
	if db.recorded > c.txid {
		c.add(fmt.Errorf("%w: the file is at transaction %d, but transaction %d was committed to it (recorded in %s)",
			ErrRolledBack, c.txid, db.recorded, filepath.Base(highWaterPath(db.path))))
	}
	if len(c.errs) == 0 {
		return nil
	}
	total := len(c.errs) + c.dropped
	if c.dropped > 0 {
		c.errs = append(c.errs, fmt.Errorf("and %d more problems", c.dropped))
	}
	return fmt.Errorf("check %s: %d problems: %w", db.path, total, errors.Join(c.errs...))
}

type checker struct {
	errs    []error
	seen    map[string]bool
	dropped int
	txid    uint64

	// mapStart and mapEnd bound the file's bytes in bbolt's memory map. A
	// damaged leaf element (its 32-bit offset or size) can hand out a key
	// or value reaching past them, and reading it would fault the process:
	// such slices are reported, never read.
	mapStart, mapEnd uintptr
	outside          int
}

// mapped reports whether b may be read: it lies inside the file's part of
// the map, or elsewhere altogether (bbolt copies unaligned inline buckets
// to the heap, whose bounds we cannot see). A slice that starts in or just
// past the map, within a damaged 32-bit offset's reach, must end inside
// the file. This catches most damage, not all: see Check's doc.
func (c *checker) mapped(b []byte) bool {
	if len(b) == 0 {
		return true
	}
	p := uintptr(unsafe.Pointer(unsafe.SliceData(b)))
	if p < c.mapStart || p-c.mapStart > 1<<33 {
		return true
	}
	return p < c.mapEnd && uintptr(len(b)) <= c.mapEnd-p
}

// add records a problem once, however many ways it is found.
func (c *checker) add(err error) {
	if c.seen == nil {
		c.seen = map[string]bool{}
	}
	if c.seen[err.Error()] {
		return
	}
	c.seen[err.Error()] = true
	if len(c.errs) >= maxReported {
		c.dropped++
		return
	}
	c.errs = append(c.errs, err)
}

func (c *checker) walk(ctx context.Context, tx *bbolt.Tx) error {
	for _, name := range rootBuckets {
		if !root(tx, name).exists() {
			c.add(&RecordError{Path: name, Err: fmt.Errorf("%w: bucket missing", ErrCorrupt)})
		}
	}
	// Every value, everywhere, is an envelope.
	err := tx.ForEach(func(name []byte, b *bbolt.Bucket) error {
		return c.envelopes(ctx, bucket{b: b, path: []string{string(name)}})
	})
	if err != nil {
		return err
	}
	if c.outside > 0 {
		return nil // the structure is damaged: the checks below read through it
	}
	if err := c.sources(ctx, tx); err != nil {
		return err
	}
	return c.pages(ctx, tx)
}

func (c *checker) envelopes(ctx context.Context, b bucket) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	cur := b.b.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if !c.mapped(k) || !c.mapped(v) {
			c.outside++
			c.add(&RecordError{Path: b.String() + "/?", Err: fmt.Errorf("%w: a key or value of %d+%d bytes reaches outside the file", ErrCorrupt, len(k), len(v))})
			continue
		}
		if v == nil {
			if err := c.envelopes(ctx, b.sub(string(k))); err != nil {
				return err
			}
			continue
		}
		if _, _, err := b.open(k, v); err != nil {
			c.add(err)
		}
	}
	return nil
}

// sources checks each incident's head against its versions, and each
// source's run index against the run log.
func (c *checker) sources(ctx context.Context, tx *bbolt.Tx) error {
	sources, runs := root(tx, bucketSources), root(tx, bucketRuns)
	if !sources.exists() || !runs.exists() {
		return nil
	}
	sc := sources.b.Cursor()
	for name, v := sc.First(); name != nil; name, v = sc.Next() {
		if v != nil {
			continue
		}
		src := sources.sub(string(name))
		var st sourceState
		_, stErr := src.get([]byte(keyState), &st)
		if stErr != nil {
			c.add(stErr)
		}
		if index := src.sub(bucketSourceRuns); index.exists() {
			ic := index.b.Cursor()
			for k, _ := ic.First(); k != nil; k, _ = ic.Next() {
				v := runs.b.Get(k)
				if v == nil {
					c.add(&RecordError{Path: index.keyPath(k), Err: fmt.Errorf("%w: indexed run missing from the run log", ErrCorrupt)})
					continue
				}
				var r Run
				if err := runs.decode(k, v, &r); err != nil {
					c.add(err)
				} else if err := checkFolded(runs, k, r); err != nil {
					c.add(err)
				}
			}
		}
		incidents := incidentsOf(src)
		if err := c.history(ctx, incidents); err != nil {
			return err
		}
		if !incidents.exists() {
			continue
		}
		live, total, damaged := 0, 0, 0
		err := eachIncident(incidents, func(_ string, ib bucket, _ flatRecords) error {
			if err := ctx.Err(); err != nil {
				return err
			}
			total++
			deleted, err := c.incident(ib)
			switch {
			case err != nil:
				c.add(err)
				damaged++
			case !deleted:
				live++
			}
			return nil
		}, func(k []byte, why string) {
			c.add(&RecordError{Path: incidents.keyPath(k), Err: fmt.Errorf("%w: %s", ErrCorrupt, why)})
			damaged++
		})
		if err != nil {
			return err
		}
		// Counts are only worth comparing when what they count is sound.
		if stErr == nil && damaged == 0 && (st.Info.Incidents != total || st.Info.Live != live) {
			c.add(&RecordError{Path: src.keyPath([]byte(keyState)), Err: fmt.Errorf("%w: state counts %d incidents (%d live), the bucket holds %d (%d live)",
				ErrCorrupt, st.Info.Incidents, st.Info.Live, total, live)})
		}
	}
	return nil
}

// incident checks one incident bucket: a head at version n; versions 1
// to n, each stored once, the latest in the incident's bucket and each
// other there (schema 1) or in the source's history; every version
// decoded, and the updates one takes from the next found.
func (c *checker) incident(ib bucket) (deleted bool, err error) {
	var h head
	ok, err := ib.get([]byte(keyHead), &h)
	if err != nil {
		return false, err
	}
	if !ok {
		return false, &RecordError{Path: ib.keyPath([]byte(keyHead)), Err: fmt.Errorf("%w: incident without a head record", ErrCorrupt)}
	}
	if ib.prefix == nil && ib.b.Sequence() != uint64(h.N) {
		return false, &RecordError{Path: ib.String(), Err: fmt.Errorf("%w: bucket sequence %d, head at version %d", ErrCorrupt, ib.b.Sequence(), h.N)}
	}
	err = ownKeys(ib, func(k []byte) error {
		n, isVersion := unseq(k)
		switch {
		case !isVersion:
		case n < 1 || n > uint64(h.N):
			return &RecordError{Path: ib.keyPath(k), Err: fmt.Errorf("%w: version %d, head at version %d", ErrCorrupt, n, h.N)}
		case ib.history.exists() && ib.history.b.Get(historyKey(incidentID(ib), n)) != nil:
			return &RecordError{Path: ib.keyPath(k), Err: fmt.Errorf("%w: version %d is stored twice, here and in %s", ErrCorrupt, n, ib.history)}
		case ib.prefix != nil && n != uint64(h.N):
			// A flat incident was never schema 1: its superseded
			// versions went to history from the start.
			return &RecordError{Path: ib.keyPath(k), Err: fmt.Errorf("%w: version %d of a flat incident at version %d: superseded versions belong in %s", ErrCorrupt, n, h.N, ib.history)}
		}
		return nil
	})
	if err != nil {
		return false, err
	}
	if h.N > 0 && ib.rawGet(seq(uint64(h.N))) == nil {
		return false, &RecordError{Path: ib.keyPath(seq(uint64(h.N))), Err: fmt.Errorf("%w: the latest version is not in its incident's bucket", ErrCorrupt)}
	}
	versions, err := allVersions(ib)
	if err != nil {
		return false, err
	}
	var last Version
	for i, v := range versions {
		if v.N != i+1 {
			return false, &RecordError{Path: versionPath(ib, i+1), Err: fmt.Errorf("%w: version %d stored as version %d", ErrCorrupt, v.N, i+1)}
		}
		last = v.Version
	}
	if last.Hash != h.Hash || last.Deleted != h.Deleted {
		return false, &RecordError{Path: ib.keyPath([]byte(keyHead)), Err: fmt.Errorf("%w: head disagrees with version %d", ErrCorrupt, h.N)}
	}
	return h.Deleted, nil
}

// history checks that every version in the history bucket of incidents'
// source is a superseded version of an archived incident: an incident
// bucket there, whose head is at a later version. (A version stored in
// both places is found by incident.)
func (c *checker) history(ctx context.Context, incidents bucket) error {
	hist := incidents.history
	if !hist.exists() {
		return nil
	}
	cur := hist.b.Cursor()
	for k, v := cur.First(); k != nil; k, v = cur.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		id, n, ok := splitHistoryKey(k)
		var ib bucket
		if ok {
			ib = incidents.incident(id)
		}
		switch {
		case v == nil:
			c.add(&RecordError{Path: hist.keyPath(k), Err: fmt.Errorf("%w: a bucket where a version belongs", ErrCorrupt)})
		case !ok:
			c.add(&RecordError{Path: hist.keyPath(k), Err: fmt.Errorf("%w: a key of %d bytes, too short to name a version", ErrCorrupt, len(k))})
		case !ib.exists():
			c.add(&RecordError{Path: hist.keyPath(k), Err: fmt.Errorf("%w: a version of incident %q, which is not archived", ErrCorrupt, id)})
		default:
			last, err := latestN(ib)
			switch {
			case err != nil:
				c.add(err) // incident reports it too
			case n < 1 || n >= last:
				c.add(&RecordError{Path: hist.keyPath(k), Err: fmt.Errorf("%w: version %d of an incident at version %d: only superseded versions belong here", ErrCorrupt, n, last)})
			}
		}
	}
	return nil
}

// pages checks that every page a run names is stored and every stored page
// hashes to its key.
func (c *checker) pages(ctx context.Context, tx *bbolt.Tx) error {
	store, runPagesB := root(tx, bucketPages), root(tx, bucketRunPages)
	if !store.exists() || !runPagesB.exists() {
		return nil
	}
	pc := store.b.Cursor()
	for k, _ := pc.First(); k != nil; k, _ = pc.Next() {
		if err := ctx.Err(); err != nil {
			return err
		}
		if _, err := readPage(store, hex.EncodeToString(k)); err != nil {
			c.add(err)
		}
	}
	rc := runPagesB.b.Cursor()
	for k, v := rc.First(); k != nil; k, v = rc.Next() {
		var refs []StoredPage
		if err := runPagesB.decode(k, v, &refs); err != nil {
			c.add(err)
			continue
		}
		for _, ref := range refs {
			if ref.SHA256 == "" {
				continue
			}
			if key, err := hex.DecodeString(ref.SHA256); err != nil || store.b.Get(key) == nil {
				c.add(&RecordError{Path: runPagesB.keyPath(k), Err: fmt.Errorf("%w: names page %s, which is not stored", ErrCorrupt, ref.SHA256)})
			}
		}
	}
	return nil
}

// Backup writes a consistent copy of the archive to w while it stays in
// use (a bbolt hot copy in one read transaction), and returns its size.
func (db *DB) Backup(ctx context.Context, w io.Writer) (int64, error) {
	var n int64
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		// Stop copying when ctx ends.
		n, err = tx.WriteTo(writerFunc(func(p []byte) (int, error) {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
			return w.Write(p)
		}))
		return err
	})
	if err != nil {
		return n, fmt.Errorf("back up %s: %w", db.path, err)
	}
	return n, nil
}

// writerFunc is a function as an io.Writer.
type writerFunc func(p []byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// BackupFile writes a consistent copy of the archive to path: to a
// temporary file beside it, synced, then renamed over path, so that path
// holds either its old content or a whole backup.
func (db *DB) BackupFile(ctx context.Context, path string) (int64, error) {
	if same, _ := sameLocation(db.path, path); same {
		return 0, fmt.Errorf("back up %s: the backup would overwrite the archive", db.path)
	}
	var n int64
	err := writeAtomic(path, func(f *os.File) error {
		var err error
		n, err = db.Backup(ctx, f)
		return err
	})
	if err != nil {
		return 0, err
	}
	return n, nil
}

// writeAtomic creates path through a synced temporary file and a rename.
func writeAtomic(path string, write func(f *os.File) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	if err := write(tmp); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		_ = tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return syncDir(dir)
}

// Usage is how much of its file an archive uses.
type Usage struct {
	FileBytes int64  // the file's size
	UsedBytes int64  // up to bbolt's high-water mark, free pages included
	FreeBytes int64  // on bbolt's freelist, reusable without growing the file
	TxID      uint64 // the last committed transaction
}

// Usage reports the archive's file size and how much of it is in use.
func (db *DB) Usage(ctx context.Context) (Usage, error) {
	var u Usage
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		u.UsedBytes, u.TxID = tx.Size(), uint64(tx.ID())
		return nil
	})
	if err != nil {
		return u, fmt.Errorf("usage of %s: %w", db.path, err)
	}
	st := db.bolt.Stats()
	u.FreeBytes = int64(st.FreePageN) * int64(db.bolt.Info().PageSize)
	if fi, err := os.Stat(db.path); err == nil {
		u.FileBytes = fi.Size()
	}
	return u, nil
}

// CompactResult reports what compaction did, in bytes.
type CompactResult struct {
	Before int64 // the archive's file size
	Used   int64 // the part of it in use (bbolt's high-water mark)
	After  int64 // the compacted file's size
}

// Compact copies the live data of the archive into a new file at dst,
// which must not exist, leaving the archive as it is; bbolt's files never
// shrink by themselves. The copy is built under a temporary name, checked,
// and only then linked to dst. Replace swaps it in once the archive is
// closed. Superseded versions that an archive of schema 1 kept in their
// incident's bucket move to their source's history in the copy (which is
// then compacted once more, the moves having freed pages).
func (db *DB) Compact(ctx context.Context, dst string) (CompactResult, error) {
	var res CompactResult
	if _, err := os.Stat(dst); err == nil {
		return res, fmt.Errorf("compact %s: %s: %w", db.path, dst, fs.ErrExist)
	}
	if fi, err := os.Stat(db.path); err == nil {
		res.Before = fi.Size()
	}
	if err := db.view(ctx, func(tx *bbolt.Tx) error { res.Used = tx.Size(); return nil }); err != nil {
		return res, fmt.Errorf("compact %s: %w", db.path, err)
	}
	dir := filepath.Dir(dst)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return res, fmt.Errorf("compact %s: %w", db.path, err)
	}
	var leftovers bool
	if err := db.view(ctx, func(tx *bbolt.Tx) error { leftovers = needsMigration(tx); return nil }); err != nil {
		return res, fmt.Errorf("compact %s: %w", db.path, err)
	}
	var migrate func(out *bbolt.DB) error
	if leftovers {
		migrate = func(out *bbolt.DB) error { return migrateIncidents(ctx, out) }
	}
	tmpPath, err := compactInto(ctx, dir, filepath.Base(dst), db.bolt, migrate)
	if tmpPath != "" {
		defer os.Remove(tmpPath)
	}
	if err == nil && leftovers {
		var in *bbolt.DB
		if in, err = bbolt.Open(tmpPath, fileMode, &bbolt.Options{ReadOnly: true, Timeout: DefaultTimeout}); err == nil {
			var again string
			again, err = compactInto(ctx, dir, filepath.Base(dst), in, nil)
			if again != "" {
				defer os.Remove(again)
			}
			if cerr := in.Close(); err == nil {
				err = cerr
			}
			tmpPath = again
		}
	}
	if err != nil {
		return res, fmt.Errorf("compact %s: %w", db.path, err)
	}
	check, err := Open(tmpPath, Options{ReadOnly: true, Timeout: DefaultTimeout})
	if err != nil {
		return res, fmt.Errorf("compact %s: the copy does not open: %w", db.path, err)
	}
	err = check.Check(ctx)
	_ = check.Close()
	if err != nil {
		return res, fmt.Errorf("compact %s: the copy fails its check: %w", db.path, err)
	}
	if err := os.Link(tmpPath, dst); err != nil {
		return res, fmt.Errorf("compact %s: %w", db.path, err)
	}
	if err := syncDir(dir); err != nil {
		return res, err
	}
	if fi, err := os.Stat(dst); err == nil {
		res.After = fi.Size()
	}
	return res, nil
}

// compactInto copies src into a new file in dir, named after base, then
// runs then (when not nil) on the copy before closing it; it returns the
// copy's path, set once the file exists, for the caller to remove.
func compactInto(ctx context.Context, dir, base string, src *bbolt.DB, then func(out *bbolt.DB) error) (string, error) {
	tmp, err := os.CreateTemp(dir, base+".new-*")
	if err != nil {
		return "", err
	}
	path := tmp.Name()
	_ = tmp.Close()
	out, err := bbolt.Open(path, fileMode, &bbolt.Options{Timeout: DefaultTimeout, FreelistType: bbolt.FreelistMapType})
	if err != nil {
		return path, err
	}
	out.AllocSize = allocSize
	if err = ctx.Err(); err == nil {
		err = bbolt.Compact(out, src, 64<<20)
	}
	if err == nil && then != nil {
		err = then(out)
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	return path, err
}

// Replace atomically puts the archive file replacement (a compacted copy,
// a backup) in place of the archive at path. It first checks that
// replacement is a sound archive, then takes path's lock (so nobody has it
// open: ErrLocked otherwise) and renames replacement over it. Openers that
// were waiting for the old file's lock notice and reopen the new one.
func Replace(ctx context.Context, path, replacement string, opts Options) error {
	opts.ReadOnly = true
	repl, err := Open(replacement, opts)
	if err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	err = repl.Check(ctx)
	txid := repl.opened
	if cerr := repl.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("replace %s: %s fails its check: %w", path, replacement, err)
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	old, _, err := openBolt(path, opts, false)
	if err != nil {
		return fmt.Errorf("replace: %w", err)
	}
	defer old.Close()
	if err := inspect(old, path); err != nil {
		return fmt.Errorf("replace: %w", err)
	}
	if err := os.Rename(replacement, path); err != nil {
		return fmt.Errorf("replace %s: %w", path, err)
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		return err
	}
	if err := writeHighWater(path, txid); err != nil {
		return fmt.Errorf("replace %s: reset the high-water mark: %w", path, err)
	}
	return nil
}
