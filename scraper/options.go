package scraper

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"time"
)

// projectURL is the contact address sent in the User-Agent.
const projectURL = "https://github.com/statusarchive/statusarchive"

// UserAgent returns the User-Agent this tool sends for a given version:
// it names the tool and a contact URL so that an operator can reach us.
func UserAgent(version string) string {
	if version == "" {
		version = "dev"
	}
	return "statusarchive/" + version + " (+" + projectURL + ")"
}

// Options configures a Fetcher. Start from DefaultOptions and change what you
// need; New rejects values that would make the fetcher impolite or unbounded.
type Options struct {
	// UserAgent is sent with every request, robots.txt included.
	UserAgent string
	// From, if set, is sent as the From header (an e-mail address to contact
	// the operator, RFC 9110 §10.1.2).
	From string
	// Header holds extra request headers. If it sets Accept-Encoding, the
	// fetcher still decodes gzip and deflate itself under MaxBodyBytes.
	Header http.Header

	// IgnoreRobots turns off robots.txt checks. The zero value respects
	// robots.txt.
	IgnoreRobots bool
	// Robots, if set, is a robots.txt cache shared between fetchers (a daemon
	// keeps one across runs). Without it each fetcher keeps its own.
	Robots *RobotsCache
	// MaxRobotsBytes is how much of a robots.txt is read and parsed; the rest
	// is ignored (RFC 9309 §2.5 asks for at least 500 KiB).
	MaxRobotsBytes int64

	// RequestTimeout bounds one request from dial to the last body byte.
	RequestTimeout time.Duration
	// MaxBodyBytes caps a response body after decompression. A larger body
	// is an error (ErrBodyTooLarge), never a truncated page.
	MaxBodyBytes int64
	// MaxPages caps the pages one Crawl fetches.
	MaxPages int

	// Delay is the least time between the end of one request to a host and
	// the start of the next; RandomDelay adds up to that much at random.
	// SetDelay sets both, the jitter at half the delay. A robots.txt
	// Crawl-delay longer than Delay wins (up to MaxCrawlDelay).
	Delay       time.Duration
	RandomDelay time.Duration
	// Parallelism is how many requests may be in flight to one host
	// (host:port) at once.
	Parallelism int
	// Gate, if set, is the per-host budget shared by every fetcher of the
	// process (a daemon's sources), Retry-After holds included. Without it
	// each fetcher keeps its own.
	Gate *Gate

	// Retries is how many times a 408, 429 or 5xx answer is retried.
	Retries int
	// RetryBackoff is the first retry's wait; each later retry doubles it,
	// and up to half of it again is added at random.
	RetryBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After the fetcher will sleep; a
	// longer one fails with ErrRetryAfterTooLong.
	MaxRetryAfter time.Duration
	// MaxRedirects is the longest redirect chain followed. Redirects must
	// stay on the requested URL's site.
	MaxRedirects int

	// AllowPrivateNetworks lets requests reach loopback, private,
	// link-local and other internal addresses (--allow-private-networks).
	// Without it the default transport's Guard refuses them at dial time,
	// except a loopback address written plainly in the URL.
	AllowPrivateNetworks bool
	// Resolver finds host names' addresses for the Guard; nil means
	// net.DefaultResolver. Tests inject a stub.
	Resolver Resolver

	// Progress, when set, is called by Crawl after each page (and once at
	// the start) with the counts so far, for a progress display. It runs
	// on the crawling goroutine: keep it quick.
	Progress func(Progress)

	// Transport carries the requests. Nil means a clone of
	// http.DefaultTransport dialing through a Guard (see
	// AllowPrivateNetworks); a Transport given here is used as it is.
	// file:// URLs never reach it.
	Transport http.RoundTripper
	// Now and Sleep stand in for the clock in tests. Sleep must return
	// early with ctx.Err() when ctx ends.
	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

// DefaultOptions returns polite settings for one CLI run. See the package
// documentation for why each value is what it is.
func DefaultOptions() Options {
	return Options{
		UserAgent:      UserAgent(""),
		MaxRobotsBytes: 500 << 10,
		RequestTimeout: 20 * time.Second,
		MaxBodyBytes:   8 << 20,
		MaxPages:       50,
		Delay:          time.Second,
		RandomDelay:    500 * time.Millisecond,
		Parallelism:    1,
		Retries:        2,
		RetryBackoff:   time.Second,
		MaxRetryAfter:  60 * time.Second,
		MaxRedirects:   5,
	}
}

// SetDelay sets the delay between two requests to one host and scales the
// random jitter with it (half the delay), so that a short delay is short:
// --delay 1ms waits at most 1.5 ms, not the default's half second.
func (o *Options) SetDelay(d time.Duration) {
	o.Delay, o.RandomDelay = d, d/2
}

// validate reports the first option that is out of range.
func (o *Options) validate() error {
	var errs []error
	check := func(bad bool, format string, args ...any) {
		if bad {
			errs = append(errs, fmt.Errorf(format, args...))
		}
	}
	check(o.UserAgent == "", "user agent is empty")
	if o.From != "" {
		a, err := mail.ParseAddress(o.From)
		check(err != nil || a.Name != "" || a.Address != o.From, "from %q is not one e-mail address such as ops@example.com", o.From)
	}
	check(o.MaxRobotsBytes <= 0, "max robots bytes %d is not positive", o.MaxRobotsBytes)
	check(o.RequestTimeout <= 0, "request timeout %v is not positive", o.RequestTimeout)
	check(o.MaxBodyBytes <= 0, "max body bytes %d is not positive", o.MaxBodyBytes)
	check(o.MaxPages <= 0, "max pages %d is not positive", o.MaxPages)
	check(o.Delay < 0 || o.RandomDelay < 0, "delays must not be negative")
	check(o.Parallelism <= 0, "parallelism %d is not positive", o.Parallelism)
	check(o.Retries < 0, "retries %d is negative", o.Retries)
	check(o.RetryBackoff < 0, "retry backoff %v is negative", o.RetryBackoff)
	check(o.MaxRetryAfter < 0, "max retry-after %v is negative", o.MaxRetryAfter)
	check(o.MaxRedirects < 0, "max redirects %d is negative", o.MaxRedirects)
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("scraper options: %w", err)
	}
	return nil
}

// sleepCtx waits for d or until ctx ends, whichever is first.
func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
