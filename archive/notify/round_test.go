package notify_test

import (
	"context"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/archivetest"
	"github.com/statusarchive/statusarchive/archive/notify"
)

// TestRound runs delivery rounds over a real archive's outbox: a webhook
// that refuses is retried later and only the refused notification stays;
// a notification older than MaxAge is dead-lettered unsent; an accepted one
// leaves the outbox.
func TestRound(t *testing.T) {
	clock := archivetest.NewClock(t0)
	db := archivetest.MustOpenWith(t, archive.Options{Now: clock.Now, Logger: archivetest.TestLogger(t)})
	ctx := context.Background()
	lend := func(fn func(*archive.DB) error) error { return fn(db) }
	queue := func(source string, at time.Time) archive.Notification {
		t.Helper()
		n, err := db.Notify(ctx, archive.Notification{Event: archive.EventStale, Source: source, At: at,
			Text: notify.StatusText(archive.EventStale, source, 3)})
		if err != nil {
			t.Fatal(err)
		}
		return n
	}
	old := queue("old", t0.Add(-48*time.Hour))
	retried := queue("retried", t0)
	accepted := queue("accepted", t0)

	// The first round: "old" is abandoned unsent; "retried" gets the 503,
	// "accepted" the 200.
	hook := newReceiver(t, 503)
	r := notify.Round{Sender: sender(t, notify.Webhook{URL: hook.srv.URL}), Backoff: notify.Backoff{First: time.Minute, Max: time.Hour, MaxAge: 24 * time.Hour},
		Batch: 2, Now: clock.Now, Logger: archivetest.TestLogger(t)}
	next, err := r.Run(ctx, lend)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	reqs, _ := hook.got()
	if len(reqs) != 2 {
		t.Errorf("the round made %d requests, want 2 (the expired one is not posted)", len(reqs))
	}
	left, err := db.Outbox(ctx, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) != 1 || left[0].ID != retried.ID || left[0].Attempts != 1 || left[0].LastError == "" {
		t.Fatalf("outbox after the round = %+v, want only notification %d with one failed attempt (%d was accepted)", left, retried.ID, accepted.ID)
	}
	if !next.Equal(left[0].NextAttempt) || !next.After(clock.Now()) {
		t.Errorf("next = %s, want the retry's due time %s, after now", next, left[0].NextAttempt)
	}
	dead, err := db.DeadLetters(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].ID != old.ID {
		t.Errorf("dead letters = %+v, want only notification %d", dead, old.ID)
	}

	// Not due yet: nothing is posted. Due: delivered, the outbox is empty.
	if _, err := r.Run(ctx, lend); err != nil {
		t.Fatal(err)
	}
	if reqs, _ := hook.got(); len(reqs) != 2 {
		t.Errorf("a round before the retry is due made %d requests in all, want still 2", len(reqs))
	}
	clock.Advance(2 * time.Hour)
	next, err = r.Run(ctx, lend)
	if err != nil {
		t.Fatal(err)
	}
	left, _ = db.Outbox(ctx, time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	if len(left) != 0 || !next.IsZero() {
		t.Errorf("outbox after the retry = %+v, next %s; want empty and zero", left, next)
	}
}
