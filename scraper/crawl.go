package scraper

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// Progress is how far a Crawl has got.
type Progress struct {
	Start   string    // the start URL
	Fetched int       // fetches made, failed ones included
	Queued  int       // pages waiting to be fetched
	Failed  int       // pages that failed to fetch or visit
	Began   time.Time // when the crawl started
	Done    bool      // the crawl has ended
}

// Result is what a Crawl fetched and what it could not.
type Result struct {
	Pages    []*Page   // in fetch order, the start page first
	Failures []Failure // pages after the start page that failed to fetch or visit
	CapHit   bool      // Options.MaxPages stopped the crawl with work left
	Refused  []string  // off-site URLs that were not fetched
	Repeated []string  // pages whose body repeats an earlier page's; not visited
}

// Failure is one page that failed; Err is a *FetchError or the visit error.
type Failure struct {
	URL string
	Err error
}

// Crawl fetches start, hands each page to visit, and fetches the requests
// visit returns, breadth first, until there are none or Options.MaxPages
// fetches have been made (CapHit; a failed fetch counts). visit is where the caller parses; it is
// called for every page, a NotModified one included, and never from inside
// colly. Returned requests may be relative to the page's URL; they are
// deduped by URL, and any off the start URL's site is refused (Refused),
// never fetched. A page whose body is byte for byte an earlier page's (a
// "page=N" that serves the same list forever) is listed in Repeated and not
// visited again. A request whose URL answers 4xx and that names a Fallback
// gets the fallback fetched instead.
//
// A failure of the start page (fetch or visit) fails the crawl. Later
// failures are recorded in Result.Failures and the crawl goes on; requests
// that a failing visit still returned are followed. If ctx ends, Crawl
// returns what it has with the context's error.
func (f *Fetcher) Crawl(ctx context.Context, start Request, visit func(*Page) ([]Request, error)) (*Result, error) {
	startURL, err := parseTarget(start.URL)
	if err != nil {
		return nil, &FetchError{URL: start.URL, Err: err}
	}
	home := site(startURL)
	// start.URL stays as the caller wrote it (a plain path stays a path):
	// the page's Requested, under which its validators are kept, must be
	// what the next run asks for.
	seen := map[string]bool{urlKey(startURL): true}
	queue := []Request{start}
	res := &Result{}
	bodies := map[[sha256.Size]byte]bool{}
	fetched := 0
	began := f.opts.Now()
	report := func(done bool) {
		if f.opts.Progress != nil {
			f.opts.Progress(Progress{Start: start.URL, Fetched: fetched, Queued: len(queue), Failed: len(res.Failures), Began: began, Done: done})
		}
	}
	report(false)
	defer report(true)
	for len(queue) > 0 {
		if fetched > 0 {
			report(false)
		}
		if err := ctx.Err(); err != nil {
			return res, err
		}
		if fetched >= f.opts.MaxPages {
			res.CapHit = true
			f.lg.Warn().Str("start", start.URL).Int("cap", f.opts.MaxPages).Int("left", len(queue)).
				Msg("page cap hit")
			break
		}
		req := queue[0]
		queue = queue[1:]
		first := fetched == 0
		page, err := f.Fetch(ctx, req)
		fetched++
		if err != nil && req.Fallback != "" && isClientError(err) {
			if fbPage, tried, fbErr := f.fallback(ctx, req, home, seen, &fetched, res); tried {
				page, err = fbPage, fbErr
			}
		}
		if err != nil {
			if first {
				return nil, err
			}
			if ctxErr := ctx.Err(); ctxErr != nil {
				return res, ctxErr
			}
			f.lg.Warn().Err(err).Str("url", req.URL).Msg("page failed; crawl goes on")
			res.Failures = append(res.Failures, Failure{URL: req.URL, Err: err})
			continue
		}
		if u, err := parseTarget(page.URL); err == nil {
			seen[urlKey(u)] = true
		}
		if len(page.Body) > 0 {
			sum := sha256.Sum256(page.Body)
			if bodies[sum] {
				f.lg.Info().Str("url", page.URL).Msg("page repeats an earlier one; not followed")
				res.Repeated = append(res.Repeated, page.URL)
				continue
			}
			bodies[sum] = true
		}
		res.Pages = append(res.Pages, page)
		next, err := visit(page)
		if err != nil {
			err = fmt.Errorf("visit %s: %w", page.URL, err)
			if first {
				return nil, err
			}
			res.Failures = append(res.Failures, Failure{URL: page.URL, Err: err})
		}
		base, err := parseTarget(page.URL)
		if err != nil {
			continue
		}
		for _, n := range next {
			if q, ok := f.admit(base, n, home, seen, res); ok {
				queue = append(queue, q)
			}
		}
	}
	return res, nil
}

// fallback fetches req.Fallback after req.URL answered 4xx. tried is false
// when the fallback is refused, already seen or over the cap, and then the
// 4xx stands.
func (f *Fetcher) fallback(ctx context.Context, req Request, home string, seen map[string]bool, fetched *int, res *Result) (page *Page, tried bool, err error) {
	base, err := parseTarget(req.URL)
	if err != nil {
		return nil, false, nil
	}
	fb, ok := f.admit(base, Request{URL: req.Fallback}, home, seen, res)
	if !ok {
		return nil, false, nil
	}
	if *fetched >= f.opts.MaxPages {
		res.CapHit = true
		return nil, false, nil
	}
	f.lg.Info().Str("url", req.URL).Str("fallback", fb.URL).Msg("using fallback")
	*fetched++
	page, err = f.Fetch(ctx, fb)
	return page, true, err
}

// admit resolves a followed request against the page it came from and
// decides whether to queue it: same site and not seen before. Off-site URLs
// are recorded in res.Refused.
func (f *Fetcher) admit(base *url.URL, n Request, home string, seen map[string]bool, res *Result) (Request, bool) {
	u, err := resolveAgainst(base, n.URL)
	if err != nil {
		res.Refused = append(res.Refused, redactLink(n.URL))
		f.lg.Warn().Err(err).Str("url", redactLink(n.URL)).Msg("follow refused")
		return n, false
	}
	if u.User != nil {
		res.Refused = append(res.Refused, u.Redacted())
		f.lg.Warn().Err(ErrCredentials).Str("url", u.Redacted()).Msg("follow refused")
		return n, false
	}
	if site(u) != home {
		res.Refused = append(res.Refused, u.String())
		f.lg.Warn().Err(ErrOffSite).Str("url", u.String()).Msg("follow refused")
		return n, false
	}
	k := urlKey(u)
	if seen[k] {
		return n, false
	}
	seen[k] = true
	n.URL = u.String()
	if n.Fallback != "" {
		if fb, err := resolveAgainst(u, n.Fallback); err == nil {
			n.Fallback = fb.String()
		}
	}
	return n, true
}

// isClientError reports whether err is a 4xx answer.
func isClientError(err error) bool {
	var he *HTTPError
	return errors.As(err, &he) && he.Status >= http.StatusBadRequest && he.Status < http.StatusInternalServerError
}
