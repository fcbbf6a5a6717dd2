package parser

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/statusarchive/statusarchive/fixtures/outagehistory/markup"

	"github.com/statusarchive/statusarchive/fixtures/golden"
)

// ohSiteURL is where the fixture server serves a rendered file of s.
func ohSiteURL(s markup.Site, rel string) string {
	list := s.Origin + "/providers/" + s.Slug + "/outages"
	switch {
	case rel == "outages-1.html":
		return list
	case strings.HasPrefix(rel, "outages-"):
		return list + "?page=" + strings.TrimSuffix(strings.TrimPrefix(rel, "outages-"), ".html")
	}
	return s.Origin + "/providers/" + s.Slug + "/" + strings.TrimSuffix(rel, ".html")
}

// ohParseSite detects and parses every page of s rendered in one markup.
func ohParseSite(t *testing.T, s markup.Site, name string) map[string]*Page {
	t.Helper()
	files, err := markup.Render(s, name)
	if err != nil {
		t.Fatalf("Render(%s): %v", name, err)
	}
	pages := map[string]*Page{}
	for rel, body := range files {
		if !strings.HasSuffix(rel, ".html") {
			continue
		}
		doc := Document{Source: s.Slug, URL: ohSiteURL(s, rel), ContentType: "text/html; charset=utf-8", Body: body}
		p, err := Parse(doc, FormatAuto)
		if err != nil {
			t.Fatalf("markup %s, %s: %v", name, rel, err)
		}
		if p.Format != FormatOutageHistory {
			t.Fatalf("markup %s, %s: detected as %s, want %s", name, rel, p.Format, FormatOutageHistory)
		}
		pages[rel] = p
	}
	return pages
}

// The property: a random site, rendered in every markup, parses to the
// same pages (records, claims, follows) in each, and those records say
// what the site's data says.
func TestOutageHistoryRandomSitesAgree(t *testing.T) {
	sites := 40
	if testing.Short() {
		sites = 8
	}
	names := markup.Names()
	if len(names) < 6 {
		t.Fatalf("%d markups, want at least 6", len(names))
	}
	for seed := range sites {
		s := markup.Random(rand.New(rand.NewPCG(uint64(seed), 12)))
		ref := ohParseSite(t, s, names[0])
		ohCheckData(t, seed, s, ref)
		for _, name := range names[1:] {
			got := ohParseSite(t, s, name)
			if len(got) != len(ref) {
				t.Fatalf("site %d: markup %s has %d pages, %s has %d", seed, name, len(got), names[0], len(ref))
			}
			for rel, want := range ref {
				if g := got[rel]; !reflect.DeepEqual(g, want) {
					gj, _ := json.MarshalIndent(g, "", "  ")
					wj, _ := json.MarshalIndent(want, "", "  ")
					t.Errorf("site %d, %s: markup %s parses differently from %s:\n%s", seed, rel, name, names[0], golden.FirstDiff(gj, wj))
				}
			}
		}
	}
}

// ohCheckData compares one markup's pages with the site's data.
func ohCheckData(t *testing.T, seed int, s markup.Site, pages map[string]*Page) {
	t.Helper()
	errorf := func(format string, args ...any) {
		t.Helper()
		t.Errorf("site %d: %s", seed, fmt.Sprintf(format, args...))
	}
	checkUpdates := func(where string, got []Update, want []markup.Update) {
		t.Helper()
		if len(got) != len(want) {
			errorf("%s: %d updates, want %d", where, len(got), len(want))
			return
		}
		for k, u := range want {
			if g := got[k]; g.StatusRaw != u.Status || g.At.Text != u.At || g.Body != u.Body {
				errorf("%s: update %d is %q %q %q, want %q %q %q", where, k, g.StatusRaw, g.At.Text, g.Body, u.Status, u.At, u.Body)
			}
		}
	}
	for rel, p := range pages {
		if strings.HasPrefix(rel, "incidents/") {
			id := strings.TrimSuffix(strings.TrimPrefix(rel, "incidents/"), ".html")
			i := slices.IndexFunc(s.Incidents, func(in markup.Incident) bool { return in.ID == id })
			if len(p.Incidents) != 1 || i < 0 {
				errorf("%s: %d incidents, want 1 of the data", rel, len(p.Incidents))
				continue
			}
			want, got := s.Incidents[i], p.Incidents[0]
			if got.ID != want.ID || got.Title != want.Title || got.ImpactRaw != want.Detail.Impact || got.Partial {
				errorf("%s: %s %q impact %q partial %v, want %s %q %q complete", rel, got.ID, got.Title, got.ImpactRaw, got.Partial, want.ID, want.Title, want.Detail.Impact)
			}
			if got.Started.Text != want.Updates[0].At {
				errorf("%s: started %q, want %q", rel, got.Started.Text, want.Updates[0].At)
			}
			var comps []string
			for _, c := range got.Components {
				comps = append(comps, c.Name)
			}
			if !slices.Equal(comps, want.Detail.Components) {
				errorf("%s: components %q, want %q", rel, comps, want.Detail.Components)
			}
			checkUpdates(rel, got.Updates, want.Updates)
			continue
		}
		var want []markup.Incident
		for _, in := range s.Incidents {
			if fmt.Sprintf("outages-%d.html", in.Page) == rel {
				want = append(want, in)
			}
		}
		if len(p.Incidents) != len(want) {
			errorf("%s: %d incidents, want %d", rel, len(p.Incidents), len(want))
			continue
		}
		for k, w := range want {
			g := p.Incidents[k]
			if g.ID != w.ID || g.Title != w.Title || g.UpdatesClaimed != w.Claimed || g.Partial == w.Timeline {
				errorf("%s: incident %d is %s %q claiming %d partial %v, want %s %q %d %v", rel, k, g.ID, g.Title, g.UpdatesClaimed, g.Partial, w.ID, w.Title, w.Claimed, !w.Timeline)
			}
			if w.Timeline {
				checkUpdates(rel+" "+w.ID, g.Updates, w.Updates)
			}
		}
		if p.Claims == nil || p.Claims.Vendor != s.Vendor || p.Claims.Outages != len(s.Incidents) {
			errorf("%s: claims %+v, want %s's %d outages", rel, p.Claims, s.Vendor, len(s.Incidents))
		}
	}
}

// The two detail pages issue 12 reported: a "Resolved" badge right before
// the Started/Resolved rows, and a title that is a plain <div> with no
// badges at all.
func TestOutageHistoryDetailReportedShapes(t *testing.T) {
	timeline := `<div>Update timeline</div><div>investigating</div><div>Jun 22, 2026, 02:03 PM UTC</div><div>Looking.</div>
		<div>resolved</div><div>Jun 22, 2026, 06:01 PM UTC</div><div>Fixed.</div>`
	tests := []struct {
		name, body, impact string
	}{
		{"badge Resolved before the rows", `<h1>Elevated API Errors</h1><div>Minor</div><div>Resolved</div>
			<div>Started</div><div>Jun 22, 2026, 02:03 PM UTC</div><div>Resolved</div><div>Jun 22, 2026, 06:01 PM UTC</div>` + timeline, "Minor"},
		{"plain div title without badges", `<div><a href="/">Home</a> <a href="/p">Providers</a></div><div>Elevated API Errors</div>
			<div>Started: Jun 22, 2026, 02:03 PM UTC</div><div>Resolved: Jun 22, 2026, 06:01 PM UTC</div>` + timeline, ""},
		{"badges before the title", `<div><span>Resolved</span> <span>Minor</span></div><div>Elevated API Errors</div>
			<div>Resolved: Jun 22, 2026, 06:01 PM UTC</div><div>STARTED: Jun 22, 2026, 02:03 PM UTC</div>` + timeline, "Minor"},
	}
	for _, tt := range tests {
		doc := Document{Source: "workos", URL: "https://agg.example/providers/workos/incidents/7", ContentType: "text/html", Body: []byte("<html><body>" + tt.body + "</body></html>")}
		p, err := Parse(doc, FormatAuto)
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
			continue
		}
		if len(p.Incidents) != 1 {
			t.Errorf("%s: %d incidents, want 1", tt.name, len(p.Incidents))
			continue
		}
		in := p.Incidents[0]
		if in.Title != "Elevated API Errors" || in.ImpactRaw != tt.impact || in.Started.Text != "Jun 22, 2026, 02:03 PM UTC" ||
			in.Resolved.Text != "Jun 22, 2026, 06:01 PM UTC" || len(in.Updates) != 2 || in.Status != StatusResolved {
			t.Errorf("%s: %q impact %q started %q resolved %q, %d updates, status %s; want the title, impact %q, both rows, 2 updates, resolved",
				tt.name, in.Title, in.ImpactRaw, in.Started.Text, in.Resolved.Text, len(in.Updates), in.Status, tt.impact)
		}
	}
}
