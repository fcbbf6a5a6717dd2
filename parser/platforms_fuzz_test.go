package parser

import (
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/fixtures"
)

// fuzzPlatform runs the platform parser name over arbitrary bytes: it never
// panics, and every record it returns validates.
func fuzzPlatform(f *testing.F, name Format, seeds []string, url string) {
	for _, pattern := range seeds {
		files, _ := fixtures.Glob(pattern)
		read := fixtures.ReadFile
		if len(files) == 0 {
			files, _ = fixtures.PlatformGlob(pattern)
			read = fixtures.PlatformReadFile
		}
		for _, file := range files {
			b, err := read(file)
			if err != nil {
				f.Fatal(err)
			}
			if len(b) < 64<<10 {
				f.Add(b)
			}
		}
	}
	fuzzParse(f, name, url)
}

// fuzzParse runs the parser name over arbitrary bytes served from url,
// from the seeds f holds: it never panics, and every record it returns
// validates.
func fuzzParse(f *testing.F, name Format, url string) {
	f.Fuzz(func(t *testing.T, body []byte) {
		page, err := Parse(Document{URL: url, Body: body}, name)
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

func FuzzIncidentIO(f *testing.F) {
	f.Add([]byte(`{"incidents":[{"id":"01A","name":"n","status":"resolved","published_at":"2026-01-01T00:00:00Z","updates":[{"published_at":"2026-01-01T00:00:00Z","to_status":"resolved","message_string":""}]}]}`))
	fuzzPlatform(f, FormatIncidentIO, []string{"incidentio/site/proxy/*/*.json"}, "https://status.example.com/proxy/status.example.com/incidents")
}

func FuzzIncidentIOHTML(f *testing.F) {
	fuzzPlatform(f, FormatIncidentIOHTML, []string{"incidentio/site/*.html", "incidentio/site/incidents/*.html"}, "https://status.example.com/")
}

func FuzzInstatus(f *testing.F) {
	fuzzPlatform(f, FormatInstatus, []string{"realworld/instatus/*.json", "instatus/site/*.json", "instatus/site/v2/*.json"}, "https://status.example.com/summary.json")
}

func FuzzInstatusHTML(f *testing.F) {
	fuzzPlatform(f, FormatInstatusHTML, []string{"instatus/site/history/*.html", "instatus/site/incident/*.html"}, "https://status.example.com/history?page=1")
}

func FuzzBetterStack(f *testing.F) {
	fuzzPlatform(f, FormatBetterStack, []string{"realworld/betterstack/*.json"}, "https://status.example.com/index.json")
}

func FuzzStatusIO(f *testing.F) {
	f.Add([]byte(`{"result":{"status_overall":{"status_code":300},"incidents":[{"_id":"a","name":"b","messages":[{"datetime":"2026-01-01T00:00:00Z","status":300,"state":100,"details":"x"}]}]}}`))
	fuzzPlatform(f, FormatStatusIO, []string{"realworld/statusio/*.json"}, "https://status.example.com/1.0/status/p")
}

func FuzzBetterStackHTML(f *testing.F) {
	fuzzPlatform(f, FormatBetterStackHTML, []string{"betterstack/site/incidents/*.html", "betterstack/site/incidents/*/*.html"}, "https://status.example.com/incidents/2026-04/2026-06")
}

func FuzzStatusIOHTML(f *testing.F) {
	fuzzPlatform(f, FormatStatusIOHTML, []string{"statusio/site/pages/history/*.html", "statusio/site/pages/incident/*/*.html"}, "https://status.example.com/pages/incident/p1/i1")
}

func FuzzStatusIOFeed(f *testing.F) {
	fuzzPlatform(f, FormatStatusIOFeed, []string{"statusio/site/pages/rss/*.xml"}, "https://status.example.com/pages/p1/rss")
}

// FuzzDetect: auto-detection over arbitrary bytes never panics, the format
// it picks parses the document the same by name (a sniffer and its parse
// read one decoding), and every record validates.
func FuzzDetect(f *testing.F) {
	for _, tt := range vendorCaptures {
		if b, err := fixtures.ReadFile(tt.file); err == nil && len(b) < 64<<10 {
			f.Add(b)
		}
	}
	for _, s := range []string{`{"incidents":[]}`, `[]`, `{"summary":{"name":"x"}}`, `<rss><channel><title>Azure Status</title></channel></rss>`,
		`{"meta":{"pagination":{}},"data":[]}`, `{"status":"ok","date_created":"x","active_incidents":[]}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		doc := Document{URL: "https://status.example.com/proxy/status.example.com/incidents", Body: body}
		page, err := Parse(doc, FormatAuto)
		if err != nil {
			return
		}
		byName, err := Parse(doc, page.Format)
		if err != nil || len(byName.Incidents) != len(page.Incidents) {
			t.Fatalf("detected as %s with %d incidents, but parsing it by name gives %v", page.Format, len(page.Incidents), err)
		}
		for _, in := range page.Incidents {
			if err := in.Validate(time.Time{}); err != nil {
				t.Errorf("parsed incident does not validate: %v", err)
			}
		}
	})
}
