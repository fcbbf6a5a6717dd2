package archive_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/parser"
)

// site is a toy vendor for crawls: each page's body is lines of
// "scope S", "follow URL" and "inc ID UPDATES [partial]"; site.parse reads
// them (parse) and counts its calls.
type site struct {
	pages  map[string]string
	parsed int
}

const home = "https://status.acme.example/"

func (s *site) parse(doc parser.Document, _ parser.Format) (*parser.Page, error) {
	s.parsed++
	page := &parser.Page{URL: doc.URL}
	for line := range strings.Lines(string(doc.Body)) {
		f := strings.Fields(line)
		switch {
		case len(f) == 2 && f[0] == "scope":
			page.Scope = parser.Scope(f[1])
		case len(f) == 2 && f[0] == "follow":
			page.Follow = append(page.Follow, parser.Follow{URL: f[1], Reason: parser.FollowDetail})
		case len(f) >= 3 && f[0] == "inc":
			n, _ := strconv.Atoi(f[2])
			bodies := make([]string, n)
			for i := range bodies {
				bodies[i] = fmt.Sprintf("Update %d.", i+1)
			}
			inc := incident(f[1], 24, bodies...)
			inc.Source, inc.Partial = doc.Source, len(f) > 3 && f[3] == "partial"
			page.Incidents = append(page.Incidents, inc)
		default:
			return nil, &parser.ParseError{URL: doc.URL, Format: "toy", Err: fmt.Errorf("unreadable line %q", line)}
		}
	}
	return page, nil
}

// crawl is one run over the site as the scraper makes it: breadth first
// from home, each page answered 304 when the crawl sends validators and
// the page is in unchanged, failing when it is in broken. It returns the
// run and how many requests were conditional.
func (s *site) crawl(t *testing.T, db *archive.DB, source string, unchanged, broken []string) (archive.Run, int, error) {
	t.Helper()
	ctx := context.Background()
	c, err := db.Begin(ctx, archive.Plan{Source: source, URL: home, Format: "toy", Started: t0, Parse: s.parse})
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	queue, conditional := []string{home}, 0
	var failures []archive.Failure
	for len(queue) > 0 {
		url := queue[0]
		queue = queue[1:]
		if slices.Contains(broken, url) {
			failures = append(failures, archive.Failure{URL: url, Err: fmt.Errorf("fetch %s: http status 500", url)})
			continue
		}
		p := archive.PageInput{URL: url, Status: http.StatusOK, FetchedAt: t0, Body: []byte(s.pages[url]),
			Header: http.Header{"Etag": {`"` + strconv.Itoa(len(s.pages[url])) + `"`}}}
		if c.Conditional(url).Digest != nil {
			conditional++
			if slices.Contains(unchanged, url) {
				p.Status, p.Body = http.StatusNotModified, nil
			}
		}
		follow, err := c.Visit(p)
		if err != nil {
			failures = append(failures, archive.Failure{URL: url, Err: err})
		}
		for _, f := range follow {
			queue = append(queue, f.URL)
		}
	}
	run, err := c.Commit(ctx, db, archive.Outcome{Finished: t0, Failures: failures})
	return run, conditional, err
}

func newSite() *site {
	return &site{pages: map[string]string{
		home:       "scope listing\ninc inc-a 1 partial\ninc inc-b 1 partial\nfollow " + home + "a\nfollow " + home + "b\n",
		home + "a": "inc inc-a 2\n",
		home + "b": "inc inc-b 2\n",
	}}
}

var all = []string{home, home + "a", home + "b"}

// TestCrawlNotModified commits crawls whose pages answer 304: nothing is
// parsed again, each incident is a sighting of its archived version, and
// a fresh page beside a 304 one is merged with what the 304 stands for.
func TestCrawlNotModified(t *testing.T) {
	db, clock := open(t)
	s := newSite()
	first, conditional, err := s.crawl(t, db, src, nil, nil)
	if err != nil || first.New != 2 || first.Updates != 4 || !first.Complete || conditional != 0 || s.parsed != 3 {
		t.Fatalf("first crawl = %+v, %d conditional, %d parsed, %v; want 2 new incidents with 4 updates, complete, 3 parsed", first, conditional, s.parsed, err)
	}

	clock.Advance(time.Hour)
	s.parsed = 0
	second, conditional, err := s.crawl(t, db, src, all, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fmt.Sprint(second.Incidents, second.Updates, second.Unchanged, second.New+second.Changed, second.Pages, second.Complete, conditional, s.parsed),
		fmt.Sprint(2, 4, 2, 0, 3, true, 3, 0); got != want {
		t.Errorf("all-304 crawl: incidents updates unchanged changed pages complete conditional parsed = %s, want %s", got, want)
	}
	for _, id := range []string{"inc-a", "inc-b"} {
		if rec := mustRecord(t, db, id); len(rec.Versions) != 1 || !rec.Latest().LastSeen.Equal(clock.Now()) {
			t.Errorf("%s after the 304 crawl: %d versions, last seen %s; want 1 version seen now (%s)", id, len(rec.Versions), rec.Latest().LastSeen, clock.Now())
		}
	}

	// The home page has not changed, inc-a's page has: a third update.
	clock.Advance(time.Hour)
	s.pages[home+"a"] = "inc inc-a 3\n"
	s.parsed = 0
	third, _, err := s.crawl(t, db, src, []string{home, home + "b"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(third.ChangedIDs, []string{"inc-a"}) || third.Unchanged != 1 || third.Updates != 5 || s.parsed != 1 {
		t.Errorf("crawl with one page changed = %+v, %d parsed; want inc-a changed, inc-b unchanged, 5 updates, 1 parsed", third, s.parsed)
	}
	if rec := mustRecord(t, db, "inc-a"); len(rec.Latest().Incident.Updates) != 3 {
		t.Errorf("inc-a's latest version has %d updates, want 3", len(rec.Latest().Incident.Updates))
	}
}

// TestCrawlPartial fails one detail page: the incident keeps the list's
// rendering, marked incomplete; the run is partial, infers no deletion and
// keeps no digest for the failed page and the page that led to it, so that
// the next crawl asks for those afresh and completes the incident; the
// other incident's page, which did not fail, is asked for conditionally.
func TestCrawlPartial(t *testing.T) {
	db, clock := open(t)
	s := newSite()
	run, _, err := s.crawl(t, db, src, nil, []string{home + "b"})
	if err != nil {
		t.Fatal(err)
	}
	if run.Outcome != archive.OutcomePartial || run.Complete || run.New != 2 {
		t.Errorf("crawl with a failed page = %+v, want partial, incomplete, 2 new", run)
	}
	if b := mustRecord(t, db, "inc-b").Latest().Incident; !b.Partial || len(b.Updates) != 1 {
		t.Errorf("inc-b after its page failed: partial %v with %d updates, want the list's one update, marked partial", b.Partial, len(b.Updates))
	}
	clock.Advance(time.Hour)
	next, conditional, err := s.crawl(t, db, src, all, nil)
	if err != nil || conditional != 1 || !slices.Equal(next.ChangedIDs, []string{"inc-b"}) || next.Outcome != archive.OutcomeOK {
		t.Errorf("next crawl = %+v, %d conditional, %v; want one conditional request (inc-a's page) and inc-b completed", next, conditional, err)
	}
	if b := mustRecord(t, db, "inc-b").Latest().Incident; b.Partial || len(b.Updates) != 2 {
		t.Errorf("inc-b after the next crawl: partial %v with %d updates, want complete with 2", b.Partial, len(b.Updates))
	}
}

// TestCrawlUnreadablePages fails every detail page after a good crawl:
// the incomplete list renderings make no version that would take updates
// away, and the run's failures are grouped by cause.
func TestCrawlUnreadablePages(t *testing.T) {
	db, clock := open(t)
	s := newSite()
	if _, _, err := s.crawl(t, db, src, nil, nil); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	s.pages[home+"a"], s.pages[home+"b"] = "<html>redesigned</html>", "<html>redesigned</html>"
	run, _, err := s.crawl(t, db, src, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if run.Outcome != archive.OutcomePartial || run.Unchanged != 2 || run.Changed+run.New != 0 {
		t.Errorf("crawl with unreadable detail pages = %+v, want partial, both incidents unchanged", run)
	}
	for _, id := range []string{"inc-a", "inc-b"} {
		if rec := mustRecord(t, db, id); len(rec.Versions) != 1 {
			t.Errorf("%s has %d versions, want 1: an incomplete rendering replaced a complete one", id, len(rec.Versions))
		}
	}
	want := []archive.Cause{{Cause: `unreadable line "<html>redesigned</html>"`, Count: 2, URLs: []string{home + "a", home + "b"}}}
	if got := run.Causes; !equalJSON(got, want) {
		t.Errorf("causes = %+v, want %+v", got, want)
	}
}

// TestCauses groups failures: one cause per distinct error without its
// URL, counted, naming the first three pages.
func TestCauses(t *testing.T) {
	var fs []archive.Failure
	for i := range 5 {
		u := fmt.Sprintf("https://x.example/incidents/%d", i)
		fs = append(fs, archive.Failure{URL: u, Err: &parser.ParseError{URL: u, Format: "f", Field: "title", Err: errors.New("no title")}})
	}
	fs = append(fs, archive.Failure{URL: "https://x.example/h", Err: fmt.Errorf("fetch https://x.example/h: %w", errors.New("http status 500"))},
		archive.Failure{Err: errors.New("page cap of 50 hit")})
	got := archive.Causes(fs)
	var lines []string
	for _, c := range got {
		lines = append(lines, c.String())
	}
	want := []string{
		"5 pages: title: no title (https://x.example/incidents/0, https://x.example/incidents/1, https://x.example/incidents/2, 2 more)",
		"1 page: http status 500 (https://x.example/h)",
		"page cap of 50 hit",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("causes:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}
}

// TestCrawlCompleteAndSnapshot checks the run's kind from its start
// page: a whole listing infers a deletion; a page of what is open now
// infers none and may shrink to nothing.
func TestCrawlCompleteAndSnapshot(t *testing.T) {
	db, clock := open(t)
	s := newSite()
	if _, _, err := s.crawl(t, db, src, nil, nil); err != nil {
		t.Fatal(err)
	}
	clock.Advance(time.Hour)
	s.pages[home] = "scope current\n"
	snap, _, err := s.crawl(t, db, src, nil, nil)
	if err != nil || snap.Incidents != 0 || snap.Deleted != 0 || snap.Complete {
		t.Errorf("empty snapshot = %+v, %v; want ok, nothing deleted", snap, err)
	}
	clock.Advance(time.Hour)
	s.pages[home] = "scope listing\ninc inc-a 1 partial\nfollow " + home + "a\n"
	complete, _, err := s.crawl(t, db, src, nil, nil)
	if err != nil || !complete.Complete || !slices.Equal(complete.DeletedIDs, []string{"inc-b"}) {
		t.Errorf("complete crawl without inc-b = %+v, %v; want inc-b deleted", complete, err)
	}
}

// TestCrawlValidatorsPerSource checks that a crawl gets only its own
// source's validators: another source's digest of the same URL names
// incidents of that source.
func TestCrawlValidatorsPerSource(t *testing.T) {
	db, _ := open(t)
	s := newSite()
	if _, _, err := s.crawl(t, db, "other", nil, nil); err != nil {
		t.Fatal(err)
	}
	run, conditional, err := s.crawl(t, db, src, all, nil)
	if err != nil || conditional != 0 || run.New != 2 {
		t.Errorf("first crawl of %s after another source's = %+v, %d conditional, %v; want 2 new, none conditional", src, run, conditional, err)
	}
	c, err := db.Begin(context.Background(), archive.Plan{Source: "new", URL: home})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.Visit(archive.PageInput{URL: home, Status: http.StatusNotModified}); err == nil {
		t.Error("Visit of a 304 the crawl sent no validators for: no error")
	}
}

// TestCrawlsOverlap begins two crawls of one source before either commits:
// both runs are kept, with the incidents each saw.
func TestCrawlsOverlap(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	s := newSite()
	begin := func() *archive.Crawl {
		c, err := db.Begin(ctx, archive.Plan{Source: src, URL: home, Parse: s.parse})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	one, two := begin(), begin()
	visit := func(c *archive.Crawl, body string) {
		if _, err := c.Visit(archive.PageInput{URL: home, Status: http.StatusOK, Body: []byte(body)}); err != nil {
			t.Fatal(err)
		}
	}
	visit(one, "scope current\ninc inc-1 2\n")
	visit(two, "scope current\ninc inc-2 2\n")
	var runs []archive.Run
	for _, c := range []*archive.Crawl{two, one} {
		clock.Advance(time.Minute)
		run, err := c.Commit(ctx, db, archive.Outcome{Finished: clock.Now()})
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run)
	}
	if runs[0].ID == runs[1].ID || runs[0].New != 1 || runs[1].New != 1 {
		t.Errorf("overlapping crawls = %+v, want two runs with one new incident each", runs)
	}
	for _, id := range []string{"inc-1", "inc-2"} {
		mustRecord(t, db, id)
	}
}

// TestCrawlFailed commits a crawl that failed as a whole: only its run-log
// entry is written.
func TestCrawlFailed(t *testing.T) {
	db, _ := open(t)
	c, err := db.Begin(context.Background(), archive.Plan{Source: src, URL: home})
	if err != nil {
		t.Fatal(err)
	}
	run, err := c.Commit(context.Background(), db, archive.Outcome{Err: errors.New("connection refused")})
	if err != nil || run.Outcome != archive.OutcomeFailed || run.Error != "connection refused" {
		t.Errorf("failed crawl = %+v, %v; want a failed run with its error", run, err)
	}
}
