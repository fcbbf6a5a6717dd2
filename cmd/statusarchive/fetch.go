package main

import (
	"net/http"
	"slices"
	"strings"

	"github.com/statusarchive/statusarchive/scraper"
)

// fetchShared is what every fetcher of the daemon's process shares.
type fetchShared struct {
	// robots keeps robots.txt verdicts across runs (for the scraper's
	// RobotsTTL), so that a source scraped every few minutes does not
	// fetch it every time.
	robots *scraper.RobotsCache
	// allowPrivate is --allow-private-networks: every source and webhook
	// may reach internal addresses.
	allowPrivate bool
}

func newFetchShared() *fetchShared {
	return &fetchShared{robots: scraper.NewRobotsCache(0)}
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
		Logger:       d.lg.With().Str("component", "notify").Logger(),
		AllowHost: func(host string) bool {
			d.mu.Lock()
			defer d.mu.Unlock()
			return slices.Contains(d.cfg.Notify.PrivateHosts, strings.ToLower(strings.Trim(host, "[]")))
		},
	}
	return g.Transport()
}
