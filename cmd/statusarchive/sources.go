package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/archive"
)

func (m *Main) sourcesCommand() *cobra.Command {
	cmd, f := m.newCommand("sources [flags]", "show each source's coverage: runs, failures, how far back it reaches",
		"statusarchive sources --runs 5", true)
	runs := cmd.Flags().Int("runs", 0, "also list each source's latest N runs")
	asJSON := cmd.Flags().Bool("json", false, "print JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error {
		return m.sources(cmd.Context(), f, *runs, *asJSON, args)
	}
	return cmd
}

func (m *Main) sources(ctx context.Context, f *flags, runs int, asJSON bool, args []string) error {
	if len(args) > 0 {
		return &usageError{msg: "sources takes no arguments"}
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
	infos, err := db.Sources(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(infos)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tINCIDENTS\tLIVE\tVERSIONS\tOLDEST INCIDENT\tFIRST GOOD RUN\tLAST GOOD RUN\tLAST RUN\tRUNS\tFAILED\tSUSPECT\tBACKFILL")
	for _, s := range infos {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%s\t%s\t%s\t%s\t%d\t%d\t%d\t%s\n", safe(s.Name), s.Incidents, s.Live, s.Versions,
			day(s.OldestUpdate), minute(s.FirstOK), minute(s.LastOK), s.LastOutcome, s.Runs, s.Failed, s.Suspect, cmp.Or(s.Backfill, "-"))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	if err := m.printHolds(ctx, db); err != nil {
		return err
	}
	if runs <= 0 {
		return nil
	}
	for _, s := range infos {
		list, err := db.Runs(ctx, s.Name, runs)
		if err != nil {
			return err
		}
		fmt.Fprintf(m.Stdout, "\n%s: latest runs\n", safe(s.Name))
		tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "  RUN\tSTARTED (UTC)\tOUTCOME\tPAGES\tINCIDENTS\tNEW\tCHANGED\tDELETED\tREPEATED\tERROR")
		for _, r := range list {
			fmt.Fprintf(tw, "  %d\t%s\t%s\t%d\t%d\t%d\t%d\t%d\t%s\t%s\n", r.ID, minute(r.Started), r.Outcome, r.Pages, r.Incidents,
				r.New, r.Changed, r.Deleted, repeated(r), safe(r.Error))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// repeated says how many unchanged runs an entry stands for, and when
// the latest started, then how many of them were complete and when the
// latest of those was recorded: "×12, last 2026-06-01 13:05; 1 complete,
// 2026-06-01 12:40"; "-" for one run.
func repeated(r archive.Run) string {
	if r.Count() == 1 {
		return "-"
	}
	latest := r.Latest()
	s := fmt.Sprintf("×%d, last %s", r.Count(), minute(cmp.Or(latest.Started, latest.Finished, latest.Recorded)))
	if n, at := r.Completes(); n > 0 {
		s += fmt.Sprintf("; %d complete, %s", n, minute(at))
	}
	return s
}

func minute(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(timeLayout)
}

func day(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.DateOnly)
}
