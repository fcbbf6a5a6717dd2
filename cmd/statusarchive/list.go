package main

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/parser"
)

// listItem is one line of `list --json`.
type listItem struct {
	Source    string        `json:"source"`
	ID        string        `json:"id"`
	Kind      parser.Kind   `json:"kind"`
	Title     string        `json:"title"`
	Impact    parser.Impact `json:"impact"`
	Status    parser.Status `json:"status"`
	FirstPost *string       `json:"first_post"`
	Updates   int           `json:"updates"`
	Version   int           `json:"version"`
	Deleted   bool          `json:"deleted"`
}

func (m *Main) listCommand() *cobra.Command {
	cmd, f := m.newCommand("list [flags]", "list archived incidents", "statusarchive list --source workos", true)
	o := &listFlags{flags: f}
	fs := cmd.Flags()
	fs.Var(&o.sources, "source", "only these sources (repeat or comma-separate)")
	fs.StringVar(&o.kind, "kind", "all", "incident, maintenance or all")
	fs.BoolVar(&o.deleted, "deleted", false, "include incidents the vendor deleted")
	fs.BoolVar(&o.asJSON, "json", false, "print JSON")
	_ = cmd.RegisterFlagCompletionFunc("kind", kindCompletion)
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.list(cmd.Context(), o, args) }
	return cmd
}

type listFlags struct {
	*flags
	sources         stringList
	kind            string
	deleted, asJSON bool
}

func (m *Main) list(ctx context.Context, o *listFlags, args []string) error {
	if len(args) > 0 {
		return &usageError{msg: "list takes no arguments"}
	}
	k, err := parseKind(o.kind)
	if err != nil {
		return err
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

	items := []listItem{}
	for row, err := range db.Rows(ctx, archive.Filter{Source: o.sources, Kind: k, IncludeDeleted: o.deleted}) {
		if err != nil {
			return err
		}
		in := row.Incident
		item := listItem{Source: in.Source, ID: in.ID, Kind: in.Kind, Title: in.Title, Impact: in.Impact, Status: in.Status,
			Updates: len(in.Updates), Version: row.Version, Deleted: row.Deleted}
		if first := in.First(); !first.IsZero() {
			s := first.At.Format(timeLayout)
			item.FirstPost = &s
		}
		items = append(items, item)
	}
	if o.asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(items)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SOURCE\tID\tFIRST POST (UTC)\tKIND\tIMPACT\tSTATUS\tUPDATES\tVERSION\tTITLE")
	for _, it := range items {
		first := "-"
		if it.FirstPost != nil {
			first = *it.FirstPost
		}
		title := it.Title
		if it.Deleted {
			title = "[deleted] " + title
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%d\t%d\t%s\n", safe(it.Source), safe(it.ID), first, it.Kind,
			orDash(string(it.Impact)), orDash(string(it.Status)), it.Updates, it.Version, safe(title))
	}
	return tw.Flush()
}

// timeLayout is how the CLI shows an instant to a person: UTC, to the minute.
const timeLayout = "2006-01-02 15:04"

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
