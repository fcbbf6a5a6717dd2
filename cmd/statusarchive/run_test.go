package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/fixtures"
)

// incidentPath is where a test site serves its status page.
const incidentPath = "/api/v2/incidents/113cggyjrxpr.json"

// site is a loopback status page that counts its hits and how many were
// in flight at once.
type site struct {
	t        *testing.T
	srv      *httptest.Server
	page     []byte
	delay    time.Duration
	failing  atomic.Bool // answer 404 to the page
	hits     atomic.Int64
	inflight atomic.Int64
	maxIn    atomic.Int64
}

func newSite(t *testing.T, delay time.Duration) *site {
	t.Helper()
	page, err := fixtures.ReadFile("realworld/statuspage/githubstatus-incident-113cggyjrxpr.json")
	if err != nil {
		t.Fatal(err)
	}
	s := &site{t: t, page: page, delay: delay}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.srv.Close)
	return s
}

func (s *site) url() string { return s.srv.URL + incidentPath }

func (s *site) serve(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != incidentPath {
		http.NotFound(w, r)
		return
	}
	s.hits.Add(1)
	n := s.inflight.Add(1)
	defer s.inflight.Add(-1)
	for {
		m := s.maxIn.Load()
		if n <= m || s.maxIn.CompareAndSwap(m, n) {
			break
		}
	}
	if s.delay > 0 {
		select {
		case <-time.After(s.delay):
		case <-r.Context().Done():
			return
		}
	}
	if s.failing.Load() {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Write(s.page)
}

// loopbackTransport dials loopback addresses only: a test that reaches for
// the internet fails instead.
func loopbackTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.Proxy = nil
	dialer := &net.Dialer{Timeout: 5 * time.Second}
	tr.DialContext = func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
			return nil, fmt.Errorf("test transport: %s is not a loopback address", addr)
		}
		return dialer.DialContext(ctx, network, addr)
	}
	return tr
}

// noLeaks returns a loopback transport and makes the test fail if, once
// it and every server it started are closed, a goroutine it started is
// still running. Call it first: cleanups run last-registered first.
func noLeaks(t *testing.T) *http.Transport {
	before := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, before) })
	tr := loopbackTransport()
	t.Cleanup(tr.CloseIdleConnections)
	return tr
}

// syncBuffer is a log sink that several goroutines write to.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// lines returns the JSON log lines written so far.
func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.buf.Bytes()))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("log line %q is not JSON: %v", sc.Text(), err)
		}
		out = append(out, m)
	}
	return out
}

// count returns how many log lines have msg, for source when it is not "".
func (b *syncBuffer) count(t *testing.T, msg, source string) int {
	n := 0
	for _, l := range b.lines(t) {
		if l["message"] == msg && (source == "" || l["source"] == source) {
			n++
		}
	}
	return n
}

func testMain(tr http.RoundTripper) *Main {
	m := NewMain(io.Discard, io.Discard)
	m.Transport = tr
	return m
}

func testSource(t *testing.T, name, url, spec string) Source {
	t.Helper()
	sched, err := parseSchedule(spec)
	if err != nil {
		t.Fatal(err)
	}
	return Source{Name: name, URL: url, Format: "auto", Spec: spec, Schedule: sched,
		Limits: Limits{HasDelay: true, MaxPages: 5, Timeout: 10 * time.Second}}
}

// TestDaemon is the daemon's acceptance test: 20 loopback sources on
// "@every 1s" for about four seconds. Every source runs; the slow one never
// overlaps itself; the one whose runs panic keeps being scheduled and
// does not stop the others; shutdown waits for the slow run inside the
// grace period and leaves no goroutine behind.
func TestDaemon(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 7 seconds")
	}
	tr := noLeaks(t)

	const n, slow, panicky = 20, "s00", "s07"
	const slowDelay = 2500 * time.Millisecond
	sites := map[string]*site{}
	cfg := &Config{StaleAfter: 3, Concurrency: n}
	for i := range n {
		name := fmt.Sprintf("s%02d", i)
		var delay time.Duration
		if name == slow {
			delay = slowDelay
		}
		sites[name] = newSite(t, delay)
		cfg.Sources = append(cfg.Sources, testSource(t, name, sites[name].url(), "@every 1s"))
	}
	logs := &syncBuffer{}
	path := filepath.Join(t.TempDir(), "archive.db")
	d := newDaemon(testMain(tr), zerolog.New(logs), path, "", cfg)
	d.grace = 5 * time.Second
	d.beforeRun = func(source string) {
		if source == panicky {
			panic("injected by the test")
		}
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- d.serve(ctx, ln) }()

	time.Sleep(4 * time.Second)
	metricsText := get(t, tr, "http://"+ln.Addr().String()+"/metrics", http.StatusOK)
	get(t, tr, "http://"+ln.Addr().String()+"/healthz", http.StatusOK)
	// Signal while the slow source is mid-run, so that shutdown has a run
	// to wait for.
	waitFor(t, "a run of the slow source", func() bool { return sites[slow].inflight.Load() == 1 })
	cancel()
	stopAt := time.Now()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("serve = %v, want nil after a clean stop", err)
		}
	case <-time.After(d.grace + 2*time.Second):
		t.Fatalf("serve still running %v after the signal (grace %v)", d.grace+2*time.Second, d.grace)
	}
	took := time.Since(stopAt)
	t.Logf("shutdown took %v, waiting for the slow run", took)
	if took > d.grace {
		t.Errorf("shutdown took %v, want within the grace period %v", took, d.grace)
	}

	for name, s := range sites {
		hits := s.hits.Load()
		switch name {
		case panicky:
			if hits != 0 {
				t.Errorf("%s: %d hits, want 0: its runs panic before fetching", name, hits)
			}
		case slow:
			// Runs at 0 s and about 3 s, each 2.5 s long: never two at once.
			if got := s.maxIn.Load(); got != 1 {
				t.Errorf("%s: %d requests in flight at once, want 1", name, got)
			}
			if hits < 1 || hits > 2 {
				t.Errorf("%s: %d hits in 4 s of 2.5 s runs, want 1 or 2", name, hits)
			}
		default:
			if hits < 2 {
				t.Errorf("%s: %d hits in 4 s on @every 1s, want at least 2", name, hits)
			}
		}
	}
	if got := logs.count(t, "cron: panic", panicky); got < 2 {
		t.Errorf("%s: %d panics logged, want at least 2: a panic must not unschedule the source", panicky, got)
	}
	if got := logs.count(t, "skipped: the previous run is still going", slow); got < 1 {
		t.Errorf("%s: %d skipped ticks logged, want at least 1", slow, got)
	}
	if got := logs.count(t, "run", ""); got == 0 {
		t.Errorf("no run lines logged")
	}
	for _, l := range logs.lines(t) {
		if l["message"] != "run" {
			continue
		}
		for _, k := range []string{"source", "pages", "incidents", "new", "changed", "duration", "outcome"} {
			if _, ok := l[k]; !ok {
				t.Errorf("run line %v has no %q", l, k)
			}
		}
	}

	// The archive holds one run per page served (an unchanged run folded
	// into the entry before it counts there), every one ok, the slow
	// source's last run included: shutdown let it commit.
	db, err := archive.Open(path, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	for name, s := range sites {
		runs, err := db.Runs(t.Context(), name, 0)
		if err != nil {
			t.Fatal(err)
		}
		count := 0
		for _, r := range runs {
			count += r.Count()
		}
		if int64(count) != s.hits.Load() {
			t.Errorf("%s: %d runs in the log (%d entries), %d hits at the server", name, count, len(runs), s.hits.Load())
		}
		for _, r := range runs {
			if r.Outcome != archive.OutcomeOK {
				t.Errorf("%s: run %d outcome %q (%s), want ok", name, r.ID, r.Outcome, r.Error)
			}
		}
	}

	// The metrics scraped before the signal are well formed and count what
	// the servers saw by then.
	checkExposition(t, metricsText)
	for _, want := range []string{
		`statusarchive_runs_total{outcome="ok",source="s01"} `,
		`statusarchive_runs_total{outcome="panic",source="s07"} `,
		`statusarchive_runs_skipped_total{source="s00"} `,
		`statusarchive_last_success_timestamp_seconds{source="s01"} `,
		`statusarchive_run_duration_seconds_bucket{source="s01",le="+Inf"} `,
		`statusarchive_source_stale{source="s07"} 1`,
		`statusarchive_archive_size_bytes `,
	} {
		if !strings.Contains(metricsText, want) {
			t.Errorf("/metrics has no line starting %q; got:\n%s", want, metricsText)
		}
	}
	if strings.Contains(metricsText, `statusarchive_runs_skipped_total{source="s00"} 0`) {
		t.Errorf("/metrics counts no skip for the slow source")
	}
}

// get fetches url and checks its status; it returns the body.
func get(t *testing.T, tr http.RoundTripper, url string, status int) string {
	t.Helper()
	c := &http.Client{Transport: tr, Timeout: 5 * time.Second}
	resp, err := c.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != status {
		t.Errorf("GET %s = %d %q, want %d", url, resp.StatusCode, b, status)
	}
	return string(b)
}

var (
	metricLine = regexp.MustCompile(`^[a-z_]+(\{[a-z_]+="(?:[^"\\]|\\.)*"(?:,[a-z_]+="(?:[^"\\]|\\.)*")*\})? (?:[+-]?Inf|NaN|-?[0-9.]+(?:e[+-]?[0-9]+)?)$`)
	helpLine   = regexp.MustCompile(`^# (HELP [a-z_]+ .+|TYPE [a-z_]+ (counter|gauge|histogram))$`)
)

// checkExposition checks every line against the text format's grammar
// (the subset this daemon writes).
func checkExposition(t *testing.T, text string) {
	t.Helper()
	if !strings.HasSuffix(text, "\n") {
		t.Errorf("exposition does not end with a newline")
	}
	for _, l := range strings.Split(strings.TrimSuffix(text, "\n"), "\n") {
		if !metricLine.MatchString(l) && !helpLine.MatchString(l) {
			t.Errorf("exposition line %q is not in the text format", l)
		}
	}
}

// TestHelperProcess is not a test: other tests run the test binary with
// STATUSARCHIVE_HELPER=1 to get statusarchive in a second process.
func TestHelperProcess(t *testing.T) {
	if os.Getenv("STATUSARCHIVE_HELPER") != "1" {
		t.Skip("runs statusarchive for other tests")
	}
	var args []string
	if err := json.Unmarshal([]byte(os.Getenv("STATUSARCHIVE_ARGS")), &args); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	os.Exit(exitCode(NewMain(os.Stdout, os.Stderr).Run(ctx, args), os.Stderr))
}

// statusarchive runs the command in a second process.
func statusarchive(ctx context.Context, args ...string) *exec.Cmd {
	a, _ := json.Marshal(args)
	cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHelperProcess$")
	cmd.Env = append(os.Environ(), "STATUSARCHIVE_HELPER=1", "STATUSARCHIVE_ARGS="+string(a))
	return cmd
}

// TestExportWhileRunning starts `run` and, while it scrapes every second,
// exports from a second process until it has made six more runs: every
// export must succeed, because the daemon lets go of the archive between
// writes and at least every archive.DefaultMaxHold while busy.
func TestExportWhileRunning(t *testing.T) {
	if testing.Short() {
		t.Skip("runs for about 5 seconds")
	}
	tr := loopbackTransport()
	defer tr.CloseIdleConnections()
	dir := t.TempDir()
	var cfg strings.Builder
	cfg.WriteString("sources:\n")
	for i := range 3 {
		s := newSite(t, 0)
		fmt.Fprintf(&cfg, "  - name: s%d\n    url: %s\n    schedule: '@every 1s'\n    limits: {delay: 0s}\n", i, s.url())
	}
	cfgPath, db := filepath.Join(dir, "sources.yaml"), filepath.Join(dir, "archive.db")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	m := NewMain(io.Discard, logs)
	m.Transport = tr
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	ran := make(chan error, 1)
	go func() {
		ran <- m.Run(ctx, []string{"run", "--config", cfgPath, "--db", db, "--log-format", "json", "--grace", "5s"})
	}()
	deadline := time.Now().Add(10 * time.Second)
	for logs.count(t, "run", "") == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no run in 10 s; logs:\n%s", logs.buf.String())
		}
		time.Sleep(50 * time.Millisecond)
	}

	// Export again and again until the daemon has made six more runs (two
	// ticks of three sources), so that exports and writes interleave
	// however fast each is.
	exports, rows := 0, 0
	runsBefore := logs.count(t, "run", "")
	for exports < 4 || logs.count(t, "run", "") < runsBefore+6 {
		if time.Now().After(deadline.Add(20 * time.Second)) {
			t.Fatalf("the daemon made %d runs in 20 s of exports", logs.count(t, "run", "")-runsBefore)
		}
		var stdout, stderr bytes.Buffer
		cmd := statusarchive(t.Context(), "export", "--db", db, "--format", "ndjson", "--kind", "all")
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		start := time.Now()
		if err := cmd.Run(); err != nil {
			t.Fatalf("export in a second process after %d good ones: %v (took %v)\nstderr: %s", exports, err, time.Since(start), stderr.String())
		}
		exports++
		rows = strings.Count(stdout.String(), "\n")
	}
	cancel()
	if err := <-ran; err != nil {
		t.Errorf("run = %v, want nil after a clean stop", err)
	}
	t.Logf("%d exports from a second process while the daemon made %d runs; %d rows in the last",
		exports, logs.count(t, "run", "")-runsBefore, rows)
	if rows == 0 {
		t.Errorf("the last export had no rows, want the archived incident")
	}
}

// TestRunSignal runs the daemon as its own process and stops it with
// SIGTERM: it must exit 0 within the grace period.
func TestRunSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	s := newSite(t, 0)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "sources.yaml")
	cfg := fmt.Sprintf("sources:\n  - name: one\n    url: %s\n    schedule: '@hourly'\n    limits: {delay: 0s}\n", s.url())
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := statusarchive(t.Context(), "run", "--config", cfgPath, "--db", filepath.Join(dir, "archive.db"), "--log-format", "json", "--grace", "3s")
	var stderr syncBuffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for s.hits.Load() == 0 || stderr.count(t, "run", "one") == 0 {
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			t.Fatalf("no run in 10 s; stderr:\n%s", stderr.buf.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	err := cmd.Wait()
	if err != nil {
		t.Errorf("run after SIGTERM = %v, want exit 0; stderr:\n%s", err, stderr.buf.String())
	}
	if took := time.Since(start); took > 3*time.Second {
		t.Errorf("run took %v to stop, want under the 3 s grace", took)
	}
}

// TestStaleLoggedOnce makes a source fail five runs in a row, then recover:
// one warning when it turns stale, one line when it recovers, nothing in
// between, and its records untouched by the failures.
func TestStaleLoggedOnce(t *testing.T) {
	tr := loopbackTransport()
	defer tr.CloseIdleConnections()
	s := newSite(t, 0)
	cfg := &Config{StaleAfter: 3, Concurrency: 1, Sources: []Source{testSource(t, "flaky", s.url(), "@hourly")}}
	logs := &syncBuffer{}
	path := filepath.Join(t.TempDir(), "archive.db")
	d := newDaemon(testMain(tr), zerolog.New(logs), path, "", cfg)

	d.runSource(t.Context(), "flaky") // one good run, so that there are records to keep
	s.failing.Store(true)
	for range 5 {
		d.runSource(t.Context(), "flaky")
	}
	if got := logs.count(t, "source is stale: its last runs all failed; its records stay as they were", "flaky"); got != 1 {
		t.Errorf("stale warnings after 5 failures = %d, want 1", got)
	}
	if got := d.staleSources(); len(got) != 1 {
		t.Errorf("staleSources = %q, want [flaky]", got)
	}
	s.failing.Store(false)
	d.runSource(t.Context(), "flaky")
	d.runSource(t.Context(), "flaky")
	if got := logs.count(t, "source recovered: a run archived its records again", "flaky"); got != 1 {
		t.Errorf("recoveries logged = %d, want 1", got)
	}
	for _, l := range logs.lines(t) {
		if l["level"] == "warn" && l["message"] != "source is stale: its last runs all failed; its records stay as they were" {
			t.Errorf("unexpected warning: %v", l)
		}
	}
	db, err := archive.Open(path, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.Runs(t.Context(), "flaky", 0)
	if err != nil {
		t.Fatal(err)
	}
	var outcomes []string
	for _, r := range runs {
		for range r.Count() { // an entry with unchanged runs folded into it
			outcomes = append(outcomes, r.Outcome)
		}
	}
	if got, want := strings.Join(outcomes, " "), "ok ok failed failed failed failed failed ok"; got != want {
		t.Errorf("run log (newest first) = %s, want %s", got, want)
	}
	if runs[0].New != 0 || runs[0].Changed != 0 || runs[0].Deleted != 0 {
		t.Errorf("run after recovery: %d new, %d changed, %d deleted, want all 0: failures must not touch records", runs[0].New, runs[0].Changed, runs[0].Deleted)
	}
}

// TestSeed checks what the daemon reads from the run log at start: a
// source is overdue when a scheduled time passed since its last good run,
// and a source whose last runs failed starts stale, warned about once.
func TestSeed(t *testing.T) {
	tr := loopbackTransport()
	defer tr.CloseIdleConnections()
	good, bad := newSite(t, 0), newSite(t, 0)
	bad.failing.Store(true)
	path := filepath.Join(t.TempDir(), "archive.db")
	cfg := &Config{StaleAfter: 2, Concurrency: 1, Sources: []Source{
		testSource(t, "good", good.url(), "@every 1h"),
		testSource(t, "bad", bad.url(), "@every 1h"),
		testSource(t, "new", good.url(), "@every 1h"),
	}}
	first := newDaemon(testMain(tr), zerolog.Nop(), path, "", cfg)
	first.runSource(t.Context(), "good")
	first.runSource(t.Context(), "bad")
	first.runSource(t.Context(), "bad")
	ranAt := time.Now()

	for _, tc := range []struct {
		name    string
		now     time.Time
		overdue []string
	}{
		{"just after", ranAt.Add(time.Minute), []string{"bad", "new"}},
		{"two hours later", ranAt.Add(2 * time.Hour), []string{"good", "bad", "new"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := testMain(tr)
			m.Now = func() time.Time { return tc.now }
			logs := &syncBuffer{}
			d := newDaemon(m, zerolog.New(logs), path, "", cfg)
			overdue, err := d.seed(t.Context(), cfg, []string{"good", "bad", "new"})
			if err != nil {
				t.Fatal(err)
			}
			if got, want := strings.Join(overdue, " "), strings.Join(tc.overdue, " "); got != want {
				t.Errorf("overdue = %q, want %q", got, want)
			}
			if got := d.staleSources(); strings.Join(got, " ") != "bad" {
				t.Errorf("stale at start = %q, want [bad]", got)
			}
			if got := logs.count(t, "source is stale: its recent runs all failed", ""); got != 1 {
				t.Errorf("stale warnings at start = %d, want 1", got)
			}
		})
	}
}

// TestReload sends the daemon a SIGHUP (through its channel) after adding a
// source to its file, then after breaking the file: the new source runs,
// the broken file is refused and the running sources keep going.
func TestReload(t *testing.T) {
	tr := noLeaks(t)
	a, b := newSite(t, 0), newSite(t, 0)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "sources.yaml")
	write := func(body string) {
		if err := os.WriteFile(cfgPath, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	one := fmt.Sprintf("sources:\n  - name: a\n    url: %s\n    schedule: '@hourly'\n    limits: {delay: 0s}\n", a.url())
	write(one)
	cfg, err := LoadConfig(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	d := newDaemon(testMain(tr), zerolog.New(logs), filepath.Join(dir, "archive.db"), cfgPath, cfg)
	hup := make(chan os.Signal)
	d.hup = hup
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- d.serve(ctx, nil) }()
	waitFor(t, "the first run of a", func() bool { return logs.count(t, "run", "a") == 1 })

	write(one + fmt.Sprintf("  - name: b\n    url: %s\n    schedule: '@hourly'\n    limits: {delay: 0s}\n", b.url()))
	hup <- syscall.SIGHUP
	waitFor(t, "the first run of b, added by a reload", func() bool { return logs.count(t, "run", "b") == 1 })

	write(one + "  - name: c\n    url: ftp://nowhere.example/\n")
	hup <- syscall.SIGHUP
	waitFor(t, "the refusal of a broken file", func() bool { return logs.count(t, "reload refused: keeping the running sources", "") == 1 })
	if got := d.sourceNames(); strings.Join(got, " ") != "a b" {
		t.Errorf("sources after a refused reload = %q, want [a b]", got)
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("serve = %v", err)
	}
	if a.hits.Load() != 1 || b.hits.Load() != 1 {
		t.Errorf("hits a, b = %d, %d, want 1, 1: a reload must not rerun a source that is not overdue", a.hits.Load(), b.hits.Load())
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited 10 s for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// TestChainOrder pins the cron v3.0.1 behaviour the daemon's chain order
// rests on: with SkipIfStillRunning outside Recover a job that panicked
// runs again; the other way round it never does.
func TestChainOrder(t *testing.T) {
	for _, tc := range []struct {
		name  string
		chain func(cron.Logger) cron.Chain
		want  int
	}{
		{"skip then recover", func(l cron.Logger) cron.Chain { return cron.NewChain(cron.SkipIfStillRunning(l), cron.Recover(l)) }, 3},
		{"recover then skip", func(l cron.Logger) cron.Chain { return cron.NewChain(cron.Recover(l), cron.SkipIfStillRunning(l)) }, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			job := tc.chain(cronLogger{lg: zerolog.Nop()}).Then(cron.FuncJob(func() {
				calls++
				panic("boom")
			}))
			for range 3 {
				job.Run()
			}
			if calls != tc.want {
				t.Errorf("job ran %d times in 3 ticks, want %d", calls, tc.want)
			}
		})
	}
}

func TestRunUsage(t *testing.T) {
	cfgPath := filepath.Join("testdata", "config", "good.yaml")
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no config", []string{"run"}},
		{"argument", []string{"run", "--config", cfgPath, "extra"}},
		{"public listen", []string{"run", "--config", cfgPath, "--listen", "0.0.0.0:9090"}},
		{"listen without port", []string{"run", "--config", cfgPath, "--listen", "127.0.0.1"}},
		{"negative grace", []string{"run", "--config", cfgPath, "--grace", "-1s"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := NewMain(io.Discard, io.Discard).Run(t.Context(), tc.args)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("Run(%q) = %v, want a usage error", tc.args, err)
			}
		})
	}
	err := NewMain(io.Discard, io.Discard).Run(t.Context(), []string{"run", "--config", filepath.Join("testdata", "config", "bad.yaml"), "--db", filepath.Join(t.TempDir(), "a.db")})
	if !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("run with an invalid file = %v, want ErrInvalidConfig", err)
	}
}

func TestCheckLoopback(t *testing.T) {
	for _, tc := range []struct {
		addr string
		ok   bool
	}{
		{"127.0.0.1:9090", true}, {"[::1]:9090", true}, {"localhost:9090", true}, {"127.0.0.2:0", true},
		{"0.0.0.0:9090", false}, {":9090", false}, {"192.168.1.2:9090", false}, {"example.com:9090", false}, {"127.0.0.1", false},
	} {
		if err := checkLoopback(tc.addr); (err == nil) != tc.ok {
			t.Errorf("checkLoopback(%q) = %v, want ok %v", tc.addr, err, tc.ok)
		}
	}
}

// TestFollowedComponents runs two sources over the same page, one following
// a component its incident names (in other letter case), one following a
// component it does not: only the first logs the incident, and only when
// it is new.
func TestFollowedComponents(t *testing.T) {
	tr := loopbackTransport()
	defer tr.CloseIdleConnections()
	s := newSite(t, 0)
	actions, pages := testSource(t, "actions", s.url(), "@hourly"), testSource(t, "pages", s.url(), "@hourly")
	actions.Components, pages.Components = []string{"Codespaces", "actions"}, []string{"Pages"}
	cfg := &Config{StaleAfter: 3, Concurrency: 1, Sources: []Source{actions, pages}}
	logs := &syncBuffer{}
	d := newDaemon(testMain(tr), zerolog.New(logs), filepath.Join(t.TempDir(), "archive.db"), "", cfg)
	d.runSource(t.Context(), "actions")
	d.runSource(t.Context(), "pages")
	d.runSource(t.Context(), "actions")
	var got []string
	for _, l := range logs.lines(t) {
		if l["message"] == "followed component" {
			got = append(got, fmt.Sprint(l["source"], " ", l["change"], " ", l["components"], " ", l["title"]))
		}
	}
	if want := "actions new [actions] Incident with Actions"; len(got) != 1 || got[0] != want {
		t.Errorf("followed lines = %q, want [%q]", got, want)
	}
}

// BenchmarkWithDB measures what the daemon pays to lend the archive to one
// use, uses back to back, on an archive that already holds a source's
// runs: mostly a held handle's checks, and an open and close each
// archive.DefaultMaxHold.
func BenchmarkWithDB(b *testing.B) {
	tr := loopbackTransport()
	defer tr.CloseIdleConnections()
	page, err := fixtures.ReadFile("realworld/statuspage/githubstatus-incident-f0mhbz9xn497.json")
	if err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Write(page)
	}))
	defer srv.Close()
	sched, _ := parseSchedule("@hourly")
	cfg := &Config{StaleAfter: 3, Concurrency: 1, Sources: []Source{{Name: "gh", URL: srv.URL + "/api/v2/incidents/f0mhbz9xn497.json",
		Format: "auto", Spec: "@hourly", Schedule: sched, Limits: Limits{HasDelay: true, MaxPages: 5}}}}
	d := newDaemon(testMain(tr), zerolog.Nop(), filepath.Join(b.TempDir(), "archive.db"), "", cfg)
	for range 20 {
		d.runSource(b.Context(), "gh")
	}
	b.ResetTimer()
	for b.Loop() {
		if err := d.withDB(func(*archive.DB) error { return nil }); err != nil {
			b.Fatal(err)
		}
	}
}

// TestShutdownAfterGrace stops the daemon while a run waits on a server
// that answers after 30 s: after the grace period the run is cancelled,
// serve returns nil soon after, and nothing is left running.
func TestShutdownAfterGrace(t *testing.T) {
	tr := noLeaks(t)
	s := newSite(t, 30*time.Second)
	cfg := &Config{StaleAfter: 3, Concurrency: 1, Sources: []Source{testSource(t, "stuck", s.url(), "@hourly")}}
	logs := &syncBuffer{}
	d := newDaemon(testMain(tr), zerolog.New(logs), filepath.Join(t.TempDir(), "archive.db"), "", cfg)
	d.grace = 300 * time.Millisecond
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- d.serve(ctx, nil) }()
	waitFor(t, "the request to the stuck server", func() bool { return s.inflight.Load() == 1 })
	cancel()
	start := time.Now()
	if err := <-served; err != nil {
		t.Errorf("serve = %v, want nil", err)
	}
	took := time.Since(start)
	if took < d.grace || took > d.grace+2*time.Second {
		t.Errorf("serve returned %v after the signal, want just over the %v grace", took, d.grace)
	}
	if got := logs.count(t, "grace period over: cancelling running scrapes", ""); got != 1 {
		t.Errorf("grace-over warnings = %d, want 1", got)
	}
	if got := logs.count(t, "run", "stuck"); got != 1 {
		t.Errorf("run lines for the cancelled run = %d, want 1", got)
	}
	for _, l := range logs.lines(t) {
		if l["message"] == "run" && (l["outcome"] != "cancelled" || l["level"] != "warn") {
			t.Errorf("the cancelled run's line = %v, want outcome cancelled at warn", l)
		}
	}
}
