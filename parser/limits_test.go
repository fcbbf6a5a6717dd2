package parser

import (
	"encoding/json"
	"fmt"
	"html"
	"strings"
	"testing"
	"unicode/utf8"
)

// limitsPage is an outage-history list page of three incidents; the second
// has the given title and body.
func limitsPage(title, body string) Document {
	item := func(id, title, body string) string {
		return fmt.Sprintf(`<div><p><a href="/incidents/%s">%s</a></p><p>Timeline · 1 update</p><p>resolved Jun 22, 2026, 02:03 PM UTC</p><p>%s</p></div>`,
			id, html.EscapeString(title), html.EscapeString(body))
	}
	items := item("1", "Short one", "Fixed.") + item("2", title, body) + item("3", "Another", "Also fixed.")
	return Document{Source: "acme", URL: "https://agg.example/h", ContentType: "text/html", Body: ohPage(ohHeader, items, "")}
}

// An over-long title or body is cut at its cap with the marker, the record
// says so, the page's other incidents are untouched, and the page parses.
func TestFieldLimits(t *testing.T) {
	long := func(n int, unit string) string { return strings.Repeat(unit, n/len(unit)+1)[:n] }
	tests := []struct {
		name              string
		title, body       string
		cutTitle, cutBody bool
	}{
		{"title of 1,100 characters", long(1100, "Outage "), "Fixed.", true, false},
		{"title at the cap", long(MaxTitle, "x"), "Fixed.", false, false},
		{"title of multi-byte characters", long(1100*3, "é漢"), "Fixed.", true, false},
		{"body of 300 KiB", "Big one", long(300<<10, "All systems normal. "), false, true},
		{"body at the cap", "Big one", long(MaxBody, "y"), false, false},
		{"both", long(2000, "t"), long(400<<10, "ü"), true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := Parse(limitsPage(tt.title, tt.body), FormatAuto)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(p.Incidents) != 3 {
				t.Fatalf("%d incidents, want 3", len(p.Incidents))
			}
			for _, k := range []int{0, 2} {
				if in := p.Incidents[k]; in.Truncated || strings.Contains(in.Title+in.Updates[0].Body, TruncationMarker) {
					t.Errorf("incident %s: truncated %v, title %q, want it untouched", in.ID, in.Truncated, in.Title)
				}
			}
			in := p.Incidents[1]
			body := in.Updates[0].Body
			for _, f := range []struct {
				what      string
				got, orig string
				cap       int
				cut       bool
			}{{"title", in.Title, tt.title, MaxTitle, tt.cutTitle}, {"body", body, tt.body, MaxBody, tt.cutBody}} {
				switch {
				case !f.cut && f.got != f.orig:
					t.Errorf("%s of %d bytes changed to %d bytes, want it whole", f.what, len(f.orig), len(f.got))
				case f.cut && (len(f.got) > f.cap || len(f.got) < f.cap-len(TruncationMarker)-utf8.UTFMax || !strings.HasSuffix(f.got, TruncationMarker)):
					t.Errorf("%s cut to %d bytes ending %q, want at most %d ending in the marker", f.what, len(f.got), f.got[max(0, len(f.got)-20):], f.cap)
				case f.cut && !strings.HasPrefix(f.orig, strings.TrimSuffix(f.got, TruncationMarker)):
					t.Errorf("%s cut is not the start of the original", f.what)
				case !utf8.ValidString(f.got):
					t.Errorf("%s cut inside a character", f.what)
				}
			}
			if want := tt.cutTitle || tt.cutBody; in.Truncated != want {
				t.Errorf("Truncated = %v, want %v", in.Truncated, want)
			}
			b, _ := json.Marshal(in)
			if strings.Contains(string(b), `"truncated":true`) != in.Truncated {
				t.Errorf("JSON %s... does not carry truncated=%v", b[:min(len(b), 80)], in.Truncated)
			}
		})
	}
}

// The hash covers a cut value as kept: an edit beyond the cap makes no new
// version, an edit to its start does, and a body that grows past the cap
// does.
func TestFieldLimitsHash(t *testing.T) {
	base := strings.Repeat("The queue is draining. ", (300<<10)/23)
	hash := func(body string) string {
		t.Helper()
		p, err := Parse(limitsPage("Big one", body), FormatOutageHistory)
		if err != nil {
			t.Fatal(err)
		}
		return p.Incidents[1].Hash()
	}
	h := hash(base)
	if got := hash(base + " One more sentence past the cap."); got != h {
		t.Errorf("an edit past the cap changed the hash")
	}
	if got := hash("Correction: " + base); got == h {
		t.Errorf("an edit to the start did not change the hash")
	}
	short := base[:200<<10]
	if hash(short) == h {
		t.Errorf("a body growing from 200 KiB past the cap did not change the hash")
	}
}

// The caps hold for every format: a Statuspage API incident with a long
// name and a long update body parses, cut and marked.
func TestFieldLimitsStatuspageAPI(t *testing.T) {
	var doc map[string]any
	if err := json.Unmarshal(readStatuspageFixture(t, "realworld/statuspage/githubstatus-incident-lc8s9rtyjmgq.json"), &doc); err != nil {
		t.Fatal(err)
	}
	in := doc["incident"].(map[string]any)
	in["name"] = strings.Repeat("Actions ", 150)
	ups := in["incident_updates"].([]any)
	ups[0].(map[string]any)["body"] = strings.Repeat("Still degraded. ", 20000)
	b, _ := json.Marshal(doc)
	p, err := Parse(Document{Source: "gh", URL: "https://www.githubstatus.com/api/v2/incidents/lc8s9rtyjmgq.json", Body: b}, FormatAuto)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	got := p.Incidents[0]
	if !got.Truncated || len(got.Title) > MaxTitle || !strings.HasSuffix(got.Title, TruncationMarker) {
		t.Errorf("title of %d bytes, truncated %v; want it cut to %d with the marker", len(got.Title), got.Truncated, MaxTitle)
	}
	cut := 0
	for _, u := range got.Updates {
		if strings.HasSuffix(u.Body, TruncationMarker) && len(u.Body) <= MaxBody {
			cut++
		}
	}
	if cut != 1 {
		t.Errorf("%d bodies cut, want 1", cut)
	}
}
