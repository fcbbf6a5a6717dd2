package notify

import (
	"context"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/statusarchive/statusarchive/archive"
)

// DefaultBatch is how many notifications a round reads at a time.
const DefaultBatch = 50

// Round is one delivery round over the archive's outbox: deliver what is
// due, retry what failed later, abandon what is too old.
type Round struct {
	Sender  *Sender
	Backoff Backoff
	// Batch is how many notifications are read, posted and recorded at a
	// time; 0 means DefaultBatch.
	Batch int
	// Now is the clock due times and backoffs are read on; default
	// time.Now.
	Now    func() time.Time
	Logger zerolog.Logger
}

// Run delivers what is due in the outbox, a batch at a time: it reads a
// batch with lend, lets the archive go, posts each notification to the
// webhooks that still want it, then records the outcomes with lend again
// (Delivered, Retry at Backoff.Next, or Abandon). The archive is never
// held while posting. A notification older than the backoff's MaxAge is
// given up on unsent (dead-lettered, logged once); one no webhook wants
// is done. next is when the earliest notification left in the outbox is
// due, zero when none is left.
//
// lend lends the archive for the length of fn: the daemon opens the file
// for each use.
func (r Round) Run(ctx context.Context, lend func(fn func(*archive.DB) error) error) (next time.Time, err error) {
	now := time.Now
	if r.Now != nil {
		now = r.Now
	}
	batch := r.Batch
	if batch <= 0 {
		batch = DefaultBatch
	}
	lg := r.Logger.With().Str("component", "notify").Logger()
	for {
		at := now()
		var due []archive.Notification
		err := lend(func(db *archive.DB) (err error) {
			if due, err = db.Outbox(ctx, at, batch); err != nil || len(due) > 0 {
				return err
			}
			next, err = earliest(ctx, db)
			return err
		})
		if err != nil || len(due) == 0 {
			return next, err
		}
		type outcome struct {
			acked   []string
			err     error
			expired bool
		}
		outcomes := make([]outcome, 0, len(due))
		for _, n := range due {
			if ctx.Err() != nil {
				break
			}
			if r.Sender.Pending(n) && r.Backoff.Expired(n, at) {
				outcomes = append(outcomes, outcome{expired: true, err: fmt.Errorf("not delivered within %s", r.Backoff.MaxAge)})
				continue
			}
			acked, err := r.Sender.Send(ctx, n)
			outcomes = append(outcomes, outcome{acked: acked, err: err})
		}
		// Record even when shutting down: a delivery made must not be
		// made again.
		rec := context.WithoutCancel(ctx)
		err = lend(func(db *archive.DB) error {
			for i, o := range outcomes {
				n := due[i]
				nlg := lg.With().Uint64("notification", n.ID).Str("event", n.Event).Str("source", n.Source).Str("incident", n.IncidentID).Logger()
				switch {
				case o.expired:
					cause := o.err
					if n.LastError != "" {
						cause = fmt.Errorf("%w; last error: %s", o.err, n.LastError)
					}
					if err := db.Abandon(rec, n.ID, cause); err != nil {
						return err
					}
					nlg.Error().Int("attempts", n.Attempts).Str("last_error", n.LastError).Time("at", n.At).
						Msg("notification given up: not delivered in time; kept with the dead letters")
				case o.err == nil:
					if err := db.Delivered(rec, n.ID); err != nil {
						return err
					}
					if len(o.acked) > 0 {
						nlg.Info().Int("webhooks", len(o.acked)).Msg("notification delivered")
					}
				default:
					retry := r.Backoff.Next(n.Attempts+1, o.err, now())
					if err := db.Retry(rec, n.ID, o.err, retry, o.acked...); err != nil {
						return err
					}
					nlg.Warn().Err(o.err).Int("attempts", n.Attempts+1).Time("next", retry).Msg("notification not delivered: will retry")
				}
			}
			next, err = earliest(rec, db)
			return err
		})
		if err != nil || len(due) < batch || ctx.Err() != nil {
			return next, err
		}
	}
}

// earliest is when the earliest notification in the outbox is due, zero
// when there is none.
func earliest(ctx context.Context, db *archive.DB) (time.Time, error) {
	all, err := db.Outbox(ctx, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	var next time.Time
	for _, n := range all {
		at := n.NextAttempt
		if at.IsZero() {
			at = n.At
		}
		if next.IsZero() || at.Before(next) {
			next = at
		}
	}
	return next, err
}
