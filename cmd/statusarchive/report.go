package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/report"
	"github.com/statusarchive/statusarchive/archive/stats"
	"github.com/statusarchive/statusarchive/parser"
)

func (m *Main) reportCommand() *cobra.Command {
	cmd, f := m.newCommand("report --html FILE [flags]", "write a self-contained HTML report: charts, timeline, comparison, coverage",
		"statusarchive report --html report.html --source workos,github --window 24m", true)
	o := &reportFlags{flags: f}
	fs := cmd.Flags()
	fs.StringVar(&o.out, "html", "", "write the HTML report to this file (required; - for stdout)")
	fs.StringVar(&o.title, "title", "", "the report's heading (default: statusarchive reliability report)")
	o.window = addWindowFlags(fs)
	_ = cmd.MarkFlagFilename("html", "html")
	registerWindowCompletions(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.report(cmd.Context(), o, args) }
	return cmd
}

type reportFlags struct {
	*flags
	out, title string
	window     *windowFlags
}

func (m *Main) report(ctx context.Context, o *reportFlags, args []string) error {
	if len(args) > 0 {
		return &usageError{msg: "report takes no arguments"}
	}
	if o.out == "" {
		return &usageError{msg: "report needs --html FILE"}
	}
	wf, out := o.window, o.out
	now := m.Now().UTC()
	opts, err := wf.options(now)
	if err != nil {
		return err
	}
	opts.By = "month"
	lg, err := m.logger(o.flags)
	if err != nil {
		return err
	}
	db, err := m.openDB(o.flags, true, lg)
	if err != nil {
		return err
	}
	defer db.Close()

	// The timeline draws every incident, so they are read once and kept;
	// an incident the vendor later deleted still happened and counts.
	var all []parser.Incident
	var seen []stats.Observed
	lastSeen := map[string]time.Time{}
	deleted := 0
	for row, err := range db.Rows(ctx, archive.Filter{Source: wf.sources, IncludeDeleted: true}) {
		if err != nil {
			return err
		}
		all = append(all, row.Incident)
		seen = append(seen, stats.Observed{Incident: row.Incident, LastSeen: row.LastSeen})
		lastSeen[row.Incident.Source+"/"+row.Incident.ID] = row.LastSeen
		if row.Deleted {
			deleted++
		}
	}
	figures, err := stats.ComputeObserved(slices.Values(seen), opts)
	if err != nil {
		return &usageError{msg: err.Error()}
	}
	data := report.Data{
		Title:     o.title,
		Generated: now,
		Report:    figures,
		Incidents: all,
		LastSeen:  lastSeen,
		Notes:     reportNotes(figures, len(all), deleted),
	}
	if err := m.writeOut(db.Path(), out, func(w io.Writer) error { return report.Write(w, data) }); err != nil {
		return err
	}
	if out != "-" {
		fmt.Fprintf(m.Stderr, "report: %d sources, %d incidents: %s\n", len(figures.Sources), len(all), out)
	}
	return nil
}

// reportNotes says what a reader of the figures should know about how the
// archive was read.
func reportNotes(r stats.Report, archived, deleted int) []string {
	var notes []string
	if deleted > 0 {
		notes = append(notes, fmt.Sprintf("%d incidents were later deleted from their vendor's page; they count with their last archived content: they still happened.", deleted))
	}
	undated := 0
	for _, s := range r.Sources {
		undated += s.Undated
	}
	if undated > 0 {
		notes = append(notes, fmt.Sprintf("%d archived incidents carry no time at all (a history entry listing no updates) and are left out of every figure.", undated))
	}
	for _, s := range r.Sources {
		if s.Disagreements > 0 {
			notes = append(notes, s.Source+": "+disagreementNote(s.Disagreements)+".")
		}
	}
	if archived == 0 {
		notes = append(notes, "The archive holds no incidents for these sources: scrape them first (statusarchive scrape).")
	}
	return notes
}
