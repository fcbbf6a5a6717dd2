package stats

import (
	"bytes"
	"encoding/json"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/statusarchive/statusarchive/fixtures"
	"github.com/statusarchive/statusarchive/parser"

	"github.com/statusarchive/statusarchive/fixtures/golden"
)

// TestSeedThroughParser computes the seed's figures from the project's own
// outage-history parser, in both markups of the reconstructed site, and
// checks them against the tests' line reading of the seed text and the
// claim the page makes (parser.Claims).
func TestSeedThroughParser(t *testing.T) {
	lineIncidents, lineClaims := readSeed(t)
	since, err := WindowSince(lineClaims.Window, seedUntil)
	if err != nil {
		t.Fatal(err)
	}
	opts := Options{Since: since, Until: seedUntil, Now: seedUntil, By: "month"}
	lineReport, err := Compute(slices.Values(lineIncidents), opts)
	if err != nil {
		t.Fatal(err)
	}
	want := lineReport.Sources[0]

	for _, markup := range fixtures.Markups() {
		t.Run(markup, func(t *testing.T) {
			body, err := fixtures.ReadFile(path.Join("outagehistory", markup, "outages-1.html"))
			if err != nil {
				t.Fatal(err)
			}
			page, err := parser.Parse(parser.Document{Source: "workos", URL: "https://outages.example/providers/workos/outages",
				ContentType: "text/html; charset=utf-8", Body: body}, parser.FormatOutageHistory)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(page.Incidents) != 24 || page.Claims == nil {
				t.Fatalf("Parse = %d incidents, claims %v; want the seed's 24 and its claim", len(page.Incidents), page.Claims)
			}
			c := *page.Claims
			if c.Vendor != "WorkOS" || c.Outages != 44 || c.Window != "2 years" || HoursMinutes(c.Downtime) != "122h 18m" || c.PerMonth != 1.8 {
				t.Errorf("page claims = %+v, want WorkOS, 44, 2 years, 122h 18m, 1.8", c)
			}
			rep, err := Compute(slices.Values(page.Incidents), opts)
			if err != nil {
				t.Fatal(err)
			}
			got := rep.Sources[0]
			if got.Incidents != want.Incidents || got.Undated != want.Undated || got.Downtime != want.Downtime ||
				got.DowntimeUnion != want.DowntimeUnion || got.TimeToResolve != want.TimeToResolve ||
				got.DurationSources[SourceStatedWindow] != 5 || got.DurationSources[SourceStatedWindow] != want.DurationSources[SourceStatedWindow] {
				t.Errorf("figures from the parser = %d incidents, %d undated, %v / %v, ttr %+v, stated %d; want the line reading's %d, %d, %v / %v, %+v, 5",
					got.Incidents, got.Undated, got.Downtime, got.DowntimeUnion, got.TimeToResolve, got.DurationSources[SourceStatedWindow],
					want.Incidents, want.Undated, want.Downtime, want.DowntimeUnion, want.TimeToResolve)
			}
			cmp := Compare(c, got)
			var b bytes.Buffer
			b.WriteString(cmp.String())
			js, err := json.MarshalIndent(cmp, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			b.Write(js)
			b.WriteByte('\n')
			// Both markups show the same text: one golden file.
			golden.Check(t, filepath.Join("testdata", "seed-parsed-claim.txt"), b.Bytes())
		})
	}
}

// TestSiteThroughParser computes the figures of the whole reconstructed
// site (both list pages and every detail page, merged as a crawl merges
// them): detail pages state Started and Resolved, so some durations come
// from the page's fields rather than the updates.
func TestSiteThroughParser(t *testing.T) {
	var want []byte
	for _, markup := range fixtures.Markups() {
		t.Run(markup, func(t *testing.T) {
			var pages []*parser.Page
			for _, pattern := range []string{"outages-*.html", "incidents/*.html"} {
				names, err := fixtures.Glob(path.Join("outagehistory", markup, pattern))
				if err != nil {
					t.Fatal(err)
				}
				for _, name := range names {
					body, err := fixtures.ReadFile(name)
					if err != nil {
						t.Fatal(err)
					}
					page, err := parser.Parse(parser.Document{Source: "workos", URL: siteURL(name),
						ContentType: "text/html; charset=utf-8", Body: body}, parser.FormatOutageHistory)
					if err != nil {
						t.Fatalf("Parse(%s): %v", name, err)
					}
					pages = append(pages, page)
				}
			}
			incidents := parser.Merge(pages)
			rep, err := Compute(slices.Values(incidents), Options{Until: seedUntil, Now: seedUntil, By: "month"})
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Sources[0]
			if s.Incidents+s.Maintenance+s.Undated != len(incidents) {
				t.Errorf("incidents %d + maintenance %d + undated %d != %d merged", s.Incidents, s.Maintenance, s.Undated, len(incidents))
			}
			if s.DurationSources[SourceStartedResolved] == 0 {
				t.Errorf("duration sources = %v, want some started-resolved from the detail pages", s.DurationSources)
			}
			got, err := json.MarshalIndent(s, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			if want != nil && !bytes.Equal(got, want) {
				t.Errorf("markup %s gives other figures than %s:\n%s", markup, fixtures.Markups()[0], got)
			}
			want = got
			golden.Check(t, filepath.Join("testdata", "site-summary.json"), append(got, '\n'))
		})
	}
}

// siteURL is the URL fixtures.OutageHistorySite serves a page file at.
func siteURL(name string) string {
	const list = "https://outages.example/providers/workos/outages"
	base := path.Base(name)
	switch {
	case base == "outages-1.html":
		return list
	case strings.HasPrefix(base, "outages-"):
		return list + "?page=" + strings.TrimSuffix(strings.TrimPrefix(base, "outages-"), ".html")
	}
	return "https://outages.example/providers/workos/incidents/" + strings.TrimSuffix(base, ".html")
}
