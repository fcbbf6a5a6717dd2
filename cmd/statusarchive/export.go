package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/export"
	"github.com/statusarchive/statusarchive/archive/stats"
)

func (m *Main) export(ctx context.Context, args []string) error {
	fs, f := m.newFlagSet("export", "[flags]", "statusarchive export --source workos --format csv -o workos.csv", true)
	var sources stringList
	var since, until, asOf timeFlag
	fs.Var(&sources, "source", "only these sources (repeat or comma-separate)")
	fs.Var(&since, "since", "only incidents whose first update is at or after this time")
	fs.Var(&until, "until", "only incidents whose first update is before this time")
	fs.Var(&asOf, "as-of", "export what the archive knew at this time")
	format := fs.String("format", "csv", "csv, json or ndjson")
	updates := fs.Bool("updates", false, "one update a row instead of one incident a row")
	table := fs.String("table", "", "incidents, updates, components or monthly (default incidents; --updates means updates)")
	kind := fs.String("kind", "incident", "incident, maintenance or all")
	deleted := fs.Bool("deleted", false, "include incidents the vendor deleted (as tombstones)")
	raw := fs.Bool("raw", false, "CSV: do not neutralise cells that a spreadsheet would run as formulas")
	out := fs.String("o", "", "write to this file instead of stdout")
	if err := parse(fs, args); err != nil {
		return handled(err)
	}
	if fs.NArg() > 0 {
		return &usageError{msg: "export takes no arguments"}
	}
	k, err := parseKind(*kind)
	if err != nil {
		return err
	}
	if *table == "" {
		*table = string(export.TableIncidents)
		if *updates {
			*table = string(export.TableUpdates)
		}
	}
	tbl, err := export.ParseTable(*table)
	if err != nil {
		return &usageError{msg: "--table: " + err.Error()}
	}
	fm, err := export.ParseFormat(*format)
	if err != nil {
		return &usageError{msg: "--format: " + err.Error()}
	}
	lg, err := m.logger(f)
	if err != nil {
		return err
	}
	db, err := m.openDB(f, true, lg)
	if err != nil {
		return err
	}
	defer db.Close()

	filter := archive.Filter{Source: sources, Kind: k, Since: since.t, Until: until.t, AsOf: asOf.t, IncludeDeleted: *deleted}
	opts := export.Options{Raw: *raw}
	if tbl == export.TableMonthly {
		// Monthly metrics count every kind (maintenance apart) and the
		// incidents the vendor later deleted: they still happened.
		filter.Kind, filter.IncludeDeleted = "", true
		report, err := computeStats(ctx, db, filter, stats.Options{Since: since.t, Until: until.t, Now: m.Now().UTC(), By: "month"})
		if err != nil {
			return err
		}
		return writeOut(m.Stdout, *out, func(w io.Writer) error { return export.WriteMonthly(w, fm, report.Sources, opts) })
	}
	return writeOut(m.Stdout, *out, func(w io.Writer) error {
		return export.Write(w, tbl, fm, db.Rows(ctx, filter), opts)
	})
}

// writeOut runs write against stdout, or against a temporary file renamed
// to path once everything was written, so that a failed export never leaves
// a half-written file behind.
func writeOut(stdout io.Writer, path string, write func(io.Writer) error) error {
	if path == "" || path == "-" {
		bw := bufio.NewWriter(stdout)
		return errors.Join(write(bw), bw.Flush())
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*")
	if err != nil {
		return fmt.Errorf("export: %w", err)
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
