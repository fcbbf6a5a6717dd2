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

// keyBackfill is where a source's Backfill is kept, in sources/<source>/,
// and keySweep where its sweep's position is: it moves every incremental
// run, so that it is written apart from the rest, which rarely changes.
// A Backfill written before keySweep keeps the position itself.
const (
	keyBackfill = "backfill"
	keySweep    = "sweep"
)

// sweepPosition is what keySweep holds: Backfill's Sweep, SweepOwn and
// Swept.
type sweepPosition struct {
	Sweep    int       `json:"sweep,omitempty"`
	SweepOwn int       `json:"sweep_own,omitempty"`
	Swept    time.Time `json:"swept,omitzero"`
}

// getBackfill reads the Backfill kept in src (a source's bucket) into bf,
// with its sweep's position; it reports whether there was one.
func getBackfill(src bucket, bf *Backfill) (bool, error) {
	ok, err := src.get([]byte(keyBackfill), bf)
	if err != nil || !ok {
		return ok, err
	}
	var at sweepPosition
	found, err := src.get([]byte(keySweep), &at)
	if err != nil {
		return true, err
	}
	if found {
		bf.Sweep, bf.SweepOwn, bf.Swept = at.Sweep, at.SweepOwn, at.Swept
	}
	return true, nil
}

// putBackfill keeps bf in src, each of its two records only when it
// changed.
func putBackfill(src bucket, bf *Backfill) error {
	rest := *bf
	rest.Sweep, rest.SweepOwn, rest.Swept = 0, 0, time.Time{}
	if err := putChanged(src, []byte(keyBackfill), &rest); err != nil {
		return err
	}
	return putChanged(src, []byte(keySweep), sweepPosition{Sweep: bf.Sweep, SweepOwn: bf.SweepOwn, Swept: bf.Swept})
}

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
	// Sweep is the list page the sweep re-verifies next: 0 is the start
	// page, i the page History[i-1].
	Sweep int `json:"sweep,omitempty"`
	// SweepOwn is where on list page Sweep the sweep goes on: 0 is the
	// list page itself, j the own page of the j-th incident it leads to.
	// Absent (0) in archives written before the sweep went page by page.
	SweepOwn int `json:"sweep_own,omitempty"`
	// Own is, for each list page (the start page, then History), how
	// many incident pages it leads to, so that an incremental run plans
	// its sweep without reading every page's digest. Absent in archives
	// written before: then the digests are read.
	Own []int `json:"own,omitempty"`
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
		_, err := getBackfill(root(tx, bucketSources).sub(source), &b)
		return err
	})
	if err != nil {
		return Backfill{}, fmt.Errorf("backfill of %s: %w", source, err)
	}
	return b, nil
}

// sweepItems is how many pages (list pages and the incidents' own pages
// they lead to, total in all) an incremental run re-verifies elapsed after
// the source's last run: the share of the history the elapsed share of
// the period stands for, rounded up, so that runs at any steady interval
// re-check the whole history within the period; at least one page, at
// most all of them. A first run (elapsed 0) re-verifies one page.
func sweepItems(total int, elapsed, period time.Duration) int {
	if total <= 0 {
		return 0
	}
	if period <= 0 {
		period = DefaultSweepPeriod
	}
	k := int(math.Ceil(float64(total) * min(1, float64(elapsed)/float64(period))))
	return min(total, max(1, k))
}

// sweepCursor is where the sweep stands: list page Pos (0 is the start
// page), and on it item Off (0 is the list page itself, j its j-th
// incident's own page).
type sweepCursor struct{ Pos, Off int }

// sweepWalk takes k items of the sweep from at, over list pages of which
// page i has own[i] incident pages (so 1+own[i] items), calling take for
// each, and returns where the next run goes on and whether the walk passed
// the end of the history (wrapped back to the start page). A cursor past
// a history that has shrunk goes on at the next list page that exists.
func sweepWalk(own []int, at sweepCursor, k int, take func(pos, off int)) (sweepCursor, bool) {
	n := len(own)
	if n == 0 {
		return sweepCursor{}, false
	}
	if at.Pos >= n || at.Pos < 0 {
		at = sweepCursor{}
	}
	if at.Off > own[at.Pos] || at.Off < 0 {
		at = sweepCursor{Pos: (at.Pos + 1) % n}
	}
	wrapped := false
	for range k {
		take(at.Pos, at.Off)
		at.Off++
		if at.Off > own[at.Pos] {
			at = sweepCursor{Pos: at.Pos + 1}
			if at.Pos == n {
				at.Pos, wrapped = 0, true
			}
		}
	}
	return at, wrapped
}

// role is why an incremental crawl fetches a list page.
type role uint8

// Roles are bits: a page may be both walked and swept.
const (
	roleNone  role = 0               // a backfill page, a detail page: followed whole
	roleWalk  role = 1 << (iota - 1) // the newest pages, walked until nothing is new
	roleSweep                        // a list page the sweep re-verifies: all its incidents' pages when it changed
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
	until, open := activeUntil(in)
	return open || now.Before(until)
}

// activeUntil is when a record stops being recently resolved (recentWindow
// after its last post), or open when it stays active until a later
// rendering says otherwise: not resolved, or with no time at all.
func activeUntil(in parser.Incident) (until time.Time, open bool) {
	switch in.Status {
	case parser.StatusResolved, parser.StatusCompleted, parser.StatusPostmortem, parser.StatusUnknown:
	default:
		return time.Time{}, true
	}
	last := in.Last().At
	for _, t := range []time.Time{in.Resolved.At, in.Started.At} {
		if t.After(last) {
			last = t
		}
	}
	if last.IsZero() {
		return time.Time{}, true
	}
	return last.Add(recentWindow), false
}
