package main

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/statusarchive/statusarchive/fixtures/outagehistory"
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

// TestDemoNamesItsMarkups: --help lists every outage-history markup, and a
// markup the fixture has not is refused naming them, before any archive is
// written.
func TestDemoNamesItsMarkups(t *testing.T) {
	var help bytes.Buffer
	m := NewMain(io.Discard, &help)
	m.Getenv = func(string) string { return "" }
	if err := m.Run(context.Background(), []string{"demo", "--help"}); err != nil {
		t.Fatal(err)
	}
	for _, markup := range outagehistory.Markups() {
		if !strings.Contains(help.String(), markup) {
			t.Errorf("demo --help does not name markup %s:\n%s", markup, help.String())
		}
	}
	dir := t.TempDir()
	err := NewMain(io.Discard, io.Discard).Run(context.Background(), []string{"demo", "--dir", dir, "--markup", "frames"})
	if err == nil || !strings.Contains(err.Error(), "divsoup") {
		t.Errorf("demo --markup frames: %v, want a refusal naming the markups", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "archive.db")); err == nil {
		t.Error("demo --markup frames wrote an archive")
	}
}
