package archive

import (
	"context"
	"fmt"
	"time"

	bbolt "go.etcd.io/bbolt"
)

// bucketRobots holds, per site ("scheme://host"), the last robots.txt
// verdict that let the site be crawled, so that one-shot scrapes run every
// few minutes ask a site for robots.txt once a day, not every run. It is
// made on the first verdict kept, so archives without one have no bucket.
const bucketRobots = "robots"

// robotsKeep is how long a kept verdict stays in the archive: past it no
// scraper reuses it (scraper.RobotsTTL is a day), and KeepRobots drops it.
const robotsKeep = 7 * 24 * time.Hour

// RobotsRecord is one site's kept robots.txt verdict: when it was fetched,
// and the rules read from it, or AllowAll when the site had none.
type RobotsRecord struct {
	Site      string    `json:"site"`
	FetchedAt time.Time `json:"fetched_at"`
	Rules     []byte    `json:"rules,omitempty"`
	AllowAll  bool      `json:"allow_all,omitempty"`
}

// Robots returns the robots.txt verdicts kept; the caller decides which
// are still fresh.
func (db *DB) Robots(ctx context.Context) ([]RobotsRecord, error) {
	var out []RobotsRecord
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		b := root(tx, bucketRobots)
		if !b.exists() {
			return nil
		}
		c := b.b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var r RobotsRecord
			if err := b.decode(k, v, &r); err != nil {
				return err
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("robots.txt verdicts: %w", err)
	}
	return out, nil
}

// KeepRobots keeps the verdicts given, each replacing an older one of its
// site, and drops the verdicts fetched longer than a week before now.
func (db *DB) KeepRobots(ctx context.Context, records []RobotsRecord, now time.Time) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.update(func(tx *bbolt.Tx) error {
		b, err := createRoot(tx, bucketRobots)
		if err != nil {
			return err
		}
		var stale [][]byte
		c := b.b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			var r RobotsRecord
			if err := b.decode(k, v, &r); err != nil || now.Sub(r.FetchedAt) > robotsKeep {
				stale = append(stale, append([]byte(nil), k...))
			}
		}
		for _, k := range stale {
			if err := b.b.Delete(k); err != nil {
				return fmt.Errorf("drop robots.txt verdict %s: %w", k, err)
			}
		}
		for _, r := range records {
			if r.Site == "" {
				continue
			}
			var old RobotsRecord
			if ok, err := b.get([]byte(r.Site), &old); err == nil && ok && !old.FetchedAt.Before(r.FetchedAt) {
				continue
			}
			r.FetchedAt = r.FetchedAt.UTC()
			if err := b.put([]byte(r.Site), r); err != nil {
				return err
			}
		}
		return nil
	})
}
