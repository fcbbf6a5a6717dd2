package parser

import (
	"encoding/json"
	"errors"
	"html"
	"path"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/fixtures"
)

// propsOf returns the unescaped data-react-props of a saved history page:
// what the page serves to Accept: application/json.
func propsOf(t testing.TB, page []byte) []byte {
	t.Helper()
	m := regexp.MustCompile(`data-react-props="([^"]*)"`).FindSubmatch(page)
	if m == nil {
		t.Fatal("no data-react-props in the page")
	}
	return []byte(html.UnescapeString(string(m[1])))
}

func TestStatuspageHistoryRealWorld(t *testing.T) {
	tests := []struct {
		file      string
		url       string
		incidents int
	}{
		{"govuknotify-history.html", "https://status.notifications.service.gov.uk/history", 1},
		{"streamyard-history.html", "https://status.streamyard.com/history?page=3", 0},
	}
	for _, tt := range tests {
		body := readStatuspageFixture(t, "realworld/statuspage/"+tt.file)
		for _, rendering := range []string{"html", "props"} {
			name := strings.TrimSuffix(tt.file, ".html")
			t.Run(name+"/"+rendering, func(t *testing.T) {
				doc := Document{Source: "test", URL: tt.url, ContentType: "text/html; charset=utf-8", Body: body}
				if rendering == "props" {
					doc.ContentType, doc.Body = "application/json; charset=utf-8", propsOf(t, body)
				}
				if got, err := Detect(doc); err != nil || got != FormatStatuspageHistory {
					t.Errorf("Detect = %q, %v, want %q", got, err, FormatStatuspageHistory)
				}
				page, err := Parse(doc, FormatStatuspageHistory)
				if err != nil {
					t.Fatalf("Parse: %v", err)
				}
				if got := len(page.Incidents); got != tt.incidents {
					t.Fatalf("incidents = %d, want %d", got, tt.incidents)
				}
				for _, in := range page.Incidents {
					if !in.Partial || len(in.Updates) != 1 {
						t.Errorf("incident %s: partial %v with %d updates, want partial with the last message", in.ID, in.Partial, len(in.Updates))
					}
				}
				// Both renderings give the same records: one golden.
				checkStatuspageGolden(t, name, page)
			})
		}
	}
}

// TestStatuspageHistoryGOVUK pins the one real entry field by field: a
// maintenance in GMT on a leap day, span 22:00-23:00.
func TestStatuspageHistoryGOVUK(t *testing.T) {
	doc := Document{Source: "notify", URL: "https://status.notifications.service.gov.uk/history", Body: readStatuspageFixture(t, "realworld/statuspage/govuknotify-history.html")}
	page, err := Parse(doc, FormatStatuspageHistory)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	in := page.Incidents[0]
	checks := []struct {
		what      string
		got, want any
	}{
		{"id", in.ID, "cw4c73pz8hd5"},
		{"kind", in.Kind, KindMaintenance},
		{"impact", in.Impact, ImpactMaintenance},
		{"url", in.URL, "https://status.notifications.service.gov.uk/incidents/cw4c73pz8hd5"},
		{"started", in.Started.At, time.Date(2024, 2, 29, 22, 0, 0, 0, time.UTC)},
		{"last message time", in.Updates[0].At.At, time.Date(2024, 2, 29, 23, 0, 0, 0, time.UTC)},
		{"time text", in.Updates[0].At.Text, "Feb 29, 22:00 - 23:00 GMT"},
		{"last message", in.Updates[0].Body, "The scheduled maintenance has been completed."},
		{"status", in.Updates[0].Status, StatusUnknown},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	wantFollow := []Follow{
		{URL: "https://status.notifications.service.gov.uk/api/v2/incidents/cw4c73pz8hd5.json", Reason: FollowDetail,
			Fallback: "https://status.notifications.service.gov.uk/incidents/cw4c73pz8hd5"},
		{URL: "https://status.notifications.service.gov.uk/history?page=2", Reason: FollowNext, Accept: "application/json"},
	}
	if len(page.Follow) != len(wantFollow) {
		t.Fatalf("follow = %+v, want %+v", page.Follow, wantFollow)
	}
	for i := range wantFollow {
		if page.Follow[i] != wantFollow[i] {
			t.Errorf("follow[%d] = %+v, want %+v", i, page.Follow[i], wantFollow[i])
		}
	}
}

// TestStatuspageHistoryWalk pins the stopping rule: the walk goes on past
// one empty page and stops after the second empty page in a row.
func TestStatuspageHistoryWalk(t *testing.T) {
	full := propsOf(t, readStatuspageFixture(t, "realworld/statuspage/govuknotify-history.html"))
	empty := propsOf(t, readStatuspageFixture(t, "realworld/statuspage/streamyard-history.html"))
	tests := []struct {
		name        string
		body        []byte
		url         string
		emptyBefore int
		wantNext    string // "" for no next page
		wantEmpty   int
	}{
		{"start page with incidents", full, "https://s.example.com/history", 0, "https://s.example.com/history?page=2", 0},
		{"incidents after an empty page reset the count", full, "https://s.example.com/history?page=7", 1, "https://s.example.com/history?page=8", 0},
		{"first empty page", empty, "https://s.example.com/history?page=4", 0, "https://s.example.com/history?page=5", 1},
		{"second empty page in a row stops", empty, "https://s.example.com/history?page=5", 1, "", 0},
		{"empty start page", empty, "https://s.example.com/history", 0, "https://s.example.com/history?page=2", 1},
		{"bad page number counts as 1", empty, "https://s.example.com/history?page=x", 0, "https://s.example.com/history?page=2", 1},
		{"the walk ends at the page cap", full, "https://s.example.com/history?page=400", 0, "", 0},
		{"just before the cap", full, "https://s.example.com/history?page=399", 0, "https://s.example.com/history?page=400", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := Document{URL: tt.url, Body: tt.body, Via: Follow{URL: tt.url, Reason: FollowNext, EmptyBefore: tt.emptyBefore}}
			page, err := Parse(doc, FormatStatuspageHistory)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			var next []Follow
			for _, f := range page.Follow {
				if f.Reason == FollowNext {
					next = append(next, f)
				}
			}
			switch {
			case tt.wantNext == "" && len(next) != 0:
				t.Errorf("next = %+v, want none", next)
			case tt.wantNext != "" && (len(next) != 1 || next[0].URL != tt.wantNext || next[0].EmptyBefore != tt.wantEmpty || next[0].Accept != "application/json"):
				t.Errorf("next = %+v, want one to %s with EmptyBefore %d and Accept JSON", next, tt.wantNext, tt.wantEmpty)
			}
		})
	}
}

// TestStatuspageHistoryTimes covers spans the real samples do not: across
// days, across New Year, one time alone, summer time, and an unknown zone.
func TestStatuspageHistoryTimes(t *testing.T) {
	v := func(s string) string { // the page's markup around date and time
		s = regexp.MustCompile(`(\w{3}) (\d+), `).ReplaceAllString(s, "$1 <var data-var='date'>$2</var>, ")
		return regexp.MustCompile(`(\d\d:\d\d)`).ReplaceAllString(s, "<var data-var='time'>$1</var>")
	}
	utc := func(y int, m time.Month, d, h, min int) time.Time { return time.Date(y, m, d, h, min, 0, 0, time.UTC) }
	tests := []struct {
		name        string
		month       string
		year        int
		stamp       string
		start, last time.Time
		err         error
	}{
		{"same day", "March", 2023, v("Mar 13, 06:55 - 16:02 UTC"), utc(2023, 3, 13, 6, 55), utc(2023, 3, 13, 16, 2), nil},
		{"across days", "February", 2023, v("Feb 25, 23:44 - Feb 26, 20:27 UTC"), utc(2023, 2, 25, 23, 44), utc(2023, 2, 26, 20, 27), nil},
		{"across New Year, filed under January", "January", 2024, v("Dec 31, 23:00 - Jan 1, 02:00 GMT"), utc(2023, 12, 31, 23, 0), utc(2024, 1, 1, 2, 0), nil},
		{"across New Year, filed under December", "December", 2023, v("Dec 31, 23:00 - Jan 1, 02:00 GMT"), utc(2023, 12, 31, 23, 0), utc(2024, 1, 1, 2, 0), nil},
		{"summer time", "July", 2024, v("Jul 4, 10:00 - 11:30 BST"), utc(2024, 7, 4, 9, 0), utc(2024, 7, 4, 10, 30), nil},
		{"US summer time", "October", 2022, v("Oct 3, 08:00 - 09:00 PDT"), utc(2022, 10, 3, 15, 0), utc(2022, 10, 3, 16, 0), nil},
		{"one time alone", "May", 2021, v("May 2, 14:00 CEST"), utc(2021, 5, 2, 12, 0), utc(2021, 5, 2, 12, 0), nil},
		{"unknown zone", "May", 2021, v("May 2, 14:00 - 15:00 XYZT"), time.Time{}, time.Time{}, ErrUnknownZone},
		{"garbage", "May", 2021, "soon", time.Time{}, time.Time{}, ErrBadTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := `{"months":[{"name":"` + tt.month + `","year":` + strconv.Itoa(tt.year) + `,"incidents":[{"code":"abcdefghijkl","name":"x","message":"m","impact":"minor","timestamp":` + strconv.Quote(tt.stamp) + `}]}]}`
			page, err := Parse(Document{URL: "https://s.example.com/history", Body: []byte(body)}, FormatStatuspageHistory)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Errorf("Parse = %v, want an error wrapping %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			in := page.Incidents[0]
			if !in.Started.At.Equal(tt.start) || !in.Updates[0].At.At.Equal(tt.last) {
				t.Errorf("started %v, last %v; want %v, %v", in.Started.At, in.Updates[0].At.At, tt.start, tt.last)
			}
		})
	}
}

func TestStatuspageHistoryNotStatuspage(t *testing.T) {
	cases := map[string][]byte{
		"empty":               {},
		"garbage":             []byte("\x00\xff garbage"),
		"json without months": []byte(`{"page":{"id":"a"}}`),
		"months not a list":   []byte(`{"months":{"name":"x"}}`),
		"months of strings":   []byte(`{"months":["January"]}`),
		"html without props":  []byte(`<html><body><div data-react-class="Other"></div></body></html>`),
	}
	for _, pattern := range []string{"realworld/hundio/*", "realworld/betterstack/*", "realworld/instatus/*", "realworld/statuspage/*-home-2021.html", "realworld/statuspage/*.json"} {
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
			doc := Document{URL: "https://example.com/history", Body: body}
			if s := sniffStatuspageHistory(doc); s != 0 {
				t.Errorf("sniff = %d, want 0", s)
			}
			if _, err := Parse(doc, FormatStatuspageHistory); !errors.Is(err, ErrNotStatuspage) {
				t.Errorf("Parse = %v, want an error wrapping ErrNotStatuspage", err)
			}
		})
	}
}

// trimProps keeps of a history props object what the parser reads: the
// page's name, domain and zone, and at most two incidents a month.
func trimProps(t testing.TB, props []byte) []byte {
	t.Helper()
	var p historyProps
	if err := json.Unmarshal(props, &p); err != nil {
		t.Fatal(err)
	}
	for i := range p.Months {
		p.Months[i].Incidents = p.Months[i].Incidents[:min(2, len(p.Months[i].Incidents))]
	}
	out, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func FuzzStatuspageHistory(f *testing.F) {
	for _, name := range []string{"govuknotify-history.html", "streamyard-history.html"} {
		b, err := fixtures.ReadFile("realworld/statuspage/" + name)
		if err != nil {
			f.Fatal(err)
		}
		// The props, bare and in a minimal page: the rest of the saved page
		// (70 KB of CSS and scripts), the page settings the parser does not
		// read, and all but two incidents a month only slow the fuzzer down
		// (each execution costs time per byte, and so does minimising every
		// input that finds new code).
		props := trimProps(f, propsOf(f, b))
		f.Add(props)
		f.Add([]byte(`<!DOCTYPE html><html><body><div data-react-class="HistoryIndex" data-react-props="` + html.EscapeString(string(props)) + `"></div></body></html>`))
	}
	f.Add([]byte(`{"months":[{"name":"May","year":2021,"incidents":[{"code":"a","name":"b","message":"c","impact":"minor","timestamp":"May 2, 14:00 - 15:00 UTC"}]}]}`))
	// The shapes the scaling benchmark grows, small: regression seeds for
	// inputs a fuzzer makes large (testdata/fuzz holds the ones it found).
	for _, sh := range historyShapes {
		f.Add([]byte(sh.build(512)))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		page, err := Parse(Document{URL: "https://s.example.com/history?page=2", Body: body}, FormatStatuspageHistory)
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

func BenchmarkStatuspageHistory(b *testing.B) {
	body := readStatuspageFixture(b, "realworld/statuspage/govuknotify-history.html")
	for _, r := range []struct {
		name string
		body []byte
	}{{"html", body}, {"props", propsOf(b, body)}} {
		b.Run(r.name, func(b *testing.B) {
			b.SetBytes(int64(len(r.body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(Document{URL: "https://s.example.com/history", Body: r.body}, FormatStatuspageHistory); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
