package archive

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// Default holding times of a Lender. A reader in another process waits
// DefaultTimeout (1 s) for the lock, polling it every 50 ms (bbolt's
// retry): a held handle is released within DefaultMaxHold plus the use in
// progress, and stays released for DefaultYield, two polls, so that a
// waiting reader gets in well within its second.
const (
	DefaultIdle    = 50 * time.Millisecond
	DefaultMaxHold = 300 * time.Millisecond
	DefaultYield   = 100 * time.Millisecond
)

// ErrLenderClosed means a use was asked of a Lender after Close.
var ErrLenderClosed = errors.New("archive lender is closed")

// LendOptions say how long a Lender holds the archive. A zero field takes
// its default.
type LendOptions struct {
	// Idle releases the handle once no use has come for this long.
	Idle time.Duration
	// MaxHold releases the handle after the first use that ends this long
	// after it was opened, however busy the lender is.
	MaxHold time.Duration
	// Yield is how long the handle stays released after MaxHold before the
	// next use opens it again: the window in which other processes take
	// the lock.
	Yield time.Duration
}

// Lender lends one read-write handle on an archive to a series of uses,
// one at a time: uses that follow each other closely share one Open
// instead of paying one each, and other processes still get the file's
// lock between them. The handle is released when no use came for Idle,
// and, however busy the lender is, once it has been held for MaxHold; it
// then stays released for Yield before a use opens it again. Before each
// use of a held handle it checks that the path still names the file it
// holds and that the file is not behind its high-water mark; if not, and
// after a use that fails, it drops the handle, and the use opens the
// archive afresh, with Open's checks and refusals. Its methods are safe for concurrent use.
type Lender struct {
	path string
	opts Options
	lend LendOptions

	mu     sync.Mutex // held for each use
	db     *DB
	opened time.Time   // when db was opened
	resume time.Time   // no open before this: the yield after MaxHold
	idle   *time.Timer // releases db once no use came for Idle
	uses   uint64      // uses so far: an idle release checks none came since it was armed
	opens  int
	closed bool
}

// NewLender returns a Lender of the archive at path, opened with opts
// (never read-only). It opens nothing until the first use.
func NewLender(path string, opts Options, lend LendOptions) *Lender {
	opts.ReadOnly = false
	if lend.Idle <= 0 {
		lend.Idle = DefaultIdle
	}
	if lend.MaxHold <= 0 {
		lend.MaxHold = DefaultMaxHold
	}
	if lend.Yield <= 0 {
		lend.Yield = DefaultYield
	}
	return &Lender{path: path, opts: opts, lend: lend}
}

// Use lends the archive to fn, opening it unless the handle is still held.
// announce is what the run's new versions tell readers (Options.Announce)
// for this use.
func (l *Lender) Use(announce Announcer, fn func(db *DB) error) (err error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.closed {
		return fmt.Errorf("use archive %s: %w", l.path, ErrLenderClosed)
	}
	l.uses++
	if l.idle != nil {
		l.idle.Stop()
	}
	if l.db != nil && l.db.changed() {
		l.release()
	}
	if l.db == nil {
		if wait := time.Until(l.resume); wait > 0 {
			time.Sleep(wait)
		}
		db, err := Open(l.path, l.opts)
		if err != nil {
			return err
		}
		l.db, l.opened = db, time.Now()
		l.opens++
	}
	db := l.db
	db.setAnnouncer(announce)
	ok := false
	defer func() {
		// A panic or an error drops the handle, and so does holding it for
		// MaxHold; otherwise it waits Idle for the next use.
		switch {
		case !ok || err != nil:
			l.release()
		case time.Since(l.opened) >= l.lend.MaxHold:
			l.release()
			l.resume = time.Now().Add(l.lend.Yield)
		default:
			uses := l.uses
			l.idle = time.AfterFunc(l.lend.Idle, func() { l.releaseIdle(uses) })
		}
	}()
	err = fn(db)
	ok = true
	return err
}

// releaseIdle releases the handle if no use came since the idle timer of
// use number uses was armed.
func (l *Lender) releaseIdle(uses uint64) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.uses == uses {
		l.release()
	}
}

// release closes the handle, if held. l.mu is held.
func (l *Lender) release() {
	if l.db == nil {
		return
	}
	if err := l.db.Close(); err != nil {
		l.opts.Logger.Warn().Err(err).Str("archive", l.path).Msg("release the archive")
	}
	l.db = nil
}

// Held reports whether the lender holds the archive open now.
func (l *Lender) Held() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.db != nil
}

// Opens is how many times the lender has opened the archive.
func (l *Lender) Opens() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.opens
}

// Close releases the archive, waiting for a use in progress, and refuses
// later uses.
func (l *Lender) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.idle != nil {
		l.idle.Stop()
	}
	if l.db == nil {
		return nil
	}
	err := l.db.Close()
	l.db = nil
	return err
}
