package stats

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/parser"
)

// at parses an RFC 3339 instant for test tables.
func at(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v.UTC()
}

// upd builds an update: "resolved 2026-06-22T18:01:00Z body".
func upd(t testing.TB, status parser.Status, when, body string) parser.Update {
	return parser.Update{Status: status, StatusRaw: string(status), At: parser.NewTime(at(t, when), ""), Body: body}
}

// incident builds an incident whose windows are read, as Parse reads them.
func incident(status parser.Status, ups ...parser.Update) parser.Incident {
	in := parser.Incident{Source: "test", ID: "x", Kind: parser.KindIncident, Title: "t", Status: status, Updates: ups}
	in.ReadWindows()
	return in
}

func TestSpanStatedWindow(t *testing.T) {
	tests := []struct {
		name      string
		in        parser.Incident
		wantStart string
		wantEnd   string
		wantText  string
	}{
		{
			// Seed, Jun 22 2026: the window is in the resolving post.
			name: "from-to with zone at both ends",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "We are investigating elevated error rates across our API."),
				upd(t, parser.StatusMonitoring, "2026-06-22T14:42:00Z", "Errors have since recovered and we're continuing to monitor."),
				upd(t, parser.StatusResolved, "2026-06-22T18:01:00Z", "From 13:35 UTC to 14:24 UTC users connecting through our Chicago (ORD) edge node may have experienced elevated API error rates."),
			),
			wantStart: "2026-06-22T13:35:00Z", wantEnd: "2026-06-22T14:24:00Z", wantText: "From 13:35 UTC to 14:24 UTC",
		},
		{
			// Seed, Jun 9 2026: a single update that states its window.
			name: "from-to with zone at the end only, single update",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusResolved, "2026-06-09T15:16:00Z", "From 8:58 to 10:02 UTC SSO endpoints experienced increased latency and intermittent timeouts."),
			),
			wantStart: "2026-06-09T08:58:00Z", wantEnd: "2026-06-09T10:02:00Z", wantText: "From 8:58 to 10:02 UTC",
		},
		{
			// Seed, posted Jun 5 00:49 UTC = Jun 4 17:49 PDT: the date is
			// the post's date in Pacific time.
			name: "12-hour PT range with en dash across UTC midnight",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusIdentified, "2026-06-04T23:22:00Z", "Email delivery for customers without custom domains is delayed."),
				upd(t, parser.StatusMonitoring, "2026-06-05T00:34:00Z", "Email delivery has recovered."),
				upd(t, parser.StatusResolved, "2026-06-05T00:49:00Z", "The backlog of messages have been sent. Sending delays occurred between 2:50pm – 5:18pm PT."),
			),
			wantStart: "2026-06-04T21:50:00Z", wantEnd: "2026-06-05T00:18:00Z", wantText: "between 2:50pm – 5:18pm PT",
		},
		{
			// Seed, Apr 20 2026: the window is in the first (identified) post.
			name: "between-and UTC in a non-resolving post",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusIdentified, "2026-04-20T19:16:00Z", "Between 14:40 and 14:53 UTC, SSO endpoints experienced increased latency and intermittent timeouts."),
				upd(t, parser.StatusResolved, "2026-04-20T19:17:00Z", "The issue has been resolved, and SSO login performance has returned to normal."),
			),
			wantStart: "2026-04-20T14:40:00Z", wantEnd: "2026-04-20T14:53:00Z", wantText: "Between 14:40 and 14:53 UTC",
		},
		{
			// Seed, Jan 27 2026 (PST, UTC-8): end only; the start is the
			// first post.
			name: "returned to normal at, end only, PST in winter",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-01-27T18:57:00Z", "We are seeing elevated error rates across our services."),
				upd(t, parser.StatusMonitoring, "2026-01-27T19:11:00Z", "Our upstream provider has identified the problem."),
				upd(t, parser.StatusMonitoring, "2026-01-27T19:35:00Z", "Error rates and latencies returned to normal at 11:02am PT, but we are continuing to monitor."),
				upd(t, parser.StatusResolved, "2026-01-27T19:42:00Z", "This incident has been resolved."),
			),
			wantStart: "2026-01-27T18:57:00Z", wantEnd: "2026-01-27T19:02:00Z", wantText: "returned to normal at 11:02am PT",
		},
		{
			name: "window rolled to the day before the post",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-06-09T23:20:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-06-10T00:30:00Z", "From 23:10 to 23:50 UTC requests failed."),
			),
			wantStart: "2026-06-09T23:10:00Z", wantEnd: "2026-06-09T23:50:00Z", wantText: "From 23:10 to 23:50 UTC",
		},
		{
			name: "window crossing midnight",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-06-09T23:50:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-06-10T01:00:00Z", "from 23:40 to 00:20 UTC requests failed."),
			),
			wantStart: "2026-06-09T23:40:00Z", wantEnd: "2026-06-10T00:20:00Z", wantText: "from 23:40 to 00:20 UTC",
		},
		{
			// Jul 1 is summer time: ET is EDT, UTC-4. "10:00" borrows "a.m.".
			name: "ET in summer with a.m. on the end only",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-07-01T14:20:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-07-01T16:00:00Z", "Between 10:00 and 11:30 a.m. ET some logins failed."),
			),
			wantStart: "2026-07-01T14:00:00Z", wantEnd: "2026-07-01T15:30:00Z", wantText: "Between 10:00 and 11:30 a.m. ET",
		},
		{
			// A named abbreviation fixes its own offset, as in the parser:
			// PDT written in winter is still UTC-7.
			name: "PDT named in winter is UTC-7",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-01-15T18:00:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-01-15T20:00:00Z", "From 9:40am to 10:20am PDT uploads failed."),
			),
			wantStart: "2026-01-15T16:40:00Z", wantEnd: "2026-01-15T17:20:00Z", wantText: "From 9:40am to 10:20am PDT",
		},
		{
			// And PST written in July is UTC-8, not Pacific summer time.
			name: "PST named in summer is UTC-8",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-07-15T18:00:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-07-15T20:00:00Z", "From 9:40am to 10:20am PST uploads failed."),
			),
			wantStart: "2026-07-15T17:40:00Z", wantEnd: "2026-07-15T18:20:00Z", wantText: "From 9:40am to 10:20am PST",
		},
		{
			// A capitalised word after the end clock is plain text when the
			// start names a known zone.
			name: "unknown word after a known zone is text",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-06-22T15:00:00Z", "From 13:35 UTC to 14:24 API calls failed."),
			),
			wantStart: "2026-06-22T13:35:00Z", wantEnd: "2026-06-22T14:24:00Z", wantText: "From 13:35 UTC to 14:24",
		},
		{
			name: "CET in winter",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-01-15T08:20:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-01-15T09:00:00Z", "From 09:15 to 09:45 CET payments were slow."),
			),
			wantStart: "2026-01-15T08:15:00Z", wantEnd: "2026-01-15T08:45:00Z", wantText: "From 09:15 to 09:45 CET",
		},
		{
			// A word after the end clock is not a zone unless it names one
			// or is written in capitals.
			name: "zone at the start only, a word after the end",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-06-22T15:00:00Z", "From 13:35 utc to 14:24 users saw errors."),
			),
			wantStart: "2026-06-22T13:35:00Z", wantEnd: "2026-06-22T14:24:00Z", wantText: "From 13:35 utc to 14:24",
		},
		{
			// A postmortem days later that writes the date: the date is
			// taken as written, not from the post.
			name: "date written before the window",
			in: incident(parser.StatusPostmortem,
				upd(t, parser.StatusInvestigating, "2026-07-30T18:50:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-07-30T21:10:00Z", "Resolved."),
				upd(t, parser.StatusPostmortem, "2026-08-02T10:00:00Z", "On July 30th, from 18:30 to 21:00 UTC, requests to the API failed."),
			),
			wantStart: "2026-07-30T18:30:00Z", wantEnd: "2026-07-30T21:00:00Z", wantText: "On July 30th, from 18:30 to 21:00 UTC",
		},
		{
			name: "ISO date written after the window",
			in: incident(parser.StatusPostmortem,
				upd(t, parser.StatusInvestigating, "2026-07-30T18:50:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-07-30T21:10:00Z", "Resolved."),
				upd(t, parser.StatusPostmortem, "2026-08-02T10:00:00Z", "Between 18:30 and 21:00 UTC on 2026-07-30 requests to the API failed."),
			),
			wantStart: "2026-07-30T18:30:00Z", wantEnd: "2026-07-30T21:00:00Z", wantText: "Between 18:30 and 21:00 UTC on 2026-07-30",
		},
		{
			// The resolving post's window is preferred to an earlier one.
			name: "resolving post preferred",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusMonitoring, "2026-03-03T12:00:00Z", "Between 10:00 and 10:30 UTC some requests failed."),
				upd(t, parser.StatusResolved, "2026-03-03T13:00:00Z", "Between 10:00 and 11:45 UTC requests failed."),
			),
			wantStart: "2026-03-03T10:00:00Z", wantEnd: "2026-03-03T11:45:00Z", wantText: "Between 10:00 and 11:45 UTC",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SpanOf(tt.in)
			if got.Source != SourceStatedWindow {
				t.Fatalf("SpanOf source = %q (rejected: %s), want %q", got.Source, got.Rejected, SourceStatedWindow)
			}
			if !got.Start.Equal(at(t, tt.wantStart)) || !got.End.Equal(at(t, tt.wantEnd)) {
				t.Errorf("SpanOf window = %s – %s, want %s – %s", stamp(got.Start), stamp(got.End), tt.wantStart, tt.wantEnd)
			}
			if got.Text != tt.wantText {
				t.Errorf("SpanOf text = %q, want %q", got.Text, tt.wantText)
			}
			if want := at(t, tt.wantEnd).Sub(at(t, tt.wantStart)); got.Duration != want {
				t.Errorf("SpanOf duration = %v, want %v", got.Duration, want)
			}
			if got.Start.Location() != time.UTC || got.End.Location() != time.UTC {
				t.Errorf("SpanOf times not in UTC: %v, %v", got.Start, got.End)
			}
			if got.Open {
				t.Errorf("SpanOf open = true, want false")
			}
		})
	}
}

func TestSpanRejectsWindows(t *testing.T) {
	tests := []struct {
		name       string
		in         parser.Incident
		wantSource DurationSource
		wantStart  string
		wantEnd    string
		wantReason string // a part of Rejected; "" means nothing was found
	}{
		{
			name: "no zone",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-06-22T15:00:00Z", "From 13:35 to 14:24 errors were elevated."),
			),
			wantSource: SourceUpdates, wantStart: "2026-06-22T14:03:00Z", wantEnd: "2026-06-22T15:00:00Z",
			wantReason: "no time zone stated",
		},
		{
			name: "unknown zone is not guessed",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-06-22T15:00:00Z", "From 13:35 IST to 14:24 IST errors were elevated."),
			),
			wantSource: SourceUpdates, wantStart: "2026-06-22T14:03:00Z", wantEnd: "2026-06-22T15:00:00Z",
			wantReason: `unknown time zone "IST"`,
		},
		{
			// With no known zone at either end an unknown word is refused.
			name: "unknown word with no known zone",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-06-22T15:00:00Z", "From 13:35 to 14:24 API calls failed."),
			),
			wantSource: SourceUpdates, wantStart: "2026-06-22T14:03:00Z", wantEnd: "2026-06-22T15:00:00Z",
			wantReason: `unknown time zone "API"`,
		},
		{
			name: "end before start",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-06-22T18:00:00Z", "From 14:24 UTC to 13:35 UTC errors were elevated."),
			),
			wantSource: SourceUpdates, wantStart: "2026-06-22T14:03:00Z", wantEnd: "2026-06-22T18:00:00Z",
			wantReason: "ends before it starts",
		},
		{
			name: "longer than the timeline allows",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-06-22T23:30:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-06-22T23:40:00Z", "From 01:00 to 23:00 UTC errors were elevated."),
			),
			wantSource: SourceUpdates, wantStart: "2026-06-22T23:30:00Z", wantEnd: "2026-06-22T23:40:00Z",
			wantReason: "longer than the timeline",
		},
		{
			// A postmortem two days on: its own date puts the window after
			// the incident was resolved. The postmortem does not extend the
			// updates' span either.
			name: "ends after the resolving post",
			in: incident(parser.StatusPostmortem,
				upd(t, parser.StatusInvestigating, "2026-06-22T13:50:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-06-22T14:00:00Z", "Resolved."),
				upd(t, parser.StatusPostmortem, "2026-06-24T10:00:00Z", "From 13:35 UTC to 14:24 UTC errors were elevated."),
			),
			wantSource: SourceUpdates, wantStart: "2026-06-22T13:50:00Z", wantEnd: "2026-06-22T14:00:00Z",
			wantReason: "after the incident was resolved",
		},
		{
			name: "end only, before the first post",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-01-27T18:57:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-01-27T19:42:00Z", "Error rates returned to normal at 9:00am PT."),
			),
			wantSource: SourceUpdates, wantStart: "2026-01-27T18:57:00Z", wantEnd: "2026-01-27T19:42:00Z",
			wantReason: "not after the incident's start",
		},
		{
			// Without the date the window would be read as Aug 1.
			name: "postmortem without a date",
			in: incident(parser.StatusPostmortem,
				upd(t, parser.StatusInvestigating, "2026-07-30T18:50:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-07-30T21:10:00Z", "Resolved."),
				upd(t, parser.StatusPostmortem, "2026-08-02T10:00:00Z", "From 18:30 to 21:00 UTC requests to the API failed."),
			),
			wantSource: SourceUpdates, wantStart: "2026-07-30T18:50:00Z", wantEnd: "2026-07-30T21:10:00Z",
			wantReason: "after the incident was resolved",
		},
		{
			// Cloudflare's maintenance notices: a scheduled post states a
			// plan, not what happened, and is not read.
			name: "scheduled posts are plans",
			in: func() parser.Incident {
				in := incident(parser.StatusCompleted,
					upd(t, parser.StatusScheduled, "2026-07-29T18:20:00Z", "We will be performing scheduled maintenance in WLG (Wellington) datacenter on 2026-07-29 between 18:30 and 21:00 UTC."),
					upd(t, parser.StatusInProgress, "2026-07-29T18:30:00Z", "Scheduled maintenance is currently in progress."),
					upd(t, parser.StatusCompleted, "2026-07-29T20:40:00Z", "The scheduled maintenance has been completed."),
				)
				in.Kind = parser.KindMaintenance
				return in
			}(),
			wantSource: SourceUpdates, wantStart: "2026-07-29T18:20:00Z", wantEnd: "2026-07-29T20:40:00Z",
		},
		{
			name: "no such hour",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "Investigating."),
				upd(t, parser.StatusResolved, "2026-06-22T18:00:00Z", "From 13:35pm to 14:24pm UTC errors were elevated."),
			),
			wantSource: SourceUpdates, wantStart: "2026-06-22T14:03:00Z", wantEnd: "2026-06-22T18:00:00Z",
			wantReason: "no such time of day",
		},
		{
			name: "counts are not clocks",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "Retries went from 2 to 5 UTC-wide."),
				upd(t, parser.StatusResolved, "2026-06-22T18:00:00Z", "Between 3 and 4 regions were affected."),
			),
			wantSource: SourceUpdates, wantStart: "2026-06-22T14:03:00Z", wantEnd: "2026-06-22T18:00:00Z",
		},
		{
			name: "started and resolved fields",
			in: func() parser.Incident {
				in := incident(parser.StatusResolved,
					upd(t, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "Investigating."),
					upd(t, parser.StatusResolved, "2026-06-22T18:00:00Z", "Resolved."),
				)
				in.Started = parser.NewTime(at(t, "2026-06-22T13:00:00Z"), "")
				in.Resolved = parser.NewTime(at(t, "2026-06-22T17:00:00Z"), "")
				return in
			}(),
			wantSource: SourceStartedResolved, wantStart: "2026-06-22T13:00:00Z", wantEnd: "2026-06-22T17:00:00Z",
		},
		{
			name: "resolved before started falls back to updates",
			in: func() parser.Incident {
				in := incident(parser.StatusResolved,
					upd(t, parser.StatusInvestigating, "2026-08-04T10:00:00Z", "Investigating."),
					upd(t, parser.StatusResolved, "2026-08-04T11:00:00Z", "Resolved."),
				)
				in.Started = parser.NewTime(at(t, "2026-08-04T10:00:00Z"), "")
				in.Resolved = parser.NewTime(at(t, "2026-08-03T10:00:00Z"), "")
				return in
			}(),
			wantSource: SourceUpdates, wantStart: "2026-08-04T10:00:00Z", wantEnd: "2026-08-04T11:00:00Z",
			wantReason: "before started",
		},
		{
			name: "single update has no duration",
			in: incident(parser.StatusResolved,
				upd(t, parser.StatusResolved, "2026-05-14T15:12:00Z", "This issue is now resolved."),
			),
			wantSource: SourceNone, wantStart: "2026-05-14T15:12:00Z",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SpanOf(tt.in)
			if got.Source != tt.wantSource {
				t.Fatalf("SpanOf source = %q (rejected: %q), want %q", got.Source, got.Rejected, tt.wantSource)
			}
			if !got.Start.Equal(at(t, tt.wantStart)) {
				t.Errorf("SpanOf start = %s, want %s", stamp(got.Start), tt.wantStart)
			}
			if tt.wantEnd == "" {
				if !got.End.IsZero() || got.Duration != 0 || got.HasDuration() {
					t.Errorf("SpanOf = end %v duration %v, want no duration", got.End, got.Duration)
				}
			} else if !got.End.Equal(at(t, tt.wantEnd)) {
				t.Errorf("SpanOf end = %s, want %s", stamp(got.End), tt.wantEnd)
			}
			switch {
			case tt.wantReason == "" && got.Rejected != "":
				t.Errorf("SpanOf rejected = %q, want nothing found", got.Rejected)
			case !strings.Contains(got.Rejected, tt.wantReason):
				t.Errorf("SpanOf rejected = %q, want it to say %q", got.Rejected, tt.wantReason)
			}
		})
	}
}

func TestSpanOpen(t *testing.T) {
	tests := []struct {
		name       string
		in         parser.Incident
		wantOpen   bool
		wantSource DurationSource
	}{
		{
			name: "monitoring, nothing stated",
			in: incident(parser.StatusMonitoring,
				upd(t, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "Investigating."),
				upd(t, parser.StatusMonitoring, "2026-06-22T15:00:00Z", "A fix is out."),
			),
			wantOpen: true, wantSource: SourceUpdates,
		},
		{
			name: "status unknown, latest update investigating",
			in: incident(parser.StatusUnknown,
				upd(t, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "Investigating."),
			),
			wantOpen: true, wantSource: SourceUpdates,
		},
		{
			// Still monitoring, but the vendor says when the impact ended.
			name: "monitoring with a stated window is over",
			in: incident(parser.StatusMonitoring,
				upd(t, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "Investigating."),
				upd(t, parser.StatusMonitoring, "2026-06-22T15:00:00Z", "From 13:55 to 14:40 UTC requests failed; we keep monitoring."),
			),
			wantOpen: false, wantSource: SourceStatedWindow,
		},
		{
			name: "a resolved time without a resolved update",
			in: func() parser.Incident {
				in := incident(parser.StatusUnknown,
					upd(t, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "Investigating."),
				)
				in.Resolved = parser.NewTime(at(t, "2026-06-22T16:00:00Z"), "")
				return in
			}(),
			wantOpen: false, wantSource: SourceUpdates,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SpanOf(tt.in)
			if got.Open != tt.wantOpen || got.Source != tt.wantSource {
				t.Errorf("SpanOf = open %v source %q, want open %v source %q", got.Open, got.Source, tt.wantOpen, tt.wantSource)
			}
			if got.Open && (!got.End.IsZero() || got.Duration != 0) {
				t.Errorf("SpanOf open span has end %v duration %v, want none", got.End, got.Duration)
			}
		})
	}
}

// BenchmarkSpanOf measures a three-update incident whose resolving post
// states its window (the costly case: every expression runs).
func BenchmarkSpanOf(b *testing.B) {
	in := incident(parser.StatusResolved,
		upd(b, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "We are investigating elevated error rates across our API."),
		upd(b, parser.StatusMonitoring, "2026-06-22T14:42:00Z", "Errors have since recovered and we're continuing to monitor."),
		upd(b, parser.StatusResolved, "2026-06-22T18:01:00Z", "From 13:35 UTC to 14:24 UTC users connecting through our Chicago (ORD) edge node may have experienced elevated API error rates."),
	)
	for b.Loop() {
		if sp := SpanOf(in); sp.Source != SourceStatedWindow {
			b.Fatalf("SpanOf source = %q, want stated-window", sp.Source)
		}
	}
}

// TestSpanStatedInContext: issue 12's cases. Windows are read in context
// by the parser (parser.TestStatedWindows); here, what SpanOf makes of them.
func TestSpanStatedInContext(t *testing.T) {
	tests := []struct {
		name         string
		in           parser.Incident
		wantSource   DurationSource
		wantStart    string
		wantEnd      string
		wantReason   string // a part of Rejected
		disagreement bool
	}{
		{
			// A post at 2011-01-24 19:14 UTC announcing maintenance
			// "tonight from 22:00 - 22:20 PST" (Jan 25 06:00-06:20 UTC):
			// a plan, never what happened.
			name: "announced window is a plan",
			in: func() parser.Incident {
				in := incident(parser.StatusCompleted,
					upd(t, parser.StatusUnknown, "2011-01-24T19:14:00Z", "We will be performing maintenance tonight from 22:00 - 22:20 PST."),
					upd(t, parser.StatusCompleted, "2011-01-25T06:25:00Z", "The maintenance is complete."),
				)
				in.Kind = parser.KindMaintenance
				return in
			}(),
			wantSource: SourceUpdates, wantStart: "2011-01-24T19:14:00Z", wantEnd: "2011-01-25T06:25:00Z",
			wantReason: "announced ahead",
		},
		{
			// The API dates the incident 13:33-19:00; a sentence about a
			// backfill is not its span.
			name: "window far from the started and resolved fields",
			in: func() parser.Incident {
				in := incident(parser.StatusResolved,
					upd(t, parser.StatusInvestigating, "2026-05-12T13:33:00Z", "We are investigating delayed metrics."),
					upd(t, parser.StatusIdentified, "2026-05-12T16:10:00Z", "We are backfilling from 13:30 to 13:55 UTC first."),
					upd(t, parser.StatusMonitoring, "2026-05-12T18:20:00Z", "Metrics are current; monitoring."),
					upd(t, parser.StatusResolved, "2026-05-12T19:00:00Z", "Resolved."),
				)
				in.Started = parser.NewTime(at(t, "2026-05-12T13:33:00Z"), "")
				in.Resolved = parser.NewTime(at(t, "2026-05-12T19:00:00Z"), "")
				return in
			}(),
			wantSource: SourceStartedResolved, wantStart: "2026-05-12T13:33:00Z", wantEnd: "2026-05-12T19:00:00Z",
			wantReason: "disagrees by more than 1h0m0s", disagreement: true,
		},
		{
			// The fields are the first and resolving posts; the window ends
			// where the monitoring post reports recovery: it agrees.
			name: "window near the first post reporting recovery",
			in: func() parser.Incident {
				in := incident(parser.StatusResolved,
					upd(t, parser.StatusInvestigating, "2026-06-22T14:03:00Z", "We are investigating elevated error rates."),
					upd(t, parser.StatusMonitoring, "2026-06-22T14:42:00Z", "Errors have since recovered."),
					upd(t, parser.StatusResolved, "2026-06-22T18:01:00Z", "From 13:35 UTC to 14:24 UTC users saw errors."),
				)
				in.Started = parser.NewTime(at(t, "2026-06-22T14:03:00Z"), "")
				in.Resolved = parser.NewTime(at(t, "2026-06-22T18:01:00Z"), "")
				return in
			}(),
			wantSource: SourceStatedWindow, wantStart: "2026-06-22T13:35:00Z", wantEnd: "2026-06-22T14:24:00Z",
		},
		{
			// Starting well after the started field: another part of the
			// incident.
			name: "window starting well after the started field",
			in: func() parser.Incident {
				in := incident(parser.StatusResolved,
					upd(t, parser.StatusInvestigating, "2026-06-22T10:00:00Z", "Investigating."),
					upd(t, parser.StatusResolved, "2026-06-22T14:30:00Z", "Between 14:00 and 14:25 UTC a second wave of errors hit EU users."),
				)
				in.Started = parser.NewTime(at(t, "2026-06-22T10:00:00Z"), "")
				in.Resolved = parser.NewTime(at(t, "2026-06-22T14:30:00Z"), "")
				return in
			}(),
			wantSource: SourceStartedResolved, wantStart: "2026-06-22T10:00:00Z", wantEnd: "2026-06-22T14:30:00Z",
			wantReason: "disagrees", disagreement: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SpanOf(tt.in)
			if got.Source != tt.wantSource || !got.Start.Equal(at(t, tt.wantStart)) || !got.End.Equal(at(t, tt.wantEnd)) {
				t.Errorf("SpanOf = %s %s – %s (rejected %q), want %s %s – %s", got.Source, stamp(got.Start), stamp(got.End), got.Rejected, tt.wantSource, tt.wantStart, tt.wantEnd)
			}
			if !strings.Contains(got.Rejected, tt.wantReason) {
				t.Errorf("Rejected = %q, want it to contain %q", got.Rejected, tt.wantReason)
			}
			if (got.Disagreement != "") != tt.disagreement {
				t.Errorf("Disagreement = %q, want set %v", got.Disagreement, tt.disagreement)
			}
		})
	}
	// Compute reports the set-aside window.
	rep, err := Compute(slices.Values([]parser.Incident{tests[1].in, tests[2].in}), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := rep.Sources[0].Disagreements; got != 1 {
		t.Errorf("Disagreements = %d, want 1", got)
	}
}
