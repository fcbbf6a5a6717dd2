package archive

import (
	"context"
	"fmt"
	"math"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/statusarchive/statusarchive/parser"
)

// keyBackfill is where a source's Backfill is kept, in sources/<source>/.
const keyBackfill = "backfill"

// DefaultSweepPeriod is how long the re-verification sweep takes to
// re-check a source's whole history once (Plan.SweepPeriod).
const DefaultSweepPeriod = 7 * 24 * time.Hour

// recentWindow is how long after its last post an incident counts as
// recently resolved: an incremental run fetches its own page every run.
const recentWindow = 48 * time.Hour

// Backfill is where a source's crawls stand across runs: what a run cut
// short (by its page budget, a signal) left unfetched, for the next run to
// fetch first; the list pages of the history in walk order; and where the
// re-verification sweep is. Begin reads it and Commit writes it in the
// run's transaction.
type Backfill struct {
	// Pending are the pages asked for and not fetched when the last run
	// stopped, in the order they were asked for.
	Pending []parser.Follow `json:"pending,omitempty"`
	// Retry are the pages the last run asked for and could not fetch or
	// read: the next run asks for them again, whatever its walk finds.
	// They do not hold the backfill open.
	Retry []parser.Follow `json:"retry,omitempty"`
	// Done is set once a run left nothing pending: the whole history has
	// been archived, and later runs are incremental.
	Done bool `json:"done,omitempty"`
	// History are the list pages after the start page, in walk order
	// (newest first), each as it was asked for.
	History []parser.Follow `json:"history,omitempty"`
	// Sweep is the next list page the sweep re-verifies: 0 is the start
	// page, i the page History[i-1].
	Sweep int `json:"sweep,omitempty"`
	// Swept is when the sweep last wrapped around to the start page.
	Swept time.Time `json:"swept,omitzero"`
}

// Left is how many pages the backfill has still to fetch.
func (b Backfill) Left() int { return len(b.Pending) }

// String is "complete", "N pages left", or "not started".
func (b Backfill) String() string {
	switch {
	case len(b.Pending) > 0:
		return fmt.Sprintf("%d pages left", len(b.Pending))
	case b.Done:
		return "complete"
	}
	return "not started"
}

// Backfill returns source's backfill state; the zero Backfill when it has
// none.
func (db *DB) Backfill(ctx context.Context, source string) (Backfill, error) {
	var b Backfill
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		_, err := root(tx, bucketSources).sub(source).get([]byte(keyBackfill), &b)
		return err
	})
	if err != nil {
		return Backfill{}, fmt.Errorf("backfill of %s: %w", source, err)
	}
	return b, nil
}

// sweepFloor is the fewest pages (list pages and the incidents' own
// pages they lead to) an incremental run re-verifies: a history this small
// is re-checked whole every run, as a full crawl with conditional
// requests, deletions inferred.
const sweepFloor = 100

// sweepSlice is how many list pages, from the sweep position at, an
// incremental run re-verifies elapsed after the source's last run. cost[i]
// is what re-verifying list page i fetches (itself and the incidents'
// pages it leads to). The slice covers the share of the whole history's
// cost that the share of the period elapsed stands for, rounded up, so
// that runs at any steady interval re-check the whole history within the
// period; and at least sweepFloor pages; at most every list page. A
// first run (elapsed 0) re-verifies sweepFloor pages.
func sweepSlice(cost []int, at int, elapsed, period time.Duration) int {
	n := len(cost)
	if n == 0 {
		return 0
	}
	if period <= 0 {
		period = DefaultSweepPeriod
	}
	total := 0
	for _, c := range cost {
		total += c
	}
	target := sweepFloor
	if elapsed > 0 {
		target = max(target, int(math.Ceil(float64(total)*min(1, float64(elapsed)/float64(period)))))
	}
	k, sum := 0, 0
	for k < n && sum < target {
		sum += cost[(at+k)%n]
		k++
	}
	return k
}

// role is why an incremental crawl fetches a list page.
type role uint8

// Roles are bits: a page may be both walked and swept.
const (
	roleNone  role = 0               // a backfill page, a detail page: followed whole
	roleWalk  role = 1 << (iota - 1) // the newest pages, walked until nothing is new
	roleSweep                        // a page the sweep re-verifies with all its incidents
	// roleChain marks a walked page that the walk reached from the start
	// page through walked next links, page after page. Only the end of
	// such a chain shows that every list page was seen; a page walked
	// because a swept page led past the known end of the history does not.
	roleChain
)

// incidentOf is the incident id a detail follow completes: its Incident,
// else the one of ids its URL names as a path segment; "" when none does.
func incidentOf(f parser.Follow, ids []string) string {
	if f.Incident != "" {
		return f.Incident
	}
	for _, id := range ids {
		if id != "" && (strings.Contains(f.URL, "/"+id+".") || strings.Contains(f.URL, "/"+id+"/") || strings.HasSuffix(f.URL, "/"+id)) {
			return id
		}
	}
	return ""
}

// active reports whether a list record is open, or was resolved within
// recentWindow of now: its own page is fetched every incremental run.
func active(in parser.Incident, now time.Time) bool {
	switch in.Status {
	case parser.StatusResolved, parser.StatusCompleted, parser.StatusPostmortem, parser.StatusUnknown:
	default:
		return true
	}
	last := in.Last().At
	for _, t := range []time.Time{in.Resolved.At, in.Started.At} {
		if t.After(last) {
			last = t
		}
	}
	return last.IsZero() || now.Sub(last) < recentWindow
}
