package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

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
