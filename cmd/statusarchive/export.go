package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/export"
	"github.com/statusarchive/statusarchive/archive/stats"
)

func (m *Main) exportCommand() *cobra.Command {
	cmd, f := m.newCommand("export [flags]", "export incidents or updates as CSV, JSON or NDJSON",
		"statusarchive export --source workos --format csv -o workos.csv", true)
	o := &exportFlags{flags: f}
	fs := cmd.Flags()
	fs.Var(&o.sources, "source", "only these sources (repeat or comma-separate)")
	fs.Var(&o.since, "since", "only incidents whose first update is at or after this time")
	fs.Var(&o.until, "until", "only incidents whose first update is before this time")
	fs.Var(&o.asOf, "as-of", "export what the archive knew at this time")
	fs.StringVar(&o.format, "format", "csv", "csv, json or ndjson")
	fs.BoolVar(&o.updates, "updates", false, "one update a row instead of one incident a row")
	fs.StringVar(&o.table, "table", "", "incidents, updates, components or monthly (default incidents; --updates means updates)")
	fs.StringVar(&o.kind, "kind", "incident", "incident, maintenance or all")
	fs.BoolVar(&o.deleted, "deleted", false, "include incidents the vendor deleted (as tombstones)")
	fs.BoolVar(&o.raw, "raw", false, "CSV: do not neutralise cells that a spreadsheet would run as formulas")
	fs.StringVarP(&o.out, "o", "o", "", "write to this file instead of stdout")
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion("csv", "json", "ndjson"))
	_ = cmd.RegisterFlagCompletionFunc("table", fixedCompletion("incidents", "updates", "components", "monthly"))
	_ = cmd.RegisterFlagCompletionFunc("kind", kindCompletion)
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.export(cmd.Context(), o, args) }
	return cmd
}

type exportFlags struct {
	*flags
	sources                  stringList
	since, until, asOf       timeFlag
	format, table, kind, out string
	updates, deleted, raw    bool
}

func (m *Main) export(ctx context.Context, o *exportFlags, args []string) error {
	if len(args) > 0 {
		return &usageError{msg: "export takes no arguments"}
	}
	k, err := parseKind(o.kind)
	if err != nil {
		return err
	}
	table := o.table
	if table == "" {
		table = string(export.TableIncidents)
		if o.updates {
			table = string(export.TableUpdates)
		}
	}
	tbl, err := export.ParseTable(table)
	if err != nil {
		return &usageError{msg: "--table: " + err.Error()}
	}
	fm, err := export.ParseFormat(o.format)
	if err != nil {
		return &usageError{msg: "--format: " + err.Error()}
	}
	lg, err := m.logger(o.flags)
	if err != nil {
		return err
	}
	db, err := m.openDB(o.flags, true, lg)
	if err != nil {
		return err
	}
	defer db.Close()

	since, until := o.since, o.until
	filter := archive.Filter{Source: o.sources, Kind: k, Since: since.t, Until: until.t, AsOf: o.asOf.t, IncludeDeleted: o.deleted}
	opts := export.Options{Raw: o.raw}
	if tbl == export.TableMonthly {
		// Monthly metrics count every kind (maintenance apart) and the
		// incidents the vendor later deleted: they still happened.
		filter.Kind, filter.IncludeDeleted = "", true
		report, err := computeStats(ctx, db, filter, stats.Options{Since: since.t, Until: until.t, Now: m.Now().UTC(), By: "month"})
		if err != nil {
			return err
		}
		return m.writeOut(db.Path(), o.out, func(w io.Writer) error { return export.WriteMonthly(w, fm, report.Sources, opts) })
	}
	return m.writeOut(db.Path(), o.out, func(w io.Writer) error {
		return export.Write(w, tbl, fm, db.Rows(ctx, filter), opts)
	})
}

// checkFolder says, before anything is written, why a file cannot be
// written at path: its folder is missing or not a folder, or path is a
// folder itself. (Otherwise the error would name a temporary file.)
func checkFolder(path string) error {
	dir := filepath.Dir(path)
	switch fi, err := os.Stat(dir); {
	case errors.Is(err, fs.ErrNotExist):
		return fmt.Errorf("write %s: the folder %s does not exist", path, dir)
	case err != nil:
		return fmt.Errorf("write %s: %w", path, err)
	case !fi.IsDir():
		return fmt.Errorf("write %s: %s is not a folder", path, dir)
	}
	if fi, err := os.Stat(path); err == nil && fi.IsDir() {
		return fmt.Errorf("write %s: it is a folder", path)
	}
	return nil
}

// writeOut runs write against stdout (escaped on a terminal), or against a temporary file renamed
// to path once everything was written, so that a failed export never leaves
// a half-written file behind. It refuses a path that would replace the
// archive at archivePath, a file kept beside it, or another archive.
func (m *Main) writeOut(archivePath, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		// On a terminal, scraped text must not run as escape sequences;
		// files and pipes get the exact text.
		if m.isTerminal(m.Stdout) {
			ew := &escapingWriter{w: m.Stdout}
			bw := bufio.NewWriter(ew)
			return errors.Join(write(bw), bw.Flush(), ew.Close())
		}
		bw := bufio.NewWriter(m.Stdout)
		return errors.Join(write(bw), bw.Flush())
	}
	if err := archive.CheckOutput(archivePath, path, false); err != nil {
		return err
	}
	if err := checkFolder(path); err != nil {
		return err
	}
	dir := filepath.Dir(path)
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer os.Remove(tmp.Name())
	bw := bufio.NewWriter(tmp)
	if err := errors.Join(write(bw), bw.Flush(), tmp.Sync(), tmp.Close()); err != nil {
		return fmt.Errorf("export to %s: %w", path, err)
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("export to %s: %w", path, err)
	}
	return nil
}
