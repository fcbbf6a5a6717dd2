//go:build unix

package main

import (
	"bytes"
	"context"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// chromiumFlags start Chromium headless with nothing of its own to fetch:
// this machine's network is closed, and a report must render offline.
var chromiumFlags = []string{
	"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
	"--disable-background-networking", "--disable-component-update", "--disable-sync",
	"--enable-logging=stderr", "--v=0",
}

// findChromium returns the path of a Chromium or Chrome binary, or skips
// the test when there is none.
func findChromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Skip("chromium not installed: run `make test`, which installs it, or apt-get install chromium")
	return ""
}

// runChromium runs the browser on a fresh profile with args and returns
// what it printed. It is stopped, with every process it started, after 60s.
func runChromium(t *testing.T, bin string, args ...string) (stdout, stderr []byte) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	full := append(append(chromiumFlags, "--user-data-dir="+t.TempDir()), args...)
	cmd := exec.CommandContext(ctx, bin, full...)
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	// Chromium starts helper processes: put them in a group of their own
	// so that a timeout ends all of them.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v (context: %v)\nstderr:\n%s", bin, strings.Join(args, " "), err, ctx.Err(), errOut.Bytes())
	}
	return out.Bytes(), errOut.Bytes()
}

// TestReportRendersInChromium opens the report of both fixture sites in
// headless Chromium: the rendered DOM must show the stats command's
// figures, hold the three charts and no error, and a screenshot must show
// something other than a blank page.
func TestReportRendersInChromium(t *testing.T) {
	bin := findChromium(t)
	c := scrapeFixtures(t)
	want := statsFigures(t, c, reportWindow...)
	path, _ := writeReport(t, c, reportWindow...)
	page := (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String()

	dom, logs := runChromium(t, bin, "--dump-dom", page)
	doc, err := html.Parse(bytes.NewReader(dom))
	if err != nil {
		t.Fatalf("the rendered DOM does not parse: %v", err)
	}
	got := comparisonCells(t, doc)
	checked := 0
	for row, cells := range expectedCells(want) {
		for source, v := range cells {
			checked++
			if got[row][source] != v {
				t.Errorf("rendered %s of %s = %q, want %q", row, source, got[row][source], v)
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d figures checked: the fixtures gave too little", checked)
	}
	var svgs, scripts int
	walkHTML(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.Data {
		case "svg":
			svgs++
		case "script":
			scripts++
		case "parsererror":
			t.Errorf("the browser reports a parser error: %s", htmlText(n))
		}
	})
	if wantSVGs := len(want.Sources) + 1; svgs != wantSVGs {
		t.Errorf("%d <svg> charts rendered, want %d (a monthly chart per source and the timeline)", svgs, wantSVGs)
	}
	if scripts != 0 {
		t.Errorf("%d <script> elements in the rendered page, want 0", scripts)
	}
	for _, line := range strings.Split(string(logs), "\n") {
		if strings.Contains(line, ":CONSOLE") || strings.Contains(line, "Uncaught") {
			t.Errorf("the browser console reports: %s", line)
		}
	}

	shot := filepath.Join(t.TempDir(), "report.png")
	runChromium(t, bin, "--screenshot="+shot, "--window-size=1400,2000", "--hide-scrollbars", page)
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("no screenshot: %v", err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("the screenshot is not a PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != 1400 || b.Dy() != 2000 {
		t.Errorf("screenshot is %dx%d, want 1400x2000", b.Dx(), b.Dy())
	}
	// The page is mostly white; the table, charts and text are not.
	inked := 0
	for y := b.Min.Y; y < b.Max.Y; y += 4 {
		for x := b.Min.X; x < b.Max.X; x += 4 {
			if r, g, bl, _ := img.At(x, y).RGBA(); r < 0xe000 || g < 0xe000 || bl < 0xe000 {
				inked++
			}
		}
	}
	if total := (b.Dx() / 4) * (b.Dy() / 4); inked < total/100 {
		t.Errorf("the screenshot is nearly blank: %d of %d sampled pixels are not white", inked, total)
	}
}
