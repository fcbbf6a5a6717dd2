package main

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"sync"

	"github.com/mattn/go-isatty"
	"github.com/schollz/progressbar/v3"

	"github.com/statusarchive/statusarchive/parser"
	"github.com/statusarchive/statusarchive/scraper"
)

// progress draws one crawl's progress on a terminal: pages fetched and
// queued, incidents found, elapsed time and ETA. The scraper reports
// pages (scraper.Options.Progress); the parse hook reports incidents.
type progress struct {
	mu     sync.Mutex
	bar    *progressbar.ProgressBar
	source string
	ids    map[string]bool
	last   scraper.Progress
}

// progressOn reports whether scrape draws progress: only when stderr is
// a terminal and the logs on it are for people, never into JSON logs, a
// pipe or a file.
func (m *Main) progressOn(f *flags) bool {
	file, ok := m.Stderr.(*os.File)
	if !ok || !isatty.IsTerminal(file.Fd()) {
		return false
	}
	return cmp.Or(f.logFormat, m.LogFormat) != "json"
}

// withProgress returns the Main to run j with: m itself, or, when
// progress is drawn, a copy whose parse hook counts incidents, with j's
// fetcher reporting pages to the same display.
func (m *Main) withProgress(f *flags, j *job) *Main {
	if !m.progressOn(f) {
		return m
	}
	p := newProgress(m.Stderr, j.source)
	j.fetch.Progress = p.pages
	mm := *m
	mm.Parse = p.parse(m.Parse)
	return &mm
}

// newProgress returns a progress display for source writing to w.
func newProgress(w io.Writer, source string) *progress {
	p := &progress{source: source, ids: map[string]bool{}}
	p.bar = progressbar.NewOptions(1,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetWidth(24),
		progressbar.OptionShowCount(),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionClearOnFinish(),
		progressbar.OptionSetDescription(source),
	)
	return p
}

// pages takes the scraper's report.
func (p *progress) pages(sp scraper.Progress) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.last = sp
	p.draw()
}

// found counts the incidents a parsed page shows, each once.
func (p *progress) found(page *parser.Page) {
	if page == nil {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, in := range page.Incidents {
		p.ids[in.ID] = true
	}
}

// draw updates the bar; p.mu is held.
func (p *progress) draw() {
	sp := p.last
	p.bar.Describe(fmt.Sprintf("%s: %d incidents, %d queued, %d failed", p.source, len(p.ids), sp.Queued, sp.Failed))
	p.bar.ChangeMax(max(sp.Fetched+sp.Queued, 1))
	_ = p.bar.Set(sp.Fetched)
	if sp.Done {
		_ = p.bar.Finish()
	}
}

// parse wraps a parse hook so that each parsed page's incidents count.
func (p *progress) parse(next func(parser.Document, parser.Format) (*parser.Page, error)) func(parser.Document, parser.Format) (*parser.Page, error) {
	if next == nil {
		next = parser.Parse
	}
	return func(doc parser.Document, f parser.Format) (*parser.Page, error) {
		page, err := next(doc, f)
		p.found(page)
		return page, err
	}
}
