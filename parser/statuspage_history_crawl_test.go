package parser

import (
	"encoding/json"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"slices"
	"strings"
	"testing"

	"github.com/statusarchive/statusarchive/fixtures"
)

// siteCodes returns the incident codes of the fixture Statuspage site, read
// from its data file.
func siteCodes(t *testing.T) []string {
	t.Helper()
	var data struct {
		Incidents []struct {
			Code string `json:"code"`
		} `json:"incidents"`
	}
	if err := json.Unmarshal(readStatuspageFixture(t, "statuspage/site.json"), &data); err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, in := range data.Incidents {
		codes = append(codes, in.Code)
	}
	return codes
}

// siteFetch asks handler for a Follow's URL the way the crawler would (with
// its Accept header, falling back on a refusal) and returns the document,
// with Via set, and the status it finally got.
func siteFetch(t *testing.T, h http.Handler, f Follow) (Document, int) {
	t.Helper()
	get := func(u, accept string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(http.MethodGet, u, nil)
		if accept != "" {
			req.Header.Set("Accept", accept)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	u, rec := f.URL, get(f.URL, f.Accept)
	if rec.Code >= 400 && rec.Code < 500 && f.Fallback != "" {
		u, rec = f.Fallback, get(f.Fallback, "")
	}
	return Document{Source: "acme", URL: u, ContentType: rec.Header().Get("Content-Type"), Body: rec.Body.Bytes(), Via: f}, rec.Code
}

// TestStatuspageCrawlPlan walks the fixture site from its home page by the
// Follow requests the parsers emit, through the handler without sockets:
// it proves that the plan reaches every incident's full timeline, walks the
// history back until two empty pages in a row and stops there, and that
// Merge leaves one complete record per code. The network crawl over the
// same site is the scraper's test.
func TestStatuspageCrawlPlan(t *testing.T) {
	for _, tt := range []struct {
		name       string
		opts       fixtures.StatuspageOptions
		wantDetail Format
	}{
		{"json", fixtures.StatuspageOptions{}, FormatStatuspageAPI},
		{"json refused, html fallback", fixtures.StatuspageOptions{RefuseJSON: true}, FormatStatuspageIncident},
	} {
		t.Run(tt.name, func(t *testing.T) {
			site := fixtures.StatuspageSite(tt.opts)
			queue := []Follow{{URL: "http://status.acme.test/"}}
			seen := map[string]bool{}
			var pages []*Page
			var historyPages []string
			details := map[Format]int{}
			for len(queue) > 0 && len(seen) < 200 {
				f := queue[0]
				queue = queue[1:]
				if seen[f.URL] {
					continue
				}
				seen[f.URL] = true
				doc, code := siteFetch(t, site, f)
				if code != http.StatusOK {
					t.Fatalf("GET %s (via %+v) = %d", doc.URL, f, code)
				}
				page, err := Parse(doc, FormatAuto)
				if err != nil {
					t.Fatalf("parse %s: %v", doc.URL, err)
				}
				switch {
				case page.Format == FormatStatuspageHistory:
					u, _ := url.Parse(doc.URL)
					historyPages = append(historyPages, u.Query().Get("page"))
				case f.Reason == FollowDetail:
					details[page.Format]++
				}
				pages = append(pages, page)
				queue = append(queue, page.Follow...)
			}
			if want := []string{"1", "2", "3", "4", "5", "6"}; !slices.Equal(historyPages, want) {
				t.Errorf("history pages walked = %q, want %q (two empty pages after the last with incidents, then stop)", historyPages, want)
			}
			codes := siteCodes(t)
			if details[tt.wantDetail] != len(codes) {
				t.Errorf("detail pages parsed as %v, want %d as %s", details, len(codes), tt.wantDetail)
			}
			merged := Merge(pages)
			if len(merged) != len(codes) {
				t.Errorf("merged incidents = %d, want %d", len(merged), len(codes))
			}
			byID := map[string]Incident{}
			for _, in := range merged {
				byID[in.ID] = in
			}
			for _, code := range codes {
				in, ok := byID[code]
				switch {
				case !ok:
					t.Errorf("incident %s not reached", code)
				case in.Partial:
					t.Errorf("incident %s is still partial after the crawl", code)
				}
			}
		})
	}
}

// TestStatuspageSiteDetect: every file of the fixture site is detected as
// the format that reads it, among all registered formats.
func TestStatuspageSiteDetect(t *testing.T) {
	var names []string
	err := fs.WalkDir(fixtures.FS(), "statuspage/site", func(name string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			names = append(names, name)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	want := func(name string) Format {
		switch {
		case name == "statuspage/site/index.html":
			return FormatStatuspageHome
		case strings.HasPrefix(name, "statuspage/site/incidents/"):
			return FormatStatuspageIncident
		case strings.HasPrefix(name, "statuspage/site/history/"):
			return FormatStatuspageHistory
		case strings.HasPrefix(name, "statuspage/site/api/"):
			return FormatStatuspageAPI
		case strings.HasSuffix(name, ".atom"), strings.HasSuffix(name, ".rss"):
			return FormatStatuspageFeed
		}
		return ""
	}
	checked := 0
	for _, name := range names {
		w := want(name)
		if w == "" {
			continue
		}
		body := readStatuspageFixture(t, name)
		got, err := Detect(Document{URL: fixtures.StatuspageOrigin + "/x", Body: body})
		if err != nil || got != w {
			t.Errorf("Detect(%s) = %q, %v, want %q", name, got, err, w)
		}
		checked++
	}
	if checked < 40 {
		t.Errorf("checked %d site files, want at least 40", checked)
	}
}

// TestStatuspageAPISiteLists parses the list and summary documents of the
// fixture site, which the real captures do not include as a list.
func TestStatuspageAPISiteLists(t *testing.T) {
	for _, tt := range []struct {
		name      string
		incidents int
		open      int
	}{
		{"statuspage/site/api/v2/incidents.json", 12, 1},
		{"statuspage/site/api/v2/summary.json", 1, 1},
	} {
		page, err := Parse(Document{URL: fixtures.StatuspageOrigin + "/api/v2/x.json", Body: readStatuspageFixture(t, tt.name)}, FormatStatuspageAPI)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		open, maint := 0, 0
		for _, in := range page.Incidents {
			if in.Resolved.IsZero() {
				open++
			}
			if in.Kind == KindMaintenance {
				maint++
			}
		}
		if len(page.Incidents) != tt.incidents || open != tt.open {
			t.Errorf("%s: %d incidents, %d open; want %d, %d", tt.name, len(page.Incidents), open, tt.incidents, tt.open)
		}
		if tt.incidents == 12 && maint != 2 {
			t.Errorf("%s: %d maintenances, want 2", tt.name, maint)
		}
	}
}

// TestStatuspageRealWorldAllParse is the acceptance check over every real
// Statuspage capture: each is detected as one of the five Statuspage
// formats and parses, whichever parser reads it.
func TestStatuspageRealWorldAllParse(t *testing.T) {
	names, err := fixtures.Glob("realworld/statuspage/*")
	if err != nil {
		t.Fatal(err)
	}
	if len(names) < 27 {
		t.Fatalf("found %d captures, want at least 27", len(names))
	}
	for _, name := range names {
		t.Run(path.Base(name), func(t *testing.T) {
			doc := Document{Source: "test", URL: "https://status.example.com/", Body: readStatuspageFixture(t, name)}
			page, err := Parse(doc, FormatAuto)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if !strings.HasPrefix(string(page.Format), "statuspage-") {
				t.Errorf("detected as %q, want a statuspage-* format", page.Format)
			}
			if len(page.Incidents) == 0 && !strings.Contains(name, "streamyard-history.html") {
				t.Errorf("no incidents")
			}
		})
	}
}
