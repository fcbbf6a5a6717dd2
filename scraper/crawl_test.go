package scraper

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// linkSite serves pages whose bodies list links, one per line:
// "follow <url>" or "follow <url> fallback <url>". Paths not in pages 404,
// paths in broken answer 500.
func linkSite(t testing.TB, pages map[string]string, broken ...string) *testServer {
	return newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, b := range broken {
			if r.URL.RequestURI() == b {
				w.WriteHeader(http.StatusInternalServerError)
				return
			}
		}
		body, ok := pages[r.URL.RequestURI()]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, body)
	}))
}

// followLinks is a visit function for linkSite pages; it records the URLs
// it saw.
type followLinks struct {
	mu   sync.Mutex
	seen []string
	fail map[string]bool // paths whose visit returns an error
}

func (fl *followLinks) visit(p *Page) ([]Request, error) {
	fl.mu.Lock()
	fl.seen = append(fl.seen, p.URL)
	fl.mu.Unlock()
	var next []Request
	s := bufio.NewScanner(bytes.NewReader(p.Body))
	for s.Scan() {
		f := strings.Fields(s.Text())
		switch {
		case len(f) == 2 && f[0] == "follow":
			next = append(next, Request{URL: f[1]})
		case len(f) == 4 && f[0] == "follow" && f[2] == "fallback":
			next = append(next, Request{URL: f[1], Fallback: f[3]})
		}
	}
	for suffix := range fl.fail {
		if strings.HasSuffix(p.URL, suffix) {
			return next, errors.New("markup changed")
		}
	}
	return next, nil
}

func pageURLs(res *Result, base string) []string {
	var out []string
	for _, p := range res.Pages {
		out = append(out, strings.TrimPrefix(p.URL, base))
	}
	return out
}

func TestCrawlFollowsAndDedupes(t *testing.T) {
	srv := linkSite(t, map[string]string{
		"/history?page=1": "follow /incidents/a\nfollow incidents/b\nfollow /history?page=2\nfollow /history?page=1#top",
		"/history?page=2": "follow /incidents/b\nfollow /incidents/c\nfollow /history?page=3",
		"/history?page=3": "follow /history?page=3\nfollow /history?page=1",
		"/incidents/a":    "incident a",
		"/incidents/b":    "incident b",
		"/incidents/c":    "follow /incidents/a",
	})
	f := newFetcher(t, testOptions(newFakeClock()))
	fl := &followLinks{}
	res, err := f.Crawl(context.Background(), Request{URL: srv.URL + "/history?page=1"}, fl.visit)
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}
	got := strings.Join(pageURLs(res, srv.URL), " ")
	want := "/history?page=1 /incidents/a /incidents/b /history?page=2 /incidents/c /history?page=3"
	if got != want {
		t.Errorf("pages = %s\nwant    %s", got, want)
	}
	if res.CapHit || len(res.Failures) != 0 || len(res.Refused) != 0 {
		t.Errorf("cap, failures, refused = %v, %v, %v; want none", res.CapHit, res.Failures, res.Refused)
	}
	for uri := range map[string]bool{"/history?page=1": true, "/incidents/a": true, "/incidents/b": true} {
		if n := srv.Hits(uri); n != 1 {
			t.Errorf("%s fetched %d times, want 1", uri, n)
		}
	}
}

func TestCrawlPageCap(t *testing.T) {
	// Every page links to the next one, forever.
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Query().Get("page"), "%d", &n)
		fmt.Fprintf(w, "follow /h?page=%d\n", n+1)
	}))
	o := testOptions(newFakeClock())
	o.MaxPages = 5
	f := newFetcher(t, o)
	res, err := f.Crawl(context.Background(), Request{URL: srv.URL + "/h?page=1"}, (&followLinks{}).visit)
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}
	if !res.CapHit || len(res.Pages) != 5 {
		t.Errorf("cap hit, pages = %v, %d; want true, 5", res.CapHit, len(res.Pages))
	}
	if n := srv.Total() - srv.Hits("/robots.txt"); n != 5 {
		t.Errorf("server got %d page requests, want 5", n)
	}
}

func TestCrawlSameSite(t *testing.T) {
	other := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "other site")
	}))
	srv := linkSite(t, map[string]string{
		"/":   fmt.Sprintf("follow %s/steal\nfollow http://169.254.169.254/latest/meta-data/\nfollow file:///etc/passwd\nfollow /ok", other.URL),
		"/ok": "fine",
	})
	f := newFetcher(t, testOptions(newFakeClock()))
	res, err := f.Crawl(context.Background(), Request{URL: srv.URL + "/"}, (&followLinks{}).visit)
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}
	wantRefused := []string{other.URL + "/steal", "http://169.254.169.254/latest/meta-data/", "file:///etc/passwd"}
	if fmt.Sprint(res.Refused) != fmt.Sprint(wantRefused) {
		t.Errorf("refused = %v, want %v", res.Refused, wantRefused)
	}
	if n := other.accepts.Load(); n != 0 {
		t.Errorf("the other site accepted %d connections, want 0", n)
	}
	if got := pageURLs(res, srv.URL); fmt.Sprint(got) != "[/ /ok]" {
		t.Errorf("pages = %v, want [/ /ok]", got)
	}
}

func TestCrawlFallback(t *testing.T) {
	srv := linkSite(t, map[string]string{
		"/history":     "follow /api/v2/incidents/x.json fallback /incidents/x",
		"/incidents/x": "incident x",
	})
	f := newFetcher(t, testOptions(newFakeClock()))
	start := Request{URL: srv.URL + "/api/v2/incidents.json", Accept: "application/json", Fallback: "/history"}
	res, err := f.Crawl(context.Background(), start, (&followLinks{}).visit)
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}
	if got := pageURLs(res, srv.URL); fmt.Sprint(got) != "[/history /incidents/x]" {
		t.Errorf("pages = %v, want [/history /incidents/x]", got)
	}
	if res.Pages[0].Requested != srv.URL+"/history" || len(res.Failures) != 0 {
		t.Errorf("requested, failures = %s, %v; want the fallback URL and no failures", res.Pages[0].Requested, res.Failures)
	}
	if n := srv.Hits("/api/v2/incidents.json"); n != 1 {
		t.Errorf("the 404 URL was fetched %d times, want 1", n)
	}
}

func TestCrawlFailuresMidway(t *testing.T) {
	srv := linkSite(t, map[string]string{
		"/":  "follow /a\nfollow /b\nfollow /gone\nfollow /c",
		"/a": "a",
		"/b": "follow /d",
		"/c": "c",
		"/d": "d",
	}, "/b")
	clock := newFakeClock()
	f := newFetcher(t, testOptions(clock))
	fl := &followLinks{fail: map[string]bool{"/c": true}}
	res, err := f.Crawl(context.Background(), Request{URL: srv.URL + "/"}, fl.visit)
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}
	if got := pageURLs(res, srv.URL); fmt.Sprint(got) != "[/ /a /c]" {
		t.Errorf("pages = %v, want [/ /a /c]", got)
	}
	failed := map[string]error{}
	for _, fl := range res.Failures {
		failed[strings.TrimPrefix(fl.URL, srv.URL)] = fl.Err
	}
	var he *HTTPError
	if err := failed["/b"]; !errors.As(err, &he) || he.Status != 500 {
		t.Errorf("/b failure = %v, want an HTTP 500", err)
	}
	if err := failed["/gone"]; !errors.As(err, &he) || he.Status != 404 {
		t.Errorf("/gone failure = %v, want an HTTP 404", err)
	}
	if err := failed["/c"]; err == nil || !strings.Contains(err.Error(), "markup changed") {
		t.Errorf("/c failure = %v, want the visit error", err)
	}
	if n := srv.Hits("/b"); n != 1+DefaultOptions().Retries {
		t.Errorf("/b fetched %d times, want %d", n, 1+DefaultOptions().Retries)
	}
}

func TestCrawlStartFailure(t *testing.T) {
	srv := linkSite(t, map[string]string{"/": "x"})
	f := newFetcher(t, testOptions(newFakeClock()))
	tests := []struct {
		name  string
		start Request
		visit func(*Page) ([]Request, error)
	}{
		{"404", Request{URL: srv.URL + "/missing"}, (&followLinks{}).visit},
		{"404 and the fallback 404s too", Request{URL: srv.URL + "/missing", Fallback: "/also-missing"}, (&followLinks{}).visit},
		{"visit fails", Request{URL: srv.URL + "/"}, func(*Page) ([]Request, error) { return nil, errors.New("no incidents") }},
		{"bad URL", Request{URL: "ftp://example.org/"}, (&followLinks{}).visit},
	}
	for _, tt := range tests {
		if res, err := f.Crawl(context.Background(), tt.start, tt.visit); err == nil {
			t.Errorf("%s: Crawl = %+v, nil; want an error", tt.name, res)
		}
	}
}

func TestCrawlCancelled(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.URL.Query().Get("page"), "%d", &n)
		fmt.Fprintf(w, "follow /h?page=%d\n", n+1)
	}))
	f := newFetcher(t, testOptions(newFakeClock()))
	ctx, cancel := context.WithCancel(context.Background())
	visits := 0
	res, err := f.Crawl(ctx, Request{URL: srv.URL + "/h?page=1"}, func(p *Page) ([]Request, error) {
		if visits++; visits == 3 {
			cancel()
		}
		return (&followLinks{}).visit(p)
	})
	if !errors.Is(err, context.Canceled) || res == nil || len(res.Pages) != 3 {
		t.Errorf("Crawl = %v pages, %v; want 3 pages and context.Canceled", res, err)
	}
}

// TestPoliteness sends 6 concurrent fetches to one host: the server must see
// at most one request at a time and at least Delay between the end of one
// and the start of the next, robots.txt included.
func TestPoliteness(t *testing.T) {
	const delay = 50 * time.Millisecond
	var mu sync.Mutex
	inFlight, maxInFlight := 0, 0
	var starts, ends []time.Time
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		starts = append(starts, time.Now())
		mu.Unlock()
		time.Sleep(5 * time.Millisecond)
		fmt.Fprint(w, "page")
		mu.Lock()
		inFlight--
		ends = append(ends, time.Now())
		mu.Unlock()
	}))
	o := testOptions(nil)
	o.Delay = delay
	o.RandomDelay = 10 * time.Millisecond
	f := newFetcher(t, o)
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Go(func() {
			if _, err := f.Fetch(context.Background(), Request{URL: fmt.Sprintf("%s/p%d", srv.URL, i)}); err != nil {
				t.Errorf("Fetch: %v", err)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(starts) != 7 {
		t.Fatalf("server got %d requests, want 7 (robots.txt and 6 pages)", len(starts))
	}
	if maxInFlight != 1 {
		t.Errorf("max in flight = %d, want 1", maxInFlight)
	}
	var minGap time.Duration = time.Hour
	for i := 1; i < len(starts); i++ {
		gap := starts[i].Sub(ends[i-1])
		minGap = min(minGap, gap)
		if gap < delay {
			t.Errorf("request %d started %v after request %d ended, want at least %v", i, gap, i-1, delay)
		}
	}
	t.Logf("7 requests, max in flight %d, smallest gap %v (delay %v)", maxInFlight, minGap, delay)
}

// TestFreshFetcherPerRun is the daemon's case: each run makes a new Fetcher
// and so fetches the page again.
func TestFreshFetcherPerRun(t *testing.T) {
	srv := linkSite(t, map[string]string{"/status": "ok"})
	for range 3 {
		f := newFetcher(t, testOptions(newFakeClock()))
		if _, err := f.Crawl(context.Background(), Request{URL: srv.URL + "/status"}, (&followLinks{}).visit); err != nil {
			t.Fatalf("Crawl: %v", err)
		}
	}
	if n := srv.Hits("/status"); n != 3 {
		t.Errorf("3 runs made %d requests, want 3", n)
	}
}

func TestSite(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"https://status.example.com/x", "https://example.com/y", true},
		{"https://status.example.com/x", "http://www.example.com:8080/y", true},
		{"https://status.example.com/", "https://example.com.evil.example/", false},
		{"https://a.example.co.uk/", "https://b.example.co.uk/", true},
		{"https://example.co.uk/", "https://other.co.uk/", false},
		{"http://127.0.0.1:4321/", "http://127.0.0.1:4321/b", true},
		{"http://127.0.0.1:4321/", "http://127.0.0.1:4322/", false},
		{"http://localhost:80/", "http://localhost/", true},
		{"http://[::1]:80/", "http://[::1]:81/", false},
		{"http://STATUS.Example.COM./", "http://example.com/", true},
		{"file:///a.html", "http://127.0.0.1/", false},
	}
	for _, tt := range tests {
		a, err := parseTarget(tt.a)
		if err != nil {
			t.Fatal(err)
		}
		b, err := parseTarget(tt.b)
		if err != nil {
			t.Fatal(err)
		}
		if got := site(a) == site(b); got != tt.same {
			t.Errorf("same site(%s, %s) = %v (%s, %s), want %v", tt.a, tt.b, got, site(a), site(b), tt.same)
		}
	}
}

func TestCrawlStopsAtRepeatedContent(t *testing.T) {
	// page=N serves the same list for every N, each linking to page=N+1.
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("page") == "1" {
			fmt.Fprint(w, "follow /h?page=2\nfollow /h?page=3\n")
			return
		}
		fmt.Fprint(w, "same list\nfollow /h?page=9\n")
	}))
	f := newFetcher(t, testOptions(newFakeClock()))
	res, err := f.Crawl(context.Background(), Request{URL: srv.URL + "/h?page=1"}, (&followLinks{}).visit)
	if err != nil {
		t.Fatalf("Crawl: %v", err)
	}
	if got := pageURLs(res, srv.URL); fmt.Sprint(got) != "[/h?page=1 /h?page=2]" {
		t.Errorf("pages = %v, want [/h?page=1 /h?page=2]", got)
	}
	// page=3 repeats page=2; page=2's link to page=9 is followed once and
	// repeats too, and nothing is followed from the repeats.
	if want := []string{srv.URL + "/h?page=3", srv.URL + "/h?page=9"}; fmt.Sprint(res.Repeated) != fmt.Sprint(want) {
		t.Errorf("repeated = %v, want %v", res.Repeated, want)
	}
	if n := srv.Total() - srv.Hits("/robots.txt"); n != 4 {
		t.Errorf("server got %d page requests, want 4", n)
	}
}

// TestCrawlProgress checks the counts Crawl reports for a progress
// display: at the start, after each page, and at the end.
func TestCrawlProgress(t *testing.T) {
	srv := linkSite(t, map[string]string{
		"/":  "follow /a\nfollow /b\nfollow /c",
		"/a": "follow /d",
		"/b": "page b",
		"/d": "page d",
	})
	o := testOptions(newFakeClock())
	var got []string
	o.Progress = func(p Progress) {
		got = append(got, fmt.Sprintf("fetched %d queued %d failed %d done %v", p.Fetched, p.Queued, p.Failed, p.Done))
	}
	f := newFetcher(t, o)
	if _, err := f.Crawl(t.Context(), Request{URL: srv.URL + "/"}, (&followLinks{}).visit); err != nil {
		t.Fatal(err)
	}
	want := []string{
		"fetched 0 queued 1 failed 0 done false",
		"fetched 1 queued 3 failed 0 done false",
		"fetched 2 queued 3 failed 0 done false",
		"fetched 3 queued 2 failed 0 done false",
		"fetched 4 queued 1 failed 1 done false",
		"fetched 5 queued 0 failed 1 done true",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("progress reports:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}
