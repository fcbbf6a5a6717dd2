package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestDemo runs `statusarchive demo` offline into a directory and checks
// what it promises: both fixture sites archived, the page's claim beside
// the archive's figures, and an archive and a CSV export on disk.
func TestDemo(t *testing.T) {
	dir := t.TempDir()
	var stdout, stderr bytes.Buffer
	m := NewMain(&stdout, &stderr)
	m.Getenv = func(string) string { return "" }
	m.LogFormat = "json"
	if err := m.Run(context.Background(), []string{"demo", "--dir", dir}); err != nil {
		t.Fatalf("demo: %v\n%s", err, stderr.String())
	}
	out := stdout.String()
	for _, want := range []string{"workos —", "28 records", "acme —", "12 records", "what the page claims", "page:    WorkOS had 44 outages", "archive: WorkOS had"} {
		if !strings.Contains(out, want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	for _, name := range []string{"archive.db", "incidents.csv"} {
		if fi, err := os.Stat(filepath.Join(dir, name)); err != nil || fi.Size() == 0 {
			t.Errorf("%s: %v", name, err)
		}
	}
}
