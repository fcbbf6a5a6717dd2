package scraper

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/temoto/robotstxt"
)

// RobotsTTL is how long a robots.txt verdict may be reused (RFC 9309 §2.4).
const RobotsTTL = 24 * time.Hour

// robotsRules is what one robots.txt fetch decided for a site.
type robotsRules struct {
	data      *robotstxt.RobotsData // nil when err is set
	err       error                 // set when everything is disallowed
	fetchedAt time.Time
	body      []byte // the rules read (robotsGroups), for RobotsVerdict
	allowAll  bool   // the site has none: every path is allowed
}

// crawlDelay is the Crawl-delay of the group that applies to agent, 0
// when none.
func (r *robotsRules) crawlDelay(agent string) time.Duration {
	if r.err != nil || r.data == nil {
		return 0
	}
	if g := r.data.FindGroup(agent); g != nil {
		return g.CrawlDelay
	}
	return 0
}

// allows reports whether agent may fetch u under these rules.
func (r *robotsRules) allows(u *url.URL, agent string) error {
	if r.err != nil {
		return r.err
	}
	path := u.EscapedPath()
	if path == "" {
		path = "/"
	}
	if u.RawQuery != "" {
		path += "?" + u.RawQuery
	}
	if !r.data.TestAgent(path, agent) {
		return ErrRobotsDisallowed
	}
	return nil
}

// RobotsCache keeps robots.txt verdicts across fetchers, for a daemon that
// makes a fresh Fetcher each run. Only definite answers are kept (2xx rules,
// 4xx allow-all); an unreachable robots.txt is retried next run. It holds one
// entry per site and drops stale ones as it goes. It is safe for concurrent
// use.
type RobotsCache struct {
	ttl time.Duration

	mu      sync.Mutex
	entries map[string]*robotsRules
	// loading holds the sites whose robots.txt a fetcher is fetching now:
	// fetchers of other sources on the site wait for its answer rather
	// than each asking.
	loading map[string]*robotsEntry
}

// NewRobotsCache returns an empty cache whose entries live ttl (RobotsTTL if
// ttl is not positive).
func NewRobotsCache(ttl time.Duration) *RobotsCache {
	if ttl <= 0 {
		ttl = RobotsTTL
	}
	return &RobotsCache{ttl: ttl, entries: make(map[string]*robotsRules), loading: make(map[string]*robotsEntry)}
}

// Len returns how many sites the cache holds.
func (c *RobotsCache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.entries)
}

func (c *RobotsCache) get(key string, now time.Time) *robotsRules {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.entries[key]
	if r == nil || now.Sub(r.fetchedAt) >= c.ttl {
		return nil
	}
	return r
}

// begin returns the load of key in progress, or nil after making the
// caller the one to load it (it must call end).
func (c *RobotsCache) begin(key string) *robotsEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.loading[key]; e != nil {
		return e
	}
	c.loading[key] = &robotsEntry{done: make(chan struct{})}
	return nil
}

// end publishes the loader's verdict (nil when nothing was decided) to
// those waiting.
func (c *RobotsCache) end(key string, r *robotsRules) {
	c.mu.Lock()
	e := c.loading[key]
	delete(c.loading, key)
	c.mu.Unlock()
	e.rules = r
	close(e.done)
}

func (c *RobotsCache) put(key string, r *robotsRules, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k, old := range c.entries {
		if now.Sub(old.fetchedAt) >= c.ttl {
			delete(c.entries, k)
		}
	}
	c.entries[key] = r
}

// RobotsVerdict is a cached robots.txt verdict that lets a site be
// crawled, in a form kept outside the process (a one-shot scrape keeps
// them in its archive, so that a scrape every few minutes asks for
// robots.txt once in RobotsTTL, not every run): the site (scheme://host),
// when robots.txt was fetched, and its rules, or AllowAll when it had
// none. Verdicts that block a site are never kept: they are asked again.
type RobotsVerdict struct {
	Site      string
	FetchedAt time.Time
	Rules     []byte
	AllowAll  bool
}

// RobotsSite is the site a URL's robots.txt verdict is kept for
// (RobotsVerdict.Site), "" when rawURL does not parse.
func RobotsSite(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + hostKey(u)
}

// Verdicts returns the verdicts the cache holds that are still fresh at
// now and let their site be crawled.
func (c *RobotsCache) Verdicts(now time.Time) []RobotsVerdict {
	c.mu.Lock()
	defer c.mu.Unlock()
	var out []RobotsVerdict
	for site, r := range c.entries {
		if r.err != nil || now.Sub(r.fetchedAt) >= c.ttl || (r.body == nil && !r.allowAll) {
			continue
		}
		out = append(out, RobotsVerdict{Site: site, FetchedAt: r.fetchedAt, Rules: r.body, AllowAll: r.allowAll})
	}
	return out
}

// Restore puts verdicts kept earlier into the cache, each until RobotsTTL
// (the cache's ttl) after it was fetched; a stale one, or one whose rules
// no longer read, is left out, and its site asked again.
func (c *RobotsCache) Restore(verdicts []RobotsVerdict, now time.Time) {
	for _, v := range verdicts {
		if age := now.Sub(v.FetchedAt); age >= c.ttl || age < 0 || v.Site == "" {
			continue
		}
		r := &robotsRules{fetchedAt: v.FetchedAt, body: v.Rules, allowAll: v.AllowAll}
		if v.AllowAll {
			r.data = allowAll()
		} else {
			data, err := robotstxt.FromBytes(v.Rules)
			if err != nil {
				continue
			}
			r.data = data
		}
		c.mu.Lock()
		if old := c.entries[v.Site]; old == nil || old.fetchedAt.Before(v.FetchedAt) {
			c.entries[v.Site] = r
		}
		c.mu.Unlock()
	}
}

// robotsEntry is one site's verdict within a run; done closes once it is
// known, so concurrent fetches to one site make one robots.txt request.
type robotsEntry struct {
	done  chan struct{}
	rules *robotsRules
	err   error // the fetch was cancelled; nothing was decided
}

// checkRobots returns nil if robots.txt lets us fetch u. It also passes
// the site's Crawl-delay to the gate.
func (f *Fetcher) checkRobots(ctx context.Context, u *url.URL) error {
	if f.opts.IgnoreRobots || u.Scheme == "file" {
		return nil
	}
	key := u.Scheme + "://" + hostKey(u)
	f.robotsMu.Lock()
	e := f.robots[key]
	if e == nil {
		e = &robotsEntry{done: make(chan struct{})}
		f.robots[key] = e
		f.robotsMu.Unlock()
		e.rules, e.err = f.loadRobots(ctx, u, key)
		if e.err == nil {
			if d := e.rules.crawlDelay(f.opts.UserAgent); d > 0 {
				if d > MaxCrawlDelay {
					f.lg.Warn().Str("host", hostKey(u)).Dur("crawl_delay", d).Dur("cap", MaxCrawlDelay).Msg("robots.txt crawl-delay capped")
				}
				f.gate.setCrawlDelay(hostKey(u), d, f.opts.Parallelism)
			}
		}
		if e.err != nil {
			f.robotsMu.Lock()
			delete(f.robots, key)
			f.robotsMu.Unlock()
		}
		close(e.done)
	} else {
		f.robotsMu.Unlock()
		select {
		case <-e.done:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	if e.err != nil {
		return e.err
	}
	return e.rules.allows(u, f.opts.UserAgent)
}

// loadRobots finds the verdict for a site: from the shared cache, or by
// fetching /robots.txt under the same politeness budget as pages. Following
// RFC 9309: 2xx → its rules; 4xx → allow all; 5xx or no answer → disallow
// all. The error is only for a cancelled context.
func (f *Fetcher) loadRobots(ctx context.Context, u *url.URL, key string) (rules *robotsRules, err error) {
	if c := f.opts.Robots; c != nil {
		for {
			if r := c.get(key, f.opts.Now()); r != nil {
				return r, nil
			}
			e := c.begin(key)
			if e == nil {
				defer func() { c.end(key, rules) }()
				break
			}
			select {
			case <-e.done:
				if e.rules != nil {
					return e.rules, nil
				}
			case <-ctx.Done():
				return nil, ctx.Err()
			}
		}
	}
	return f.fetchRobots(ctx, u, key)
}

// fetchRobots fetches and reads a site's robots.txt.
func (f *Fetcher) fetchRobots(ctx context.Context, u *url.URL, key string) (*robotsRules, error) {
	robotsURL := &url.URL{Scheme: u.Scheme, Host: u.Host, Path: "/robots.txt"}
	lg := f.lg.With().Str("robots", robotsURL.String()).Logger()
	ex, err := f.exchange(ctx, robotsURL, f.header("text/plain,*/*;q=0.5"), f.opts.MaxRobotsBytes, true)
	if ctxErr := ctx.Err(); ctxErr != nil {
		return nil, ctxErr
	}
	if errors.Is(err, ErrHostHeld) {
		return nil, err // nothing was asked, so nothing is decided
	}
	rules := &robotsRules{fetchedAt: f.opts.Now()}
	switch {
	case errors.Is(err, ErrTooManyRedirects) || errors.Is(err, ErrOffSite):
		// RFC 9309 §2.3.1.2 lets a crawler treat an unfollowed redirect
		// chain as "unavailable": allow all.
		lg.Warn().Err(err).Msg("robots.txt redirect not followed; treating as unavailable")
		rules.data, rules.allowAll = allowAll(), true
	case errors.Is(err, ErrPrivateAddress):
		// Not the site's answer: the guard refused the host itself.
		rules.err = err
	case err != nil:
		rules.err = fmt.Errorf("%w: %s: %w", ErrRobotsUnreachable, robotsURL, err)
	default:
		_, status, _, body := ex.result()
		switch {
		case status >= 200 && status < 300:
			rules.body = robotsGroups(body)
			if rules.body == nil {
				rules.body = []byte{} // rules read, none kept
			}
			data, perr := robotstxt.FromBytes(rules.body)
			if perr != nil {
				rules.err = fmt.Errorf("%w: %s unparseable: %w", ErrRobotsDisallowed, robotsURL, perr)
			}
			rules.data = data
		case status >= 500:
			rules.err = fmt.Errorf("%w: %s: status %d", ErrRobotsUnreachable, robotsURL, status)
		default: // 4xx, or a 3xx that could not be followed: unavailable
			rules.data, rules.allowAll = allowAll(), true
		}
	}
	if rules.err != nil {
		lg.Warn().Err(rules.err).Msg("robots.txt blocks the site")
	} else if c := f.opts.Robots; c != nil {
		c.put(key, rules, rules.fetchedAt)
	}
	return rules, nil
}

// allowAll is the verdict for a missing robots.txt.
func allowAll() *robotstxt.RobotsData {
	data, _ := robotstxt.FromStatusAndBytes(404, nil)
	return data
}

// robotsGroups keeps the lines RFC 9309 defines (user-agent, allow,
// disallow) and readable crawl-delay lines inside a group, and drops a
// leading BOM, rules before the first user-agent, and everything else
// (sitemap, a garbled crawl-delay, junk), which the robotstxt package
// would otherwise reject the whole file for.
func robotsGroups(body []byte) []byte {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	var out bytes.Buffer
	seenAgent := false
	for line := range bytes.Lines(body) {
		text := line
		if i := bytes.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		name, _, ok := bytes.Cut(text, []byte(":"))
		if !ok {
			continue
		}
		switch strings.ToLower(string(bytes.TrimSpace(name))) {
		case "user-agent":
			seenAgent = true
		case "allow", "disallow":
			if !seenAgent {
				continue
			}
		case "crawl-delay":
			_, v, _ := bytes.Cut(text, []byte(":"))
			secs, err := strconv.ParseFloat(string(bytes.TrimSpace(v)), 64)
			if !seenAgent || err != nil || !(secs >= 0 && secs <= 1e6) {
				continue
			}
		default:
			continue
		}
		out.Write(bytes.TrimRight(text, " \t\r\n"))
		out.WriteByte('\n')
	}
	return out.Bytes()
}
