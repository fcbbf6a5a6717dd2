package archive

import (
	"os"
	"path/filepath"
	"testing"

	bbolt "go.etcd.io/bbolt"
)

// TestQuietOnOpen: the read-write open inspects the file itself only when
// both meta pages show bbolt will write nothing at open and the file holds
// every page they count; every other file is looked at read-only first.
func TestQuietOnOpen(t *testing.T) {
	dir := t.TempDir()
	archivePath := filepath.Join(dir, "archive.db")
	db, err := Open(archivePath, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.HoldHost(t.Context(), "h.example", db.now()); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	archiveBytes, err := os.ReadFile(archivePath)
	if err != nil {
		t.Fatal(err)
	}
	pageSize := os.Getpagesize()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, b, 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	noFreelist := filepath.Join(dir, "nofreelist.db")
	bdb, err := bbolt.Open(noFreelist, 0o600, &bbolt.Options{NoFreelistSync: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := bdb.Update(func(tx *bbolt.Tx) error { _, err := tx.CreateBucket([]byte("meta")); return err }); err != nil {
		t.Fatal(err)
	}
	if err := bdb.Close(); err != nil {
		t.Fatal(err)
	}
	torn := append([]byte(nil), archiveBytes...)
	torn[metaChecksumAt] ^= 0xff // meta page 0's checksum
	for _, tc := range []struct {
		name string
		path string
		want bool
	}{
		{"an archive", archivePath, true},
		{"missing", filepath.Join(dir, "missing.db"), false},
		{"empty", write("empty.db", nil), false},
		{"shorter than a meta page", write("short.db", archiveBytes[:metaBytes-1]), false},
		{"a torn meta page", write("torn.db", torn), false},
		{"truncated to 3 pages", write("truncated.db", archiveBytes[:3*pageSize]), false},
		{"bbolt without a stored freelist", noFreelist, false},
		{"random bytes", write("random.db", make([]byte, 4*pageSize)), false},
	} {
		if got := quietOnOpen(tc.path); got != tc.want {
			t.Errorf("quietOnOpen(%s) = %v, want %v", tc.name, got, tc.want)
		}
	}
}
