package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/rs/zerolog"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/parser"
	"github.com/statusarchive/statusarchive/scraper"
)

// job is one source to scrape from one start URL.
type job struct {
	source string
	url    string
	format parser.Format
	fetch  scraper.Options
}

// withDB lends the archive to fn. The CLI lends one it holds open; the
// daemon opens the file for the length of fn only, so that other processes
// can read between runs.
type withDB func(fn func(db *archive.DB) error) error

// holding lends an archive that is already open.
func holding(db *archive.DB) withDB {
	return func(fn func(*archive.DB) error) error { return fn(db) }
}

// runJob crawls a job's pages, parses each as it arrives, merges the records
// and hands them to the archive in one transaction. A failure anywhere is
// logged in the archive's run log; records are written only from pages that
// parsed, and incidents whose full timeline could not be fetched are left
// out rather than archived short.
//
// Every request is conditional when the archive holds validators for its
// URL: a 304 Not Modified page is not parsed; the digest kept from its last
// fetch stands in for it (the incidents it showed, as archived, and the
// pages it led to).
func (m *Main) runJob(ctx context.Context, store withDB, lg zerolog.Logger, j job) (archive.Run, error) {
	fetcher, err := scraper.New(j.fetch, lg)
	if err != nil {
		return archive.Run{}, fmt.Errorf("scrape %s: %w", j.source, err)
	}
	defer fetcher.Close()
	c := &crawl{
		m: m, ctx: ctx, store: store, job: j,
		in:      archive.RunInput{Source: j.source, URL: j.url, Started: m.Now(), Format: string(j.format), Origin: archive.OriginVendor},
		follows: map[string]parser.Follow{},
		conds:   map[string]archive.Conditional{},
	}
	res, crawlErr := fetcher.Crawl(ctx, c.requests([]parser.Follow{{URL: j.url}})[0], c.visit)
	in := &c.in
	in.Finished = m.Now()
	if crawlErr != nil {
		var run archive.Run
		err := store(func(db *archive.DB) (err error) {
			run, err = db.RecordFailure(ctx, *in, crawlErr)
			return err
		})
		return run, errors.Join(fmt.Errorf("scrape %s: %w", j.source, crawlErr), err)
	}
	for _, f := range res.Failures {
		in.Failures = append(in.Failures, f.Err.Error())
	}
	if res.CapHit {
		in.Failures = append(in.Failures, fmt.Sprintf("page cap of %d hit: older pages not fetched", j.fetch.MaxPages))
	}
	// Only a whole listing, crawled without a failure or a cap, can show
	// that an incident is gone; a summary shows only what is open now.
	in.Complete = len(res.Failures) == 0 && !res.CapHit && c.scope == parser.ScopeListing
	in.Snapshot = c.scope == parser.ScopeCurrent
	incidents := parser.Merge(c.pages)
	if len(in.Failures) > 0 {
		// Not everything was fetched (a failed page, the page cap): leave
		// out incidents whose full timeline is missing, and keep no digest,
		// so that the next run fetches every page afresh instead of standing
		// a digest in for a page whose incidents were not all archived.
		incidents = slices.DeleteFunc(incidents, func(inc parser.Incident) bool { return inc.Partial })
		for i := range in.Pages {
			in.Pages[i].Digest = nil
		}
	}
	var run archive.Run
	err = store(func(db *archive.DB) (err error) {
		run, err = db.Ingest(ctx, *in, incidents)
		return err
	})
	if err != nil {
		return run, fmt.Errorf("scrape %s: %w", j.source, err)
	}
	if len(in.Failures) > 0 {
		return run, fmt.Errorf("scrape %s: partial run, %d incidents archived, not everything was fetched: %s",
			j.source, run.Incidents, strings.Join(in.Failures, "; "))
	}
	return run, nil
}

// crawl is one run's state between the scraper's requests: what was asked
// for and why, what parsed, and what goes to the archive.
type crawl struct {
	m     *Main
	ctx   context.Context
	store withDB
	job   job

	in      archive.RunInput
	follows map[string]parser.Follow       // by URL: why each page was asked for
	conds   map[string]archive.Conditional // by URL: validators sent and the digest they stand for
	pages   []*parser.Page
	started bool         // the start page has been visited
	scope   parser.Scope // what the start page's list stands for
}

// requests turns follows into scraper requests, each conditional when the
// archive holds validators and a digest for its URL. The archive is asked
// once for all of them: the daemon opens the file for each use. When it
// cannot be read the requests go out unconditionally, which is always safe.
func (c *crawl) requests(follows []parser.Follow) []scraper.Request {
	conds := make([]archive.Conditional, len(follows))
	err := c.store(func(db *archive.DB) error {
		for i, f := range follows {
			conds[i] = db.Conditional(c.ctx, f.URL)
		}
		return nil
	})
	if err != nil {
		clear(conds)
	}
	reqs := make([]scraper.Request, len(follows))
	for i, f := range follows {
		c.follows[f.URL] = f
		reqs[i] = scraper.Request{URL: f.URL, Accept: f.Accept, Fallback: f.Fallback}
		if conds[i].Digest != nil {
			c.conds[f.URL] = conds[i]
			reqs[i].ETag, reqs[i].LastModified = conds[i].ETag, conds[i].LastModified
		}
	}
	return reqs
}

// visit parses one fetched page (or stands its digest in for it) and
// returns the pages it leads to that were not asked for yet.
func (c *crawl) visit(p *scraper.Page) ([]scraper.Request, error) {
	// The scraper visits the start page first; it was asked for by no page.
	start := !c.started
	c.started = true
	via := c.follows[p.Requested]
	if start {
		via = parser.Follow{}
	}
	input := archive.PageInput{URL: p.URL, Requested: p.Requested, Status: p.Status, Header: p.Header, FetchedAt: p.FetchedAt, Body: p.Body}
	var page *parser.Page
	var err error
	if p.NotModified {
		page, err = c.unchanged(p)
	} else {
		page, err = c.parse(p, via, start)
		if err == nil {
			input.Digest = digest(page)
		}
	}
	c.in.Pages = append(c.in.Pages, input)
	if err != nil {
		return nil, err
	}
	c.pages = append(c.pages, page)
	if start {
		c.scope, c.in.Claims = page.Scope, page.Claims
	}
	var fresh []parser.Follow
	for _, f := range page.Follow {
		if _, seen := c.follows[f.URL]; !seen && !slices.ContainsFunc(fresh, func(g parser.Follow) bool { return g.URL == f.URL }) {
			fresh = append(fresh, f)
		}
	}
	if len(fresh) == 0 {
		return nil, nil
	}
	return c.requests(fresh), nil
}

// parse parses a fetched page: the start page in the job's format, every
// other page in the format it is detected as.
func (c *crawl) parse(p *scraper.Page, via parser.Follow, start bool) (*parser.Page, error) {
	format := parser.FormatAuto
	if start {
		format = c.job.format
	}
	return c.m.parse(parser.Document{Source: c.job.source, URL: p.URL, ContentType: p.ContentType, Body: p.Body, Via: via}, format)
}

// parse parses one document as Main.Parse, or parser.Parse when that is nil.
func (m *Main) parse(doc parser.Document, format parser.Format) (*parser.Page, error) {
	if m.Parse != nil {
		return m.Parse(doc, format)
	}
	return parser.Parse(doc, format)
}

// unchanged builds a 304 page from its digest: the incidents it showed, as
// the archive holds them now, and the pages it led to.
func (c *crawl) unchanged(p *scraper.Page) (*parser.Page, error) {
	d := c.conds[p.Requested].Digest
	if d == nil {
		return nil, fmt.Errorf("%s answered 304 Not Modified to a request that was not conditional", p.URL)
	}
	page := &parser.Page{URL: p.URL, Scope: d.Scope, Claims: d.Claims, Follow: d.Follow}
	err := c.store(func(db *archive.DB) error {
		for _, id := range d.IDs {
			rec, err := db.Incident(c.ctx, c.job.source+"/"+id)
			if err != nil {
				return fmt.Errorf("%s is unchanged but its incident %s is not archived: %w", p.URL, id, err)
			}
			if latest := rec.Latest(); !latest.Deleted {
				page.Incidents = append(page.Incidents, latest.Incident)
			}
		}
		return nil
	})
	return page, err
}

// digest keeps what a page parsed to, for the day its server answers 304.
func digest(page *parser.Page) *archive.PageDigest {
	d := &archive.PageDigest{Follow: page.Follow, Scope: page.Scope, Claims: page.Claims}
	for _, in := range page.Incidents {
		d.IDs = append(d.IDs, in.ID)
	}
	return d
}

// target turns what the user typed into a URL the scraper takes: a URL as
// it is, an existing file as a path, and a bare host name
// ("status.workos.com") as https.
func target(arg string) string {
	if strings.Contains(arg, "://") {
		return arg
	}
	if _, err := os.Stat(arg); err == nil {
		return arg
	}
	host, _, _ := strings.Cut(arg, "/")
	if strings.Contains(host, ".") && !strings.HasPrefix(arg, ".") && !strings.ContainsAny(host, `\`) {
		return "https://" + arg
	}
	return arg
}

// sourceName derives a source name from a start URL or path when none is
// given: the host (with its port) for a URL, the file name for a path.
func sourceName(target string) string {
	if u, err := url.Parse(target); err == nil && u.Host != "" {
		return strings.TrimPrefix(strings.ToLower(u.Host), "www.")
	}
	base := filepath.Base(strings.TrimPrefix(target, "file://"))
	return strings.TrimSuffix(base, filepath.Ext(base))
}
