package parser

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"
)

func mustUTC(t testing.TB, s string) time.Time {
	t.Helper()
	if s == "" {
		return time.Time{}
	}
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v.UTC()
}

func TestStatedWindows(t *testing.T) {
	tests := []struct {
		name    string
		posted  string
		status  Status
		body    string
		want    []Window // times as RFC 3339 in Start/End via the helper below
		start   []string
		end     []string
		problem []string
	}{
		{
			name: "from-to with zone at both ends", posted: "2026-06-22T18:01:00Z", status: StatusResolved,
			body:  "From 13:35 UTC to 14:24 UTC users connecting through our Chicago (ORD) edge node may have experienced elevated API error rates.",
			want:  []Window{{Text: "From 13:35 UTC to 14:24 UTC"}},
			start: []string{"2026-06-22T13:35:00Z"}, end: []string{"2026-06-22T14:24:00Z"},
		},
		{
			// Posted Jun 5 00:49 UTC = Jun 4 17:49 PDT: the date is the
			// post's date in Pacific time.
			name: "12-hour PT range on the post's local date", posted: "2026-06-05T00:49:00Z", status: StatusResolved,
			body:  "Sending delays occurred between 2:50pm – 5:18pm PT.",
			want:  []Window{{Text: "between 2:50pm – 5:18pm PT"}},
			start: []string{"2026-06-04T21:50:00Z"}, end: []string{"2026-06-05T00:18:00Z"},
		},
		{
			name: "end alone", posted: "2026-01-27T19:42:00Z", status: StatusResolved,
			body: "Error rates returned to normal at 11:02am PT, we keep monitoring.",
			want: []Window{{Text: "returned to normal at 11:02am PT"}},
			end:  []string{"2026-01-27T19:02:00Z"},
		},
		{
			// A report of what happened, posted the next morning: a window
			// that would end after the post is the night before.
			name: "bare clock reported the next day", posted: "2026-06-23T08:00:00Z", status: StatusResolved,
			body:  "From 22:00 to 23:30 UTC the API failed.",
			want:  []Window{{Text: "From 22:00 to 23:30 UTC"}},
			start: []string{"2026-06-22T22:00:00Z"}, end: []string{"2026-06-22T23:30:00Z"},
		},
		{
			// Issue 12: 2011-01-24 19:14 UTC is 11:14 PST on Jan 24;
			// tonight's 22:00 PST is Jan 25 06:00 UTC, not the night before.
			name: "tonight in PST", posted: "2011-01-24T19:14:00Z", status: StatusUnknown,
			body:  "We will be performing maintenance tonight from 22:00 - 22:20 PST. The site will be unavailable.",
			want:  []Window{{Text: "from 22:00 - 22:20 PST", Future: true}},
			start: []string{"2011-01-25T06:00:00Z"}, end: []string{"2011-01-25T06:20:00Z"},
		},
		{
			// Announced at 23:30 PST on Mar 9 for 01:00 to 02:00: on the
			// post's date that would be over before the post, so it is the
			// next day.
			name: "announced window moved forward a day", posted: "2026-03-10T07:30:00Z", status: StatusIdentified,
			body:  "Maintenance will run from 01:00 to 02:00 PST.",
			want:  []Window{{Text: "from 01:00 to 02:00 PST", Future: true}},
			start: []string{"2026-03-10T09:00:00Z"}, end: []string{"2026-03-10T10:00:00Z"},
		},
		{
			name: "tomorrow", posted: "2026-06-22T10:00:00Z", status: StatusUpdate,
			body:  "Tomorrow between 09:00 and 10:00 UTC the dashboard is read-only.",
			want:  []Window{{Text: "between 09:00 and 10:00 UTC", Future: true}},
			start: []string{"2026-06-23T09:00:00Z"}, end: []string{"2026-06-23T10:00:00Z"},
		},
		{
			// "today" resolves against the post's local date in the zone
			// stated (Jun 4 in Pacific time), and pins it.
			name: "today in the stated zone", posted: "2026-06-05T00:49:00Z", status: StatusResolved,
			body:  "Today between 2:50pm – 5:18pm PT deliveries were delayed.",
			want:  []Window{{Text: "between 2:50pm – 5:18pm PT"}},
			start: []string{"2026-06-04T21:50:00Z"}, end: []string{"2026-06-05T00:18:00Z"},
		},
		{
			name: "yesterday", posted: "2026-06-23T08:00:00Z", status: StatusResolved,
			body:  "Yesterday from 10:00 to 11:00 UTC requests failed.",
			want:  []Window{{Text: "from 10:00 to 11:00 UTC"}},
			start: []string{"2026-06-22T10:00:00Z"}, end: []string{"2026-06-22T11:00:00Z"},
		},
		{
			// "will" after the window, in a report: not an announcement.
			name: "future word after the window", posted: "2026-04-20T19:16:00Z", status: StatusIdentified,
			body:  "Between 14:40 and 14:53 UTC SSO was slow; we will publish a review.",
			want:  []Window{{Text: "Between 14:40 and 14:53 UTC"}},
			start: []string{"2026-04-20T14:40:00Z"}, end: []string{"2026-04-20T14:53:00Z"},
		},
		{
			name: "scheduled post", posted: "2026-07-29T18:20:00Z", status: StatusScheduled,
			body:  "Maintenance in WLG on 2026-07-29 between 18:30 and 21:00 UTC.",
			want:  []Window{{Text: "on 2026-07-29 between 18:30 and 21:00 UTC", Future: true}},
			start: []string{"2026-07-29T18:30:00Z"}, end: []string{"2026-07-29T21:00:00Z"},
		},
		{
			name: "no zone", posted: "2021-01-21T19:00:00Z", status: StatusResolved,
			body:    "APM traces are delayed from 2:18pm to 2:28pm. Traces are now current.",
			want:    []Window{{Text: "from 2:18pm to 2:28pm."}},
			problem: []string{"no time zone stated"},
		},
		{
			name: "zone we do not guess", posted: "2026-06-22T15:00:00Z", status: StatusResolved,
			body:    "From 13:35 IST to 14:24 IST errors were elevated.",
			want:    []Window{{Text: "From 13:35 IST to 14:24 IST"}},
			problem: []string{`unknown time zone "IST"`},
		},
		{
			name: "two windows in order", posted: "2026-03-03T13:00:00Z", status: StatusResolved,
			body:  "Between 10:00 and 10:30 UTC some requests failed, and from 11:00 to 11:45 UTC all did.",
			want:  []Window{{Text: "Between 10:00 and 10:30 UTC"}, {Text: "from 11:00 to 11:45 UTC"}},
			start: []string{"2026-03-03T10:00:00Z", "2026-03-03T11:00:00Z"}, end: []string{"2026-03-03T10:30:00Z", "2026-03-03T11:45:00Z"},
		},
		{name: "nothing stated", posted: "2026-03-03T13:00:00Z", status: StatusResolved, body: "We are investigating 3 reports."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := range tt.want {
				if i < len(tt.start) {
					tt.want[i].Start = mustUTC(t, tt.start[i])
				}
				if i < len(tt.end) {
					tt.want[i].End = mustUTC(t, tt.end[i])
				}
				if i < len(tt.problem) {
					tt.want[i].Problem = tt.problem[i]
				}
			}
			got := statedWindows(tt.body, mustUTC(t, tt.posted), tt.status)
			if len(got) != len(tt.want) {
				t.Fatalf("statedWindows(%q) = %+v, want %+v", tt.body, got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Errorf("window %d = %+v, want %+v", i, got[i], tt.want[i])
				}
				if !got[i].End.IsZero() && (got[i].End.Location() != time.UTC || got[i].Start.Location() != time.UTC) {
					t.Errorf("window %d not in UTC: %v – %v", i, got[i].Start, got[i].End)
				}
			}
		})
	}
}

// TestWindowsLeaveHashAlone: windows are derived from the body and time,
// so reading them (or reading them differently) never changes a record's
// hash and never makes a new version of an archived incident; a record
// archived before windows were read gets them from ReadMissingWindows
// (which the archive calls on every version it decodes), and one read
// before keeps its reading.
func TestWindowsLeaveHashAlone(t *testing.T) {
	in := Incident{Source: "s", ID: "a", Kind: KindIncident, Title: "API errors", Status: StatusResolved,
		Started: NewTime(mustUTC(t, "2026-06-22T14:03:00Z"), ""), Resolved: NewTime(mustUTC(t, "2026-06-22T18:01:00Z"), ""),
		Updates: []Update{
			{Status: StatusInvestigating, At: NewTime(mustUTC(t, "2026-06-22T14:03:00Z"), ""), Body: "Investigating."},
			{Status: StatusResolved, At: NewTime(mustUTC(t, "2026-06-22T18:01:00Z"), ""), Body: "From 13:35 UTC to 14:24 UTC requests failed."},
		}}
	// Its hash as archives hold it (computed before windows existed).
	const archived = "66d743a444c05e3cb010bcd3361944fe3c00a034526c994528345d7207c3afc6"
	before := in.Hash()
	if before != archived {
		t.Errorf("Hash = %s, want %s", before, archived)
	}
	in.ReadWindows()
	if len(in.Updates[1].Stated) != 1 {
		t.Fatalf("ReadWindows stated = %+v, want one window", in.Updates[1].Stated)
	}
	if got := in.Hash(); got != before {
		t.Errorf("Hash after ReadWindows = %s, want %s as before", got, before)
	}
	in.Updates[1].Stated[0].End = in.Updates[1].Stated[0].End.Add(time.Hour)
	if got := in.Hash(); got != before {
		t.Errorf("Hash with another reading of the window = %s, want %s", got, before)
	}

	// A record stored before windows were read: no "stated" in its JSON.
	var old Incident
	raw := `{"source":"s","id":"a","kind":"incident","title":"API errors","status":"resolved","updates":[` +
		`{"status":"resolved","status_raw":"","at":{"at":"2026-06-22T18:01:00Z"},"body":"From 13:35 UTC to 14:24 UTC requests failed."}]}`
	if err := json.Unmarshal([]byte(raw), &old); err != nil {
		t.Fatal(err)
	}
	if got := old.Updates[0].Stated; got != nil {
		t.Errorf("decoded old record's windows = %+v, want none read yet (nil)", got)
	}
	old.ReadMissingWindows()
	if got := old.Updates[0].Stated; len(got) != 1 || got[0].Start != mustUTC(t, "2026-06-22T13:35:00Z") {
		t.Errorf("old record's windows after ReadMissingWindows = %+v, want 13:35 – 14:24 UTC", got)
	}
	// A record read and stating none keeps that reading: "stated":[] is
	// not read again.
	none := Incident{Updates: []Update{{Status: StatusResolved, At: NewTime(mustUTC(t, "2026-06-22T18:01:00Z"), ""), Body: "Fixed at 14:24 UTC."}}}
	none.ReadWindows()
	nb, err := json.Marshal(none)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(nb), `"stated":[]`) {
		t.Errorf("JSON %s lacks the empty reading", nb)
	}
	var noneBack Incident
	if err := json.Unmarshal(nb, &noneBack); err != nil {
		t.Fatal(err)
	}
	noneBack.Updates[0].Body = "From 13:35 UTC to 14:24 UTC requests failed."
	noneBack.ReadMissingWindows()
	if got := noneBack.Updates[0].Stated; got == nil || len(got) != 0 {
		t.Errorf("windows of a record read before = %+v, want the stored empty reading", got)
	}
	// A stored reading is kept as stored.
	b, err := json.Marshal(in)
	if err != nil {
		t.Fatal(err)
	}
	var back Incident
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if got, want := back.Updates[1].Stated, in.Updates[1].Stated; len(got) != 1 || got[0] != want[0] {
		t.Errorf("round trip windows = %+v, want %+v", got, want)
	}
	if !strings.Contains(string(b), `"stated":[{"text":"From 13:35 UTC to 14:24 UTC"`) {
		t.Errorf("JSON %s lacks the stated window", b)
	}
}

// FuzzStatedWindows: reading windows never panics, every placed window is
// in UTC with its end not before its start, and one that cannot be placed
// says why and has no times.
func FuzzStatedWindows(f *testing.F) {
	for _, s := range []string{
		"From 13:35 UTC to 14:24 UTC users may have experienced errors.",
		"Sending delays occurred between 2:50pm – 5:18pm PT.",
		"Error rates and latencies returned to normal at 11:02am PT.",
		"We will be performing maintenance tonight from 22:00 - 22:20 PST.",
		"Tomorrow between 09:00 and 10:00 UTC", "On July 30th, from 18:30 to 21:00 UTC", "from 23:40 to 00:20 UTC",
		"From 99:99 to 12:00 UTC", "recovered at 0 UTC", "between 11:30 – 2pm ET on Dec 31",
		"from 2 p.\tM to 5 PM PT", "between 3\na.m and 4 a. m UTC", "from 1 to 2 UTC",
		"Re\u017fOLVED a\u017f of 14:10 UTC", "bac\u212a to normal by\taround  9:05 am ET", "FROM\n1:00 to 2:00 UTC",
	} {
		f.Add(s, int64(0))
	}
	base := time.Date(2026, 6, 22, 14, 3, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string, minutes int64) {
		if !hasClock(body) && len(readStatements(body)) > 0 {
			t.Errorf("%q: hasClock false, but the expressions read %+v", body, readStatements(body))
		}
		if got, want := findAllAt(rangeRE, body, rangeStarts), rangeRE.FindAllStringSubmatchIndex(body, -1); !sameMatches(got, want) {
			t.Errorf("%q: findAllAt(rangeRE) = %v, want %v", body, got, want)
		}
		if got, want := findAllAt(endRE, body, endStarts), endRE.FindAllStringSubmatchIndex(body, -1); !sameMatches(got, want) {
			t.Errorf("%q: findAllAt(endRE) = %v, want %v", body, got, want)
		}
		if !rangeMayMatch(body) && rangeRE.MatchString(body) {
			t.Errorf("%q: rangeMayMatch false, but rangeRE matches %q", body, rangeRE.FindString(body))
		}
		if !endMayMatch(body) && endRE.MatchString(body) {
			t.Errorf("%q: endMayMatch false, but endRE matches %q", body, endRE.FindString(body))
		}
		posted := base.Add(time.Duration(minutes%(2*366*24*60)) * time.Minute)
		for _, w := range statedWindows(body, posted, StatusUnknown) {
			switch {
			case w.Problem != "" && (!w.Start.IsZero() || !w.End.IsZero()):
				t.Errorf("%q: window %+v has a problem and times", body, w)
			case w.Problem == "" && w.End.IsZero():
				t.Errorf("%q: window %+v has no end and no problem", body, w)
			case w.Problem == "" && (w.End.Location() != time.UTC || w.Start.Location() != time.UTC):
				t.Errorf("%q: window %+v not in UTC", body, w)
			case !w.Start.IsZero() && w.End.Before(w.Start):
				t.Errorf("%q: window %+v ends before it starts", body, w)
			case !strings.Contains(body, w.Text):
				t.Errorf("%q: window text %q is not in the body", body, w.Text)
			}
		}
	})
}

// TestWindowScansFindEveryMatch: the scans that decide whether the window
// expressions run hold for every text the expressions match, including
// letters (?i) folds from outside ASCII (U+017F for s, U+212A for k), and
// refuse texts that lack a clock after the words.
func TestWindowScansFindEveryMatch(t *testing.T) {
	for _, tc := range []struct {
		body        string
		range_, end bool
	}{
		{"From 13:35 UTC to 14:24 UTC users may have experienced errors.", true, false},
		{"BETWEEN\t2:50pm – 5:18pm PT", true, false},
		{"Error rates returned to normal at 11:02am PT.", false, true},
		{"Re\u017fOLVED a\u017f of 14:10 UTC", false, true},
		{"bac\u212a to normal by\taround  9:05 am ET", false, true},
		{"Service recovered at approximately\n3pm PT", false, true},
		{"from the start, resolved at once; 14:00 UTC", false, false},
		{"We resolved it by 10 people at 9:00 UTC", false, false},
	} {
		gotRange, gotEnd := rangeMayMatch(tc.body), endMayMatch(tc.body)
		if gotRange != tc.range_ || gotEnd != tc.end {
			t.Errorf("%q: rangeMayMatch %v, endMayMatch %v; want %v, %v", tc.body, gotRange, gotEnd, tc.range_, tc.end)
		}
		if rangeRE.MatchString(tc.body) && !gotRange || endRE.MatchString(tc.body) && !gotEnd {
			t.Errorf("%q: an expression matches where its scan says none can", tc.body)
		}
	}
}

// cuesRef is cues as first written, with the words built and joined: the
// reference the allocation-free cues must agree with.
func cuesRef(body string, start, end int) (day string, future bool) {
	from := strings.LastIndexAny(body[:start], ".!?\n") + 1
	to := len(body)
	for i := end; i < len(body); i++ {
		if c := body[i]; c == '!' || c == '?' || c == '\n' || c == '.' && !strings.ContainsRune("aApPmM", rune(body[i-1])) {
			to = i
			break
		}
	}
	before := words(body[from:start])
	for _, w := range append(slices.Clone(before), words(body[start:to])...) {
		if _, ok := dayWords[w]; ok {
			day = w
		}
	}
	joined := " " + strings.Join(before, " ") + " "
	for _, w := range futureWords {
		future = future || strings.Contains(joined, " "+w+" ")
	}
	return day, future
}

// TestCuesAgree: cues reads the day and future words as the reference does
// around every window-like span of sentences made to sit at the words'
// edges (case, curly apostrophes, letters (?i) and ToLower treat apart).
func TestCuesAgree(t *testing.T) {
	befores := []string{"", "We Will ", "we’ll do it ", "WE'LL ", "Going  to ", "going, to ", "going ", "planned work. ", "Tonight ", "ye\u017fterday ",
		"\u212aill ", "upcoming! ", "Tomorrow’s ", "it is going to be ", "TODAY we ", "x.\n will "}
	afters := []string{"", " today.", " on Yesterday", " TOMORROW!", " tonight?", " a.m. today", " p.m. then today", " ye\u017fterday", " willing"}
	n := 0
	for _, b := range befores {
		for _, a := range afters {
			body := b + "from 1:00 to 2:00 UTC" + a
			start := len(b)
			end := start + len("from 1:00 to 2:00 UTC")
			gotDay, gotFuture := cues(body, start, end)
			wantDay, wantFuture := cuesRef(body, start, end)
			if gotDay != wantDay || gotFuture != wantFuture {
				t.Errorf("cues(%q) = %q, %v; want %q, %v", body, gotDay, gotFuture, wantDay, wantFuture)
			}
			n++
		}
	}
	if n < 100 {
		t.Errorf("checked %d sentences, want at least 100", n)
	}
}

func sameMatches(a, b [][]int) bool {
	return slices.EqualFunc(a, b, func(x, y []int) bool { return slices.Equal(x, y) })
}

// TestFindAllAtAgrees: looking for window matches only where one may start
// finds what the expressions find scanning every byte, in bodies made to
// put matches at word edges, after dates, next to each other and behind
// letters (?i) folds from outside ASCII.
func TestFindAllAtAgrees(t *testing.T) {
	bodies := []string{
		"From 13:35 UTC to 14:24 UTC users may have experienced errors.",
		"xfrom 1:00 to 2:00 UTC, then from 3:00 to 4:00 UTC and between 5pm - 6pm PT",
		"On June 3, from 10:00 to 11:00 UTC; on 2026-07-30 between 1:00 and 2:00 UTC on Jul 31",
		"onfrom 1:00 to 2:00 UTC", "_from 1:00 to 2:00 UTC", "9from 1:00 to 2:00 UTC", "from 1:00 to 2:00 UTCfrom 3:00 to 4:00 UTC",
		"Service recovered at 14:10 UTC. Errors subsided by approximately 3pm PT, returned to normal at 11:02am PT on Jun 2",
		"x\u017fubsided at 10:00 UTC", "\u017fubsided at 10:00 UTC", "bac\u212a to normal at 9:00 UTC", "on  from 1:00 to 2:00 UTC",
		"resolvedresolved at 1:00 UTC", "We resolved it at 1:00 UTC and recovered at 2:00 UTC", "", "on", "from", "between 1",
	}
	for _, body := range bodies {
		for _, c := range []struct {
			re     *regexp.Regexp
			starts func(string, int) bool
		}{{rangeRE, rangeStarts}, {endRE, endStarts}} {
			if got, want := findAllAt(c.re, body, c.starts), c.re.FindAllStringSubmatchIndex(body, -1); !sameMatches(got, want) {
				t.Errorf("%q: findAllAt = %v, want %v", body, got, want)
			}
		}
	}
}
