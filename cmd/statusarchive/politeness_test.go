package main

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"

	"github.com/rs/zerolog"

	"github.com/statusarchive/statusarchive/fixtures"
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
	d.jobCtx, d.cancelJobs = context.WithCancel(t.Context())
	defer d.cancelJobs()
	d.runSource("a")

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
