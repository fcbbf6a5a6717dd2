package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/rs/zerolog"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/notify"
	"github.com/statusarchive/statusarchive/parser"
	"github.com/statusarchive/statusarchive/scraper"
)

// TestScrapeRefusesCredentials: a URL with user:password is refused before
// any request; the password reaches neither the archive nor any output.
func TestScrapeRefusesCredentials(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		(&scripted{incidents: baseline()}).ServeHTTP(w, r)
	}))
	defer srv.Close()
	c := newCLI(t)
	url := strings.Replace(srv.URL, "http://", "http://alice:S3cretPW@", 1) + "/api/v2/incidents.json"
	out, errOut, err := c.run("scrape", "--delay", "0", "--json", url)
	var ue *usageError
	if !errors.As(err, &ue) {
		t.Fatalf("scrape with credentials: %v, want a usage error", err)
	}
	var printed bytes.Buffer
	printed.WriteString(out + errOut + err.Error())
	if strings.Contains(printed.String(), "S3cretPW") || strings.Contains(printed.String(), "alice") {
		t.Errorf("the credentials were printed: %s", printed.String())
	}
	if n := requests.Load(); n != 0 {
		t.Errorf("%d requests reached the server, want none", n)
	}
	if _, err := os.Stat(c.db); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the archive was created (%v), want nothing written", err)
	}
}

// TestScrapeClearErrors: a start the scraper cannot read says what it is.
func TestScrapeClearErrors(t *testing.T) {
	c := newCLI(t)
	dir := t.TempDir()
	for _, tc := range []struct {
		name, arg, want string
		usage           bool
	}{
		{"missing file", filepath.Join(dir, "history.atom"), "no such file", false},
		{"javascript URL", "javascript:alert(1)", "javascript: URL", true},
		{"data URL", "data:text/html,<h1>x</h1>", "data: URL", true},
		{"directory", dir, "is a directory", false},
		{"host and port", "localhost:8080/history", "give http://localhost:8080/history", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := c.run("scrape", "--delay", "0", tc.arg)
			if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), "404") {
				t.Errorf("scrape %s: %v, want it to say %q", tc.arg, err, tc.want)
			}
			var ue *usageError
			if got := errors.As(err, &ue); got != tc.usage {
				t.Errorf("scrape %s: usage error %v, want %v", tc.arg, got, tc.usage)
			}
		})
	}
}

// TestExportEscapesOnATerminal: scraped escape sequences reach a terminal
// escaped, and a file or pipe exactly; the final error line is escaped.
func TestExportEscapesOnATerminal(t *testing.T) {
	hostile := "Outage \x1b]0;pwned\x07 \x1b[2J\x1b]8;;http://evil.example\x1b\\link\x1b]8;;\x1b\\"
	site := &scripted{incidents: baseline()}
	site.incidents[0].Name = hostile
	srv := httptest.NewServer(site)
	defer srv.Close()
	c := newCLI(t)
	if _, err := c.scrape("acme", srv.URL+"/api/v2/incidents.json"); err != nil {
		t.Fatal(err)
	}
	for _, terminal := range []bool{true, false} {
		for _, format := range []string{"csv", "json", "ndjson"} {
			var stdout bytes.Buffer
			m := NewMain(&stdout, io.Discard)
			m.Getenv = func(string) string { return "" }
			m.LogFormat = "json"
			m.Terminal = func(io.Writer) bool { return terminal }
			if err := m.Run(t.Context(), []string{"export", "--db", c.db, "--format", format}); err != nil {
				t.Fatal(err)
			}
			raw := bytes.ContainsAny(stdout.Bytes(), "\x1b\x07")
			switch {
			case terminal && raw:
				t.Errorf("export --format %s to a terminal wrote raw control characters:\n%q", format, stdout.String())
			case terminal && format == "csv" && !strings.Contains(stdout.String(), `\x1b]0;pwned\x07`):
				t.Errorf("export --format %s to a terminal lacks the escaped title:\n%s", format, stdout.String())
			case !terminal && format == "csv" && !strings.Contains(stdout.String(), hostile):
				t.Errorf("export --format csv to a pipe changed the title, want the exact text:\n%q", stdout.String())
			}
		}
	}

	f, err := os.CreateTemp(t.TempDir(), "stderr")
	if err != nil {
		t.Fatal(err)
	}
	exitCode(errors.New("source \"e\x1b]0;T\x07\" not found"), f)
	f.Close()
	if b, _ := os.ReadFile(f.Name()); bytes.ContainsAny(b, "\x1b\x07") || !bytes.Contains(b, []byte(`e\x1b]0;T\x07`)) {
		t.Errorf("the error line is %q, want its control characters escaped", b)
	}
}

// TestYAMLErrorLine: a syntax error is reported at the line it is on, not
// where the enclosing block began.
func TestYAMLErrorLine(t *testing.T) {
	for _, tc := range []struct{ name, yaml string }{
		{"key indented short", "sources:\n  - url: https://a.example/\n    name: a\n   schedule: '@hourly'\n"},
		{"unclosed list", "# one\n# two\n# three\nsources: [a\n"},
		{"unclosed mapping", "sources:\n  - url: https://a.example/\n    name: a\n    limits: {max_pages: 1\n"},
	} {
		_, problems := ParseConfig([]byte(tc.yaml))
		if len(problems) != 1 || !strings.Contains(problems[0].Msg, "line 4:") {
			t.Errorf("%s: problems %v, want one on line 4", tc.name, problems)
		}
	}
}

// TestFailedCommitSummary: when the archive refuses the commit after pages
// were fetched, the run says how many were fetched and that it failed.
func TestFailedCommitSummary(t *testing.T) {
	srv := httptest.NewServer(&scripted{incidents: baseline()})
	defer srv.Close()
	m := NewMain(io.Discard, io.Discard)
	db, err := archive.Open(filepath.Join(t.TempDir(), "archive.db"), archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	calls := 0
	store := func(fn func(*archive.DB) error) error {
		if calls++; calls > 1 {
			return errors.New("disk full")
		}
		return fn(db)
	}
	d := scraper.DefaultOptions()
	fetch := &fetchOptions{maxPages: 10, timeout: d.RequestTimeout, maxBody: d.MaxBodyBytes, allowPrivate: true}
	run, err := m.runJob(t.Context(), store, zerolog.Nop(), job{source: "acme", url: srv.URL + "/api/v2/incidents.json", format: parser.FormatAuto, fetch: fetch.options(m)})
	if err == nil {
		t.Fatal("runJob with a failing commit succeeded")
	}
	if sum := newSummary(job{source: "acme"}, run, err); sum.Pages == 0 || sum.Outcome != "error" {
		t.Errorf("summary after a failed commit: %d pages, outcome %q; want the pages fetched and \"error\"", sum.Pages, sum.Outcome)
	}
}

// TestDaemonLogsNoRepeatedKeys: no JSON log line of a daemon that runs a
// source and delivers a notification repeats a key ("component" did).
func TestDaemonLogsNoRepeatedKeys(t *testing.T) {
	tr := noLeaks(t)
	site := &scripted{incidents: baseline()}
	srv := httptest.NewServer(site)
	defer srv.Close()
	hook := newWebhook(t)
	d, logs, client := notifyingDaemon(t, tr, testSource(t, "acme", srv.URL+"/api/v2/incidents.json", "@hourly"), notify.Webhook{URL: hook.srv.URL})
	defer client.CloseIdleConnections()
	d.runSource(t.Context(), "acme")
	site.edit(func(s *scripted) { s.find("aaaaaaaaaaaa").Name = "API errors in eu-west and us-east" })
	d.runSource(t.Context(), "acme")
	mustDeliver(t, d, client)
	if n := logs.count(t, "notification delivered", "acme"); n != 1 {
		t.Fatalf("%d notifications delivered, want 1", n)
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	components := map[string]bool{}
	for _, line := range bytes.Split(bytes.TrimSpace(logs.buf.Bytes()), []byte("\n")) {
		keys := map[string]int{}
		dec := json.NewDecoder(bytes.NewReader(line))
		if _, err := dec.Token(); err != nil {
			t.Fatal(err)
		}
		for dec.More() {
			k, err := dec.Token()
			if err != nil {
				t.Fatal(err)
			}
			keys[k.(string)]++
			var v any
			if err := dec.Decode(&v); err != nil {
				t.Fatal(err)
			}
			if k == "component" {
				components[v.(string)] = true
			}
		}
		for k, n := range keys {
			if n > 1 {
				t.Errorf("log line repeats %q %d times: %s", k, n, line)
			}
		}
	}
	if !components["notify"] || !components["daemon"] {
		t.Errorf("components logged %v, want daemon and notify among them", components)
	}
}

// TestLockedArchiveExitsTempFail: an archive another process holds makes
// the command exit 75 (EX_TEMPFAIL), so that a cron wrapper can retry.
func TestLockedArchiveExitsTempFail(t *testing.T) {
	path := filepath.Join(t.TempDir(), "archive.db")
	holder, err := archive.Open(path, archive.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	err = NewMain(io.Discard, io.Discard).Run(context.Background(), []string{"list", "--db", path})
	if !errors.Is(err, archive.ErrLocked) {
		t.Fatalf("list on a held archive: %v, want ErrLocked", err)
	}
	if code := exitCode(err, devNull(t)); code != 75 {
		t.Errorf("exit status %d, want 75", code)
	}
}
