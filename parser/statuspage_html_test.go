package parser

import (
	"bytes"
	"encoding/json"
	"errors"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/fixtures"
)

// statuspageHTMLDoc is a fixture page as the crawler would hand it over,
// fetched from a vendor's status host.
func statuspageHTMLDoc(t testing.TB, name string) Document {
	t.Helper()
	url := "https://status.example.com/"
	if strings.HasSuffix(name, "-incident.html") {
		url = "https://status.example.com/incidents/2wryjrq3v9mt"
	}
	return Document{
		Source:      strings.TrimSuffix(name, ".html"),
		URL:         url,
		ContentType: "text/html; charset=utf-8",
		Body:        readStatuspageFixture(t, "realworld/statuspage/"+name),
	}
}

// statuspageHTMLCounts is what each Statuspage HTML fixture holds, counted
// by hand from the files (fixtures/realworld/SOURCES.md gives the same
// figures except where noted).
var statuspageHTMLCounts = []struct {
	file        string
	format      Format
	incidents   int    // incidents of KindIncident
	maintenance int    // incidents of KindMaintenance
	unresolved  int    // in the unresolved block (home pages)
	upcoming    int    // upcoming scheduled maintenance blocks
	updates     int    // every update of every record
	partial     int    // records whose timeline links to more ("Read details")
	zones       string // the zone abbreviations its times carry
}{
	{file: "govuknotify-incident.html", format: FormatStatuspageIncident, incidents: 1, updates: 3, zones: "BST"},
	{file: "govuknotify-home.html", format: FormatStatuspageHome, incidents: 1, updates: 8, zones: "GMT"},
	// SOURCES.md says "1 unresolved + 15 past, 48 updates": the page has 15
	// incidents in all (1 unresolved, 14 past: 7 maintenance, 3 minor, 1
	// major, 3 none); its 48 updates are the past ones, plus 1 unresolved.
	{file: "fastly-home-2021.html", format: FormatStatuspageHome, incidents: 8, maintenance: 7, unresolved: 1, updates: 49, zones: "UTC"},
	{file: "pythoninfra-home-2021.html", format: FormatStatuspageHome, incidents: 3, unresolved: 1, updates: 14, zones: "UTC"},
	{file: "box-home-2021.html", format: FormatStatuspageHome, incidents: 2, updates: 7, partial: 1, zones: "PST"},
	{file: "balena-home-2021.html", format: FormatStatuspageHome, incidents: 5, maintenance: 1, upcoming: 1, updates: 12, partial: 5, zones: "UTC"},
	{file: "zoom-home-2021.html", format: FormatStatuspageHome, incidents: 4, maintenance: 2, updates: 15, zones: "PST"},
	{file: "datadog-home-2021.html", format: FormatStatuspageHome, incidents: 3, updates: 17, zones: "EST"},
	{file: "scalepoint-home-2021.html", format: FormatStatuspageHome, maintenance: 9, upcoming: 4, updates: 19, zones: "CET"},
	{file: "clickfunnels-home-2021.html", format: FormatStatuspageHome, maintenance: 1, updates: 3, zones: "MST"},
	{file: "circleci-home-2021.html", format: FormatStatuspageHome, incidents: 2, maintenance: 1, upcoming: 1, updates: 13, zones: "UTC"},
	// A demo page whose incidents date from August to November: PDT, then PST.
	{file: "acmeapico-home-2021.html", format: FormatStatuspageHome, incidents: 7, unresolved: 7, updates: 9, zones: "PDT PST"},
}

func TestStatuspageHTMLFixtures(t *testing.T) {
	for _, tt := range statuspageHTMLCounts {
		t.Run(tt.file, func(t *testing.T) {
			doc := statuspageHTMLDoc(t, tt.file)
			if got, err := Detect(doc); err != nil || got != tt.format {
				t.Errorf("Detect = %q, %v; want %q", got, err, tt.format)
			}
			page, err := Parse(doc, FormatAuto)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var inc, maint, updates, partial, upcoming int
			for _, in := range page.Incidents {
				switch in.Kind {
				case KindIncident:
					inc++
				case KindMaintenance:
					maint++
				}
				if in.Partial {
					partial++
				}
				if !in.ScheduledFor.IsZero() {
					upcoming++
				}
				updates += len(in.Updates)
				if len(in.ID) != 12 {
					t.Errorf("incident %q: id is not a 12-character code", in.ID)
				}
				for k, u := range in.Updates {
					if f := strings.Fields(u.At.Text); !slices.Contains(strings.Fields(tt.zones), f[len(f)-1]) {
						t.Errorf("incident %s update %d: time text %q, want it in %s", in.ID, k, u.At.Text, tt.zones)
					}
					if u.Status == StatusUnknown {
						t.Errorf("incident %s update %d: status %q not recognised", in.ID, k, u.StatusRaw)
					}
					if k > 0 && u.At.At.Before(in.Updates[k-1].At.At) {
						t.Errorf("incident %s: updates not oldest first", in.ID)
					}
				}
				if in.Kind == KindMaintenance && in.Impact != ImpactMaintenance && in.ImpactRaw != "" {
					// Korbit-style incident timelines under impact-maintenance
					// are maintenance; the reverse is not expected here.
					t.Errorf("maintenance %s has impact %q", in.ID, in.ImpactRaw)
				}
			}
			if inc != tt.incidents || maint != tt.maintenance || updates != tt.updates || partial != tt.partial || upcoming != tt.upcoming {
				t.Errorf("got %d incidents, %d maintenance (%d upcoming), %d updates, %d partial; want %d, %d (%d), %d, %d",
					inc, maint, upcoming, updates, partial, tt.incidents, tt.maintenance, tt.upcoming, tt.updates, tt.partial)
			}
			checkStatuspageGolden(t, strings.TrimSuffix(tt.file, ".html"), page)
		})
	}
}

// Every update's kept text, read again on its own against its own local
// date, gives the parsed instant (to the minute: the incident page's epoch
// has seconds), in whichever zone the text names.
func TestStatuspageHTMLTimesAgreeWithText(t *testing.T) {
	for _, tt := range statuspageHTMLCounts {
		page, err := Parse(statuspageHTMLDoc(t, tt.file), tt.format)
		if err != nil {
			t.Fatalf("%s: %v", tt.file, err)
		}
		for _, in := range page.Incidents {
			for k, u := range in.Updates {
				f := strings.Fields(u.At.Text)
				loc, err := lookupZone(f[len(f)-1])
				if err != nil {
					t.Fatalf("%s %s update %d: %v", tt.file, in.ID, k, err)
				}
				local := u.At.At.In(loc)
				ref := time.Date(local.Year(), local.Month(), local.Day(), 23, 59, 0, 0, time.UTC)
				got, err := ParseStatuspageStamp(u.At.Text, ref)
				if err != nil {
					t.Errorf("%s %s update %d: re-read %q: %v", tt.file, in.ID, k, u.At.Text, err)
					continue
				}
				if want := u.At.At.Truncate(time.Minute); !got.At.Equal(want) {
					t.Errorf("%s %s update %d: %q re-read as %v, parsed as %v", tt.file, in.ID, k, u.At.Text, got.At, want)
				}
			}
		}
	}
}

func TestStatuspageIncidentPage(t *testing.T) {
	page, err := Parse(statuspageHTMLDoc(t, "govuknotify-incident.html"), FormatStatuspageIncident)
	if err != nil {
		t.Fatal(err)
	}
	in := page.Incidents[0]
	want := Incident{
		Source: "govuknotify-incident", ID: "2wryjrq3v9mt", Kind: KindIncident,
		Title: "Errors when attempting csv uploads", URL: "https://status.example.com/incidents/2wryjrq3v9mt",
		Impact: ImpactCritical, ImpactRaw: "critical", Status: StatusResolved, StatusRaw: "Resolved",
		Components: []Component{{Name: "File uploads"}},
	}
	if in.ID != want.ID || in.Title != want.Title || in.URL != want.URL || in.Impact != want.Impact ||
		in.ImpactRaw != want.ImpactRaw || in.Status != want.Status || in.StatusRaw != want.StatusRaw ||
		!slices.Equal(in.Components, want.Components) || in.Kind != want.Kind {
		t.Errorf("incident = %+v\nwant %+v", in, want)
	}
	// data-datetime-unix 1746706374000 is 12:12:54 UTC; the visible text
	// says 13:12 BST: both are kept.
	first := in.Updates[0]
	if !first.At.At.Equal(time.UnixMilli(1746706374000).UTC()) || first.At.Text != "May 08, 2025 - 13:12 BST" {
		t.Errorf("first update at %v %q, want 2025-05-08T12:12:54Z \"May 08, 2025 - 13:12 BST\"", first.At.At, first.At.Text)
	}
	if first.Status != StatusIdentified || !strings.HasPrefix(first.Body, "People trying to use our csv upload feature") {
		t.Errorf("first update = %s %q, want identified with its body", first.Status, first.Body)
	}
	if len(page.Follow) != 0 {
		t.Errorf("incident page asks to follow %v, want nothing", page.Follow)
	}
}

// The same incident page with the epoch spans removed, a postmortem row,
// three components and no canonical link: the parser falls back on the
// visible text, the subscribe form's code and Statuspage's list grammar.
func TestStatuspageIncidentPageFallbacks(t *testing.T) {
	body := readStatuspageFixture(t, "realworld/statuspage/govuknotify-incident.html")
	body = regexpReplace(t, body, `<span class="ago" data-datetime-unix="\d+"></span>`, "")
	body = regexpReplace(t, body, `<link rel="canonical"[^>]*>`, "")
	body = regexpReplace(t, body, `<meta property="og:url"[^>]*>`, "")
	body = bytes.Replace(body, []byte("This incident affected: File uploads."),
		[]byte("This incident affected: File uploads, API, and Sending text messages."), 1)
	body = bytes.Replace(body, []byte("<!-- incident updates in reverse order -->"), []byte(`
        <div class="row update-row">
          <h2 class="update-title span3 font-large">Postmortem</h2>
          <div class="update-container span9">
            <div class="update-body font-regular"><span class="whitespace-pre-wrap">What happened<br>A bad deploy. See <a href="https://example.com/pm">the report</a>.</span></div>
            <div class="update-timestamp font-small color-secondary">Posted May <var data-var="date">15</var>, <var data-var="year">2025</var> - <var data-var="time">09:00</var> BST</div>
          </div>
        </div>`), 1)
	doc := Document{Source: "notify", URL: "file:///incident.html", Body: body}
	page, err := Parse(doc, FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	in := page.Incidents[0]
	if in.ID != "2wryjrq3v9mt" {
		t.Errorf("id = %q, want the subscribe form's 2wryjrq3v9mt", in.ID)
	}
	if got := componentNames(in.Components); !slices.Equal(got, []string{"File uploads", "API", "Sending text messages"}) {
		t.Errorf("components = %q", got)
	}
	if n := len(in.Updates); n != 4 {
		t.Fatalf("updates = %d, want 4", n)
	}
	if !in.Updates[0].At.At.Equal(utc("2025-05-08T12:12:00Z")) {
		t.Errorf("first update at %v, want 2025-05-08T12:12:00Z from its text", in.Updates[0].At.At)
	}
	pm := in.Updates[3]
	if pm.Status != StatusPostmortem || !pm.At.At.Equal(utc("2025-05-15T08:00:00Z")) || pm.Body != "What happened\nA bad deploy. See the report." {
		t.Errorf("postmortem = %s %v %q", pm.Status, pm.At.At, pm.Body)
	}
	if in.Status != StatusPostmortem {
		t.Errorf("status = %s, want postmortem (the latest update)", in.Status)
	}
}

func TestSplitComponents(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"This incident affected: File uploads.", []string{"File uploads"}},
		{"This incident affected: API and Dashboard.", []string{"API", "Dashboard"}},
		{"This incident affected: A, B, and C.", []string{"A", "B", "C"}},
		{"This incident affected: Europe (Paris, Frankfurt)", []string{"Europe (Paris, Frankfurt)"}},
		{"This incident affected: API (EU, US), Search, and Web (a, b).", []string{"API (EU, US)", "Search", "Web (a, b)"}},
		{"This incident affected: Search and Indexing.", []string{"Search", "Indexing"}}, // ambiguous: read as two
		{"", nil},
	}
	for _, tt := range tests {
		if got := splitComponents(tt.in); !slices.Equal(got, tt.want) {
			t.Errorf("splitComponents(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestStatuspageHomeTimes(t *testing.T) {
	t.Run("open incident across New Year", func(t *testing.T) {
		page, err := Parse(statuspageHTMLDoc(t, "pythoninfra-home-2021.html"), FormatStatuspageHome)
		if err != nil {
			t.Fatal(err)
		}
		in := findIncident(t, page, "grk0k7sz6zkp")
		if len(in.Updates) != 9 || in.Partial {
			t.Fatalf("updates = %d partial %v, want 9 complete", len(in.Updates), in.Partial)
		}
		if got, want := in.First().At, utc("2020-12-14T09:41:00Z"); !got.Equal(want) {
			t.Errorf("first update %v, want %v", got, want)
		}
		if got, want := in.Last().At, utc("2021-01-12T16:04:00Z"); !got.Equal(want) {
			t.Errorf("last update %v, want %v", got, want)
		}
		if in.Status != StatusMonitoring || in.StatusRaw != "Monitoring" || in.Impact != ImpactMajor {
			t.Errorf("status %s impact %s, want monitoring (the last stated before eight Update posts), major", in.Status, in.Impact)
		}
	})
	t.Run("open notice from the previous year", func(t *testing.T) {
		page, err := Parse(statuspageHTMLDoc(t, "fastly-home-2021.html"), FormatStatuspageHome)
		if err != nil {
			t.Fatal(err)
		}
		in := page.Incidents[0]
		if in.ID != "mjtrykb6rg3g" || in.First().At.Year() != 2020 || in.First().At.Month() != time.March {
			t.Errorf("unresolved %s first update %v, want mjtrykb6rg3g in March 2020", in.ID, in.First().At)
		}
		multi := 0
		for _, in := range page.Incidents {
			for _, u := range in.Updates {
				if u.StatusRaw == "In progress" && u.Status == StatusInProgress {
					multi++
				}
			}
		}
		if multi != 7 {
			t.Errorf("%d updates read as In progress, want 7", multi)
		}
	})
	t.Run("postmortem after its day header", func(t *testing.T) {
		page, err := Parse(statuspageHTMLDoc(t, "box-home-2021.html"), FormatStatuspageHome)
		if err != nil {
			t.Fatal(err)
		}
		in := findIncident(t, page, "p05rv37fmp9l")
		last := in.Updates[len(in.Updates)-1]
		if last.Status != StatusPostmortem || !last.At.At.Equal(utc("2021-01-14T16:53:00Z")) || !in.Partial {
			t.Errorf("last update %s at %v (partial %v), want the postmortem at 2021-01-14T16:53:00Z, partial", last.Status, last.At.At, in.Partial)
		}
	})
	t.Run("updates on days before the header", func(t *testing.T) {
		page, err := Parse(statuspageHTMLDoc(t, "govuknotify-home.html"), FormatStatuspageHome)
		if err != nil {
			t.Fatal(err)
		}
		in := page.Incidents[0]
		if f, l := in.First().At, in.Last().At; f.Day() != 5 || l.Day() != 7 || f.Year() != 2025 {
			t.Errorf("updates span %v to %v, want Nov 5 to Nov 7, 2025", f, l)
		}
	})
	t.Run("cross-midnight maintenance windows", func(t *testing.T) {
		page, err := Parse(statuspageHTMLDoc(t, "scalepoint-home-2021.html"), FormatStatuspageHome)
		if err != nil {
			t.Fatal(err)
		}
		in := findIncident(t, page, "jw2747vymzyz")
		if !in.ScheduledFor.At.Equal(utc("2021-01-30T21:00:00Z")) || !in.ScheduledUntil.At.Equal(utc("2021-01-31T05:00:00Z")) {
			t.Errorf("window %v - %v, want 2021-01-30T21:00Z - 2021-01-31T05:00Z", in.ScheduledFor.At, in.ScheduledUntil.At)
		}
		if in.Kind != KindMaintenance || in.Status != StatusScheduled || in.Updates[0].StatusRaw != "" {
			t.Errorf("kind %s status %s raw %q, want a maintenance, scheduled with no status word printed", in.Kind, in.Status, in.Updates[0].StatusRaw)
		}
		if in.URL != "https://status.example.com/incidents/jw2747vymzyz" {
			t.Errorf("url = %q, want it on the page's own host", in.URL)
		}
	})
	t.Run("same-day window", func(t *testing.T) {
		page, err := Parse(statuspageHTMLDoc(t, "circleci-home-2021.html"), FormatStatuspageHome)
		if err != nil {
			t.Fatal(err)
		}
		in := findIncident(t, page, "0jqzs9bd1ff3")
		if !in.ScheduledFor.At.Equal(utc("2021-01-23T14:00:00Z")) || !in.ScheduledUntil.At.Equal(utc("2021-01-23T20:00:00Z")) || len(in.Updates) != 3 {
			t.Errorf("window %v - %v with %d updates, want 2021-01-23 14:00-20:00Z with 3", in.ScheduledFor.At, in.ScheduledUntil.At, len(in.Updates))
		}
	})
}

func TestStatuspageHomeFollows(t *testing.T) {
	page, err := Parse(statuspageHTMLDoc(t, "box-home-2021.html"), FormatStatuspageHome)
	if err != nil {
		t.Fatal(err)
	}
	want := []Follow{
		{URL: "https://status.example.com/history?page=1", Reason: FollowNext, Accept: "application/json"},
		{URL: "https://status.example.com/api/v2/incidents/7wf76spq7kts.json", Fallback: "https://status.example.com/incidents/7wf76spq7kts", Reason: FollowDetail},
		{URL: "https://status.example.com/api/v2/incidents/p05rv37fmp9l.json", Fallback: "https://status.example.com/incidents/p05rv37fmp9l", Reason: FollowDetail},
	}
	if !slices.Equal(page.Follow, want) {
		t.Errorf("follow = %+v\nwant %+v", page.Follow, want)
	}
	// Without a document URL the page's canonical link gives the origin.
	doc := statuspageHTMLDoc(t, "box-home-2021.html")
	doc.URL = ""
	page, err = Parse(doc, FormatStatuspageHome)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Follow) != 3 || page.Follow[0].URL != "https://status.box.com/history?page=1" {
		t.Errorf("follow without a URL = %+v, want the canonical host's", page.Follow)
	}
	// With neither there is nothing to follow from.
	doc.Body = regexpReplace(t, doc.Body, `<link rel="canonical"[^>]*>`, "")
	page, err = Parse(doc, FormatStatuspageHome)
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Follow) != 0 || page.Incidents[0].URL != "/incidents/7wf76spq7kts" {
		t.Errorf("follow = %+v, url %q; want none and the page's own href", page.Follow, page.Incidents[0].URL)
	}
}

func TestStatuspageHTMLRefusesOtherPages(t *testing.T) {
	others := map[string][]byte{
		"hund.io home":   readStatuspageFixture(t, "realworld/hundio/indeed-home-2021.html"),
		"seed text":      readStatuspageFixture(t, "seed/workos-outage-history.txt"),
		"statuspage api": readStatuspageFixture(t, "realworld/statuspage/githubstatus-incident-lc8s9rtyjmgq.json"),
		"history page":   readStatuspageFixture(t, "realworld/statuspage/govuknotify-history.html"),
		"atom feed":      readStatuspageFixture(t, "realworld/statuspage/streamyard-history.atom"),
		"garbage":        []byte("\x00\x01garbage<<<>>>"),
		"empty":          nil,
		"plain html":     []byte("<!DOCTYPE html><html><body><h1>Hello</h1><p>statuspage</p></body></html>"),
		"css only":       []byte("<html><style>.status-day .update-title{} .incident-updates-container{}</style></html>"),
	}
	for name, body := range others {
		doc := Document{Source: "x", URL: "https://example.com/", Body: body}
		for _, f := range []Format{FormatStatuspageIncident, FormatStatuspageHome} {
			i := slices.IndexFunc(formats, func(g format) bool { return g.name == f })
			if s := formats[i].sniff(doc); s != 0 {
				t.Errorf("%s: sniff %s = %d, want 0", name, f, s)
			}
			if name == "history page" {
				continue // a Statuspage page, just not one of these two
			}
			if _, err := Parse(doc, f); !errors.Is(err, ErrNotStatuspage) {
				t.Errorf("%s: Parse as %s error = %v, want ErrNotStatuspage", name, f, err)
			}
		}
	}
}

// No other fixture (other platforms, the reconstructed outage-history site,
// the Statuspage JSON and feeds) is taken for a Statuspage HTML page.
func TestStatuspageHTMLSniffsOnlyItsOwn(t *testing.T) {
	var names []string
	for _, pattern := range []string{"realworld/*/*", "seed/*", "outagehistory/*/*.html", "outagehistory/*/incidents/*"} {
		m, err := fixtures.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, m...)
	}
	own := map[string]bool{}
	for _, tt := range statuspageHTMLCounts {
		own["realworld/statuspage/"+tt.file] = true
	}
	checked := 0
	for _, name := range names {
		if own[name] || strings.HasSuffix(name, ".md") {
			continue
		}
		body, err := fixtures.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		checked++
		doc := Document{Source: "x", URL: "https://example.com/" + name, Body: body}
		if s := sniffStatuspageIncident(doc); s != 0 {
			t.Errorf("%s: sniffStatuspageIncident = %d, want 0", name, s)
		}
		if s := sniffStatuspageHome(doc); s != 0 {
			t.Errorf("%s: sniffStatuspageHome = %d, want 0", name, s)
		}
	}
	if checked < 20 {
		t.Errorf("checked %d other fixtures, want at least 20", checked)
	}
	// A Statuspage page served with a JSON content type is not HTML.
	doc := statuspageHTMLDoc(t, "box-home-2021.html")
	doc.ContentType = "application/json"
	if s := sniffStatuspageHome(doc); s != 0 {
		t.Errorf("home page served as JSON: sniff = %d, want 0", s)
	}
}

// Newer home pages may carry the epoch in the time, as the incident page
// does; it wins over the year-less text.
func TestStatuspageHomeEpoch(t *testing.T) {
	body := readStatuspageFixture(t, "realworld/statuspage/pythoninfra-home-2021.html")
	body = bytes.Replace(body, []byte("<small>Jan <var data-var='date'>12</var>, <var data-var='time'>16:04</var> UTC</small>"),
		[]byte(`<small><span data-datetime-unix="1610467470000"></span>Jan <var data-var='date'>12</var>, <var data-var='time'>16:04</var> UTC</small>`), 1)
	page, err := Parse(Document{Source: "py", URL: "https://status.python.org/", Body: body}, FormatStatuspageHome)
	if err != nil {
		t.Fatal(err)
	}
	last := findIncident(t, page, "grk0k7sz6zkp").Last()
	if !last.At.Equal(utc("2021-01-12T16:04:30Z")) || last.Text != "Jan 12, 16:04 UTC" {
		t.Errorf("last update at %v %q, want 2021-01-12T16:04:30Z from the epoch, with the text", last.At, last.Text)
	}
}

// The parsers follow the markup, not the fixture files: a hand-written
// page of the same shape for another vendor parses the same way.
func TestStatuspageHomeOtherVendor(t *testing.T) {
	body := []byte(`<!DOCTYPE html><html><head><meta name="issued" content="1704200000"></head><body>
<div class="layout-content status status-index">
 <div class="unresolved-incidents">
  <div class="unresolved-incident impact-critical">
   <div class="incident-title font-large"><a class="actual-title with-ellipsis" href="https://acme.statuspage.io/incidents/abcdefghijkl">Login down</a></div>
   <div class="updates font-regular">
    <div class="update"><strong>Identified</strong> - Fixing. <a href="https://x.example/">details</a><br><small>Jan <var data-var='date'> 2</var>, <var data-var='time'>07:30</var> NZDT</small></div>
    <div class="update"><strong>Investigating</strong> - Looking.<br><small>Dec <var data-var='date'>31</var>, <var data-var='time'>23:50</var> NZDT</small></div>
   </div>
  </div>
 </div>
 <div class="incidents-list format-expanded">
  <div class="status-day font-regular">
   <div class="date border-color font-large">Jan <var data-var="date"> 1</var>, <var data-var="year">2024</var></div>
   <div class="incident-container">
    <div class="incident-title impact-maintenance font-large"><a href="/incidents/mnopqrstuvwx">DB upgrade</a></div>
    <div class="updates-container">
     <div class="update font-regular completed"><strong>Completed</strong> - Done.<br><small>Jan <var data-var='date'> 1</var>, <var data-var='time'>03:00</var> NZDT</small></div>
     <div class="update font-regular verifying"><strong>Verifying</strong> - Checking.<br><small>Jan <var data-var='date'> 1</var>, <var data-var='time'>02:00</var> NZDT</small></div>
     <div class="update font-regular in progress"><strong>In progress</strong> - Started.<br><small>Dec <var data-var='date'>31</var>, <var data-var='time'>22:00</var> NZDT</small></div>
    </div>
   </div>
  </div>
 </div>
</div></body></html>`)
	page, err := Parse(Document{Source: "acme", URL: "https://status.acme.test/", Body: body}, FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	if page.Format != FormatStatuspageHome || len(page.Incidents) != 2 {
		t.Fatalf("format %s with %d incidents, want statuspage-home with 2", page.Format, len(page.Incidents))
	}
	open, maint := page.Incidents[0], page.Incidents[1]
	if open.ID != "abcdefghijkl" || open.Impact != ImpactCritical || open.Status != StatusIdentified || open.Kind != KindIncident {
		t.Errorf("open incident = %+v", open)
	}
	if got := open.First().At; !got.Equal(utc("2023-12-31T10:50:00Z")) {
		t.Errorf("open incident starts %v, want 2023-12-31T10:50:00Z", got)
	}
	if got := open.Updates[1].Body; got != "Fixing. details" {
		t.Errorf("body = %q, want link text kept inline", got)
	}
	if maint.Kind != KindMaintenance || maint.Status != StatusCompleted || maint.First().At.Year() != 2023 || maint.Last().At.Year() != 2023 {
		t.Errorf("maintenance = %s %s from %v to %v, want a completed maintenance Dec 31 2023 09:00Z - 14:00Z", maint.Kind, maint.Status, maint.First().At, maint.Last().At)
	}
}

func TestStatuspageHTMLUnknownZone(t *testing.T) {
	body := readStatuspageFixture(t, "realworld/statuspage/box-home-2021.html")
	body = bytes.ReplaceAll(body, []byte("</var> PST"), []byte("</var> QQT"))
	_, err := Parse(Document{Source: "box", URL: "https://status.box.com/", Body: body}, FormatStatuspageHome)
	if !errors.Is(err, ErrUnknownZone) {
		t.Errorf("Parse with zone QQT: error = %v, want ErrUnknownZone", err)
	}
	var pe *ParseError
	if !errors.As(err, &pe) || pe.Field == "" {
		t.Errorf("error %v does not say where", err)
	}
}

func FuzzStatuspageHTML(f *testing.F) {
	names, err := fixtures.Glob("realworld/statuspage/*.html")
	if err != nil {
		f.Fatal(err)
	}
	for _, n := range names {
		b, err := fixtures.ReadFile(n)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
		// Small seeds the fuzzer can mutate quickly: each page's incident
		// markup without its head (CSS, scripts) and subscribe forms, and
		// the same cut off in the middle of a block.
		for _, marker := range []string{`<div class="unresolved-incidents`, `<div class="scheduled-maintenances-container`, `<div class="incidents-list`, `<div class="incident-updates-container`} {
			i := bytes.Index(b, []byte(marker))
			if i < 0 {
				continue
			}
			part := b[i:min(len(b), i+6000)]
			f.Add(part)
			f.Add(part[:len(part)/3])
			// Epochs no page shows.
			if bytes.Contains(part, []byte("data-")) {
				f.Add(bytes.ReplaceAll(part, []byte(`data-unix-time="`), []byte(`data-unix-time="-9`)))
				f.Add(bytes.ReplaceAll(part, []byte(`data-datetime-unix="`), []byte(`data-datetime-unix="9`)))
			}
		}
	}
	f.Add([]byte(`<div class="status-day"><div class="date">Feb <var>29</var>, <var>2023</var></div><div class="incident-container"><div class="incident-title impact-x"><a href="/incidents/a">t</a></div><div class="updates-container"><div class="update"><strong>x</strong><small>Feb 30, 99:99 UTC</small></div></div></div></div>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		doc := Document{Source: "fuzz", URL: "https://status.example.com/", Body: body}
		for _, name := range []Format{FormatStatuspageIncident, FormatStatuspageHome} {
			page, err := Parse(doc, name)
			if err != nil {
				continue
			}
			for _, in := range page.Incidents {
				if err := in.Validate(time.Time{}); err != nil {
					t.Errorf("%s: %v", name, err)
				}
				in.Hash() // panics if the record cannot be encoded
			}
			if _, err := json.Marshal(page); err != nil {
				t.Errorf("%s: encode page: %v", name, err)
			}
		}
	})
}

func BenchmarkStatuspageHome(b *testing.B) {
	doc := statuspageHTMLDoc(b, "fastly-home-2021.html")
	b.SetBytes(int64(len(doc.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc, FormatStatuspageHome); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStatuspageIncident(b *testing.B) {
	doc := statuspageHTMLDoc(b, "govuknotify-incident.html")
	b.SetBytes(int64(len(doc.Body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(doc, FormatStatuspageIncident); err != nil {
			b.Fatal(err)
		}
	}
}

func findIncident(t *testing.T, page *Page, id string) Incident {
	t.Helper()
	for _, in := range page.Incidents {
		if in.ID == id {
			return in
		}
	}
	t.Fatalf("no incident %s on the page", id)
	return Incident{}
}

func componentNames(cs []Component) []string {
	var names []string
	for _, c := range cs {
		names = append(names, c.Name)
	}
	return names
}

func regexpReplace(t *testing.T, b []byte, expr, repl string) []byte {
	t.Helper()
	re := regexp.MustCompile(expr)
	out := re.ReplaceAll(b, []byte(repl))
	if bytes.Equal(out, b) {
		t.Fatalf("%s matched nothing", expr)
	}
	return out
}

func TestStatuspageHTMLEpochOutOfRange(t *testing.T) {
	body := readStatuspageFixture(t, "realworld/statuspage/govuknotify-incident.html")
	body = bytes.Replace(body, []byte(`data-datetime-unix="1746709641000"`), []byte(`data-datetime-unix="99999999999999999"`), 1)
	if _, err := Parse(Document{Source: "notify", Body: body}, FormatStatuspageIncident); !errors.Is(err, ErrBadTime) {
		t.Errorf("Parse with an epoch in year 3 million: error = %v, want ErrBadTime", err)
	}
}

func TestHasClass(t *testing.T) {
	tests := []struct {
		body, token string
		want        bool
	}{
		{`<div class="status-day font-regular">`, "status-day", true},
		{`<div class='update status-day'>`, "status-day", true},
		{`<div CLASS="a  status-day b">`, "status-day", true},
		{`<div class = status-day>`, "status-day", true},
		{`<div id=x class=" STATUS-DAY ">`, "status-day", true},
		{`<div class="status-days">`, "status-day", false},
		{`<div class="my-status-day">`, "status-day", false},
		{`<style>.status-day .update-title {}</style>`, "status-day", false},
		{`<div data-class="status-day">`, "status-day", false},
		{`<p>status-day</p>`, "status-day", false},
		{``, "status-day", false},
	}
	for _, tt := range tests {
		doc := Document{Body: []byte(tt.body)}.shared()
		if got := hasClass(doc, tt.token); got != tt.want {
			t.Errorf("hasClass(%q, %q) = %v, want %v", tt.body, tt.token, got, tt.want)
		}
	}
}
