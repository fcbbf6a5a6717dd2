package scraper

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// hangingResolver never answers until its context ends.
type hangingResolver struct{}

func (hangingResolver) LookupIPAddr(ctx context.Context, host string) ([]net.IPAddr, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestSlowVendorsAtOnce is RELIABILITY test 12 with several vendors at
// once, as a daemon runs them: slow headers, a 1 byte/s drip, a body that
// stalls, a server that never accepts, an endless chunked body and a
// resolver that never answers, all fetched at the same time as three
// healthy vendors. Each slow one fails on its own, within the request
// timeout (or at the body cap), and the healthy ones get their pages; no
// goroutine is left behind (goleak in TestMain).
func TestSlowVendorsAtOnce(t *testing.T) {
	const timeout = time.Second
	drip := func(w http.ResponseWriter, r *http.Request) {
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
	}
	slowHeaders := func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-r.Context().Done():
		case <-time.After(10 * timeout):
		}
	}
	stalledBody := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Length", "100000")
		w.WriteHeader(http.StatusOK)
		w.Write([]byte(strings.Repeat("<p>", 1000)))
		http.NewResponseController(w).Flush()
		<-r.Context().Done()
	}
	hugeChunked := func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		chunk := []byte(strings.Repeat("<p>status</p>", 1000))
		rc := http.NewResponseController(w)
		for r.Context().Err() == nil {
			if _, err := w.Write(chunk); err != nil {
				return
			}
			rc.Flush()
		}
	}
	healthy := func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<h1>All systems operational</h1>") }

	// A listener that never accepts: the kernel completes the handshake,
	// the request sits in the socket, nobody answers.
	deaf, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer deaf.Close()

	type vendor struct {
		name    string
		url     string
		wantErr error
		opts    func(*Options)
	}
	vendors := []vendor{
		{name: "slow headers", url: newServer(t, http.HandlerFunc(slowHeaders)).URL, wantErr: ErrTimeout},
		{name: "1 byte/s drip", url: newServer(t, http.HandlerFunc(drip)).URL, wantErr: ErrTimeout},
		{name: "stalled body", url: newServer(t, http.HandlerFunc(stalledBody)).URL, wantErr: ErrTimeout},
		{name: "never accepts", url: "http://" + deaf.Addr().String(), wantErr: ErrTimeout},
		{name: "huge chunked", url: newServer(t, http.HandlerFunc(hugeChunked)).URL, wantErr: ErrBodyTooLarge},
		{name: "resolver never answers", url: "http://status.hanging.test", wantErr: ErrTimeout,
			opts: func(o *Options) { o.Resolver = hangingResolver{} }},
	}
	for i := range 3 {
		vendors = append(vendors, vendor{name: fmt.Sprintf("healthy %d", i), url: newServer(t, http.HandlerFunc(healthy)).URL})
	}

	type outcome struct {
		err     error
		elapsed time.Duration
		body    string
	}
	results := make([]outcome, len(vendors))
	var wg sync.WaitGroup
	start := time.Now()
	for i, v := range vendors {
		o := testOptions(nil)
		o.IgnoreRobots = true
		o.RequestTimeout = timeout
		o.MaxBodyBytes = 1 << 20
		if v.opts != nil {
			v.opts(&o)
		}
		f := newFetcher(t, o)
		wg.Go(func() {
			begin := time.Now()
			page, err := f.Fetch(t.Context(), Request{URL: v.url + "/status"})
			results[i] = outcome{err: err, elapsed: time.Since(begin)}
			if page != nil {
				results[i].body = string(page.Body)
			}
		})
	}
	wg.Wait()
	total := time.Since(start)
	for i, v := range vendors {
		r := results[i]
		t.Logf("%-24s %8v  %v", v.name, r.elapsed.Round(time.Millisecond), r.err)
		if v.wantErr == nil {
			if r.err != nil || !strings.Contains(r.body, "operational") {
				t.Errorf("%s: Fetch = %v, want its page while the others stall", v.name, r.err)
			}
			continue
		}
		if !errors.Is(r.err, v.wantErr) {
			t.Errorf("%s: Fetch = %v, want %v", v.name, r.err, v.wantErr)
		}
		// Bounded: never much past the timeout, whatever the others do.
		if r.elapsed > timeout+timeout/2 {
			t.Errorf("%s: abandoned after %v, want within %v of the %v timeout", v.name, r.elapsed, timeout/2, timeout)
		}
		if errors.Is(v.wantErr, ErrTimeout) && r.elapsed < timeout*9/10 {
			t.Errorf("%s: gave up after %v, before the %v timeout", v.name, r.elapsed, timeout)
		}
	}
	if total > 2*timeout {
		t.Errorf("%d vendors at once took %v, want about one timeout (%v): one stall must not hold the others", len(vendors), total, timeout)
	}
}
