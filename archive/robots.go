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

// RobotsRecord is one site's kept robots.txt verdict: when it was fetched,
// and the rules read from it, or AllowAll when the site had none.
type RobotsRecord struct {
	Site      string    `json:"site"`
	FetchedAt time.Time `json:"fetched_at"`
	Rules     []byte    `json:"rules,omitempty"`
	AllowAll  bool      `json:"allow_all,omitempty"`
}

// Robots returns the robots.txt verdicts kept for sites; the caller
// decides which are still fresh.
func (db *DB) Robots(ctx context.Context, sites []string) ([]RobotsRecord, error) {
	var out []RobotsRecord
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		b := root(tx, bucketRobots)
		if !b.exists() {
			return nil
		}
		for _, site := range sites {
			var r RobotsRecord
			if ok, err := b.get([]byte(site), &r); err != nil {
				return err
			} else if ok {
				out = append(out, r)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("robots.txt verdicts: %w", err)
	}
	return out, nil
}

// KeepRobots keeps the verdicts given, each replacing an older one of its
// site. There is one record per site ever scraped; a stale one is only
// not reused.
func (db *DB) KeepRobots(ctx context.Context, records []RobotsRecord) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.update(func(tx *bbolt.Tx) error {
		b, err := createRoot(tx, bucketRobots)
		if err != nil {
			return err
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
