package scraper

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// TestSharedGate is the daemon's case of issue 11: many sources, each with
// a Fetcher of its own, on one loopback host. With one Gate and one robots
// cache for the process, the host sees one request at a time, every gap at
// least the delay, and one robots.txt fetch.
func TestSharedGate(t *testing.T) {
	const sources, delay = 25, 20 * time.Millisecond
	var mu sync.Mutex
	inFlight, maxInFlight := 0, 0
	var starts, ends []time.Time
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		starts = append(starts, time.Now())
		mu.Unlock()
		time.Sleep(time.Millisecond)
		// The end is taken before the answer is written: the client cannot
		// release the host before it has read the answer, so a gap measured
		// from here is never longer than the one the gate kept.
		mu.Lock()
		inFlight--
		ends = append(ends, time.Now())
		mu.Unlock()
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
		} else {
			fmt.Fprint(w, "page")
		}
	}))
	gate, robots := NewGate(), NewRobotsCache(0)
	var wg sync.WaitGroup
	for i := range sources {
		o := testOptions(nil)
		o.SetDelay(delay)
		o.Gate, o.Robots = gate, robots
		f := newFetcher(t, o)
		wg.Go(func() {
			if _, err := f.Fetch(t.Context(), Request{URL: fmt.Sprintf("%s/source%d", srv.URL, i)}); err != nil {
				t.Errorf("Fetch: %v", err)
			}
		})
	}
	wg.Wait()
	mu.Lock()
	defer mu.Unlock()
	if len(starts) != sources+1 {
		t.Fatalf("server got %d requests, want %d (one robots.txt and one page per source)", len(starts), sources+1)
	}
	if maxInFlight != 1 {
		t.Errorf("max in flight = %d, want 1", maxInFlight)
	}
	minGap := time.Hour
	for i := 1; i < len(starts); i++ {
		minGap = min(minGap, starts[i].Sub(ends[i-1]))
	}
	if minGap < delay {
		t.Errorf("smallest gap between requests %v, want at least the delay %v", minGap, delay)
	}
	t.Logf("%d sources on one host: %d requests, max in flight %d, smallest gap %v (delay %v)", sources, len(starts), maxInFlight, minGap, delay)
}

// TestDelayScalesJitter is issue 12's "--delay 1ms still waits ~250 ms":
// the jitter is half the delay, so every wait is at most 1.5 ms.
func TestDelayScalesJitter(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "ok") }))
	clock := newFakeClock()
	o := DefaultOptions()
	o.Now, o.Sleep = clock.Now, clock.Sleep
	o.SetDelay(time.Millisecond)
	f := newFetcher(t, o)
	for i := range 20 {
		if _, err := f.Fetch(t.Context(), Request{URL: fmt.Sprintf("%s/p%d", srv.URL, i)}); err != nil {
			t.Fatal(err)
		}
	}
	sleeps := clock.Sleeps()
	if len(sleeps) != 20 {
		t.Fatalf("%d waits, want 20 (before each page after robots.txt)", len(sleeps))
	}
	for _, d := range sleeps {
		if d < time.Millisecond || d > 1500*time.Microsecond {
			t.Errorf("wait %v, want between 1ms and 1.5ms", d)
		}
	}
	if d := DefaultOptions(); d.RandomDelay != d.Delay/2 {
		t.Errorf("default jitter %v, want half the default delay %v", d.RandomDelay, d.Delay)
	}
}

// TestCrawlDelay checks that a robots.txt Crawl-delay longer than the
// delay is honoured, a shorter one is not, a huge one is capped, and a
// garbled one leaves the rest of the file in force.
func TestCrawlDelay(t *testing.T) {
	for _, tc := range []struct {
		name, robots string
		want         time.Duration
	}{
		{"longer", "User-agent: *\nCrawl-delay: 3\nDisallow: /private\n", 3 * time.Second},
		{"ours only", "User-agent: statusarchive\nCrawl-delay: 2.5\nDisallow: /private\n\nUser-agent: *\nCrawl-delay: 9\n", 2500 * time.Millisecond},
		{"shorter", "User-agent: *\nCrawl-delay: 0.2\nDisallow: /private\n", time.Second},
		{"huge", "User-agent: *\nCrawl-delay: 86400\nDisallow: /private\n", MaxCrawlDelay},
		{"garbled", "User-agent: *\nCrawl-delay: soon\nDisallow: /private\n", time.Second},
		{"before any agent", "Crawl-delay: 5\nUser-agent: *\nDisallow: /private\n", time.Second},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path == "/robots.txt" {
					fmt.Fprint(w, tc.robots)
					return
				}
				fmt.Fprint(w, "ok")
			}))
			clock := newFakeClock()
			o := testOptions(clock)
			o.Delay = time.Second
			f := newFetcher(t, o)
			for i := range 3 {
				if _, err := f.Fetch(t.Context(), Request{URL: fmt.Sprintf("%s/p%d", srv.URL, i)}); err != nil {
					t.Fatal(err)
				}
			}
			for _, d := range clock.Sleeps() {
				if d != tc.want {
					t.Errorf("wait %v, want %v", d, tc.want)
				}
			}
			if n := len(clock.Sleeps()); n != 3 {
				t.Errorf("%d waits, want 3", n)
			}
			if _, err := f.Fetch(t.Context(), Request{URL: srv.URL + "/private"}); !errors.Is(err, ErrRobotsDisallowed) {
				t.Errorf("Fetch(/private) = %v, want ErrRobotsDisallowed: the rest of robots.txt must apply", err)
			}
		})
	}
}

// TestRetryAfterHold checks that a Retry-After longer than a run waits
// holds the host in the gate: the first fetch gets one 429, and no fetcher
// sharing the gate, nor one whose gate was seeded with the hold (a
// restart), asks the host again before the time is up.
func TestRetryAfterHold(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Retry-After", "999999")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	clock := newFakeClock()
	gate := NewGate()
	var holds []time.Time
	gate.OnHold = func(host string, until time.Time) {
		if !strings.HasPrefix(srv.URL, "http://"+host) {
			t.Errorf("hold for %s, want the server's host", host)
		}
		holds = append(holds, until)
	}
	newRun := func(g *Gate) *Fetcher {
		o := testOptions(clock)
		o.Gate = g
		return newFetcher(t, o)
	}
	if _, err := newRun(gate).Fetch(t.Context(), Request{URL: srv.URL + "/status"}); !errors.Is(err, ErrRetryAfterTooLong) {
		t.Fatalf("first Fetch = %v, want ErrRetryAfterTooLong", err)
	}
	want := clock.Now().Add(999999 * time.Second)
	if len(holds) != 1 || !holds[0].Equal(want) {
		t.Fatalf("holds recorded %v, want one until %v", holds, want)
	}
	for range 3 {
		clock.Advance(2 * time.Second) // a daemon tick on @every 2s
		_, err := newRun(gate).Fetch(t.Context(), Request{URL: srv.URL + "/status"})
		var he *HeldError
		if !errors.As(err, &he) || !he.Until.Equal(want) {
			t.Fatalf("Fetch while held = %v, want a HeldError until %v", err, want)
		}
	}
	// A restart: a new gate seeded with the hold the archive kept.
	restarted := NewGate()
	restarted.Hold(strings.TrimPrefix(srv.URL, "http://"), want)
	if _, err := newRun(restarted).Fetch(t.Context(), Request{URL: srv.URL + "/status"}); !errors.Is(err, ErrHostHeld) {
		t.Fatalf("Fetch after restart = %v, want ErrHostHeld", err)
	}
	if n := srv.Hits("/status"); n != 1 {
		t.Errorf("the server got %d requests for the page, want exactly 1", n)
	}
	if got := restarted.HeldHosts(clock.Now()); len(got) != 1 {
		t.Errorf("HeldHosts = %q, want the server's host", got)
	}
	if until, ok := restarted.HeldUntil(srv.URL+"/other/page", clock.Now()); !ok || !until.Equal(want) {
		t.Errorf("HeldUntil = %v, %v; want %v, true", until, ok, want)
	}
	clock.Advance(999999 * time.Second)
	if got := restarted.HeldHosts(clock.Now()); len(got) != 0 {
		t.Errorf("HeldHosts after the time = %q, want none", got)
	}
}
