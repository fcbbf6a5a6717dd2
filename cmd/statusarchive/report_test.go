package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/stats"
	"github.com/statusarchive/statusarchive/fixtures"
)

// reportWindow pins the report's window before the test clock, so that the
// report and the stats command compute the same figures.
var reportWindow = []string{"--window", "24m", "--until", "2026-07-01"}

// scrapeFixtures archives both fixture sites: the outage-history page as
// workos and the Statuspage site as acme.
func scrapeFixtures(t *testing.T) *cli {
	t.Helper()
	c := newCLI(t)
	oh := httptest.NewServer(fixtures.OutageHistorySite("semantic"))
	defer oh.Close()
	sp := httptest.NewServer(fixtures.StatuspageSite(fixtures.StatuspageOptions{}))
	defer sp.Close()
	if _, err := c.scrape("workos", oh.URL+workosPath); err != nil {
		t.Fatalf("scrape workos: %v", err)
	}
	if _, err := c.scrape("acme", sp.URL+"/"); err != nil {
		t.Fatalf("scrape acme: %v", err)
	}
	return c
}

// writeReport runs `report --html` into a temporary file and returns its
// path and content.
func writeReport(t *testing.T, c *cli, args ...string) (string, []byte) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "report.html")
	c.must(append([]string{"report", "--html", path}, args...)...)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return path, b
}

// statsFigures runs `stats --format json` with args: the figures the
// report must show.
func statsFigures(t *testing.T, c *cli, args ...string) stats.Report {
	t.Helper()
	out := c.must(append([]string{"stats", "--format", "json"}, args...)...)
	var r stats.Report
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("stats --format json: %v\n%s", err, out)
	}
	return r
}

// expectedCells lists, per metric row of the comparison table, the text
// each source's cell must hold, taken from the stats command's figures.
func expectedCells(r stats.Report) map[string]map[string]string {
	want := map[string]map[string]string{}
	set := func(row, source, v string) {
		if want[row] == nil {
			want[row] = map[string]string{}
		}
		want[row][source] = v
	}
	for _, s := range r.Sources {
		set("metric-incidents", s.Source, strconv.Itoa(s.Incidents))
		set("metric-maintenance", s.Source, strconv.Itoa(s.Maintenance))
		set("metric-per-month", s.Source, fmt.Sprintf("%.2f", s.PerMonth))
		set("metric-downtime", s.Source, stats.HoursMinutes(s.Downtime))
		set("metric-downtime-union", s.Source, stats.HoursMinutes(s.DowntimeUnion))
		for _, a := range s.Availability {
			set("metric-availability-"+string(a.Method), s.Source, fmt.Sprintf("%.3f%%", a.Percent))
		}
	}
	return want
}

// comparisonCells reads the comparison table of a rendered page: row id ->
// source -> cell text.
func comparisonCells(t *testing.T, doc *html.Node) map[string]map[string]string {
	t.Helper()
	var sources []string
	got := map[string]map[string]string{}
	walkHTML(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		if n.Data == "th" && htmlAttr(n, "data-source") != "" && htmlAttr(n.Parent.Parent.Parent, "id") == "comparison-table" {
			sources = append(sources, htmlAttr(n, "data-source"))
		}
		if id := htmlAttr(n, "id"); n.Data == "tr" && strings.HasPrefix(id, "metric-") {
			got[id] = map[string]string{}
			i := 0
			for td := n.FirstChild; td != nil; td = td.NextSibling {
				if td.Type == html.ElementNode && td.Data == "td" {
					if i < len(sources) {
						got[id][sources[i]] = htmlText(td)
					}
					i++
				}
			}
		}
	})
	if len(sources) == 0 {
		t.Fatalf("no source columns in the comparison table")
	}
	return got
}

func TestReportFixtures(t *testing.T) {
	c := scrapeFixtures(t)
	tests := []struct {
		name string
		args []string
	}{
		{"24 months", reportWindow},
		{"whole archive", []string{"--until", "2026-07-01"}},
		{"one source, statuspage method", []string{"--source", "acme", "--method", "statuspage", "--window", "12m", "--until", "2026-07-01"}},
		{"custom weights", []string{"--weights", "critical=1,major=1,minor=0.5,none=0", "--window", "2y", "--until", "2026-07-01"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want := statsFigures(t, c, tt.args...)
			_, page := writeReport(t, c, tt.args...)
			doc, err := html.Parse(bytes.NewReader(page))
			if err != nil {
				t.Fatalf("the report does not parse: %v", err)
			}
			checkSelfContained(t, doc)
			got := comparisonCells(t, doc)
			if len(want.Sources) == 0 {
				t.Fatalf("stats found no sources: the fixtures were not archived")
			}
			for row, cells := range expectedCells(want) {
				for source, v := range cells {
					if got[row][source] != v {
						t.Errorf("%s of %s = %q, want %q", row, source, got[row][source], v)
					}
				}
			}
			if n := len(got["metric-incidents"]); n != len(want.Sources) {
				t.Errorf("%d source columns, want %d", n, len(want.Sources))
			}
			for _, id := range []string{"comparison", "monthly", "timeline", "coverage", "methods"} {
				if !bytes.Contains(page, []byte(`<section id="`+id+`">`)) {
					t.Errorf("no section %q", id)
				}
			}
			if bars := bytes.Count(page, []byte(`<rect class="bar"`)); bars == 0 {
				t.Errorf("no monthly bars drawn")
			}
			if marks := bytes.Count(page, []byte(`<rect class="mark `)); marks < want.Sources[0].Incidents {
				t.Errorf("%d timeline marks, want at least %d", marks, want.Sources[0].Incidents)
			}
		})
	}
}

// checkSelfContained fails when the page would load anything: a script, a
// stylesheet, an image or a frame from elsewhere. Links a reader may follow
// (the vendors' incident pages) are fine.
func checkSelfContained(t *testing.T, doc *html.Node) {
	t.Helper()
	walkHTML(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.Data {
		case "script", "link", "img", "iframe", "object", "embed", "image", "use", "video", "audio", "source":
			t.Errorf("the report has a <%s> element", n.Data)
		case "style":
			if css := htmlText(n); strings.Contains(css, "url(") || strings.Contains(css, "@import") {
				t.Errorf("the report's CSS loads something: %q", css)
			}
		}
		for _, a := range n.Attr {
			if a.Key == "src" || a.Key == "srcset" || a.Key == "style" || (a.Key == "href" && n.Data != "a") {
				t.Errorf("<%s %s=%q>: the report must load nothing", n.Data, a.Key, a.Val)
			}
		}
	})
}

func TestReportUsage(t *testing.T) {
	c := newCLI(t)
	out := filepath.Join(t.TempDir(), "r.html")
	tests := []struct {
		name string
		args []string
	}{
		{"no --html", nil},
		{"window and since", []string{"--html", out, "--window", "24m", "--since", "2025-01-01"}},
		{"bad window", []string{"--html", out, "--window", "soon"}},
		{"custom without weights", []string{"--html", out, "--method", "custom"}},
		{"bad weights", []string{"--html", out, "--weights", "major=2"}},
		{"an argument", []string{"--html", out, "extra"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := c.run(append([]string{"report"}, tt.args...)...)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("report %v: error %v, want a usage error", tt.args, err)
			}
			if _, serr := os.Stat(out); serr == nil {
				t.Errorf("report %v wrote %s", tt.args, out)
			}
		})
	}
}

// TestReportEmptyArchive writes a report of an archive with nothing in it:
// a page that says so, not an error.
func TestReportEmptyArchive(t *testing.T) {
	c := newCLI(t)
	db, err := archive.Open(c.db, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	_, page := writeReport(t, c)
	for _, want := range []string{"No incidents archived for these sources.", "scrape them first"} {
		if !bytes.Contains(page, []byte(want)) {
			t.Errorf("the empty report does not say %q", want)
		}
	}
}

func walkHTML(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walkHTML(c, f)
	}
}

func htmlAttr(n *html.Node, key string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func htmlText(n *html.Node) string {
	var b strings.Builder
	walkHTML(n, func(c *html.Node) {
		if c.Type == html.TextNode {
			b.WriteString(c.Data)
		}
	})
	return b.String()
}

func TestReportNotes(t *testing.T) {
	undated := stats.Report{Sources: []stats.Summary{{Source: "a", Undated: 2}, {Source: "b", Undated: 1}}}
	tests := []struct {
		name              string
		r                 stats.Report
		archived, deleted int
		want              []string
	}{
		{"nothing to say", stats.Report{Sources: []stats.Summary{{Source: "a"}}}, 5, 0, nil},
		{"deleted", stats.Report{Sources: []stats.Summary{{Source: "a"}}}, 5, 2, []string{"2 incidents were later deleted"}},
		{"undated", undated, 5, 0, []string{"3 archived incidents carry no time"}},
		{"empty archive", stats.Report{}, 0, 0, []string{"scrape them first"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := reportNotes(tt.r, tt.archived, tt.deleted)
			if len(got) != len(tt.want) {
				t.Fatalf("reportNotes = %q, want %d notes starting %q", got, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("note %d = %q, want it to say %q", i, got[i], w)
				}
			}
		})
	}
}
