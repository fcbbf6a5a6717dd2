package archive_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/statusarchive/statusarchive/archive"
)

// TestCheckFindsFlippedBytes flips one byte inside stored values, behind
// the archive's back, and expects Check and reads to name the damage.
func TestCheckFindsFlippedBytes(t *testing.T) {
	for _, tc := range []struct {
		name   string
		bucket []string
		key    []byte
		offset int // into the stored value; negative counts from the end
		path   string
	}{
		// An incident's records are flat in its source's incidents
		// bucket, each key behind its id.
		{"a version's payload", []string{"sources", src, "incidents"}, archive.FlatKey("inc-001", archive.Seq(1)), -20, "sources/acme/incidents/inc-001/#1"},
		{"a version's checksum", []string{"sources", src, "incidents"}, archive.FlatKey("inc-001", archive.Seq(1)), 1, "sources/acme/incidents/inc-001/#1"},
		{"a head record", []string{"sources", src, "incidents"}, archive.FlatKey("inc-002", []byte("head")), 10, "sources/acme/incidents/inc-002/head"},
		{"a run-log entry", []string{"runs"}, archive.Seq(1), 30, "runs/#1"},
		{"the source state", []string{"sources", src}, []byte("state"), 12, "sources/acme/state"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tempPath(t, "archive.db")
			db := mustOpenPath(t, path)
			mustIngest(t, db, scrape(true, "page"), history(3))
			db.Close()
			rawBolt(t, path, func(tx *bbolt.Tx) error {
				b := tx.Bucket([]byte(tc.bucket[0]))
				for _, name := range tc.bucket[1:] {
					b = b.Bucket([]byte(name))
				}
				v := bytes.Clone(b.Get(tc.key))
				i := tc.offset
				if i < 0 {
					i += len(v)
				}
				v[i] ^= 0x20
				return b.Put(tc.key, v)
			})
			db, err := archive.Open(path, archive.Options{ReadOnly: true})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()
			err = db.Check(context.Background())
			var re *archive.RecordError
			if !errors.Is(err, archive.ErrCorrupt) || !errors.As(err, &re) || !strings.Contains(err.Error(), tc.path) {
				t.Fatalf("Check = %v, want ErrCorrupt naming %s", err, tc.path)
			}
			t.Logf("Check: %v", err)
			if tc.path == "sources/acme/incidents/inc-001/#1" {
				if _, err := db.Incident(context.Background(), "inc-001"); !errors.Is(err, archive.ErrCorrupt) {
					t.Errorf("Incident on a damaged version: %v, want ErrCorrupt", err)
				}
				var rowErr error
				for _, err := range db.Rows(context.Background(), archive.Filter{}) {
					if err != nil {
						rowErr = err
					}
				}
				if !errors.Is(rowErr, archive.ErrCorrupt) {
					t.Errorf("Rows over a damaged version ended with %v, want ErrCorrupt", rowErr)
				}
			}
		})
	}
}

// TestCheckFindsRollback tears the newest meta page, as a lost write
// would: bbolt opens silently at the previous transaction, and the
// high-water mark must notice.
func TestCheckFindsRollback(t *testing.T) {
	path := tempPath(t, "archive.db")
	db := mustOpenPath(t, path)
	mustIngest(t, db, scrape(true, "page one"), history(3))
	mustIngest(t, db, scrape(true, "page two"), history(4))
	if err := db.Check(context.Background()); err != nil {
		t.Fatalf("Check before the damage: %v", err)
	}
	db.Close()

	raw := readFile(t, path)
	pageSize := os.Getpagesize()
	// A meta page: 16-byte page header, then the meta; its txid is at
	// offset 48 of the meta and its checksum at 56.
	txid := func(page int) uint64 { return binary.LittleEndian.Uint64(raw[page*pageSize+16+48:]) }
	newest := 0
	if txid(1) > txid(0) {
		newest = 1
	}
	raw[newest*pageSize+16+56] ^= 0xff
	writeFile(t, path, raw)

	db, err := archive.Open(path, archive.Options{Strict: true, ReadOnly: true, Logger: quiet()})
	if err != nil {
		t.Fatalf("Open read-only after tearing the newest meta page: %v", err)
	}
	err = db.Check(context.Background())
	db.Close()
	if !errors.Is(err, archive.ErrRolledBack) {
		t.Fatalf("Check = %v, want ErrRolledBack", err)
	}
	t.Logf("Check: %v", err)

	// Writing would erase the evidence: opening for writing refuses until
	// the user accepts the file as it is.
	if db, err := archive.Open(path, archive.Options{Strict: true, Logger: quiet()}); !errors.Is(err, archive.ErrRolledBack) {
		if err == nil {
			db.Close()
		}
		t.Fatalf("Open for writing = %v, want ErrRolledBack", err)
	}
	db, err = archive.Open(path, archive.Options{Strict: true, Logger: quiet(), AcceptRollback: true})
	if err != nil {
		t.Fatalf("Open with AcceptRollback: %v", err)
	}
	if err := db.Check(context.Background()); err != nil {
		t.Errorf("Check after accepting the rollback: %v", err)
	}
	mustIngest(t, db, scrape(true, "page three"), history(5))
	db.Close()
	mustOpenPath(t, path).Close()
}

// TestCheckOutput: a file about to be written may not be the archive, a
// file kept beside it or another archive; anything else may be written.
func TestCheckOutput(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "archive.db")
	db := mustOpenPath(t, path)
	mustIngest(t, db, scrape(true, "page one"), history(3))
	db.Close()
	other := filepath.Join(dir, "other.db")
	mustOpenPath(t, other).Close()
	text := filepath.Join(dir, "notes.txt")
	writeFile(t, text, []byte("notes\n"))
	link := filepath.Join(dir, "link.csv")
	if err := os.Symlink(path, link); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		out           string
		otherArchives bool
		refuse        bool
	}{
		{path, false, true},
		{path, true, true},
		{filepath.Join(dir, ".", "archive.db"), false, true},
		{link, false, true},
		{path + ".txid", true, true},
		{path + ".compact", true, true},
		{other, false, true},
		{other, true, false},
		{text, false, false},
		{filepath.Join(dir, "new.csv"), false, false},
	} {
		err := archive.CheckOutput(path, tc.out, tc.otherArchives)
		if got := errors.Is(err, archive.ErrOverwrite); got != tc.refuse {
			t.Errorf("CheckOutput(%s, other archives %v) = %v, want refusal %v", tc.out, tc.otherArchives, err, tc.refuse)
		}
	}
}

// TestStaleHighWaterMark leaves the mark of a deleted archive behind: a
// new archive at the same path must not inherit it.
func TestStaleHighWaterMark(t *testing.T) {
	path := tempPath(t, "archive.db")
	db := mustOpenPath(t, path)
	for i := range 5 {
		mustIngest(t, db, scrape(true, fmt.Sprintf("page %d", i)), history(3+i))
	}
	db.Close()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	db = mustOpenPath(t, path)
	if err := db.Check(context.Background()); err != nil {
		t.Errorf("Check of a new archive where an older one was: %v", err)
	}
}

// TestBackup copies the archive while it is open and compares the copy.
func TestBackup(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	for i := range 5 {
		clock.Advance(time.Hour)
		h := history(10 + i)
		h[0].Title = fmt.Sprintf("Title %d", i)
		mustIngest(t, db, scrape(true, fmt.Sprintf("page %d", i)), h)
	}
	var buf bytes.Buffer
	n, err := db.Backup(ctx, &buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("Backup = %d, %v (wrote %d)", n, err, buf.Len())
	}
	dst := filepath.Join(t.TempDir(), "backup", "archive.db")
	fn, err := db.BackupFile(ctx, dst)
	if err != nil || fn != n {
		t.Fatalf("BackupFile = %d, %v; want %d", fn, err, n)
	}
	if !bytes.Equal(readFile(t, dst), buf.Bytes()) {
		t.Errorf("BackupFile and Backup wrote different bytes")
	}
	if _, err := db.BackupFile(ctx, db.Path()); err == nil {
		t.Errorf("BackupFile over the archive itself succeeded")
	}
	copyDB, err := archive.Open(dst, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open the backup: %v", err)
	}
	defer copyDB.Close()
	if err := copyDB.Check(ctx); err != nil {
		t.Errorf("Check of the backup: %v", err)
	}
	assertSameContent(t, db, copyDB)
}

// assertSameContent compares what two archives say.
func assertSameContent(t *testing.T, a, b *archive.DB) {
	t.Helper()
	ctx := context.Background()
	f := archive.Filter{IncludeDeleted: true}
	if ra, rb := rows(t, a, f), rows(t, b, f); !slices.Equal(ra, rb) || len(ra) == 0 {
		t.Errorf("rows differ:\n%v\n%v", ra, rb)
	}
	ia, err1 := a.Sources(ctx)
	ib, err2 := b.Sources(ctx)
	if err1 != nil || err2 != nil || !equalJSON(ia, ib) {
		t.Errorf("sources differ: %+v (%v)\n%+v (%v)", ia, err1, ib, err2)
	}
	runsA, err1 := a.Runs(ctx, "", 0)
	runsB, err2 := b.Runs(ctx, "", 0)
	if err1 != nil || err2 != nil || !equalJSON(runsA, runsB) {
		t.Errorf("runs differ (%v, %v)", err1, err2)
	}
	recA, recB := mustRecord(t, a, "inc-000"), mustRecord(t, b, "inc-000")
	if !equalJSON(recA, recB) {
		t.Errorf("inc-000 differs")
	}
}

// TestCompact churns an archive, compacts it into a new file, and swaps
// the copy in once the archive is closed.
func TestCompact(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	// Every run rewrites every head and some versions; the pages it frees
	// stay in the file.
	for i := range 40 {
		clock.Advance(time.Hour)
		h := history(200)
		for j := range 20 {
			h[(i*20+j)%200].Updates[1].Body = fmt.Sprintf("Resolved in run %d. %s", i, strings.Repeat("detail ", 100))
		}
		mustIngest(t, db, scrape(true, fmt.Sprintf("page %d", i)), h)
	}
	dst := filepath.Join(t.TempDir(), "compact.db")
	res, err := db.Compact(ctx, dst)
	if err != nil {
		t.Fatalf("Compact: %v", err)
	}
	t.Logf("compact: file %d bytes (%d in use) -> %d bytes", res.Before, res.Used, res.After)
	if res.After <= 0 || res.After >= res.Before || res.After > res.Used {
		t.Errorf("Compact = %+v, want a smaller file", res)
	}
	if _, err := db.Compact(ctx, dst); err == nil {
		t.Errorf("Compact over an existing file succeeded")
	}
	// Replace refuses while the archive is open...
	start := time.Now()
	if err := archive.Replace(ctx, db.Path(), dst, archive.Options{}); !errors.Is(err, archive.ErrLocked) {
		t.Errorf("Replace of an open archive = %v after %v, want ErrLocked", err, time.Since(start))
	}
	wantRows := rows(t, db, archive.Filter{IncludeDeleted: true})
	wantRecord := mustRecord(t, db, "inc-000")
	db.Close()
	// ...and swaps the file in once it is closed.
	if err := archive.Replace(ctx, db.Path(), dst, archive.Options{}); err != nil {
		t.Fatalf("Replace: %v", err)
	}
	if _, err := os.Stat(dst); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the compacted file is still at %s", dst)
	}
	if got := fileSize(t, db.Path()); got != res.After {
		t.Errorf("archive is %d bytes after Replace, want %d", got, res.After)
	}
	after, err := archive.Open(db.Path(), archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer after.Close()
	if err := after.Check(ctx); err != nil {
		t.Errorf("Check after Replace (the high-water mark must follow the new file): %v", err)
	}
	if got := rows(t, after, archive.Filter{IncludeDeleted: true}); !slices.Equal(got, wantRows) {
		t.Errorf("rows after Replace differ")
	}
	if got := mustRecord(t, after, "inc-000"); !equalJSON(got, wantRecord) {
		t.Errorf("inc-000 after Replace differs")
	}
}

func TestReplaceRefusesForeignFile(t *testing.T) {
	path := tempPath(t, "archive.db")
	db := mustOpenPath(t, path)
	mustIngest(t, db, scrape(true, "p"), history(2))
	db.Close()
	junk := tempPath(t, "junk.db")
	writeFile(t, junk, []byte("not an archive"))
	before := readFile(t, path)
	if err := archive.Replace(context.Background(), path, junk, archive.Options{}); !errors.Is(err, archive.ErrNotArchive) {
		t.Errorf("Replace with junk = %v, want ErrNotArchive", err)
	}
	if !bytes.Equal(readFile(t, path), before) {
		t.Errorf("the archive changed")
	}
}

// TestMaxSize fills a capped archive: the write fails, and everything
// committed before it is still there.
func TestMaxSize(t *testing.T) {
	path := tempPath(t, "archive.db")
	clock := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	db, err := archive.Open(path, archive.Options{MaxSize: 1 << 20, Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var done int
	var werr error
	for i := range 1000 {
		h := history(50)
		for j := range h {
			h[j].Updates[1].Body = fmt.Sprintf("run %d %s", i, strings.Repeat("words ", 50))
		}
		if _, werr = db.Ingest(context.Background(), scrape(true, fmt.Sprintf("page %d", i)), h); werr != nil {
			break
		}
		done++
	}
	if !errors.Is(werr, archive.ErrFull) || !strings.Contains(werr.Error(), path) {
		t.Fatalf("after %d runs: %v, want a full archive", done, werr)
	}
	t.Logf("%d runs fit in 1 MiB; then: %v", done, werr)
	if err := db.Check(context.Background()); err != nil {
		t.Errorf("Check of the full archive: %v", err)
	}
	if rec := mustRecord(t, db, "inc-049"); len(rec.Versions) != done {
		t.Errorf("inc-049 has %d versions, want %d (one per committed run)", len(rec.Versions), done)
	}
	// With room again, the next run goes through.
	db.Close()
	db, err = archive.Open(path, archive.Options{Now: func() time.Time { return clock }})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Ingest(context.Background(), scrape(true, "after"), history(50)); err != nil {
		t.Errorf("Ingest once there is room: %v", err)
	}
	if err := db.Check(context.Background()); err != nil {
		t.Errorf("Check after the full archive grew: %v", err)
	}
}
