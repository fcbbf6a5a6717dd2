package scraper

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestFetchHTML(t *testing.T) {
	const body = "<html><body><h1>All systems operational</h1></body></html>"
	var gotUA, gotFrom, gotAccept atomic.Value
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		gotUA.Store(r.Header.Get("User-Agent"))
		gotFrom.Store(r.Header.Get("From"))
		gotAccept.Store(r.Header.Get("Accept"))
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("X-Noise", "dropped")
		fmt.Fprint(w, body)
	}))
	clock := newFakeClock()
	o := testOptions(clock)
	o.UserAgent = UserAgent("1.2.3")
	o.From = "ops@example.org"
	f := newFetcher(t, o)

	page, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/history"})
	if err != nil {
		t.Fatalf("Fetch: %v", err)
	}
	if string(page.Body) != body {
		t.Errorf("body = %q, want %q", page.Body, body)
	}
	checks := []struct{ name, got, want string }{
		{"URL", page.URL, srv.URL + "/history"},
		{"Requested", page.Requested, srv.URL + "/history"},
		{"ContentType", page.ContentType, "text/html; charset=utf-8"},
		{"ETag", page.Header.Get("ETag"), `"v1"`},
		{"X-Noise", page.Header.Get("X-Noise"), ""},
		{"User-Agent", gotUA.Load().(string), "statusarchive/1.2.3 (+https://github.com/statusarchive/statusarchive)"},
		{"From", gotFrom.Load().(string), "ops@example.org"},
		{"Accept", gotAccept.Load().(string), defaultAccept},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %q, want %q", c.name, c.got, c.want)
		}
	}
	if page.Status != 200 || page.NotModified || !page.FetchedAt.Equal(clock.Now()) {
		t.Errorf("status, not-modified, fetched-at = %d, %v, %v; want 200, false, %v",
			page.Status, page.NotModified, page.FetchedAt, clock.Now())
	}
}

func TestFetchStatus(t *testing.T) {
	tests := []struct {
		name      string
		statuses  []int // answered in turn; the last one repeats
		wantErr   int   // 0: success
		wantHits  int
		wantSleep int
	}{
		{"404 is not retried", []int{404}, 404, 1, 0},
		{"500 always: 1+retries requests", []int{500}, 500, 3, 2},
		{"503 always: 1+retries requests", []int{503}, 503, 3, 2},
		{"408 then 200", []int{408, 200}, 0, 2, 1},
		{"502, 503, then 200", []int{502, 503, 200}, 0, 3, 2},
		{"410 gone", []int{410}, 410, 1, 0},
		{"204 no content is a page", []int{204}, 0, 1, 0},
		{"301 without location is an error", []int{301}, 301, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int64
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				i := int(n.Add(1)) - 1
				w.WriteHeader(tt.statuses[min(i, len(tt.statuses)-1)])
			}))
			clock := newFakeClock()
			o := testOptions(clock)
			o.IgnoreRobots = true
			f := newFetcher(t, o)

			page, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/x"})
			if hits := srv.Hits("/x"); hits != tt.wantHits {
				t.Errorf("server hits = %d, want %d", hits, tt.wantHits)
			}
			if got := len(clock.Sleeps()); got != tt.wantSleep {
				t.Errorf("sleeps = %d, want %d", got, tt.wantSleep)
			}
			if tt.wantErr == 0 {
				if err != nil {
					t.Fatalf("Fetch: %v, want a page", err)
				}
				return
			}
			var he *HTTPError
			var fe *FetchError
			if !errors.As(err, &he) || !errors.As(err, &fe) || !errors.Is(err, ErrHTTPStatus) {
				t.Fatalf("Fetch = %v, %v; want *FetchError wrapping *HTTPError", page, err)
			}
			if he.Status != tt.wantErr || fe.URL != srv.URL+"/x" {
				t.Errorf("status, url = %d, %s; want %d, %s", he.Status, fe.URL, tt.wantErr, srv.URL+"/x")
			}
		})
	}
}

func TestRetryBackoffGrows(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	clock := newFakeClock()
	o := testOptions(clock)
	o.IgnoreRobots = true
	o.Retries = 3
	o.RetryBackoff = 100 * time.Millisecond
	f := newFetcher(t, o)
	if _, err := f.Fetch(context.Background(), Request{URL: srv.URL}); !errors.Is(err, ErrHTTPStatus) {
		t.Fatalf("Fetch: %v, want ErrHTTPStatus", err)
	}
	sleeps := clock.Sleeps()
	if len(sleeps) != 3 {
		t.Fatalf("sleeps = %v, want 3", sleeps)
	}
	for i, d := range sleeps {
		lo := o.RetryBackoff << i
		if hi := lo + lo/2; d < lo || d > hi {
			t.Errorf("sleep %d = %v, want within [%v, %v]", i, d, lo, hi)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	clockStart := newFakeClock().Now()
	tests := []struct {
		name       string
		retryAfter string
		wantWait   time.Duration // exact wait; 0 means default backoff
		wantTooBig bool
	}{
		{"seconds", "7", 7 * time.Second, false},
		{"zero seconds", "0", 0, false},
		{"http date", clockStart.Add(30 * time.Second).Format(http.TimeFormat), 30 * time.Second, false},
		{"http date in the past", clockStart.Add(-time.Hour).Format(http.TimeFormat), 0, false},
		{"negative falls back to backoff", "-5", -1, false},
		{"garbage falls back to backoff", "soon", -1, false},
		{"over the cap", "120", 0, true},
		{"far over the cap", "999999999", 0, true},
		{"date over the cap", "Wed, 21 Oct 2037 07:28:00 GMT", 0, true},
		{"overflowing number", "99999999999999999999999", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := newFakeClock()
			var mu sync.Mutex
			var arrivals []time.Time
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				arrivals = append(arrivals, clock.Now())
				n := len(arrivals)
				mu.Unlock()
				if n == 1 {
					w.Header().Set("Retry-After", tt.retryAfter)
					w.WriteHeader(http.StatusTooManyRequests)
					return
				}
				fmt.Fprint(w, "ok")
			}))
			o := testOptions(clock)
			o.IgnoreRobots = true
			f := newFetcher(t, o)

			page, err := f.Fetch(context.Background(), Request{URL: srv.URL})
			mu.Lock()
			defer mu.Unlock()
			if tt.wantTooBig {
				var he *HTTPError
				if !errors.Is(err, ErrRetryAfterTooLong) || !errors.As(err, &he) || he.Status != 429 {
					t.Fatalf("Fetch = %v; want ErrRetryAfterTooLong with status 429", err)
				}
				if len(arrivals) != 1 || len(clock.Sleeps()) != 0 {
					t.Errorf("requests, sleeps = %d, %v; want 1, none", len(arrivals), clock.Sleeps())
				}
				return
			}
			if err != nil || string(page.Body) != "ok" {
				t.Fatalf("Fetch = %v; want the second answer", err)
			}
			sleeps := clock.Sleeps()
			if len(sleeps) != 1 || len(arrivals) != 2 {
				t.Fatalf("sleeps, requests = %v, %d; want 1 sleep, 2 requests", sleeps, len(arrivals))
			}
			wait := sleeps[0]
			switch {
			case tt.wantWait >= 0 && wait != tt.wantWait:
				t.Errorf("wait = %v, want %v", wait, tt.wantWait)
			case tt.wantWait < 0 && (wait < o.RetryBackoff || wait > o.RetryBackoff*3/2):
				t.Errorf("wait = %v, want default backoff %v..%v", wait, o.RetryBackoff, o.RetryBackoff*3/2)
			}
			if gap := arrivals[1].Sub(arrivals[0]); gap < wait {
				t.Errorf("second request came %v after the first, before the %v wait", gap, wait)
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2015, 10, 21, 7, 28, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"120", 120 * time.Second, true},
		{" 3 ", 3 * time.Second, true},
		{"Wed, 21 Oct 2015 07:29:00 GMT", time.Minute, true},
		{"Wednesday, 21-Oct-15 07:28:30 GMT", 30 * time.Second, true},
		{"Wed Oct 21 07:28:10 2015", 10 * time.Second, true},
		{"", 0, false},
		{"-5", 0, false},
		{"+5", 0, false},
		{"1.5", 0, false},
		{"soon", 0, false},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseRetryAfter(%q) = %v, %v; want %v, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestFetchUnreachable(t *testing.T) {
	o := testOptions(newFakeClock())
	o.IgnoreRobots = true
	f := newFetcher(t, o)
	u := "http://" + closedPort(t) + "/history"
	_, err := f.Fetch(context.Background(), Request{URL: u})
	var fe *FetchError
	if !errors.As(err, &fe) || fe.URL != u || errors.Is(err, ErrHTTPStatus) {
		t.Fatalf("Fetch = %v; want a *FetchError for %s that is no HTTP status", err, u)
	}
	if !strings.Contains(err.Error(), "refused") {
		t.Errorf("error = %q, want it to say the connection was refused", err)
	}
}

func TestFetchNonHTML(t *testing.T) {
	tests := []struct {
		name, contentType, body string
	}{
		{"json", "application/json", `{"incidents":[]}`},
		{"plain text", "text/plain; charset=utf-8", "All good"},
		{"octet stream", "application/octet-stream", "\x00\x01\x02"},
		{"no content type", "", "<html>sniff me not</html>"},
		{"windows-1252 kept raw", "text/html; charset=windows-1252", "Caf\xe9 outage \x96 resolved"},
		{"empty 200", "text/html", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.contentType == "" {
					w.Header()["Content-Type"] = nil
				} else {
					w.Header().Set("Content-Type", tt.contentType)
				}
				io.WriteString(w, tt.body)
			}))
			f := newFetcher(t, testOptions(newFakeClock()))
			page, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/p"})
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if string(page.Body) != tt.body || page.ContentType != tt.contentType {
				t.Errorf("body, type = %q, %q; want %q, %q", page.Body, page.ContentType, tt.body, tt.contentType)
			}
		})
	}
}

// gzipped returns data compressed n times.
func gzipped(t testing.TB, data []byte, n int) []byte {
	t.Helper()
	for range n {
		var b bytes.Buffer
		zw := gzip.NewWriter(&b)
		if _, err := zw.Write(data); err != nil {
			t.Fatal(err)
		}
		if err := zw.Close(); err != nil {
			t.Fatal(err)
		}
		data = b.Bytes()
	}
	return data
}

func TestBodyCap(t *testing.T) {
	const limit = 64 << 10
	bomb := gzipped(t, make([]byte, 4<<20), 1) // 4 MiB of zeros, about 4 KB
	small := []byte(strings.Repeat("x", 1000))
	tests := []struct {
		name           string
		path           string
		header         map[string]string // response headers
		body           []byte
		acceptEncoding string // set through Options.Header
		wantErr        error  // nil: a page
		wantBody       []byte // checked when wantErr is nil
	}{
		{"exactly the cap", "/p", nil, bytes.Repeat([]byte("a"), limit), "", nil, bytes.Repeat([]byte("a"), limit)},
		{"one byte over the cap", "/p", nil, bytes.Repeat([]byte("a"), limit+1), "", ErrBodyTooLarge, nil},
		{"11.5 MB page", "/p", nil, bytes.Repeat([]byte("a"), 11_534_367), "", ErrBodyTooLarge, nil},
		{"gzip bomb", "/p", map[string]string{"Content-Encoding": "gzip"}, bomb, "", ErrBodyTooLarge, nil},
		{"gzip bomb, caller asks for gzip", "/p", map[string]string{"Content-Encoding": "gzip"}, bomb, "gzip", ErrBodyTooLarge, nil},
		{"gzip bomb, x-gzip", "/p", map[string]string{"Content-Encoding": "x-gzip"}, bomb, "gzip", ErrBodyTooLarge, nil},
		{"gzip inside gzip, both declared", "/p", map[string]string{"Content-Encoding": "gzip, gzip"}, gzipped(t, make([]byte, 4<<20), 2), "gzip", ErrBodyTooLarge, nil},
		{"gzip small page, caller asks for gzip", "/p", map[string]string{"Content-Encoding": "gzip"}, gzipped(t, small, 1), "gzip", nil, small},
		{"gzip small page", "/p", map[string]string{"Content-Encoding": "gzip"}, gzipped(t, small, 1), "", nil, small},
		{"deflate small page", "/p", map[string]string{"Content-Encoding": "deflate"}, zlibbed(t, small), "deflate", nil, small},
		{"xml.gz path is returned raw", "/feed.xml.gz", map[string]string{"Content-Type": "application/xml"}, bomb, "", nil, bomb},
		{"gzip content type is returned raw", "/f", map[string]string{"Content-Type": "application/gzip"}, bomb, "", nil, bomb},
		{"brotli is refused", "/p", map[string]string{"Content-Encoding": "br"}, small, "br", ErrUnsupportedEncoding, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range tt.header {
					w.Header().Set(k, v)
				}
				w.Write(tt.body)
			}))
			o := testOptions(newFakeClock())
			o.MaxBodyBytes = limit
			if tt.acceptEncoding != "" {
				o.Header = http.Header{"Accept-Encoding": {tt.acceptEncoding}}
			}
			f := newFetcher(t, o)
			page, err := f.Fetch(context.Background(), Request{URL: srv.URL + tt.path})
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("Fetch = %v, want %v", err, tt.wantErr)
				}
				if page != nil {
					t.Errorf("page with %d bytes delivered along with the error", len(page.Body))
				}
				return
			}
			if err != nil {
				t.Fatalf("Fetch: %v", err)
			}
			if !bytes.Equal(page.Body, tt.wantBody) || len(page.Body) > limit {
				t.Errorf("body is %d bytes, want %d (cap %d)", len(page.Body), len(tt.wantBody), limit)
			}
		})
	}
}

// TestGzipBombDefaultCap serves 200 MiB of zeros gzipped on the fly (the
// server compresses only as fast as the client reads) against the default
// 8 MiB cap, with and without a caller-set Accept-Encoding.
func TestGzipBombDefaultCap(t *testing.T) {
	for _, acceptEncoding := range []string{"", "gzip"} {
		var sent atomic.Int64
		srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			w.Header().Set("Content-Encoding", "gzip")
			cw := &countingWriter{w: w, n: &sent}
			zw, _ := gzip.NewWriterLevel(cw, gzip.BestSpeed)
			zeros := make([]byte, 64<<10)
			for range 200 << 20 / len(zeros) {
				if _, err := zw.Write(zeros); err != nil {
					return
				}
			}
			zw.Close()
		}))
		o := testOptions(newFakeClock())
		o.RequestTimeout = time.Minute // compressing 8 MiB under -race on a busy machine is slow
		if acceptEncoding != "" {
			o.Header = http.Header{"Accept-Encoding": {acceptEncoding}}
		}
		f := newFetcher(t, o)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		page, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/bomb"})
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrBodyTooLarge) || page != nil {
			t.Fatalf("Accept-Encoding %q: Fetch = %v, want ErrBodyTooLarge and no page", acceptEncoding, err)
		}
		t.Logf("Accept-Encoding %q: %v; server wrote %d compressed bytes; %d MiB allocated during the fetch",
			acceptEncoding, err, sent.Load(), (after.TotalAlloc-before.TotalAlloc)>>20)
	}
}

type countingWriter struct {
	w io.Writer
	n *atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}

func zlibbed(t testing.TB, data []byte) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zlib.NewWriter(&b)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func TestBodyCapMessage(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Write(make([]byte, 101))
	}))
	o := testOptions(newFakeClock())
	o.MaxBodyBytes = 100
	f := newFetcher(t, o)
	_, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/x"})
	want := "fetch " + srv.URL + "/x: body exceeds cap of 100 bytes"
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %q", err, want)
	}
}

// TestCappedBodyReadsAtMostCapPlusOne checks the bound on what is pulled
// from the network (or the decompressor): cap+1 bytes, however large the
// source.
func TestCappedBodyReadsAtMostCapPlusOne(t *testing.T) {
	for _, truncate := range []bool{false, true} {
		var pulled countingReader
		pulled.r = zeros{}
		b := &cappedBody{r: &pulled, limit: 1000, truncate: truncate}
		got, err := io.ReadAll(b)
		if pulled.n > 1001 {
			t.Errorf("truncate=%v: pulled %d bytes from the source, want at most 1001", truncate, pulled.n)
		}
		if truncate && (err != nil || len(got) != 1000) {
			t.Errorf("truncate: ReadAll = %d bytes, %v; want 1000, nil", len(got), err)
		}
		if !truncate && !errors.Is(err, ErrBodyTooLarge) {
			t.Errorf("ReadAll error = %v, want ErrBodyTooLarge", err)
		}
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

func TestBrokenBodies(t *testing.T) {
	tests := []struct {
		name    string
		raw     string // written on the hijacked connection, which is then closed
		wantErr error
	}{
		{"content-length longer than body",
			"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 1000\r\n\r\n" + strings.Repeat("x", 40),
			io.ErrUnexpectedEOF},
		{"invalid chunk length",
			"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n",
			nil},
		{"gzip declared, body is not gzip",
			"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 11\r\n\r\nhello world",
			nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				conn, buf, err := http.NewResponseController(w).Hijack()
				if err != nil {
					t.Error(err)
					return
				}
				defer conn.Close()
				buf.WriteString(tt.raw)
				buf.Flush()
			}))
			o := testOptions(newFakeClock())
			o.IgnoreRobots = true
			f := newFetcher(t, o)
			page, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/p"})
			if err == nil {
				t.Fatalf("Fetch = %d-byte page, want an error", len(page.Body))
			}
			if tt.wantErr != nil && !errors.Is(err, tt.wantErr) {
				t.Errorf("Fetch error = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestSlowServersAbandonedAtTimeout(t *testing.T) {
	const timeout = 300 * time.Millisecond
	tests := []struct {
		name    string
		handler http.HandlerFunc
	}{
		{"1 byte per second", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			rc := http.NewResponseController(w)
			for {
				if _, err := w.Write([]byte("x")); err != nil {
					return
				}
				rc.Flush()
				select {
				case <-r.Context().Done():
					return
				case <-time.After(time.Second):
				}
			}
		}},
		{"headers then silence", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Length", "100")
			w.WriteHeader(http.StatusOK)
			http.NewResponseController(w).Flush()
			<-r.Context().Done()
		}},
		{"silence before headers", func(w http.ResponseWriter, r *http.Request) {
			<-r.Context().Done()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := newServer(t, tt.handler)
			o := testOptions(nil)
			o.IgnoreRobots = true
			o.RequestTimeout = timeout
			f := newFetcher(t, o)
			start := time.Now()
			_, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/slow"})
			elapsed := time.Since(start)
			if !errors.Is(err, ErrTimeout) {
				t.Fatalf("Fetch = %v, want ErrTimeout", err)
			}
			if elapsed < timeout || elapsed > 2*timeout {
				t.Errorf("abandoned after %v, want about %v", elapsed, timeout)
			}
			t.Logf("abandoned after %v: %v", elapsed, err)
		})
	}
}

func TestFetchCancelled(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-r.Context().Done()
	}))
	o := testOptions(nil)
	o.IgnoreRobots = true
	f := newFetcher(t, o)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := f.Fetch(ctx, Request{URL: srv.URL})
	if !errors.Is(err, context.DeadlineExceeded) || errors.Is(err, ErrTimeout) {
		t.Errorf("Fetch = %v, want the context's deadline, not the request timeout", err)
	}
	if elapsed := time.Since(start); elapsed > time.Second {
		t.Errorf("cancel took %v", elapsed)
	}
}

func TestConditionalGet(t *testing.T) {
	var ifNoneMatch, ifModifiedSince atomic.Value
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		inm, ims := r.Header.Get("If-None-Match"), r.Header.Get("If-Modified-Since")
		ifNoneMatch.Store(inm)
		ifModifiedSince.Store(ims)
		w.Header().Set("ETag", `"v1"`)
		w.Header().Set("Last-Modified", "Wed, 01 Jul 2026 10:00:00 GMT")
		if inm == `"v1"` {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		fmt.Fprint(w, "<html>history</html>")
	}))
	f := newFetcher(t, testOptions(newFakeClock()))
	ctx := context.Background()
	first, err := f.Fetch(ctx, Request{URL: srv.URL + "/h"})
	if err != nil || first.NotModified || ifNoneMatch.Load().(string) != "" {
		t.Fatalf("first Fetch = %+v, %v (If-None-Match %q); want a full page, no validators sent", first, err, ifNoneMatch.Load())
	}
	second, err := f.Fetch(ctx, Request{URL: srv.URL + "/h",
		ETag: first.Header.Get("ETag"), LastModified: first.Header.Get("Last-Modified")})
	if err != nil {
		t.Fatalf("second Fetch: %v", err)
	}
	if ifNoneMatch.Load().(string) != `"v1"` || ifModifiedSince.Load().(string) != "Wed, 01 Jul 2026 10:00:00 GMT" {
		t.Errorf("validators sent = %q, %q; want the first page's", ifNoneMatch.Load(), ifModifiedSince.Load())
	}
	if !second.NotModified || second.Status != 304 || len(second.Body) != 0 || second.Header.Get("ETag") != `"v1"` {
		t.Errorf("second page = %+v, want NotModified with no body", second)
	}
}

func TestUnaskedNotModifiedIsAnError(t *testing.T) {
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusNotModified)
	}))
	f := newFetcher(t, testOptions(newFakeClock()))
	_, err := f.Fetch(context.Background(), Request{URL: srv.URL + "/h"})
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 304 {
		t.Errorf("Fetch = %v, want an HTTPError 304 (no validators were sent)", err)
	}
}

func TestRedirects(t *testing.T) {
	other := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "elsewhere")
	}))
	srv := newServer(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch p := r.URL.Path; {
		case p == "/old":
			http.Redirect(w, r, "/new", http.StatusMovedPermanently)
		case p == "/new":
			fmt.Fprint(w, "new home")
		case p == "/away":
			http.Redirect(w, r, other.URL+"/x", http.StatusFound)
		case p == "/metadata":
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/", http.StatusFound)
		case p == "/file":
			http.Redirect(w, r, "file:///etc/passwd", http.StatusFound)
		case p == "/a":
			http.Redirect(w, r, "/b", http.StatusFound)
		case p == "/b":
			http.Redirect(w, r, "/a", http.StatusFound)
		case strings.HasPrefix(p, "/chain/"):
			var n int
			fmt.Sscanf(p, "/chain/%d", &n)
			http.Redirect(w, r, fmt.Sprintf("/chain/%d", n+1), http.StatusFound)
		}
	}))
	f := newFetcher(t, testOptions(newFakeClock()))
	ctx := context.Background()

	page, err := f.Fetch(ctx, Request{URL: srv.URL + "/old"})
	if err != nil || page.URL != srv.URL+"/new" || page.Requested != srv.URL+"/old" || string(page.Body) != "new home" {
		t.Errorf("same-site redirect = %+v, %v; want the page at /new", page, err)
	}

	tests := []struct {
		path    string
		wantErr error
	}{
		{"/away", ErrOffSite},
		{"/metadata", ErrOffSite},
		{"/file", ErrOffSite},
		{"/a", ErrTooManyRedirects},
		{"/chain/0", ErrTooManyRedirects},
	}
	for _, tt := range tests {
		if _, err := f.Fetch(ctx, Request{URL: srv.URL + tt.path}); !errors.Is(err, tt.wantErr) {
			t.Errorf("Fetch(%s) = %v, want %v", tt.path, err, tt.wantErr)
		}
	}
	if n := other.accepts.Load(); n != 0 {
		t.Errorf("the off-site server accepted %d connections, want 0", n)
	}
	hits := 0
	for i := range 20 {
		hits += srv.Hits(fmt.Sprintf("/chain/%d", i))
	}
	if want := 1 + DefaultOptions().MaxRedirects; hits != want {
		t.Errorf("endless chain made %d requests, want %d", hits, want)
	}
	if n := srv.Hits("/a") + srv.Hits("/b"); n != 1+DefaultOptions().MaxRedirects {
		t.Errorf("loop made %d requests, want %d", n, 1+DefaultOptions().MaxRedirects)
	}
}

func TestFetchLocalFile(t *testing.T) {
	dir := t.TempDir()
	name := filepath.Join(dir, "history.html")
	const body = "<html>saved page</html>"
	if err := os.WriteFile(name, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	f := newFetcher(t, testOptions(newFakeClock()))
	for _, target := range []string{name, "file://" + filepath.ToSlash(name)} {
		page, err := f.Fetch(context.Background(), Request{URL: target})
		if err != nil {
			t.Errorf("Fetch(%s): %v", target, err)
			continue
		}
		if string(page.Body) != body || !strings.HasPrefix(page.ContentType, "text/html") || page.URL != "file://"+filepath.ToSlash(name) {
			t.Errorf("Fetch(%s) = %q, %q, %q; want the file as text/html", target, page.Body, page.ContentType, page.URL)
		}
	}
	_, err := f.Fetch(context.Background(), Request{URL: filepath.Join(dir, "missing.html")})
	var he *HTTPError
	if !errors.As(err, &he) || he.Status != 404 {
		t.Errorf("missing file = %v, want HTTPError 404", err)
	}
	if _, err := f.Fetch(context.Background(), Request{URL: "gopher://example.org/"}); !errors.Is(err, ErrUnsupportedScheme) {
		t.Errorf("gopher URL = %v, want ErrUnsupportedScheme", err)
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Options)
	}{
		{"no user agent", func(o *Options) { o.UserAgent = "" }},
		{"no body cap", func(o *Options) { o.MaxBodyBytes = 0 }},
		{"no timeout", func(o *Options) { o.RequestTimeout = 0 }},
		{"no page cap", func(o *Options) { o.MaxPages = 0 }},
		{"zero parallelism", func(o *Options) { o.Parallelism = 0 }},
		{"negative delay", func(o *Options) { o.Delay = -time.Second }},
		{"negative retries", func(o *Options) { o.Retries = -1 }},
		{"from not an address", func(o *Options) { o.From = "the ops team" }},
		{"from with a name", func(o *Options) { o.From = "Ops <ops@example.com>" }},
		{"from with a header", func(o *Options) { o.From = "ops@example.com\r\nX-Evil: 1" }},
	}
	for _, tt := range tests {
		o := DefaultOptions()
		tt.mutate(&o)
		if f, err := New(o, zeroLogger()); err == nil {
			f.Close()
			t.Errorf("%s: New succeeded, want an error", tt.name)
		}
	}
	f, err := New(DefaultOptions(), zeroLogger())
	if err != nil {
		t.Fatalf("New(DefaultOptions()): %v", err)
	}
	f.Close()
}
