package scraper

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"sort"
	"sync"
	"time"
)

// ErrHostHeld means the host asked us, with a Retry-After, to stay away
// until a time still ahead, further than Options.MaxRetryAfter: nothing was
// sent. HeldError says until when.
var ErrHostHeld = errors.New("host asked us to wait (retry-after)")

// HeldError is a request not sent because its host is held.
type HeldError struct {
	Host  string
	Until time.Time
}

func (e *HeldError) Error() string {
	return fmt.Sprintf("%s: %v until %s", ErrHostHeld, e.Host, e.Until.UTC().Format(time.RFC3339))
}

func (e *HeldError) Is(target error) bool { return target == ErrHostHeld }

// MaxCrawlDelay caps a robots.txt Crawl-delay: a longer one is read as
// this long, so that a typo of 86400 cannot stall a run for days.
const MaxCrawlDelay = time.Minute

// Gate is the per-host budget of one process: at most a few requests in
// flight to one host:port, and at least a delay from the end of one
// request to the start of the next, robots.txt fetches included. The
// delay is the requesting fetcher's Delay plus up to its RandomDelay, or
// the host's robots.txt Crawl-delay when that is longer. A Gate also
// keeps, per host, the time before which the host must not be asked
// again (Hold, from a Retry-After).
//
// A daemon makes one Gate and passes it to every fetcher (Options.Gate),
// so that all sources on one host share one budget; a Fetcher without one
// makes its own. The wait happens before a request's own timeout starts.
// It is safe for concurrent use.
type Gate struct {
	// OnHold, when set, is called with each new hold (to keep it across
	// restarts). It must not call back into the Gate.
	OnHold func(host string, until time.Time)

	mu    sync.Mutex
	hosts map[string]*hostSlot
}

// NewGate returns an empty gate.
func NewGate() *Gate {
	return &Gate{hosts: make(map[string]*hostSlot)}
}

// hostSlot is one host's semaphore, the time its last request ended, its
// Crawl-delay and its hold.
type hostSlot struct {
	sem chan struct{}

	mu         sync.Mutex
	last       time.Time
	crawlDelay time.Duration
	held       time.Time
}

func (g *Gate) slot(host string, parallelism int) *hostSlot {
	g.mu.Lock()
	defer g.mu.Unlock()
	s := g.hosts[host]
	if s == nil {
		s = &hostSlot{sem: make(chan struct{}, max(parallelism, 1))}
		g.hosts[host] = s
	}
	return s
}

// Hold keeps host (host:port) from being asked before until. An earlier
// time than a hold already kept changes nothing.
func (g *Gate) Hold(host string, until time.Time) {
	s := g.slot(host, 1)
	s.mu.Lock()
	later := until.After(s.held)
	if later {
		s.held = until
	}
	s.mu.Unlock()
	if later && g.OnHold != nil {
		g.OnHold(host, until)
	}
}

// Holds returns the holds not over at now, by host.
func (g *Gate) Holds(now time.Time) map[string]time.Time {
	g.mu.Lock()
	slots := make(map[string]*hostSlot, len(g.hosts))
	for h, s := range g.hosts {
		slots[h] = s
	}
	g.mu.Unlock()
	out := map[string]time.Time{}
	for h, s := range slots {
		s.mu.Lock()
		if s.held.After(now) {
			out[h] = s.held
		}
		s.mu.Unlock()
	}
	return out
}

// HeldUntil reports whether the host of rawURL is held at now, and until
// when.
func (g *Gate) HeldUntil(rawURL string, now time.Time) (time.Time, bool) {
	u, err := parseTarget(rawURL)
	if err != nil || u.Scheme == "file" {
		return time.Time{}, false
	}
	until, ok := g.Holds(now)[hostKey(u)]
	return until, ok
}

// HeldHosts returns the held hosts at now, sorted.
func (g *Gate) HeldHosts(now time.Time) []string {
	var out []string
	for h := range g.Holds(now) {
		out = append(out, h)
	}
	sort.Strings(out)
	return out
}

// setCrawlDelay records host's robots.txt Crawl-delay (capped).
func (g *Gate) setCrawlDelay(host string, d time.Duration, parallelism int) {
	s := g.slot(host, parallelism)
	s.mu.Lock()
	s.crawlDelay = min(max(d, 0), MaxCrawlDelay)
	s.mu.Unlock()
}

// acquire waits for a slot on host, for the host's hold if it ends within
// o.MaxRetryAfter (else *HeldError), and for the delay since the host's
// last request. The returned release must be called once the response
// body is read.
func (g *Gate) acquire(ctx context.Context, host string, o *Options) (release func(), err error) {
	s := g.slot(host, o.Parallelism)
	if err := g.checkHold(host, s, o); err != nil {
		return nil, err
	}
	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	last, crawlDelay, held := s.last, s.crawlDelay, s.held
	s.mu.Unlock()
	now := o.Now()
	var wait time.Duration
	if !last.IsZero() {
		wait = o.Delay
		if o.RandomDelay > 0 {
			wait += rand.N(o.RandomDelay)
		}
		wait = max(wait, crawlDelay) - now.Sub(last)
	}
	if h := held.Sub(now); h > wait {
		if h > o.MaxRetryAfter {
			<-s.sem
			return nil, &HeldError{Host: host, Until: held}
		}
		wait = h
	}
	if wait > 0 {
		if err := o.Sleep(ctx, wait); err != nil {
			<-s.sem
			return nil, err
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.last = o.Now()
			s.mu.Unlock()
			<-s.sem
		})
	}, nil
}

// checkHold fails at once, before queueing for the host, when its hold
// lasts longer than the fetcher would wait.
func (g *Gate) checkHold(host string, s *hostSlot, o *Options) error {
	s.mu.Lock()
	held := s.held
	s.mu.Unlock()
	if held.Sub(o.Now()) > o.MaxRetryAfter {
		return &HeldError{Host: host, Until: held}
	}
	return nil
}
