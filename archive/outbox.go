package archive

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"
	"unicode/utf8"

	bbolt "go.etcd.io/bbolt"

	"github.com/statusarchive/statusarchive/parser"
)

// Events a notification can be about. The incident events are the names
// archive/diff gives kinds of change (diff.ChangeKind); parser changes (a
// reparse) never notify.
const (
	EventNewIncident = "new_incident"
	EventNewUpdate   = "new_update"
	EventEdited      = "edited"
	EventDeleted     = "deleted"
	EventRestored    = "restored"
	// EventStale and EventRecovered are the daemon's: a source's runs kept
	// failing, and a run archived its records again.
	EventStale     = "stale"
	EventRecovered = "recovered"
)

// Events lists every event, in the order documentation gives them.
var Events = []string{EventNewIncident, EventNewUpdate, EventEdited, EventDeleted, EventRestored, EventStale, EventRecovered}

// Root buckets of the outbox; doc.go describes them. They are created by
// the first write that needs them, so archives made before the outbox
// existed open unchanged.
const (
	bucketOutbox = "outbox"
	bucketDead   = "outbox_dead"
)

// maxLastError bounds the error a failed attempt leaves on an entry.
const maxLastError = 512

// Notification is one change to tell webhooks about, waiting in the
// archive's outbox until it is delivered. Ingest writes one for each new,
// changed, deleted or restored incident of a vendor run, in the same
// transaction as the change; Notify writes the daemon's own (stale,
// recovered).
type Notification struct {
	ID          uint64    `json:"id"` // the outbox key: only grows, never reused
	Event       string    `json:"event"`
	Source      string    `json:"source"`
	IncidentID  string    `json:"incident_id,omitempty"`
	Title       string    `json:"title,omitempty"`
	Version     int       `json:"version,omitempty"`
	PrevVersion int       `json:"prev_version,omitempty"`
	At          time.Time `json:"at"` // when the archive saw the change
	RunID       uint64    `json:"run,omitempty"`
	Failures    int       `json:"failures,omitempty"` // EventStale: failed runs in a row
	// Payload is the whole JSON body a webhook receives, rendered when the
	// notification was written, so that delivery reads nothing else.
	Payload json.RawMessage `json:"payload"`
	// Text is the short, Slack-compatible form: mrkdwn with &, < and >
	// escaped, scraped text made safe for a terminal.
	Text string `json:"text"`

	// Delivery state.
	Attempts    int       `json:"attempts,omitempty"`
	NextAttempt time.Time `json:"next_attempt,omitzero"` // zero: due now
	LastError   string    `json:"last_error,omitempty"`
	// Acked lists the webhooks (by key) that have acknowledged it, so that
	// a retry goes only to those that have not.
	Acked []string `json:"acked,omitempty"`
	// GaveUp is when delivery was abandoned; set only in the dead-letter
	// bucket.
	GaveUp time.Time `json:"gave_up,omitzero"`
}

// payload is the JSON body of a notification.
type payload struct {
	ID          uint64           `json:"id"`
	Event       string           `json:"event"`
	Source      string           `json:"source"`
	At          time.Time        `json:"at"`
	Run         uint64           `json:"run,omitempty"`
	Version     int              `json:"version,omitempty"`
	PrevVersion int              `json:"prev_version,omitempty"`
	Text        string           `json:"text"`
	Incident    *parser.Incident `json:"incident,omitempty"` // the new version; for a deletion, the last content
	Diff        any              `json:"diff,omitempty"`     // Announcement.Detail
	Failures    int              `json:"failures,omitempty"` // stale: failed runs in a row
}

// IncidentChange is a new version a vendor run gave an incident, with the
// version it follows (nil for a new incident): what an Announcer is asked
// about.
type IncidentChange struct {
	Source   string
	RunID    uint64
	At       time.Time // the archive's clock when the run was ingested
	Version  Version
	Previous *Version
}

// Announcement is what readers are told about an IncidentChange: the event
// (EventNewIncident …), the notification's short text, and a detail that
// the payload carries as "diff" (nil for none).
type Announcement struct {
	Event  string
	Text   string
	Detail any
}

// An Announcer decides what to tell readers about an incident's new
// version; ok is false when nothing a reader would see changed. Ingest
// calls it inside the run's transaction, so it must not touch the archive.
// archive/notify.Announce is statusarchive's; an archive opened without
// one queues no incident notifications.
type Announcer func(c IncidentChange) (a Announcement, ok bool)

// notify writes one outbox entry for each incident run created a version
// of. It writes nothing for a reparse, whose versions are our parser's
// doing, and nothing for the first good run of a source: that run is the
// baseline, and every incident in it would otherwise be "new". It runs in
// the run's transaction, before finish records the run as good.
func (w *writer) notify(run *Run, now time.Time) error {
	if w.announce == nil || run.Origin != OriginVendor || w.state.Info.FirstOKRun == 0 {
		return nil
	}
	n := len(run.NewIDs) + len(run.ChangedIDs) + len(run.RestoredIDs) + len(run.DeletedIDs)
	if n == 0 {
		return nil
	}
	out, err := createRoot(w.tx, bucketOutbox)
	if err != nil {
		return err
	}
	out.b.FillPercent = 0.9
	for _, ids := range [][]string{run.NewIDs, run.ChangedIDs, run.RestoredIDs, run.DeletedIDs} {
		for _, id := range ids {
			if err := w.notifyIncident(out, run, id, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// notifyIncident asks the announcer about the latest version of incident
// id and queues what it says, unless nothing a reader could see changed.
func (w *writer) notifyIncident(out bucket, run *Run, id string, now time.Time) error {
	ib := w.incidents.incident(id)
	var h head
	if _, err := w.head(ib, &h); err != nil {
		return err
	}
	stored, err := readVersion(ib, h.N)
	if err != nil {
		return err
	}
	cur := stored.Version
	cur.LastSeen = lastSeen(cur, nil, h)
	c := IncidentChange{Source: run.Source, RunID: run.ID, At: now, Version: cur}
	if p, ok := w.superseded[id]; ok && p.N == h.N-1 {
		c.Previous = &p
	} else if h.N > 1 {
		p, err := readVersionWith(ib, h.N-1, &stored)
		if err != nil {
			return err
		}
		p.LastSeen = lastSeen(p.Version, &stored, h)
		c.Previous = &p.Version
	}
	a, ok := w.announce(c)
	if !ok {
		return nil
	}
	n := Notification{
		Event: a.Event, Source: run.Source, IncidentID: id, Title: cur.Incident.Title,
		Version: cur.N, At: now, RunID: run.ID, Text: a.Text,
	}
	if c.Previous != nil {
		n.PrevVersion = c.Previous.N
	}
	inc := cur.Incident
	return queue(out, &n, payload{Incident: &inc, Diff: a.Detail})
}

// queue gives n the outbox's next id, renders its payload from p and
// stores it.
func queue(out bucket, n *Notification, p payload) error {
	id, err := out.b.NextSequence()
	if err != nil {
		return fmt.Errorf("next notification id: %w", err)
	}
	n.ID = id
	p.ID, p.Event, p.Source, p.At, p.Run = n.ID, n.Event, n.Source, n.At.UTC(), n.RunID
	p.Version, p.PrevVersion, p.Text, p.Failures = n.Version, n.PrevVersion, n.Text, n.Failures
	if n.Payload, err = json.Marshal(p); err != nil {
		return fmt.Errorf("encode notification %d: %w", id, err)
	}
	return out.put(seq(id), n)
}

// Notify queues a notification of the daemon's own (EventStale,
// EventRecovered) in a transaction of its own. It sets n.ID and, when
// n.Payload is empty, renders the payload from n's fields; a zero n.At
// is the archive's clock.
func (db *DB) Notify(ctx context.Context, n Notification) (Notification, error) {
	if err := ctx.Err(); err != nil {
		return n, fmt.Errorf("notify: %w", err)
	}
	if n.Event == "" || n.Source == "" {
		return n, fmt.Errorf("notify: %w: a notification needs an event and a source", ErrInvalidRun)
	}
	if n.At.IsZero() {
		n.At = db.now().UTC()
	}
	n.Attempts, n.NextAttempt, n.LastError, n.Acked, n.GaveUp = 0, time.Time{}, "", nil, time.Time{}
	err := db.update(func(tx *bbolt.Tx) error {
		out, err := createRoot(tx, bucketOutbox)
		if err != nil {
			return err
		}
		out.b.FillPercent = 0.9
		if len(n.Payload) == 0 {
			return queue(out, &n, payload{})
		}
		id, err := out.b.NextSequence()
		if err != nil {
			return fmt.Errorf("next notification id: %w", err)
		}
		n.ID = id
		return out.put(seq(id), n)
	})
	if err != nil {
		return n, fmt.Errorf("notify %s %s: %w", n.Event, n.Source, err)
	}
	return n, nil
}

// Outbox returns up to limit notifications due at now (NextAttempt not
// after it), oldest first; limit 0 means all of them.
func (db *DB) Outbox(ctx context.Context, now time.Time, limit int) ([]Notification, error) {
	var out []Notification
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		b := root(tx, bucketOutbox)
		if !b.exists() {
			return nil
		}
		c := b.b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if limit > 0 && len(out) == limit {
				return nil
			}
			var n Notification
			if err := b.decode(k, v, &n); err != nil {
				return err
			}
			if n.NextAttempt.After(now) {
				continue
			}
			out = append(out, n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the outbox: %w", err)
	}
	return out, nil
}

// Delivered removes notification id from the outbox: every webhook that
// wants it has acknowledged it. A notification already gone is not an
// error.
func (db *DB) Delivered(ctx context.Context, id uint64) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("mark notification %d delivered: %w", id, err)
	}
	err := db.update(func(tx *bbolt.Tx) error {
		b := root(tx, bucketOutbox)
		if !b.exists() {
			return nil
		}
		if err := b.b.Delete(seq(id)); err != nil {
			return fmt.Errorf("delete %s: %w", b.keyPath(seq(id)), err)
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("mark notification %d delivered: %w", id, err)
	}
	return nil
}

// Retry records a failed delivery attempt of notification id: one more
// attempt, its error, and when to try next. acked are the webhooks that
// did acknowledge it in this attempt; they are not sent it again.
func (db *DB) Retry(ctx context.Context, id uint64, cause error, next time.Time, acked ...string) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("retry notification %d: %w", id, err)
	}
	err := db.update(func(tx *bbolt.Tx) error {
		b := root(tx, bucketOutbox)
		var n Notification
		ok, err := b.get(seq(id), &n)
		if err != nil || !ok {
			return err // delivered meanwhile, or never queued: nothing to retry
		}
		n.Attempts++
		n.NextAttempt = next.UTC()
		n.LastError = ""
		if cause != nil {
			n.LastError = truncate(cause.Error(), maxLastError)
		}
		for _, a := range acked {
			if !slices.Contains(n.Acked, a) {
				n.Acked = append(n.Acked, a)
			}
		}
		return b.put(seq(id), n)
	})
	if err != nil {
		return fmt.Errorf("retry notification %d: %w", id, err)
	}
	return nil
}

// Abandon gives up on notification id: it moves from the outbox to the
// dead-letter bucket with its last error, where DeadLetters lists it. The
// dead-letter bucket keeps the latest Options.MaxDeadLetters.
func (db *DB) Abandon(ctx context.Context, id uint64, cause error) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("abandon notification %d: %w", id, err)
	}
	err := db.update(func(tx *bbolt.Tx) error {
		b := root(tx, bucketOutbox)
		var n Notification
		ok, err := b.get(seq(id), &n)
		if err != nil || !ok {
			return err
		}
		dead, err := createRoot(tx, bucketDead)
		if err != nil {
			return err
		}
		dead.b.FillPercent = 0.9
		n.GaveUp = db.now().UTC()
		if cause != nil {
			n.LastError = truncate(cause.Error(), maxLastError)
		}
		if err := dead.put(seq(id), n); err != nil {
			return err
		}
		if err := b.b.Delete(seq(id)); err != nil {
			return fmt.Errorf("delete %s: %w", b.keyPath(seq(id)), err)
		}
		return trimDead(dead, db.maxDead)
	})
	if err != nil {
		return fmt.Errorf("abandon notification %d: %w", id, err)
	}
	return nil
}

// trimDead drops the oldest dead letters beyond maxDead. It counts with a
// cursor: Bucket.Stats reads only committed pages and misses this
// transaction's writes.
func trimDead(dead bucket, maxDead int) error {
	c := dead.b.Cursor()
	n := 0
	for k, _ := c.First(); k != nil; k, _ = c.Next() {
		n++
	}
	for k, _ := c.First(); k != nil && n > maxDead; k, _ = c.First() {
		if err := c.Delete(); err != nil {
			return fmt.Errorf("delete %s: %w", dead.keyPath(k), err)
		}
		n--
	}
	return nil
}

// DeadLetters returns up to limit abandoned notifications, the latest
// first; limit 0 means all that are kept.
func (db *DB) DeadLetters(ctx context.Context, limit int) ([]Notification, error) {
	var out []Notification
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		b := root(tx, bucketDead)
		if !b.exists() {
			return nil
		}
		c := b.b.Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, v = c.Prev() {
			var n Notification
			if err := b.decode(k, v, &n); err != nil {
				return err
			}
			out = append(out, n)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the dead letters: %w", err)
	}
	return out, nil
}

// truncate cuts s to at most max bytes on a rune boundary.
func truncate(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}
