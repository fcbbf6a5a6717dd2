package parser

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/statusarchive/statusarchive/fixtures"
	"github.com/statusarchive/statusarchive/fixtures/outagehistory/markup"
)

func TestBlockedPagesAreNeverParsed(t *testing.T) {
	cases := []struct {
		name string
		body string
	}{
		{"cloudflare challenge", `<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><div id="cf-browser-verification">Checking your browser</div></body></html>`},
		{"cloudflare block", `<html><head><title>Attention Required! | Cloudflare</title></head><body>Sorry, you have been blocked</body></html>`},
		{"captcha", `<html><body><div class="g-recaptcha" data-sitekey="x"></div></body></html>`},
		{"login wall", `<html><body><h1>WorkOS had 44 outages</h1><form><input name="user"><input type="password" name="pw"></form></body></html>`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := Document{Source: "v", URL: "https://status.example/", ContentType: "text/html", Body: []byte(tc.body)}
			if f, err := Detect(doc); !errors.Is(err, ErrBlocked) {
				t.Errorf("Detect = %q, %v, want ErrBlocked", f, err)
			}
			for _, name := range Formats() {
				if _, err := Parse(doc, name); !errors.Is(err, ErrBlocked) {
					t.Errorf("Parse as %s: %v, want ErrBlocked", name, err)
				}
			}
		})
	}
}

func TestDetectNamesWhatItSaw(t *testing.T) {
	doc := Document{Source: "v", URL: "https://status.example/x", ContentType: "text/plain", Body: []byte("hello")}
	_, err := Detect(doc)
	var pe *ParseError
	if !errors.Is(err, ErrUnknownFormat) || !errors.As(err, &pe) || pe.Source != "v" || pe.URL != doc.URL {
		t.Fatalf("Detect(text/plain) = %v, want a ParseError naming source and URL wrapping ErrUnknownFormat", err)
	}
	if _, err := Parse(doc, "no-such-format"); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Parse with an unknown format name: %v, want ErrUnknownFormat", err)
	}
}

func TestParseErrorsNameTheirPage(t *testing.T) {
	cases := []struct {
		name   string
		format Format
		body   string
	}{
		{"incident page without a code", FormatStatuspageIncident, `<html><body><h1 class="incident-name">Outage</h1></body></html>`},
		{"not a feed", FormatStatuspageFeed, `<html><body>hello</body></html>`},
		{"not an API document", FormatStatuspageAPI, `{"incidents": 3}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := Document{Source: "v", URL: "https://status.example/somewhere", ContentType: "text/html", Body: []byte(tc.body)}
			_, err := Parse(doc, tc.format)
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Source != doc.Source || pe.URL != doc.URL || pe.Format != tc.format {
				t.Fatalf("Parse as %s = %v, want a ParseError naming source %q, URL %q and format", tc.format, err, doc.Source, doc.URL)
			}
		})
	}
}

// Detection and parsing read the markup, not its bytes: every real
// Statuspage HTML capture, re-spelled with other quotes, spacing, case and
// attribute order, is detected as the same format and parses to the same
// records as the original.
func TestDetectIgnoresSpelling(t *testing.T) {
	names, err := fixtures.Glob("realworld/statuspage/*.html")
	if err != nil || len(names) < 10 {
		t.Fatalf("Glob = %d files, %v", len(names), err)
	}
	for _, name := range names {
		orig := Document{Source: "v", URL: "https://status.example.com/", ContentType: "text/html", Body: readStatuspageFixture(t, name)}
		if strings.HasSuffix(name, "-incident.html") {
			orig.URL = "https://status.example.com/incidents/2wryjrq3v9mt"
		}
		want, err := Parse(orig, FormatAuto)
		if err != nil {
			t.Fatalf("%s: original: %v", name, err)
		}
		for _, spelling := range markup.Spellings() {
			doc := orig
			if doc.Body, err = markup.Respell(orig.Body, spelling); err != nil {
				t.Fatalf("%s, %s: %v", name, spelling, err)
			}
			if bytes.Equal(doc.Body, orig.Body) {
				t.Fatalf("%s, %s: respelling changed nothing", name, spelling)
			}
			got, err := Parse(doc, FormatAuto)
			if err != nil {
				t.Errorf("%s, %s: %v; want %s", name, spelling, err, want.Format)
				continue
			}
			if got.Format != want.Format || len(got.Incidents) != len(want.Incidents) || len(got.Follow) != len(want.Follow) {
				t.Errorf("%s, %s: %s with %d incidents and %d follows, want %s with %d and %d", name, spelling,
					got.Format, len(got.Incidents), len(got.Follow), want.Format, len(want.Incidents), len(want.Follow))
				continue
			}
			for k := range got.Incidents {
				if g, w := got.Incidents[k], want.Incidents[k]; g.ID != w.ID || g.Hash() != w.Hash() || g.Partial != w.Partial {
					t.Errorf("%s, %s: incident %d is %s %s, want %s %s", name, spelling, k, g.ID, g.Hash()[:8], w.ID, w.Hash()[:8])
				}
			}
		}
	}
}

// JSON is read as JSON: indentation and key order do not change what a
// Statuspage API document or history props object is detected as.
func TestDetectJSONIgnoresLayout(t *testing.T) {
	names, err := fixtures.Glob("realworld/statuspage/*.json")
	if err != nil || len(names) < 5 {
		t.Fatalf("Glob = %d files, %v", len(names), err)
	}
	for _, name := range names {
		body := readStatuspageFixture(t, name)
		orig := Document{Source: "v", URL: "https://status.example.com/api/v2/x.json", Body: body}
		want, err := Detect(orig)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		var v any
		if err := json.Unmarshal(body, &v); err != nil {
			t.Fatal(err)
		}
		indented, _ := json.MarshalIndent(v, "", "\t") // keys sorted, tabs
		doc := orig
		doc.Body = append([]byte("\n  "), indented...)
		if got, err := Detect(doc); got != want || err != nil {
			t.Errorf("%s re-indented: Detect = %q, %v, want %q", name, got, err, want)
		}
	}
}

// Blocked pages are recognised from their markup whatever its spelling, and
// a captcha on a subscribe button does not make a status page a challenge.
func TestBlockedIgnoresSpelling(t *testing.T) {
	cases := []struct {
		body string
		want bool
	}{
		{`<html><head><TITLE> Just a  moment... </TITLE></head><body></body></html>`, true},
		{`<html><body><form><INPUT TYPE = 'Password' name=pw></form></body></html>`, true},
		{`<html><body><div class = 'x G-RECAPTCHA'></div></body></html>`, true},
		{`<html><body><script src='https://challenges.cloudflare.com/turnstile/v0/api.js'></script></body></html>`, true},
		{`<html><body><p>We added a captcha (g-recaptcha) to login; type="password" fields were affected.</p></body></html>`, false},
		{`<html><body><form><input type=submit class="g-recaptcha" value=Subscribe></form></body></html>`, false},
	}
	for _, tc := range cases {
		doc := Document{Body: []byte(tc.body)}.shared()
		if got := blocked(doc) != ""; got != tc.want {
			t.Errorf("blocked(%s) = %v, want %v", tc.body, got, tc.want)
		}
	}
}

// A feed is read as XML: how its content's markup spells the data-var
// attribute, or whether the content is escaped or CDATA, does not matter.
func TestDetectFeedFromDecodedContent(t *testing.T) {
	for _, content := range []string{
		`&lt;p&gt;&lt;small&gt;Jan &lt;var data-var="date"&gt;21&lt;/var&gt;&lt;/small&gt;&lt;/p&gt;`,
		`<![CDATA[<p><small>Jan <VAR DATA-VAR = 'date'>21</VAR></small></p>]]>`,
	} {
		body := `<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Acme Status</title><link>https://status.acme.example</link>
<item><title>Outage</title><description>` + content + `</description><pubDate>Thu, 21 Jan 2021 19:00:00 +0000</pubDate>
<link>https://status.acme.example/incidents/abc123</link><guid>https://status.acme.example/incidents/abc123</guid></item></channel></rss>`
		doc := Document{Source: "acme", URL: "https://status.acme.example/feed.rss", Body: []byte(body)}
		if f, err := Detect(doc); f != FormatStatuspageFeed || err != nil {
			t.Errorf("Detect(feed with %.40q…) = %q, %v; want %s", content, f, err, FormatStatuspageFeed)
		}
	}
}

// Detection stays cheap: no sniffer parses an HTML page again. Detecting
// and then parsing must cost less than half a parse of the tree (plus a
// fixed 300 allocations) more than
// parsing by name (which builds the tree once already); a sniffer that
// built its own tree would cost a whole one. Allocation counts, unlike
// times, do not depend on the machine's load.
func TestDetectionDoesNotParseAgain(t *testing.T) {
	var names []string
	for _, pattern := range []string{"realworld/*/*.html", "outagehistory/*/outages-1.html", "outagehistory/*/incidents/2741093.html"} {
		m, err := fixtures.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		names = append(names, m...)
	}
	checked := 0
	for _, name := range names {
		body, err := fixtures.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		doc := Document{Source: "x", URL: "https://status.example.com/", ContentType: "text/html", Body: body}
		if strings.HasSuffix(name, "-incident.html") {
			doc.URL = "https://status.example.com/incidents/2wryjrq3v9mt"
		}
		p, err := Parse(doc, FormatAuto)
		if err != nil {
			continue // refused pages are other tests' business
		}
		checked++
		tree := testing.AllocsPerRun(2, func() { _, _ = html.Parse(bytes.NewReader(body)) })
		byName := testing.AllocsPerRun(2, func() { _, _ = Parse(doc, p.Format) })
		auto := testing.AllocsPerRun(2, func() { _, _ = Parse(doc, FormatAuto) })
		// 300: the sniffers' fixed cost (their memo entries, a few
		// maps), which dominates on a tiny page.
		if auto-byName > tree/2+300 {
			t.Errorf("%s: detecting costs %.0f allocations over parsing as %s (%.0f); building the tree costs %.0f: a sniffer parses the page again",
				name, auto-byName, p.Format, byName, tree)
		}
	}
	if checked < 15 {
		t.Errorf("checked %d HTML pages, want at least 15", checked)
	}
}
