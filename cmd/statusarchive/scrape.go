package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/notify"
	"github.com/statusarchive/statusarchive/parser"
	"github.com/statusarchive/statusarchive/scraper"
)

// scrapeSummary is the --json form of one source's result. The first six
// keys are a contract.
type scrapeSummary struct {
	Source    string `json:"source"`
	Incidents int    `json:"incidents"`
	Updates   int    `json:"updates"`
	New       int    `json:"new"`
	Changed   int    `json:"changed"`
	Unchanged int    `json:"unchanged"`
	Deleted   int    `json:"deleted"`
	Restored  int    `json:"restored"`
	Pages     int    `json:"pages"`
	Outcome   string `json:"outcome"`
	Run       uint64 `json:"run"`
	URL       string `json:"url"`
	Error     string `json:"error,omitempty"`
	// Left is how many pages the source's backfill has left.
	Left int `json:"backfill_left,omitempty"`
	// Folded is set when the run found the source as its latest run did
	// and was counted in that run's entry instead of getting one of its
	// own: Run names that entry, and Folded is its fold count (the entry
	// stands for Folded+1 runs), as "folded" in the run log.
	Folded int `json:"folded,omitempty"`
}

func (m *Main) scrapeCommand() *cobra.Command {
	cmd, f := m.newCommand("scrape [flags] URL|PATH...", "fetch status pages, parse them and archive what changed",
		"statusarchive scrape --source workos https://status.workos.com", true)
	o := &scrapeFlags{flags: f}
	fs := cmd.Flags()
	fs.StringVar(&o.source, "source", "", "source name (default: the URL's host, or the file's name)")
	fs.StringVar(&o.format, "format", "auto", "page format of the start page: auto, or one of "+formatList())
	fs.BoolVar(&o.asJSON, "json", false, "print one JSON object per source")
	fs.DurationVar(&o.sweep, "sweep-period", archive.DefaultSweepPeriod, "once a source's history is archived, re-check all of it for edits within this period, a slice each run")
	o.fetch = fetchFlags(fs)
	addAcceptRollback(cmd, f)
	_ = cmd.RegisterFlagCompletionFunc("format", formatCompletion)
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.scrape(cmd.Context(), o, args) }
	return cmd
}

type scrapeFlags struct {
	*flags
	source, format string
	asJSON         bool
	sweep          time.Duration
	fetch          *fetchOptions
}

func (m *Main) scrape(ctx context.Context, o *scrapeFlags, args []string) error {
	if len(args) == 0 {
		return &usageError{msg: "scrape needs at least one URL or path", usage: true}
	}
	if err := checkFormat(o.format); err != nil {
		return err
	}
	// Each argument is a whole run of its source: runs of one source from two
	// start URLs in one call would each take the other's incidents for
	// deleted.
	jobs := make([]job, 0, len(args))
	for _, arg := range args {
		j := job{source: o.source, url: target(arg), format: parser.Format(o.format), fetch: o.fetch.options(m), sweep: o.sweep}
		if err := checkTarget(arg, j.url); err != nil {
			return err
		}
		if j.source == "" {
			j.source = sourceName(j.url)
		}
		if slices.ContainsFunc(jobs, func(o job) bool { return o.source == j.source && o.url != j.url }) {
			return &usageError{msg: fmt.Sprintf("two arguments are both source %q: one start URL per source (give each its own --source in separate calls)", j.source)}
		}
		jobs = append(jobs, j)
	}
	lg, err := m.logger(o.flags)
	if err != nil {
		return err
	}
	l, err := m.lendDB(o.flags, lg)
	if err != nil {
		return err
	}
	defer func() { _ = l.release() }()
	gate, robots := m.hostGate(ctx, l.store, lg), scraper.NewRobotsCache(0)
	began := time.Now() // robots.txt verdicts are dated by the scraper's (wall) clock
	urls := make([]string, len(jobs))
	for i, j := range jobs {
		urls[i] = j.url
	}
	restoreRobots(ctx, l.store, robots, urls, lg)

	var errs []error
	for _, j := range jobs {
		j.fetch.Gate, j.fetch.Robots = gate, robots
		jm := m.withProgress(o.flags, &j)
		c, beginErr := jm.beginJob(ctx, l.store, j)
		run, err := jm.crawlJob(ctx, l.store, lg.With().Str("source", j.source).Logger(), j, c, beginErr)
		if err != nil {
			errs = append(errs, err)
		}
		sum := newSummary(j, run, err)
		if o.asJSON {
			if err := json.NewEncoder(m.Stdout).Encode(sum); err != nil {
				return err
			}
			continue
		}
		left := ""
		if sum.Left > 0 {
			left = fmt.Sprintf(", backfill: %d pages left", sum.Left)
		}
		if sum.Folded > 0 {
			left += fmt.Sprintf(", as run %d found it: counted there (×%d)", sum.Run, sum.Folded+1)
		}
		fmt.Fprintf(m.Stdout, "%s: %d incidents, %d updates: %d new, %d changed, %d unchanged, %d deleted, %d restored (%d pages, %s%s)\n",
			safe(sum.Source), sum.Incidents, sum.Updates, sum.New, sum.Changed, sum.Unchanged, sum.Deleted, sum.Restored, sum.Pages, sum.Outcome, left)
	}
	keepRobots(ctx, l.store, robots, began, lg)
	return errors.Join(append(errs, l.release())...)
}

// newSummary is what scrape prints about one job. A run the archive has
// no entry for (its commit failed) has outcome "error", as the daemon
// logs it.
func newSummary(j job, run archive.Run, err error) scrapeSummary {
	sum := scrapeSummary{
		Source: j.source, Incidents: run.Incidents, Updates: run.Updates, New: run.New, Changed: run.Changed,
		Unchanged: run.Unchanged, Deleted: run.Deleted, Restored: run.Restored, Pages: run.Pages, Outcome: run.Outcome, Run: run.ID, URL: j.url, Left: run.Left,
		Folded: run.Folded,
	}
	if err != nil {
		sum.Error = err.Error()
		if sum.Outcome == "" {
			sum.Outcome = "error"
		}
	}
	return sum
}

// fetchOptions are the scraper settings a user may change from the
// command line.
type fetchOptions struct {
	maxPages     int
	delay        time.Duration
	timeout      time.Duration
	maxBody      int64
	allowPrivate bool
	from         string
}

func fetchFlags(fs interface {
	IntVar(*int, string, int, string)
	DurationVar(*time.Duration, string, time.Duration, string)
	Int64Var(*int64, string, int64, string)
	BoolVar(*bool, string, bool, string)
	StringVar(*string, string, string, string)
}) *fetchOptions {
	d := scraper.DefaultOptions()
	o := &fetchOptions{}
	fs.IntVar(&o.maxPages, "max-pages", defaultBudget, "most pages fetched in one run; a run cut short keeps where it stopped and the next run goes on from there")
	fs.DurationVar(&o.delay, "delay", d.Delay, "pause between two requests to one host, plus up to half of it at random (a longer robots.txt Crawl-delay wins)")
	fs.DurationVar(&o.timeout, "timeout", d.RequestTimeout, "time limit of one request")
	fs.Int64Var(&o.maxBody, "max-body", d.MaxBodyBytes, "largest response body in bytes, after decompression")
	fs.StringVar(&o.from, "from", "", "contact e-mail address sent as the From header of every request, so that a site's operator can reach you")
	fs.BoolVar(&o.allowPrivate, "allow-private-networks", false, "let requests reach loopback, private and link-local addresses (a plainly written loopback URL is allowed without it)")
	return o
}

func (o *fetchOptions) options(m *Main) scraper.Options {
	opts := scraper.DefaultOptions()
	opts.UserAgent = scraper.UserAgent(version)
	opts.MaxPages, opts.RequestTimeout, opts.MaxBodyBytes = o.maxPages, o.timeout, o.maxBody
	opts.SetDelay(o.delay)
	opts.AllowPrivateNetworks, opts.Resolver, opts.From = o.allowPrivate, m.Resolver, o.from
	if m.Transport != nil {
		opts.Transport = m.Transport
	}
	return opts
}

func formatList() string {
	var s string
	for i, f := range parser.Formats() {
		if i > 0 {
			s += ", "
		}
		s += string(f)
	}
	return s
}

// formatCompletion completes --format with the parser's formats.
func formatCompletion(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	names := []cobra.Completion{string(parser.FormatAuto)}
	for _, f := range parser.Formats() {
		names = append(names, string(f))
	}
	return names, cobra.ShellCompDirectiveNoFileComp
}

func checkFormat(name string) error {
	if name == "" || name == string(parser.FormatAuto) {
		return nil
	}
	for _, f := range parser.Formats() {
		if string(f) == name {
			return nil
		}
	}
	return &usageError{msg: fmt.Sprintf("--format %q: want auto or one of %s", name, formatList())}
}

// openDB opens the archive named by the flags.
func (m *Main) openDB(f *flags, readOnly bool, lg zerolog.Logger) (*archive.DB, error) {
	path, err := m.dbPath(f.db)
	if err != nil {
		return nil, err
	}
	db, err := archive.Open(path, archive.Options{ReadOnly: readOnly, Now: m.Now, Logger: lg, Announce: notify.Announce, AcceptRollback: f.acceptRollback})
	return db, m.rollbackHint(err, path)
}

// scrapeIdle is how long a one-shot scrape keeps the archive open after a
// use (archive.DefaultIdle, as the daemon's lender): a crawl of a fast site
// begins and commits in one open, and other processes wait for the lock no
// longer than this while a crawl goes on over the network.
const scrapeIdle = archive.DefaultIdle

// lender lends a scrape the archive: the one lendDB opened, or a new open;
// it keeps it open after a use until scrapeIdle passes with no other use.
type lender struct {
	path string
	opts archive.Options

	mu     sync.Mutex
	open   *archive.DB
	idle   *time.Timer
	uses   uint64 // an idle release checks that none came since it was armed
	closed bool
}

// store lends the archive to fn.
func (l *lender) store(fn func(*archive.DB) error) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.uses++
	if l.idle != nil {
		l.idle.Stop()
	}
	db := l.open
	l.open = nil
	if db == nil {
		var err error
		if db, err = archive.Open(l.path, l.opts); err != nil {
			return err
		}
	}
	if err := fn(db); err != nil || l.closed {
		return errors.Join(err, db.Close())
	}
	l.open = db
	uses := l.uses
	l.idle = time.AfterFunc(scrapeIdle, func() {
		l.mu.Lock()
		defer l.mu.Unlock()
		if l.uses == uses && l.open != nil {
			if err := l.open.Close(); err != nil {
				l.opts.Logger.Warn().Err(err).Str("archive", l.path).Msg("release the archive")
			}
			l.open = nil
		}
	})
	return nil
}

// release closes the archive if it is held, and makes later uses close it
// when they end.
func (l *lender) release() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.closed = true
	if l.idle != nil {
		l.idle.Stop()
	}
	if l.open == nil {
		return nil
	}
	db := l.open
	l.open = nil
	return db.Close()
}

// lendDB checks that the archive named by the flags opens (creating it when
// missing) and returns a lender holding it: the reads a scrape makes before
// it fetches anything use that open, and the archive is released once no
// use came for scrapeIdle: a scrape holds no lock for longer while it
// fetches, so that other processes read and write the archive meanwhile.
func (m *Main) lendDB(f *flags, lg zerolog.Logger) (*lender, error) {
	path, err := m.dbPath(f.db)
	if err != nil {
		return nil, err
	}
	// A one-shot scrape has nobody to notify: it queues no notifications.
	opts := archive.Options{Now: m.Now, Logger: lg, AcceptRollback: f.acceptRollback}
	db, err := archive.Open(path, opts)
	if err != nil {
		return nil, m.rollbackHint(err, path)
	}
	opts.Timeout = writeLockWait
	l := &lender{path: path, opts: opts, open: db}
	// Held as after a use: released unless the scrape uses it soon.
	_ = l.store(func(*archive.DB) error { return nil })
	return l, nil
}
