package stats

import (
	"fmt"
	"slices"
	"time"

	"github.com/statusarchive/statusarchive/parser"
)

// DurationSource names where an incident's duration came from.
type DurationSource string

// Duration sources, from most to least trusted.
const (
	// SourceStatedWindow: the vendor's own words in an update ("From 13:35
	// UTC to 14:24 UTC ...").
	SourceStatedWindow DurationSource = "stated-window"
	// SourceStartedResolved: the page's started and resolved fields.
	SourceStartedResolved DurationSource = "started-resolved"
	// SourceUpdates: the first update to the resolving update.
	SourceUpdates DurationSource = "updates"
	// SourceNone: nothing to measure; the incident has no duration.
	SourceNone DurationSource = "none"
)

// Limits a stated window must respect to be believed.
const (
	// WindowSlack is how much longer than the incident's own timeline (its
	// first to last update) a stated window may be: impact usually starts
	// before the first post.
	WindowSlack = 6 * time.Hour
	// WindowLead is how long before the first post a stated window may
	// start.
	WindowLead = 24 * time.Hour
	// MidnightCross is the longest window read as crossing midnight when
	// its end clock is earlier than its start clock ("22:40 to 00:15").
	MidnightCross = 12 * time.Hour
	// clockTolerance absorbs posts stamped to the minute.
	clockTolerance = time.Minute
)

// Span is how long an incident lasted and how we know.
type Span struct {
	Start    time.Time      `json:"start,omitzero"`
	End      time.Time      `json:"end,omitzero"` // zero while Open
	Duration time.Duration  `json:"duration"`     // End - Start; 0 when Open or Source is none
	Source   DurationSource `json:"source"`
	// Text is the vendor's words a stated window came from.
	Text string `json:"text,omitempty"`
	// StatedStart means the page states when the impact began (a window's
	// start or a started field), not just when it first posted.
	StatedStart bool `json:"stated_start,omitempty"`
	// Open means the incident is unresolved and no end is known.
	Open bool `json:"open,omitempty"`
	// Rejected says why a stated window was found but not used.
	Rejected string `json:"rejected,omitempty"`
}

// Minutes returns the duration in minutes.
func (s Span) Minutes() float64 { return s.Duration.Minutes() }

// HasDuration reports whether s measures a finished incident.
func (s Span) HasDuration() bool { return !s.Open && s.Source != SourceNone && !s.End.IsZero() }

// resolvedStatus reports whether an update or incident in state st is over.
func resolvedStatus(st parser.Status) bool {
	return st == parser.StatusResolved || st == parser.StatusCompleted || st == parser.StatusPostmortem
}

// Resolved reports whether in is over: its status (or its latest update's)
// is resolved, completed or postmortem, or the page states a resolved time.
func Resolved(in parser.Incident) bool {
	if !in.Resolved.IsZero() {
		return true
	}
	if in.Status != parser.StatusUnknown {
		return resolvedStatus(in.Status)
	}
	var last parser.Update
	for _, u := range in.Updates {
		if !u.At.At.Before(last.At.At) {
			last = u
		}
	}
	return resolvedStatus(last.Status)
}

// SpanOf returns how long in lasted. The sources are tried in order: a
// window the vendor states in an update, the page's started and resolved
// fields, the first update to the resolving one. An incident with a single
// update (or updates all at one instant) and nothing stated gets Source
// none and no duration. See the package documentation for the rules.
func SpanOf(in parser.Incident) Span {
	open := !Resolved(in)
	first, resolving := timeline(in)

	var rejected string
	if sp, why, ok := statedWindow(in, first, resolving); ok {
		return sp
	} else if why != "" {
		rejected = why
	}

	start, end := in.Started.At, in.Resolved.At
	switch {
	case !start.IsZero() && !end.IsZero() && !end.Before(start):
		return Span{Start: start, End: end, Duration: end.Sub(start), Source: SourceStartedResolved, StatedStart: true, Rejected: rejected}
	case !start.IsZero() && !end.IsZero():
		rejected = join(rejected, fmt.Sprintf("resolved %s is before started %s", stamp(end), stamp(start)))
	case !start.IsZero() && open:
		return Span{Start: start, Source: SourceStartedResolved, StatedStart: true, Open: true, Rejected: rejected}
	}

	// A stated resolved time without a stated start ends the updates' span.
	if !end.IsZero() && start.IsZero() && end.After(first) {
		resolving = end
	}
	switch {
	case first.IsZero():
		// No updates: a stated start still dates the incident.
		return Span{Start: start, Source: SourceNone, StatedStart: !start.IsZero(), Open: open, Rejected: rejected}
	case open:
		return Span{Start: first, Source: SourceUpdates, Open: true, Rejected: rejected}
	case resolving.After(first):
		return Span{Start: first, End: resolving, Duration: resolving.Sub(first), Source: SourceUpdates, Rejected: rejected}
	}
	return Span{Start: first, Source: SourceNone, Rejected: rejected}
}

// timeline returns the first update's time and the resolving post's: the
// latest resolved or completed update (a postmortem posted days later does
// not extend the incident), else the latest update of any kind.
func timeline(in parser.Incident) (first, resolving time.Time) {
	var last time.Time
	for _, u := range in.Updates {
		at := u.At.At
		if at.IsZero() {
			continue
		}
		if first.IsZero() || at.Before(first) {
			first = at
		}
		if at.After(last) {
			last = at
		}
		if (u.Status == parser.StatusResolved || u.Status == parser.StatusCompleted) && at.After(resolving) {
			resolving = at
		}
	}
	if resolving.IsZero() {
		resolving = last
	}
	return first, resolving
}

// statedWindow looks for a window in the updates' words: resolving and
// postmortem posts first, then the others, latest first. It returns the
// first window that fits the incident, or why the most preferred one
// found did not.
func statedWindow(in parser.Incident, first, resolving time.Time) (Span, string, bool) {
	ups := slices.Clone(in.Updates)
	slices.SortStableFunc(ups, func(a, b parser.Update) int {
		ra, rb := resolvedStatus(a.Status), resolvedStatus(b.Status)
		if ra != rb {
			if ra {
				return -1
			}
			return 1
		}
		return b.At.At.Compare(a.At.At)
	})
	var why string
	for _, u := range ups {
		// A scheduled post announces a plan, not what happened.
		if u.At.IsZero() || u.Status == parser.StatusScheduled {
			continue
		}
		for _, st := range statements(u.Body) {
			sp, err := fit(st, u.At.At, in, first, resolving)
			if err == nil {
				return sp, "", true
			}
			if why == "" {
				why = fmt.Sprintf("%q: %v", st.text, err)
			}
		}
	}
	return Span{}, why, false
}

// fit places st on the calendar and checks it against the incident.
func fit(st statement, posted time.Time, in parser.Incident, first, resolving time.Time) (Span, error) {
	fromZone, toZone, err := st.zones()
	if err != nil {
		return Span{}, err
	}
	// The post's calendar date in the zone's place (the zone's own rules).
	loc, err := parser.LookupZone(toZone)
	if err != nil {
		return Span{}, err
	}
	y, mo, d := posted.In(loc).Date()
	if st.date != "" {
		if y, mo, d, err = statedDate(st.date, posted); err != nil {
			return Span{}, err
		}
	}
	// endDay and startDay are the days after (or before) d that the ends
	// fall on.
	endDay, startDay := 0, 0
	end, ok := st.to.in(toZone, y, mo, d)
	if !ok {
		return Span{}, fmt.Errorf("no such time of day")
	}
	var start time.Time
	if st.hasFrom {
		if start, ok = st.from.in(fromZone, y, mo, d); !ok {
			return Span{}, fmt.Errorf("no such time of day")
		}
		if end.Before(start) {
			endDay = 1
			end, _ = st.to.in(toZone, y, mo, d+endDay)
			if end.Sub(start) > MidnightCross {
				return Span{}, fmt.Errorf("ends before it starts")
			}
		}
	}
	// Without a written date the date is the post's own; a window that
	// would end after the post stating it happened the day before.
	if st.date == "" && end.After(posted.Add(clockTolerance)) {
		endDay--
		startDay--
		end, _ = st.to.in(toZone, y, mo, d+endDay)
		if st.hasFrom {
			start, _ = st.from.in(fromZone, y, mo, d+startDay)
		}
	}
	statedStart := st.hasFrom
	if !st.hasFrom {
		// An end alone starts at the stated impact start, else the first post.
		start = first
		if !in.Started.IsZero() && in.Started.At.Before(end) {
			start, statedStart = in.Started.At, true
		}
		if !end.After(start) {
			return Span{}, fmt.Errorf("ends at %s, not after the incident's start %s", stamp(end), stamp(start))
		}
	}
	switch {
	case !end.After(start):
		return Span{}, fmt.Errorf("empty window")
	case end.After(posted.Add(clockTolerance)):
		return Span{}, fmt.Errorf("ends at %s, after the post stating it", stamp(end))
	case !resolving.IsZero() && Resolved(in) && end.After(resolving.Add(clockTolerance)):
		return Span{}, fmt.Errorf("ends at %s, after the incident was resolved at %s", stamp(end), stamp(resolving))
	case !first.IsZero() && start.Before(first.Add(-WindowLead)):
		return Span{}, fmt.Errorf("starts at %s, more than %v before the first post", stamp(start), WindowLead)
	case end.Sub(start) > resolving.Sub(first)+WindowSlack:
		return Span{}, fmt.Errorf("lasts %v, longer than the timeline (%v) allows", end.Sub(start), resolving.Sub(first))
	}
	start, end = start.UTC(), end.UTC()
	return Span{Start: start, End: end, Duration: end.Sub(start), Source: SourceStatedWindow, Text: st.text, StatedStart: statedStart}, nil
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
