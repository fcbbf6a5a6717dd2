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
	}{
		{"http://169.254.169.254/latest/meta-data/", true},
		{"http://10.0.0.1/", true},
		{"http://[::ffff:127.0.0.1]/", true},
		{"http://0x7f.1:22/", true},
		{"http://2130706433/", true},
		{"http://0177.0.0.1/", true},
		{"http://127.0.0.1:6379/", false},
		{"https://status.example.com/", false},
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
				wantRefused := tc.refused && !allow
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
