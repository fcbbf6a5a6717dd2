package parser

import (
	"errors"
	"fmt"
	"path"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/fixtures"
)

func TestStatuspageFeedStreamYard(t *testing.T) {
	doc := Document{Source: "streamyard", URL: "https://status.streamyard.com/history.atom", ContentType: "application/atom+xml",
		Body: readStatuspageFixture(t, "realworld/statuspage/streamyard-history.atom")}
	if got, err := Detect(doc); err != nil || got != FormatStatuspageFeed {
		t.Errorf("Detect = %q, %v, want %q", got, err, FormatStatuspageFeed)
	}
	page, err := Parse(doc, FormatStatuspageFeed)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	// Per entry, in feed order: code and update count (counted by hand from
	// the <p> elements of each entry's content).
	want := []struct {
		id      string
		updates int
	}{
		{"l4222m9bmd6k", 3}, {"hf2t8jywhv8f", 2}, {"6pz1jst84ctl", 3}, {"36d8fqfj6pfv", 3}, {"8zc1mhz3jd7z", 3},
		{"flyd07nvq6fz", 2}, {"s8hpl4584ttn", 3}, {"sf5j3x7372dt", 3}, {"qn94clz64mcb", 2}, {"qcv5g21kcdk2", 2},
		{"2dsqd1df9jvc", 5}, {"59rphq084mvx", 3}, {"vvm93br1lsjj", 3}, {"6p9qgj1x619t", 1}, {"my6cw6r83w28", 2},
		{"l9ylyfd8317f", 3}, {"7893r30tbrgh", 3},
	}
	if len(page.Incidents) != len(want) {
		t.Fatalf("incidents = %d, want %d", len(page.Incidents), len(want))
	}
	for i, w := range want {
		in := page.Incidents[i]
		if in.ID != w.id || len(in.Updates) != w.updates {
			t.Errorf("entry %d = %s with %d updates, want %s with %d", i+1, in.ID, len(in.Updates), w.id, w.updates)
		}
		if in.Impact != ImpactUnknown || in.Kind != KindIncident {
			t.Errorf("entry %d impact %q kind %q, want unknown impact (feeds do not say) and incident", i+1, in.Impact, in.Kind)
		}
		if in.URL != "https://status.streamyard.com/incidents/"+w.id {
			t.Errorf("entry %d url = %q", i+1, in.URL)
		}
		for _, u := range in.Updates {
			if u.Status == StatusUnknown || u.Body == "" || u.At.Text == "" {
				t.Errorf("entry %d update %+v: want a known status, a body and the time text", i+1, u)
			}
		}
	}
	first := page.Incidents[0]
	// Parse sorts oldest first: Investigating Feb 8 08:29 UTC (2024, from
	// the entry's updated time).
	if got, want := first.Updates[0].At.At, time.Date(2024, 2, 8, 8, 29, 0, 0, time.UTC); !got.Equal(want) {
		t.Errorf("first update of %s at %v, want %v", first.ID, got, want)
	}
	if got, want := first.Updates[0].Body, "Some users are experiencing networking issues right now. We are investigating."; got != want {
		t.Errorf("first body = %q, want %q", got, want)
	}
	if first.Status != StatusResolved {
		t.Errorf("status = %q, want resolved (the newest post)", first.Status)
	}
	checkStatuspageGolden(t, "streamyard-history-atom", page)
}

// TestStatuspageFeedSite parses the fixture site's feeds: the RSS one is
// our only RSS sample (built from MARKUP.md §1.5, there being no real
// capture), and both cross New Year and both London zones.
func TestStatuspageFeedSite(t *testing.T) {
	for _, name := range []string{"history.rss", "history.atom"} {
		t.Run(name, func(t *testing.T) {
			doc := Document{Source: "acme", URL: fixtures.StatuspageOrigin + "/" + name, Body: readStatuspageFixture(t, "statuspage/site/"+name)}
			if got, err := Detect(doc); err != nil || got != FormatStatuspageFeed {
				t.Errorf("Detect = %q, %v, want %q", got, err, FormatStatuspageFeed)
			}
			page, err := Parse(doc, FormatStatuspageFeed)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if got := len(page.Incidents); got != 12 {
				t.Errorf("incidents = %d, want 12", got)
			}
			for _, in := range page.Incidents {
				if in.ID != "w8q3z6b9r2vj" {
					continue
				}
				// Dec 31 23:40 GMT under an entry dated Jan 1: the year rolls back.
				if got, want := in.Updates[0].At.At, time.Date(2025, 12, 31, 23, 40, 0, 0, time.UTC); !got.Equal(want) {
					t.Errorf("first update of %s at %v, want %v", in.ID, got, want)
				}
			}
			checkStatuspageGolden(t, "acme-site-"+strings.ReplaceAll(name, ".", "-"), page)
		})
	}
}

// feedRSS wraps items in the RSS envelope Statuspage serves at
// /history.rss (MARKUP.md §1.5).
func feedRSS(items ...string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>Acme Status - Incident History</title><link>https://status.acme.test</link>
<description>Statuspage</description>` + strings.Join(items, "") + `</channel></rss>`)
}

func feedRSSItem(code, title, pubDate string, posts ...string) string {
	var content strings.Builder
	for _, p := range posts {
		content.WriteString("<p>" + p + "</p>")
	}
	esc := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(content.String())
	return `<item><title>` + title + `</title><description>` + esc + `</description><pubDate>` + pubDate +
		`</pubDate><link>https://status.acme.test/incidents/` + code + `</link><guid>https://status.acme.test/incidents/` + code + `</guid></item>`
}

func feedPost(month string, day int, clock, zone, status, body string) string {
	return "<small>" + month + " <var data-var='date'>" + fmt.Sprintf("%2d", day) + "</var>, <var data-var='time'>" + clock + "</var> " + zone +
		"</small><br><strong>" + status + "</strong> - " + body
}

func TestStatuspageFeedRSS(t *testing.T) {
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	tests := []struct {
		name   string
		item   string
		kind   Kind
		times  []time.Time // oldest first
		bodies []string
		err    error
	}{
		{"across New Year", feedRSSItem("newyear00001", "Outage over New Year", "Mon, 01 Jan 2024 02:10:00 +0000",
			feedPost("Jan", 1, "02:10", "GMT", "Resolved", "Fixed."),
			feedPost("Dec", 31, "23:40", "GMT", "Investigating", "Looking.<br>More soon.")),
			KindIncident, []time.Time{utc(2023, 12, 31, 23, 40), utc(2024, 1, 1, 2, 10)}, []string{"Looking.\nMore soon.", "Fixed."}, nil},
		{"summer time", feedRSSItem("summer000001", "Slow API", "Thu, 04 Jul 2024 10:30:00 +0000",
			feedPost("Jul", 4, "11:30", "BST", "Resolved", "Done."),
			feedPost("Jul", 4, "10:00", "BST", "In progress", "Still <a href='https://x.test'>slow</a>.")),
			KindMaintenance, []time.Time{utc(2024, 7, 4, 9, 0), utc(2024, 7, 4, 10, 30)}, []string{"Still slow.", "Done."}, nil},
		{"US zones", feedRSSItem("uszones00001", "Maintenance", "Sun, 06 Nov 2022 10:00:00 +0000",
			feedPost("Nov", 6, "01:30", "PST", "Completed", "Completed."),
			feedPost("Nov", 6, "01:30", "PDT", "In progress", "Started."),
			feedPost("Nov", 1, "09:00", "PDT", "Scheduled", "Planned.")),
			KindMaintenance, []time.Time{utc(2022, 11, 1, 16, 0), utc(2022, 11, 6, 8, 30), utc(2022, 11, 6, 9, 30)}, []string{"Planned.", "Started.", "Completed."}, nil},
		{"unknown zone", feedRSSItem("badzone00001", "x", "Mon, 01 Jan 2024 02:10:00 +0000", feedPost("Jan", 1, "02:10", "QQT", "Resolved", "Fixed.")),
			"", nil, nil, ErrUnknownZone},
		{"bad pubDate", feedRSSItem("baddate00001", "x", "yesterday", feedPost("Jan", 1, "02:10", "UTC", "Resolved", "Fixed.")),
			"", nil, nil, ErrBadTime},
		{"no posts", feedRSSItem("noposts00001", "x", "Mon, 01 Jan 2024 02:10:00 +0000"),
			"", nil, nil, errFeedAny},
		{"no status", feedRSSItem("nostatus0001", "x", "Mon, 01 Jan 2024 02:10:00 +0000", "<small>Jan 1, 02:10 UTC</small> Fixed."),
			"", nil, nil, errFeedAny},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := Document{URL: "https://status.acme.test/history.rss", Body: feedRSS(tt.item)}
			if got, err := Detect(doc); err != nil || got != FormatStatuspageFeed {
				t.Errorf("Detect = %q, %v, want %q", got, err, FormatStatuspageFeed)
			}
			page, err := Parse(doc, FormatStatuspageFeed)
			if tt.err != nil {
				if err == nil || (tt.err != errFeedAny && !errors.Is(err, tt.err)) {
					t.Errorf("Parse = %v, want an error wrapping %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			in := page.Incidents[0]
			if in.Kind != tt.kind {
				t.Errorf("kind = %q, want %q", in.Kind, tt.kind)
			}
			if len(in.Updates) != len(tt.times) {
				t.Fatalf("updates = %d, want %d", len(in.Updates), len(tt.times))
			}
			for i, u := range in.Updates {
				if !u.At.At.Equal(tt.times[i]) || u.Body != tt.bodies[i] {
					t.Errorf("update %d = %v %q, want %v %q", i, u.At.At, u.Body, tt.times[i], tt.bodies[i])
				}
			}
		})
	}
}

// errFeedAny stands for "some error" in a table.
var errFeedAny = errors.New("any error")

func TestStatuspageFeedNotStatuspage(t *testing.T) {
	cases := map[string][]byte{
		"empty":         {},
		"garbage":       []byte("\x00 nothing"),
		"json":          []byte(`{"incidents":[]}`),
		"html":          []byte(`<!DOCTYPE html><html><body><p>hi</p></body></html>`),
		"other atom":    []byte(`<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:x</id><entry><id>1</id><updated>2024-01-01T00:00:00Z</updated><link href="https://blog.test/post/1"/><title>Post</title><content type="html">&lt;p&gt;hi&lt;/p&gt;</content></entry></feed>`),
		"instatus-ish":  []byte(`<feed xmlns="http://www.w3.org/2005/Atom"><id>tag:s.test,2005:/history</id><entry><id>tag:s.test,2005:Incident/ckabc</id><updated>2024-01-01T00:00:00Z</updated><link href="https://s.test/incident/ckabc"/><title>x</title><content type="html"></content></entry></feed>`),
		"empty rss":     []byte(`<rss><channel><title>News</title></channel></rss>`),
		"unclosed feed": []byte(`<feed xmlns="http://www.w3.org/2005/Atom"><id>tag:s.test,2005:/history</id><entry>`),
	}
	for _, pattern := range []string{"realworld/other/*", "realworld/hundio/*", "realworld/statuspage/*-home-2021.html", "realworld/statuspage/*.json"} {
		names, err := fixtures.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			cases[path.Base(name)] = readStatuspageFixture(t, name)
		}
	}
	for name, body := range cases {
		t.Run(name, func(t *testing.T) {
			doc := Document{URL: "https://example.com/feed", Body: body}
			if f, err := Detect(doc); err == nil && f == FormatStatuspageFeed {
				t.Errorf("Detect = %q, want another format or none", f)
			}
			if _, err := Parse(doc, FormatStatuspageFeed); !errors.Is(err, ErrNotStatuspage) {
				t.Errorf("Parse = %v, want an error wrapping ErrNotStatuspage", err)
			}
		})
	}
}

func FuzzStatuspageFeed(f *testing.F) {
	b, err := fixtures.ReadFile("realworld/statuspage/streamyard-history.atom")
	if err != nil {
		f.Fatal(err)
	}
	// The feed cut to its first three entries: the rest are more of the same.
	entries := strings.SplitAfter(string(b), "</entry>")
	f.Add([]byte(strings.Join(entries[:3], "") + "\n</feed>\n"))
	f.Add(feedRSS(feedRSSItem("newyear00001", "x", "Mon, 01 Jan 2024 02:10:00 +0000",
		feedPost("Jan", 1, "02:10", "GMT", "Resolved", "Fixed."), feedPost("Dec", 31, "23:40", "GMT", "Investigating", "Looking."))))
	f.Fuzz(func(t *testing.T, body []byte) {
		page, err := Parse(Document{URL: "https://status.example.com/history.rss", Body: body}, FormatStatuspageFeed)
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

func BenchmarkStatuspageFeed(b *testing.B) {
	body := readStatuspageFixture(b, "realworld/statuspage/streamyard-history.atom")
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(Document{URL: "https://status.streamyard.com/history.atom", Body: body}, FormatStatuspageFeed); err != nil {
			b.Fatal(err)
		}
	}
}

// An entry's URL hangs from the origin the feed was fetched from, as every
// other rendering's does, whatever host the entry's link names; the link's
// origin serves only when the document has none.
func TestStatuspageFeedURLFollowsDocumentOrigin(t *testing.T) {
	body := feedRSS(feedRSSItem("origin000001", "x", "Mon, 01 Jan 2024 02:10:00 +0000",
		feedPost("Jan", 1, "02:10", "UTC", "Resolved", "Fixed.")))
	for _, tt := range []struct{ docURL, want string }{
		{"http://127.0.0.1:8080/history.rss", "http://127.0.0.1:8080/incidents/origin000001"},
		{"", "https://status.acme.test/incidents/origin000001"},
	} {
		page, err := Parse(Document{URL: tt.docURL, Body: body}, FormatStatuspageFeed)
		if err != nil {
			t.Fatalf("Parse(URL %q): %v", tt.docURL, err)
		}
		if got := page.Incidents[0].URL; got != tt.want {
			t.Errorf("Parse(URL %q): incident URL = %q, want %q", tt.docURL, got, tt.want)
		}
	}
}
