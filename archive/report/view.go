package report

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/statusarchive/statusarchive/archive/diff"
	"github.com/statusarchive/statusarchive/archive/stats"
	"github.com/statusarchive/statusarchive/parser"
)

// view is what the template reads: every figure already written as text,
// every coordinate a finite number, every piece of page text made visible
// (diff.SafeText) and left for html/template to escape.
type view struct {
	Title     string
	Generated string
	Window    string
	Now       string
	// OpenToNow: open incidents run to Now (--open-until now), not to
	// their last sighting.
	OpenToNow bool
	Sources   []string
	Metrics   []Metric
	Charts    []chart
	Timeline  timeline
	Incidents []incidentRow
	Coverage  []coverageRow
	Notes     []string
	Left      []string // why some incidents are not drawn
}

type coverageRow struct {
	Source  string
	Covered bool
	Oldest  string
	Newest  string
	Note    string
}

type incidentRow struct {
	Source   string
	ID       string
	Title    string
	URL      string
	Start    string
	Duration string
	From     stats.DurationSource
	Impact   string
}

func build(d Data) view {
	title := d.Title
	if title == "" {
		title = "statusarchive reliability report"
	}
	v := view{
		Title:     diff.SafeText(title),
		Generated: minute(d.Generated),
		Now:       minute(d.Report.Now),
		OpenToNow: d.Report.OpenUntil == stats.OpenUntilNow,
		Metrics:   Metrics(d.Report),
	}
	for _, s := range d.Report.Sources {
		v.Sources = append(v.Sources, diff.SafeText(s.Source))
		v.Charts = append(v.Charts, monthChart(s))
		v.Coverage = append(v.Coverage, coverageRow{
			Source:  diff.SafeText(s.Source),
			Covered: s.Coverage.WindowCovered,
			Oldest:  day(s.Coverage.Oldest),
			Newest:  minute(s.Coverage.Newest),
			Note:    diff.SafeText(s.Coverage.Note),
		})
	}
	for _, n := range d.Notes {
		v.Notes = append(v.Notes, diff.SafeText(n))
	}
	start, end := reportWindow(d.Report)
	if !start.IsZero() {
		v.Window = day(start) + " .. " + day(end)
	}
	v.Timeline, v.Incidents, v.Left = drawTimeline(d.Report, d.Incidents, d.LastSeen, start, end)
	return v
}

// reportWindow is the union of the sources' windows.
func reportWindow(r stats.Report) (start, end time.Time) {
	for _, s := range r.Sources {
		if s.Since.IsZero() || !s.Until.After(s.Since) {
			continue
		}
		if start.IsZero() || s.Since.Before(start) {
			start = s.Since
		}
		if s.Until.After(end) {
			end = s.Until
		}
	}
	return start, end
}

// Geometry shared by the charts, in SVG user units (CSS pixels).
const (
	chartWidth  = 880.0
	chartHeight = 210.0
	padLeft     = 56.0
	padRight    = 12.0
	padTop      = 14.0
	padBottom   = 42.0
	laneHeight  = 26.0
	laneLabel   = 140.0
	// The timeline's right margin leaves room for half a month label.
	timelineRight = 32.0
)

type tick struct {
	X, Y  float64
	Label string
	Sub   string // a second line: the year under January
}

type bar struct {
	X, Y, W, H float64
	Month      string
	Minutes    float64
	Tip        string
}

type monthRow struct {
	Month       string
	Incidents   int
	Maintenance int
	Downtime    string
}

type chart struct {
	Source        string
	Width, Height float64
	// Plot area: X0, Y0 is its bottom-left corner, X1, Y1 its top-right.
	X0, Y0, X1, Y1 float64
	YTicks         []tick
	XTicks         []tick
	Bars           []bar
	Months         []monthRow
	Total          string
	Empty          bool
}

// monthChart draws s's downtime by month: one bar per calendar month, its
// height the plain sum of the durations of the incidents starting in it.
func monthChart(s stats.Summary) chart {
	c := chart{Source: diff.SafeText(s.Source), Width: chartWidth, Height: chartHeight,
		X0: padLeft, Y0: chartHeight - padBottom, X1: chartWidth - padRight, Y1: padTop,
		Total: stats.HoursMinutes(s.Downtime), Empty: len(s.Months) == 0}
	maxHours := 0.0
	for _, m := range s.Months {
		maxHours = max(maxHours, m.Downtime.Hours())
	}
	step := niceStep(maxHours / 4)
	top := step * ceilDiv(maxHours, step)
	for y := 0.0; y <= top+step/2; y += step {
		c.YTicks = append(c.YTicks, tick{Y: finite(c.Y0 - y/top*(c.Y0-c.Y1)), Label: hoursLabel(y)})
	}
	n := len(s.Months)
	if n == 0 {
		return c
	}
	slot := (c.X1 - c.X0) / float64(n)
	every := int(ceilDiv(float64(n), 24))
	for i, m := range s.Months {
		x := c.X0 + float64(i)*slot
		h := m.Downtime.Hours() / top * (c.Y0 - c.Y1)
		c.Bars = append(c.Bars, bar{
			X: finite(x + slot*0.15), Y: finite(c.Y0 - h), W: finite(slot * 0.7), H: finite(h),
			Month: m.Month, Minutes: finite(m.Downtime.Minutes()),
			Tip: fmt.Sprintf("%s: %s downtime, %d incidents, %d maintenance", m.Month, stats.HoursMinutes(m.Downtime), m.Incidents, m.Maintenance),
		})
		c.Months = append(c.Months, monthRow{Month: m.Month, Incidents: m.Incidents, Maintenance: m.Maintenance, Downtime: stats.HoursMinutes(m.Downtime)})
		t, err := time.Parse("2006-01", m.Month)
		if err != nil || i%every != 0 {
			continue
		}
		tk := tick{X: finite(x + slot/2), Label: t.Format("Jan")}
		if i == 0 || t.Month() == time.January {
			tk.Sub = t.Format("2006")
		}
		c.XTicks = append(c.XTicks, tk)
	}
	return c
}

type lane struct {
	Source string
	Label  string
	Y      float64
}

type mark struct {
	Source     string
	ID         string
	URL        string
	X, Y, W, H float64
	Class      string
	Tip        string
}

type timeline struct {
	Width, Height  float64
	X0, Y0, X1, Y1 float64
	Lanes          []lane
	Ticks          []tick
	Marks          []mark
}

// drawTimeline lays out one lane per source of r and a mark per incident
// starting in its source's window: at its start, as wide as its duration
// (an open one until the report's now), coloured by impact. It also lists
// the incidents drawn and says why others were left out.
func drawTimeline(r stats.Report, incidents []parser.Incident, lastSeen map[string]time.Time, start, end time.Time) (timeline, []incidentRow, []string) {
	tl := timeline{Width: chartWidth, X0: laneLabel, X1: chartWidth - timelineRight, Y1: padTop}
	tl.Y0 = tl.Y1 + laneHeight*float64(max(len(r.Sources), 1))
	tl.Height = tl.Y0 + 30
	if start.IsZero() || !end.After(start) {
		// Nothing to draw: keep an empty axis of one day.
		start = time.Unix(0, 0).UTC()
		end = start.Add(24 * time.Hour)
	}
	span := end.Sub(start).Seconds()
	xOf := func(t time.Time) float64 {
		return finite(tl.X0 + t.Sub(start).Seconds()/span*(tl.X1-tl.X0))
	}
	lanes := map[string]int{}
	for i, s := range r.Sources {
		lanes[s.Source] = i
		label := diff.SafeText(s.Source)
		if utf8.RuneCountInString(label) > 18 {
			label = string([]rune(label)[:17]) + "…"
		}
		tl.Lanes = append(tl.Lanes, lane{Source: diff.SafeText(s.Source), Label: label, Y: tl.Y1 + laneHeight*float64(i)})
	}
	months := monthsBetween(start, end)
	every := int(ceilDiv(float64(len(months)), 12))
	for i, m := range months {
		if i%every != 0 {
			continue
		}
		tl.Ticks = append(tl.Ticks, tick{X: xOf(m), Label: m.Format("2006-01")})
	}

	var rows []incidentRow
	var foreign, outside, undated int
	for _, in := range incidents {
		i, ok := lanes[in.Source]
		if !ok {
			foreign++
			continue
		}
		s := r.Sources[i]
		sp := stats.SpanOf(in)
		if sp.Start.IsZero() {
			undated++
			continue
		}
		if sp.Start.Before(s.Since) || !sp.Start.Before(s.Until) {
			outside++
			continue
		}
		stop, duration := sp.End, stats.HoursMinutes(sp.Duration)
		switch {
		case sp.Open:
			stop = s.Until
			if !r.Now.IsZero() && r.Now.Before(stop) {
				stop = r.Now
			}
			if r.OpenUntil != stats.OpenUntilNow {
				seen, ok := lastSeen[in.Source+"/"+in.ID]
				if !ok {
					seen = in.Last().At
				}
				if seen.Before(stop) {
					stop = seen
				}
			}
			duration = "open"
		case !sp.HasDuration():
			stop, duration = sp.Start, "-"
		}
		if stop.Before(sp.Start) {
			stop = sp.Start
		}
		if stop.After(end) {
			stop = end
		}
		x := xOf(sp.Start)
		w := min(max(xOf(stop)-x, 2), tl.X1-x)
		impact := impactName(in)
		title := diff.SafeText(in.Title)
		tl.Marks = append(tl.Marks, mark{
			Source: diff.SafeText(in.Source), ID: diff.SafeText(in.ID), URL: in.URL,
			X: x, Y: finite(tl.Lanes[i].Y + 4), W: finite(w), H: laneHeight - 8,
			Class: "impact-" + impact,
			Tip:   fmt.Sprintf("%s — %s, %s (%s), impact %s", title, minute(sp.Start), duration, sp.Source, impact),
		})
		rows = append(rows, incidentRow{
			Source: diff.SafeText(in.Source), ID: diff.SafeText(in.ID), Title: title, URL: in.URL,
			Start: minute(sp.Start), Duration: duration, From: sp.Source, Impact: impact,
		})
	}
	slices.SortStableFunc(rows, func(a, b incidentRow) int {
		return cmp.Or(cmp.Compare(a.Start, b.Start), cmp.Compare(a.Source, b.Source))
	})
	var left []string
	for _, c := range []struct {
		n   int
		why string
	}{
		{undated, "with no time at all"},
		{outside, "starting outside their source's window"},
		{foreign, "of sources not in this report"},
	} {
		if c.n > 0 {
			left = append(left, fmt.Sprintf("%d incidents %s are not drawn", c.n, c.why))
		}
	}
	return tl, rows, left
}

// impactName is the colour class of an incident: maintenance, an impact,
// or unknown when the page gives none.
func impactName(in parser.Incident) string {
	if in.Kind == parser.KindMaintenance {
		return "maintenance"
	}
	switch in.Impact {
	case parser.ImpactNone, parser.ImpactMinor, parser.ImpactMajor, parser.ImpactCritical, parser.ImpactMaintenance:
		return string(in.Impact)
	}
	return "unknown"
}

// monthsBetween returns the first instant of every calendar month (UTC)
// that starts in [start, end).
func monthsBetween(start, end time.Time) []time.Time {
	var out []time.Time
	y, m, _ := start.UTC().Date()
	t := time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	if t.Before(start) {
		t = t.AddDate(0, 1, 0)
	}
	for ; t.Before(end); t = t.AddDate(0, 1, 0) {
		out = append(out, t)
	}
	return out
}

// niceStep rounds v up to 1, 2 or 5 times a power of ten, at least 0.25
// (a quarter hour).
func niceStep(v float64) float64 {
	if !(v > 0.25) || math.IsInf(v, 0) {
		return 0.25
	}
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5} {
		if m*p >= v {
			return m * p
		}
	}
	return 10 * p
}

// ceilDiv returns how many steps cover v, at least 1.
func ceilDiv(v, step float64) float64 {
	n := math.Ceil(v / step)
	if !(n >= 1) || math.IsInf(n, 0) {
		return 1
	}
	return n
}

func hoursLabel(h float64) string {
	return strconv.FormatFloat(h, 'f', -1, 64) + "h"
}

// finite rounds v to a tenth of a unit and turns NaN and infinities into 0,
// so that no coordinate written is ever "NaN".
func finite(v float64) float64 {
	if math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return math.Round(v*10) / 10
}
