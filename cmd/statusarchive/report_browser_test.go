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
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/statusarchive/statusarchive/archive/report"
	"github.com/statusarchive/statusarchive/archive/stats"
	"github.com/statusarchive/statusarchive/parser"
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

// TestReportHostileTextInChromium renders a report whose page text tries to
// run script and checks, in the browser, that none of it became markup: no
// element it names exists and the console stays silent.
func TestReportHostileTextInChromium(t *testing.T) {
	bin := findChromium(t)
	hostile := []string{
		`<script>console.error("pwned")</script>`,
		`<img src=x onerror="console.error('pwned')">`,
		`" onmouseover="console.error('pwned')`,
		`</title><svg onload="console.error('pwned')">`,
		`</textarea><iframe src="javascript:console.error('pwned')">`,
	}
	at := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	var ins []parser.Incident
	for i, h := range hostile {
		ins = append(ins, parser.Incident{Source: h, ID: h, Kind: parser.KindIncident, Title: h, URL: "javascript:console.error('pwned')",
			Status: parser.StatusResolved, Updates: []parser.Update{
				{Status: parser.StatusInvestigating, At: parser.NewTime(at.Add(time.Duration(i)*time.Hour), h), Body: h},
				{Status: parser.StatusResolved, At: parser.NewTime(at.Add(time.Duration(i)*time.Hour+30*time.Minute), h), Body: h},
			}})
	}
	until := time.Date(2026, 7, 1, 0, 0, 0, 0, time.UTC)
	figures, err := stats.Compute(slices.Values(ins), stats.Options{Since: until.AddDate(0, -3, 0), Until: until, Now: until, By: "month"})
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := report.Write(&buf, report.Data{Title: hostile[0], Generated: until, Report: figures, Incidents: ins, Notes: hostile}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "hostile.html")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	dom, logs := runChromium(t, bin, "--dump-dom", (&url.URL{Scheme: "file", Path: filepath.ToSlash(path)}).String())
	doc, err := html.Parse(bytes.NewReader(dom))
	if err != nil {
		t.Fatalf("the rendered DOM does not parse: %v", err)
	}
	walkHTML(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.Data {
		case "script", "img", "iframe", "textarea":
			t.Errorf("page text became a <%s> element in the browser", n.Data)
		}
		for _, a := range n.Attr {
			isURL := a.Key == "href" || a.Key == "src" || a.Key == "xlink:href" || a.Key == "action"
			if strings.HasPrefix(a.Key, "on") || isURL && strings.Contains(strings.ToLower(a.Val), "javascript:") {
				t.Errorf("<%s %s=%q> in the browser", n.Data, a.Key, a.Val)
			}
		}
	})
	if strings.Contains(string(logs), "pwned") {
		t.Errorf("page text ran in the browser:\n%s", logs)
	}
	if !strings.Contains(htmlText(doc), hostile[1]) {
		t.Errorf("the hostile text is not shown as text")
	}
}
