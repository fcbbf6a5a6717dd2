package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"
)

func (m *Main) reparseCommand() *cobra.Command {
	cmd, f := m.newCommand("reparse [flags]", "re-derive records from the stored raw pages with this version's parser",
		"statusarchive reparse --source workos", true)
	source := cmd.Flags().String("source", "", "only this source (default: every source)")
	addAcceptRollback(cmd, f)
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.reparse(cmd.Context(), f, *source, args) }
	return cmd
}

func (m *Main) reparse(ctx context.Context, f *flags, source string, args []string) error {
	if len(args) > 0 {
		return &usageError{msg: "reparse takes no arguments"}
	}
	lg, err := m.logger(f)
	if err != nil {
		return err
	}
	db, err := m.openDB(f, false, lg)
	if err != nil {
		return err
	}
	defer db.Close()
	runs, err := db.Reparse(ctx, source, m.Parse)
	for _, r := range runs {
		fmt.Fprintf(m.Stdout, "%s: re-parsed %d stored pages of its last good run: %d incidents, %d changed by the parser, %d unchanged (%s)\n",
			safe(r.Source), r.Pages, r.Incidents, r.Changed+r.New, r.Unchanged, r.Outcome)
	}
	return err
}
