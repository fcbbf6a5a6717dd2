package archive_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/archivetest"
	"github.com/statusarchive/statusarchive/archive/notify"
	"github.com/statusarchive/statusarchive/parser"
)

// outbox returns every queued notification as "event id vN" strings.
func outbox(t *testing.T, db *archive.DB) []string {
	t.Helper()
	ns, err := db.Outbox(context.Background(), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC), 0)
	if err != nil {
		t.Fatalf("Outbox: %v", err)
	}
	var out []string
	for _, n := range ns {
		out = append(out, n.Event+" "+n.IncidentID+" v"+strconv.Itoa(n.Version))
	}
	return out
}

// TestOutboxPerRun walks one source through the runs that do and do not
// queue notifications, checking the outbox after each.
func TestOutboxPerRun(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	base := history(3)
	edited := slices.Clone(base)
	edited[1].Impact = parser.ImpactMajor
	updated := slices.Clone(edited)
	updated[2].Updates = append(slices.Clone(updated[2].Updates), parser.Update{
		Status: parser.StatusPostmortem, StatusRaw: "Postmortem", Body: "A <b>config</b> push & a rollback.",
		At: parser.NewTime(t0.Add(-time.Hour), ""),
	})
	withNew := append(slices.Clone(updated), incident("inc-new", 2))
	withoutNewest := slices.DeleteFunc(slices.Clone(withNew), func(in parser.Incident) bool { return in.ID == "inc-new" })

	steps := []struct {
		name     string
		in       archive.RunInput
		records  []parser.Incident
		wantErr  error
		want     []string // the whole outbox after the step
		deliver  bool     // mark everything delivered after checking
		reparsed bool
	}{
		{name: "baseline", in: scrape(true, "p1"), records: base, want: nil},
		{name: "unchanged", in: scrape(true, "p1"), records: base, want: nil},
		{name: "impact edited", in: scrape(true, "p2"), records: edited, want: []string{"edited inc-001 v2"}, deliver: true},
		{name: "update added", in: scrape(true, "p3"), records: updated, want: []string{"new_update inc-002 v2"}, deliver: true},
		{name: "incident added", in: scrape(true, "p4"), records: withNew, want: []string{"new_incident inc-new v1"}, deliver: true},
		{name: "refused as suspect", in: scrape(true, "p5"), records: nil, wantErr: archive.ErrSuspect, want: nil},
		{name: "incident deleted", in: scrape(true, "p6"), records: withoutNewest, want: []string{"deleted inc-new v2"}},
		{name: "incident restored", in: scrape(true, "p7"), records: withNew, want: []string{"deleted inc-new v2", "restored inc-new v3"}, deliver: true},
		{name: "partial run", in: func() archive.RunInput { in := scrape(false, "p8"); in.Failures = []string{"page 2: 500"}; return in }(),
			records: withoutNewest, want: nil},
		{name: "reparse", reparsed: true, want: nil},
	}
	for _, step := range steps {
		clock.Advance(15 * time.Minute)
		if step.reparsed {
			_, err := db.Reparse(ctx, src, func(doc parser.Document, _ parser.Format) (*parser.Page, error) {
				out := slices.Clone(withNew)
				out[0].Title = "Re-read title"
				return &parser.Page{URL: doc.URL, Incidents: out}, nil
			})
			if err != nil {
				t.Fatalf("%s: Reparse: %v", step.name, err)
			}
		} else {
			_, err := db.Ingest(ctx, step.in, step.records)
			if !errors.Is(err, step.wantErr) {
				t.Fatalf("%s: Ingest = %v, want %v", step.name, err, step.wantErr)
			}
		}
		if got := outbox(t, db); !slices.Equal(got, step.want) {
			t.Errorf("%s: outbox = %q, want %q", step.name, got, step.want)
		}
		if step.deliver {
			ns, err := db.Outbox(ctx, clock.Now(), 0)
			if err != nil {
				t.Fatal(err)
			}
			for _, n := range ns {
				if err := db.Delivered(ctx, n.ID); err != nil {
					t.Fatal(err)
				}
			}
		}
	}
	rec := mustRecord(t, db, "inc-000")
	if rec.Latest().Origin != archive.OriginParser {
		t.Errorf("inc-000's latest origin = %s, want parser: the reparse step changed nothing", rec.Latest().Origin)
	}
}

// TestOutboxPayload checks what one notification carries: its payload is
// the JSON a webhook gets, with the id and event, and its text is short,
// escaped for Slack and links the incident.
func TestOutboxPayload(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	mustIngest(t, db, scrape(true, "p1"), history(2))
	clock.Advance(time.Hour)
	inc := incident("inc-new", 3, "Errors <script>alert(1)</script> & \x1b[2Jtimeouts in eu-west. "+strings.Repeat("More detail. ", 60))
	inc.Impact, inc.Status = parser.ImpactMajor, parser.StatusInvestigating
	run := mustIngest(t, db, scrape(true, "p2"), append(history(2), inc))

	ns, err := db.Outbox(ctx, clock.Now(), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(ns) != 1 {
		t.Fatalf("outbox has %d notifications, want 1", len(ns))
	}
	n := ns[0]
	if n.Event != archive.EventNewIncident || n.Source != src || n.IncidentID != "inc-new" || n.Version != 1 || n.RunID != run.ID || !n.At.Equal(clock.Now()) {
		t.Errorf("notification = %+v, want new_incident acme/inc-new v1 of run %d at %s", n, run.ID, clock.Now())
	}
	var body struct {
		ID       uint64          `json:"id"`
		Event    string          `json:"event"`
		Source   string          `json:"source"`
		Run      uint64          `json:"run"`
		Version  int             `json:"version"`
		Text     string          `json:"text"`
		Incident parser.Incident `json:"incident"`
	}
	if err := json.Unmarshal(n.Payload, &body); err != nil {
		t.Fatalf("payload %s: %v", n.Payload, err)
	}
	if body.ID != n.ID || body.Event != n.Event || body.Source != src || body.Run != run.ID || body.Version != 1 ||
		body.Text != n.Text || body.Incident.ID != "inc-new" || body.Incident.Title != inc.Title {
		t.Errorf("payload = %s, want the notification's id %d, event, run, version, text and incident", n.Payload, n.ID)
	}
	for _, want := range []string{"[acme] New incident: *Elevated errors on inc-new* (major, investigating)",
		"&lt;script&gt;", "&amp;", `\x1b[2J`, "<https://status.acme.example/incidents/inc-new|View incident>"} {
		if !strings.Contains(n.Text, want) {
			t.Errorf("text %q does not contain %q", n.Text, want)
		}
	}
	if strings.Contains(n.Text, "<script>") || strings.Contains(n.Text, "\x1b") {
		t.Errorf("text %q carries markup or an escape unescaped", n.Text)
	}
	if len([]rune(n.Text)) > 500 {
		t.Errorf("text is %d runes, want the update cut to about 300", len([]rune(n.Text)))
	}
}

// TestOutboxDelivery checks the delivery calls: Retry postpones and
// counts, keeps what was acknowledged; Delivered removes; Abandon moves to
// the dead letters; Notify queues a daemon event; all of it survives
// closing and reopening the file, which stays clean.
func TestOutboxDelivery(t *testing.T) {
	clock := archivetest.NewClock(t0)
	db := archivetest.MustOpenWith(t, archive.Options{Now: clock.Now, Logger: archivetest.TestLogger(t)})
	ctx := context.Background()
	mustIngest(t, db, scrape(true, "p1"), history(1))
	clock.Advance(time.Hour)
	mustIngest(t, db, scrape(true, "p2"), history(3))
	stale, err := db.Notify(ctx, archive.Notification{Event: archive.EventStale, Source: src, Failures: 3,
		Text: notify.StatusText(archive.EventStale, src, 3)})
	if err != nil {
		t.Fatal(err)
	}
	all := outbox(t, db)
	if want := []string{"new_incident inc-001 v1", "new_incident inc-002 v1", "stale  v0"}; !slices.Equal(all, want) {
		t.Fatalf("outbox = %q, want %q", all, want)
	}
	var staleBody struct {
		ID       uint64 `json:"id"`
		Event    string `json:"event"`
		Failures int    `json:"failures"`
	}
	if err := json.Unmarshal(stale.Payload, &staleBody); err != nil || staleBody.ID != stale.ID || staleBody.Event != "stale" || staleBody.Failures != 3 {
		t.Errorf("stale payload = %s (%v), want id %d, event stale, failures 3", stale.Payload, err, stale.ID)
	}

	now := clock.Now()
	due, err := db.Outbox(ctx, now, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(due) != 2 || due[0].ID >= due[1].ID {
		t.Fatalf("Outbox(limit 2) = %d entries, want the 2 oldest in order", len(due))
	}
	first, second := due[0], due[1]
	if err := db.Retry(ctx, first.ID, errors.New("webhook answered 500"), now.Add(time.Minute), "hookA"); err != nil {
		t.Fatal(err)
	}
	if err := db.Retry(ctx, first.ID, errors.New("webhook answered 503"), now.Add(2*time.Minute), "hookA", "hookB"); err != nil {
		t.Fatal(err)
	}
	if err := db.Delivered(ctx, second.ID); err != nil {
		t.Fatal(err)
	}
	if err := db.Delivered(ctx, second.ID); err != nil {
		t.Errorf("Delivered twice = %v, want nil", err)
	}
	if err := db.Abandon(ctx, stale.ID, errors.New("gave up after 24h")); err != nil {
		t.Fatal(err)
	}

	// Reopen: nothing is kept in memory.
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db, err = archive.Open(db.Path(), archive.Options{Strict: true, Now: clock.Now, Logger: archivetest.TestLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if got, err := db.Outbox(ctx, now.Add(time.Minute), 0); err != nil || len(got) != 0 {
		t.Errorf("Outbox before the retry is due = %d entries (%v), want 0", len(got), err)
	}
	got, err := db.Outbox(ctx, now.Add(2*time.Minute), 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != first.ID || got[0].Attempts != 2 || got[0].LastError != "webhook answered 503" ||
		!slices.Equal(got[0].Acked, []string{"hookA", "hookB"}) {
		t.Errorf("after two retries: %+v, want id %d, 2 attempts, the last error, acked [hookA hookB]", got, first.ID)
	}
	dead, err := db.DeadLetters(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(dead) != 1 || dead[0].ID != stale.ID || dead[0].LastError != "gave up after 24h" || dead[0].GaveUp.IsZero() {
		t.Errorf("dead letters = %+v, want the stale notification with its error", dead)
	}
	if err := db.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}

	// Ids only grow, also after the entries are gone.
	if err := db.Delivered(ctx, first.ID); err != nil {
		t.Fatal(err)
	}
	next, err := db.Notify(ctx, archive.Notification{Event: archive.EventRecovered, Source: src})
	if err != nil {
		t.Fatal(err)
	}
	if next.ID <= stale.ID {
		t.Errorf("next id = %d, want above %d: ids are delivery keys and are never reused", next.ID, stale.ID)
	}
}

// TestAbandonKeepsLatestDead abandons two notifications more than the
// dead-letter bucket keeps: the oldest two go, and Abandon returns.
func TestAbandonKeepsLatestDead(t *testing.T) {
	const keep = 3
	db := archivetest.MustOpenWith(t, archive.Options{Now: archivetest.NewClock(t0).Now, Logger: archivetest.TestLogger(t), MaxDeadLetters: keep})
	ctx := context.Background()
	var ids []uint64
	for range keep + 2 {
		n, err := db.Notify(ctx, archive.Notification{Event: archive.EventStale, Source: src})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Abandon(ctx, n.ID, errors.New("gave up")); err != nil {
			t.Fatalf("Abandon(%d): %v", n.ID, err)
		}
		ids = append(ids, n.ID)
	}
	dead, err := db.DeadLetters(ctx, 0)
	if err != nil {
		t.Fatal(err)
	}
	var got []uint64
	for _, n := range dead {
		got = append(got, n.ID)
	}
	want := slices.Clone(ids[2:])
	slices.Reverse(want)
	if !slices.Equal(got, want) {
		t.Errorf("dead letters = %v, want the latest %d, newest first: %v", got, keep, want)
	}
	if err := db.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// TestNotifyRefusesEmpty: a daemon notification needs an event.
func TestNotifyRefusesEmpty(t *testing.T) {
	db, _ := open(t)
	if _, err := db.Notify(context.Background(), archive.Notification{Source: src}); !errors.Is(err, archive.ErrInvalidRun) {
		t.Errorf("Notify without an event = %v, want ErrInvalidRun", err)
	}
}

// BenchmarkEditRun ingests runs in which every one of 200 incidents
// changes its impact, as the vendor (one notification each, classified
// against the previous version in the same transaction) and as a reparse
// (no notification): the difference is the outbox's cost.
func BenchmarkEditRun(b *testing.B) {
	for _, origin := range []archive.Origin{archive.OriginVendor, archive.OriginParser} {
		b.Run(string(origin), func(b *testing.B) {
			clock := archivetest.NewClock(t0)
			db := archivetest.MustOpenWith(b, archive.Options{Now: clock.Now, Logger: quiet()})
			ctx := context.Background()
			base := history(200)
			mustIngest(b, db, scrape(true, "p0"), base)
			impacts := []parser.Impact{parser.ImpactMajor, parser.ImpactMinor}
			b.ResetTimer()
			for i := range b.N {
				clock.Advance(time.Minute)
				edited := slices.Clone(base)
				for j := range edited {
					edited[j].Impact = impacts[i%2]
				}
				in := scrape(false, "p0")
				in.Origin = origin
				mustIngest(b, db, in, edited)
			}
			b.StopTimer()
			ns, err := db.Outbox(ctx, clock.Now(), 0)
			if err != nil {
				b.Fatal(err)
			}
			if origin == archive.OriginVendor {
				size := 0
				for _, n := range ns {
					size += len(n.Payload) + len(n.Text)
				}
				if len(ns) != 200*b.N {
					b.Fatalf("%d notifications after %d runs of 200 edits, want %d", len(ns), b.N, 200*b.N)
				}
				b.ReportMetric(float64(size)/float64(len(ns)), "payload+text-B/notification")
			} else if len(ns) != 0 {
				b.Fatalf("%d notifications after reparse runs, want 0", len(ns))
			}
		})
	}
}
