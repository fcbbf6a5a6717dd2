// Package archivetest opens real archives for tests: a bbolt file in the
// test's temporary directory, checked for consistency when the test ends,
// as bbolt's own btesting helper does.
package archivetest

import (
	"context"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/notify"
)

// MustOpen opens a new archive in tb.TempDir() and, on cleanup, closes it,
// reopens the file and runs archive's Check on it, failing tb on any
// problem.
func MustOpen(tb testing.TB) *archive.DB {
	tb.Helper()
	return MustOpenWith(tb, archive.Options{Logger: TestLogger(tb)})
}

// TestLogger returns a logger that writes warnings and errors to tb's log.
func TestLogger(tb testing.TB) zerolog.Logger {
	return zerolog.New(zerolog.NewTestWriter(tb)).Level(zerolog.WarnLevel)
}

// MustOpenWith is MustOpen with options. Without an Announcer in opts, the
// archive announces changes with notify.Announce, as statusarchive does.
// Tests (not benchmarks) run in Options.Strict: bbolt checks the whole file
// after every commit.
func MustOpenWith(tb testing.TB, opts archive.Options) *archive.DB {
	tb.Helper()
	if _, bench := tb.(*testing.B); !bench {
		opts.Strict = true
	}
	if opts.Announce == nil {
		opts.Announce = notify.Announce
	}
	path := filepath.Join(tb.TempDir(), "archive.db")
	db, err := archive.Open(path, opts)
	if err != nil {
		tb.Fatalf("open archive: %v", err)
	}
	tb.Cleanup(func() {
		if err := db.Close(); err != nil {
			tb.Errorf("close archive: %v", err)
		}
		MustCheck(tb, path)
	})
	return db
}

// MustCheck opens the archive at path read-only and fails tb unless its
// Check is clean.
func MustCheck(tb testing.TB, path string) {
	tb.Helper()
	db, err := archive.Open(path, archive.Options{ReadOnly: true})
	if err != nil {
		tb.Errorf("reopen archive for its check: %v", err)
		return
	}
	defer db.Close()
	if err := db.Check(context.Background()); err != nil {
		tb.Errorf("archive check: %v", err)
	}
}

// Clock is a settable clock for Options.Now.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// NewClock returns a clock that reads start until moved.
func NewClock(start time.Time) *Clock { return &Clock{now: start} }

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock on by d and returns the new time.
func (c *Clock) Advance(d time.Duration) time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	return c.now
}
