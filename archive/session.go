package archive

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/statusarchive/statusarchive/parser"
)

// ParseFunc parses one fetched document in a format (parser.FormatAuto to
// detect it). parser.Parse is the one statusarchive uses; tests wrap it.
type ParseFunc func(parser.Document, parser.Format) (*parser.Page, error)

// Plan is what a crawl of one source is: where it starts and how its start
// page is read.
type Plan struct {
	Source  string
	URL     string        // the start URL
	Format  parser.Format // the start page's format; "" or FormatAuto detects it
	Started time.Time
	// DropThreshold overrides Options.DropThreshold (see RunInput).
	DropThreshold float64
	// Parse parses each page; nil means parser.Parse.
	Parse ParseFunc
	// SweepPeriod is how long the re-verification sweep of an incremental
	// source takes to re-check its whole history; 0 is DefaultSweepPeriod.
	SweepPeriod time.Duration
}

// Crawl is one scrape of one source between Begin and Commit. It holds
// what the archive knew when it began (the validators of the pages the
// source's runs fetched, and what each of those pages parsed to), and what
// the crawl has found since; it holds no transaction and no file. Visit it
// with each fetched page in fetch order, the start page first. A Crawl is
// not safe for concurrent use.
type Crawl struct {
	in    RunInput
	parse ParseFunc
	conds map[string]Conditional // by URL, read by Begin
	// load, while Begin's read transaction is open, reads url's kept
	// validators into conds, when they are the source's.
	load func(url string)

	asked   map[string]parser.Follow // by URL: why each page was asked for
	visits  []visit                  // in fetch order
	started bool                     // the start page has been visited
	scope   parser.Scope             // what the start page's list stands for

	bf          Backfill        // as Begin read it
	order       []string        // asked URLs in the order they were asked for
	extra       []parser.Follow // pages the start page leads to besides its own: pending, swept
	known       map[string]bool // incident ids the source's kept digests name
	roles       map[string]role // by URL: why an incremental crawl fetches a list page
	sweepOwn    map[string]bool // incident pages the sweep re-verifies this run, by URL
	history     []parser.Follow // the list pages after the start page, in walk order
	inHistory   map[string]bool // by URL
	incremental bool            // the backfill is done: walk, sweep
	resumed     bool            // the crawl began with pages pending: walks the newest pages
	walkEnded   bool            // the walk from the start page reached the last list page, page after page
	planned     bool            // Begin made the plan inside its read
	sweptAll    bool            // the sweep re-verifies every list page this run
	sweep       sweepCursor     // the sweep position after this run
	swept       time.Time       // when the sweep last wrapped
}

// visit is one visited page: what it parsed to, or for a page answered
// 304 Not Modified or fetched unchanged, the ids its digest names.
type visit struct {
	url       string
	page      *parser.Page // nil for a 304
	unchanged []string
}

// Outcome is how a crawl ended, for Commit.
type Outcome struct {
	Finished time.Time
	// Err fails the run as a whole (the start page, a cancelled context):
	// only its run-log entry is written.
	Err error
	// Failures are the pages that could not be fetched or read: the run
	// is partial, infers no deletions, and keeps no digests, so that the
	// next run fetches its pages again. An incident whose own page failed
	// is archived as the list showed it, marked incomplete
	// (parser.Incident.Partial).
	Failures []Failure
	// Stopped means the crawl was cut short with pages still to fetch
	// (its page budget, a signal): the pages asked for and not fetched
	// are kept as the source's Backfill.Pending, for the next run to
	// fetch first. The run is partial ("backfill: N pages left").
	Stopped bool
	// Skipped are pages asked for that the crawl will never fetch (off
	// the site, a body repeating another's): never pending.
	Skipped []string
}

// Failure is one page a crawl could not fetch or read, or with no URL a
// failure of no one page (a cap that stopped the crawl).
type Failure struct {
	URL string
	Err error
}

// Cause is one cause of a run's failures: how many pages failed with it
// and the first few of them.
type Cause struct {
	Cause string   `json:"cause"`
	Count int      `json:"count"`
	URLs  []string `json:"urls,omitempty"` // the first three
}

// causeURLs is how many URLs a Cause names.
const causeURLs = 3

// String is "12 pages: detail page has no title (https://a, https://b,
// https://c, 9 more)".
func (c Cause) String() string {
	s := c.Cause
	if c.Count > 1 || len(c.URLs) > 0 {
		s = fmt.Sprintf("%d page%s: %s", c.Count, map[bool]string{true: "s"}[c.Count != 1], c.Cause)
	}
	if len(c.URLs) > 0 {
		s += " (" + strings.Join(c.URLs, ", ")
		if more := c.Count - len(c.URLs); more > 0 {
			s += fmt.Sprintf(", %d more", more)
		}
		s += ")"
	}
	return s
}

// Causes groups failures by cause, in the order each cause first failed:
// the error without the page's URL in it.
func Causes(failures []Failure) []Cause {
	var out []Cause
	for _, f := range failures {
		cause := causeOf(f)
		i := slices.IndexFunc(out, func(c Cause) bool { return c.Cause == cause })
		if i < 0 {
			out = append(out, Cause{Cause: cause})
			i = len(out) - 1
		}
		out[i].Count++
		if f.URL != "" && len(out[i].URLs) < causeURLs {
			out[i].URLs = append(out[i].URLs, f.URL)
		}
	}
	return out
}

// causeOf is f's error without its URL and without per-page detail: the
// first error down its chain that does not name the URL (a
// parser.ParseError's part and cause), then, while the error it wraps
// only lacks a detail it appends ("unrecognised page format (78 bytes…)"),
// that one.
func causeOf(f Failure) string {
	if f.Err == nil {
		return "unknown error"
	}
	e := f.Err
	for f.URL != "" && e != nil && strings.Contains(e.Error(), f.URL) {
		if pe, ok := e.(*parser.ParseError); ok && pe.Field != "" {
			return pe.Field + ": " + generic(pe.Err)
		}
		e = errors.Unwrap(e)
	}
	if e == nil {
		return strings.ReplaceAll(f.Err.Error(), f.URL, "the page")
	}
	return generic(e)
}

// generic is e's message without the detail its wrapping added at the end.
func generic(e error) string {
	for {
		inner := errors.Unwrap(e)
		if inner == nil || !strings.HasPrefix(e.Error(), inner.Error()) {
			return e.Error()
		}
		e = inner
	}
}

// Begin starts a crawl of plan.Source in one short read: the validators
// the source's earlier runs kept, each with the digest of the page they
// validate, and the source's Backfill. The start page's visit returns,
// besides its own follows, the pages a cut-short run left pending, those
// that failed, and once the backfill is done the slice of the history the
// re-verification sweep re-checks this run; a walked list page leads on
// only while it names an incident the archive does not know (follows). The archive is free again when Begin returns: crawl over the
// network, then Commit in one write. Two crawls of one source may run at
// once; each commits its own run.
//
// When the archive cannot be read, Begin returns the error and a Crawl
// that sends no validators, which is always safe to go on with.
//
// A crawl, with db lent only for Begin and Commit:
//
//	c, err := db.Begin(ctx, archive.Plan{Source: "acme", URL: start, Started: time.Now()})
//	if err != nil { /* log it: c still works, without conditional requests */ }
//	// close db; for each page the scraper fetches (ETag and Last-Modified
//	// from c.Conditional(url)), the start page first:
//	follow, err := c.Visit(archive.PageInput{URL: url, Status: 200, Header: h, Body: body})
//	// … fetch follow …; then open db again:
//	run, err := c.Commit(ctx, db, archive.Outcome{Finished: time.Now()})
func (db *DB) Begin(ctx context.Context, plan Plan) (*Crawl, error) {
	c := newCrawl(plan)
	var lastRun time.Time
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		src := root(tx, bucketSources).sub(plan.Source)
		if _, err := getBackfill(src, &c.bf); err != nil {
			return err
		}
		var st sourceState
		if _, err := src.get([]byte(keyState), &st); err != nil {
			return err
		}
		lastRun = st.Info.LastRunAt
		index := src.sub(bucketSourceRuns)
		vb := root(tx, bucketValidators)
		if !index.exists() || !vb.exists() {
			return nil
		}
		keep := func(k, v []byte) error {
			var rec validatorRecord
			if err := vb.decode(k, v, &rec); err != nil {
				return err
			}
			// Only this source's runs: a digest names incidents of the
			// source that kept it.
			if rec.Digest != nil && index.b.Get(seq(rec.Run)) != nil {
				c.conds[string(k)] = Conditional{ETag: rec.ETag, LastModified: rec.LastModified, Digest: rec.Digest, input: rec.Input}
			}
			return nil
		}
		if c.bf.Done && len(c.bf.Pending) == 0 && len(c.bf.Own) == len(c.bf.History)+1 {
			// An incremental crawl reads only the validators of the pages
			// it may ask for: its plan, made now, reads the list pages it
			// needs, and the incident pages those lead to are read after
			// it. The incidents it knows are those their digests name: a
			// list page names no incident newer than the ones it named
			// before without a new one among them.
			var loadErr error
			c.load = func(url string) {
				if _, done := c.conds[url]; done || loadErr != nil {
					return
				}
				c.conds[url] = Conditional{}
				if v := vb.b.Get([]byte(url)); v != nil {
					loadErr = keep([]byte(url), v)
				}
			}
			defer func() { c.load = nil }()
			c.plan(plan, st.Info.LastRunAt)
			c.planned = true
			lists := []string{plan.URL}
			for u, r := range c.roles {
				if r&roleSweep != 0 && u != plan.URL {
					lists = append(lists, u)
				}
			}
			for _, u := range lists {
				d := c.cond(u).Digest
				if d == nil {
					// A list page without a digest (its last fetch failed,
					// or led to a page that did) leads to pages unknown
					// now: read every validator of the source, as a
					// backfill does.
					lists = nil
					break
				}
				for _, f := range d.Follow {
					c.load(f.URL)
				}
			}
			if lists != nil {
				for _, f := range c.extra {
					c.load(f.URL)
				}
				return loadErr
			}
			if loadErr != nil {
				return loadErr
			}
		}
		// The URLs the source's runs kept validators for; an archive
		// written before they were listed has every source's validators
		// read.
		if mine := src.sub(bucketSourcePages); mine.exists() {
			cur := mine.b.Cursor()
			for k, _ := cur.First(); k != nil; k, _ = cur.Next() {
				if v := vb.b.Get(k); v != nil {
					if err := keep(k, v); err != nil {
						return err
					}
				}
			}
			return nil
		}
		cur := vb.b.Cursor()
		for k, v := cur.First(); k != nil; k, v = cur.Next() {
			if err := keep(k, v); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		c = newCrawl(plan)
		c.plan(plan, time.Time{})
		return c, fmt.Errorf("begin a crawl of %s: %w", plan.Source, err)
	}
	if c.planned {
		c.learn() // the digests read after the plan
	} else {
		c.plan(plan, lastRun)
	}
	return c, nil
}

// learn adds the incidents the kept digests name to those the crawl knows.
func (c *Crawl) learn() {
	for _, d := range c.conds {
		if d.Digest != nil {
			for _, id := range d.Digest.IDs {
				c.known[id] = true
			}
		}
	}
}

// newCrawl is a crawl of plan that knows nothing yet.
func newCrawl(plan Plan) *Crawl {
	c := &Crawl{
		in: RunInput{Source: plan.Source, URL: plan.URL, Started: plan.Started, Format: string(plan.Format),
			Origin: OriginVendor, DropThreshold: plan.DropThreshold},
		parse: plan.Parse,
		conds: map[string]Conditional{},
		asked: map[string]parser.Follow{},
		known: map[string]bool{}, roles: map[string]role{}, inHistory: map[string]bool{}, sweepOwn: map[string]bool{},
	}
	if c.in.Format == string(parser.FormatAuto) {
		c.in.Format = ""
	}
	return c
}

// plan sets what the crawl fetches besides what its start page leads to:
// the pages a cut-short run left pending, and once the backfill is done,
// the slice of the history the re-verification sweep re-checks.
func (c *Crawl) plan(plan Plan, lastRun time.Time) {
	c.learn()
	c.history = slices.Clone(c.bf.History)
	for _, f := range c.history {
		c.inHistory[f.URL] = true
	}
	c.resumed = len(c.bf.Pending) > 0
	c.extra = append(c.extra, c.bf.Pending...)
	c.extra = append(c.extra, c.bf.Retry...)
	c.sweep, c.swept = sweepCursor{Pos: c.bf.Sweep, Off: c.bf.SweepOwn}, c.bf.Swept
	if c.bf.Done || c.resumed {
		// The newest pages are walked only as far as they are new: a
		// resumed run fetches the rest from Pending.
		c.roles[plan.URL] = roleWalk | roleChain
	}
	c.incremental = c.bf.Done && !c.resumed
	if !c.incremental {
		return
	}
	// The sweep goes page by page through the history: each list page,
	// then the own pages of the incidents it led to when it was last
	// read.
	n := len(c.history) + 1
	lists := make([]parser.Follow, n)
	counts := make([]int, n)
	total := 0
	for i := range lists {
		lists[i] = parser.Follow{URL: plan.URL}
		if i > 0 {
			lists[i] = c.history[i-1]
		}
		if len(c.bf.Own) == n {
			counts[i] = c.bf.Own[i]
		} else {
			counts[i] = len(ownPages(c.cond(lists[i].URL).Digest))
		}
		total += 1 + counts[i]
	}
	var elapsed time.Duration
	if !lastRun.IsZero() {
		elapsed = plan.Started.Sub(lastRun)
	}
	k := sweepItems(total, elapsed, plan.SweepPeriod)
	sweepList := func(pos int) {
		if pos == 0 {
			c.roles[plan.URL] |= roleSweep
			return
		}
		f := lists[pos]
		if c.roles[f.URL]&roleSweep == 0 {
			c.roles[f.URL] |= roleSweep
			c.extra = append(c.extra, f)
		}
	}
	// An incident page is re-verified through its list page, fetched
	// (conditionally) in the same run: an unchanged list page leads to the
	// slice's incident pages as its digest names them; one that changed,
	// to all of its incidents' pages as it names them now (a page the
	// vendor withdrew is then not asked for).
	var wrapped bool
	c.sweep, wrapped = sweepWalk(counts, c.sweep, k, func(pos, off int) {
		sweepList(pos)
		if own := ownPages(c.cond(lists[pos].URL).Digest); off > 0 && off <= len(own) {
			c.sweepOwn[own[off-1].URL] = true
		}
	})
	if wrapped {
		// The run that ends a sweep re-checks every list page, so that
		// it sees the whole history and infers deletions at least once
		// a period.
		for pos := range lists {
			sweepList(pos)
		}
		c.sweptAll = true
		c.swept = plan.Started
	}
}

// Backfill is the backfill state Begin read.
func (c *Crawl) Backfill() Backfill { return c.bf }

// Incremental reports whether the crawl walks only the newest pages and a
// slice of the sweep: the source's backfill is done.
func (c *Crawl) Incremental() bool { return c.incremental }

// Conditional is what a request for url sends: the validators Begin found
// for it, with the digest they stand for. Its Digest is nil when there are
// none; then the request must not be conditional.
func (c *Crawl) Conditional(url string) Conditional { return c.cond(url) }

// cond is the Conditional of url; while Begin's read is open, its kept
// validators are read on first use.
func (c *Crawl) cond(url string) Conditional {
	if cd, ok := c.conds[url]; ok {
		return cd
	}
	if c.load != nil {
		c.load(url)
	}
	return c.conds[url]
}

// ownPages are the pages a list page's digest leads to besides the next
// list page: its incidents' own pages.
func ownPages(d *PageDigest) []parser.Follow {
	if d == nil {
		return nil
	}
	var out []parser.Follow
	for _, f := range d.Follow {
		if f.Reason != parser.FollowNext {
			out = append(out, f)
		}
	}
	return out
}

// Visit takes one fetched page: it parses it (the start page in the
// plan's format, every other page as detected: PageFormat) and keeps what
// it parsed to; a page answered 304 Not Modified (Status 304), or whose
// body is byte-identical to the one its kept digest was parsed from and is
// read the same way (validators or none), stands for what it parsed to
// last time, without parsing or reading the archive. It
// returns the pages the page leads to that were not asked for yet, each
// once; their Conditional is ready. The page is kept for Commit even when
// it cannot be read.
func (c *Crawl) Visit(p PageInput) ([]parser.Follow, error) {
	// The start page comes first; no page asked for it.
	start := !c.started
	c.started = true
	requested := cmp.Or(p.Requested, p.URL)
	if start {
		c.asked[requested] = parser.Follow{URL: requested}
		c.order = append(c.order, requested)
	}
	var page *parser.Page
	var err error
	// unchanged: the page answered 304, or its body is byte-identical to
	// the one its digest was parsed from and is read the same way.
	unchanged := false
	cond := c.conds[requested]
	if p.Status == 304 {
		if cond.Digest == nil {
			err = fmt.Errorf("%s answered 304 Not Modified to a request that was not conditional", p.URL)
		} else {
			unchanged = true
		}
	} else {
		via := c.asked[requested]
		if start {
			via = parser.Follow{}
		}
		doc := parser.Document{Source: c.in.Source, URL: p.URL, ContentType: p.Header.Get("Content-Type"), Body: p.Body, Via: via}
		sum := sha256.Sum256(p.Body)
		p.sum = &sum
		p.input = inputKey(doc, PageFormat(start, c.in.Format), sum)
		switch {
		case cond.Digest != nil && p.input != "" && cond.input == p.input:
			// Kept with the digest again, so that a failure among the
			// pages it leads to drops it (forget), as a parse's would be.
			unchanged, p.Digest = true, cond.Digest
		default:
			if page, err = parseAs(c.parse, doc, start, c.in.Format); err == nil {
				p.Digest = digest(page, c.in.Started)
				c.visits = append(c.visits, visit{url: p.URL, page: page})
			}
		}
	}
	if unchanged {
		d := cond.Digest
		page = &parser.Page{URL: p.URL, Scope: d.Scope, Claims: d.Claims, Follow: d.Follow}
		c.visits = append(c.visits, visit{url: p.URL, unchanged: d.IDs})
	}
	c.in.Pages = append(c.in.Pages, p)
	if err != nil {
		return nil, err
	}
	if start {
		c.scope, c.in.Claims = page.Scope, page.Claims
	}
	follows := c.follows(requested, start, unchanged, page)
	if start {
		follows = append(follows, c.extra...)
	}
	var fresh []parser.Follow
	for _, f := range follows {
		if _, seen := c.asked[f.URL]; !seen {
			c.asked[f.URL] = f
			c.order = append(c.order, f.URL)
			fresh = append(fresh, f)
		}
	}
	return fresh, nil
}

// follows are the pages a visited page leads to that the crawl fetches.
// A backfill follows all of them, and keeps the list pages in order. An
// incremental crawl follows, from a walked list page, the next page only
// while the page names an incident the archive does not know; from any
// list page, the own pages of incidents that are new, open or recently
// resolved (for a page answered 304, as its digest recorded them); from a
// swept page, every own page when it changed, else those in the sweep's
// slice.
func (c *Crawl) follows(requested string, start, notModified bool, page *parser.Page) []parser.Follow {
	via := c.asked[requested]
	if start || via.Reason == parser.FollowNext {
		for _, f := range page.Follow {
			if f.Reason == parser.FollowNext && !c.inHistory[f.URL] && f.URL != c.in.URL {
				c.inHistory[f.URL] = true
				c.history = append(c.history, f)
			}
		}
	}
	r := c.roles[requested]
	if r == roleNone {
		return page.Follow
	}
	var ids []string
	records := map[string]parser.Incident{}
	if notModified {
		ids = c.conds[requested].Digest.IDs
	} else {
		for _, in := range page.Incidents {
			ids = append(ids, in.ID)
			records[in.ID] = in
		}
	}
	news := !notModified && slices.ContainsFunc(ids, func(id string) bool { return !c.known[id] })
	var out []parser.Follow
	next := false
	for _, f := range page.Follow {
		if f.Reason == parser.FollowNext {
			next = true
			// A list page past the known end of the history is new.
			if (r&roleWalk != 0 && news) || !slices.ContainsFunc(c.bf.History, func(h parser.Follow) bool { return h.URL == f.URL }) {
				c.roles[f.URL] |= roleWalk | r&roleChain
				out = append(out, f)
			}
			continue
		}
		if r&roleSweep != 0 && (!notModified || c.sweepOwn[f.URL]) {
			out = append(out, f)
			continue
		}
		id := incidentOf(f, ids)
		if id == "" || !c.known[id] || c.isActive(requested, id, records, notModified) {
			out = append(out, f)
		}
	}
	if r&roleChain != 0 && !next {
		c.walkEnded = true
	}
	return out
}

// isActive reports whether incident id, shown on the list page requested,
// is open or recently resolved: as the page's fresh record says, or for a
// page answered 304 (or fetched unchanged), as its digest recorded.
func (c *Crawl) isActive(requested, id string, records map[string]parser.Incident, notModified bool) bool {
	if !notModified {
		rec, ok := records[id]
		return ok && active(rec, c.in.Started)
	}
	d := c.conds[requested].Digest
	if d == nil {
		return false
	}
	until, ok := d.Active[id]
	return ok && (until.IsZero() || c.in.Started.Before(until))
}

// PageFormat is the format a run reads one of its pages in: the start page
// in the run's format (auto-detected when it names none), every other page
// as detected. Crawls and reparses both read pages by it.
func PageFormat(start bool, runFormat string) parser.Format {
	if start && runFormat != "" {
		return parser.Format(runFormat)
	}
	return parser.FormatAuto
}

// parseAs parses doc by PageFormat with parse, or parser.Parse when nil.
func parseAs(parse ParseFunc, doc parser.Document, start bool, runFormat string) (*parser.Page, error) {
	if parse == nil {
		parse = parser.Parse
	}
	return parse(doc, PageFormat(start, runFormat))
}

// inputKey is the hex SHA-256 of what a page is parsed from: its body's
// hash (sum) and everything else the parse reads (the document's source,
// final URL, Content-Type and Via, and the format). A page whose key is
// the one its digest was kept with would parse to that digest again.
func inputKey(doc parser.Document, format parser.Format, sum [sha256.Size]byte) string {
	meta, err := json.Marshal(struct {
		Source, URL, ContentType string
		Format                   parser.Format
		Via                      parser.Follow
	}{doc.Source, doc.URL, doc.ContentType, format, doc.Via})
	if err != nil {
		// Nothing in it can fail to encode; a key that matches nothing
		// only costs a parse.
		return ""
	}
	h := sha256.New()
	h.Write(sum[:])
	h.Write(meta)
	return hex.EncodeToString(h.Sum(nil))
}

// digest keeps what a page parsed to, for the day its server answers 304.
// A list page (one that leads to others) keeps which of its incidents are
// active as of now.
func digest(page *parser.Page, now time.Time) *PageDigest {
	d := &PageDigest{Follow: page.Follow, Scope: page.Scope, Claims: page.Claims}
	for _, in := range page.Incidents {
		d.IDs = append(d.IDs, in.ID)
		if len(page.Follow) == 0 {
			continue
		}
		if until, open := activeUntil(in); open || now.Before(until) {
			if d.Active == nil {
				d.Active = map[string]time.Time{}
			}
			d.Active[in.ID] = until
		}
	}
	return d
}

// Commit archives the crawl in one write transaction, as Ingest does, and
// returns its run. A crawl that failed as a whole (o.Err) writes only its
// run-log entry.
//
// Only a whole listing crawled without failure is Complete and may infer
// deletions; a start page that shows only what is open now makes the run a
// Snapshot. An incident whose own page failed keeps the list's rendering,
// marked incomplete (Partial); an incomplete rendering never replaces an
// archived complete version (see Ingest). An incident whose pages all
// answered 304 is a sighting of its
// archived version: its last-seen time moves, nothing is parsed, merged or
// hashed again. One that a 304 page names and a fetched page also shows is
// merged from its archived version and the fresh rendering, as the pages
// were last time.
func (c *Crawl) Commit(ctx context.Context, db *DB, o Outcome) (Run, error) {
	in := c.in
	in.Finished = o.Finished
	if o.Err != nil {
		return db.RecordFailure(ctx, in, o.Err)
	}
	for _, f := range o.Failures {
		in.Failures = append(in.Failures, f.Err.Error())
	}
	in.Causes = Causes(o.Failures)
	bf := c.next(o)
	in.Complete = len(in.Failures) == 0 && c.scope == parser.ScopeListing && !o.Stopped && !c.resumed &&
		(!c.incremental || c.walkEnded || c.sweptAll)
	in.Snapshot = c.scope == parser.ScopeCurrent
	if !in.Complete && (c.incremental || c.resumed || o.Stopped) {
		// A crawl of part of the history on purpose: fewer incidents
		// than a whole crawl saw is no sign of drift.
		in.DropThreshold = -1
	}
	if left := bf.Left(); left > 0 {
		in.Failures = append(in.Failures, fmt.Sprintf("backfill: %d pages left", left))
	}
	in.backfill = &bf
	if len(o.Failures) > 0 {
		in.Pages = c.forget(in.Pages, o.Failures)
	}
	resolve := func(w *writer) ([]parser.Incident, []string, error) {
		incidents, sightings, err := c.resolve(w)
		// An incident whose own page failed stands as the list showed it,
		// marked so in the record (and its exports).
		for _, f := range o.Failures {
			parser.MarkIncomplete(incidents, f.Err)
		}
		return incidents, sightings, err
	}
	return db.ingest(ctx, in, nil, nil, resolve)
}

// forget drops the digests of the pages that failed and of the pages
// that led to them, so that the next run fetches those afresh instead of
// standing a digest in for a page whose incidents were not all archived;
// the failed pages are asked for again (Backfill.Retry). When a failure
// names no page the crawl asked for, it drops every digest.
func (c *Crawl) forget(pages []PageInput, failures []Failure) []PageInput {
	pages = slices.Clone(pages)
	failed := map[string]bool{}
	all := false
	for _, f := range failures {
		failed[f.URL] = true
		if _, ok := c.asked[f.URL]; !ok {
			all = true
		}
	}
	for i, p := range pages {
		d := p.Digest
		if d == nil {
			continue
		}
		if all || failed[p.URL] || failed[p.Requested] ||
			slices.ContainsFunc(d.Follow, func(f parser.Follow) bool { return failed[f.URL] || failed[f.Fallback] }) {
			pages[i].Digest = nil
		}
	}
	return pages
}

// ownCounts is, for each list page (the start page, then the history), how
// many incident pages it leads to: as the crawl read it, else as its kept
// digest says, else as the last run counted.
func (c *Crawl) ownCounts() []int {
	digests := map[string]*PageDigest{}
	for _, p := range c.in.Pages {
		if p.Digest != nil {
			digests[cmp.Or(p.Requested, p.URL)] = p.Digest
		}
	}
	counts := make([]int, len(c.history)+1)
	for i := range counts {
		u := c.in.URL
		if i > 0 {
			u = c.history[i-1].URL
		}
		d, ok := digests[u]
		if !ok {
			d = c.conds[u].Digest
		}
		switch {
		case d != nil:
			counts[i] = len(ownPages(d))
		case i < len(c.bf.Own) && len(c.bf.Own) == len(c.bf.History)+1:
			counts[i] = c.bf.Own[i]
		}
	}
	return counts
}

// next is the source's Backfill after the crawl ended as o says.
func (c *Crawl) next(o Outcome) Backfill {
	bf := Backfill{History: c.history, Sweep: c.sweep.Pos, SweepOwn: c.sweep.Off, Swept: c.swept, Done: c.bf.Done}
	bf.Own = c.ownCounts()
	if o.Stopped {
		done := map[string]bool{}
		for _, p := range c.in.Pages {
			done[cmp.Or(p.Requested, p.URL)] = true
		}
		for _, f := range o.Failures {
			done[f.URL] = true
		}
		for _, u := range o.Skipped {
			done[u] = true
		}
		for _, u := range c.order {
			if !done[u] {
				bf.Pending = append(bf.Pending, c.asked[u])
			}
		}
	}
	for _, f := range o.Failures {
		if a, ok := c.asked[f.URL]; ok && f.URL != c.in.URL {
			bf.Retry = append(bf.Retry, a)
		}
	}
	if len(bf.Pending) == 0 && c.started {
		bf.Done = true
	}
	return bf
}

// resolve turns the crawl's visits into the records to apply and the ids
// only 304 pages showed, reading archived versions in w's transaction.
func (c *Crawl) resolve(w *writer) (incidents []parser.Incident, sightings []string, err error) {
	fresh := map[string]bool{}
	for _, v := range c.visits {
		if v.page != nil {
			for _, inc := range v.page.Incidents {
				fresh[inc.ID] = true
			}
		}
	}
	pages := make([]*parser.Page, 0, len(c.visits))
	sighted := map[string]bool{}
	for _, v := range c.visits {
		if v.page != nil {
			pages = append(pages, v.page)
			continue
		}
		// A 304 page stands for the archived versions of what it showed.
		page := &parser.Page{URL: v.url}
		for _, id := range v.unchanged {
			switch {
			case !fresh[id]:
				if !sighted[id] {
					sighted[id] = true
					sightings = append(sightings, id)
				}
			default:
				latest, ok, err := w.latest(id)
				if err != nil {
					return nil, nil, err
				}
				if ok {
					page.Incidents = append(page.Incidents, latest)
				}
			}
		}
		pages = append(pages, page)
	}
	return parser.Merge(pages), sightings, nil
}
