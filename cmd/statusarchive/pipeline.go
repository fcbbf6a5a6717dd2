package main

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/parser"
	"github.com/statusarchive/statusarchive/scraper"
)

// defaultBudget is how many pages one run fetches at most (--max-pages,
// limits.max_pages). A GitHub-sized Statuspage history, about 3,000
// incidents on 52 history pages, is about 3,060 pages: 1,000 a run
// archives it in 4 runs, each about 20 minutes at the polite default of 1
// request a second plus jitter, holding no lock while it fetches. A run
// cut short by the budget keeps where it stopped, and the next run goes
// on from there; once the backfill is done a run fetches only what is new
// and a slice of the re-verification sweep, far below the budget.
const defaultBudget = 1000

// job is one source to scrape from one start URL.
type job struct {
	source string
	url    string
	format parser.Format
	fetch  scraper.Options
	sweep  time.Duration // the re-verification sweep's period; 0 is archive.DefaultSweepPeriod
}

// withDB lends the archive to fn. Jobs take it only to begin and to commit,
// never across the network, so that other processes read and write between.
type withDB func(fn func(db *archive.DB) error) error

// holding lends an archive that is already open.
func holding(db *archive.DB) withDB {
	return func(fn func(*archive.DB) error) error { return fn(db) }
}

// runJob crawls a job as an archive.Crawl: begin (the validators of
// earlier runs), fetch each page and hand it to the crawl, which parses it
// and says what to fetch next, then commit in one write.
func (m *Main) runJob(ctx context.Context, store withDB, lg zerolog.Logger, j job) (archive.Run, error) {
	c, err := m.beginJob(ctx, store, j)
	return m.crawlJob(ctx, store, lg, j, c, err)
}

// beginJob begins a job's crawl (archive.DB.Begin) in one use of store.
func (m *Main) beginJob(ctx context.Context, store withDB, j job) (c *archive.Crawl, err error) {
	err = store(func(db *archive.DB) (err error) {
		c, err = db.Begin(ctx, archive.Plan{Source: j.source, URL: j.url, Format: j.format, Started: m.Now(), Parse: m.Parse, SweepPeriod: j.sweep})
		return err
	})
	return c, err
}

// crawlJob fetches a begun job's pages, holding no archive, and commits
// them in one use of store. beginErr is what beginJob returned: without a
// crawl the job fails; with one it goes on without conditional requests.
func (m *Main) crawlJob(ctx context.Context, store withDB, lg zerolog.Logger, j job, c *archive.Crawl, beginErr error) (archive.Run, error) {
	if beginErr != nil {
		if c == nil {
			return archive.Run{}, fmt.Errorf("scrape %s: %w", j.source, beginErr)
		}
		lg.Warn().Err(beginErr).Msg("no conditional requests this run")
	}
	fetcher, err := scraper.New(j.fetch, lg)
	if err != nil {
		return archive.Run{}, fmt.Errorf("scrape %s: %w", j.source, err)
	}
	defer fetcher.Close()
	res, crawlErr := fetcher.Crawl(ctx, request(c, parser.Follow{URL: j.url}), func(p *scraper.Page) ([]scraper.Request, error) {
		follow, err := c.Visit(archive.PageInput{URL: p.URL, Requested: p.Requested, Status: p.Status, Header: p.Header, FetchedAt: p.FetchedAt, Body: p.Body})
		reqs := make([]scraper.Request, len(follow))
		for i, f := range follow {
			reqs[i] = request(c, f)
		}
		return reqs, err
	})
	out := archive.Outcome{Finished: m.Now(), Err: crawlErr}
	commitCtx := ctx
	if res != nil {
		for _, f := range res.Failures {
			out.Failures = append(out.Failures, archive.Failure{URL: f.URL, Err: f.Err})
		}
		out.Skipped = append(slices.Clone(res.Refused), res.Repeated...)
		// A run cut short by its budget, or by a signal once it has
		// pages, archives what it fetched and keeps what it did not as
		// the source's backfill, for the next run to fetch first.
		interrupted := crawlErr != nil && ctx.Err() != nil && len(res.Pages) > 0
		out.Stopped = res.CapHit || interrupted
		if interrupted {
			out.Err, commitCtx = nil, context.WithoutCancel(ctx)
		}
	}
	var run archive.Run
	err = store(func(db *archive.DB) (err error) {
		run, err = c.Commit(commitCtx, db, out)
		return err
	})
	if run.Left > 0 {
		lg.Warn().Int("left", run.Left).Int("budget", j.fetch.MaxPages).
			Msg("backfill: pages left; the next run goes on from there")
	}
	if err != nil && run.Outcome == "" && res != nil {
		// Nothing was archived (the run log has no entry), but pages were
		// fetched: say how many.
		run.Pages = len(res.Pages)
	}
	switch {
	case crawlErr != nil:
		return run, errors.Join(fmt.Errorf("scrape %s: %w", j.source, crawlErr), err)
	case err != nil:
		return run, fmt.Errorf("scrape %s: %w", j.source, err)
	case len(out.Failures) > 0:
		var causes []string
		for _, c := range archive.Causes(out.Failures) {
			causes = append(causes, c.String())
		}
		return run, fmt.Errorf("scrape %s: partial run, %d incidents archived, not everything was fetched: %s",
			j.source, run.Incidents, strings.Join(causes, "; "))
	}
	return run, nil
}

// request is the scraper request for f, conditional when the crawl holds
// validators for its URL.
func request(c *archive.Crawl, f parser.Follow) scraper.Request {
	r := scraper.Request{URL: f.URL, Accept: f.Accept, Fallback: f.Fallback}
	if cond := c.Conditional(f.URL); cond.Digest != nil {
		r.ETag, r.LastModified = cond.ETag, cond.LastModified
	}
	return r
}
