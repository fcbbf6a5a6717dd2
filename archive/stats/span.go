package stats

import (
	"errors"
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
	// FieldsMargin is how far a stated window's start or end may lie from
	// the page's own started and resolved fields, when the page gives both.
	// Further apart, the words describe something other than the
	// incident's span ("backfilling from 13:30 to 13:55 UTC" in an
	// incident the API dates 13:33 to 19:00): the fields are used and the
	// window is reported in Span.Disagreement.
	FieldsMargin = time.Hour
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
	// Disagreement names a stated window that fits the incident's posts
	// but lies more than FieldsMargin from the page's started and resolved
	// fields, which were used instead.
	Disagreement string `json:"disagreement,omitempty"`
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
	sp, why, disagree, ok := statedWindow(in, first, resolving)
	if ok {
		return sp
	} else if why != "" {
		rejected = why
	}

	start, end := in.Started.At, in.Resolved.At
	switch {
	case !start.IsZero() && !end.IsZero() && !end.Before(start):
		return Span{Start: start, End: end, Duration: end.Sub(start), Source: SourceStartedResolved, StatedStart: true, Rejected: rejected, Disagreement: disagree}
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

// statedWindow looks for a window among those the parser read from the
// updates (parser.Update.Stated): resolving and postmortem posts first,
// then the others, latest first. It returns the first window that fits the
// incident, or why the most preferred one found did not, and the first
// that disagrees with the page's started and resolved fields.
func statedWindow(in parser.Incident, first, resolving time.Time) (sp Span, why, disagree string, ok bool) {
	stated := false
	for i := range in.Updates {
		stated = stated || len(in.Updates[i].Stated) > 0
	}
	if !stated {
		return Span{}, "", "", false // most incidents: no copy, no sort
	}
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
	for _, u := range ups {
		// A scheduled post announces a plan, not what happened.
		if u.At.IsZero() || u.Status == parser.StatusScheduled {
			continue
		}
		for _, w := range u.Stated {
			sp, err := fit(w, u.At.At, in, first, resolving)
			if err == nil {
				return sp, "", "", true
			}
			reason := fmt.Sprintf("%q: %v", w.Text, err)
			if why == "" {
				why = reason
			}
			if disagree == "" && errors.Is(err, errDisagrees) {
				disagree = reason
			}
		}
	}
	return Span{}, why, disagree, false
}

// errDisagrees marks a window further than FieldsMargin from the page's
// started and resolved fields.
var errDisagrees = fmt.Errorf("disagrees by more than %v with the page's started and resolved fields", FieldsMargin)

// fit checks w, stated in a post at posted, against the incident.
func fit(w parser.Window, posted time.Time, in parser.Incident, first, resolving time.Time) (Span, error) {
	if w.Problem != "" {
		return Span{}, errors.New(w.Problem)
	}
	if w.Future {
		return Span{}, fmt.Errorf("announced ahead, not what happened")
	}
	start, end := w.Start, w.End
	statedStart := !start.IsZero()
	if !statedStart {
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
	if fs, fe := in.Started.At, in.Resolved.At; !fs.IsZero() && !fe.IsZero() && !fe.Before(fs) {
		// The impact may begin before the incident was opened, not well
		// after; it ends near the resolved field or near the first post
		// that reports recovery (monitoring, resolved).
		rec := recovered(in)
		endNear := absolute(end.Sub(fe)) <= FieldsMargin || !rec.IsZero() && absolute(end.Sub(rec)) <= FieldsMargin
		if start.After(fs.Add(FieldsMargin)) || !endNear {
			return Span{}, fmt.Errorf("%w (%s – %s against %s – %s)", errDisagrees, stamp(start), stamp(end), stamp(fs), stamp(fe))
		}
	}
	start, end = start.UTC(), end.UTC()
	return Span{Start: start, End: end, Duration: end.Sub(start), Source: SourceStatedWindow, Text: w.Text, StatedStart: statedStart}, nil
}

// recovered returns the time of the first post that reports the impact
// over: monitoring, resolved, completed or postmortem.
func recovered(in parser.Incident) time.Time {
	var first time.Time
	for _, u := range in.Updates {
		if (u.Status == parser.StatusMonitoring || resolvedStatus(u.Status)) && !u.At.IsZero() && (first.IsZero() || u.At.At.Before(first)) {
			first = u.At.At
		}
	}
	return first
}

func absolute(d time.Duration) time.Duration { return max(d, -d) }

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}
