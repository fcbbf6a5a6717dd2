package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/export"
	"github.com/statusarchive/statusarchive/archive/stats"
	"github.com/statusarchive/statusarchive/fixtures"
	"github.com/statusarchive/statusarchive/parser"
	"github.com/statusarchive/statusarchive/scraper"
)

func (m *Main) demo(ctx context.Context, args []string) error {
	fs, f := m.newFlagSet("demo", "[flags]", "statusarchive demo", false)
	dir := fs.String("dir", "", "where to write the demo archive and export (default: a new temporary directory)")
	markup := fs.String("markup", "semantic", "markup of the outage-history fixture: semantic or divsoup")
	if err := parse(fs, args); err != nil {
		return handled(err)
	}
	if fs.NArg() > 0 {
		return &usageError{msg: "demo takes no arguments"}
	}
	lg, err := m.logger(f)
	if err != nil {
		return err
	}
	if *dir == "" {
		if *dir, err = os.MkdirTemp("", "statusarchive-demo-"); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	} else if err := os.MkdirAll(*dir, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	dbPath := filepath.Join(*dir, "archive.db")
	if err := os.Remove(dbPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("demo: start a fresh archive: %w", err)
	}
	db, err := archive.Open(dbPath, archive.Options{Now: m.Now, Logger: lg})
	if err != nil {
		return err
	}
	defer db.Close()

	sites := []struct{ source, about, path string }{
		{"workos", "outage-history page (reconstructed from the seed, " + *markup + " markup)", "/providers/workos/outages"},
		{"acme", "Atlassian Statuspage site (built from real Statuspage shapes)", "/"},
	}
	ohSrv := fixtures.Serve(fixtures.OutageHistorySite(*markup))
	defer ohSrv.Close()
	spSrv := fixtures.Serve(fixtures.StatuspageSite(fixtures.StatuspageOptions{}))
	defer spSrv.Close()
	origins := []string{ohSrv.URL, spSrv.URL}
	fmt.Fprintf(m.Stdout, "statusarchive demo: the bundled fixture sites are served on loopback; nothing leaves this machine.\n\n")

	// Loopback fixtures need no politeness delay; every other default stays.
	d := scraper.DefaultOptions()
	fetch := &fetchOptions{maxPages: 200, delay: 0, timeout: d.RequestTimeout, maxBody: d.MaxBodyBytes}
	var errs []error
	for i, s := range sites {
		url := origins[i] + s.path
		run, err := m.runJob(ctx, holding(db), lg.With().Str("source", s.source).Logger(),
			job{source: s.source, url: url, format: parser.FormatAuto, fetch: fetch.options(m)})
		if err != nil {
			errs = append(errs, err)
			fmt.Fprintf(m.Stdout, "%s: FAILED: %v\n\n", s.source, err)
			continue
		}
		fmt.Fprintf(m.Stdout, "%s — %s\n  scraped %s: %d pages, %d records (%d updates), %d new\n",
			s.source, s.about, url, run.Pages, run.Incidents, run.Updates, run.New)
		if err := m.demoFigures(ctx, m.Stdout, db, s.source); err != nil {
			errs = append(errs, err)
		}
		fmt.Fprintln(m.Stdout)
	}
	if err := errors.Join(errs...); err != nil {
		return err
	}

	csvPath := filepath.Join(*dir, "incidents.csv")
	err = writeOut(m.Stdout, csvPath, func(w io.Writer) error {
		return export.Write(w, export.TableIncidents, export.FormatCSV, db.Rows(ctx, archive.Filter{Kind: parser.KindIncident}), export.Options{})
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(m.Stdout, "archive: %s\nexport:  %s\n\nlook around:\n", dbPath, csvPath)
	for _, c := range []string{"list --source workos", "show workos/<ID from list>", "export --format json --source acme", "stats"} {
		fmt.Fprintf(m.Stdout, "  statusarchive %s --db %s\n", c, dbPath)
	}
	return nil
}

// demoFigures prints a source's figures from the archive beside what its
// page claims about itself.
func (m *Main) demoFigures(ctx context.Context, w io.Writer, db *archive.DB, source string) error {
	rows := db.Rows(ctx, archive.Filter{Source: []string{source}})
	var incidents []parser.Incident
	for row, err := range rows {
		if err != nil {
			return err
		}
		incidents = append(incidents, row.Incident)
	}
	report, err := stats.Compute(func(yield func(parser.Incident) bool) {
		for _, in := range incidents {
			if !yield(in) {
				return
			}
		}
	}, stats.Options{Now: m.Now(), By: "month"})
	if err != nil {
		return err
	}
	for _, s := range report.Sources {
		fmt.Fprintf(w, "  %d incidents, %d maintenance; downtime %s (sum) / %s (union of overlaps); %.1f incidents per month over %.1f months\n",
			s.Incidents, s.Maintenance, stats.HoursMinutes(s.Downtime), stats.HoursMinutes(s.DowntimeUnion), s.PerMonth, s.MonthsInWindow)
		for _, a := range s.Availability {
			fmt.Fprintf(w, "  availability %.3f%% (method %s)\n", a.Percent, a.Method)
		}
	}
	return nil
}
