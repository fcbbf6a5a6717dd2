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

// checkStatuspageGolden compares page, as indented JSON, with
// testdata/statuspage/<name>.golden.json, or rewrites it under -update.
func checkStatuspageGolden(t *testing.T, name string, page *Page) {
	t.Helper()
	golden.CheckJSON(t, filepath.Join("testdata", "statuspage", name+".golden.json"), page)
}

func readStatuspageFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := fixtures.ReadFile(name)
	if err != nil {
		t.Fatalf("read fixture %s: %v", name, err)
	}
	return b
}

func TestStatuspageAPIRealWorld(t *testing.T) {
	type incWant struct {
		id         string
		kind       Kind
		impact     Impact
		status     Status
		updates    int
		components int
	}
	tests := []struct {
		file  string
		url   string
		want  []incWant // the first incidents, in page order
		total int       // all incidents on the page
	}{
		{"statuspage/githubstatus-incident-lc8s9rtyjmgq.json", "https://www.githubstatus.com/api/v2/incidents/lc8s9rtyjmgq.json",
			[]incWant{{"lc8s9rtyjmgq", KindIncident, ImpactMajor, StatusResolved, 5, 1}}, 1},
		{"statuspage/githubstatus-incident-rgy28jwprr1c.json", "https://www.githubstatus.com/api/v2/incidents/rgy28jwprr1c.json",
			// components: [] in the JSON; the one the updates name is used.
			[]incWant{{"rgy28jwprr1c", KindIncident, ImpactCritical, StatusResolved, 4, 1}}, 1},
		{"statuspage/githubstatus-incident-f0mhbz9xn497.json", "https://www.githubstatus.com/api/v2/incidents/f0mhbz9xn497.json",
			[]incWant{{"f0mhbz9xn497", KindIncident, ImpactMajor, StatusResolved, 30, 8}}, 1},
		{"statuspage/githubstatus-incident-113cggyjrxpr.json", "https://www.githubstatus.com/incidents/113cggyjrxpr.json",
			[]incWant{{"113cggyjrxpr", KindIncident, ImpactMinor, StatusResolved, 2, 1}}, 1},
		{"statuspage/githubstatus-incident-d5158f5wh1ly.json", "https://www.githubstatus.com/api/v2/incidents/d5158f5wh1ly.json",
			[]incWant{{"d5158f5wh1ly", KindIncident, ImpactNone, StatusResolved, 4, 0}}, 1},
		{"statuspage/githubstatus-summary-critical-20260724.json", "https://www.githubstatus.com/api/v2/summary.json",
			[]incWant{{"jxd617hfwfq8", KindIncident, ImpactCritical, StatusInvestigating, 3, 1}}, 1},
		{"statuspage/claude-summary-major-20260729.json", "https://status.claude.com/api/v2/summary.json",
			[]incWant{{"q2kg8n613kr3", KindIncident, ImpactCritical, StatusInvestigating, 1, 4}}, 1},
		{"statuspage/cloudflarestatus-summary-major-20260729.json", "https://www.cloudflarestatus.com/api/v2/summary.json",
			[]incWant{{"z325n2dc14tk", KindIncident, ImpactMajor, StatusIdentified, 1, 1},
				{"gg374l1rfnrm", KindMaintenance, ImpactMaintenance, StatusScheduled, 2, 1}}, 17},
		{"statuspage/bitbucket-summary-none-20260731.json", "https://bitbucket.status.atlassian.com/api/v2/summary.json",
			[]incWant{{"0y9sqyfyl262", KindIncident, ImpactNone, StatusMonitoring, 1, 13}}, 1},
		{"statuspage/legacy2016-incident-major_impact_long_description.json", "https://metastatuspage.com/incidents/lphfkdlhdbbd.json",
			[]incWant{{"lphfkdlhdbbd", KindIncident, ImpactCritical, StatusResolved, 3, 14}}, 1},
		{"statuspage/legacy2016-incident-tricky_end_time.json", "https://metastatuspage.com/incidents/w0b0y82g23fy.json",
			[]incWant{{"w0b0y82g23fy", KindIncident, ImpactNone, StatusResolved, 1, 0}}, 1},
		{"statuspage/legacy2016-incident-tricky_start_time.json", "",
			[]incWant{{"wjkdk2kylkn3", KindIncident, ImpactNone, StatusResolved, 2, 0}}, 1},
		{"incidentio/openai-v2summary-minor-20260722.json", "https://status.openai.com/api/v2/summary.json",
			[]incWant{{"01KY54SWGRK806N6TJ495MYPDD", KindIncident, ImpactMinor, StatusInvestigating, 1, 0}}, 1},
		{"incidentio/cohere-v2summary-major-20260723.json", "https://status.cohere.com/api/v2/summary.json",
			[]incWant{{"01KY8K3GWWJTSJTRC17GHEH08Z", KindIncident, ImpactMajor, StatusInvestigating, 1, 0}}, 1},
	}
	for _, tt := range tests {
		name := strings.TrimSuffix(path.Base(tt.file), ".json")
		t.Run(name, func(t *testing.T) {
			doc := Document{Source: "test", URL: tt.url, ContentType: "application/json", Body: readStatuspageFixture(t, "realworld/"+tt.file)}
			if got, err := Detect(doc); err != nil || got != FormatStatuspageAPI {
				t.Errorf("Detect = %q, %v, want %q", got, err, FormatStatuspageAPI)
			}
			page, err := Parse(doc, FormatStatuspageAPI)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := len(page.Incidents); got != tt.total {
				t.Fatalf("incidents = %d, want %d", got, tt.total)
			}
			maint := 0
			for _, in := range page.Incidents {
				if in.Kind == KindMaintenance {
					maint++
				}
			}
			// Only Cloudflare's summary has maintenances: its 16 scheduled ones.
			if want := map[bool]int{true: 16}[strings.HasPrefix(name, "cloudflare")]; maint != want {
				t.Errorf("maintenances = %d, want %d", maint, want)
			}
			for i, w := range tt.want {
				in := page.Incidents[i]
				if w.id != "" && in.ID != w.id {
					t.Errorf("incident %d id = %q, want %q", i, in.ID, w.id)
				}
				if in.Kind != w.kind {
					t.Errorf("incident %s kind = %q, want %q", in.ID, in.Kind, w.kind)
				}
				if w.impact != "" && in.Impact != w.impact {
					t.Errorf("incident %s impact = %q, want %q", in.ID, in.Impact, w.impact)
				}
				if w.status != "" && in.Status != w.status {
					t.Errorf("incident %s status = %q, want %q", in.ID, in.Status, w.status)
				}
				if got := len(in.Updates); got != w.updates {
					t.Errorf("incident %s updates = %d, want %d", in.ID, got, w.updates)
				}
				if got := len(in.Components); w.components >= 0 && got != w.components {
					t.Errorf("incident %s components = %d, want %d", in.ID, got, w.components)
				}
				if in.Partial {
					t.Errorf("incident %s is Partial; the API carries full timelines", in.ID)
				}
				for k, u := range in.Updates {
					if u.At.Text == "" {
						t.Errorf("incident %s update %d keeps no original time text", in.ID, k)
					}
					for _, c := range u.Components {
						if isPseudoComponent(c) {
							t.Errorf("incident %s update %d names the pseudo component %q", in.ID, k, c)
						}
					}
				}
			}
			checkStatuspageGolden(t, name, page)
		})
	}
}

// TestStatuspageAPIQuirks pins the cases MARKUP.md §1.4 calls out, beyond
// what the goldens show at a glance.
func TestStatuspageAPIQuirks(t *testing.T) {
	parse := func(t *testing.T, file, url string) Incident {
		t.Helper()
		page, err := Parse(Document{Source: "test", URL: url, Body: readStatuspageFixture(t, "realworld/statuspage/"+file)}, FormatStatuspageAPI)
		if err != nil {
			t.Fatalf("Parse: %v", err)
		}
		return page.Incidents[0]
	}
	t.Run("display_at wins over created_at", func(t *testing.T) {
		in := parse(t, "legacy2016-incident-tricky_end_time.json", "")
		want := time.Date(2016, 8, 30, 19, 0, 0, 0, time.UTC)
		if got := in.Updates[0].At; !got.At.Equal(want) || got.Text != "2016-08-30T12:00:00.000-07:00" {
			t.Errorf("update time = %v %q, want %v with its text", got.At, got.Text, want)
		}
		if !in.Resolved.IsZero() {
			t.Errorf("resolved = %v, want empty (resolved_at is null)", in.Resolved)
		}
		if in.Status != StatusResolved || in.Updates[0].Status != StatusInvestigating {
			t.Errorf("status %q with update %q, want resolved with investigating", in.Status, in.Updates[0].Status)
		}
		if len(in.Updates[0].Components) != 0 {
			t.Errorf("components = %q, want none (the pseudo component is dropped)", in.Updates[0].Components)
		}
	})
	t.Run("components from updates when the incident lists none", func(t *testing.T) {
		in := parse(t, "githubstatus-incident-rgy28jwprr1c.json", "")
		if len(in.Components) == 0 {
			t.Fatal("no components; want those named by the updates")
		}
		for _, c := range in.Components {
			if c.Status == "" || c.StatusRaw == "" {
				t.Errorf("component %q status %q raw %q, want both set", c.Name, c.Status, c.StatusRaw)
			}
		}
	})
	t.Run("url from the document origin, not the shortlink", func(t *testing.T) {
		in := parse(t, "githubstatus-incident-113cggyjrxpr.json", "https://www.githubstatus.com/api/v2/incidents/113cggyjrxpr.json")
		if want := "https://www.githubstatus.com/incidents/113cggyjrxpr"; in.URL != want {
			t.Errorf("url = %q, want %q", in.URL, want)
		}
	})
	t.Run("url from page.url without a document url", func(t *testing.T) {
		in := parse(t, "githubstatus-incident-113cggyjrxpr.json", "")
		if want := "https://www.githubstatus.com/incidents/113cggyjrxpr"; in.URL != want {
			t.Errorf("url = %q, want %q", in.URL, want)
		}
	})
	t.Run("offsets become UTC", func(t *testing.T) {
		in := parse(t, "legacy2016-incident-major_impact_long_description.json", "")
		want := time.Date(2016, 2, 19, 0, 36, 47, 81e6, time.UTC)
		if !in.Resolved.At.Equal(want) || in.Resolved.At.Location() != time.UTC {
			t.Errorf("resolved = %v, want %v", in.Resolved.At, want)
		}
	})
}

func TestStatuspageAPIPostmortem(t *testing.T) {
	body := []byte(`{"id":"abcdefghijkl","name":"Outage","status":"postmortem","impact":"major",
		"postmortem_body":"We found the cause.","postmortem_published_at":"2024-01-10T12:00:00Z",
		"incident_updates":[{"status":"resolved","body":"Fixed.","display_at":"2024-01-02T10:00:00Z"},
		{"status":"investigating","body":"Looking.","display_at":"2024-01-02T09:00:00Z"}]}`)
	page, err := Parse(Document{Body: body}, FormatStatuspageAPI)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	in := page.Incidents[0]
	if len(in.Updates) != 3 {
		t.Fatalf("updates = %d, want 3 (two posts and the postmortem)", len(in.Updates))
	}
	last := in.Updates[2] // Parse sorts oldest first
	if last.Status != StatusPostmortem || last.Body != "We found the cause." || !last.At.At.Equal(time.Date(2024, 1, 10, 12, 0, 0, 0, time.UTC)) {
		t.Errorf("last update = %+v, want the postmortem of Jan 10", last)
	}
	if in.Status != StatusPostmortem {
		t.Errorf("status = %q, want postmortem", in.Status)
	}
}

// TestStatuspageAPINotStatuspage: other platforms' JSON and garbage are
// refused with ErrNotStatuspage when forced, and never detected as this
// format.
func TestStatuspageAPINotStatuspage(t *testing.T) {
	var others []string
	for _, pattern := range []string{"realworld/betterstack/*", "realworld/checkly/*", "realworld/instatus/*", "realworld/statusio/*", "realworld/other/*", "realworld/hundio/*"} {
		names, err := fixtures.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		others = append(others, names...)
	}
	if len(others) < 8 {
		t.Fatalf("found %d other-platform fixtures, want at least 8", len(others))
	}
	cases := map[string][]byte{
		"empty":            {},
		"garbage":          []byte("\x00\x01 not json at all"),
		"array":            []byte(`[{"id":"x"}]`),
		"truncated":        []byte(`{"page":{"id":"a","name":"b"},"incidents":[{"id":`),
		"incidents of ids": []byte(`{"page":{"id":"a","name":"b"},"incidents":[{"id":"x","name":"y"}]}`),
		"html":             []byte("<!DOCTYPE html><html><body>hi</body></html>"),
	}
	for _, name := range others {
		cases[path.Base(name)] = readStatuspageFixture(t, name)
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			doc := Document{Source: "test", URL: "https://example.com/x", Body: body}
			if s := sniffStatuspageAPI(doc); s != 0 {
				t.Errorf("sniff = %d, want 0", s)
			}
			if f, err := Detect(doc); err == nil && f == FormatStatuspageAPI {
				t.Errorf("Detect = %q, want another format or none", f)
			}
			page, err := Parse(doc, FormatStatuspageAPI)
			if !errors.Is(err, ErrNotStatuspage) {
				t.Errorf("Parse = %v, %v; want an error wrapping ErrNotStatuspage", page, err)
			}
		})
	}
}

func TestStatuspageAPIBadTime(t *testing.T) {
	body := []byte(`{"incident":{"id":"abcdefghijkl","name":"x","status":"resolved","impact":"minor",
		"incident_updates":[{"status":"resolved","body":"b","display_at":"yesterday"}]}}`)
	_, err := Parse(Document{Body: body}, FormatStatuspageAPI)
	var pe *ParseError
	if !errors.Is(err, ErrBadTime) || !errors.As(err, &pe) || pe.Field != "incident" {
		t.Errorf("Parse = %v, want a ParseError at field incident wrapping ErrBadTime", err)
	}
}

func FuzzStatuspageAPI(f *testing.F) {
	names, _ := fixtures.Glob("realworld/statuspage/*.json")
	more, _ := fixtures.Glob("realworld/incidentio/*.json")
	for _, name := range append(names, more...) {
		b, err := fixtures.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		// Small seeds keep the fuzzer fast; the large files add nothing a
		// small one of the same shape lacks.
		if len(b) < 8<<10 {
			f.Add(b)
		}
	}
	f.Add([]byte(`{"incident":{"id":"a","name":"b","status":"x","incident_updates":[]}}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		page, err := Parse(Document{URL: "https://status.example.com/api/v2/summary.json", Body: body}, FormatStatuspageAPI)
		if err != nil {
			return
		}
		for _, in := range page.Incidents {
			if err := in.Validate(time.Time{}); err != nil {
				t.Errorf("parsed incident does not validate: %v", err)
			}
		}
	})
}

func BenchmarkStatuspageAPI(b *testing.B) {
	for _, name := range []string{"githubstatus-incident-f0mhbz9xn497.json", "cloudflarestatus-summary-major-20260729.json"} {
		body := readStatuspageFixture(b, "realworld/statuspage/"+name)
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(Document{URL: "https://status.example.com/", Body: body}, FormatStatuspageAPI); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
