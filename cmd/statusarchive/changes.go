package main

import (
	"context"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/diff"
)

func (m *Main) changes(ctx context.Context, args []string) error {
	fs, f := m.newFlagSet("changes", "[flags]", "statusarchive changes --since 2026-06-01 --source workos", true)
	source := fs.String("source", "", "only this source")
	var since timeFlag
	fs.Var(&since, "since", "changes recorded at or after this time (default: those of each source's latest good run)")
	asJSON := fs.Bool("json", false, "print the report as JSON")
	full := fs.Bool("full", false, "show whole update bodies and every word around an edit")
	if err := parse(fs, args); err != nil {
		return handled(err)
	}
	if fs.NArg() > 0 {
		return &usageError{msg: "changes takes no arguments"}
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

	var vcs []archive.VersionChange
	if !since.t.IsZero() {
		if vcs, err = db.Changes(ctx, archive.ChangeFilter{Source: *source, Since: since.t}); err != nil {
			return err
		}
	} else {
		// Since the previous run: what each source's latest good run did.
		sources, err := db.Sources(ctx)
		if err != nil {
			return err
		}
		for _, s := range sources {
			if (*source != "" && s.Name != *source) || s.LastOKRun == 0 {
				continue
			}
			got, err := db.Changes(ctx, archive.ChangeFilter{Source: s.Name, SinceRun: s.LastOKRun - 1})
			if err != nil {
				return err
			}
			vcs = append(vcs, got...)
		}
	}
	opts := diff.ReportOptions{Since: since.t}
	if *full {
		opts.BodyWidth, opts.Context = -1, -1
	}
	report := describeChanges(vcs)
	if *asJSON {
		return diff.WriteReportJSON(m.Stdout, report, opts)
	}
	return diff.WriteReport(m.Stdout, report, opts)
}
