package scraper

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
)

// exchangeKey carries an *exchange in a request's context.
type exchangeKey struct{}

// exchange is one logical fetch as the transport saw it: colly drives the
// request, the transport records the last hop here. Keeping the raw body here
// (rather than colly's copy) means the parser gets the bytes as served, not
// re-encoded by colly's charset guess.
type exchange struct {
	limit    int64 // body cap in bytes, after decompression
	truncate bool  // at the cap, stop quietly (robots.txt) instead of failing

	mu     sync.Mutex
	url    *url.URL
	status int
	header http.Header
	body   *cappedBody
}

// result returns what the last hop answered.
func (ex *exchange) result() (u *url.URL, status int, header http.Header, body []byte) {
	ex.mu.Lock()
	defer ex.mu.Unlock()
	if ex.body != nil {
		body = ex.body.buf.Bytes()
	}
	return ex.url, ex.status, ex.header, body
}

// capTransport decodes and caps every response body. It routes file:// URLs
// to a file transport and everything else to base.
type capTransport struct {
	base  http.RoundTripper
	files http.RoundTripper
	limit int64 // cap for requests that carry no exchange
}

func newCapTransport(base http.RoundTripper, limit int64) *capTransport {
	return &capTransport{
		base:  base,
		files: http.NewFileTransport(http.Dir("/")),
		limit: limit,
	}
}

// RoundTrip sends req, then replaces the response body with one that is
// decoded (gzip, deflate) and fails once it passes the cap. It marks the
// response Uncompressed so that colly never gunzips it again unbounded
// (gocolly/colly#923).
func (t *capTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	rt := t.base
	if req.URL.Scheme == "file" {
		rt = t.files
	}
	resp, err := rt.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	ex, _ := req.Context().Value(exchangeKey{}).(*exchange)
	limit, truncate := t.limit, false
	if ex != nil {
		limit, truncate = ex.limit, ex.truncate
	}
	decoded, closers, err := decode(resp)
	if err != nil {
		_ = resp.Body.Close()
		return nil, err
	}
	body := &cappedBody{r: decoded, closers: closers, limit: limit, truncate: truncate}
	if n := resp.ContentLength; n > 0 && n <= limit && len(closers) == 1 {
		body.buf.Grow(int(n))
	}
	resp.Body = body
	resp.Uncompressed = true
	if ex != nil {
		ex.mu.Lock()
		ex.url, ex.status, ex.header, ex.body = req.URL, resp.StatusCode, resp.Header.Clone(), body
		ex.mu.Unlock()
	}
	return resp, nil
}

// CloseIdleConnections closes the base transport's idle connections.
func (t *capTransport) CloseIdleConnections() {
	if c, ok := t.base.(interface{ CloseIdleConnections() }); ok {
		c.CloseIdleConnections()
	}
}

// decode undoes the Content-Encoding the transport did not already undo.
// Codings are applied in the listed order, so they are removed in reverse.
func decode(resp *http.Response) (io.Reader, []io.Closer, error) {
	closers := []io.Closer{resp.Body}
	var r io.Reader = resp.Body
	if resp.Uncompressed {
		return r, closers, nil
	}
	var codings []string
	for _, v := range resp.Header.Values("Content-Encoding") {
		for _, c := range strings.Split(v, ",") {
			if c = strings.ToLower(strings.TrimSpace(c)); c != "" && c != "identity" {
				codings = append(codings, c)
			}
		}
	}
	if len(codings) == 0 {
		return r, closers, nil
	}
	for i := len(codings) - 1; i >= 0; i-- {
		var rc io.ReadCloser
		var err error
		switch codings[i] {
		case "gzip", "x-gzip":
			rc, err = gzip.NewReader(r)
		case "deflate":
			rc, err = zlib.NewReader(r)
		default:
			return nil, nil, fmt.Errorf("%w %q", ErrUnsupportedEncoding, codings[i])
		}
		if err != nil {
			return nil, nil, fmt.Errorf("decode %s body: %w", codings[i], err)
		}
		r = rc
		closers = append(closers, rc)
	}
	resp.Header.Del("Content-Encoding")
	resp.Header.Del("Content-Length")
	resp.ContentLength = -1
	return r, closers, nil
}

// cappedBody reads at most limit+1 decoded bytes, keeping a copy of what it
// returns. Past the limit it fails with a bodyTooLargeError, or, when
// truncate is set, ends quietly at the limit.
type cappedBody struct {
	r        io.Reader
	closers  []io.Closer
	limit    int64
	truncate bool

	n   int64
	buf bytes.Buffer
	err error
}

func (b *cappedBody) Read(p []byte) (int, error) {
	if b.err != nil {
		return 0, b.err
	}
	if room := b.limit + 1 - b.n; int64(len(p)) > room {
		p = p[:room]
	}
	n, err := b.r.Read(p)
	if b.n+int64(n) > b.limit {
		keep := int(b.limit - b.n)
		b.buf.Write(p[:keep])
		b.n = b.limit
		if b.truncate {
			b.err = io.EOF
			return keep, io.EOF
		}
		b.err = &bodyTooLargeError{limit: b.limit}
		return 0, b.err
	}
	b.n += int64(n)
	b.buf.Write(p[:n])
	return n, err
}

func (b *cappedBody) Close() error {
	var first error
	for i := len(b.closers) - 1; i >= 0; i-- {
		if err := b.closers[i].Close(); err != nil && first == nil {
			first = err
		}
	}
	return first
}

// withExchange returns ctx carrying ex for the transport.
func withExchange(ctx context.Context, ex *exchange) context.Context {
	return context.WithValue(ctx, exchangeKey{}, ex)
}
