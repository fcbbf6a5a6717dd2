package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/diff"
	"github.com/statusarchive/statusarchive/parser"
)

func (m *Main) diffCommand() *cobra.Command {
	cmd, f := m.newCommand("diff [flags] ID|SOURCE/ID", "show what changed between two versions of an incident",
		"statusarchive diff --from 1 --to 3 workos/2741093", true)
	o := &diffFlags{flags: f}
	fs := cmd.Flags()
	fs.IntVar(&o.from, "from", 0, "older version (default: the one before --to)")
	fs.IntVar(&o.to, "to", 0, "newer version (default: the latest)")
	fs.BoolVar(&o.asJSON, "json", false, "print the diff as JSON")
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.diff(cmd.Context(), o, args) }
	return cmd
}

type diffFlags struct {
	*flags
	from, to int
	asJSON   bool
}

func (m *Main) diff(ctx context.Context, o *diffFlags, args []string) error {
	if len(args) != 1 {
		return &usageError{msg: "diff takes exactly one incident id", usage: true}
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
	from, to := o.from, o.to
	rec, err := db.Incident(ctx, args[0])
	if err != nil {
		return err
	}
	n := len(rec.Versions)
	if to == 0 {
		to = n
	}
	if from == 0 {
		from = to - 1
	}
	if n < 2 && from == 0 {
		fmt.Fprintf(m.Stdout, "%s/%s has one version: nothing to compare\n", safe(rec.Source), safe(rec.ID))
		return nil
	}
	if from < 1 || to > n || from >= to {
		return &usageError{msg: fmt.Sprintf("%s/%s has versions 1 to %d: want 1 <= --from < --to <= %d", rec.Source, rec.ID, n, n)}
	}
	older, newer := rec.Versions[from-1], rec.Versions[to-1]
	d := diff.Incidents(older.Incident, newer.Incident)
	if o.asJSON {
		return diff.WriteJSON(m.Stdout, struct {
			Source string    `json:"source"`
			ID     string    `json:"id"`
			From   int       `json:"from"`
			To     int       `json:"to"`
			Origin string    `json:"origin"`
			Diff   diff.Diff `json:"diff"`
		}{rec.Source, rec.ID, older.N, newer.N, string(newer.Origin), d})
	}
	return diff.WriteText(m.Stdout, d, diff.Header{
		Source: rec.Source, ID: rec.ID, Title: newer.Incident.Title,
		FromVersion: older.N, ToVersion: newer.N, FromSeen: older.FirstSeen, ToSeen: newer.FirstSeen,
		Origin: string(newer.Origin),
	})
}

// describeChanges turns the archive's new versions into the report's
// changes, dropping versions whose visible content did not change.
func describeChanges(vcs []archive.VersionChange) []diff.Change {
	var out []diff.Change
	for _, vc := range vcs {
		cur, prev := vc.Version, vc.Previous
		var prevIncident *parser.Incident
		prevDeleted := false
		if prev != nil {
			prevIncident = &prev.Incident
			prevDeleted = prev.Deleted
		}
		kind, d := diff.Classify(prevIncident, cur.Incident, cur.Deleted, prevDeleted, string(cur.Origin))
		if kind == diff.ChangeNone {
			continue
		}
		c := diff.Change{
			Source: vc.Source, ID: vc.ID, Title: cur.Incident.Title, Kind: kind, Version: cur.N,
			At: cur.FirstSeen, Origin: string(cur.Origin), Diff: d,
		}
		if prev != nil {
			c.PrevVersion = prev.N
			c.LastSeen = prev.LastSeen
		}
		if kind == diff.ChangeNewIncident {
			in := cur.Incident
			c.Incident = &in
		}
		out = append(out, c)
	}
	return out
}
