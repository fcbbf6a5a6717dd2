package main

// Tests of what issue 11 found wasted: a 304 a plain path never got, and
// notifications queued with nobody to notify.

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/notify"
	"github.com/statusarchive/statusarchive/fixtures"
)

// Scraping a plain file path twice makes the second run's request
// conditional, and the unchanged file answers 304 (issue 11: it never did,
// the validators being kept under the file:// URL and looked up under the
// path).
func TestScrapePlainPathGets304(t *testing.T) {
	body, err := fixtures.ReadFile("realworld/statuspage/govuknotify-history.html")
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "history.html")
	if err := os.WriteFile(name, body, 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(name, old, old); err != nil {
		t.Fatal(err)
	}
	c := newCLI(t)
	var statuses []float64
	for range 2 {
		_, stderr, err := c.run("scrape", "--delay", "0", "--source", "notify", "--log-level", "debug", name)
		if err != nil {
			t.Fatalf("scrape %s: %v\nstderr:\n%s", name, err, stderr)
		}
		for _, line := range strings.Split(stderr, "\n") {
			var l map[string]any
			if json.Unmarshal([]byte(line), &l) == nil && l["message"] == "request" && strings.HasPrefix(l["url"].(string), "file://") {
				statuses = append(statuses, l["status"].(float64))
			}
		}
	}
	if len(statuses) != 2 || statuses[0] != 200 || statuses[1] != 304 {
		t.Errorf("statuses of the file's requests over two runs = %v, want [200 304]", statuses)
	}
}

// A one-shot scrape has nobody to notify: it queues no notification, even
// for an incident that changed (issue 11: the outbox filled regardless).
func TestScrapeQueuesNoNotifications(t *testing.T) {
	body, err := fixtures.ReadFile("realworld/statuspage/githubstatus-incident-113cggyjrxpr.json")
	if err != nil {
		t.Fatal(err)
	}
	name := filepath.Join(t.TempDir(), "incident.json")
	c := newCLI(t)
	for i, b := range [][]byte{body, bytes.Replace(body, []byte("Incident with"), []byte("Outage of"), 1)} {
		if bytes.Equal(b, body) && i > 0 {
			t.Fatal("the edit changed nothing")
		}
		if err := os.WriteFile(name, b, 0o600); err != nil {
			t.Fatal(err)
		}
		// A new modification time each write: Last-Modified has whole
		// seconds.
		mtime := time.Now().Add(time.Duration(i-2) * time.Hour)
		if err := os.Chtimes(name, mtime, mtime); err != nil {
			t.Fatal(err)
		}
		if _, stderr, err := c.run("scrape", "--delay", "0", "--source", "gh", name); err != nil {
			t.Fatalf("scrape %d: %v\nstderr:\n%s", i, err, stderr)
		}
	}
	db, err := archive.Open(c.db, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.Runs(t.Context(), "gh", 0)
	if err != nil || len(runs) != 2 || runs[0].Changed+runs[1].Changed != 1 {
		t.Fatalf("runs = %+v, %v; want two, one with a changed incident", runs, err)
	}
	queued, err := db.Outbox(t.Context(), time.Now().Add(24*time.Hour), 100)
	if err != nil || len(queued) != 0 {
		t.Errorf("outbox after a changed incident = %d notifications, %v; want none", len(queued), err)
	}
}

// The daemon queues notifications only when it has a webhook to send them
// to: the same changed incident queues one with a webhook, none without.
func TestDaemonQueuesOnlyWithWebhooks(t *testing.T) {
	for _, tc := range []struct {
		name  string
		hooks []notify.Webhook
		want  int
	}{
		{"no webhooks", nil, 0},
		{"a webhook", []notify.Webhook{{URL: "http://127.0.0.1:9/hook"}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tr := loopbackTransport()
			defer tr.CloseIdleConnections()
			s := newSite(t, 0)
			d, _, _ := notifyingDaemon(t, tr, testSource(t, "gh", s.url(), "@hourly"), tc.hooks...)
			d.runSource(t.Context(), "gh")
			s.page = bytes.Replace(s.page, []byte("Incident with"), []byte("Outage of"), 1)
			d.runSource(t.Context(), "gh")
			if got := pending(t, d.path); len(got) != tc.want {
				t.Errorf("queued after a changed incident: %d notifications, want %d", len(got), tc.want)
			}
		})
	}
}
