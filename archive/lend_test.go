package archive_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/archivetest"
	"github.com/statusarchive/statusarchive/archive/notify"
	"github.com/statusarchive/statusarchive/parser"
)

// newLender returns a lender of a new archive in a temporary directory,
// closed at the end of the test.
func newLender(t *testing.T, lend archive.LendOptions) (*archive.Lender, string) {
	t.Helper()
	path := tempPath(t, "archive.db")
	l := archive.NewLender(path, archive.Options{Strict: true, Logger: quiet()}, lend)
	t.Cleanup(func() {
		if err := l.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return l, path
}

// holdHost is a small write through the lender.
func holdHost(l *archive.Lender, i int) error {
	return l.Use(nil, func(db *archive.DB) error {
		return db.HoldHost(context.Background(), fmt.Sprintf("h%d.example", i), t0.Add(time.Hour))
	})
}

// readOpens reports whether a read-only Open with timeout gets the lock.
func readOpens(t *testing.T, path string, timeout time.Duration) (bool, time.Duration) {
	t.Helper()
	start := time.Now()
	db, err := archive.Open(path, archive.Options{ReadOnly: true, Timeout: timeout})
	took := time.Since(start)
	if errors.Is(err, archive.ErrLocked) {
		return false, took
	}
	if err != nil {
		t.Fatalf("read-only Open: %v", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return true, took
}

// TestLenderSharesOneOpen: uses that follow each other closely get the
// same handle from one Open, which holds the lock; once no use came for
// Idle the lock is free, and the next use opens the archive again.
func TestLenderSharesOneOpen(t *testing.T) {
	l, path := newLender(t, archive.LendOptions{Idle: 200 * time.Millisecond, MaxHold: time.Minute})
	var seen []*archive.DB
	for range 5 {
		if err := l.Use(nil, func(db *archive.DB) error { seen = append(seen, db); return nil }); err != nil {
			t.Fatal(err)
		}
	}
	if got := l.Opens(); got != 1 {
		t.Errorf("opens after 5 uses in a row = %d, want 1", got)
	}
	if slices.ContainsFunc(seen, func(db *archive.DB) bool { return db != seen[0] }) {
		t.Errorf("uses in a row got different handles")
	}
	if ok, _ := readOpens(t, path, 50*time.Millisecond); ok {
		t.Errorf("a reader got the lock while the lender held the archive")
	}
	deadline := time.Now().Add(5 * time.Second)
	for l.Held() {
		if time.Now().After(deadline) {
			t.Fatalf("still held 5 s after the last use, want released after Idle")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if ok, took := readOpens(t, path, 50*time.Millisecond); !ok {
		t.Errorf("a reader waited %v and did not get the lock of an idle lender", took)
	}
	if err := holdHost(l, 1); err != nil {
		t.Fatal(err)
	}
	if got := l.Opens(); got != 2 {
		t.Errorf("opens after an idle release and one more use = %d, want 2", got)
	}
}

// TestLenderYieldsToReaders keeps the lender busy with writes and opens
// the archive from other handles meanwhile, each with the default lock
// timeout, as `export` and the other read commands do: every one must get
// in, and the lender must go on writing after them, on far fewer opens
// than uses.
func TestLenderYieldsToReaders(t *testing.T) {
	l, path := newLender(t, archive.LendOptions{})
	var writes atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			if err := holdHost(l, i%50); err != nil {
				t.Errorf("write %d: %v", i, err)
				return
			}
			writes.Add(1)
		}
	}()
	var once sync.Once
	halt := func() { once.Do(func() { close(stop) }); wg.Wait() }
	defer halt()
	for writes.Load() < 20 {
		time.Sleep(5 * time.Millisecond)
	}
	for i := range 6 {
		opts := archive.Options{ReadOnly: i%2 == 0, Logger: quiet()} // default timeout
		start := time.Now()
		db, err := archive.Open(path, opts)
		took := time.Since(start)
		if err != nil {
			t.Fatalf("open %d (read-only %v) while the lender writes, after %v: %v", i, opts.ReadOnly, took, err)
		}
		t.Logf("open %d (read-only %v) got the lock after %v", i, opts.ReadOnly, took.Round(time.Millisecond))
		if _, err := db.HostHolds(context.Background()); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond) // the lender waits meanwhile
		if err := db.Close(); err != nil {
			t.Fatal(err)
		}
		before := writes.Load()
		deadline := time.Now().Add(5 * time.Second)
		for writes.Load() <= before+5 {
			if time.Now().After(deadline) {
				t.Fatalf("the lender made no progress in 5 s after reader %d", i)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
	halt()
	uses, opens := writes.Load(), l.Opens()
	t.Logf("%d writes on %d opens", uses, opens)
	if int64(opens)*3 > uses {
		t.Errorf("%d opens for %d writes, want far fewer opens than writes", opens, uses)
	}
}

// TestLenderDropsHandleAfterError: a use that fails, or panics, leaves no
// handle held; the next use opens the archive again.
func TestLenderDropsHandleAfterError(t *testing.T) {
	l, _ := newLender(t, archive.LendOptions{Idle: time.Minute, MaxHold: time.Minute})
	errBoom := errors.New("boom")
	if err := l.Use(nil, func(*archive.DB) error { return errBoom }); !errors.Is(err, errBoom) {
		t.Fatalf("Use = %v, want the use's error", err)
	}
	if l.Held() {
		t.Errorf("held after a failed use, want released")
	}
	func() {
		defer func() {
			if recover() == nil {
				t.Errorf("the use's panic did not reach the caller")
			}
		}()
		_ = l.Use(nil, func(*archive.DB) error { panic("boom") })
	}()
	if l.Held() {
		t.Errorf("held after a use that panicked, want released")
	}
	if err := holdHost(l, 1); err != nil {
		t.Fatalf("use after a failed one: %v", err)
	}
	if got := l.Opens(); got != 3 {
		t.Errorf("opens = %d, want 3 (each failed use dropped its handle)", got)
	}
}

// TestLenderKeepsOpenRefusals: the lender opens with Open, whose refusals
// reach the caller, and holds nothing after one.
func TestLenderKeepsOpenRefusals(t *testing.T) {
	path := tempPath(t, "foreign.db")
	junk := bytes.Repeat([]byte("not an archive "), 1000)
	if err := os.WriteFile(path, junk, 0o600); err != nil {
		t.Fatal(err)
	}
	l := archive.NewLender(path, archive.Options{Logger: quiet()}, archive.LendOptions{})
	defer l.Close()
	err := l.Use(nil, func(*archive.DB) error { t.Errorf("lent a foreign file"); return nil })
	if !errors.Is(err, archive.ErrNotArchive) {
		t.Errorf("Use of a foreign file = %v, want ErrNotArchive", err)
	}
	if got, _ := os.ReadFile(path); !bytes.Equal(got, junk) {
		t.Errorf("the foreign file changed")
	}
	if l.Held() {
		t.Errorf("held after a refused open")
	}
}

// TestLenderClose releases the lock and refuses later uses.
func TestLenderClose(t *testing.T) {
	path := tempPath(t, "archive.db")
	l := archive.NewLender(path, archive.Options{Logger: quiet()}, archive.LendOptions{Idle: time.Minute, MaxHold: time.Minute})
	if err := holdHost(l, 1); err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if ok, took := readOpens(t, path, 50*time.Millisecond); !ok {
		t.Errorf("a reader waited %v and did not get the lock after Close", took)
	}
	if err := holdHost(l, 2); !errors.Is(err, archive.ErrLenderClosed) {
		t.Errorf("Use after Close = %v, want ErrLenderClosed", err)
	}
}

// TestLenderAnnouncePerUse: each use says what runs announce, even on a
// handle held from an earlier use with another setting.
func TestLenderAnnouncePerUse(t *testing.T) {
	clock := archivetest.NewClock(t0)
	path := tempPath(t, "archive.db")
	l := archive.NewLender(path, archive.Options{Now: clock.Now, Logger: quiet()}, archive.LendOptions{Idle: time.Minute, MaxHold: time.Minute})
	defer l.Close()
	base := history(2)
	edit := func(impact parser.Impact) []parser.Incident {
		out := slices.Clone(base)
		out[0].Impact = impact
		return out
	}
	steps := []struct {
		announce archive.Announcer
		records  []parser.Incident
		want     int // notifications queued so far
	}{
		{notify.Announce, base, 0},
		{nil, edit(parser.ImpactMajor), 0},
		{notify.Announce, edit(parser.ImpactCritical), 1},
		{nil, edit(parser.ImpactMinor), 1},
	}
	for i, step := range steps {
		clock.Advance(15 * time.Minute)
		err := l.Use(step.announce, func(db *archive.DB) error {
			if _, err := db.Ingest(context.Background(), scrape(true, fmt.Sprintf("p%d", i)), step.records); err != nil {
				return err
			}
			if got := len(outbox(t, db)); got != step.want {
				t.Errorf("step %d (announce %v): %d notifications queued, want %d", i, step.announce != nil, got, step.want)
			}
			return nil
		})
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	if got := l.Opens(); got != 1 {
		t.Errorf("opens = %d, want 1: the steps shared a held handle", got)
	}
}

// TestLenderRechecksEachUse: a held handle is not lent blindly. When the
// path comes to name another file, the next use gets that file; when the
// file falls behind its high-water mark (an older copy restored over it),
// the next use is refused as Open refuses it, and the file is not written.
func TestLenderRechecksEachUse(t *testing.T) {
	l, path := newLender(t, archive.LendOptions{Idle: time.Minute, MaxHold: time.Minute})
	if err := holdHost(l, 1); err != nil {
		t.Fatal(err)
	}
	holds := func() int {
		var n int
		err := l.Use(nil, func(db *archive.DB) error {
			hs, err := db.HostHolds(context.Background())
			n = len(hs)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	if got := holds(); got != 1 {
		t.Fatalf("holds = %d, want 1", got)
	}

	other := tempPath(t, "other.db")
	db, err := archive.Open(other, archive.Options{Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other, path); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(other+".txid", path+".txid"); err != nil {
		t.Fatal(err)
	}
	if got := holds(); got != 0 {
		t.Errorf("holds after another archive was renamed over the path = %d, want 0 (the new file's)", got)
	}

	if err := os.WriteFile(path+".txid", []byte("1000000\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	err = holdHost(l, 2)
	if !errors.Is(err, archive.ErrRolledBack) {
		t.Errorf("use of an archive behind its mark = %v, want ErrRolledBack", err)
	}
	if after, _ := os.ReadFile(path); !bytes.Equal(after, before) {
		t.Errorf("the lender wrote to an archive behind its mark")
	}
	if got := l.Opens(); got != 2 {
		t.Errorf("opens = %d, want 2 (the first file, the renamed one; the refused open holds nothing)", got)
	}
}
