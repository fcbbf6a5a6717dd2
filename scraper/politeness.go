package scraper

import (
	"context"
	"math/rand/v2"
	"sync"
	"time"
)

// hostGate enforces the per-host budget: at most Parallelism requests in
// flight to one host:port, and at least Delay (plus up to RandomDelay) from
// the end of one request to the start of the next. robots.txt fetches pass
// through it too. The wait happens before the request's own timeout starts.
type hostGate struct {
	parallelism int
	delay       time.Duration
	jitter      time.Duration
	now         func() time.Time
	sleep       func(context.Context, time.Duration) error

	mu    sync.Mutex
	hosts map[string]*hostSlot
}

// hostSlot is one host's semaphore and the time its last request ended.
type hostSlot struct {
	sem chan struct{}

	mu   sync.Mutex
	last time.Time
}

func newHostGate(o *Options) *hostGate {
	return &hostGate{
		parallelism: o.Parallelism,
		delay:       o.Delay,
		jitter:      o.RandomDelay,
		now:         o.Now,
		sleep:       o.Sleep,
		hosts:       make(map[string]*hostSlot),
	}
}

// acquire waits for a slot on host and for the delay since the host's last
// request. The returned release must be called once the response body is
// read.
func (g *hostGate) acquire(ctx context.Context, host string) (release func(), err error) {
	g.mu.Lock()
	s := g.hosts[host]
	if s == nil {
		s = &hostSlot{sem: make(chan struct{}, g.parallelism)}
		g.hosts[host] = s
	}
	g.mu.Unlock()

	select {
	case s.sem <- struct{}{}:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	s.mu.Lock()
	last := s.last
	s.mu.Unlock()
	if !last.IsZero() {
		wait := g.delay
		if g.jitter > 0 {
			wait += rand.N(g.jitter)
		}
		if wait -= g.now().Sub(last); wait > 0 {
			if err := g.sleep(ctx, wait); err != nil {
				<-s.sem
				return nil, err
			}
		}
	}
	var once sync.Once
	return func() {
		once.Do(func() {
			s.mu.Lock()
			s.last = g.now()
			s.mu.Unlock()
			<-s.sem
		})
	}, nil
}
