package parser

import (
	"errors"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/fixtures"
	"github.com/statusarchive/statusarchive/fixtures/golden"
)

// checkPlatformGolden compares page, as indented JSON, with
// testdata/platforms/<name>.golden.json, or rewrites it under -update.
func checkPlatformGolden(t *testing.T, name string, v any) {
	t.Helper()
	golden.CheckJSON(t, filepath.Join("testdata", "platforms", name+".golden.json"), v)
}

// TestPlatformRealWorld parses every real capture of the incident.io,
// Instatus, Better Stack and status.io families: each is detected as its
// format and pinned by a golden file, or refused for the reason it shows.
func TestPlatformRealWorld(t *testing.T) {
	tests := []struct {
		file   string
		url    string
		format Format
		total  int
		scope  Scope
		refuse string // the reason a refused capture is refused
	}{
		{file: "incidentio/openai-v2summary-minor-20260722.json", url: "https://status.openai.com/api/v2/summary.json", format: FormatStatuspageAPI, total: 1, scope: ScopeCurrent},
		{file: "incidentio/cohere-v2summary-major-20260723.json", url: "https://status.cohere.com/api/v2/summary.json", format: FormatStatuspageAPI, total: 1, scope: ScopeCurrent},
		{file: "instatus/perplexity-summary-major-20260723.json", url: "https://status.perplexity.com/summary.json", format: FormatInstatus, total: 1, scope: ScopeCurrent},
		{file: "betterstack/huggingface-index-downtime-20260719.json", url: "https://status.huggingface.co/index.json", format: FormatBetterStack, total: 5, scope: ScopeListing},
		{file: "statusio/nintex-api-envelope-20260420.json", url: "https://status.nintex.com/1.0/status/566925105401bb333d000014", format: FormatStatusIO, total: 0, scope: ScopeCurrent},
		{file: "statusio/nintex-derived-incidents-20260503.json", url: "https://status.nintex.com/1.0/status/566925105401bb333d000014",
			refuse: "incidents[0] has title and timeline, not status.io's _id, name and messages: an archiver's own shape, not the vendor's"},
	}
	for _, tt := range tests {
		name := strings.TrimSuffix(path.Base(tt.file), ".json")
		t.Run(name, func(t *testing.T) {
			doc := Document{Source: "test", URL: tt.url, ContentType: "application/json", Body: readStatuspageFixture(t, "realworld/"+tt.file)}
			got, err := Detect(doc)
			if tt.refuse != "" {
				if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), tt.refuse) {
					t.Errorf("Detect = %q, %v; want ErrUnknownFormat saying %q", got, err, tt.refuse)
				}
				if _, err := Parse(doc, FormatStatusIO); !errors.Is(err, ErrWrongPlatform) || !strings.Contains(err.Error(), tt.refuse) {
					t.Errorf("Parse as statusio = %v; want ErrWrongPlatform saying %q", err, tt.refuse)
				}
				return
			}
			if err != nil || got != tt.format {
				t.Fatalf("Detect = %q, %v, want %q", got, err, tt.format)
			}
			page, err := Parse(doc, FormatAuto)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(page.Incidents) != tt.total || page.Scope != tt.scope {
				t.Errorf("%d incidents, scope %q; want %d, %q", len(page.Incidents), page.Scope, tt.total, tt.scope)
			}
			for _, in := range page.Incidents {
				for k, u := range in.Updates {
					if u.At.Text == "" || u.At.At.Location() != time.UTC {
						t.Errorf("incident %s update %d time %v %q: want UTC with its text", in.ID, k, u.At.At, u.At.Text)
					}
				}
			}
			if tt.format == FormatStatuspageAPI {
				return // TestStatuspageAPIRealWorld pins it in testdata/statuspage
			}
			checkPlatformGolden(t, name, page)
		})
	}
}

// TestBetterStackQuirks pins what MARKUP.md §4 says of the Hugging Face
// capture, beyond what the golden shows at a glance.
func TestBetterStackQuirks(t *testing.T) {
	doc := Document{Source: "hf", URL: "https://status.huggingface.co/index.json", Body: readStatuspageFixture(t, "realworld/betterstack/huggingface-index-downtime-20260719.json")}
	page, err := Parse(doc, FormatBetterStack)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]Incident{}
	for _, in := range page.Incidents {
		byID[in.ID] = in
	}
	hub := byID["965809"]
	if len(hub.Updates) != 3 || hub.Updates[0].Body != "Hugging Face platform is unavailable from most regions in the world due following a global outage from Amazon Web Services. We are working on a mitigation." {
		t.Errorf("report 965809 updates %+v: want 3, oldest first although the relationship lists the last one first", hub.Updates)
	}
	if hub.Impact != ImpactMajor || hub.ImpactRaw != "downtime" || hub.Status != StatusResolved || !hub.Resolved.IsZero() {
		t.Errorf("report 965809: impact %q (%q), status %q, resolved %v; want major (downtime), resolved, no stated end (ends_at is null)", hub.Impact, hub.ImpactRaw, hub.Status, hub.Resolved)
	}
	if got := hub.Updates[0]; got.Status != StatusUnknown || got.StatusRaw != "downtime" {
		t.Errorf("first update status %q raw %q: want unknown with the raw state kept", got.Status, got.StatusRaw)
	}
	maint := byID["961899"]
	if maint.Kind != KindMaintenance || maint.Status != StatusInProgress || maint.ScheduledFor.IsZero() || maint.ScheduledUntil.IsZero() {
		t.Errorf("report 961899: %+v; want an in-progress maintenance with its window", maint)
	}
	if got := maint.Updates[0]; got.Status != StatusUpdate || len(got.Components) != 0 {
		t.Errorf("maintenance update naming no resource: status %q components %q; want a free update post", got.Status, got.Components)
	}
}

// TestPlatformRefusalsNameTheClosestPlatform: a document that nearly fits
// a platform is refused with what it lacks.
func TestPlatformRefusalsNameTheClosestPlatform(t *testing.T) {
	cases := []struct {
		name, body, want string
	}{
		{"instatus without page", `{"activeIncidents":[{"id":"a","name":"b"}]}`, "looks like an Instatus summary (activeIncidents) but has no page object"},
		{"instatus lower-case status", `{"page":{"name":"X","status":"up"},"activeIncidents":[]}`, "looks like an Instatus summary but its page has no upper-case status"},
		{"instatus entry without id", `{"page":{"name":"X","status":"HASISSUES"},"activeIncidents":[{"name":"b"}]}`, "looks like an Instatus summary but active entry 0 has no id and name"},
		{"better stack without included", `{"data":{"id":"1","type":"status_page","attributes":{}}}`, "looks like a Better Stack index.json but has no included array"},
		{"status.io without incidents", `{"result":{"status_overall":{"status":"Operational","status_code":100}}}`, "looks like a status.io status document but no incidents list"},
		{"incident.io summary without wrapper", `{"ongoing_incidents":[]}`, "looks like an incident.io summary but has no summary object around ongoing_incidents"},
		{"incident.io update without name", `{"incidents":[{"id":"01A","updates":[{"to_status":"resolved"}]}]}`, "looks like an incident.io page but incident 0 has no id, name, published_at and updates"},
		{"next.js page of something else", `<html><body><script id="__NEXT_DATA__" type="application/json">{"props":{"pageProps":{"posts":[]}}}</script></body></html>`, "looks like a Next.js status page (incident.io and Instatus render so) but its page data holds no incident, incidents or summary (keys: posts)"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Detect(Document{Source: "v", URL: "https://status.example/x", Body: []byte(tc.body)})
			if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("Detect: %v\nwant ErrUnknownFormat saying %q", err, tc.want)
			}
		})
	}
}

// TestPlatformFormatsRefuseOtherPages: each platform parser, forced on
// another platform's capture, refuses it with ErrWrongPlatform, and the
// other captures are never detected as its format.
func TestPlatformFormatsRefuseOtherPages(t *testing.T) {
	names, err := fixtures.Glob("realworld/*/*")
	if err != nil {
		t.Fatal(err)
	}
	mine := []Format{FormatIncidentIO, FormatIncidentIOHTML, FormatInstatus, FormatInstatusHTML, FormatBetterStack, FormatBetterStackHTML, FormatStatusIO, FormatStatusIOHTML}
	family := map[Format]string{FormatIncidentIO: "incidentio", FormatIncidentIOHTML: "incidentio", FormatInstatus: "instatus",
		FormatInstatusHTML: "instatus", FormatBetterStack: "betterstack", FormatBetterStackHTML: "betterstack", FormatStatusIO: "statusio", FormatStatusIOHTML: "statusio"}
	for _, name := range names {
		if strings.HasSuffix(name, ".md") {
			continue
		}
		body := readStatuspageFixture(t, name)
		doc := Document{Source: "v", URL: "https://status.example/x", Body: body}
		dir := path.Base(path.Dir(name))
		for _, f := range mine {
			if family[f] == dir {
				continue
			}
			if _, err := Parse(doc, f); !errors.Is(err, ErrWrongPlatform) && !errors.Is(err, ErrBlocked) {
				t.Errorf("%s forced as %s: %v, want ErrWrongPlatform", name, f, err)
			}
		}
		if got, err := Detect(doc); err == nil && family[got] != "" && family[got] != dir {
			t.Errorf("%s detected as %s", name, got)
		}
	}
}

// TestMappingsKeepUnknownWords: a word no table maps is kept raw with an
// unknown mapping, never dropped and never guessed.
func TestMappingsKeepUnknownWords(t *testing.T) {
	body := `{"page":{"name":"X","url":"https://status.x.test","status":"HASISSUES"},"activeIncidents":[{"id":"c1","name":"Slow","started":"2026-01-01T00:00:00Z","status":"ESCALATED","impact":"SEVEREOUTAGE"}]}`
	page, err := Parse(Document{Source: "x", URL: "https://status.x.test/summary.json", Body: []byte(body)}, FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	in := page.Incidents[0]
	if in.Status != StatusUnknown || in.StatusRaw != "ESCALATED" || in.Impact != ImpactUnknown || in.ImpactRaw != "SEVEREOUTAGE" {
		t.Errorf("status %q (%q), impact %q (%q); want unknown with the raw words kept", in.Status, in.StatusRaw, in.Impact, in.ImpactRaw)
	}
	for _, m := range Mappings() {
		if m.Impact == ImpactUnknown && m.Status == StatusUnknown {
			t.Errorf("table row %+v maps to nothing", m)
		}
	}
}

// TestEveryFormatIsDescribed: `statusarchive formats` can show every
// format with its platform and an example URL.
func TestEveryFormatIsDescribed(t *testing.T) {
	for _, name := range Formats() {
		info, ok := Describe(name)
		if !ok || info.Platform == "" || info.Example == "" || info.Reads == "" {
			t.Errorf("format %s: description %+v, want platform, example and what it reads", name, info)
		}
	}
}

// TestIncidentIOSummaryWithoutUpdates: an open incident the summary lists
// without its updates is kept as a partial record, and its page is asked
// for.
func TestIncidentIOSummaryWithoutUpdates(t *testing.T) {
	body := `{"summary":{"name":"X","public_url":"https://status.x.test","components":[],"ongoing_incidents":[{"id":"01KA","name":"Slow API","status":"investigating"}]}}`
	page, err := Parse(Document{Source: "x", URL: "https://status.x.test/proxy/status.x.test", Body: []byte(body)}, FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	if page.Format != FormatIncidentIO || page.Scope != ScopeCurrent || len(page.Incidents) != 1 {
		t.Fatalf("page %+v, want one incident.io incident, scope current", page)
	}
	in := page.Incidents[0]
	if !in.Partial || in.Status != StatusInvestigating || len(page.Follow) != 1 || page.Follow[0].URL != "https://status.x.test/incidents/01KA" {
		t.Errorf("incident %+v, follow %+v; want a partial record and its page asked for", in, page.Follow)
	}
}

// TestEmptyIncidentListIsDecidedByURL: {"incidents":[]} is what both an
// incident.io window and Checkly's open incidents say when there is
// nothing. No score decides between them: at each platform's own URL only
// that platform claims the list, and at a URL of neither no format claims
// it and the refusal names both.
func TestEmptyIncidentListIsDecidedByURL(t *testing.T) {
	cases := []struct {
		url  string
		want Format // "" for refused
	}{
		{"https://status.example.com/proxy/status.example.com/incidents?start_at=2026-01-01T00:00:00Z&end_at=2026-04-01T00:00:00Z", FormatIncidentIO},
		{"https://status.example.com/api/status-page/example/unresolved-incidents", FormatCheckly},
		{"https://status.example.com/incidents.json", ""},
		{"https://status.example.com/api/v2/incidents.json", ""},
	}
	for _, body := range []string{`{"incidents":[]}`, "{ \"incidents\" :\n[ ] }"} {
		for _, tc := range cases {
			doc := Document{Source: "x", URL: tc.url, ContentType: "application/json", Body: []byte(body)}
			var claims []Format
			shared := doc.shared()
			for _, f := range formats {
				if f.sniff(shared) > 0 {
					claims = append(claims, f.name)
				}
			}
			got, err := Detect(doc)
			if tc.want == "" {
				if len(claims) != 0 || !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "incident.io") || !strings.Contains(err.Error(), "Checkly") {
					t.Errorf("%s at %s: claimed by %v, Detect = %q, %v; want no claim and a refusal naming incident.io and Checkly", body, tc.url, claims, got, err)
				}
				continue
			}
			if len(claims) != 1 || claims[0] != tc.want || err != nil || got != tc.want {
				t.Errorf("%s at %s: claimed by %v, Detect = %q, %v; want %s alone", body, tc.url, claims, got, err, tc.want)
			}
		}
	}
}
