package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/parser"
)

func (m *Main) reparseCommand() *cobra.Command {
	cmd, f := m.newCommand("reparse [flags]", "re-derive records from the stored raw pages with this version's parser",
		"statusarchive reparse --source workos", true)
	source := cmd.Flags().String("source", "", "only this source (default: every source)")
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
	runs, err := db.Reparse(ctx, source, m.reparsePages)
	for _, r := range runs {
		fmt.Fprintf(m.Stdout, "%s: re-parsed %d stored pages of its last good run: %d incidents, %d changed by the parser, %d unchanged (%s)\n",
			safe(r.Source), r.Pages, r.Incidents, r.Changed+r.New, r.Unchanged, r.Outcome)
	}
	return err
}

// reparsePages parses a run's stored pages with today's parser, as the run
// did: the start page in the run's format, the others as detected.
func (m *Main) reparsePages(from archive.Run, stored []archive.StoredPage) ([]parser.Incident, error) {
	var pages []*parser.Page
	var errs []error
	for i, p := range stored {
		if len(p.Body) == 0 {
			continue
		}
		format := parser.FormatAuto
		if i == 0 && from.Format != "" {
			format = parser.Format(from.Format)
		}
		page, err := m.parse(parser.Document{Source: from.Source, URL: p.URL, ContentType: p.Header.Get("Content-Type"), Body: p.Body}, format)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pages = append(pages, page)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return parser.Merge(pages), nil
}
