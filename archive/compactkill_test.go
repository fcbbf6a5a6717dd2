package archive_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
)

// TestCompactKilled SIGKILLs a child in the middle of compacting 20 times
// (RELIABILITY test 9): after each kill the archive must be byte for byte
// untouched, open, pass Check and hold every version it held before, and
// the destination must be absent or a whole, sound copy, never half one.
func TestCompactKilled(t *testing.T) {
	trials, size, window := 20, 600, 800*time.Millisecond
	if testing.Short() {
		trials, size, window = 3, 400, 200*time.Millisecond
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "archive.db")
	db := mustOpenPath(t, path)
	for i := range 5 {
		h := benchHistory(size, i)
		mustIngest(t, db, scrape(true, fmt.Sprintf("page %d", i)), h)
	}
	want := rows(t, db, archive.Filter{IncludeDeleted: true})
	db.Close()
	original := readFile(t, path)

	seed := time.Now().UnixNano()
	t.Logf("seed %d, archive %d bytes", seed, len(original))
	rng := rand.New(rand.NewPCG(uint64(seed), 3))
	outcomes := map[string]int{}
	for trial := range trials {
		dst := filepath.Join(dir, fmt.Sprintf("compact-%02d.db", trial))
		cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$")
		cmd.Env = append(os.Environ(), "ARCHIVE_CHILD=compact", "ARCHIVE_CHILD_PATH="+path, "ARCHIVE_CHILD_DST="+dst)
		out, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		lines := bufio.NewScanner(out)
		for lines.Scan() && lines.Text() != "ready" {
		}
		time.Sleep(time.Duration(rng.Int64N(int64(window))))
		_ = cmd.Process.Kill()
		for lines.Scan() {
		}
		_ = cmd.Wait()

		if !bytes.Equal(readFile(t, path), original) {
			t.Fatalf("trial %d: the archive changed while being compacted", trial)
		}
		if got := archivetestRows(t, path); !slices.Equal(got, want) {
			t.Fatalf("trial %d: after the kill the archive holds %d rows, want %d", trial, len(got), len(want))
		}
		if _, err := os.Stat(dst); errors.Is(err, fs.ErrNotExist) {
			outcomes["absent"]++
			continue
		}
		outcomes["complete"]++
		copyDB, err := archive.Open(dst, archive.Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("trial %d: the compacted file exists but does not open: %v", trial, err)
		}
		err = copyDB.Check(context.Background())
		got := rows(t, copyDB, archive.Filter{IncludeDeleted: true})
		copyDB.Close()
		if err != nil || !slices.Equal(got, want) {
			t.Fatalf("trial %d: the compacted file is not a sound copy (check: %v, %d rows of %d)", trial, err, len(got), len(want))
		}
	}
	archivetestCheck(t, path)
	t.Logf("%d kills: destination absent %d times, complete %d times, never partial; archive untouched", trials, outcomes["absent"], outcomes["complete"])
}

// compactChild is the child's side of TestCompactKilled.
func compactChild(t *testing.T, path, dst string) {
	db, err := archive.Open(path, archive.Options{ReadOnly: true, Logger: quiet()})
	if err != nil {
		t.Fatalf("child open: %v", err)
	}
	defer db.Close()
	fmt.Println("ready")
	if _, err := db.Compact(context.Background(), dst); err != nil {
		t.Fatalf("child compact: %v", err)
	}
	fmt.Println("compacted")
}

// archivetestRows opens the archive at path, checks it and returns its
// rows, deleted ones included.
func archivetestRows(t *testing.T, path string) []string {
	t.Helper()
	db, err := archive.Open(path, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatalf("open after the kill: %v", err)
	}
	defer db.Close()
	if err := db.Check(context.Background()); err != nil {
		t.Fatalf("Check after the kill: %v", err)
	}
	return rows(t, db, archive.Filter{IncludeDeleted: true})
}

func archivetestCheck(t *testing.T, path string) {
	t.Helper()
	db, err := archive.Open(path, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.Check(context.Background()); err != nil {
		t.Errorf("Check of the archive after the kills: %v", err)
	}
}
