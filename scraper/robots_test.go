package scraper

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestRobots(t *testing.T) {
	tests := []struct {
		name    string
		robots  http.HandlerFunc
		path    string
		wantErr error // nil: the page is fetched
	}{
		{"200 disallow blocks", serveRobots("User-agent: *\nDisallow: /private\n"), "/private/x", ErrRobotsDisallowed},
		{"200 disallow leaves other paths", serveRobots("User-agent: *\nDisallow: /private\n"), "/public", nil},
		{"200 allow", serveRobots("User-agent: *\nAllow: /\n"), "/private", nil},
		{"group for our agent wins", serveRobots("User-agent: *\nAllow: /\n\nUser-agent: statusarchive\nDisallow: /\n"), "/public", ErrRobotsDisallowed},
		{"most specific rule wins", serveRobots("User-agent: *\nDisallow: /history\nAllow: /history/open\n"), "/history/open", nil},
		{"query strings are matched", serveRobots("User-agent: *\nDisallow: /*?page=\n"), "/history?page=2", ErrRobotsDisallowed},
		{"BOM before user-agent", serveRobots("\ufeffUser-agent: *\nDisallow: /\n"), "/x", ErrRobotsDisallowed},
		{"CRLF and LF mixed", serveRobots("User-agent: *\r\nDisallow: /a\nDisallow: /b\r\n"), "/b", ErrRobotsDisallowed},
		{"crawl-delay, sitemap and junk do not void the rules",
			serveRobots("Disallow: /early\nSitemap: /s.xml\nUser-agent: *\nCrawl-delay: soon\nDisallow: /x\nnonsense line\n"), "/x", ErrRobotsDisallowed},
		{"empty robots allows", serveRobots(""), "/x", nil},
		{"404 allows", http.NotFound, "/x", nil},
		{"401 allows", statusOnly(401), "/x", nil},
		{"503 disallows", statusOnly(503), "/x", ErrRobotsUnreachable},
		{"500 disallows", statusOnly(500), "/x", ErrRobotsUnreachable},
		{"connection cut disallows", cutConnection, "/x", ErrRobotsUnreachable},
		{"3 redirects are followed", redirectChain(3, "User-agent: *\nDisallow: /\n"), "/x", ErrRobotsDisallowed},
		{"endless redirects: unavailable, allow", redirectChain(100, ""), "/x", nil},
		{"disallow past 500 KiB is not read",
			serveRobots("User-agent: *\nDisallow: /a\n" + strings.Repeat("# padding padding padding\n", 40_000) + "Disallow: /b\n"), "/b", nil},
		{"10 MiB robots: early rules still apply",
			serveRobots("User-agent: *\nDisallow: /a\n" + strings.Repeat("Disallow: /zzzzzzzzzzzzzzzzzzzzzz\n", 10<<20/32)), "/a", ErrRobotsDisallowed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/robots.txt" || strings.HasPrefix(r.URL.Path, "/robots/") {
					tt.robots(w, r)
					return
				}
				fmt.Fprint(w, "page")
			}))
			f := newFetcher(t, testOptions(newFakeClock()))
			page, err := f.Fetch(context.Background(), Request{URL: srv.URL + tt.path})
			pageHits := srv.Hits(tt.path)
			if tt.wantErr == nil {
				if err != nil || string(page.Body) != "page" {
					t.Fatalf("Fetch = %v; want the page", err)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Fetch = %v, want %v", err, tt.wantErr)
			}
			if pageHits != 0 {
				t.Errorf("page requested %d times, want 0", pageHits)
			}
		})
	}
}

func serveRobots(body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		fmt.Fprint(w, body)
	}
}

func statusOnly(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(code) }
}

func cutConnection(w http.ResponseWriter, r *http.Request) {
	conn, _, err := http.NewResponseController(w).Hijack()
	if err == nil {
		conn.Close()
	}
}

// redirectChain sends /robots.txt through n redirects, then serves body.
func redirectChain(n int, body string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		i := 0
		fmt.Sscanf(r.URL.Path, "/robots/%d", &i)
		if r.URL.Path == "/robots.txt" || i < n {
			http.Redirect(w, r, fmt.Sprintf("/robots/%d", i+1), http.StatusFound)
			return
		}
		fmt.Fprint(w, body)
	}
}

func TestRobotsIgnored(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			w.WriteHeader(503)
			return
		}
		fmt.Fprint(w, "page")
	}))
	o := testOptions(newFakeClock())
	o.IgnoreRobots = true
	f := newFetcher(t, o)
	if _, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/x"}); err != nil {
		t.Fatalf("Fetch with IgnoreRobots: %v", err)
	}
	if n := srv.Hits("/robots.txt"); n != 0 {
		t.Errorf("robots.txt fetched %d times, want 0", n)
	}
}

func TestRobotsUnreachableHost(t *testing.T) {
	f := newFetcher(t, testOptions(newFakeClock()))
	_, err := f.Fetch(context.Background(), Request{URL: "http://" + closedPort(t) + "/x"})
	if !errors.Is(err, ErrRobotsUnreachable) {
		t.Errorf("Fetch = %v, want ErrRobotsUnreachable", err)
	}
}

func TestRobotsFetchedOncePerRun(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, "User-agent: *\nDisallow: /private\n")
			return
		}
		fmt.Fprint(w, "page")
	}))
	f := newFetcher(t, testOptions(newFakeClock()))
	for i := range 10 {
		path := fmt.Sprintf("/p%d", i)
		if i%3 == 0 {
			path = "/private/" + path
		}
		_, _ = f.Fetch(context.Background(), Request{URL: srv.URL + path})
	}
	if n := srv.Hits("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times for 10 pages, want 1", n)
	}
}

func TestRobotsCacheShared(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			fmt.Fprint(w, "User-agent: *\nAllow: /\n")
			return
		}
		fmt.Fprint(w, "page")
	}))
	clock := newFakeClock()
	cache := NewRobotsCache(0)
	run := func() {
		o := testOptions(clock)
		o.Robots = cache
		f := newFetcher(t, o)
		if _, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/x"}); err != nil {
			t.Fatalf("Fetch: %v", err)
		}
	}
	run()
	clock.Advance(23 * time.Hour)
	run()
	if n := srv.Hits("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times in two runs within 24h, want 1", n)
	}
	clock.Advance(time.Hour)
	run()
	if n := srv.Hits("/robots.txt"); n != 2 {
		t.Errorf("robots.txt fetched %d times after 24h, want 2", n)
	}
	if n := cache.Len(); n != 1 {
		t.Errorf("cache holds %d sites, want 1", n)
	}
}

func TestRobotsCacheSkipsUnreachable(t *testing.T) {
	var down atomic.Bool
	down.Store(true)
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" && down.Load() {
			w.WriteHeader(503)
			return
		}
		fmt.Fprint(w, "page")
	}))
	cache := NewRobotsCache(0)
	o := testOptions(newFakeClock())
	o.Robots = cache
	first := newFetcher(t, o)
	if _, err := first.Fetch(context.Background(), Request{URL: srv.URL + "/x"}); !errors.Is(err, ErrRobotsUnreachable) {
		t.Fatalf("first run = %v, want ErrRobotsUnreachable", err)
	}
	down.Store(false)
	second := newFetcher(t, o)
	if _, err := second.Fetch(context.Background(), Request{URL: srv.URL + "/x"}); err != nil {
		t.Fatalf("second run after robots.txt recovered: %v", err)
	}
}

// TestRobotsHeldAtRedirects: a redirect into a disallowed path is refused
// before the disallowed page is requested.
func TestRobotsHeldAtRedirects(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprint(w, "User-agent: *\nDisallow: /private\n")
		case "/open":
			http.Redirect(w, r, "/private/page", http.StatusFound)
		case "/moved":
			http.Redirect(w, r, "/public/page", http.StatusFound)
		default:
			fmt.Fprint(w, "page")
		}
	}))
	f := newFetcher(t, testOptions(newFakeClock()))
	if _, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/open"}); !errors.Is(err, ErrRobotsDisallowed) {
		t.Errorf("redirect into a disallowed path: %v, want ErrRobotsDisallowed", err)
	}
	if n := srv.Hits("/private/page"); n != 0 {
		t.Errorf("the disallowed page was requested %d times", n)
	}
	if _, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/moved"}); err != nil {
		t.Errorf("redirect into an allowed path: %v", err)
	}
	if n := srv.Hits("/robots.txt"); n != 1 {
		t.Errorf("robots.txt fetched %d times, want 1", n)
	}
}
