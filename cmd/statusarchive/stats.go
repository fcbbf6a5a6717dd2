package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"iter"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/export"
	"github.com/statusarchive/statusarchive/archive/report"
	"github.com/statusarchive/statusarchive/archive/stats"
	"github.com/statusarchive/statusarchive/parser"
)

func (m *Main) statsCommand() *cobra.Command {
	cmd, f := m.newCommand("stats [flags]", "compare sources' reliability: incidents, downtime, time to resolve, availability",
		"statusarchive stats --source workos,github --window 24m --by month", true)
	o := &statsFlags{flags: f}
	fs := cmd.Flags()
	o.window = addWindowFlags(fs)
	fs.StringVar(&o.by, "by", "", "month: add a monthly breakdown")
	fs.StringVar(&o.format, "format", "table", "table, csv or json")
	_ = cmd.RegisterFlagCompletionFunc("by", fixedCompletion("month"))
	_ = cmd.RegisterFlagCompletionFunc("format", fixedCompletion("table", "csv", "json"))
	registerWindowCompletions(cmd)
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.stats(cmd.Context(), o, args) }
	return cmd
}

type statsFlags struct {
	*flags
	window     *windowFlags
	by, format string
}

func (m *Main) stats(ctx context.Context, o *statsFlags, args []string) error {
	if len(args) > 0 {
		return &usageError{msg: "stats takes no arguments"}
	}
	wf := o.window
	opts, err := wf.options(m.Now().UTC())
	if err != nil {
		return err
	}
	switch o.by {
	case "", "month":
		opts.By = o.by
	default:
		return &usageError{msg: fmt.Sprintf("--by %q: want month", o.by)}
	}
	switch o.format {
	case "table", "csv", "json":
	default:
		return &usageError{msg: fmt.Sprintf("--format %q: want table, csv or json", o.format)}
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

	// An incident the vendor later deleted still happened: its last known
	// content counts.
	report, err := computeStats(ctx, db, archive.Filter{Source: wf.sources, IncludeDeleted: true}, opts)
	if err != nil {
		return err
	}
	names := make([]string, 0, len(report.Sources))
	for _, s := range report.Sources {
		names = append(names, s.Source)
	}
	claims, err := claimComparisons(ctx, db, names, opts)
	if err != nil {
		return err
	}
	switch o.format {
	case "json":
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(struct {
			stats.Report
			Claims []stats.Comparison `json:"claims,omitempty"`
		}{report, claims})
	case "csv":
		if opts.By == "month" {
			return export.WriteMonthly(m.Stdout, export.FormatCSV, report.Sources, export.Options{})
		}
		return export.WriteStats(m.Stdout, report)
	}
	if err := writeStatsTable(m.Stdout, report); err != nil {
		return err
	}
	return writeClaims(m.Stdout, claims)
}

// writeClaims prints each page's claim about itself above the same sentence
// computed from the archive.
func writeClaims(w io.Writer, claims []stats.Comparison) error {
	for _, c := range claims {
		agree := "they differ"
		if c.Agree {
			agree = "they agree"
		}
		if _, err := fmt.Fprintf(w, "\nwhat the page claims, and the same from the archive (%s):\n%s\n", agree, c.String()); err != nil {
			return err
		}
	}
	return nil
}

// computeStats computes stats over the rows f selects. Options stats
// refuses are a usage error.
func computeStats(ctx context.Context, db *archive.DB, f archive.Filter, opts stats.Options) (stats.Report, error) {
	seq, failed := observed(db.Rows(ctx, f))
	report, err := stats.ComputeObserved(seq, opts)
	if err != nil {
		return report, &usageError{msg: err.Error()}
	}
	return report, failed()
}

// observed adapts archive rows to the incidents stats reads, each with
// the archive's last sighting of it; failed reports the first error the
// rows gave, once the sequence was consumed.
func observed(rows iter.Seq2[archive.Row, error]) (iter.Seq[stats.Observed], func() error) {
	var err error
	seq := func(yield func(stats.Observed) bool) {
		for row, rerr := range rows {
			if rerr != nil {
				err = rerr
				return
			}
			if !yield(stats.Observed{Incident: row.Incident, LastSeen: row.LastSeen}) {
				return
			}
		}
	}
	return seq, func() error { return err }
}

// windowStart is the start of --window's window (stats.WindowSince)
// ending at until; a window it cannot read is a usage error.
func windowStart(window string, until time.Time) (time.Time, error) {
	start, err := stats.WindowSince(window, until)
	if err != nil {
		return time.Time{}, &usageError{msg: fmt.Sprintf("--window %q: want 24m, 90d, 2y or \"2 years\"", window)}
	}
	return start, nil
}

func parseWeights(v string) (map[parser.Impact]float64, error) {
	w := map[parser.Impact]float64{}
	for _, part := range strings.Split(v, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(part), "=")
		impact := parser.NormaliseImpact(name)
		x, err := strconv.ParseFloat(value, 64)
		if !ok || impact == parser.ImpactUnknown || err != nil || x < 0 || x > 1 {
			return nil, &usageError{msg: fmt.Sprintf("--weights: %q: want impact=weight with impact none, minor, major, critical or maintenance and weight in [0, 1]", part)}
		}
		w[impact] = x
	}
	return w, nil
}

// writeStatsTable prints the sources side by side, one metric a row
// (report.Metrics, as the HTML report shows them), each row ending with
// how it was computed.
func writeStatsTable(w io.Writer, r stats.Report) error {
	if len(r.Sources) == 0 {
		_, err := fmt.Fprintln(w, "no incidents archived for these sources")
		return err
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprint(tw, "")
	for _, s := range r.Sources {
		fmt.Fprint(tw, "\t"+safe(s.Source))
	}
	fmt.Fprintln(tw, "\thow")
	for _, m := range report.Metrics(r) {
		fmt.Fprint(tw, m.Label)
		for _, c := range m.Cells {
			fmt.Fprint(tw, "\t"+c)
		}
		fmt.Fprintln(tw, "\t"+m.How)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, s := range r.Sources {
		if s.Coverage.Note != "" {
			fmt.Fprintf(w, "note: %s: %s\n", safe(s.Source), safe(s.Coverage.Note))
		}
		if s.Disagreements > 0 {
			fmt.Fprintf(w, "note: %s: %s\n", safe(s.Source), disagreementNote(s.Disagreements))
		}
	}
	for _, s := range r.Sources {
		if len(s.Months) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n%s by month (an incident counts in the month it starts):\n", safe(s.Source))
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "month\tincidents\tmaintenance\tdowntime\t")
		for _, mo := range s.Months {
			fmt.Fprintf(tw, "%s\t%d\t%d\t%s\t\n", mo.Month, mo.Incidents, mo.Maintenance, stats.HoursMinutes(mo.Downtime))
		}
		if err := tw.Flush(); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, "\nmethods: see docs/stats.md. Durations come from the vendor's stated impact window, else the page's started/resolved fields, else first to resolving update; a single-update incident has none.")
	return nil
}

// disagreementNote says that n stated windows were set aside for the
// page's started and resolved fields.
func disagreementNote(n int) string {
	return fmt.Sprintf("%d stated impact windows lie over %v from the page's started/resolved fields; the fields were used (see docs/stats.md)", n, stats.FieldsMargin)
}

// methods lists the availability methods the report computed, in order.
