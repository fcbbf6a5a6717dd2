package scraper

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Sentinel errors say what went wrong; FetchError and HTTPError say where.
var (
	// ErrBodyTooLarge means a response body, after decompression, is larger
	// than Options.MaxBodyBytes. The page is refused, never truncated.
	ErrBodyTooLarge = errors.New("body too large")
	// ErrHTTPStatus means the server answered with a status we do not accept
	// as a page (anything but 2xx, and 304 for a conditional request).
	ErrHTTPStatus = errors.New("unexpected http status")
	// ErrRobotsDisallowed means the host's robots.txt disallows the URL for
	// our user agent.
	ErrRobotsDisallowed = errors.New("disallowed by robots.txt")
	// ErrRobotsUnreachable means robots.txt answered 5xx or could not be
	// fetched; RFC 9309 §2.3.1.4 says to assume complete disallow.
	ErrRobotsUnreachable = errors.New("robots.txt unreachable, assuming disallow")
	// ErrOffSite means a redirect or a followed link leaves the start URL's
	// site. It is refused before any connection to the other site.
	ErrOffSite = errors.New("off-site url refused")
	// ErrTooManyRedirects means a redirect chain is longer than
	// Options.MaxRedirects (loops end here too).
	ErrTooManyRedirects = errors.New("too many redirects")
	// ErrRetryAfterTooLong means the server asked us to wait longer than
	// Options.MaxRetryAfter; we fail instead of sleeping.
	ErrRetryAfterTooLong = errors.New("retry-after exceeds cap")
	// ErrTimeout means no complete response arrived within
	// Options.RequestTimeout.
	ErrTimeout = errors.New("timeout")
	// ErrUnsupportedEncoding means the body uses a Content-Encoding we cannot
	// decode with a size cap (anything but gzip, deflate and identity).
	ErrUnsupportedEncoding = errors.New("unsupported content-encoding")
	// ErrCredentials means a redirect or a followed link carries a user
	// name or password (http://user@host/): refused, so that no server
	// can make us send credentials or store them.
	ErrCredentials = errors.New("credentials in url refused")
	// ErrUnsupportedScheme means the URL is neither http, https nor file.
	ErrUnsupportedScheme = errors.New("unsupported url scheme")
)

// FetchError names the URL whose fetch failed.
type FetchError struct {
	URL string
	Err error
}

func (e *FetchError) Error() string { return "fetch " + e.URL + ": " + e.Err.Error() }

func (e *FetchError) Unwrap() error { return e.Err }

// HTTPError is a response whose status is not a page. RetryAfter is the
// server's Retry-After, if it sent a usable one, so that a scheduler can skip
// the host until then.
type HTTPError struct {
	URL        string
	Status     int
	RetryAfter time.Duration

	retryAfterSet bool // the server sent a usable Retry-After (maybe 0)
}

func (e *HTTPError) Error() string {
	msg := fmt.Sprintf("http status %d", e.Status)
	if text := http.StatusText(e.Status); text != "" {
		msg += " " + strings.ToLower(text)
	}
	if e.RetryAfter > 0 {
		msg += fmt.Sprintf(" (retry after %v)", e.RetryAfter)
	}
	return msg
}

func (e *HTTPError) Unwrap() error { return ErrHTTPStatus }

// bodyTooLargeError carries the cap for the message and matches
// ErrBodyTooLarge.
type bodyTooLargeError struct{ limit int64 }

func (e *bodyTooLargeError) Error() string {
	return fmt.Sprintf("body exceeds cap of %d bytes", e.limit)
}

func (e *bodyTooLargeError) Is(target error) bool { return target == ErrBodyTooLarge }
