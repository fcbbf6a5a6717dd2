package archive_test

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/parser"
)

// TestChangesWindow lists the versions made in a window, chosen by time or
// by run id, for one source or all.
func TestChangesWindow(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	acme := history(2)
	beta := history(1)
	beta[0].Source = "beta"
	betaRun := func() archive.RunInput { in := scrape(true, "beta page"); in.Source = "beta"; return in }

	t1 := clock.Advance(time.Hour)
	r1 := mustIngest(t, db, scrape(true, "p1"), acme) // acme: 2 new
	mustIngest(t, db, betaRun(), beta)                // beta: 1 new
	t2 := clock.Advance(time.Hour)
	acme[1].Title = "Retitled"
	r3 := mustIngest(t, db, scrape(true, "p2"), acme) // acme: inc-001 changed
	if _, err := db.RecordFailure(ctx, scrape(false, ""), fmt.Errorf("fetch failed")); err != nil {
		t.Fatal(err)
	}
	beta[0].Updates = append(beta[0].Updates, parser.Update{Status: parser.StatusPostmortem, Body: "Postmortem.", At: parser.NewTime(t0.Add(-time.Hour), "")})
	mustIngest(t, db, betaRun(), beta) // beta: inc-000 changed

	for _, tc := range []struct {
		name string
		f    archive.ChangeFilter
		want []string
	}{
		{"everything", archive.ChangeFilter{}, []string{
			"acme/inc-000 new", "acme/inc-001 new", "beta/inc-000 new", "acme/inc-001 changed", "beta/inc-000 changed"}},
		{"one source", archive.ChangeFilter{Source: "acme"}, []string{"acme/inc-000 new", "acme/inc-001 new", "acme/inc-001 changed"}},
		{"since a time", archive.ChangeFilter{Since: t2}, []string{"acme/inc-001 changed", "beta/inc-000 changed"}},
		{"since the first run's time", archive.ChangeFilter{Since: t1}, []string{
			"acme/inc-000 new", "acme/inc-001 new", "beta/inc-000 new", "acme/inc-001 changed", "beta/inc-000 changed"}},
		{"since a run", archive.ChangeFilter{SinceRun: r1.ID}, []string{"beta/inc-000 new", "acme/inc-001 changed", "beta/inc-000 changed"}},
		{"since a run and a time", archive.ChangeFilter{SinceRun: r3.ID, Since: t2}, []string{"beta/inc-000 changed"}},
		{"after everything", archive.ChangeFilter{Since: clock.Now().Add(time.Second)}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			changes, err := db.Changes(ctx, tc.f)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, c := range changes {
				got = append(got, fmt.Sprintf("%s/%s %s", c.Source, c.ID, c.Kind))
				if (c.Kind == archive.ChangeNew) != (c.Previous == nil) {
					t.Errorf("%s/%s %s: previous version %v", c.Source, c.ID, c.Kind, c.Previous)
				}
				if c.Version.RunID != c.RunID {
					t.Errorf("%s/%s: version of run %d listed under run %d", c.Source, c.ID, c.Version.RunID, c.RunID)
				}
			}
			if !slices.Equal(got, tc.want) {
				t.Errorf("Changes(%+v) = %v, want %v", tc.f, got, tc.want)
			}
		})
	}
}
