package main

import (
	"context"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/stats"
)

// claimComparisons sets each source's latest page claims beside the same
// figures computed from the archive over the window the claims name
// (stats.ClaimWindow).
func claimComparisons(ctx context.Context, db *archive.DB, sources []string, opts stats.Options) ([]stats.Comparison, error) {
	var out []stats.Comparison
	for _, source := range sources {
		claims, seen, err := db.LatestClaims(ctx, source)
		if err != nil {
			return nil, err
		}
		if claims == nil {
			continue
		}
		window, ok := stats.ClaimWindow(*claims, seen, opts)
		if !ok {
			continue // a claim whose window we cannot read has nothing to compare
		}
		report, err := computeStats(ctx, db, archive.Filter{Source: []string{source}, IncludeDeleted: true}, window)
		if err != nil {
			return nil, err
		}
		for _, s := range report.Sources {
			out = append(out, stats.Compare(*claims, s))
		}
	}
	return out, nil
}
