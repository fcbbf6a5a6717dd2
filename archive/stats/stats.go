package stats

import (
	"errors"
	"fmt"
	"iter"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/statusarchive/statusarchive/parser"
)

// DaysPerMonth is the mean length of a Gregorian month (365.25 / 12). A
// window's length in months is its length in days divided by it.
const DaysPerMonth = 30.4375

// Method names a way of weighting incidents into unavailability.
type Method string

// Availability methods.
const (
	// MethodUnweighted counts every incident fully.
	MethodUnweighted Method = "unweighted"
	// MethodStatuspage weights major and critical 100 %, minor 30 %, none
	// and maintenance 0 %, the way Statuspage weighs major and partial
	// outages. An incident whose impact the page does not give counts 100 %:
	// we do not understate downtime we cannot classify.
	MethodStatuspage Method = "statuspage"
	// MethodCustom uses Options.Weights.
	MethodCustom Method = "custom"
)

// StatuspageWeights are MethodStatuspage's weights.
var statuspageWeights = map[parser.Impact]float64{
	parser.ImpactCritical:    1,
	parser.ImpactMajor:       1,
	parser.ImpactUnknown:     1,
	parser.ImpactMinor:       0.3,
	parser.ImpactNone:        0,
	parser.ImpactMaintenance: 0,
}

// OpenUntil says until when an unresolved incident counts.
type OpenUntil string

// Ends of an open incident.
const (
	// OpenUntilLastSeen, the default, counts an open incident until the
	// last time the archive saw it open on the vendor's page (its
	// last_seen), never beyond: an incident the archive last saw months
	// ago is not months of downtime.
	OpenUntilLastSeen OpenUntil = "last-seen"
	// OpenUntilNow counts it until Options.Now, as if it were still open.
	OpenUntilNow OpenUntil = "now"
)

// Observed is an incident as the archive holds it: its content and the
// last time the archive saw it on the vendor's page.
type Observed struct {
	Incident parser.Incident
	// LastSeen is the archive's last sighting; zero when not known, and
	// then the incident's latest post stands for it.
	LastSeen time.Time
}

// ErrBadOptions means Compute was asked for something it cannot compute.
var ErrBadOptions = errors.New("invalid stats options")

// Options choose the window and the methods of a Report.
type Options struct {
	// Since and Until bound the window [Since, Until). An incident belongs
	// to the window when its span starts inside it. A zero Since starts the
	// window at each source's oldest incident; a zero Until ends it at Now,
	// or at the source's newest post when Now is zero too, and that post's
	// instant is then inside the window.
	Since, Until time.Time
	// Now is the archive's clock: the end of a window without Until, and
	// of open incidents under OpenUntilNow (zero leaves them without
	// downtime).
	Now time.Time
	// OpenUntil ends open incidents: OpenUntilLastSeen (the default, also
	// when empty) or OpenUntilNow. Either way no open incident counts past
	// the window's end.
	OpenUntil OpenUntil
	// Method restricts availability to one method; empty computes
	// unweighted and statuspage, and custom when Weights are given.
	Method Method
	// Weights are MethodCustom's weight per impact, each in [0, 1]; an
	// impact missing from the map weighs 0.
	Weights map[parser.Impact]float64
	// By "month" fills Summary.Months; "" leaves it empty.
	By string
	// CompleteSince says, per source, from when the archive holds that
	// source's complete history (the oldest history page crawled, the
	// "since" a page claims). Without it, coverage is judged from the
	// oldest incident archived.
	CompleteSince map[string]time.Time
}

// Report holds one Summary per source, sorted by source name, so that
// sources can be read side by side.
type Report struct {
	Since time.Time `json:"since,omitzero"`
	Until time.Time `json:"until,omitzero"`
	Now   time.Time `json:"now,omitzero"`
	// OpenUntil is how open incidents were ended.
	OpenUntil OpenUntil `json:"open_until"`
	Sources   []Summary `json:"sources"`
}

// Methods lists the availability methods r computed, in the order the
// sources first give them.
func (r Report) Methods() []Method {
	var out []Method
	for _, s := range r.Sources {
		for _, a := range s.Availability {
			if !slices.Contains(out, a.Method) {
				out = append(out, a.Method)
			}
		}
	}
	return out
}

// Summary is one source's reliability figures over the window.
type Summary struct {
	Source string `json:"source"`
	// Since and Until are this source's window; MonthsInWindow is its
	// length in days divided by DaysPerMonth.
	Since          time.Time `json:"since"`
	Until          time.Time `json:"until"`
	MonthsInWindow float64   `json:"months_in_window"`

	Incidents   int `json:"incidents"`   // incidents starting in the window, maintenance excluded
	Maintenance int `json:"maintenance"` // maintenance starting in the window, counted apart
	Open        int `json:"open"`        // incidents among Incidents still unresolved
	Undated     int `json:"undated"`     // incidents of the source with no time at all, left out
	// UnknownImpact counts incidents whose page gives no impact.
	UnknownImpact int `json:"unknown_impact"`
	// Disagreements counts incidents whose stated window was set aside
	// for the page's started and resolved fields (Span.Disagreement).
	Disagreements int `json:"stated_disagreements,omitempty"`
	// PerMonth is Incidents / MonthsInWindow.
	PerMonth float64 `json:"per_month"`

	// Downtime is the plain sum of incident durations; DowntimeUnion counts
	// time covered by overlapping incidents once.
	Downtime      time.Duration `json:"downtime"`
	DowntimeUnion time.Duration `json:"downtime_union"`
	// OpenDowntime is the part of Downtime that comes from incidents still
	// open (see Options.OpenUntil).
	OpenDowntime time.Duration `json:"open_downtime,omitzero"`

	// TimeToResolve covers resolved incidents with a duration.
	TimeToResolve Distribution `json:"time_to_resolve"`
	Longest       *Longest     `json:"longest,omitempty"`
	// ImpactToFirstPost is the time from the impact's stated start to the
	// first post, over incidents whose page states both.
	ImpactToFirstPost Distribution `json:"impact_to_first_post"`

	Availability    []Availability         `json:"availability"`
	DurationSources map[DurationSource]int `json:"duration_sources"`
	Coverage        Coverage               `json:"coverage"`
	Months          []Month                `json:"months,omitempty"`
}

// Distribution summarises durations: the mean, the median (the mean of
// the two middle values for an even count) and the 90th percentile by
// nearest rank (the ceil(0.9 n)-th smallest).
type Distribution struct {
	N      int           `json:"n"`
	Mean   time.Duration `json:"mean"`
	Median time.Duration `json:"median"`
	P90    time.Duration `json:"p90"`
}

// Longest names the longest incident.
type Longest struct {
	ID       string         `json:"id"`
	Title    string         `json:"title"`
	Duration time.Duration  `json:"duration"`
	Source   DurationSource `json:"source"`
}

// Availability is the share of the window a source was available under
// one method: 100 × (1 − Weighted / window). At each instant the heaviest
// incident in progress counts, so overlapping incidents are not counted
// twice.
type Availability struct {
	Method   Method        `json:"method"`
	Percent  float64       `json:"percent"`
	Weighted time.Duration `json:"weighted_downtime"`
}

// Coverage says how far back the archive reaches for a source.
type Coverage struct {
	Oldest time.Time `json:"oldest,omitzero"` // the earliest incident start archived
	Newest time.Time `json:"newest,omitzero"` // the latest post archived
	// CompleteSince is the source's Options.CompleteSince, when stated:
	// it, not Oldest, then decides WindowCovered.
	CompleteSince time.Time `json:"complete_since,omitzero"`
	// WindowCovered reports whether the archive reaches back to the
	// window's start (Options.CompleteSince, else Oldest).
	WindowCovered bool   `json:"window_covered"`
	Note          string `json:"note,omitempty"`
}

// Month is one calendar month (UTC) of a source's window. An incident
// counts, with its whole duration, in the month it starts.
type Month struct {
	Month       string        `json:"month"` // "2026-05"
	Incidents   int           `json:"incidents"`
	Maintenance int           `json:"maintenance"`
	Downtime    time.Duration `json:"downtime"`
}

// measured is one incident with its span, as Compute keeps it.
type measured struct {
	id, title   string
	impact      parser.Impact
	maintenance bool
	span        Span
	end         time.Time // span end, or the open incident's cut-off
	lastSeen    time.Time // the archive's last sighting, else the latest post
	firstPost   time.Time
	statedStart bool
}

// Compute returns the reliability figures of each source in incidents,
// incidents whose archive sightings are not known: an open one counts (under
// OpenUntilLastSeen) until its latest post. See ComputeObserved.
func Compute(incidents iter.Seq[parser.Incident], opts Options) (Report, error) {
	return ComputeObserved(func(yield func(Observed) bool) {
		for in := range incidents {
			if !yield(Observed{Incident: in}) {
				return
			}
		}
	}, opts)
}

// ComputeObserved returns the reliability figures of each source in
// observed. It keeps one small record per incident, not the incidents
// themselves.
func ComputeObserved(observed iter.Seq[Observed], opts Options) (Report, error) {
	methods, err := opts.methods()
	if err != nil {
		return Report{}, err
	}
	switch opts.OpenUntil {
	case "":
		opts.OpenUntil = OpenUntilLastSeen
	case OpenUntilLastSeen, OpenUntilNow:
	default:
		return Report{}, fmt.Errorf("%w: open until %q: want %q or %q", ErrBadOptions, opts.OpenUntil, OpenUntilLastSeen, OpenUntilNow)
	}
	if !opts.Since.IsZero() && !opts.Until.IsZero() && !opts.Until.After(opts.Since) {
		return Report{}, fmt.Errorf("%w: until %s is not after since %s", ErrBadOptions, stamp(opts.Until), stamp(opts.Since))
	}
	if opts.By != "" && opts.By != "month" {
		return Report{}, fmt.Errorf("%w: by %q: want \"month\" or nothing", ErrBadOptions, opts.By)
	}

	bySource := map[string][]measured{}
	undated := map[string]int{}
	newest := map[string]time.Time{}
	for ob := range observed {
		in := ob.Incident
		sp := SpanOf(in)
		if _, ok := bySource[in.Source]; !ok {
			bySource[in.Source] = nil
		}
		if last := in.Last().At; last.After(newest[in.Source]) {
			newest[in.Source] = last
		}
		if sp.Start.IsZero() {
			undated[in.Source]++
			continue
		}
		m := measured{
			id: in.ID, title: in.Title, impact: in.Impact, span: sp, end: sp.End,
			maintenance: in.Kind == parser.KindMaintenance || in.Impact == parser.ImpactMaintenance,
			firstPost:   in.First().At,
			statedStart: sp.StatedStart,
			lastSeen:    ob.LastSeen,
		}
		if m.lastSeen.IsZero() {
			m.lastSeen = in.Last().At
		}
		bySource[in.Source] = append(bySource[in.Source], m)
	}

	rep := Report{Since: opts.Since, Until: opts.Until, Now: opts.Now, OpenUntil: opts.OpenUntil}
	for _, source := range slices.Sorted(maps.Keys(bySource)) {
		s := summarise(source, bySource[source], newest[source], opts, methods)
		s.Undated = undated[source]
		rep.Sources = append(rep.Sources, s)
	}
	return rep, nil
}

// methods returns the availability methods opts asks for.
func (o Options) methods() ([]Method, error) {
	for impact, w := range o.Weights {
		if w < 0 || w > 1 || math.IsNaN(w) {
			return nil, fmt.Errorf("%w: weight %v for impact %q: want a value in [0, 1]", ErrBadOptions, w, impact)
		}
	}
	switch o.Method {
	case "":
		ms := []Method{MethodUnweighted, MethodStatuspage}
		if len(o.Weights) > 0 {
			ms = append(ms, MethodCustom)
		}
		return ms, nil
	case MethodUnweighted, MethodStatuspage:
		return []Method{o.Method}, nil
	case MethodCustom:
		if len(o.Weights) == 0 {
			return nil, fmt.Errorf("%w: method custom needs weights", ErrBadOptions)
		}
		return []Method{MethodCustom}, nil
	}
	return nil, fmt.Errorf("%w: unknown method %q", ErrBadOptions, o.Method)
}

// weight returns how much an incident of impact counts under method.
func (o Options) weight(method Method, impact parser.Impact) float64 {
	switch method {
	case MethodStatuspage:
		return statuspageWeights[impact]
	case MethodCustom:
		return o.Weights[impact]
	}
	return 1
}

func summarise(source string, all []measured, newest time.Time, opts Options, methods []Method) Summary {
	s := Summary{Source: source, Since: opts.Since, Until: opts.Until, DurationSources: map[DurationSource]int{}}
	var oldest time.Time
	for _, m := range all {
		if oldest.IsZero() || m.span.Start.Before(oldest) {
			oldest = m.span.Start
		}
	}
	if s.Since.IsZero() {
		s.Since = oldest
	}
	// A window ended at the newest post includes it, so that an incident
	// starting there is counted: [Since, Until] rather than [Since, Until).
	untilNewest := false
	if s.Until.IsZero() {
		s.Until = opts.Now
		if s.Until.IsZero() {
			s.Until = newest
			untilNewest = true
		}
	}
	cutoff := opts.Now
	if !cutoff.IsZero() && !opts.Until.IsZero() && opts.Until.Before(cutoff) {
		cutoff = opts.Until
	}
	window := s.Until.Sub(s.Since)
	if window > 0 {
		s.MonthsInWindow = window.Hours() / 24 / DaysPerMonth
	}

	var (
		kept     []measured
		resolved []time.Duration
		lags     []time.Duration
		months   = map[string]*Month{}
		inWindow = func(t time.Time) bool {
			return !t.Before(s.Since) && (t.Before(s.Until) || untilNewest && t.Equal(s.Until))
		}
		intervals []interval
	)
	for _, m := range all {
		if !inWindow(m.span.Start) {
			continue
		}
		key := m.span.Start.UTC().Format("2006-01")
		mo := months[key]
		if mo == nil {
			mo = &Month{Month: key}
			months[key] = mo
		}
		if m.maintenance {
			s.Maintenance++
			mo.Maintenance++
			continue
		}
		s.Incidents++
		mo.Incidents++
		s.DurationSources[m.span.Source]++
		if m.impact == parser.ImpactUnknown {
			s.UnknownImpact++
		}
		if m.span.Disagreement != "" {
			s.Disagreements++
		}
		if m.span.Open {
			s.Open++
			// An open incident runs to its last sighting (or to Now under
			// OpenUntilNow), never past the window's end; with neither it
			// has no downtime yet.
			end := cutoff
			if opts.OpenUntil != OpenUntilNow {
				end = m.lastSeen
				if !opts.Until.IsZero() && opts.Until.Before(end) {
					end = opts.Until
				}
			}
			if !end.IsZero() && end.After(m.span.Start) {
				m.end = end
			}
		}
		if m.statedStart && !m.firstPost.IsZero() {
			impactStart := m.span.Start
			lags = append(lags, max(0, m.firstPost.Sub(impactStart)))
		}
		if m.end.IsZero() || !m.end.After(m.span.Start) {
			continue
		}
		d := m.end.Sub(m.span.Start)
		s.Downtime += d
		mo.Downtime += d
		if m.span.Open {
			s.OpenDowntime += d
		}
		kept = append(kept, m)
		intervals = append(intervals, interval{m.span.Start, m.end, 1})
		if !m.span.Open {
			resolved = append(resolved, d)
			if s.Longest == nil || d > s.Longest.Duration {
				s.Longest = &Longest{ID: m.id, Title: m.title, Duration: d, Source: m.span.Source}
			}
		}
	}
	if s.MonthsInWindow > 0 {
		s.PerMonth = float64(s.Incidents) / s.MonthsInWindow
	}
	s.DowntimeUnion = weightedUnion(intervals)
	s.TimeToResolve = distribution(resolved)
	s.ImpactToFirstPost = distribution(lags)
	for _, method := range methods {
		ivs := make([]interval, 0, len(kept))
		for _, m := range kept {
			ivs = append(ivs, interval{m.span.Start, m.end, opts.weight(method, m.impact)})
		}
		a := Availability{Method: method, Weighted: weightedUnion(ivs)}
		if window > 0 {
			a.Percent = 100 * max(0, 1-a.Weighted.Seconds()/window.Seconds())
		}
		s.Availability = append(s.Availability, a)
	}
	s.Coverage = coverage(source, oldest, newest, s.Since, opts)
	if opts.By == "month" && window > 0 {
		end := s.Until
		if untilNewest {
			end = end.Add(time.Nanosecond)
		}
		s.Months = monthList(s.Since, end, months)
	}
	return s
}

// coverage judges how far back the archive reaches for source.
func coverage(source string, oldest, newest, since time.Time, opts Options) Coverage {
	c := Coverage{Oldest: oldest, Newest: newest}
	reach, stated := opts.CompleteSince[source]
	if stated {
		c.CompleteSince = reach
	} else {
		reach = oldest
	}
	switch {
	case reach.IsZero():
		c.Note = "no dated incident archived"
	case !reach.After(since):
		c.WindowCovered = true
		if !stated {
			c.Note = "judged from the oldest incident archived"
		}
	default:
		c.Note = fmt.Sprintf("archive reaches back to %s only; the window starts %s, so %.1f months are not covered and the figures undercount",
			reach.UTC().Format(time.DateOnly), since.UTC().Format(time.DateOnly), reach.Sub(since).Hours()/24/DaysPerMonth)
	}
	return c
}

// monthList returns every calendar month the window touches, empty ones
// included, oldest first.
func monthList(since, until time.Time, seen map[string]*Month) []Month {
	var out []Month
	y, m, _ := since.UTC().Date()
	for t := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC); t.Before(until); t = t.AddDate(0, 1, 0) {
		key := t.Format("2006-01")
		if mo := seen[key]; mo != nil {
			out = append(out, *mo)
		} else {
			out = append(out, Month{Month: key})
		}
	}
	return out
}

// distribution summarises ds; it sorts ds in place.
func distribution(ds []time.Duration) Distribution {
	if len(ds) == 0 {
		return Distribution{}
	}
	slices.Sort(ds)
	var sum time.Duration
	for _, d := range ds {
		sum += d
	}
	n := len(ds)
	median := ds[n/2]
	if n%2 == 0 {
		median = (ds[n/2-1] + ds[n/2]) / 2
	}
	rank := int(math.Ceil(0.9 * float64(n)))
	return Distribution{N: n, Mean: sum / time.Duration(n), Median: median, P90: ds[rank-1]}
}

// interval is [start, end) weighted.
type interval struct {
	start, end time.Time
	weight     float64
}

// weightedUnion integrates, over time, the heaviest weight among the
// intervals in progress. With all weights 1 it is the length of their
// union.
func weightedUnion(ivs []interval) time.Duration {
	type event struct {
		at     time.Time
		weight float64
		delta  int
	}
	events := make([]event, 0, 2*len(ivs))
	for _, iv := range ivs {
		if iv.weight <= 0 || !iv.end.After(iv.start) {
			continue
		}
		events = append(events, event{iv.start, iv.weight, +1}, event{iv.end, iv.weight, -1})
	}
	slices.SortFunc(events, func(a, b event) int { return a.at.Compare(b.at) })
	active := map[float64]int{}
	var total float64 // in seconds
	for i, e := range events {
		active[e.weight] += e.delta
		if active[e.weight] == 0 {
			delete(active, e.weight)
		}
		if i+1 < len(events) {
			heaviest := 0.0
			for w := range active {
				heaviest = max(heaviest, w)
			}
			total += heaviest * events[i+1].at.Sub(e.at).Seconds()
		}
	}
	return time.Duration(math.Round(total * float64(time.Second)))
}
