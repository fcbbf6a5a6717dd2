package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/parser"
)

func (m *Main) showCommand() *cobra.Command {
	cmd, f := m.newCommand("show [flags] ID|SOURCE/ID", "show one incident, its timeline and its versions", "statusarchive show workos/2284029", true)
	o := &showFlags{flags: f}
	fs := cmd.Flags()
	fs.BoolVar(&o.asJSON, "json", false, "print the incident and all its versions as JSON")
	fs.Var(&o.asOf, "as-of", "show what the archive knew at this time")
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.show(cmd.Context(), o, args) }
	return cmd
}

type showFlags struct {
	*flags
	asJSON bool
	asOf   timeFlag
}

func (m *Main) show(ctx context.Context, o *showFlags, args []string) error {
	if len(args) != 1 {
		return &usageError{msg: "show takes exactly one incident id", usage: true}
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
	rec, err := db.Incident(ctx, args[0])
	if err != nil {
		return err
	}
	if !o.asOf.t.IsZero() {
		if rec, err = rec.AsOf(o.asOf.t); err != nil {
			return err
		}
	}
	if o.asJSON {
		enc := json.NewEncoder(m.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(rec)
	}
	writeRecord(m.Stdout, rec)
	return nil
}

// writeRecord prints an incident's latest version and its version history
// for a person at a terminal. Every scraped string goes through safe.
func writeRecord(w io.Writer, rec archive.Record) {
	if len(rec.Versions) == 0 {
		return
	}
	latest := rec.Versions[len(rec.Versions)-1]
	in := latest.Incident
	fmt.Fprintf(w, "%s\n", safe(in.Title))
	fmt.Fprintf(w, "  id         %s/%s\n", safe(rec.Source), safe(rec.ID))
	if latest.Deleted {
		fmt.Fprintf(w, "  DELETED    by the vendor: gone from the page since %s UTC\n", latest.FirstSeen.UTC().Format(timeLayout))
	}
	fmt.Fprintf(w, "  kind       %s\n", in.Kind)
	fmt.Fprintf(w, "  impact     %s\n", labelled(string(in.Impact), in.ImpactRaw))
	fmt.Fprintf(w, "  status     %s\n", labelled(string(in.Status), in.StatusRaw))
	if in.URL != "" {
		fmt.Fprintf(w, "  url        %s\n", safe(in.URL))
	}
	for _, t := range []struct {
		name string
		t    parser.Time
	}{{"started", in.Started}, {"resolved", in.Resolved}, {"window from", in.ScheduledFor}, {"window to", in.ScheduledUntil}} {
		if !t.t.IsZero() {
			fmt.Fprintf(w, "  %-10s %s UTC  (page: %s)\n", t.name, t.t.At.Format(timeLayout), safe(t.t.Text))
		}
	}
	if len(in.Components) > 0 {
		names := make([]string, 0, len(in.Components))
		for _, c := range in.Components {
			names = append(names, safe(c.Name))
		}
		fmt.Fprintf(w, "  components %s\n", strings.Join(names, ", "))
	}
	fmt.Fprintf(w, "\ntimeline (%d updates, oldest first, UTC):\n", len(in.Updates))
	for i, u := range in.Updates {
		fmt.Fprintf(w, "  %2d. %s  %-13s  (page: %s)\n", i+1, u.At.At.Format(timeLayout), safe(u.StatusRaw), safe(u.At.Text))
		for _, line := range strings.Split(strings.TrimSpace(u.Body), "\n") {
			fmt.Fprintf(w, "      %s\n", safe(line))
		}
	}
	fmt.Fprintf(w, "\nversions (%d):\n", len(rec.Versions))
	for _, v := range rec.Versions {
		what := fmt.Sprintf("%d updates", len(v.Incident.Updates))
		if v.Deleted {
			what = "deleted"
		}
		fmt.Fprintf(w, "  v%-3d first seen %s  last seen %s  run %d  %s  %s  %.12s\n",
			v.N, v.FirstSeen.UTC().Format(timeLayout), v.LastSeen.UTC().Format(timeLayout), v.RunID, v.Origin, what, v.Hash)
	}
}

// labelled shows a normalised value with the page's own word beside it
// when they differ.
func labelled(norm, raw string) string {
	switch {
	case norm == "" && raw == "":
		return "-"
	case norm == "":
		return "? (page: " + safe(raw) + ")"
	case raw == "" || strings.EqualFold(strings.TrimSpace(raw), norm):
		return norm
	}
	return norm + " (page: " + safe(strings.TrimSpace(raw)) + ")"
}
