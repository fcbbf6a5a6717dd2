package main

import (
	"context"

	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/diff"
)

func (m *Main) changesCommand() *cobra.Command {
	cmd, f := m.newCommand("changes [flags]", "report every change since a time or since the previous run",
		"statusarchive changes --since 2026-06-01 --source workos", true)
	o := &changesFlags{flags: f}
	fs := cmd.Flags()
	fs.StringVar(&o.source, "source", "", "only this source")
	fs.Var(&o.since, "since", "changes recorded at or after this time (default: those of each source's latest good run)")
	fs.BoolVar(&o.asJSON, "json", false, "print the report as JSON")
	fs.BoolVar(&o.full, "full", false, "show whole update bodies and every word around an edit")
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.changes(cmd.Context(), o, args) }
	return cmd
}

type changesFlags struct {
	*flags
	source       string
	since        timeFlag
	asJSON, full bool
}

func (m *Main) changes(ctx context.Context, o *changesFlags, args []string) error {
	if len(args) > 0 {
		return &usageError{msg: "changes takes no arguments"}
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

	var vcs []archive.VersionChange
	if !o.since.t.IsZero() {
		if vcs, err = db.Changes(ctx, archive.ChangeFilter{Source: o.source, Since: o.since.t}); err != nil {
			return err
		}
	} else {
		// Since the previous run: what each source's latest good run did.
		sources, err := db.Sources(ctx)
		if err != nil {
			return err
		}
		for _, s := range sources {
			if (o.source != "" && s.Name != o.source) || s.LastOKRun == 0 {
				continue
			}
			got, err := db.Changes(ctx, archive.ChangeFilter{Source: s.Name, SinceRun: s.LastOKRun - 1})
			if err != nil {
				return err
			}
			vcs = append(vcs, got...)
		}
	}
	opts := diff.ReportOptions{Since: o.since.t}
	if o.full {
		opts.BodyWidth, opts.Context = -1, -1
	}
	report := describeChanges(vcs)
	if o.asJSON {
		return diff.WriteReportJSON(m.Stdout, report, opts)
	}
	return diff.WriteReport(m.Stdout, report, opts)
}
