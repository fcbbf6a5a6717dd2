package main

import (
	"bytes"
	"errors"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/statusarchive/statusarchive/archive"
)

// TestWritersRefuseToOverwriteArchives points every command that writes a
// file at the archive, its sidecar and another archive: each refuses, exits
// 1, and leaves the file as it was.
func TestWritersRefuseToOverwriteArchives(t *testing.T) {
	srv := httptest.NewServer(&scripted{incidents: baseline()})
	defer srv.Close()
	c := newCLI(t)
	if _, err := c.scrape("acme", srv.URL+"/api/v2/incidents.json"); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(t.TempDir(), "other.db")
	if _, _, err := (&cli{t: t, db: other, now: c.now}).run("scrape", "--delay", "0", "--source", "acme", srv.URL+"/api/v2/incidents.json"); err != nil {
		t.Fatal(err)
	}
	for _, target := range []struct{ name, path string }{
		{"the archive", c.db},
		{"its high-water sidecar", c.db + ".txid"},
		{"another archive", other},
	} {
		before, err := os.ReadFile(target.path)
		if err != nil {
			t.Fatal(err)
		}
		for _, args := range [][]string{
			{"export", "--format", "csv", "-o", target.path},
			{"export", "--table", "monthly", "--format", "json", "-o", target.path},
			{"report", "--html", target.path},
			{"backup", target.path},
		} {
			_, _, err := c.run(args...)
			if !errors.Is(err, archive.ErrOverwrite) {
				t.Errorf("%s onto %s: error %v, want ErrOverwrite", strings.Join(args, " "), target.name, err)
			}
			if code := exitCode(err, devNull(t)); code != 1 {
				t.Errorf("%s onto %s: exit status %d, want 1", strings.Join(args, " "), target.name, code)
			}
			if after, _ := os.ReadFile(target.path); !bytes.Equal(after, before) {
				t.Fatalf("%s changed %s", strings.Join(args, " "), target.name)
			}
		}
	}
	// --force lets backup replace an earlier backup, never the archive or
	// its sidecar.
	if _, _, err := c.run("backup", "--force", other); err != nil {
		t.Errorf("backup --force over an earlier backup: %v", err)
	}
	for _, p := range []string{c.db, c.db + ".txid"} {
		if _, _, err := c.run("backup", "--force", p); !errors.Is(err, archive.ErrOverwrite) {
			t.Errorf("backup --force onto %s: %v, want ErrOverwrite", p, err)
		}
	}
	c.must("check", "--in-process")
}

// TestBackupAsksBeforeReplacingAFile: backup onto an existing unrelated
// file refuses without --force and replaces it with --force.
func TestBackupAsksBeforeReplacingAFile(t *testing.T) {
	srv := httptest.NewServer(&scripted{incidents: baseline()})
	defer srv.Close()
	c := newCLI(t)
	if _, err := c.scrape("acme", srv.URL+"/api/v2/incidents.json"); err != nil {
		t.Fatal(err)
	}
	important := filepath.Join(t.TempDir(), "important.txt")
	writeTestFile(t, important, "do not lose me\n")
	_, _, err := c.run("backup", important)
	if !errors.Is(err, archive.ErrOverwrite) || !strings.Contains(err.Error(), "--force") {
		t.Errorf("backup onto an existing file: %v, want ErrOverwrite naming --force", err)
	}
	if b, _ := os.ReadFile(important); string(b) != "do not lose me\n" {
		t.Fatalf("backup replaced the file without --force: %q", b)
	}
	c.must("backup", "--force", important)
	if ok, err := archive.IsBoltFile(important); err != nil || !ok {
		t.Errorf("after backup --force the file is an archive: %v, %v; want true", ok, err)
	}
	fresh := filepath.Join(t.TempDir(), "fresh.db")
	c.must("backup", fresh)
}

// TestRollbackRefusesWrites makes the archive one transaction behind its
// high-water mark, as a torn meta page or a restored copy would: reads
// work with a warning, writes refuse until check --repair accepts the file
// (or --accept-rollback is given), after which check passes and writes
// work again.
func TestRollbackRefusesWrites(t *testing.T) {
	srv := httptest.NewServer(&scripted{incidents: baseline()})
	defer srv.Close()
	c := newCLI(t)
	url := srv.URL + "/api/v2/incidents.json"
	if _, err := c.scrape("acme", url); err != nil {
		t.Fatal(err)
	}
	mark, err := os.ReadFile(c.db + ".txid")
	if err != nil {
		t.Fatal(err)
	}
	txid, err := strconv.ParseUint(strings.TrimSpace(string(mark)), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	writeTestFile(t, c.db+".txid", strconv.FormatUint(txid+1, 10)+"\n")
	before, err := os.ReadFile(c.db)
	if err != nil {
		t.Fatal(err)
	}

	for _, args := range [][]string{{"scrape", "--delay", "0", "--source", "acme", url}, {"reparse"}, {"compact"}} {
		_, _, err := c.run(args...)
		if !errors.Is(err, archive.ErrRolledBack) || !strings.Contains(err.Error(), "check --repair") {
			t.Errorf("%s on a rolled-back archive: %v, want ErrRolledBack naming check --repair", args[0], err)
		}
	}
	if after, _ := os.ReadFile(c.db); !bytes.Equal(after, before) {
		t.Fatal("a refused write changed the archive")
	}
	out, errOut, err := c.run("list")
	if err != nil || !strings.Contains(out, "aaaaaaaaaaaa") {
		t.Errorf("list on a rolled-back archive: %v\n%s", err, out)
	}
	if !strings.Contains(errOut, "behind the last commit") {
		t.Errorf("list on a rolled-back archive warns %q, want the rollback named", errOut)
	}
	if _, _, err := c.run("check", "--in-process"); !errors.Is(err, archive.ErrRolledBack) {
		t.Errorf("check on a rolled-back archive: %v, want ErrRolledBack", err)
	}
	if out := c.must("check", "--in-process", "--repair"); !strings.Contains(out, "repaired") {
		t.Errorf("check --repair printed %q, want it to say what it repaired", out)
	}
	c.must("check", "--in-process")
	if _, err := c.scrape("acme", url); err != nil {
		t.Errorf("scrape after check --repair: %v", err)
	}

	// --accept-rollback on the writing command does the same.
	writeTestFile(t, c.db+".txid", strconv.FormatUint(txid+100, 10)+"\n")
	if _, err := c.scrape("acme", url, "--accept-rollback"); err != nil {
		t.Errorf("scrape --accept-rollback: %v", err)
	}
	c.must("check", "--in-process")
}

// TestOutputFolderErrors: a missing output folder, or an output path that
// is a folder, is named as such, not through a temporary file's name.
func TestOutputFolderErrors(t *testing.T) {
	srv := httptest.NewServer(&scripted{incidents: baseline()})
	defer srv.Close()
	c := newCLI(t)
	if _, err := c.scrape("acme", srv.URL+"/api/v2/incidents.json"); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	missing := filepath.Join(dir, "no-such-folder", "x.csv")
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"export", "-o", missing}, "the folder " + filepath.Dir(missing) + " does not exist"},
		{[]string{"report", "--html", missing}, "does not exist"},
		{[]string{"export", "-o", dir}, "it is a folder"},
	} {
		_, _, err := c.run(tc.args...)
		if err == nil || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), ".x.csv.") {
			t.Errorf("%s: error %v, want it to say %q and name no temporary file", strings.Join(tc.args, " "), err, tc.want)
		}
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestDemoKeepsOtherArchives: demo --dir replaces an archive an earlier
// demo wrote there, but not a real archive or another file named like it.
func TestDemoKeepsOtherArchives(t *testing.T) {
	srv := httptest.NewServer(&scripted{incidents: baseline()})
	defer srv.Close()
	dir := t.TempDir()
	c := newCLI(t)
	c.db = filepath.Join(dir, "archive.db")
	if _, err := c.scrape("github", srv.URL+"/api/v2/incidents.json"); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	writeTestFile(t, filepath.Join(other, "archive.db"), "my notes\n")
	demo := func(dir string) error {
		m := NewMain(io.Discard, io.Discard)
		m.Getenv = func(string) string { return "" }
		return m.Run(t.Context(), []string{"demo", "--dir", dir, "--log-level", "error"})
	}
	for _, d := range []string{dir, other} {
		before, _ := os.ReadFile(filepath.Join(d, "archive.db"))
		err := demo(d)
		if !errors.Is(err, archive.ErrOverwrite) {
			t.Errorf("demo --dir over %s: %v, want ErrOverwrite", d, err)
		}
		if after, _ := os.ReadFile(filepath.Join(d, "archive.db")); !bytes.Equal(after, before) {
			t.Errorf("demo --dir changed the archive.db in %s", d)
		}
	}
	again := t.TempDir()
	for range 2 {
		if err := demo(again); err != nil {
			t.Fatalf("demo into its own earlier folder: %v", err)
		}
	}
}

// TestDaemonRefusesRolledBackArchive: the daemon's runs fail on an archive
// behind its high-water mark, naming what to do, and write nothing.
func TestDaemonRefusesRolledBackArchive(t *testing.T) {
	tr := noLeaks(t)
	srv := httptest.NewServer(&scripted{incidents: baseline()})
	defer srv.Close()
	d, logs, client := notifyingDaemon(t, tr, testSource(t, "acme", srv.URL+"/api/v2/incidents.json", "@hourly"))
	defer client.CloseIdleConnections()
	d.runSource(t.Context(), "acme")
	writeTestFile(t, d.path+".txid", "1000000\n")
	before, err := os.ReadFile(d.path)
	if err != nil {
		t.Fatal(err)
	}
	d.runSource(t.Context(), "acme")
	found := false
	for _, l := range logs.lines(t) {
		if e, _ := l["error"].(string); l["source"] == "acme" && strings.Contains(e, "behind its last recorded commit") && strings.Contains(e, "check --repair") {
			found = true
		}
	}
	if !found {
		t.Errorf("no log line names the rollback and check --repair:\n%s", logs.buf.String())
	}
	if after, _ := os.ReadFile(d.path); !bytes.Equal(after, before) {
		t.Error("the daemon wrote to a rolled-back archive")
	}
}
