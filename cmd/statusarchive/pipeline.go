package main

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
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
// out rather than archived short. The archive is needed only at the end.
func (m *Main) runJob(ctx context.Context, store withDB, lg zerolog.Logger, j job) (archive.Run, error) {
	in := archive.RunInput{Source: j.source, URL: j.url, Started: m.Now(), Format: string(j.format), Origin: archive.OriginVendor}
	fetcher, err := scraper.New(j.fetch, lg)
	if err != nil {
		return archive.Run{}, fmt.Errorf("scrape %s: %w", j.source, err)
	}
	defer fetcher.Close()
	follows := map[string]parser.Follow{}
	var pages []*parser.Page
	var scope parser.Scope // what the start page's list stands for
	visit := func(p *scraper.Page) ([]scraper.Request, error) {
		via := follows[p.Requested]
		format := parser.FormatAuto
		if via.URL == "" {
			format = j.format
		}
		in.Pages = append(in.Pages, archive.PageInput{URL: p.URL, Status: p.Status, Header: p.Header, FetchedAt: p.FetchedAt, Body: p.Body})
		page, err := parser.Parse(parser.Document{Source: j.source, URL: p.URL, ContentType: p.ContentType, Body: p.Body, Via: via}, format)
		if err != nil {
			return nil, err
		}
		pages = append(pages, page)
		if via.URL == "" {
			scope, in.Claims = page.Scope, page.Claims
		}
		var next []scraper.Request
		for _, f := range page.Follow {
			if _, seen := follows[f.URL]; seen {
				continue
			}
			follows[f.URL] = f
			next = append(next, scraper.Request{URL: f.URL, Accept: f.Accept, Fallback: f.Fallback})
		}
		return next, nil
	}
	res, crawlErr := fetcher.Crawl(ctx, scraper.Request{URL: j.url}, visit)
	in.Finished = m.Now()
	if crawlErr != nil {
		var run archive.Run
		err := store(func(db *archive.DB) (err error) {
			run, err = db.RecordFailure(ctx, in, crawlErr)
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
	in.Complete = len(res.Failures) == 0 && !res.CapHit && scope == parser.ScopeListing
	in.Snapshot = scope == parser.ScopeCurrent
	incidents := parser.Merge(pages)
	if len(res.Failures) > 0 {
		kept := incidents[:0]
		for _, inc := range incidents {
			if !inc.Partial {
				kept = append(kept, inc)
			}
		}
		incidents = kept
	}
	var run archive.Run
	err = store(func(db *archive.DB) (err error) {
		run, err = db.Ingest(ctx, in, incidents)
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
