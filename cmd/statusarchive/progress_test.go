package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/parser"
	"github.com/statusarchive/statusarchive/scraper"
)

// TestProgressDisplay draws a crawl's progress into a buffer standing in
// for a terminal: the source, pages fetched of those known, incidents
// found (each once), what is queued, and the time; the line is cleared
// at the end.
func TestProgressDisplay(t *testing.T) {
	var buf bytes.Buffer
	p := newProgress(&buf, "acme")
	began := time.Now()
	p.pages(scraper.Progress{Fetched: 0, Queued: 1, Began: began})
	p.found(&parser.Page{Incidents: []parser.Incident{{ID: "a"}, {ID: "b"}}})
	p.found(&parser.Page{Incidents: []parser.Incident{{ID: "b"}}})
	p.pages(scraper.Progress{Fetched: 1, Queued: 3, Began: began})
	drawn := buf.String()
	for _, want := range []string{"acme: 2 incidents, 3 queued, 0 failed", "1/4", "s:"} {
		if !strings.Contains(drawn, want) {
			t.Errorf("progress line %q has no %q", drawn, want)
		}
	}
	p.pages(scraper.Progress{Fetched: 4, Queued: 0, Began: began, Done: true})
	if !strings.HasSuffix(strings.TrimRight(buf.String(), " "), "\r") {
		t.Errorf("the line is not cleared at the end: %q", buf.String()[max(0, buf.Len()-80):])
	}
}

// TestScrapeNoProgressWhenPiped checks that a scrape whose stderr is not
// a terminal (a pipe, a file, JSON logs) carries no progress line.
func TestScrapeNoProgressWhenPiped(t *testing.T) {
	s := newSite(t, 0)
	c := newCLI(t)
	_, stderr, err := c.run("scrape", "--delay", "0s", s.url())
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(stderr, "\r") || strings.Contains(stderr, "queued") {
		t.Errorf("stderr carries a progress line:\n%q", stderr)
	}
}
