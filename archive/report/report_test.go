package report

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/statusarchive/statusarchive/archive/stats"
	"github.com/statusarchive/statusarchive/parser"

	"github.com/statusarchive/statusarchive/fixtures/golden"
)

var now = time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)

func at(s string) parser.Time {
	t, err := time.Parse("2006-01-02 15:04", s)
	if err != nil {
		panic(err)
	}
	return parser.NewTime(t, s)
}

// incident builds an incident with one update per (status, time) pair.
func incident(source, id, title string, impact parser.Impact, posts ...string) parser.Incident {
	in := parser.Incident{Source: source, ID: id, Kind: parser.KindIncident, Title: title, Impact: impact,
		URL: "https://status.example.com/incidents/" + id}
	for i := 0; i+1 < len(posts); i += 2 {
		st := parser.NormaliseStatus(posts[i])
		in.Updates = append(in.Updates, parser.Update{Status: st, StatusRaw: posts[i], At: at(posts[i+1]), Body: title + ": " + posts[i]})
		in.Status = st
	}
	return in
}

func sampleIncidents() []parser.Incident {
	maint := incident("beta", "m1", "Database upgrade", parser.ImpactMaintenance, "completed", "2026-05-03 02:00")
	maint.Kind = parser.KindMaintenance
	return []parser.Incident{
		incident("alpha", "a1", "API errors", parser.ImpactMajor, "investigating", "2026-04-02 10:00", "resolved", "2026-04-02 12:30"),
		incident("alpha", "a2", "Slow dashboard", parser.ImpactMinor, "investigating", "2026-05-10 08:00", "resolved", "2026-05-10 08:45"),
		incident("alpha", "a3", "Login outage", parser.ImpactCritical, "investigating", "2026-06-20 22:00", "resolved", "2026-06-22 01:10"),
		incident("beta", "b1", "Webhooks delayed", parser.ImpactUnknown, "investigating", "2026-04-15 14:00", "resolved", "2026-04-15 20:00"),
		incident("beta", "b2", "Elevated latency", parser.ImpactNone, "investigating", "2026-06-29 09:00", "monitoring", "2026-06-29 10:00"),
		incident("beta", "b3", "Single notice", parser.ImpactMinor, "resolved", "2026-05-20 16:00"),
		maint,
	}
}

func sampleData(t *testing.T, incidents []parser.Incident) Data {
	t.Helper()
	r, err := stats.Compute(slices.Values(incidents), stats.Options{
		Since: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Until: now, Now: now, By: "month"})
	if err != nil {
		t.Fatal(err)
	}
	return Data{Title: "Example vendors", Generated: now, Report: r, Incidents: incidents,
		Notes: []string{"Deleted incidents count with their last known content."}}
}

func render(t *testing.T, d Data) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, d); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

func TestWriteGolden(t *testing.T) {
	got := render(t, sampleData(t, sampleIncidents()))
	golden.Check(t, filepath.Join("testdata", "report.html"), got)
}

// TestWriteFigures checks that each figure the stats command prints is in
// the page as text, in the cell of its source and metric.
func TestWriteFigures(t *testing.T) {
	d := sampleData(t, sampleIncidents())
	doc := parse(t, render(t, d))
	cells := map[string][]string{} // metric row id -> cell texts
	walk(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "tr" && strings.HasPrefix(attr(n, "id"), "metric-") {
			for c := n.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && c.Data == "td" {
					cells[attr(n, "id")] = append(cells[attr(n, "id")], text(c))
				}
			}
		}
	})
	alpha, beta := d.Report.Sources[0], d.Report.Sources[1]
	tests := []struct {
		row  string
		want []string
	}{
		{"metric-incidents", []string{strconv.Itoa(alpha.Incidents), strconv.Itoa(beta.Incidents)}},
		{"metric-downtime", []string{stats.HoursMinutes(alpha.Downtime), stats.HoursMinutes(beta.Downtime)}},
		{"metric-maintenance", []string{"0", "1"}},
		{"metric-open", []string{"0", "1"}},
		{"metric-availability-unweighted", []string{pct(alpha, stats.MethodUnweighted), pct(beta, stats.MethodUnweighted)}},
		{"metric-availability-statuspage", []string{pct(alpha, stats.MethodStatuspage), pct(beta, stats.MethodStatuspage)}},
		{"metric-durations-none", []string{"0", "1"}},
	}
	for _, tt := range tests {
		t.Run(tt.row, func(t *testing.T) {
			if got := cells[tt.row]; !slices.Equal(got, tt.want) {
				t.Errorf("row %s = %q, want %q", tt.row, got, tt.want)
			}
		})
	}
	// Hand-computed: alpha's three incidents last 2h 30m, 45m and 27h 10m.
	if got, want := cells["metric-downtime"][0], "30h 25m"; got != want {
		t.Errorf("alpha downtime = %q, want %q", got, want)
	}
}

func pct(s stats.Summary, m stats.Method) string {
	for _, a := range s.Availability {
		if a.Method == m {
			return strconv.FormatFloat(a.Percent, 'f', 3, 64) + "%"
		}
	}
	return "-"
}

// TestWriteTimeline checks the marks: one per incident in its window, in
// its source's lane, ordered by start, and the notes for those left out.
func TestWriteTimeline(t *testing.T) {
	ins := sampleIncidents()
	early := incident("alpha", "old", "Before the window", parser.ImpactMajor, "investigating", "2025-01-01 10:00", "resolved", "2025-01-01 11:00")
	stranger := incident("gamma", "g1", "Not in the report", parser.ImpactMajor, "investigating", "2026-05-01 10:00", "resolved", "2026-05-01 11:00")
	d := sampleData(t, ins)
	d.Incidents = append(d.Incidents, early, stranger)
	out := render(t, d)
	doc := parse(t, out)

	type markAt struct {
		id     string
		x, w   float64
		source string
		class  string
	}
	var marks []markAt
	walk(doc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "rect" && strings.HasPrefix(attr(n, "class"), "mark ") {
			x, _ := strconv.ParseFloat(attr(n, "x"), 64)
			w, _ := strconv.ParseFloat(attr(n, "width"), 64)
			marks = append(marks, markAt{attr(n, "data-id"), x, w, attr(n, "data-source"), attr(n, "class")})
		}
	})
	if got, want := len(marks), len(ins); got != want {
		t.Fatalf("%d marks, want %d (one per incident in the window)", got, want)
	}
	byID := map[string]markAt{}
	for _, m := range marks {
		byID[m.id] = m
	}
	tests := []struct {
		name   string
		before string
		after  string
	}{
		{"alpha a1 before a2", "a1", "a2"},
		{"alpha a2 before a3", "a2", "a3"},
		{"beta b1 before the maintenance", "b1", "m1"},
	}
	for _, tt := range tests {
		if !(byID[tt.before].x < byID[tt.after].x) {
			t.Errorf("%s: x = %v and %v", tt.name, byID[tt.before].x, byID[tt.after].x)
		}
	}
	// a3 lasts 27h 10m, a2 45m: widths in proportion (both above the 2 px floor).
	if a2, a3 := byID["a2"].w, byID["a3"].w; !(a3 > a2) {
		t.Errorf("width of a3 = %v, of a2 = %v: want a3 wider", a3, a2)
	}
	// The open incident b2 runs to the archive's last sighting of it (its
	// latest post here), not to now, the report's end.
	if b2, edge := byID["b2"], chartWidth-timelineRight; b2.x+b2.w >= edge-1 {
		t.Errorf("open incident b2 ends at x = %v, the right edge %v: want its last sighting, before", b2.x+b2.w, edge)
	}
	// With --open-until now it reaches the right edge.
	r, err := stats.Compute(slices.Values(ins), stats.Options{
		Since: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Until: now, Now: now, By: "month", OpenUntil: stats.OpenUntilNow})
	if err != nil {
		t.Fatal(err)
	}
	d.Report = r
	nowDoc := parse(t, render(t, d))
	walk(nowDoc, func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == "rect" && attr(n, "data-id") == "b2" {
			x, _ := strconv.ParseFloat(attr(n, "x"), 64)
			w, _ := strconv.ParseFloat(attr(n, "width"), 64)
			if edge := chartWidth - timelineRight; x+w < edge-1 {
				t.Errorf("open until now: b2 ends at x = %v, want the right edge %v", x+w, edge)
			}
		}
	})
	for id, class := range map[string]string{"a1": "impact-major", "a3": "impact-critical", "b1": "impact-unknown", "m1": "impact-maintenance"} {
		if got := byID[id].class; got != "mark "+class {
			t.Errorf("mark %s class = %q, want %q", id, got, "mark "+class)
		}
	}
	for _, want := range []string{"1 incidents starting outside their source&#39;s window are not drawn", "1 incidents of sources not in this report are not drawn"} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("page does not say %q", want)
		}
	}
}

func TestWriteHostileText(t *testing.T) {
	hostile := []string{
		`<script>alert(1)</script>`,
		`javascript:alert(1)`,
		`" onmouseover="x`,
		`</textarea><img src=x onerror=alert(1)>`,
		`</title><script>alert(1)</script>`,
		`</style><svg onload=alert(1)>`,
		"\u202egnp.exe\x1b]8;;https://evil.example\x07",
	}
	var ins []parser.Incident
	for i, h := range hostile {
		id := strconv.Itoa(i)
		in := incident(h, h, h, parser.ImpactMajor, "investigating", "2026-05-01 10:00", "resolved", "2026-05-01 11:00")
		in.ID = h + id
		in.URL = h
		in.Updates[0].Body = h
		in.Components = []parser.Component{{Name: h}}
		ins = append(ins, in)
		js := incident("js", "js"+id, h, parser.Impact(h), "investigating", "2026-05-02 10:00", "resolved", "2026-05-02 11:00")
		js.URL = []string{"javascript:alert(1)", " JavaScript:alert(1)", "java\tscript:alert(1)", "data:text/html,<script>alert(1)</script>", "vbscript:x"}[i%5]
		ins = append(ins, js)
	}
	d := sampleData(t, ins)
	d.Title = hostile[0]
	d.Notes = hostile
	for i := range d.Report.Sources {
		d.Report.Sources[i].Coverage.Note = hostile[i%len(hostile)]
	}
	out := render(t, d)
	doc := parse(t, out)
	for _, p := range unsafeParts(doc) {
		t.Errorf("unsafe output: %s", p)
	}
	if !bytes.Contains(out, []byte("#ZgotmplZ")) {
		t.Errorf("no javascript: URL was replaced by #ZgotmplZ: were the links written at all?")
	}
	if i := bytes.IndexAny(out, "\x1b\x07\u202e"); i >= 0 {
		t.Errorf("a control or bidi character reached the page raw: %q", out[max(i-100, 0):i+10])
	}
	if !bytes.Contains(out, []byte(`&lt;script&gt;alert(1)&lt;/script&gt;`)) {
		t.Errorf("the hostile title is not shown as escaped text")
	}
}

// unsafeParts lists what in doc could run script: <script> elements,
// on* attributes, script and data URLs, and elements page text could only
// have produced by escaping its text.
func unsafeParts(doc *html.Node) []string {
	var out []string
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.Data {
		case "script", "img", "textarea", "iframe", "object", "embed":
			out = append(out, "a <"+n.Data+"> element")
		}
		for _, a := range n.Attr {
			key := strings.ToLower(a.Key)
			if strings.HasPrefix(key, "on") {
				out = append(out, fmt.Sprintf("<%s %s=%q>", n.Data, a.Key, a.Val))
			}
			switch key {
			case "href", "src", "xlink:href", "action", "formaction":
				// Browsers ignore control characters and spaces in a scheme.
				v := strings.ToLower(strings.Map(func(r rune) rune {
					if r <= ' ' {
						return -1
					}
					return r
				}, a.Val))
				if strings.HasPrefix(v, "javascript:") || strings.HasPrefix(v, "vbscript:") || strings.HasPrefix(v, "data:") {
					out = append(out, fmt.Sprintf("<%s %s=%q>", n.Data, a.Key, a.Val))
				}
			}
		}
	})
	return out
}

// FuzzWriteText puts arbitrary text in every place page text reaches and
// checks that none of it becomes markup that could run.
func FuzzWriteText(f *testing.F) {
	for _, s := range []string{"API errors", `<script>alert(1)</script>`, `javascript:alert(1)`, `" onmouseover="x`,
		`</textarea><img src=x onerror=alert(1)>`, "</title><svg/onload=alert(1)>", "\u202e\x1b[2J"} {
		f.Add(s, s)
	}
	f.Fuzz(func(t *testing.T, text, link string) {
		in := incident(text, text, text, parser.Impact(text), "investigating", "2026-05-01 10:00", "resolved", "2026-05-01 11:00")
		in.URL = link
		ins := []parser.Incident{in}
		r, err := stats.Compute(slices.Values(ins), stats.Options{Since: time.Date(2026, 4, 1, 0, 0, 0, 0, time.UTC), Until: now, Now: now, By: "month"})
		if err != nil {
			t.Skip(err)
		}
		for i := range r.Sources {
			r.Sources[i].Coverage.Note = text
		}
		var buf bytes.Buffer
		if err := Write(&buf, Data{Title: text, Generated: now, Report: r, Incidents: ins, Notes: []string{text, link}}); err != nil {
			t.Fatal(err)
		}
		doc, err := html.Parse(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if bad := unsafeParts(doc); len(bad) > 0 {
			t.Errorf("text %q, link %q: %v", text, link, bad)
		}
	})
}

// TestWriteFinite renders reports with nothing to draw and checks that
// every number in the SVG is finite.
func TestWriteFinite(t *testing.T) {
	one := sampleIncidents()[:1]
	tests := []struct {
		name string
		data func(t *testing.T) Data
	}{
		{"empty report", func(t *testing.T) Data { return Data{Generated: now} }},
		{"no months", func(t *testing.T) Data {
			d := sampleData(t, one)
			d.Report.Sources[0].Months = nil
			return d
		}},
		{"source without downtime", func(t *testing.T) Data {
			return sampleData(t, []parser.Incident{incident("quiet", "q", "Notice", parser.ImpactMinor, "resolved", "2026-05-01 10:00")})
		}},
		{"zero window", func(t *testing.T) Data {
			d := sampleData(t, one)
			d.Report.Sources[0].Until = d.Report.Sources[0].Since
			return d
		}},
		{"undated incident", func(t *testing.T) Data {
			d := sampleData(t, one)
			d.Incidents = append(d.Incidents, parser.Incident{Source: "alpha", ID: "u", Title: "No time"})
			return d
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := parse(t, render(t, tt.data(t)))
			var n int
			walk(doc, func(node *html.Node) {
				if node.Type != html.ElementNode || !inSVG(node) {
					return
				}
				for _, a := range node.Attr {
					switch a.Key {
					case "x", "y", "x1", "x2", "y1", "y2", "width", "height", "dx", "dy", "data-minutes":
						n++
						v, err := strconv.ParseFloat(a.Val, 64)
						if err != nil || v != v {
							t.Errorf("<%s %s=%q>: not a finite number", node.Data, a.Key, a.Val)
						}
					case "viewBox":
						for _, f := range strings.Fields(a.Val) {
							if _, err := strconv.ParseFloat(f, 64); err != nil {
								t.Errorf("viewBox %q", a.Val)
							}
						}
					}
				}
			})
			if n == 0 {
				t.Errorf("no coordinates written: was an SVG drawn?")
			}
		})
	}
}

func TestNiceStep(t *testing.T) {
	tests := []struct{ in, want float64 }{
		{0, 0.25}, {0.1, 0.25}, {0.3, 0.5}, {0.9, 1}, {1.2, 2}, {3, 5}, {7, 10}, {11, 20}, {260, 500},
	}
	for _, tt := range tests {
		if got := niceStep(tt.in); got != tt.want {
			t.Errorf("niceStep(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}

func parse(t *testing.T, b []byte) *html.Node {
	t.Helper()
	doc, err := html.Parse(bytes.NewReader(b))
	if err != nil {
		t.Fatalf("the page does not parse: %v", err)
	}
	return doc
}

func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
	var b strings.Builder
	walk(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

func inSVG(n *html.Node) bool {
	for ; n != nil; n = n.Parent {
		if n.Namespace == "svg" {
			return true
		}
	}
	return false
}

// BenchmarkWrite renders a report of two sources with 500 incidents each
// over two years.
func BenchmarkWrite(b *testing.B) {
	var ins []parser.Incident
	start := time.Date(2024, 7, 1, 0, 0, 0, 0, time.UTC)
	for i := range 1000 {
		t0 := start.Add(time.Duration(i) * 17 * time.Hour)
		in := parser.Incident{Source: []string{"alpha", "beta"}[i%2], ID: strconv.Itoa(i), Kind: parser.KindIncident,
			Title: "Incident " + strconv.Itoa(i), Impact: parser.ImpactMajor, Status: parser.StatusResolved,
			URL: "https://status.example.com/incidents/" + strconv.Itoa(i),
			Updates: []parser.Update{
				{Status: parser.StatusInvestigating, At: parser.NewTime(t0, ""), Body: "Investigating."},
				{Status: parser.StatusResolved, At: parser.NewTime(t0.Add(time.Duration(i%300)*time.Minute), ""), Body: "Resolved."},
			}}
		ins = append(ins, in)
	}
	r, err := stats.Compute(slices.Values(ins), stats.Options{Since: start, Until: now, Now: now, By: "month"})
	if err != nil {
		b.Fatal(err)
	}
	d := Data{Generated: now, Report: r, Incidents: ins}
	var size int
	for b.Loop() {
		var buf bytes.Buffer
		if err := Write(&buf, d); err != nil {
			b.Fatal(err)
		}
		size = buf.Len()
	}
	b.ReportMetric(float64(size), "bytes/report")
}

// TestMetricsCoveredBy: the coverage cell names what decided it, the
// stated complete history or else the oldest incident.
func TestMetricsCoveredBy(t *testing.T) {
	day := func(s string) time.Time {
		v, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	r := stats.Report{Sources: []stats.Summary{
		{Source: "a", Coverage: stats.Coverage{Oldest: day("2026-03-01"), CompleteSince: day("2025-01-01"), WindowCovered: true}},
		{Source: "b", Coverage: stats.Coverage{Oldest: day("2026-03-01"), CompleteSince: day("2026-02-01")}},
		{Source: "c", Coverage: stats.Coverage{Oldest: day("2026-03-01"), WindowCovered: true}},
	}}
	want := []string{"yes, complete since 2025-01-01", "NO, complete only since 2026-02-01", "yes, back to 2026-03-01"}
	for _, m := range Metrics(r) {
		if m.ID == "covered" {
			if !slices.Equal(m.Cells, want) {
				t.Errorf("covered cells = %q, want %q", m.Cells, want)
			}
			return
		}
	}
	t.Fatal("Metrics has no covered row")
}
