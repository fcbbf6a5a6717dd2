package scraper

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"
	"github.com/rs/zerolog"
)

// defaultAccept is sent when a Request names no Accept: status pages come as
// HTML, feeds or JSON.
const defaultAccept = "text/html,application/xhtml+xml,application/json;q=0.9,application/atom+xml;q=0.9,application/rss+xml;q=0.9,*/*;q=0.8"

// keptHeaders are the response headers a Page carries.
var keptHeaders = []string{"Content-Type", "ETag", "Last-Modified", "Date", "Retry-After"}

// Request is one page to fetch.
type Request struct {
	// URL is an http, https or file URL, or a plain local path.
	URL string
	// Accept overrides the Accept header.
	Accept string
	// Fallback is fetched instead, with the default Accept, when URL
	// answers 4xx (Crawl only): say the HTML history page for a JSON API
	// that is gone. It may be relative to URL.
	Fallback string
	// ETag and LastModified come from the previous fetch; when set the
	// request is conditional and a 304 yields a Page with NotModified.
	ETag         string
	LastModified string
}

// Page is a fetched response, raw: the body is exactly what the server sent
// (decoded from gzip or deflate), and the parser decides what it is.
type Page struct {
	URL         string      // final URL, after redirects
	Requested   string      // Request.URL exactly as asked for (a plain path stays a path): the key a later run asks by again
	Status      int         // HTTP status (200 for a file)
	Header      http.Header // Content-Type, ETag, Last-Modified, Date, Retry-After
	ContentType string      // the Content-Type header as sent
	Body        []byte      // at most Options.MaxBodyBytes; empty when NotModified
	FetchedAt   time.Time
	NotModified bool // a conditional request answered 304
}

// Fetcher fetches pages politely. Make one per run: it holds a fresh colly
// collector, the run's robots.txt verdicts and per-host timing, and reusing
// one across runs would let that state grow and go stale. Its methods are
// safe for concurrent use. Close it when the run ends.
type Fetcher struct {
	opts      Options
	lg        zerolog.Logger
	collector *colly.Collector
	transport *capTransport
	gate      *Gate

	robotsMu sync.Mutex
	robots   map[string]*robotsEntry // this run's verdicts, by scheme://host
}

// New returns a Fetcher for opts, which it checks. The logger is tagged
// component=scraper.
func New(opts Options, lg zerolog.Logger) (*Fetcher, error) {
	if err := opts.validate(); err != nil {
		return nil, err
	}
	lg = lg.With().Str("component", "scraper").Logger()
	if opts.Transport == nil {
		g := &Guard{AllowPrivate: opts.AllowPrivateNetworks, Resolver: opts.Resolver, Logger: lg, Timeout: opts.RequestTimeout}
		opts.Transport = g.Transport()
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	opts.Header = opts.Header.Clone()
	f := &Fetcher{
		opts:      opts,
		lg:        lg,
		transport: newCapTransport(opts.Transport, opts.MaxBodyBytes),
		robots:    make(map[string]*robotsEntry),
	}
	f.gate = opts.Gate
	if f.gate == nil {
		f.gate = NewGate()
	}
	f.collector = f.newCollector()
	return f, nil
}

// newCollector builds the collector every fetch clones. It is built with
// Init rather than NewCollector so that COLLY_* environment variables cannot
// quietly change caps, robots handling or caching.
func (f *Fetcher) newCollector() *colly.Collector {
	c := &colly.Collector{}
	c.Init()
	c.UserAgent = f.opts.UserAgent
	// We check robots.txt ourselves (colly treats a 5xx robots.txt as allow).
	c.IgnoreRobotsTxt = true
	// Retries and conditional GETs fetch a URL again; Crawl dedupes itself.
	c.AllowURLRevisit = true
	// The transport enforces the real cap after decompression; this is a
	// second fence one byte above it.
	c.MaxBodySize = int(f.opts.MaxBodyBytes + 1)
	// Every status reaches us as a response, not as colly's text error.
	c.ParseHTTPErrorResponse = true
	c.CacheDir = ""
	c.DetectCharset = false
	c.WithTransport(f.transport)
	c.SetRequestTimeout(f.opts.RequestTimeout)
	c.SetRedirectHandler(f.checkRedirect)
	return c
}

// Close releases the transport's idle connections. Call it when the run
// ends; a Fetcher used after Close dials afresh.
func (f *Fetcher) Close() error {
	f.transport.CloseIdleConnections()
	return nil
}

// checkRedirect keeps redirect chains short and on the first URL's site.
// Refusing here means no connection is made to the refused URL.
func (f *Fetcher) checkRedirect(req *http.Request, via []*http.Request) error {
	if len(via) > f.opts.MaxRedirects {
		return fmt.Errorf("%w: stopped after %d", ErrTooManyRedirects, f.opts.MaxRedirects)
	}
	if req.URL.User != nil {
		return fmt.Errorf("%w: redirect to %s", ErrCredentials, req.URL.Redacted())
	}
	next := *req.URL
	u, err := checkScheme(&next)
	if err != nil {
		return fmt.Errorf("redirect to %s: %w", req.URL, err)
	}
	if site(u) != site(via[0].URL) {
		return fmt.Errorf("%w: redirect from %s to %s", ErrOffSite, via[0].URL, req.URL)
	}
	// Where a redirect leads must be allowed too: another host of the site
	// has a robots.txt of its own, another path another rule. (robots.txt's
	// own redirects are not held to robots.txt.)
	if via[0].URL.Path != "/robots.txt" {
		if err := f.checkRobots(req.Context(), u); err != nil {
			return fmt.Errorf("redirect to %s: %w", req.URL, err)
		}
	}
	return nil
}

// Fetch fetches one page. It checks robots.txt first, waits its turn for the
// host, and retries 408, 429 and 5xx answers with backoff, honouring
// Retry-After up to Options.MaxRetryAfter. A non-2xx answer is an
// *HTTPError; a 304 to a conditional request is a Page with NotModified.
// Every error is a *FetchError naming the URL.
func (f *Fetcher) Fetch(ctx context.Context, req Request) (*Page, error) {
	u, err := parseTarget(req.URL)
	if err != nil {
		return nil, &FetchError{URL: req.URL, Err: err}
	}
	target := u.String()
	if err := f.checkRobots(ctx, u); err != nil {
		return nil, &FetchError{URL: target, Err: err}
	}
	hdr := f.header(req.Accept)
	conditional := req.ETag != "" || req.LastModified != ""
	if req.ETag != "" {
		hdr.Set("If-None-Match", req.ETag)
	}
	if req.LastModified != "" {
		hdr.Set("If-Modified-Since", req.LastModified)
	}
	for attempt := 0; ; attempt++ {
		page, err := f.fetchOnce(ctx, u, hdr, conditional)
		if err == nil {
			page.Requested = req.URL
			return page, nil
		}
		var he *HTTPError
		if !errors.As(err, &he) || !retryable(he.Status) || attempt >= f.opts.Retries {
			return nil, &FetchError{URL: target, Err: err}
		}
		wait := f.backoff(attempt)
		if he.retryAfterSet {
			if u.Scheme != "file" && he.RetryAfter > 0 {
				// Every fetcher sharing the gate leaves the host alone
				// until then, this run's and later runs'.
				f.gate.Hold(hostKey(u), f.opts.Now().Add(he.RetryAfter))
			}
			if he.RetryAfter > f.opts.MaxRetryAfter {
				return nil, &FetchError{URL: target, Err: fmt.Errorf("%w: wait of %v exceeds cap of %v: %w",
					he, he.RetryAfter, f.opts.MaxRetryAfter, ErrRetryAfterTooLong)}
			}
			wait = he.RetryAfter
		}
		f.lg.Warn().Str("url", target).Int("status", he.Status).Int("attempt", attempt+1).
			Dur("wait", wait).Msg("retrying")
		if err := f.opts.Sleep(ctx, wait); err != nil {
			return nil, &FetchError{URL: target, Err: err}
		}
	}
}

// fetchOnce makes one attempt and turns the answer into a Page or an error.
func (f *Fetcher) fetchOnce(ctx context.Context, u *url.URL, hdr http.Header, conditional bool) (*Page, error) {
	ex, err := f.exchange(ctx, u, hdr.Clone(), f.opts.MaxBodyBytes, false)
	if err != nil {
		return nil, err
	}
	final, status, header, body := ex.result()
	now := f.opts.Now()
	page := &Page{
		URL:         final.String(),
		Status:      status,
		Header:      http.Header{},
		ContentType: header.Get("Content-Type"),
		FetchedAt:   now,
	}
	for _, k := range keptHeaders {
		if v := header.Values(k); len(v) > 0 {
			page.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), v...)
		}
	}
	switch {
	case status >= 200 && status < 300:
		page.Body = body
		return page, nil
	case status == http.StatusNotModified && conditional:
		page.NotModified = true
		return page, nil
	}
	ra, ok := parseRetryAfter(header.Get("Retry-After"), now)
	return nil, &HTTPError{URL: page.URL, Status: status, RetryAfter: ra, retryAfterSet: ok}
}

// exchange makes one request through a clone of the collector (clones share
// the transport and connection pool but not callbacks, so concurrent fetches
// do not see each other). It holds the host's politeness slot throughout.
func (f *Fetcher) exchange(ctx context.Context, u *url.URL, hdr http.Header, limit int64, truncate bool) (*exchange, error) {
	if u.Scheme != "file" {
		release, err := f.gate.acquire(ctx, hostKey(u), &f.opts)
		if err != nil {
			return nil, err
		}
		defer release()
	}
	ex := &exchange{limit: limit, truncate: truncate}
	c := f.collector.Clone()
	colly.StdlibContext(withWrittenHost(withExchange(ctx, ex), u.Hostname()))(c)
	start := time.Now()
	err := c.Request(http.MethodGet, u.String(), nil, nil, hdr)
	ev := f.lg.Debug().Str("url", u.String()).Dur("elapsed", time.Since(start))
	if err != nil {
		err = f.describe(ctx, err)
		ev.Err(err).Msg("request failed")
		return nil, err
	}
	final, status, _, body := ex.result()
	if final == nil {
		err := fmt.Errorf("no response recorded for %s", u)
		ev.Err(err).Msg("request failed")
		return nil, err
	}
	ev.Int("status", status).Int("bytes", len(body)).Msg("request")
	return ex, nil
}

// describe turns a transport error into one that says what happened, without
// repeating the URL the caller already names.
func (f *Fetcher) describe(ctx context.Context, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	var ne net.Error
	timeout := errors.As(err, &ne) && ne.Timeout()
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	switch {
	case timeout:
		return fmt.Errorf("%w after %v: %w", ErrTimeout, f.opts.RequestTimeout, err)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("body shorter than announced: %w", err)
	}
	return err
}

// header builds the request headers common to every attempt.
func (f *Fetcher) header(accept string) http.Header {
	h := f.opts.Header.Clone()
	if h == nil {
		h = http.Header{}
	}
	h.Set("User-Agent", f.opts.UserAgent)
	if f.opts.From != "" {
		h.Set("From", f.opts.From)
	}
	if accept != "" {
		h.Set("Accept", accept)
	} else if h.Get("Accept") == "" {
		h.Set("Accept", defaultAccept)
	}
	return h
}

// backoff is the wait before retry attempt+1: RetryBackoff doubled per
// attempt, plus up to half of that again at random.
func (f *Fetcher) backoff(attempt int) time.Duration {
	d := f.opts.RetryBackoff << min(attempt, 16)
	if d <= 0 {
		return 0
	}
	return d + rand.N(d/2+1)
}

// retryable reports whether a status is worth asking again: a timeout, rate
// limiting or a server error.
func retryable(status int) bool {
	return status == http.StatusRequestTimeout || status == http.StatusTooManyRequests || status >= 500
}

// parseRetryAfter reads a Retry-After value, in seconds or as an HTTP-date
// (RFC 9110 §10.2.3). ok is false for a missing, negative or garbled value.
func parseRetryAfter(v string, now time.Time) (d time.Duration, ok bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0, false
	}
	if strings.Trim(v, "0123456789") == "" {
		n, err := strconv.ParseInt(v, 10, 64)
		if err != nil || n > 1<<32 { // too many digits: longer than any cap
			n = 1 << 32
		}
		return time.Duration(n) * time.Second, true
	}
	t, err := http.ParseTime(v)
	if err != nil {
		return 0, false
	}
	return max(t.Sub(now), 0), true
}
