package parser

import (
	"testing"

	"github.com/statusarchive/statusarchive/fixtures"
)

// parseSiteFile parses one generated platform file as if served from origin.
func parseSiteFile(t *testing.T, name, url string) *Page {
	t.Helper()
	b, err := fixtures.PlatformReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	page, err := Parse(Document{Source: "site", URL: url, Body: b}, FormatAuto)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return page
}

// TestPlatformRenderingsAgree: two renderings of one incident on the same
// site (a JSON API and the incident's own page) parse to records that hash
// the same once what one leaves unsaid is filled from the other, so that a
// crawl reading both keeps one version.
func TestPlatformRenderingsAgree(t *testing.T) {
	cases := []struct {
		name     string
		a, aURL  string
		b, bURL  string
		id       string
		wantFmtA Format
		wantFmtB Format
	}{
		{"incident.io compatible API and incident page",
			"incidentio/site/api/v2/incidents.json", "https://status.incidentio.test/api/v2/incidents.json",
			"incidentio/site/incidents/01K1000000000000000000000B.html", "https://status.incidentio.test/incidents/01K1000000000000000000000B",
			"01K1000000000000000000000B", FormatStatuspageAPI, FormatIncidentIOHTML},
		{"incident.io window and incident page",
			"incidentio/site/proxy/incidents.json", "https://status.incidentio.test/proxy/status.incidentio.test/incidents",
			"incidentio/site/incidents/01JY000000000000000000000E.html", "https://status.incidentio.test/incidents/01JY000000000000000000000E",
			"01JY000000000000000000000E", FormatIncidentIO, FormatIncidentIOHTML},
		{"Better Stack index.json and report page",
			"betterstack/site/index.json", "https://status.betterstack.test/index.json",
			"betterstack/site/incidents/970001.html", "https://status.betterstack.test/incidents/970001",
			"970001", FormatBetterStack, FormatBetterStackHTML},
		{"status.io API and incident page",
			"statusio/site/1.0/status/5f00000000000000000000aa.json", "https://status.statusio.test/1.0/status/5f00000000000000000000aa",
			"statusio/site/pages/incident/5f00000000000000000000aa/6a0000000000000000000001.html", "https://status.statusio.test/pages/incident/5f00000000000000000000aa/6a0000000000000000000001",
			"6a0000000000000000000001", FormatStatusIO, FormatStatusIOHTML},
		{"Instatus history and incident page",
			"instatus/site/history/1.html", "https://status.instatus.test/history",
			"instatus/site/incident/cmi0000000000000000000003.html", "https://status.instatus.test/incident/cmi0000000000000000000003",
			"cmi0000000000000000000003", FormatInstatusHTML, FormatInstatusHTML},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pa, pb := parseSiteFile(t, tc.a, tc.aURL), parseSiteFile(t, tc.b, tc.bURL)
			if pa.Format != tc.wantFmtA || pb.Format != tc.wantFmtB {
				t.Errorf("formats %s and %s, want %s and %s", pa.Format, pb.Format, tc.wantFmtA, tc.wantFmtB)
			}
			find := func(p *Page) Incident {
				for _, in := range p.Incidents {
					if in.ID == tc.id {
						return in
					}
				}
				t.Fatalf("%s has no incident %s", p.URL, tc.id)
				return Incident{}
			}
			a, b := find(pa), find(pb)
			if a.Partial {
				// A window names components by id only: the page's record
				// wins the merge.
				for _, in := range Merge([]*Page{pa, pb}) {
					if in.ID == tc.id && in.Hash() != b.Hash() {
						t.Errorf("merged %+v, want the page's record %+v", in, b)
					}
				}
				return
			}
			a.FillUnknown(b)
			b.FillUnknown(a)
			if a.Hash() != b.Hash() {
				t.Errorf("renderings differ:\n got %+v\nwant %+v", a, b)
			}
		})
	}
}

// TestIncidentIOQuirks pins the quirks issue 10 lists, as the fixture site
// carries them.
func TestIncidentIOQuirks(t *testing.T) {
	page := parseSiteFile(t, "incidentio/site/incidents/01K1000000000000000000000B.html", "https://status.incidentio.test/incidents/01K1000000000000000000000B")
	in := page.Incidents[0]
	var words []Status
	for _, u := range in.Updates {
		words = append(words, u.Status)
	}
	want := []Status{StatusInvestigating, StatusResolved, StatusMonitoring, StatusIdentified, StatusResolved}
	if len(words) != len(want) {
		t.Fatalf("statuses %v, want %v (kept in time order, going backwards)", words, want)
	}
	for i := range want {
		if words[i] != want[i] {
			t.Errorf("statuses %v, want %v (kept in time order, going backwards)", words, want)
			break
		}
	}
	if len(in.Components) != 2 || in.Components[0].Name != "Login" || in.Components[1].Name != "Login" {
		t.Errorf("components %+v, want both components named Login (keyed on id)", in.Components)
	}
	if in.Impact != ImpactCritical || in.ImpactRaw != "full_outage" {
		t.Errorf("impact %q (%q), want critical (full_outage)", in.Impact, in.ImpactRaw)
	}
	compat := parseSiteFile(t, "incidentio/site/api/v2/incidents.json", "https://status.incidentio.test/api/v2/incidents.json")
	for _, c := range compat.Incidents {
		if c.ID == in.ID && !c.Updates[0].At.At.Equal(in.Updates[0].At.At) {
			t.Errorf("compatible API first update at %v, page at %v: display_at (earlier than created_at) must win", c.Updates[0].At.At, in.Updates[0].At.At)
		}
	}
	agent := parseSiteFile(t, "incidentio/site/incidents/01K2000000000000000000000A.html", "https://status.incidentio.test/incidents/01K2000000000000000000000A").Incidents[0]
	if agent.Updates[1].Body != "" || agent.Updates[1].Status != StatusIdentified {
		t.Errorf("update 1 = %+v, want the empty identified post kept", agent.Updates[1])
	}
	if got := agent.Updates[0].Body; got == "" || got[0] == ' ' {
		t.Errorf("Markdown body %q, want it as written", got)
	}
}

// TestPlatformSitesDetected: every page of the four platform sites is
// detected as its own format, from its structure, and parses.
func TestPlatformSitesDetected(t *testing.T) {
	cases := []struct {
		pattern string
		url     string
		want    Format
	}{
		{"incidentio/site/index.html", "https://status.incidentio.test/", FormatIncidentIOHTML},
		{"incidentio/site/incidents/*.html", "https://status.incidentio.test/incidents/x", FormatIncidentIOHTML},
		{"incidentio/site/proxy/incidents.json", "https://status.incidentio.test/proxy/status.incidentio.test/incidents", FormatIncidentIO},
		{"incidentio/site/api/v2/incidents.json", "https://status.incidentio.test/api/v2/incidents.json", FormatStatuspageAPI},
		{"instatus/site/summary.json", "https://status.instatus.test/summary.json", FormatInstatus},
		{"instatus/site/v2/components.json", "https://status.instatus.test/v2/components.json", FormatInstatus},
		{"instatus/site/history/*.html", "https://status.instatus.test/history?page=1", FormatInstatusHTML},
		{"instatus/site/incident/*.html", "https://status.instatus.test/incident/x", FormatInstatusHTML},
		{"instatus/site/maintenance/*.html", "https://status.instatus.test/maintenance/x", FormatInstatusHTML},
		{"betterstack/site/index.json", "https://status.betterstack.test/index.json", FormatBetterStack},
		{"betterstack/site/incidents/*/*.html", "https://status.betterstack.test/incidents/2026-04/2026-06", FormatBetterStackHTML},
		{"betterstack/site/incidents/9*.html", "https://status.betterstack.test/incidents/970001", FormatBetterStackHTML},
		{"statusio/site/1.0/status/*.json", "https://status.statusio.test/1.0/status/5f00000000000000000000aa", FormatStatusIO},
		{"statusio/site/pages/rss/*.xml", "https://status.statusio.test/pages/5f00000000000000000000aa/rss", FormatStatusIOFeed},
		{"statusio/site/pages/history/*.html", "https://status.statusio.test/pages/history/5f00000000000000000000aa", FormatStatusIOHTML},
		{"statusio/site/pages/incident/*/*.html", "https://status.statusio.test/pages/incident/5f00000000000000000000aa/6a0000000000000000000001", FormatStatusIOHTML},
	}
	for _, tc := range cases {
		files, err := fixtures.PlatformGlob(tc.pattern)
		if err != nil || len(files) == 0 {
			t.Fatalf("%s: no files (%v)", tc.pattern, err)
		}
		for _, name := range files {
			b, err := fixtures.PlatformReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			doc := Document{Source: "site", URL: tc.url, Body: b}
			if got, err := Detect(doc); err != nil || got != tc.want {
				t.Errorf("%s: Detect = %q, %v, want %q", name, got, err, tc.want)
			}
			if _, err := Parse(doc, FormatAuto); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
}
