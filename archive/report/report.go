package report

import (
	_ "embed"
	"fmt"
	"html/template"
	"io"
	"slices"
	"strconv"
	"time"

	"github.com/statusarchive/statusarchive/archive/diff"
	"github.com/statusarchive/statusarchive/archive/stats"
	"github.com/statusarchive/statusarchive/parser"
)

// Data is what a report shows.
type Data struct {
	// Title heads the page; empty gives "statusarchive reliability report".
	Title string
	// Generated is when the report was made, shown as written (UTC).
	Generated time.Time
	// Report holds the figures. Compute it with By "month" for the monthly
	// charts; without months each source's chart says so.
	Report stats.Report
	// Incidents are drawn on the timeline, each where stats.SpanOf puts it.
	// Those of a source the report does not hold, or starting outside its
	// window, are counted in a note and not drawn.
	Incidents []parser.Incident
	// LastSeen is, by "source/id", when the archive last saw an incident on
	// the vendor's page: an open incident is drawn until then (under
	// stats.OpenUntilLastSeen), else until its latest post.
	LastSeen map[string]time.Time
	// Notes are shown under the coverage notes, as written.
	Notes []string
}

//go:embed report.html.tmpl
var pageText string

var page = template.Must(template.New("report").Parse(pageText))

// Write renders data as one self-contained HTML page to w.
func Write(w io.Writer, data Data) error {
	if err := page.Execute(w, build(data)); err != nil {
		return fmt.Errorf("render report: %w", err)
	}
	return nil
}

// Metric is one row of the comparison table: a figure for every source of
// a report, and how that figure is computed.
type Metric struct {
	// ID names the row for tests and links: "availability-statuspage".
	ID string
	// Label names the figure, with its method where it has one.
	Label string
	// How says in a few words how the figure is computed.
	How string
	// Cells hold one value per source, in the report's order, as text
	// ("99.260%", "110h 4m", "-" when there is nothing to measure).
	Cells []string
}

// openShare writes how much of s's downtime comes from open incidents.
func openShare(s stats.Summary) string {
	if s.Downtime <= 0 {
		return stats.HoursMinutes(s.OpenDowntime)
	}
	return fmt.Sprintf("%s (%.0f%%)", stats.HoursMinutes(s.OpenDowntime), 100*s.OpenDowntime.Seconds()/s.Downtime.Seconds())
}

// Metrics returns the comparison table of r: the figures the stats command
// prints, in the same order and the same units.
func Metrics(r stats.Report) []Metric {
	var out []Metric
	row := func(id, label, how string, cell func(s stats.Summary) string) {
		m := Metric{ID: id, Label: label, How: how}
		for _, s := range r.Sources {
			m.Cells = append(m.Cells, cell(s))
		}
		out = append(out, m)
	}
	row("window", "window (UTC)", "[since, until): an incident belongs to it when it starts inside it",
		func(s stats.Summary) string { return day(s.Since) + " .. " + day(s.Until) })
	row("months", "months in window", "days / 30.4375, the mean Gregorian month",
		func(s stats.Summary) string { return fmt.Sprintf("%.1f", s.MonthsInWindow) })
	row("incidents", "incidents", "starting in the window, maintenance apart",
		func(s stats.Summary) string { return strconv.Itoa(s.Incidents) })
	openHow := "unresolved; runs until the archive last saw it open (--open-until last-seen), never past the window's end"
	if r.OpenUntil == stats.OpenUntilNow {
		openHow = "unresolved; runs until the report's now (--open-until now) or the window's end"
	}
	row("open", "still open", openHow,
		func(s stats.Summary) string { return strconv.Itoa(s.Open) })
	row("maintenance", "maintenance", "kind or impact maintenance, counted apart from every other figure",
		func(s stats.Summary) string { return strconv.Itoa(s.Maintenance) })
	row("per-month", "incidents per month", "incidents / months in window",
		func(s stats.Summary) string { return fmt.Sprintf("%.2f", s.PerMonth) })
	row("downtime", "downtime, plain sum", "sum of incident durations, as status pages add them up",
		func(s stats.Summary) string { return stats.HoursMinutes(s.Downtime) })
	row("downtime-union", "downtime, union of overlaps", "time under overlapping incidents counted once",
		func(s stats.Summary) string { return stats.HoursMinutes(s.DowntimeUnion) })
	if slices.ContainsFunc(r.Sources, func(s stats.Summary) bool { return s.Open > 0 }) {
		row("downtime-open", "of it from open incidents", "the part of the plain sum from incidents still unresolved",
			func(s stats.Summary) string { return openShare(s) })
	}
	row("ttr-mean", "time to resolve: mean", "resolved incidents with a duration",
		func(s stats.Summary) string { return dist(s.TimeToResolve, s.TimeToResolve.Mean) })
	row("ttr-median", "time to resolve: median", "mean of the two middle values for an even count",
		func(s stats.Summary) string { return dist(s.TimeToResolve, s.TimeToResolve.Median) })
	row("ttr-p90", "time to resolve: p90", "nearest rank: the ceil(0.9 n)-th smallest",
		func(s stats.Summary) string { return dist(s.TimeToResolve, s.TimeToResolve.P90) })
	row("longest", "longest incident", "resolved incidents only; the duration's source in brackets",
		func(s stats.Summary) string {
			if s.Longest == nil {
				return "-"
			}
			return fmt.Sprintf("%s (%s, %s)", stats.HoursMinutes(s.Longest.Duration), diff.SafeText(s.Longest.ID), s.Longest.Source)
		})
	row("impact-to-post", "impact start to first post: mean", "incidents whose page states when the impact began",
		func(s stats.Summary) string { return dist(s.ImpactToFirstPost, s.ImpactToFirstPost.Mean) })
	for _, method := range r.Methods() {
		row("availability-"+string(method), "availability, method "+string(method), methodHow[method],
			func(s stats.Summary) string {
				for _, a := range s.Availability {
					if a.Method == method {
						return fmt.Sprintf("%.3f%%", a.Percent)
					}
				}
				return "-"
			})
	}
	for _, src := range durationSources {
		row("durations-"+string(src), "durations from "+string(src), sourceHow[src],
			func(s stats.Summary) string { return strconv.Itoa(s.DurationSources[src]) })
	}
	row("unknown-impact", "impact not given", "weighted 1 by the statuspage method",
		func(s stats.Summary) string { return strconv.Itoa(s.UnknownImpact) })
	row("covered", "window covered by the archive", "the complete history stated for the source, else the oldest archived incident, reaches the window's start",
		func(s stats.Summary) string {
			c := s.Coverage
			switch {
			case !c.CompleteSince.IsZero() && c.WindowCovered:
				return "yes, complete since " + day(c.CompleteSince)
			case !c.CompleteSince.IsZero():
				return "NO, complete only since " + day(c.CompleteSince)
			case c.WindowCovered:
				return "yes, back to " + day(c.Oldest)
			}
			return "NO, only back to " + day(c.Oldest)
		})
	return out
}

var durationSources = []stats.DurationSource{stats.SourceStatedWindow, stats.SourceStartedResolved, stats.SourceUpdates, stats.SourceNone}

var methodHow = map[stats.Method]string{
	stats.MethodUnweighted: "100 × (1 − downtime / window); every incident weighs 1, overlaps once",
	stats.MethodStatuspage: "major and critical weigh 1, minor 0.3, none 0, impact not given 1",
	stats.MethodCustom:     "the weights given with --weights, per impact",
}

var sourceHow = map[stats.DurationSource]string{
	stats.SourceStatedWindow:    "the vendor's own words: \"from 13:35 UTC to 14:24 UTC\"",
	stats.SourceStartedResolved: "the page's started and resolved fields",
	stats.SourceUpdates:         "first update to the resolving one",
	stats.SourceNone:            "a single update and nothing stated: counted, no duration",
}

func dist(d stats.Distribution, v time.Duration) string {
	if d.N == 0 {
		return "-"
	}
	return fmt.Sprintf("%s (n=%d)", stats.HoursMinutes(v), d.N)
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.DateOnly)
}

func minute(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}
