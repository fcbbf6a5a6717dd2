package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/rs/zerolog"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/scraper"
)

// fetchShared is what every fetcher of the daemon's process shares.
type fetchShared struct {
	// robots keeps robots.txt verdicts across runs (for the scraper's
	// RobotsTTL), so that a source scraped every few minutes does not
	// fetch it every time.
	robots *scraper.RobotsCache
	// gate is the one per-host budget (delay, parallelism, Retry-After
	// holds) of every source: 1,000 sources on one host wait their turn
	// like the pages of one source.
	gate *scraper.Gate
	// allowPrivate is --allow-private-networks: every source and webhook
	// may reach internal addresses.
	allowPrivate bool
}

func newFetchShared() *fetchShared {
	return &fetchShared{robots: scraper.NewRobotsCache(0), gate: scraper.NewGate()}
}

// webhookTransport is the webhook client's transport: the injected one,
// or one whose dials go through the private-network guard, which lets
// through the hosts of webhooks with allow_private_networks (read from the
// current sources file, so a reload applies).
func (d *daemon) webhookTransport() http.RoundTripper {
	if d.m.Transport != nil {
		return d.m.Transport
	}
	g := &scraper.Guard{
		AllowPrivate: d.fetching.allowPrivate,
		Resolver:     d.m.Resolver,
		Logger:       d.base.With().Str("component", "notify").Logger(),
		AllowHost: func(host string) bool {
			d.mu.Lock()
			defer d.mu.Unlock()
			return slices.Contains(d.cfg.Notify.PrivateHosts, strings.ToLower(strings.Trim(host, "[]")))
		},
	}
	return g.Transport()
}

// restoreHolds seeds the daemon's gate with the Retry-After holds the
// archive kept (a restart does not ask a host early), then keeps every new
// hold in the archive as it happens.
func (d *daemon) restoreHolds(ctx context.Context) {
	gate := d.fetching.gate
	err := d.withDB(func(db *archive.DB) error {
		holds, err := db.HostHolds(ctx)
		now := d.m.Now()
		for _, h := range holds {
			if !h.Until.After(now) {
				continue
			}
			gate.Hold(h.Host, h.Until)
			d.lg.Info().Str("host", h.Host).Time("until", h.Until).Msg("host held back: it asked us to wait (retry-after)")
		}
		return err
	})
	if err != nil {
		d.lg.Error().Err(err).Msg("cannot read the hosts held back by retry-after")
	}
	gate.OnHold = keepHold(ctx, d.withDB, d.lg)
}

// restoreRobots fills a one-shot scrape's robots.txt cache with the
// verdicts the archive kept for the sites of urls, so that a site is asked
// for robots.txt once in scraper.RobotsTTL however often it is scraped.
// Verdicts are dated by the scraper's clock (the wall clock).
func restoreRobots(ctx context.Context, store withDB, robots *scraper.RobotsCache, urls []string, lg zerolog.Logger) {
	var sites []string
	for _, u := range urls {
		if site := scraper.RobotsSite(u); site != "" && !slices.Contains(sites, site) {
			sites = append(sites, site)
		}
	}
	if len(sites) == 0 {
		return
	}
	err := store(func(db *archive.DB) error {
		kept, err := db.Robots(ctx, sites)
		verdicts := make([]scraper.RobotsVerdict, 0, len(kept))
		for _, r := range kept {
			verdicts = append(verdicts, scraper.RobotsVerdict{Site: r.Site, FetchedAt: r.FetchedAt, Rules: r.Rules, AllowAll: r.AllowAll})
		}
		robots.Restore(verdicts, time.Now())
		return err
	})
	if err != nil {
		lg.Warn().Err(err).Msg("cannot read the robots.txt verdicts kept: asking the sites again")
	}
}

// keepRobots keeps the robots.txt verdicts a one-shot scrape fetched
// (those fetched since began) in the archive.
func keepRobots(ctx context.Context, store withDB, robots *scraper.RobotsCache, began time.Time, lg zerolog.Logger) {
	now := time.Now()
	var fresh []archive.RobotsRecord
	for _, v := range robots.Verdicts(now) {
		if !v.FetchedAt.Before(began) {
			fresh = append(fresh, archive.RobotsRecord{Site: v.Site, FetchedAt: v.FetchedAt, Rules: v.Rules, AllowAll: v.AllowAll})
		}
	}
	if len(fresh) == 0 {
		return
	}
	if err := store(func(db *archive.DB) error { return db.KeepRobots(context.WithoutCancel(ctx), fresh) }); err != nil {
		lg.Warn().Err(err).Msg("cannot keep the robots.txt verdicts: the next scrape asks again")
	}
}

// hostGate is a one-shot scrape's gate: seeded with the archive's
// Retry-After holds, keeping new ones in it.
func (m *Main) hostGate(ctx context.Context, store withDB, lg zerolog.Logger) *scraper.Gate {
	gate := scraper.NewGate()
	err := store(func(db *archive.DB) error {
		holds, err := db.HostHolds(ctx)
		for _, h := range holds {
			gate.Hold(h.Host, h.Until)
		}
		return err
	})
	if err != nil {
		lg.Error().Err(err).Msg("cannot read the hosts held back by retry-after")
	}
	gate.OnHold = keepHold(ctx, store, lg)
	return gate
}

// keepHold is a gate's OnHold: it logs a new Retry-After hold and keeps
// it in the archive, so that a restart does not ask the host early.
func keepHold(ctx context.Context, store withDB, lg zerolog.Logger) func(host string, until time.Time) {
	return func(host string, until time.Time) {
		lg.Warn().Str("host", host).Time("until", until).Msg("host asked us to wait (retry-after): not asked again before then")
		err := store(func(db *archive.DB) error { return db.HoldHost(context.WithoutCancel(ctx), host, until) })
		if err != nil {
			lg.Error().Err(err).Str("host", host).Msg("cannot keep the retry-after hold in the archive")
		}
	}
}

// holdDesc describes the hold gauge.
var holdDesc = prometheus.NewDesc("statusarchive_host_retry_after_until_timestamp_seconds",
	"When a host that answered with a long Retry-After may be asked again, in Unix seconds; only hosts held now.",
	[]string{"host"}, nil)

// holdCollector exposes the gate's holds at each scrape of /metrics.
type holdCollector struct {
	gate *scraper.Gate
	now  func() time.Time
}

func (c holdCollector) Describe(ch chan<- *prometheus.Desc) { ch <- holdDesc }

func (c holdCollector) Collect(ch chan<- prometheus.Metric) {
	for host, until := range c.gate.Holds(c.now()) {
		ch <- prometheus.MustNewConstMetric(holdDesc, prometheus.GaugeValue, float64(until.UnixNano())/1e9, host)
	}
}

// printHolds lists the hosts held back by a Retry-After, for sources.
func (m *Main) printHolds(ctx context.Context, db *archive.DB) error {
	holds, err := db.HostHolds(ctx)
	if err != nil || len(holds) == 0 {
		return err
	}
	now := m.Now()
	holds = slices.DeleteFunc(holds, func(h archive.HostHold) bool { return !h.Until.After(now) })
	if len(holds) == 0 {
		return nil
	}
	fmt.Fprintln(m.Stdout, "\nhosts that asked us to wait (Retry-After):")
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "  HOST\tNOT ASKED BEFORE (UTC)")
	for _, h := range holds {
		fmt.Fprintf(tw, "  %s\t%s\n", safe(h.Host), minute(h.Until))
	}
	return tw.Flush()
}

// heldBack reports whether the host of a source's url asked, with a
// Retry-After longer than a run waits, not to be asked before until: the
// run is skipped, so that a long hold writes no failed run every tick.
func (d *daemon) heldBack(url string) (until time.Time, held bool) {
	now := d.m.Now()
	until, held = d.fetching.gate.HeldUntil(url, now)
	return until, held && until.Sub(now) > scraper.DefaultOptions().MaxRetryAfter
}
