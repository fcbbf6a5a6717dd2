package main

import (
	"context"
	"fmt"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/diff"
	"github.com/statusarchive/statusarchive/parser"
)

func (m *Main) diff(ctx context.Context, args []string) error {
	fs, f := m.newFlagSet("diff", "[flags] ID|SOURCE/ID", "statusarchive diff --from 1 --to 3 workos/2741093", true)
	from := fs.Int("from", 0, "older version (default: the one before --to)")
	to := fs.Int("to", 0, "newer version (default: the latest)")
	asJSON := fs.Bool("json", false, "print the diff as JSON")
	if err := parse(fs, args); err != nil {
		return handled(err)
	}
	if fs.NArg() != 1 {
		fs.Usage()
		return &usageError{msg: "diff takes exactly one incident id"}
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
	rec, err := db.Incident(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	n := len(rec.Versions)
	if *to == 0 {
		*to = n
	}
	if *from == 0 {
		*from = *to - 1
	}
	if n < 2 && *from == 0 {
		fmt.Fprintf(m.Stdout, "%s/%s has one version: nothing to compare\n", safe(rec.Source), safe(rec.ID))
		return nil
	}
	if *from < 1 || *to > n || *from >= *to {
		return &usageError{msg: fmt.Sprintf("%s/%s has versions 1 to %d: want 1 <= --from < --to <= %d", rec.Source, rec.ID, n, n)}
	}
	older, newer := rec.Versions[*from-1], rec.Versions[*to-1]
	d := diff.Incidents(older.Incident, newer.Incident)
	if *asJSON {
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
