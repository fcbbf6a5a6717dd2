package parser

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/statusarchive/statusarchive/fixtures"
)

// signalsRef computes every signal the slow way, each as the code the
// shared walk replaced computed it: goquery selectors over the whole tree,
// classes(), and a walk of its own for the challenge check and the history
// element.
func signalsRef(t *testing.T, body []byte) signals {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	dom := goquery.NewDocumentFromNode(root)
	has := func(sel string) bool { return dom.Find(sel).Length() > 0 }
	doc := Document{Body: body, ContentType: "text/html"}.shared()
	classes := doc.classes()
	var s signals
	for _, c := range spClassNames {
		if classes[c.name] {
			s.statuspage |= c.bit
		}
	}
	s.blocked = blockedRef(root)
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for ; n != nil && s.history == nil; n = n.NextSibling {
			if n.Type == html.ElementNode && strings.EqualFold(strings.TrimSpace(attrOf(n, "data-react-class")), "HistoryIndex") {
				s.history = n
				return
			}
			walk(n.FirstChild)
		}
	}
	walk(root)
	if sc := dom.Find(`script#__NEXT_DATA__`).First(); sc.Length() > 0 {
		s.nextData = sc.Get(0)
	}
	s.bsReportUpdate, s.bsHistory = has(`.status-report-page .status-update`), has(`.status-history`)
	s.sioIncidentUpdate, s.sioHistory, s.sioHistoryLink = has(`#statusio_incident .incident_update`), has(`#statusio_history`), has(`h5 > a[href*="/pages/incident/"]`)
	s.hundStateBar, s.hundGroup = has("aside.state-bar"), has("section.groups section.group")
	s.hundHistory, s.hundLink = has("section.history"), has(`a[href^="https://hund.io"]`)
	return s
}

// blockedRef is the challenge check as it was before it shared a walk:
// lower-cased copies of titles and scripts.
func blockedRef(root *html.Node) string {
	why := ""
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for ; n != nil && why == ""; n = n.NextSibling {
			if n.Type != html.ElementNode {
				walk(n.FirstChild)
				continue
			}
			switch n.DataAtom {
			case atom.Title:
				if w, ok := blockTitles[strings.ToLower(foldSpace(nodeText(n)))]; ok {
					why = w
				}
			case atom.Input:
				if strings.EqualFold(strings.TrimSpace(attrOf(n, "type")), "password") {
					why = "login form"
				}
			case atom.Script:
				text := strings.ToLower(attrOf(n, "src") + " " + nodeText(n))
				for _, m := range blockScripts {
					if strings.Contains(text, m.mark) {
						why = m.why
					}
				}
			case atom.Iframe:
				if strings.Contains(strings.ToLower(attrOf(n, "src")), "challenges.cloudflare.com") {
					why = "cloudflare challenge"
				}
			}
			if n.DataAtom != atom.Input && n.DataAtom != atom.Button {
				for tok := range strings.FieldsSeq(attrOf(n, "class")) {
					if w := blockToken(tok); w != "" && why == "" {
						why = w
					}
				}
				if w := blockToken(strings.TrimSpace(attrOf(n, "id"))); w != "" && why == "" {
					why = w
				}
			}
			walk(n.FirstChild)
		}
	}
	walk(root)
	return why
}

// sameSignals compares two readings; the nodes compare by position in
// their own trees (each reading parsed the body itself).
func sameSignals(got, want signals) bool {
	path := func(n *html.Node) string {
		var b strings.Builder
		for ; n != nil; n = n.Parent {
			k := 0
			for p := n.PrevSibling; p != nil; p = p.PrevSibling {
				k++
			}
			b.WriteString(n.Data)
			b.WriteByte('/')
			b.WriteString(string(rune('0' + k%64)))
		}
		return b.String()
	}
	if (got.history == nil) != (want.history == nil) || (got.nextData == nil) != (want.nextData == nil) ||
		path(got.history) != path(want.history) || path(got.nextData) != path(want.nextData) {
		return false
	}
	got.history, want.history, got.nextData, want.nextData = nil, nil, nil, nil
	return got == want
}

// TestSignalsAgreeWithSelectors: the shared walk reads every signal as the
// selectors and walks it replaced do, on every HTML page of the test data
// (captures, fixtures, fuzz corpora) and on markup made to tell the rules
// apart: namespaced attributes, form feeds in class lists, case, nesting.
func TestSignalsAgreeWithSelectors(t *testing.T) {
	bodies := map[string][]byte{}
	for _, pattern := range []string{"realworld/*/*.html", "outagehistory/*/*.html", "outagehistory/*/incidents/*.html", "statuspage/site/*.html", "statuspage/site/*/*.html", "seed/*.html"} {
		names, err := fixtures.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			b, err := fixtures.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			bodies[name] = b
		}
	}
	err := filepath.WalkDir("testdata", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		if i := bytes.IndexByte(b, '<'); i >= 0 {
			bodies[p] = b
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for i, body := range []string{
		`<div class="status-report-page"><p class="status-update">x</p></div>`,
		`<div class="status-report-page status-update">x</div>`,
		`<div class="status-report-page\fx"><p class="y\fstatus-update">x</p></div>`,
		`<div CLASS="Status-Report-Page"><p class="status-update">x</p></div>`,
		`<div id="statusio_incident"><div><span class="incident_update">x</span></div></div><p id="statusio_history">`,
		`<span class="incident_update"></span><div id="statusio_incident"></div>`,
		`<h5><a href="/pages/incident/a/b">x</a></h5><h5><span><a href="/pages/incident/a/c">y</a></span></h5>`,
		`<h5><a href="  ">x</a></h5><a href="https://hund.io/x"></a>`,
		`<svg><a xlink:href="https://hund.io">x</a></svg><section class="history"></section>`,
		`<aside class="state-bar"></aside><section class="groups"><div><section class="group"></section></div></section>`,
		`<section class="groups group"></section><section class="history"><a href=" https://hund.io">x</a></section>`,
		`<div data-react-class=" historyindex "></div><div data-react-class="HistoryIndex"></div>`,
		`<script id="__NEXT_DATA__" type="application/json">{}</script><script id="__NEXT_DATA__">{"a":1}</script>`,
		`<div id="__NEXT_DATA__"></div><title>Just a moment...</title>`,
		`<button class="g-recaptcha"></button><div id=" H-CAPTCHA "></div>`,
		`<script src="https://Challenges.Cloudflare.com/x.js"></script><input type=PASSWORD>`,
		`<script>var CF_CHL_OPT = {};</script><div class="px-captcha">`,
		`<iframe src="https://challenges.cloudflare.com"></iframe>`,
		"<div class=\"status-history\vstatus-day\"></div><div class=\"x\u00a0unresolved-incident\"></div><p class=\"status-history\u00a0\">",
		"<div class=\"status-report-page\v\"><p class=\"status-update\">x</p></div><div class=\"\u00a0cf-turnstile\">",
		`<div class="STATUS-DAY unresolved-incident"><p class="update-row incident-name">` + "\u212a" + `</p></div>`,
	} {
		bodies[string(rune('a'+i))] = []byte(body)
	}
	checked := 0
	for name, body := range bodies {
		doc := Document{Body: body, ContentType: "text/html"}.shared()
		if doc.syntax() != syntaxHTML {
			continue
		}
		checked++
		got := doc.signals()
		if got == nil {
			t.Errorf("%s: no signals for an HTML document", name)
			continue
		}
		want := signalsRef(t, body)
		if !sameSignals(*got, want) {
			t.Errorf("%s: signals\n got %+v\nwant %+v", name, *got, want)
		}
		root, _ := doc.html()
		if got := blockedWalk(root); got != want.blocked {
			t.Errorf("%s: blockedWalk = %q, want %q", name, got, want.blocked)
		}
	}
	if checked < 100 {
		t.Errorf("checked %d HTML documents, want at least 100", checked)
	}
}

// TestAttrKeyIs: attrKeyIs answers as strings.EqualFold for the keys a
// tree built by other means than the tokenizer may hold.
func TestAttrKeyIs(t *testing.T) {
	for _, key := range []string{"class", "CLASS", "Class", "cla\u017f\u017f", "clas", "classes", "id", "ID", "\u0131d", "data-react-class", "Data-React-Class", ""} {
		for _, lower := range []string{"class", "id", "data-react-class"} {
			if got, want := attrKeyIs(key, lower), strings.EqualFold(key, lower); got != want {
				t.Errorf("attrKeyIs(%q, %q) = %v, want %v", key, lower, got, want)
			}
		}
	}
}
