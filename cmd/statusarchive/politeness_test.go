package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/statusarchive/statusarchive/fixtures"
	"github.com/statusarchive/statusarchive/scraper"
)

// headerSite is a loopback status page that keeps the headers of every
// request, robots.txt included.
type headerSite struct {
	srv *httptest.Server

	mu   sync.Mutex
	seen []http.Header
	uris []string
}

func newHeaderSite(t *testing.T) *headerSite {
	t.Helper()
	page, err := fixtures.ReadFile("realworld/statuspage/githubstatus-incident-113cggyjrxpr.json")
	if err != nil {
		t.Fatal(err)
	}
	s := &headerSite{}
	s.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.seen = append(s.seen, r.Header.Clone())
		s.uris = append(s.uris, r.URL.RequestURI())
		s.mu.Unlock()
		if r.URL.Path != incidentPath {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(page)
	}))
	t.Cleanup(s.srv.Close)
	return s
}

// TestFromHeaderFromSourcesFile checks RELIABILITY test 14's contact: the
// sources file's from is sent as the From header on every request of a
// daemon run, robots.txt included.
func TestFromHeaderFromSourcesFile(t *testing.T) {
	tr := loopbackTransport()
	defer tr.CloseIdleConnections()
	s := newHeaderSite(t)
	cfg, problems := ParseConfig([]byte(fmt.Sprintf("from: ops@example.com\nsources:\n  - name: a\n    url: %s%s\n    limits: {delay: 0s}\n", s.srv.URL, incidentPath)))
	if len(problems) > 0 {
		t.Fatalf("ParseConfig: %v", problems)
	}
	if cfg.From != "ops@example.com" || cfg.Sources[0].From != "ops@example.com" {
		t.Fatalf("from = %q, source from = %q, want ops@example.com for both", cfg.From, cfg.Sources[0].From)
	}
	d := newDaemon(testMain(tr), zerolog.Nop(), filepath.Join(t.TempDir(), "archive.db"), "", cfg)
	d.runSource(t.Context(), "a")

	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) < 2 {
		t.Fatalf("the server saw %d requests (%q), want robots.txt and the page", len(s.seen), s.uris)
	}
	for i, h := range s.seen {
		if got := h.Get("From"); got != "ops@example.com" {
			t.Errorf("request %s: From = %q, want ops@example.com", s.uris[i], got)
		}
	}
}

// stubResolver sends host names where a test wants them.
type stubResolver map[string]string

func (r stubResolver) LookupIPAddr(_ context.Context, host string) ([]net.IPAddr, error) {
	ip, ok := r[host]
	if !ok {
		return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
	}
	return []net.IPAddr{{IP: net.ParseIP(ip)}}, nil
}

// TestValidatePrivateNetworks runs validate on the addresses issue 13
// found accepted, as sources and as webhooks: the internal ones are
// refused unless the entry says allow_private_networks, and a loopback
// address written plainly is allowed with a note.
func TestValidatePrivateNetworks(t *testing.T) {
	for _, tc := range []struct {
		url     string
		refused bool
		never   bool // refused even with allow_private_networks
	}{
		{"http://169.254.169.254/latest/meta-data/", true, true},
		{"http://10.0.0.1/", true, false},
		{"http://[::ffff:127.0.0.1]/", true, false},
		{"http://0x7f.1:22/", true, false},
		{"http://2130706433/", true, false},
		{"http://0177.0.0.1/", true, false},
		{"http://127.0.0.1:6379/", false, false},
		{"https://status.example.com/", false, false},
	} {
		for _, allow := range []bool{false, true} {
			extra := ""
			if allow {
				extra = "    allow_private_networks: true\n"
			}
			for _, where := range []string{"source", "webhook"} {
				yaml := "sources:\n  - name: a\n    url: " + tc.url + "\n" + extra
				if where == "webhook" {
					yaml = "sources:\n  - name: a\n    url: https://status.example.com/\nnotify:\n  webhooks:\n    - url: " + tc.url + "\n" + strings.ReplaceAll(extra, "    ", "      ")
				}
				dir := t.TempDir()
				path := filepath.Join(dir, "sources.yaml")
				if err := os.WriteFile(path, []byte(yaml), 0o600); err != nil {
					t.Fatal(err)
				}
				var stdout bytes.Buffer
				err := NewMain(&stdout, io.Discard).Run(t.Context(), []string{"validate", "--config", path})
				out := stdout.String()
				wantRefused := tc.refused && (!allow || tc.never)
				if gotRefused := err != nil; gotRefused != wantRefused {
					t.Errorf("%s %s allow=%v: validate = %v, output %q; want refused %v", where, tc.url, allow, err, out, wantRefused)
					continue
				}
				if wantRefused && !strings.Contains(out, "private network address refused") {
					t.Errorf("%s %s: output %q does not say why", where, tc.url, out)
				}
				if note := strings.Contains(out, "loopback address written in the URL: allowed"); note != (tc.url == "http://127.0.0.1:6379/" && !allow) {
					t.Errorf("%s %s allow=%v: note shown = %v in %q", where, tc.url, allow, note, out)
				}
			}
		}
	}
}

// TestScrapePrivateNetworks scrapes a loopback site through names that a
// stub resolver sends to 127.0.0.1: refused with no request, unless
// --allow-private-networks; the same site by its plain loopback address is
// allowed, and the log says so.
func TestScrapePrivateNetworks(t *testing.T) {
	s := newSite(t, 0)
	port := s.srv.Listener.Addr().(*net.TCPAddr).Port
	run := func(args ...string) (string, error) {
		var stderr bytes.Buffer
		m := NewMain(io.Discard, &stderr)
		m.Getenv = func(string) string { return "" }
		m.LogFormat = "json"
		m.Resolver = stubResolver{"status.internal.test": "127.0.0.1"}
		full := append([]string{"scrape", "--db", filepath.Join(t.TempDir(), "a.db"), "--delay", "0s"}, args...)
		err := m.Run(t.Context(), full)
		return stderr.String(), err
	}
	named := fmt.Sprintf("http://status.internal.test:%d%s", port, incidentPath)
	if _, err := run(named); !errors.Is(err, scraper.ErrPrivateAddress) {
		t.Errorf("scrape %s = %v, want ErrPrivateAddress", named, err)
	}
	if n := s.hits.Load(); n != 0 {
		t.Errorf("the site got %d requests for the page, want 0", n)
	}
	if _, err := run("--allow-private-networks", named); err != nil {
		t.Errorf("scrape --allow-private-networks %s = %v, want success", named, err)
	}
	odd := fmt.Sprintf("http://0x7f.1:%d%s", port, incidentPath)
	before := s.hits.Load()
	if _, err := run(odd); !errors.Is(err, scraper.ErrPrivateAddress) {
		t.Errorf("scrape %s = %v, want ErrPrivateAddress", odd, err)
	}
	if s.hits.Load() != before {
		t.Errorf("the site got a request through %s", odd)
	}
	logs, err := run(s.url())
	if err != nil {
		t.Errorf("scrape %s = %v, want success: a plainly written loopback address is allowed", s.url(), err)
	}
	if !strings.Contains(logs, "loopback address allowed") {
		t.Errorf("the log does not say the loopback address was allowed:\n%s", logs)
	}
}

// TestWebhookTransportGuard checks the webhook client's dials: a webhook
// host that resolves into the network is refused unless its entry has
// allow_private_networks.
func TestWebhookTransportGuard(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	cfg, problems := ParseConfig([]byte(fmt.Sprintf("sources:\n  - url: https://status.example.com/\nnotify:\n  webhooks:\n"+
		"    - url: http://hooks.internal.test:%d/a\n      allow_private_networks: true\n"+
		"    - url: http://other.internal.test:%d/b\n", port, port)))
	if len(problems) > 0 {
		t.Fatal(problems)
	}
	m := NewMain(io.Discard, io.Discard)
	m.Resolver = stubResolver{"hooks.internal.test": "127.0.0.1", "other.internal.test": "127.0.0.1"}
	d := newDaemon(m, zerolog.Nop(), filepath.Join(t.TempDir(), "a.db"), "", cfg)
	tr := d.webhookTransport().(*http.Transport)
	defer tr.CloseIdleConnections()
	c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	for _, tc := range []struct {
		url     string
		refused bool
	}{
		{fmt.Sprintf("http://hooks.internal.test:%d/a", port), false},
		{fmt.Sprintf("http://other.internal.test:%d/b", port), true},
	} {
		resp, err := c.Post(tc.url, "application/json", strings.NewReader("{}"))
		if err == nil {
			resp.Body.Close()
		}
		if refused := errors.Is(err, scraper.ErrPrivateAddress); refused != tc.refused {
			t.Errorf("POST %s = %v, want refused %v", tc.url, err, tc.refused)
		}
	}
}

// serveDaemon runs d until the returned stop is called.
func serveDaemon(t *testing.T, d *daemon, ln net.Listener) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	served := make(chan error, 1)
	go func() { served <- d.serve(ctx, ln) }()
	return func() {
		cancel()
		select {
		case err := <-served:
			if err != nil {
				t.Errorf("serve = %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the daemon did not stop")
		}
	}
}

// TestRetryAfterOutlivesRun is issue 13's "6 requests in 11 s": a source
// answering 429 with Retry-After: 999999 on an @every 2s schedule gets
// exactly one request, across several ticks and across a restart of the
// daemon; the ticks in between are skipped without a run in the log;
// /metrics and sources show the host held back.
func TestRetryAfterOutlivesRun(t *testing.T) {
	if testing.Short() {
		t.Skip("runs two daemons for about 7 seconds")
	}
	tr := noLeaks(t)
	var pageHits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != incidentPath {
			http.NotFound(w, r)
			return
		}
		pageHits.Add(1)
		w.Header().Set("Retry-After", "999999")
		w.WriteHeader(http.StatusTooManyRequests)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	cfg := &Config{StaleAfter: 100, Concurrency: 1, Sources: []Source{testSource(t, "limited", srv.URL+incidentPath, "@every 2s")}}
	path := filepath.Join(t.TempDir(), "archive.db")

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	d := newDaemon(testMain(tr), zerolog.New(logs), path, "", cfg)
	stop := serveDaemon(t, d, ln)
	time.Sleep(4500 * time.Millisecond) // the overdue run at once, ticks at 2 s and 4 s
	metricsText := get(t, tr, "http://"+ln.Addr().String()+"/metrics", http.StatusOK)
	stop()
	const skipped = "skipped: the source's host asked us to wait (retry-after)"
	if runs, skips := logs.count(t, "run", "limited"), logs.count(t, skipped, "limited"); runs != 1 || skips < 1 {
		t.Errorf("%d runs and %d skipped ticks in 4.5 s on @every 2s, want 1 run and the later ticks skipped", runs, skips)
	}
	want := `statusarchive_host_retry_after_until_timestamp_seconds{host="` + host + `"} `
	if !strings.Contains(metricsText, want) {
		t.Errorf("/metrics has no line starting %q:\n%s", want, metricsText)
	}

	// A restart reads the hold back from the archive.
	before := logs.count(t, skipped, "limited")
	restarted := newDaemon(testMain(tr), zerolog.New(logs), path, "", cfg)
	stop = serveDaemon(t, restarted, nil)
	time.Sleep(2500 * time.Millisecond)
	stop()
	if runs, skips := logs.count(t, "run", "limited"), logs.count(t, skipped, "limited"); runs != 1 || skips <= before {
		t.Errorf("after the restart: %d runs and %d skipped ticks (%d before), want still 1 run and more skips", runs, skips, before)
	}
	if n := pageHits.Load(); n != 1 {
		t.Errorf("the server got %d requests over both daemons, want exactly 1", n)
	}

	var stdout bytes.Buffer
	m := NewMain(&stdout, io.Discard)
	m.Getenv = func(string) string { return "" }
	if err := m.Run(t.Context(), []string{"sources", "--db", path}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(stdout.String(), host) || !strings.Contains(stdout.String(), "Retry-After") {
		t.Errorf("sources does not show %s held back:\n%s", host, stdout.String())
	}
}

// TestDaemonOneHostGate is issue 11's "1,000 sources on one host sent
// 1,000 requests within 4-7 s": many sources on one loopback host, all
// due at once, share one gate: one request at a time, each gap at least
// the delay, and one robots.txt fetch for all of them.
func TestDaemonOneHostGate(t *testing.T) {
	tr := noLeaks(t)
	page, err := fixtures.ReadFile("realworld/statuspage/githubstatus-incident-113cggyjrxpr.json")
	if err != nil {
		t.Fatal(err)
	}
	const n, delay = 30, 20 * time.Millisecond
	var mu sync.Mutex
	inFlight, maxInFlight, robots := 0, 0, 0
	var starts, ends []time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		inFlight++
		maxInFlight = max(maxInFlight, inFlight)
		starts = append(starts, time.Now())
		if r.URL.Path == "/robots.txt" {
			robots++
		}
		mu.Unlock()
		time.Sleep(time.Millisecond) // a window in which a second request would overlap
		// The end is taken before the answer is written: the client cannot
		// release the host before it has read the answer.
		mu.Lock()
		inFlight--
		ends = append(ends, time.Now())
		mu.Unlock()
		if r.URL.Path != incidentPath {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		w.Write(page)
	}))
	defer srv.Close()
	cfg := &Config{StaleAfter: 3, Concurrency: n}
	for i := range n {
		s := testSource(t, fmt.Sprintf("s%02d", i), srv.URL+incidentPath, "@hourly")
		s.Limits.Delay = delay
		cfg.Sources = append(cfg.Sources, s)
	}
	d := newDaemon(testMain(tr), zerolog.Nop(), filepath.Join(t.TempDir(), "archive.db"), "", cfg)
	stop := serveDaemon(t, d, nil)
	waitFor(t, "every source's request", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(ends) >= n+1
	})
	stop()
	mu.Lock()
	defer mu.Unlock()
	if len(starts) != n+1 || robots != 1 {
		t.Errorf("the host got %d requests (%d for robots.txt), want %d: one robots.txt and one page per source", len(starts), robots, n+1)
	}
	if maxInFlight != 1 {
		t.Errorf("max in flight = %d, want 1", maxInFlight)
	}
	minGap := time.Hour
	for i := 1; i < len(starts); i++ {
		minGap = min(minGap, starts[i].Sub(ends[i-1]))
	}
	if minGap < delay {
		t.Errorf("smallest gap %v, want at least the delay %v", minGap, delay)
	}
	t.Logf("%d sources on one host: %d requests, max in flight %d, smallest gap %v", n, len(starts), maxInFlight, minGap)
}

// TestScrapeFromFlag checks scrape --from: the contact goes out as the
// From header of every request, robots.txt included; something that is
// not one e-mail address is refused before any request.
func TestScrapeFromFlag(t *testing.T) {
	s := newHeaderSite(t)
	c := newCLI(t)
	c.must("scrape", "--delay", "0s", "--from", "ops@example.com", s.srv.URL+incidentPath)
	if _, _, err := c.run("scrape", "--delay", "0s", "--from", "Ops <ops@example.com>", s.srv.URL+incidentPath); err == nil {
		t.Errorf("scrape --from with a display name succeeded, want an error")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.seen) < 2 {
		t.Fatalf("the server saw %d requests (%q), want robots.txt and the page", len(s.seen), s.uris)
	}
	for i, h := range s.seen {
		if got := h.Get("From"); got != "ops@example.com" {
			t.Errorf("request %s: From = %q, want ops@example.com", s.uris[i], got)
		}
	}
}

// One-shot scrapes keep robots.txt verdicts in the archive: a site scraped
// again within a day is not asked for robots.txt again, and its rules
// still hold (a disallowed path is refused without asking). A robots.txt
// that could not be read (a 5xx, which disallows everything) is not kept:
// every scrape asks again.
func TestScrapeKeepsRobotsVerdict(t *testing.T) {
	fixture := fixtures.StatuspageSite(fixtures.StatuspageOptions{})
	var robots, failing atomic.Int64
	var unreachable atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			robots.Add(1)
			if unreachable.Load() {
				failing.Add(1)
				http.Error(w, "unavailable", http.StatusServiceUnavailable)
				return
			}
			_, _ = w.Write([]byte("User-agent: *\nDisallow: /private\n"))
			return
		}
		fixture.ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := newCLI(t)
	for run := 1; run <= 3; run++ {
		if _, err := c.scrape("acme", srv.URL); err != nil {
			t.Fatalf("run %d: %v", run, err)
		}
	}
	if n := robots.Load(); n != 1 {
		t.Errorf("three scrapes asked for robots.txt %d times, want once", n)
	}
	if _, err := c.scrape("private", srv.URL+"/private/status"); err == nil || !strings.Contains(err.Error(), scraper.ErrRobotsDisallowed.Error()) {
		t.Errorf("scrape of a disallowed path with the kept verdict: %v, want refused by robots.txt", err)
	}
	if n := robots.Load(); n != 1 {
		t.Errorf("robots.txt asked for %d times after the refused scrape, want still once", n)
	}

	other := newCLI(t)
	unreachable.Store(true)
	for range 2 {
		_, _ = other.scrape("acme", srv.URL)
	}
	if n := failing.Load(); n != 2 {
		t.Errorf("two scrapes of a site whose robots.txt fails asked for it %d times, want every time", n)
	}
}
