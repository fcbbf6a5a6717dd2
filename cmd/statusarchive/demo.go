package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/export"
	"github.com/statusarchive/statusarchive/archive/notify"
	"github.com/statusarchive/statusarchive/archive/stats"
	"github.com/statusarchive/statusarchive/fixtures/outagehistory"
	"github.com/statusarchive/statusarchive/fixtures/statuspage"
	"github.com/statusarchive/statusarchive/parser"
	"github.com/statusarchive/statusarchive/scraper"
)

func (m *Main) demoCommand() *cobra.Command {
	cmd, f := m.newCommand("demo [flags]", "scrape the bundled fixture site offline into a fresh archive", "statusarchive demo", false)
	dir := cmd.Flags().String("dir", "", "where to write the demo archive and export (default: a new temporary directory)")
	markup := cmd.Flags().String("markup", "semantic", "markup of the outage-history fixture: one of "+strings.Join(outagehistory.Markups(), ", "))
	_ = cmd.MarkFlagDirname("dir")
	_ = cmd.RegisterFlagCompletionFunc("markup", fixedCompletion(outagehistory.Markups()...))
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.demo(cmd.Context(), f, *dir, *markup, args) }
	return cmd
}

func (m *Main) demo(ctx context.Context, f *flags, dir, markup string, args []string) error {
	if len(args) > 0 {
		return &usageError{msg: "demo takes no arguments"}
	}
	if !slices.Contains(outagehistory.Markups(), markup) {
		return &usageError{msg: fmt.Sprintf("--markup %q is not one of %s", markup, strings.Join(outagehistory.Markups(), ", "))}
	}
	lg, err := m.logger(f)
	if err != nil {
		return err
	}
	if dir == "" {
		if dir, err = os.MkdirTemp("", "statusarchive-demo-"); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	} else if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("demo: %w", err)
	}
	dbPath := filepath.Join(dir, "archive.db")
	if err := earlierDemo(ctx, dbPath, lg); err != nil {
		return err
	}
	if err := os.Remove(dbPath); err != nil && !errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("demo: start a fresh archive: %w", err)
	}
	db, err := archive.Open(dbPath, archive.Options{Now: m.Now, Logger: lg, Announce: notify.Announce})
	if err != nil {
		return err
	}
	defer db.Close()

	sites := []struct{ source, about, path string }{
		{"workos", "outage-history page (reconstructed from the seed, " + markup + " markup)", "/providers/workos/outages"},
		{"acme", "Atlassian Statuspage site (built from real Statuspage shapes)", "/"},
	}
	ohSrv := httptest.NewServer(outagehistory.Site(markup))
	defer ohSrv.Close()
	spSrv := httptest.NewServer(statuspage.Site(statuspage.Options{}))
	defer spSrv.Close()
	origins := []string{ohSrv.URL, spSrv.URL}
	fmt.Fprintf(m.Stdout, "statusarchive demo: the bundled fixture sites are served on loopback; nothing leaves this machine.\n\n")

	// Loopback fixtures need no politeness delay; every other default stays.
	d := scraper.DefaultOptions()
	// The loopback addresses are the demo's own servers, not a choice the
	// user made: no need to log that they are allowed.
	fetch := &fetchOptions{maxPages: 200, delay: 0, timeout: d.RequestTimeout, maxBody: d.MaxBodyBytes, allowPrivate: true}
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

	csvPath := filepath.Join(dir, "incidents.csv")
	err = m.writeOut(dbPath, csvPath, func(w io.Writer) error {
		return export.Write(w, export.TableIncidents, export.FormatCSV, db.Rows(ctx, archive.Filter{Kind: parser.KindIncident}), export.Options{})
	})
	if err != nil {
		return err
	}
	// Point at the incident with the longest timeline: the one whose
	// updates came from its detail page.
	longest, most := "", 0
	for row, err := range db.Rows(ctx, archive.Filter{Source: []string{"workos"}}) {
		if err != nil {
			return err
		}
		if n := len(row.Incident.Updates); n > most {
			longest, most = row.Incident.ID, n
		}
	}
	fmt.Fprintf(m.Stdout, "archive: %s\nexport:  %s\n\nlook around:\n", dbPath, csvPath)
	for _, c := range []string{"list --source workos", "show " + shellQuote("workos/"+longest), "changes", "stats --by month", "export --format json --source acme"} {
		fmt.Fprintf(m.Stdout, "  %s %s --db %s\n", m.Prog, c, shellQuote(dbPath))
	}
	return nil
}

// demoFigures prints a source's figures from the archive beside what its
// page claims about itself. The fixtures describe the past, so open
// incidents end at the newest post archived rather than today.
func (m *Main) demoFigures(ctx context.Context, w io.Writer, db *archive.DB, source string) error {
	var newest time.Time
	for row, err := range db.Rows(ctx, archive.Filter{Source: []string{source}}) {
		if err != nil {
			return err
		}
		if last := row.Incident.Last().At; last.After(newest) {
			newest = last
		}
	}
	opts := stats.Options{Now: newest, Until: newest}
	report, err := computeStats(ctx, db, archive.Filter{Source: []string{source}, IncludeDeleted: true}, opts)
	if err != nil {
		return err
	}
	for _, s := range report.Sources {
		fmt.Fprintf(w, "  as of its newest post (%s UTC): %d incidents and %d maintenance since %s; %.2f incidents per month;\n",
			minute(newest), s.Incidents, s.Maintenance, day(s.Since), s.PerMonth)
		fmt.Fprintf(w, "  downtime %s (plain sum), %s (overlaps counted once)", stats.HoursMinutes(s.Downtime), stats.HoursMinutes(s.DowntimeUnion))
		for _, a := range s.Availability {
			fmt.Fprintf(w, "; availability %.3f%% (%s)", a.Percent, a.Method)
		}
		fmt.Fprintln(w)
	}
	claims, err := claimComparisons(ctx, db, []string{source}, opts)
	if err != nil {
		return err
	}
	return writeClaims(w, claims)
}

// demoSources are the sources a demo archive holds.
var demoSources = []string{"acme", "workos"}

// earlierDemo returns nil when path is missing or an archive an earlier
// demo wrote (only the demo's sources), which the demo may replace, and an
// error wrapping archive.ErrOverwrite for any other file: --dir pointed
// at a real archive's folder must not cost it.
func earlierDemo(ctx context.Context, path string, lg zerolog.Logger) error {
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	refuse := fmt.Errorf("demo: %w %s: it is not an archive an earlier demo wrote (choose another --dir)", archive.ErrOverwrite, path)
	db, err := archive.Open(path, archive.Options{ReadOnly: true, Logger: lg})
	if err != nil {
		return errors.Join(refuse, err)
	}
	defer db.Close()
	sources, err := db.Sources(ctx)
	if err != nil {
		return errors.Join(refuse, err)
	}
	for _, s := range sources {
		if !slices.Contains(demoSources, s.Name) {
			return refuse
		}
	}
	return nil
}
