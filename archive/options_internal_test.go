package archive

import (
	"path/filepath"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// TestBoltOptions pins the bbolt settings RELIABILITY test 5 forbids
// changing: a lock timeout always, never NoSync or NoGrowSync.
func TestBoltOptions(t *testing.T) {
	t.Parallel() // it mostly waits on locks
	for _, opts := range []Options{{}, {Timeout: -time.Second}, {Timeout: 1500 * time.Millisecond}} {
		path := filepath.Join(t.TempDir(), "archive.db")
		db, err := Open(path, opts)
		if err != nil {
			t.Fatal(err)
		}
		b := db.bolt
		if b.NoSync || b.NoGrowSync || b.NoFreelistSync || b.FreelistType != bbolt.FreelistMapType || b.IsReadOnly() {
			t.Errorf("Open(%+v): NoSync %v NoGrowSync %v NoFreelistSync %v freelist %s read-only %v",
				opts, b.NoSync, b.NoGrowSync, b.NoFreelistSync, b.FreelistType, b.IsReadOnly())
		}
		db.Close()
		// The timeout is only visible by waiting on it.
		holder, _ := Open(path, Options{Strict: true})
		start := time.Now()
		_, err = Open(path, opts)
		took := time.Since(start)
		holder.Close()
		want := opts.Timeout
		if want <= 0 {
			want = DefaultTimeout
		}
		if err == nil || took < want*9/10 || took > want+time.Second {
			t.Errorf("Open(%+v) while held: %v after %v, want ErrLocked after about %v", opts, err, took, want)
		}
	}
}

// TestStrictAndDeadLetterOptions: Options.Strict reaches bbolt's
// StrictMode, and MaxDeadLetters defaults to DefaultMaxDeadLetters.
func TestStrictAndDeadLetterOptions(t *testing.T) {
	for _, tc := range []struct {
		opts    Options
		strict  bool
		maxDead int
	}{
		{Options{}, false, DefaultMaxDeadLetters},
		{Options{Strict: true, MaxDeadLetters: 3}, true, 3},
	} {
		db, err := Open(filepath.Join(t.TempDir(), "archive.db"), tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		if db.bolt.StrictMode != tc.strict || db.maxDead != tc.maxDead {
			t.Errorf("Open(%+v): StrictMode %v, dead letters kept %d; want %v, %d", tc.opts, db.bolt.StrictMode, db.maxDead, tc.strict, tc.maxDead)
		}
		db.Close()
	}
}
