package archive_test

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/statusarchive/statusarchive/archive"
)

func TestOpenCreatesArchiveAndParent(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nested", "dir", "archive.db")
	db, err := archive.Open(path, archive.Options{Strict: true})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != 0o700 {
		t.Errorf("parent mode = %v, want 0700", got)
	}
	leftovers, _ := filepath.Glob(filepath.Join(filepath.Dir(path), "*.new-*"))
	if len(leftovers) != 0 {
		t.Errorf("temporary files left behind: %v", leftovers)
	}
	db, err = archive.Open(path, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("reopen read-only: %v", err)
	}
	defer db.Close()
	if err := db.Check(context.Background()); err != nil {
		t.Errorf("Check of a new archive: %v", err)
	}
}

func TestOpenReadOnlyMissingFileCreatesNothing(t *testing.T) {
	path := tempPath(t, "archive.db")
	_, err := archive.Open(path, archive.Options{ReadOnly: true})
	if !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open read-only of a missing file: %v, want fs.ErrNotExist", err)
	}
	if _, serr := os.Stat(path); !errors.Is(serr, fs.ErrNotExist) {
		t.Errorf("a read-only open created %s (stat: %v)", path, serr)
	}
}

func TestReadOnlyRefusesWrites(t *testing.T) {
	path := tempPath(t, "archive.db")
	db, err := archive.Open(path, archive.Options{Strict: true})
	if err != nil {
		t.Fatal(err)
	}
	mustIngest(t, db, scrape(true, "page"), history(2))
	db.Close()
	ro, err := archive.Open(path, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer ro.Close()
	if _, err := ro.Ingest(context.Background(), scrape(true, "page"), history(2)); !errors.Is(err, archive.ErrReadOnly) {
		t.Errorf("Ingest on a read-only archive: %v, want ErrReadOnly", err)
	}
	if got := rows(t, ro, archive.Filter{}); len(got) != 2 {
		t.Errorf("read-only Rows = %v, want 2 rows", got)
	}
}

// TestLockTimesOut opens the archive twice in one process: the second
// opener must fail with ErrLocked after about the timeout, never hang.
func TestLockTimesOut(t *testing.T) {
	db := mustOpenPath(t, tempPath(t, "archive.db"))
	for _, tc := range []struct {
		name string
		opts archive.Options
	}{
		{"writer default timeout", archive.Options{}},
		{"writer zero timeout means default", archive.Options{Timeout: 0}},
		{"reader", archive.Options{ReadOnly: true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			other, err := archive.Open(db.Path(), tc.opts)
			took := time.Since(start)
			if err == nil {
				other.Close()
				t.Fatalf("second Open succeeded while the archive was held")
			}
			assertLocked(t, err, db.Path(), took)
		})
	}
}

func assertLocked(t *testing.T, err error, path string, took time.Duration) {
	t.Helper()
	t.Logf("locked out after %v: %v", took.Round(time.Millisecond), err)
	if !errors.Is(err, archive.ErrLocked) {
		t.Errorf("error %v, want ErrLocked", err)
	}
	if msg := err.Error(); !strings.Contains(msg, "archive "+path+" is in use by another process") {
		t.Errorf("error text %q does not say the archive is in use", msg)
	}
	if took >= 3*time.Second || took < archive.DefaultTimeout/2 {
		t.Errorf("locked out after %v, want about %v (and under 3s)", took, archive.DefaultTimeout)
	}
}

func mustOpenPath(t *testing.T, path string) *archive.DB {
	t.Helper()
	db, err := archive.Open(path, archive.Options{Strict: true, Logger: quiet()})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestLockAcrossProcesses has a child process (this test binary, re-run)
// hold the archive; opening it here must fail with ErrLocked in time, and
// succeed once the child lets go.
func TestLockAcrossProcesses(t *testing.T) {
	path := tempPath(t, "archive.db")
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$")
	cmd.Env = append(os.Environ(), "ARCHIVE_CHILD=hold", "ARCHIVE_CHILD_PATH="+path)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	lines := bufio.NewScanner(stdout)
	held := false
	for lines.Scan() {
		if lines.Text() == "held" {
			held = true
			break
		}
	}
	if !held {
		t.Fatalf("the child never reported holding the archive")
	}
	for _, readOnly := range []bool{false, true} {
		start := time.Now()
		db, err := archive.Open(path, archive.Options{Strict: true, ReadOnly: readOnly})
		took := time.Since(start)
		if err == nil {
			db.Close()
			t.Fatalf("Open (read-only %v) succeeded while another process held the archive", readOnly)
		}
		assertLocked(t, err, path, took)
	}
	stdin.Close() // the child closes the archive and exits
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v", err)
	}
	db, err := archive.Open(path, archive.Options{Strict: true})
	if err != nil {
		t.Fatalf("Open after the child let go: %v", err)
	}
	db.Close()
}

// TestOpenRefusesForeignFiles opens files that are not archives: each
// must give ErrNotArchive and stay byte for byte as it was.
func TestOpenRefusesForeignFiles(t *testing.T) {
	random := make([]byte, 64<<10)
	if _, err := rand.Read(random); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name  string
		write func(t *testing.T, path string)
	}{
		{"zero-length file", func(t *testing.T, path string) { writeFile(t, path, nil) }},
		{"64 KiB of random bytes", func(t *testing.T, path string) { writeFile(t, path, random) }},
		{"JSON file", func(t *testing.T, path string) {
			writeFile(t, path, []byte(`{"sources": ["acme"], "note": "not an archive"}`+"\n"))
		}},
		{"random bytes with a bbolt magic at the meta offset", func(t *testing.T, path string) {
			b := append([]byte(nil), random[:16<<10]...)
			copy(b[16:], []byte{0xed, 0xda, 0x0c, 0xed})
			writeFile(t, path, b)
		}},
		{"bbolt file without our meta bucket", func(t *testing.T, path string) {
			rawBolt(t, path, func(tx *bbolt.Tx) error {
				b, err := tx.CreateBucket([]byte("users"))
				if err != nil {
					return err
				}
				return b.Put([]byte("alice"), []byte("1"))
			})
		}},
		{"bbolt file without a stored freelist (a read-write open would write one)", func(t *testing.T, path string) {
			bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second, NoFreelistSync: true})
			if err != nil {
				t.Fatal(err)
			}
			defer bdb.Close()
			if err := bdb.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("users")); return err }); err != nil {
				t.Fatal(err)
			}
		}},
		{"bbolt file with a meta bucket of someone else", func(t *testing.T, path string) {
			rawBolt(t, path, func(tx *bbolt.Tx) error {
				b, err := tx.CreateBucket([]byte("meta"))
				if err != nil {
					return err
				}
				return b.Put([]byte("format"), []byte(`{"magic":"otherapp","schema":1}`))
			})
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := tempPath(t, "file.db")
			tc.write(t, path)
			before := readFile(t, path)
			for _, readOnly := range []bool{false, true} {
				db, err := archive.Open(path, archive.Options{Strict: true, ReadOnly: readOnly})
				if err == nil {
					db.Close()
					t.Fatalf("Open (read-only %v) accepted a foreign file", readOnly)
				}
				if !errors.Is(err, archive.ErrNotArchive) {
					t.Errorf("Open (read-only %v) = %v, want ErrNotArchive", readOnly, err)
				}
			}
			if after := readFile(t, path); !bytes.Equal(after, before) {
				t.Errorf("the file changed: %d bytes, was %d", len(after), len(before))
			}
		})
	}
}

// TestOpenRefusesNewerSchema stamps an archive with a future schema: Open
// must give ErrSchema and leave the file as it was.
func TestOpenRefusesNewerSchema(t *testing.T) {
	path := tempPath(t, "archive.db")
	db := mustOpenPath(t, path)
	mustIngest(t, db, scrape(true, "page"), history(3))
	db.Close()
	rawBolt(t, path, func(tx *bbolt.Tx) error {
		payload := []byte(`{"magic":"statusarchive","schema":99,"created":"2030-01-01T00:00:00Z"}`)
		return tx.Bucket([]byte("meta")).Put([]byte("format"), archive.Seal([]string{"meta"}, []byte("format"), payload))
	})
	before := readFile(t, path)
	for _, readOnly := range []bool{false, true} {
		db, err := archive.Open(path, archive.Options{Strict: true, ReadOnly: readOnly})
		if err == nil {
			db.Close()
			t.Fatalf("Open (read-only %v) accepted schema 99", readOnly)
		}
		if !errors.Is(err, archive.ErrSchema) {
			t.Errorf("Open (read-only %v) = %v, want ErrSchema", readOnly, err)
		}
	}
	if after := readFile(t, path); !bytes.Equal(after, before) {
		t.Errorf("the file changed")
	}
}

func writeFile(t *testing.T, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

func readFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// rawBolt opens path with bbolt directly and runs fn in a write
// transaction: the way tests reach behind the archive's back.
func rawBolt(t *testing.T, path string, fn func(tx *bbolt.Tx) error) {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	if err := bdb.Update(fn); err != nil {
		t.Fatal(err)
	}
}

// TestOpenRefusesTruncatedArchive cuts an archive short: bbolt would fault
// reading past the end of its map, so Open must refuse it first.
func TestOpenRefusesTruncatedArchive(t *testing.T) {
	path := tempPath(t, "archive.db")
	db := mustOpenPath(t, path)
	for i := range 5 {
		h := history(300)
		h[0].Title = fmt.Sprintf("Title %d", i)
		mustIngest(t, db, scrape(true, fmt.Sprintf("page %d", i)), h)
	}
	used, err := db.Usage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	full := readFile(t, path)
	for _, n := range []int{4096, 8192, int(used.UsedBytes) / 2, int(used.UsedBytes) - 4096} {
		t.Run(fmt.Sprintf("%d bytes", n), func(t *testing.T) {
			cut := tempPath(t, "cut.db")
			writeFile(t, cut, full[:n])
			for _, readOnly := range []bool{true, false} {
				db, err := archive.Open(cut, archive.Options{Strict: true, ReadOnly: readOnly})
				if err == nil {
					db.Close()
					t.Fatalf("Open (read-only %v) of an archive cut to %d of %d bytes succeeded", readOnly, n, used.UsedBytes)
				}
				if !errors.Is(err, archive.ErrCorrupt) && !errors.Is(err, archive.ErrNotArchive) {
					t.Errorf("Open (read-only %v) = %v, want ErrCorrupt or ErrNotArchive", readOnly, err)
				}
			}
			if got := readFile(t, cut); !bytes.Equal(got, full[:n]) {
				t.Errorf("Open changed the truncated file")
			}
		})
	}
}
