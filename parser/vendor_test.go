package parser

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/fixtures"
	"github.com/statusarchive/statusarchive/fixtures/golden"
)

// checkVendorGolden compares page, as indented JSON, with
// testdata/<dir>/<name>.golden.json, or rewrites it under -update.
func checkVendorGolden(t *testing.T, dir, name string, page *Page) {
	t.Helper()
	golden.CheckJSON(t, filepath.Join("testdata", dir, name+".golden.json"), page)
}

// vendorCaptures are the real captures of the platforms with their own
// JSON or feeds, with the URL each was served from and how many incidents
// it holds.
var vendorCaptures = []struct {
	file        string
	url         string
	contentType string
	format      Format
	incidents   int
	scope       Scope
}{
	{"realworld/checkly/mistral-unresolved-incidents-20260727.json", "https://status.mistral.ai/api/status-page/mistral-ai/unresolved-incidents", "application/json", FormatCheckly, 1, ScopeCurrent},
	{"realworld/other/aws-health-currentevents-utf16-20260801.json", "https://health.aws.amazon.com/public/currentevents", "application/json", FormatAWSHealth, 2, ScopeCurrent},
	{"realworld/other/azure-status-feed-20260723.xml", "https://azure.status.microsoft/en-us/status/feed/", "application/rss+xml", FormatAzure, 1, ScopeCurrent},
	{"realworld/other/azure-status-feed-westus-20260723.xml", "https://azure.status.microsoft/en-us/status/feed/", "application/rss+xml", FormatAzure, 1, ScopeCurrent},
	{"realworld/hundio/indeed-home-2021.html", "https://appsstatus.indeed.com/", "text/html; charset=utf-8", FormatHundio, 0, ScopeUnknown},
}

func TestVendorRealWorld(t *testing.T) {
	for _, tt := range vendorCaptures {
		name := strings.TrimSuffix(path.Base(tt.file), path.Ext(tt.file))
		t.Run(name, func(t *testing.T) {
			doc := Document{Source: "test", URL: tt.url, ContentType: tt.contentType, Body: readStatuspageFixture(t, tt.file)}
			if got, err := Detect(doc); err != nil || got != tt.format {
				t.Errorf("Detect = %q, %v; want %q", got, err, tt.format)
			}
			page, err := Parse(doc, tt.format)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(page.Incidents) != tt.incidents || page.Scope != tt.scope {
				t.Errorf("%d incidents, scope %q; want %d, %q", len(page.Incidents), page.Scope, tt.incidents, tt.scope)
			}
			for _, in := range page.Incidents {
				for k, u := range in.Updates {
					if u.At.Text == "" {
						t.Errorf("incident %s update %d keeps no original time text", in.ID, k)
					}
				}
			}
			checkVendorGolden(t, string(tt.format), name, page)
		})
	}
}

// Each vendor parser, forced onto another vendor's capture, refuses it as
// another platform's page instead of reading it as nothing.
func TestVendorRefusesOthers(t *testing.T) {
	for _, f := range vendorCaptures {
		for _, other := range vendorCaptures {
			if f.format == other.format {
				continue
			}
			doc := Document{URL: other.url, ContentType: other.contentType, Body: readStatuspageFixture(t, other.file)}
			if _, err := Parse(doc, f.format); !errors.Is(err, ErrWrongPlatform) {
				t.Errorf("%s on %s: %v, want ErrWrongPlatform", f.format, path.Base(other.file), err)
			}
		}
	}
}

func fuzzVendor(f *testing.F, format Format, url string, seeds ...string) {
	for _, tt := range vendorCaptures {
		if tt.format == format {
			b, err := fixtures.ReadFile(tt.file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(b)
		}
	}
	for _, s := range seeds {
		f.Add([]byte(s))
	}
	fuzzParse(f, format, url)
}

func FuzzCheckly(f *testing.F) {
	fuzzVendor(f, FormatCheckly, "https://status.example.com/api/status-page/x/unresolved-incidents",
		`{"incidents":[{"id":"a","name":"b","severity":"MINOR","lastUpdateStatus":"RESOLVED","incidentUpdates":[{"status":"RESOLVED","description":"d","publicIncidentUpdateDate":"2026-01-02T03:04:05Z"}]}]}`)
}

func FuzzAWSHealth(f *testing.F) {
	fuzzVendor(f, FormatAWSHealth, "https://health.aws.amazon.com/public/currentevents",
		`[{"date":"1772369485","arn":"arn:aws:health:x","status":"1","summary":"s","event_log":[{"message":"m","status":1,"timestamp":1772369485}]}]`)
}

func FuzzAzure(f *testing.F) {
	fuzzVendor(f, FormatAzure, "https://azure.status.microsoft/en-us/status/feed/",
		`<rss><channel><title>Azure Status</title></channel></rss>`)
}

func FuzzGCP(f *testing.F) {
	fuzzVendor(f, FormatGCP, "https://status.cloud.google.com/incidents.json",
		`[{"id":"a","begin":"2026-01-01T00:00:00+00:00","end":"2026-01-01T01:00:00+00:00","external_desc":"x","status_impact":"SERVICE_OUTAGE","updates":[{"when":"2026-01-01T00:10:00+00:00","status":"AVAILABLE","text":"t"}],"uri":"incidents/a"}]`)
}

func FuzzSlack(f *testing.F) {
	fuzzVendor(f, FormatSlack, "https://slack-status.com/api/v2.0.0/current",
		`{"status":"active","date_created":"2026-01-01T00:00:00-08:00","date_updated":"2026-01-01T00:00:00-08:00","active_incidents":[{"id":1,"date_created":"2026-01-01T00:00:00-08:00","title":"t","type":"outage","status":"active","url":"u","services":["Login"],"notes":[{"date_created":"2026-01-01T00:00:00-08:00","body":"b"}]}]}`)
}

func FuzzCachet(f *testing.F) {
	fuzzVendor(f, FormatCachet, "https://status.example.com/api/v1/incidents",
		`{"meta":{"pagination":{"links":{"next_page":"/api/v1/incidents?page=2"}}},"data":[{"id":1,"name":"n","status":4,"human_status":"Fixed","message":"m","created_at":"2016-12-05 19:37:20","updates":[{"status":1,"message":"u","created_at":"2016-12-05 19:40:00"}]}]}`)
}

func FuzzHundio(f *testing.F) {
	fuzzVendor(f, FormatHundio, "https://status.example.com/")
}

// renderVendor returns what the fixture site of platform serves at path.
func renderVendor(t *testing.T, platform, path string) (*fixtures.VendorSite, Document) {
	t.Helper()
	site, err := fixtures.NewVendorSite(platform)
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	site.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://status.acme.test"+path, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("%s %s: %d", platform, path, rec.Code)
	}
	return site, Document{URL: "http://status.acme.test" + path, ContentType: rec.Header().Get("Content-Type"), Body: rec.Body.Bytes()}
}

// The AWS RSS feed mixes PST and PDT labels as the season changes; every
// post lands on the instant the site posted it, and one event's posts make
// one incident.
func TestAWSHealthRSSZones(t *testing.T) {
	site, doc := renderVendor(t, fixtures.VendorAWSRSS, "/rss/all.rss")
	page, err := Parse(doc, FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	if page.Format != FormatAWSHealthRSS {
		t.Fatalf("detected %q, want %q", page.Format, FormatAWSHealthRSS)
	}
	posted := map[string][]time.Time{}
	for _, in := range site.Data().Incidents {
		if in.Impact != "maintenance" {
			for _, u := range in.Updates {
				posted[in.Title] = append(posted[in.Title], u.At.UTC())
			}
		}
	}
	if len(page.Incidents) != len(posted) {
		t.Fatalf("%d incidents, the site posted %d events", len(page.Incidents), len(posted))
	}
	labels := map[string]bool{}
	for _, in := range page.Incidents {
		want := posted[in.Title]
		if len(in.Updates) != len(want) {
			t.Errorf("%q: %d updates, want %d", in.Title, len(in.Updates), len(want))
			continue
		}
		for k, u := range in.Updates {
			if !u.At.At.Equal(want[k]) {
				t.Errorf("%q update %d at %v (%q), want %v", in.Title, k, u.At.At, u.At.Text, want[k])
			}
			labels[u.At.Text[len(u.At.Text)-3:]] = true
		}
	}
	if !labels["PST"] || !labels["PDT"] {
		t.Errorf("zone labels %v, want both PST and PDT", labels)
	}
	checkVendorGolden(t, string(FormatAWSHealthRSS), "fixture-all", page)
}

func FuzzAWSHealthRSS(f *testing.F) {
	fuzzVendor(f, FormatAWSHealthRSS, "https://status.aws.amazon.com/rss/all.rss",
		`<rss><channel><generator>AWS Service Health Dashboard RSS Generator</generator><item><title>Service disruption: x</title><pubDate>Tue, 03 Mar 2026 08:40:00 PST</pubDate><guid>https://status.aws.amazon.com/#ec2-us-east-1_1</guid><description>d</description></item></channel></rss>`)
}

// A document that almost is a vendor's is refused naming the vendor and
// what it lacks.
func TestVendorCloseCalls(t *testing.T) {
	tests := []struct{ body, want string }{
		{`{"incidents":[{"id":"a","name":"b","incidentUpdates":[]}]}`, "looks like a Checkly incident list but incidents[0] has no id, name, severity"},
		{`{"meta":{"pagination":{}},"data":[{"id":1}]}`, "looks like a Cachet API list but data[0] has no id, name, status and message"},
		{`{"active_incidents":[]}`, "looks like Slack's status API but an object without status, date_created"},
	}
	for _, tt := range tests {
		_, err := Parse(Document{URL: "https://status.example.com/x", ContentType: "application/json", Body: []byte(tt.body)}, FormatAuto)
		if !errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Parse(%s) = %v\nwant ErrUnknownFormat saying %q", tt.body, err, tt.want)
		}
	}
}

// The loopback sites' pages, for the platforms and pages no real capture
// shows (Google Cloud, Slack, Cachet, Hund.io events): goldens pin what
// each parses to.
func TestVendorFixtureGoldens(t *testing.T) {
	tests := []struct {
		platform, path string
		format         Format
		golden         string
	}{
		{fixtures.VendorGCP, "/incidents.json", FormatGCP, "fixture-incidents"},
		{fixtures.VendorSlack, "/api/v2.0.0/current", FormatSlack, "fixture-current"},
		{fixtures.VendorSlack, "/api/v2.0.0/history", FormatSlack, "fixture-history"},
		{fixtures.VendorCachet, "/api/v1/incidents?page=1", FormatCachet, "fixture-page-1"},
		{fixtures.VendorHundio, "/", FormatHundio, "fixture-home"},
		{fixtures.VendorHundio, "/history?page=2", FormatHundio, "fixture-history-2"},
	}
	for _, tt := range tests {
		t.Run(tt.platform+tt.path, func(t *testing.T) {
			_, doc := renderVendor(t, tt.platform, tt.path)
			page, err := Parse(doc, FormatAuto)
			if err != nil {
				t.Fatal(err)
			}
			if page.Format != tt.format || len(page.Incidents) == 0 {
				t.Fatalf("detected %q with %d incidents, want %q with some", page.Format, len(page.Incidents), tt.format)
			}
			checkVendorGolden(t, string(tt.format), tt.golden, page)
		})
	}
}

// Cachet: a fixed incident whose own status stayed "Investigating" is
// resolved by its newest update; without embedded updates, latest_status
// says the same.
func TestCachetStaleStatus(t *testing.T) {
	body := `{"meta":{"pagination":{"links":{"next_page":null}}},"data":[
	 {"id":7,"name":"Stale","status":1,"human_status":"Investigating","message":"Looking.","created_at":"2024-03-01 10:00:00",
	  "updates":[{"status":4,"human_status":"Fixed","message":"Fixed.","created_at":"2024-03-01 11:00:00"}]},
	 {"id":8,"name":"Not embedded","status":1,"human_status":"Investigating","message":"Looking.","created_at":"2024-03-02 10:00:00",
	  "latest_status":4,"latest_human_status":"Fixed"}]}`
	page, err := Parse(Document{URL: "https://status.example.com/api/v1/incidents", Body: []byte(body)}, FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range page.Incidents {
		if in.Status != StatusResolved || in.StatusRaw != "Fixed" {
			t.Errorf("incident %s %q: status %q (%q), want resolved (Fixed)", in.ID, in.Title, in.Status, in.StatusRaw)
		}
		if got := in.Updates[0].At.At; !got.Equal(time.Date(2024, 3, int(in.ID[0]-'6'), 10, 0, 0, 0, time.UTC)) {
			t.Errorf("incident %s: first post at %v, want 10:00 UTC", in.ID, got)
		}
	}
}
