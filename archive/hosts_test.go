package archive_test

import (
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
)

// TestHostHolds checks the Retry-After holds a daemon keeps across
// restarts: a hold is read back after reopening the file, a later hold
// replaces an earlier one, holds that are over are neither returned nor
// kept, and the file still checks clean.
func TestHostHolds(t *testing.T) {
	path := tempPath(t, "archive.db")
	now := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	clock := func() time.Time { return now }
	db, err := archive.Open(path, archive.Options{Strict: true, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := db.HostHolds(t.Context()); err != nil || len(got) != 0 {
		t.Fatalf("HostHolds of a new archive = %v, %v; want none", got, err)
	}
	long := now.Add(999999 * time.Second)
	for _, h := range []struct {
		host  string
		until time.Time
	}{
		{"Status.Example.com:443", now.Add(time.Hour)},
		{"status.example.com:443", long},
		{"short.example.com:443", now.Add(time.Minute)},
	} {
		if err := db.HoldHost(t.Context(), h.host, h.until); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	now = now.Add(2 * time.Minute) // the short hold is over
	db, err = archive.Open(path, archive.Options{Now: clock, ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	got, err := db.HostHolds(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].Host != "short.example.com:443" || got[1].Host != "status.example.com:443" || !got[1].Until.Equal(long) {
		t.Errorf("HostHolds = %+v, want short.example.com:443 and status.example.com:443 until %v", got, long)
	}
	db.Close()

	// The next hold drops the one that is over.
	db, err = archive.Open(path, archive.Options{Strict: true, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.HoldHost(t.Context(), "other.example.com:80", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, err = db.HostHolds(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	var hosts []string
	for _, h := range got {
		hosts = append(hosts, h.Host)
	}
	if len(hosts) != 2 || hosts[0] != "other.example.com:80" || hosts[1] != "status.example.com:443" {
		t.Errorf("hosts after a new hold = %q, want other.example.com:80 and status.example.com:443", hosts)
	}
	if err := db.Check(t.Context()); err != nil {
		t.Errorf("Check = %v, want a clean file", err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
}
