package main

import (
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/parser"
)

// formatRow is one line of `formats --json`.
type formatRow struct {
	Name     parser.Format `json:"name"`
	Platform string        `json:"platform"`
	Example  string        `json:"example"`
	Reads    string        `json:"reads"`
}

func (m *Main) formatsCommand() *cobra.Command {
	cmd := &cobra.Command{
		Use:     "formats [--json]",
		Short:   "list every page format --format accepts, with an example URL of each",
		Example: "  statusarchive formats\n  statusarchive scrape --format instatus https://status.example.com/summary.json",
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) > 0 {
				return &usageError{msg: "formats takes no arguments", usage: true}
			}
			return nil
		},
	}
	asJSON := cmd.Flags().Bool("json", false, "print JSON")
	cmd.RunE = func(*cobra.Command, []string) error { return m.formats(*asJSON) }
	return cmd
}

// formats prints every registered format: its name, platform, an example
// URL shape and what it reads. "auto" (the default) detects among them.
func (m *Main) formats(asJSON bool) error {
	var rows []formatRow
	for _, name := range parser.Formats() {
		info, ok := parser.Describe(name)
		if !ok {
			info = parser.FormatInfo{Platform: "?", Example: "?", Reads: "(no description)"}
		}
		rows = append(rows, formatRow{Name: name, Platform: info.Platform, Example: info.Example, Reads: info.Reads})
	}
	if asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rows)
	}
	tw := tabwriter.NewWriter(m.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "FORMAT\tPLATFORM\tEXAMPLE URL\tREADS")
	for _, r := range rows {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", r.Name, r.Platform, r.Example, r.Reads)
	}
	fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", parser.FormatAuto, "any", "any of the above", "detects the format from the page's structure (the default)")
	return tw.Flush()
}
