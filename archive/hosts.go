package archive

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// bucketHosts holds, per host ("host:port"), the time before which the
// host must not be asked again: a Retry-After longer than a run waits. It
// is made on the first hold, so archives without one have no bucket.
const bucketHosts = "hosts"

// HostHold is a host the scraper must leave alone until Until, because it
// answered with a long Retry-After.
type HostHold struct {
	Host  string    `json:"host"`
	Until time.Time `json:"until"`
	// Set is when the hold was recorded.
	Set time.Time `json:"set"`
}

// HoldHost records that host is not to be asked before until (UTC). A
// later hold replaces an earlier one; holds already over are dropped on
// the way.
func (db *DB) HoldHost(ctx context.Context, host string, until time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	host = strings.ToLower(host)
	if host == "" {
		return fmt.Errorf("hold host: empty host name")
	}
	now := db.now().UTC()
	return db.update(func(tx *bbolt.Tx) error {
		b, err := createRoot(tx, bucketHosts)
		if err != nil {
			return err
		}
		var stale [][]byte
		c := b.b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			var h HostHold
			if ok, err := b.get(k, &h); err == nil && ok && !h.Until.After(now) {
				stale = append(stale, slices.Clone(k))
			}
		}
		for _, k := range stale {
			if err := b.b.Delete(k); err != nil {
				return fmt.Errorf("drop hold %s: %w", k, err)
			}
		}
		return b.put([]byte(host), HostHold{Host: host, Until: until.UTC(), Set: now})
	})
}

// HostHolds returns the holds kept, by host name, those already over
// included until the next HoldHost drops them: the caller compares Until
// with its own clock.
func (db *DB) HostHolds(ctx context.Context) ([]HostHold, error) {
	var out []HostHold
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		b := root(tx, bucketHosts)
		if !b.exists() {
			return nil
		}
		c := b.b.Cursor()
		for k, _ := c.First(); k != nil; k, _ = c.Next() {
			var h HostHold
			if _, err := b.get(k, &h); err != nil {
				return err
			}
			out = append(out, h)
		}
		return nil
	})
	return out, err
}
