package main

import (
	"context"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/stats"
	"github.com/statusarchive/statusarchive/parser"
)

// claimRunsScanned bounds how far back the run log is searched for a page's
// claims about itself.
const claimRunsScanned = 50

// claimComparisons sets each source's latest page claims ("44 outages in
// the last 2 years totaling 122h 18m") beside the same figures computed from
// the archive over the window the claim names: from the claim's "since"
// date (or its window back from the run) to the run that saw the claim, or
// to the caller's Until when that is earlier.
func claimComparisons(ctx context.Context, db *archive.DB, sources []string, opts stats.Options) ([]stats.Comparison, error) {
	var out []stats.Comparison
	for _, source := range sources {
		claims, seen, err := latestClaims(ctx, db, source)
		if err != nil || claims == nil {
			if err != nil {
				return nil, err
			}
			continue
		}
		window := opts
		window.By = ""
		if window.Until.IsZero() || seen.Before(window.Until) {
			window.Until = seen
		}
		window.Since = claims.Since.At
		if window.Since.IsZero() {
			if window.Since, err = stats.WindowSince(claims.Window, seen); err != nil {
				continue // a claim whose window we cannot read has nothing to compare
			}
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

// latestClaims returns the claims of the source's latest good run that had
// any, and when that run saw them.
func latestClaims(ctx context.Context, db *archive.DB, source string) (*parser.Claims, time.Time, error) {
	runs, err := db.Runs(ctx, source, claimRunsScanned)
	if err != nil {
		return nil, time.Time{}, err
	}
	for _, r := range runs {
		if r.Good() && r.Claims != nil {
			return r.Claims, r.Recorded, nil
		}
	}
	return nil, time.Time{}, nil
}
