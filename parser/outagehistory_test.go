package parser

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"path"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/fixtures"
	"github.com/statusarchive/statusarchive/fixtures/golden"
)

// ohOrigin is the origin the fixture site writes into its absolute links.
const ohOrigin = "https://outages.example"

const ohListURL = ohOrigin + "/providers/workos/outages"

// ohPages lists one markup's fixture pages, relative to its directory.
func ohPages(t testing.TB, markup string) []string {
	t.Helper()
	var names []string
	for _, pattern := range []string{"*.html", "incidents/*.html"} {
		got, err := fixtures.Glob(path.Join("outagehistory", markup, pattern))
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range got {
			names = append(names, strings.TrimPrefix(g, path.Join("outagehistory", markup)+"/"))
		}
	}
	if len(names) < 5 {
		t.Fatalf("markup %s: %d fixture pages, want list pages and detail pages", markup, len(names))
	}
	return names
}

// ohURL is the URL the fixture site serves a page file at.
func ohURL(name string) string {
	switch {
	case name == "outages-1.html":
		return ohListURL
	case strings.HasPrefix(name, "outages-"):
		return ohListURL + "?page=" + strings.TrimSuffix(strings.TrimPrefix(name, "outages-"), ".html")
	case strings.HasPrefix(name, "incidents/"):
		return ohOrigin + "/providers/workos/" + strings.TrimSuffix(name, ".html")
	}
	return ohOrigin + "/" + name
}

func ohDoc(t testing.TB, markup, name string) Document {
	t.Helper()
	b, err := fixtures.ReadFile(path.Join("outagehistory", markup, name))
	if err != nil {
		t.Fatal(err)
	}
	return Document{Source: "workos", URL: ohURL(name), ContentType: "text/html; charset=utf-8", Body: b}
}

func ohParse(t testing.TB, doc Document) *Page {
	t.Helper()
	page, err := Parse(doc, FormatOutageHistory)
	if err != nil {
		t.Fatalf("Parse(%s) error: %v", doc.URL, err)
	}
	return page
}

func TestOutageHistoryGolden(t *testing.T) {
	for _, markup := range fixtures.Markups() {
		for _, name := range ohPages(t, markup) {
			t.Run(markup+"/"+name, func(t *testing.T) {
				doc := ohDoc(t, markup, name)
				if f, err := Detect(doc); err != nil || f != FormatOutageHistory {
					t.Errorf("Detect = %q, %v; want %q", f, err, FormatOutageHistory)
				}
				file := filepath.Join("testdata", "outagehistory", markup, strings.TrimSuffix(name, ".html")+".golden.json")
				golden.CheckJSON(t, file, ohParse(t, doc))
			})
		}
	}
}

// Every markup must give exactly the records of the semantic one.
func TestOutageHistoryMarkupsAgree(t *testing.T) {
	const ref = "semantic"
	for _, markup := range fixtures.Markups() {
		if markup == ref {
			continue
		}
		names := ohPages(t, markup)
		if want := ohPages(t, ref); !reflect.DeepEqual(names, want) {
			t.Fatalf("markup %s has pages %v, %s has %v", markup, names, ref, want)
		}
		for _, name := range names {
			t.Run(markup+"/"+name, func(t *testing.T) {
				got, want := ohParse(t, ohDoc(t, markup, name)), ohParse(t, ohDoc(t, ref, name))
				if !reflect.DeepEqual(got, want) {
					gj, _ := json.MarshalIndent(got, "", "  ")
					wj, _ := json.MarshalIndent(want, "", "  ")
					t.Errorf("%s parses differently from %s:\n%s", markup, ref, golden.FirstDiff(gj, wj))
				}
				for k := range got.Incidents {
					if gh, wh := got.Incidents[k].Hash(), want.Incidents[k].Hash(); gh != wh {
						t.Errorf("incident %s: hash %s, want %s", got.Incidents[k].ID, gh, wh)
					}
				}
			})
		}
	}
}

// seedIncident is one incident as read from the seed text by a line
// parser independent of the one under test.
type seedIncident struct {
	title   string
	claimed int
	updates []Update
}

func readSeed(t *testing.T) []seedIncident {
	t.Helper()
	label := regexp.MustCompile(`^Timeline · (\d+) updates?$`)
	item := regexp.MustCompile(`^- ([a-z ]+) ((Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec) (\d\d), (\d{4}), (\d\d):(\d\d) (AM|PM) UTC)$`)
	lines := strings.Split(fixtures.SeedText(), "\n")
	var out []seedIncident
	for i := 0; i < len(lines); i++ {
		m := label.FindStringSubmatch(lines[i])
		if m == nil {
			continue
		}
		in := seedIncident{title: lines[i-1]}
		in.claimed, _ = strconv.Atoi(m[1])
		for i+2 < len(lines) {
			im := item.FindStringSubmatch(lines[i+1])
			if im == nil {
				break
			}
			day, _ := strconv.Atoi(im[4])
			year, _ := strconv.Atoi(im[5])
			hour, _ := strconv.Atoi(im[6])
			minute, _ := strconv.Atoi(im[7])
			month := time.Month(strings.Index("JanFebMarAprMayJunJulAugSepOctNovDec", im[3])/3 + 1)
			if hour == 12 {
				hour = 0
			}
			if im[8] == "PM" {
				hour += 12
			}
			in.updates = append(in.updates, Update{
				Status: Status(im[1]), StatusRaw: im[1], Body: lines[i+2],
				At: Time{At: time.Date(year, month, day, hour, minute, 0, 0, time.UTC), Text: im[2]},
			})
			i += 2
		}
		out = append(out, in)
	}
	return out
}

// Every title, label, status, instant and body of the seed comes out of
// list page 1 in every markup.
func TestOutageHistorySeedText(t *testing.T) {
	seed := readSeed(t)
	if len(seed) != 24 {
		t.Fatalf("seed has %d incidents by the test's reading, want 24", len(seed))
	}
	stamps := 0
	for _, s := range seed {
		stamps += len(s.updates)
	}
	for _, markup := range fixtures.Markups() {
		t.Run(markup, func(t *testing.T) {
			page := ohParse(t, ohDoc(t, markup, "outages-1.html"))
			if len(page.Incidents) != len(seed) {
				t.Fatalf("page 1 has %d incidents, want %d", len(page.Incidents), len(seed))
			}
			checked := 0
			for k, want := range seed {
				got := page.Incidents[k]
				if got.Title != want.title || got.UpdatesClaimed != want.claimed {
					t.Errorf("incident %d = %q claiming %d, want %q claiming %d", k, got.Title, got.UpdatesClaimed, want.title, want.claimed)
				}
				if len(got.Updates) != len(want.updates) {
					t.Errorf("incident %q: %d updates, want %d", want.title, len(got.Updates), len(want.updates))
					continue
				}
				for j, wu := range want.updates {
					gu := got.Updates[j]
					if !gu.At.At.Equal(wu.At.At) || gu.At.At.Location() != time.UTC || gu.At.Text != wu.At.Text {
						t.Errorf("incident %q update %d: at %v (%q), want %v (%q)", want.title, j, gu.At.At, gu.At.Text, wu.At.At, wu.At.Text)
					}
					if gu.Status != wu.Status || gu.StatusRaw != wu.StatusRaw || gu.Body != wu.Body {
						t.Errorf("incident %q update %d: %s %q %q, want %s %q %q", want.title, j, gu.Status, gu.StatusRaw, gu.Body, wu.Status, wu.StatusRaw, wu.Body)
					}
					checked++
				}
			}
			if checked != stamps || stamps != 67 {
				t.Errorf("checked %d of %d seed updates, want all 67", checked, stamps)
			}
		})
	}
}

func TestOutageHistoryListPages(t *testing.T) {
	wantClaims := &Claims{
		Vendor: "WorkOS", Outages: 44, Window: "2 years",
		Downtime: 122*time.Hour + 18*time.Minute, DowntimeText: "122h 18m", PerMonth: 1.8,
		Since:      Time{At: time.Date(2025, 2, 28, 0, 0, 0, 0, time.UTC), Text: "February 28, 2025"},
		StatusText: "WorkOS is up right now",
		Text:       "WorkOS had 44 outages in the last 2 years totaling 122h 18m of downtime — averaging 1.8 incidents per month.",
	}
	for _, markup := range fixtures.Markups() {
		t.Run(markup, func(t *testing.T) {
			p1 := ohParse(t, ohDoc(t, markup, "outages-1.html"))
			if !reflect.DeepEqual(p1.Claims, wantClaims) {
				t.Errorf("claims = %+v, want %+v", p1.Claims, wantClaims)
			}
			var partial []Incident
			for _, in := range p1.Incidents {
				if in.Partial {
					partial = append(partial, in)
				}
				if in.Kind != KindIncident || in.Status != StatusResolved && !in.Partial {
					t.Errorf("incident %q: kind %s status %s, want a resolved incident", in.Title, in.Kind, in.Status)
				}
			}
			if len(partial) != 1 || partial[0].Title != "Authkit and Admin Portal Errors" ||
				partial[0].UpdatesClaimed != 11 || len(partial[0].Updates) != 0 || partial[0].Status != StatusUnknown {
				t.Fatalf("partial incidents = %+v, want only Authkit and Admin Portal Errors with 0 of 11 updates", partial)
			}
			detail := ohOrigin + "/providers/workos/incidents/" + partial[0].ID
			wantFollow := []Follow{{URL: detail, Reason: FollowDetail, Incident: partial[0].ID}, {URL: ohListURL + "?page=2", Reason: FollowNext}}
			if !reflect.DeepEqual(p1.Follow, wantFollow) {
				t.Errorf("page 1 follows %+v, want %+v", p1.Follow, wantFollow)
			}

			p2 := ohParse(t, ohDoc(t, markup, "outages-2.html"))
			if len(p2.Incidents) != 4 || len(p2.Follow) != 0 {
				t.Errorf("page 2: %d incidents, follows %+v; want 4 and no follow (its only link back is to newer incidents)", len(p2.Incidents), p2.Follow)
			}
			kinds := map[Kind]int{}
			for _, in := range p2.Incidents {
				kinds[in.Kind]++
			}
			if kinds[KindMaintenance] != 1 || kinds[KindIncident] != 3 {
				t.Errorf("page 2 kinds = %v, want 1 maintenance and 3 incidents", kinds)
			}
		})
	}
}

// A detail page completes the list's partial incident under the same id,
// and every detail page's id is the list's id for that incident.
func TestOutageHistoryDetailMerge(t *testing.T) {
	for _, markup := range fixtures.Markups() {
		t.Run(markup, func(t *testing.T) {
			p1 := ohParse(t, ohDoc(t, markup, "outages-1.html"))
			p2 := ohParse(t, ohDoc(t, markup, "outages-2.html"))
			listed := map[string]Incident{}
			for _, in := range append(p1.Incidents, p2.Incidents...) {
				listed[in.ID] = in
			}
			pages := []*Page{p1, p2}
			for _, name := range ohPages(t, markup) {
				if !strings.HasPrefix(name, "incidents/") {
					continue
				}
				d := ohParse(t, ohDoc(t, markup, name))
				if len(d.Incidents) != 1 || d.Claims != nil || len(d.Follow) != 0 {
					t.Fatalf("%s: %d incidents, claims %v, follows %v; want one incident and nothing else", name, len(d.Incidents), d.Claims, d.Follow)
				}
				in := d.Incidents[0]
				l, ok := listed[in.ID]
				if !ok || l.Title != in.Title || l.URL != in.URL {
					t.Errorf("%s: id %s title %q url %s, not the id of a listed incident with that title and url", name, in.ID, in.Title, in.URL)
				}
				if in.Partial || in.Started.IsZero() || in.Impact == ImpactUnknown || in.ImpactRaw == "" {
					t.Errorf("%s: partial %v started %v impact %q (%q); want a complete incident with start and impact", name, in.Partial, in.Started, in.Impact, in.ImpactRaw)
				}
				if !l.Partial && !reflect.DeepEqual(l.Updates, in.Updates) {
					t.Errorf("%s: detail timeline differs from the list's", name)
				}
				pages = append(pages, d)
			}
			merged := Merge(pages)
			if len(merged) != len(p1.Incidents)+len(p2.Incidents) {
				t.Errorf("merge gave %d incidents, want %d", len(merged), len(p1.Incidents)+len(p2.Incidents))
			}
			for _, in := range merged {
				if in.Title != "Authkit and Admin Portal Errors" {
					continue
				}
				if len(in.Updates) != 11 || in.Partial || in.UpdatesClaimed != 11 || in.Impact != ImpactMinor || len(in.Components) != 2 || in.Status != StatusPostmortem {
					t.Errorf("merged %q: %d updates partial %v claimed %d impact %s components %v status %s; want 11 complete updates, minor, 2 components, postmortem",
						in.Title, len(in.Updates), in.Partial, in.UpdatesClaimed, in.Impact, in.Components, in.Status)
				}
				first, last := in.First().At, in.Last().At
				if first.Before(time.Date(2025, 10, 14, 0, 0, 0, 0, time.UTC)) || last.After(time.Date(2025, 11, 12, 0, 0, 0, 0, time.UTC)) {
					t.Errorf("merged %q spans %v to %v, want within Oct 14 to Nov 11 2025", in.Title, first, last)
				}
			}
		})
	}
}

// The "Notice" page with "—" rows: impact none, no resolved time, no
// components, not an error.
func TestOutageHistoryDetailEmptyRows(t *testing.T) {
	for _, markup := range fixtures.Markups() {
		in := ohParse(t, ohDoc(t, markup, "incidents/2210388.html")).Incidents[0]
		if in.Impact != ImpactNone || in.ImpactRaw != "Notice" || !in.Resolved.IsZero() || in.Components != nil || in.Started.Text != "Aug 12, 2025, 04:18 PM UTC" {
			t.Errorf("%s: impact %q (%q) resolved %v components %v started %q; want none (Notice), no resolved, no components, started Aug 12",
				markup, in.Impact, in.ImpactRaw, in.Resolved, in.Components, in.Started.Text)
		}
		m := ohParse(t, ohDoc(t, markup, "incidents/2229417.html")).Incidents[0]
		if m.Kind != KindMaintenance || m.Impact != ImpactMaintenance || m.Status != StatusCompleted {
			t.Errorf("%s: maintenance page parsed as kind %s impact %s status %s", markup, m.Kind, m.Impact, m.Status)
		}
	}
}

// ohPage builds a list page around the given incident markup.
func ohPage(header, incidents, tail string) []byte {
	return []byte("<!doctype html><html><head><title>x</title></head><body><main>" + header + incidents + "</main>" + tail + "</body></html>")
}

const ohHeader = `<p>Acme is up right now</p><p>Acme had 2 outages in the last year totaling 45m of downtime — averaging 0.2 incidents per month.</p>`

// Other pages of the same shape: label variants, split and inline items,
// numbered and bulleted items, relative and missing links, next links by
// text, self links.
func TestOutageHistoryShapes(t *testing.T) {
	const base = "https://agg.example/vendors/acme/history"
	tests := []struct {
		name      string
		body      string
		incidents int
		check     func(t *testing.T, p *Page)
	}{
		{
			name: "dash label, title in its block, inline body, relative link",
			body: `<div><div><a href="../acme/incidents/abc-12">API down</a></div><div>Timeline - 2 updates</div>
				<div>• investigating Mar 3, 2026, 9:05 AM UTC We are looking.</div>
				<div>• resolved Mar 3, 2026, 10:00 AM UTC Fixed.</div></div>`,
			incidents: 1,
			check: func(t *testing.T, p *Page) {
				in := p.Incidents[0]
				if in.ID != "abc-12" || in.URL != "https://agg.example/vendors/acme/incidents/abc-12" {
					t.Errorf("id %q url %q, want abc-12 resolved against the page", in.ID, in.URL)
				}
				if len(in.Updates) != 2 || in.Updates[0].Body != "We are looking." || in.Updates[1].At.At != time.Date(2026, 3, 3, 10, 0, 0, 0, time.UTC) {
					t.Errorf("updates = %+v", in.Updates)
				}
			},
		},
		{
			name:      "colon label in the title's block, numbered split items, no link",
			body:      `<section><h3>Login errors Timeline: 1 update</h3><ol><li><b>1.</b></li><li><i>Resolved</i></li><li><span>Dec 31, 2025, 11:59 PM GMT</span></li><li>Done.</li></ol></section>`,
			incidents: 1,
			check: func(t *testing.T, p *Page) {
				in := p.Incidents[0]
				want := StableID("acme", "Login errors", time.Date(2025, 12, 31, 23, 59, 0, 0, time.UTC))
				if in.Title != "Login errors" || in.ID != want || in.URL != "" || len(in.Updates) != 1 || in.Updates[0].Body != "Done." || in.Status != StatusResolved {
					t.Errorf("incident = %+v, want Login errors with stable id %s and one resolved update", in, want)
				}
			},
		},
		{
			name: "numeric offset, seconds, 24-hour clock, link wrapping the title block",
			body: `<table><tr><td><a href="/i/incidents/77"><div>Slow API</div></a></td></tr><tr><td>Timeline · 1 update</td></tr>
				<tr><td>monitoring Jan 5, 2026, 18:30:15 +02:00</td></tr><tr><td>Watching.</td></tr></table>`,
			incidents: 1,
			check: func(t *testing.T, p *Page) {
				in := p.Incidents[0]
				if in.ID != "77" || in.Updates[0].At.At != time.Date(2026, 1, 5, 16, 30, 15, 0, time.UTC) {
					t.Errorf("id %q at %v, want 77 at 16:30:15 UTC", in.ID, in.Updates[0].At.At)
				}
			},
		},
		{
			name: "body stops at a whole-link block and at the incident's container",
			body: `<div class="a"><p>Queue stuck</p><p>Timeline · 2 updates</p><p>identified Feb 1, 2026, 01:00 AM UTC</p><p>Found it.</p>
				<p>resolved Feb 1, 2026, 02:00 AM UTC</p><p>All clear.</p><p><a href="/x">Share this incident</a></p><p>not body</p></div>
				<p>Also not body.</p>`,
			incidents: 1,
			check: func(t *testing.T, p *Page) {
				if got := p.Incidents[0].Updates[1].Body; got != "All clear." {
					t.Errorf("last body = %q, want %q", got, "All clear.")
				}
			},
		},
		{
			name: "the whole card is one link",
			body: `<a href="/vendors/acme/incidents/5"><div><h4>Card outage</h4><div>Timeline · 2 updates</div>
				<div>identified Feb 1, 2026, 01:00 AM UTC</div><div>Found it.</div><div>resolved Feb 1, 2026, 02:00 AM UTC</div><div>All clear.</div></div></a>`,
			incidents: 1,
			check: func(t *testing.T, p *Page) {
				in := p.Incidents[0]
				if in.ID != "5" || len(in.Updates) != 2 || in.Updates[0].Body != "Found it." || in.Updates[1].Body != "All clear." {
					t.Errorf("incident = %+v, want id 5 with both bodies", in)
				}
			},
		},
		{
			name:      "next link by text, not by rel",
			body:      `<div><p>A</p><p>Timeline · 1 update</p><p>resolved Feb 1, 2026, 02:00 AM UTC</p><p>ok</p></div><p><a href="?page=1">« Newer</a> <a href="history?page=3">More ›</a></p>`,
			incidents: 1,
			check: func(t *testing.T, p *Page) {
				want := []Follow{{URL: "https://agg.example/vendors/acme/history?page=3", Reason: FollowNext}}
				if !reflect.DeepEqual(p.Follow, want) {
					t.Errorf("follow = %+v, want %+v", p.Follow, want)
				}
			},
		},
		{
			name:      "next link to the page itself is ignored",
			body:      `<div><p>A</p><p>Timeline · 1 update</p><p>resolved Feb 1, 2026, 02:00 AM UTC</p><p>ok</p></div><a rel="next" href="` + base + `">Next</a>`,
			incidents: 1,
			check: func(t *testing.T, p *Page) {
				if len(p.Follow) != 0 {
					t.Errorf("follow = %+v, want none", p.Follow)
				}
			},
		},
		{
			name:      "partial incident without a link asks for nothing",
			body:      `<div><p>A</p><p>Timeline · 3 updates</p><p>resolved Feb 1, 2026, 02:00 AM UTC</p><p>ok</p></div>`,
			incidents: 1,
			check: func(t *testing.T, p *Page) {
				if in := p.Incidents[0]; !in.Partial || len(p.Follow) != 0 {
					t.Errorf("partial %v follows %+v, want partial and no follow", in.Partial, p.Follow)
				}
			},
		},
		{
			name:      "text in hidden elements and comments is not read",
			body:      `<div><p>A</p><p>Timeline · 1 update</p><!-- <p>resolved Feb 2, 2026, 02:00 AM UTC</p> --><template><p>investigating Feb 1, 2026, 01:00 AM UTC</p></template><p>resolved Feb 1, 2026, 02:00 AM UTC</p><p>ok<script>var x = "no";</script></p></div>`,
			incidents: 1,
			check: func(t *testing.T, p *Page) {
				if u := p.Incidents[0].Updates; len(u) != 1 || u[0].Body != "ok" || u[0].At.At.Day() != 1 {
					t.Errorf("updates = %+v, want one from Feb 1 with body ok", u)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := Document{Source: "acme", URL: base, ContentType: "text/html", Body: ohPage(ohHeader, tt.body, "")}
			p := ohParse(t, doc)
			if len(p.Incidents) != tt.incidents {
				t.Fatalf("%d incidents, want %d", len(p.Incidents), tt.incidents)
			}
			if p.Claims == nil || p.Claims.Outages != 2 || p.Claims.Downtime != 45*time.Minute || p.Claims.Vendor != "Acme" {
				t.Errorf("claims = %+v, want Acme, 2 outages, 45m", p.Claims)
			}
			tt.check(t, p)
		})
	}
}

func TestOutageHistoryClaims(t *testing.T) {
	tests := []struct {
		name  string
		lines []string
		want  *Claims
	}{
		{
			name:  "one outage, no downtime clause",
			lines: []string{"Foo Outage History", "Foo had 1 outage in the last 90 days."},
			want:  &Claims{Vendor: "Foo", Outages: 1, Window: "90 days", Text: "Foo had 1 outage in the last 90 days."},
		},
		{
			name:  "minutes only, per month without decimals, status in its own block",
			lines: []string{"Bar Baz is down right now", "Bar Baz had 3 outages in the last year totaling 45m of downtime, averaging 1 incident per month"},
			want: &Claims{Vendor: "Bar Baz", Outages: 3, Window: "year", Downtime: 45 * time.Minute, DowntimeText: "45m", PerMonth: 1,
				StatusText: "Bar Baz is down right now", Text: "Bar Baz had 3 outages in the last year totaling 45m of downtime, averaging 1 incident per month"},
		},
		{
			name:  "only the since sentence",
			lines: []string{"There were 1,204 Qux Cloud outages since Jan 5, 2024 totaling 2d 3h of downtime."},
			want: &Claims{Vendor: "Qux Cloud", Outages: 1204, Downtime: 51 * time.Hour, DowntimeText: "2d 3h",
				Since: Time{At: time.Date(2024, 1, 5, 0, 0, 0, 0, time.UTC), Text: "Jan 5, 2024"}},
		},
		{
			name:  "status glued to the sentence, vendor known from the heading",
			lines: []string{"Zed Outage History", "Zed is up right nowZed had 0 outages in the last 2 years."},
			want:  &Claims{Vendor: "Zed", Window: "2 years", StatusText: "Zed is up right now", Text: "Zed had 0 outages in the last 2 years."},
		},
		{name: "no claim", lines: []string{"Welcome", "Nothing to see"}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var blocks []ohBlock
			for _, l := range tt.lines {
				blocks = append(blocks, ohBlock{text: l})
			}
			if got := ohClaims(blocks); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("ohClaims(%q) = %+v, want %+v", tt.lines, got, tt.want)
			}
		})
	}
}

func TestOutageHistoryStamps(t *testing.T) {
	tests := []struct {
		text string
		want time.Time
		err  error
	}{
		{"Jun 22, 2026, 02:03 PM UTC", time.Date(2026, 6, 22, 14, 3, 0, 0, time.UTC), nil},
		{"Jun 22, 2026, 12:03 AM UTC", time.Date(2026, 6, 22, 0, 3, 0, 0, time.UTC), nil},
		{"Jun 22, 2026, 12:03 PM GMT", time.Date(2026, 6, 22, 12, 3, 0, 0, time.UTC), nil},
		{"September 2, 2025, 7:04 p.m. UTC", time.Date(2025, 9, 2, 19, 4, 0, 0, time.UTC), nil},
		{"Sept 2, 2025, 07:04 PM +00:00", time.Date(2025, 9, 2, 19, 4, 0, 0, time.UTC), nil},
		{"Feb 29, 2024, 23:59 UTC-05:00", time.Date(2024, 3, 1, 4, 59, 0, 0, time.UTC), nil},
		{"Jun 22, 2026, 02:03 PM PDT", time.Date(2026, 6, 22, 21, 3, 0, 0, time.UTC), nil},
		{"Jan 22, 2026, 02:03 PM CET", time.Date(2026, 1, 22, 13, 3, 0, 0, time.UTC), nil},
		{"Jun 22, 2026, 02:03 PM QQT", time.Time{}, ErrUnknownZone},
		{"Jun 22, 2026, 02:03 PM UTC+25", time.Time{}, ErrUnknownZone},
		{"Jun 22, 2026, 02:03 PM", time.Time{}, ErrBadTime},
		{"Feb 29, 2025, 02:03 PM UTC", time.Time{}, ErrBadTime},
		{"Jun 22, 2026, 13:03 PM UTC", time.Time{}, ErrBadTime},
		{"Jun 22, 2026, 00:03 AM UTC", time.Time{}, ErrBadTime},
		{"Jux 22, 2026, 02:03 PM UTC", time.Time{}, ErrBadTime},
		{"Jun 22, 2026, 02:63 PM UTC", time.Time{}, ErrBadTime},
		{"Ju 22, 2026, 02:03 PM UTC", time.Time{}, ErrBadTime},
	}
	for _, tt := range tests {
		got, err := ohParseStamp(tt.text)
		if !errors.Is(err, tt.err) || !got.At.Equal(tt.want) || (err == nil && (got.Text != tt.text || got.At.Location() != time.UTC)) {
			t.Errorf("ohParseStamp(%q) = %v (%q), %v; want %v, %v", tt.text, got.At, got.Text, err, tt.want, tt.err)
		}
	}
}

func TestOutageHistoryErrors(t *testing.T) {
	home, err := fixtures.ReadFile("realworld/statuspage/datadog-home-2021.html")
	if err != nil {
		t.Fatal(err)
	}
	item := func(stamp string) string {
		return `<div><p><a href="/incidents/9">Broken thing</a></p><p>Timeline · 1 update</p><p>resolved ` + stamp + `</p><p>ok</p></div>`
	}
	tests := []struct {
		name        string
		contentType string
		body        []byte
		want        error
		field       string // the ParseError's Field must contain it
	}{
		{"empty body", "text/html", nil, ErrNotHTML, ""},
		{"white space only", "", []byte(" \n\t"), ErrNotHTML, ""},
		{"json", "application/json", []byte(`{"page":{"id":"x"},"incidents":[]}`), ErrNotHTML, ""},
		{"json without a type", "", []byte(`[{"title":"Timeline · 1 update"}]`), ErrNotHTML, ""},
		{"seed text as text/plain", "text/plain; charset=utf-8", []byte(fixtures.SeedText()), ErrNotHTML, ""},
		{"seed text without a type", "", []byte(fixtures.SeedText()), ErrNotHTML, ""},
		{"statuspage home page", "text/html", home, ErrUnknownFormat, ""},
		{"js shell", "text/html", []byte(`<html><body><div id="root"></div><script src=app.js></script></body></html>`), ErrUnknownFormat, ""},
		{"claims but no incidents", "text/html", ohPage(ohHeader, "<div>new markup we cannot read</div>", ""), ErrNoIncidents, ""},
		{"unknown zone", "text/html", ohPage(ohHeader, item("Jun 22, 2026, 02:03 PM QQT"), ""), ErrUnknownZone, "Broken thing"},
		{"impossible date", "text/html", ohPage(ohHeader, item("Jun 31, 2026, 02:03 PM UTC"), ""), ErrBadTime, "Broken thing"},
		{"no zone", "text/html", ohPage(ohHeader, item("Jun 30, 2026, 02:03 PM"), ""), ErrBadTime, "Broken thing"},
		{"datetime disagrees with text", "text/html", ohPage(ohHeader, `<div><p>Broken thing</p><p>Timeline · 1 update</p><p>resolved <time datetime="2026-06-22T15:03:00Z">Jun 22, 2026, 02:03 PM UTC</time></p></div>`, ""), ErrBadTime, "Broken thing"},
		{"year out of range", "text/html", ohPage(ohHeader, item("Jun 30, 1990, 02:03 PM UTC"), ""), ErrInvalidRecord, ""},
		{"label without a title", "text/html", []byte(`<p>Timeline · 1 update</p>`), ErrInvalidRecord, "incident 1"},
		{"nested past the parser's limit", "text/html", []byte("<p>Timeline · 1 update</p>" + strings.Repeat("<div>", 600)), nil, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := Document{Source: "acme", URL: "https://agg.example/h", ContentType: tt.contentType, Body: tt.body}
			page, err := Parse(doc, FormatOutageHistory)
			if err == nil {
				t.Fatalf("Parse = %d incidents, no error; want %v", len(page.Incidents), tt.want)
			}
			if tt.want != nil && !errors.Is(err, tt.want) {
				t.Errorf("Parse error = %v, want %v", err, tt.want)
			}
			if tt.want == nil && (errors.Is(err, ErrNoIncidents) || errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "512")) {
				t.Errorf("Parse error = %v, want the HTML parser's nesting error", err)
			}
			var pe *ParseError
			if !errors.As(err, &pe) || pe.URL != doc.URL || pe.Format != FormatOutageHistory || !strings.Contains(pe.Field, tt.field) {
				t.Errorf("Parse error = %#v, want a ParseError for %s as %s with a field naming %q", err, doc.URL, FormatOutageHistory, tt.field)
			}
			if f, err := Detect(doc); err == nil && f == FormatOutageHistory && tt.want != ErrUnknownZone && tt.want != ErrBadTime &&
				tt.want != ErrInvalidRecord && tt.want != ErrNoIncidents && tt.want != nil {
				t.Errorf("Detect = %s, want another format or none", f)
			}
		})
	}
}

// Zero outages claimed and none listed is a valid, empty page.
func TestOutageHistoryNoOutages(t *testing.T) {
	doc := Document{Source: "acme", URL: "https://agg.example/h", ContentType: "text/html",
		Body: ohPage(`<h1>Acme Outage History</h1><p>Acme had 0 outages in the last 2 years.</p>`, "", "")}
	p := ohParse(t, doc)
	if len(p.Incidents) != 0 || p.Claims == nil || p.Claims.Outages != 0 || p.Claims.Vendor != "Acme" {
		t.Errorf("page = %+v, claims %+v; want no incidents and a zero claim by Acme", p, p.Claims)
	}
}

func TestOutageHistorySniff(t *testing.T) {
	for _, name := range []string{"realworld/statuspage/datadog-home-2021.html", "realworld/statuspage/claude-summary-major-20260729.json", "realworld/other/azure-status-feed-20260723.xml"} {
		b, err := fixtures.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		if got := sniffOutageHistory(Document{Body: b}); got != 0 {
			t.Errorf("sniffOutageHistory(%s) = %d, want 0", name, got)
		}
	}
}

func FuzzOutageHistory(f *testing.F) {
	// Whole detail pages, and list pages cut after a few incidents: the
	// fuzzer minimises every new input, which takes seconds on a 28 KB page.
	for _, markup := range fixtures.Markups() {
		for _, name := range ohPages(f, markup) {
			body := ohDoc(f, markup, name).Body
			if len(body) > 6<<10 {
				body = body[:6<<10]
			}
			f.Add(body)
		}
	}
	f.Add(ohPage(ohHeader, `<div><p>A</p><p>Timeline · 2 updates</p><p>- investigating</p><p>Feb 1, 2026, 01:00 AM UTC</p><p>x</p></div>`, `<a href="?p=2">Next</a>`))
	f.Add([]byte("<p>Timeline · 1 update</p>" + strings.Repeat("<div>", 600)))
	f.Add([]byte(`<p>Update timeline</p><p>1.</p><p>resolved</p><p>Jan 1, 2026, 01:00 AM UTC</p>`))
	f.Add([]byte("<p>T\x00</p><p>Timeline · 1 update</p><p>resolved Jan 1, 2026, 01:00 AM UTC \xff\xfe</p>"))
	f.Fuzz(func(t *testing.T, body []byte) {
		doc := Document{Source: "fuzz", URL: ohListURL, ContentType: "text/html", Body: body}
		page, err := Parse(doc, FormatOutageHistory)
		if err != nil {
			if page != nil {
				t.Fatalf("Parse returned a page and an error: %v", err)
			}
			return
		}
		for _, in := range page.Incidents {
			if err := in.Validate(time.Time{}); err != nil {
				t.Fatalf("incident does not validate: %v", err)
			}
			if _, err := json.Marshal(in); err != nil || len(in.Hash()) != 64 {
				t.Fatalf("incident does not encode: %v", err)
			}
			if !utf8Valid(in.Title) {
				t.Fatalf("title %q is not valid UTF-8", in.Title)
			}
			for _, u := range in.Updates {
				if !utf8Valid(u.Body) {
					t.Fatalf("body %q is not valid UTF-8", u.Body)
				}
			}
		}
		for _, fl := range page.Follow {
			if !strings.HasPrefix(fl.URL, "http://") && !strings.HasPrefix(fl.URL, "https://") {
				t.Fatalf("follow %q is not an absolute http(s) URL", fl.URL)
			}
		}
	})
}

func utf8Valid(s string) bool { return strings.ToValidUTF8(s, "") == s }

func BenchmarkOutageHistory(b *testing.B) {
	for _, markup := range fixtures.Markups() {
		b.Run(markup, func(b *testing.B) {
			doc := ohDoc(b, markup, "outages-1.html")
			b.SetBytes(int64(len(doc.Body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(doc, FormatOutageHistory); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// Crawling the served site by the parser's own follows, as the scraper
// will, reaches every page on the loopback server and ends with every
// incident complete.
func TestOutageHistoryServedSite(t *testing.T) {
	for _, markup := range fixtures.Markups() {
		t.Run(markup, func(t *testing.T) {
			srv := fixtures.Serve(fixtures.OutageHistorySite(markup))
			defer srv.Close()
			queue := []Follow{{URL: srv.URL + "/providers/workos/outages"}}
			seen := map[string]bool{}
			var pages []*Page
			for len(queue) > 0 {
				f := queue[0]
				queue = queue[1:]
				if seen[f.URL] {
					continue
				}
				seen[f.URL] = true
				if !strings.HasPrefix(f.URL, srv.URL+"/") {
					t.Fatalf("follow %s leaves the server %s", f.URL, srv.URL)
				}
				resp, err := http.Get(f.URL)
				if err != nil {
					t.Fatal(err)
				}
				body, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil || resp.StatusCode != http.StatusOK {
					t.Fatalf("GET %s = %d, %v", f.URL, resp.StatusCode, err)
				}
				page, err := Parse(Document{Source: "workos", URL: f.URL, ContentType: resp.Header.Get("Content-Type"), Body: body, Via: f}, FormatAuto)
				if err != nil {
					t.Fatalf("Parse(%s): %v", f.URL, err)
				}
				pages = append(pages, page)
				queue = append(queue, page.Follow...)
			}
			if len(pages) != 3 {
				t.Errorf("fetched %d pages (%v), want 2 list pages and 1 detail page", len(pages), seen)
			}
			merged := Merge(pages)
			if len(merged) != 28 {
				t.Errorf("merged %d incidents, want 28", len(merged))
			}
			for _, in := range merged {
				if in.Partial || len(in.Updates) != in.UpdatesClaimed {
					t.Errorf("incident %q: partial %v, %d of %d updates; want complete", in.Title, in.Partial, len(in.Updates), in.UpdatesClaimed)
				}
			}
		})
	}
}

// Detail pages of other renderings: punctuation between badges, rows with
// colons and values in the same block, an ongoing incident, no id in the
// URL.
func TestOutageHistoryDetailShapes(t *testing.T) {
	page := `<html><body><div>Acme incident</div><h2>Queue backlog</h2><div>Major · Ongoing</div>
		<div>Started: Mar 3, 2026, 09:05 AM UTC</div><div>Resolved: —</div><div>Duration: —</div>
		<div>Affected components</div><div>Queue</div><div>Webhooks</div>
		<div>Update timeline</div>
		<div>1) investigating Mar 3, 2026, 09:05 AM UTC</div><div>Looking.</div>
		<div>2) identified Mar 3, 2026, 09:35 AM UTC</div><div>Found.</div><div>Second paragraph.</div>
		<div><a href="/vendors/acme">All Acme incidents</a></div></body></html>`
	doc := Document{Source: "acme", URL: "https://agg.example/vendors/acme/queue-backlog", ContentType: "text/html", Body: []byte(page)}
	p := ohParse(t, doc)
	if len(p.Incidents) != 1 || p.Claims != nil || len(p.Follow) != 0 {
		t.Fatalf("page = %+v, want one incident and nothing else", p)
	}
	in := p.Incidents[0]
	wantID := StableID("acme", "Queue backlog", time.Date(2026, 3, 3, 9, 5, 0, 0, time.UTC))
	switch {
	case in.Title != "Queue backlog", in.ID != wantID, in.URL != doc.URL:
		t.Errorf("title %q id %q url %q, want Queue backlog, %s, %s", in.Title, in.ID, in.URL, wantID, doc.URL)
	case in.Impact != ImpactMajor, in.Status != StatusIdentified, !in.Resolved.IsZero():
		t.Errorf("impact %s status %s resolved %v, want major, identified, none", in.Impact, in.Status, in.Resolved)
	case in.Started.At != time.Date(2026, 3, 3, 9, 5, 0, 0, time.UTC):
		t.Errorf("started %v, want 09:05 UTC", in.Started.At)
	case len(in.Components) != 2 || in.Components[1].Name != "Webhooks":
		t.Errorf("components %+v, want Queue and Webhooks", in.Components)
	case len(in.Updates) != 2 || in.Updates[1].Body != "Found.\nSecond paragraph.":
		t.Errorf("updates %+v, want two, the second with two paragraphs and no footer", in.Updates)
	}

	bad := strings.Replace(page, "Started: Mar 3, 2026, 09:05 AM UTC", "Started: Mar 3, 2026, 09:05 AM XST", 1)
	doc.Body = []byte(bad)
	var pe *ParseError
	if _, err := Parse(doc, FormatOutageHistory); !errors.Is(err, ErrUnknownZone) || !errors.As(err, &pe) || !strings.Contains(pe.Field, "Queue backlog") {
		t.Errorf("Parse with a bad Started row = %v, want ErrUnknownZone naming the incident", err)
	}
}

// Pathological markup parses or fails cleanly: nesting past x/net/html's
// limit is the HTML parser's error, never "zero incidents".
func TestOutageHistoryPathological(t *testing.T) {
	tests := []struct {
		name string
		body string
		want error // nil: the HTML parser's own error
	}{
		{"100k nested div", strings.Repeat("<div>", 100000), nil},
		{"20k nested table", strings.Repeat("<table><tr><td>", 20000), nil},
		{"20k misnested b i", strings.Repeat("<b><i>x</b>", 20000), nil},
		{"20k unclosed links", strings.Repeat(`<a href="/incidents/1">x`, 20000), ErrUnknownFormat},
		{"incidents only in a comment", "<p>A</p><!-- <p>Timeline · 1 update</p> --><p>Acme had 3 outages in the last year.</p>", ErrNoIncidents},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse(Document{URL: ohListURL, ContentType: "text/html", Body: []byte(tt.body)}, FormatOutageHistory)
			switch {
			case err == nil:
				t.Fatalf("Parse = no error, want one")
			case tt.want == nil && (errors.Is(err, ErrNoIncidents) || errors.Is(err, ErrUnknownFormat) || !strings.Contains(err.Error(), "html:")):
				t.Errorf("Parse error = %v, want the HTML parser's error", err)
			case tt.want != nil && !errors.Is(err, tt.want):
				t.Errorf("Parse error = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestRelativeTimesBesideStamps(t *testing.T) {
	for _, tt := range []struct {
		name     string
		trim     func(string) string
		in, want string
	}{
		{"row", ohStampOnly, "Oct 14, 2025, 03:12 PM UTC (21 hours ago)", "Oct 14, 2025, 03:12 PM UTC"},
		{"row", ohStampOnly, "Oct 14, 2025, 03:12 PM UTC · 2 days ago", "Oct 14, 2025, 03:12 PM UTC"},
		{"row", ohStampOnly, "Oct 14, 2025, 03:12 PM UTC", "Oct 14, 2025, 03:12 PM UTC"},
		{"after stamp", ohAfterStamp, "(about an hour ago) We are investigating.", "We are investigating."},
		{"after stamp", ohAfterStamp, "just now", ""},
		{"after stamp", ohAfterStamp, "Errors began 2 hours ago", "Errors began 2 hours ago"},
		{"after stamp", ohAfterStamp, "We are investigating.", "We are investigating."},
	} {
		if got := tt.trim(tt.in); got != tt.want {
			t.Errorf("%s: trim(%q) = %q, want %q", tt.name, tt.in, got, tt.want)
		}
	}
}

// A detail page whose title is in no heading is told from the vendor's
// name above it by the document's <title>.
func TestOutageHistoryDetailTitleFromDocTitle(t *testing.T) {
	page := `<html><head><title>%s</title></head><body><div>Acme Cloud</div><div>Queue backlog</div><div>Major · Resolved</div>
		<div>Started: Mar 3, 2026, 09:05 AM UTC</div><div>Resolved: Mar 3, 2026, 10:05 AM UTC</div>
		<div>Update timeline</div>
		<div>1) investigating Mar 3, 2026, 09:05 AM UTC</div><div>Looking.</div>
		<div>2) resolved Mar 3, 2026, 10:05 AM UTC</div><div>Fixed.</div></body></html>`
	for _, tt := range []struct{ docTitle, want string }{
		{"Queue backlog · Acme Cloud status", "Queue backlog"},
		{"  queue BACKLOG\n | Acme", "Queue backlog"},
		{"Queue backlog &amp; retries - Acme", "Queue backlog"},
		{"Acme Cloud status", "Acme Cloud"},
		{"", "Acme Cloud"},
	} {
		doc := Document{Source: "acme", URL: "https://agg.example/vendors/acme/queue-backlog", ContentType: "text/html",
			Body: []byte(strings.Replace(page, "%s", tt.docTitle, 1))}
		p := ohParse(t, doc)
		if len(p.Incidents) != 1 {
			t.Fatalf("title %q: %d incidents, want 1", tt.docTitle, len(p.Incidents))
		}
		if got := p.Incidents[0].Title; got != tt.want {
			t.Errorf("<title>%s</title>: incident title %q, want %q", tt.docTitle, got, tt.want)
		}
	}
}
