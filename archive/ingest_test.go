package archive_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/parser"
)

// TestDedupeIdempotent ingests the same scrape 100 times: only the first
// creates versions, the page is stored once, and the file stops growing.
func TestDedupeIdempotent(t *testing.T) {
	db, clock := open(t)
	incidents := history(20)
	var sizeAfter5 int64
	var usedAfter5 archive.Usage
	for i := range 100 {
		clock.Advance(15 * time.Minute)
		run := mustIngest(t, db, scrape(true, "<html>the same page</html>"), incidents)
		want := archive.Run{New: 20}
		if i > 0 {
			want = archive.Run{Unchanged: 20}
		}
		if run.New != want.New || run.Changed != 0 || run.Unchanged != want.Unchanged || run.Deleted != 0 || run.Outcome != archive.OutcomeOK {
			t.Fatalf("ingest %d: new %d changed %d unchanged %d deleted %d outcome %s, want new %d unchanged %d ok",
				i+1, run.New, run.Changed, run.Unchanged, run.Deleted, run.Outcome, want.New, want.Unchanged)
		}
		if i == 4 {
			sizeAfter5 = fileSize(t, db.Path())
			usedAfter5, _ = db.Usage(context.Background())
		}
	}
	sizeAfter100 := fileSize(t, db.Path())
	usedAfter100, err := db.Usage(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("file size after 5 ingests %d, after 100 %d; in use %d then %d (the run log grows)",
		sizeAfter5, sizeAfter100, usedAfter5.UsedBytes, usedAfter100.UsedBytes)
	// 95 run-log entries, index entries and page-reference lists are all
	// that may be added: well under 2 KiB each.
	if grew := usedAfter100.UsedBytes - usedAfter5.UsedBytes; grew > 95*2048 {
		t.Errorf("in-use bytes grew by %d over 95 identical ingests, want at most %d", grew, 95*2048)
	}
	if sizeAfter100 != sizeAfter5 {
		t.Errorf("file size after 100 identical ingests = %d, want %d (as after 5)", sizeAfter100, sizeAfter5)
	}
	infos, err := db.Sources(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(infos) != 1 || infos[0].Versions != 20 || infos[0].Runs != 100 || infos[0].Live != 20 {
		t.Errorf("Sources = %+v, want 1 source with 20 versions, 20 live, 100 runs", infos)
	}
	rec := mustRecord(t, db, "inc-007")
	if len(rec.Versions) != 1 || !rec.Versions[0].LastSeen.Equal(clock.Now()) || !rec.Versions[0].FirstSeen.Equal(t0.Add(15*time.Minute)) {
		t.Errorf("inc-007 versions = %+v, want 1 first seen at the first run, last seen now", rec.Versions)
	}
	db.Close()
	if n := countKeys(t, db.Path(), "pages"); n != 1 {
		t.Errorf("%d pages stored, want 1 (the same body 100 times)", n)
	}
}

// countKeys counts the keys of a root bucket, reading the file directly.
func countKeys(t *testing.T, path, bucket string) int {
	t.Helper()
	bdb, err := bbolt.Open(path, 0o600, &bbolt.Options{ReadOnly: true, Timeout: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer bdb.Close()
	n := 0
	err = bdb.View(func(tx *bbolt.Tx) error {
		return tx.Bucket([]byte(bucket)).ForEach(func(k, v []byte) error { n++; return nil })
	})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestIngestChanges runs the cases of one incident's history: what counts
// as a change and how many versions each makes.
func TestIngestChanges(t *testing.T) {
	base := history(3)
	for _, tc := range []struct {
		name     string
		edit     func(in []parser.Incident) []parser.Incident
		changed  []string
		versions int // of inc-001 after the second run
	}{
		{"identical", func(in []parser.Incident) []parser.Incident { return in }, nil, 1},
		{"one update's body edited", func(in []parser.Incident) []parser.Incident {
			in[1].Updates[1].Body = "Resolved. Root cause: a bad deploy."
			return in
		}, []string{"inc-001"}, 2},
		{"a new update posted", func(in []parser.Incident) []parser.Incident {
			in[1].Updates = append(in[1].Updates, parser.Update{Status: parser.StatusPostmortem, Body: "Postmortem.", At: parser.NewTime(t0.Add(-time.Hour), "")})
			return in
		}, []string{"inc-001"}, 2},
		{"whitespace and zero-width only", func(in []parser.Incident) []parser.Incident {
			in[1].Title = "  Elevated\u200b errors   on inc-001 "
			return in
		}, nil, 1},
		{"updates reordered", func(in []parser.Incident) []parser.Incident {
			slices.Reverse(in[1].Updates)
			return in
		}, nil, 1},
		{"two incidents retitled", func(in []parser.Incident) []parser.Incident {
			in[0].Title, in[2].Title = "New title 0", "New title 2"
			return in
		}, []string{"inc-000", "inc-002"}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, clock := open(t)
			mustIngest(t, db, scrape(true, "v1"), clone(base))
			clock.Advance(time.Hour)
			run := mustIngest(t, db, scrape(true, "v2"), tc.edit(clone(base)))
			if !slices.Equal(run.ChangedIDs, tc.changed) || run.Changed != len(tc.changed) || run.New != 0 || run.Unchanged != 3-len(tc.changed) {
				t.Errorf("run = changed %v (%d), new %d, unchanged %d; want changed %v", run.ChangedIDs, run.Changed, run.New, run.Unchanged, tc.changed)
			}
			rec := mustRecord(t, db, "acme/inc-001")
			if len(rec.Versions) != tc.versions {
				t.Fatalf("inc-001 has %d versions, want %d", len(rec.Versions), tc.versions)
			}
			if tc.versions == 2 {
				v1, v2 := rec.Versions[0], rec.Versions[1]
				if v2.N != 2 || v2.RunID != run.ID || v2.Origin != archive.OriginVendor || !v2.FirstSeen.Equal(clock.Now()) {
					t.Errorf("version 2 = n %d run %d origin %s first seen %v", v2.N, v2.RunID, v2.Origin, v2.FirstSeen)
				}
				if !v1.LastSeen.Equal(t0) || v1.Incident.Updates[1].Body != "Resolved." {
					t.Errorf("version 1 last seen %v body %q, want %v and the old body", v1.LastSeen, v1.Incident.Updates[1].Body, t0)
				}
				if v2.PageURL != base[1].URL {
					t.Errorf("version 2 page URL = %q, want the incident's %q", v2.PageURL, base[1].URL)
				}
			}
		})
	}
}

func clone(in []parser.Incident) []parser.Incident {
	out := make([]parser.Incident, len(in))
	for i, inc := range in {
		inc.Updates = slices.Clone(inc.Updates)
		out[i] = inc
	}
	return out
}

// TestTombstones checks that only complete runs infer deletions, only
// inside the span they covered, and that an incident that comes back gets
// a new version under the same id.
func TestTombstones(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	all := history(3) // inc-000 is the newest, inc-002 the oldest
	withoutNewest := []parser.Incident{all[1], all[2]}
	step := func(complete bool, incidents []parser.Incident) archive.Run {
		clock.Advance(time.Hour)
		in := scrape(complete, "page")
		if !complete {
			in.Failures = []string{"page 2: 503"}
		}
		return mustIngest(t, db, in, incidents)
	}
	first := step(true, all)
	partial := step(false, withoutNewest)
	if partial.Deleted != 0 || partial.Outcome != archive.OutcomePartial {
		t.Errorf("incomplete run: deleted %d outcome %s, want 0 and partial", partial.Deleted, partial.Outcome)
	}
	scrolled := step(true, all[:2])
	if scrolled.Deleted != 0 {
		t.Errorf("complete run whose list no longer reaches back to inc-002: deleted %v, want none (it scrolled off)", scrolled.DeletedIDs)
	}
	gone := step(true, withoutNewest)
	if !slices.Equal(gone.DeletedIDs, []string{"inc-000"}) {
		t.Errorf("complete run without inc-000: deleted %v, want [inc-000]", gone.DeletedIDs)
	}
	if got, want := rows(t, db, archive.Filter{}), []string{"inc-001 v1", "inc-002 v1"}; !slices.Equal(got, want) {
		t.Errorf("Rows = %v, want %v", got, want)
	}
	if got, want := rows(t, db, archive.Filter{IncludeDeleted: true}), []string{"inc-000 v2 (deleted)", "inc-001 v1", "inc-002 v1"}; !slices.Equal(got, want) {
		t.Errorf("Rows with deleted = %v, want %v", got, want)
	}
	claimed := scrape(true, "page")
	claimed.Failures = []string{"page 3: timeout"}
	clock.Advance(time.Hour)
	if run := mustIngest(t, db, claimed, all[2:]); run.Deleted != 0 || run.Complete || run.Outcome != archive.OutcomePartial {
		t.Errorf("a run claiming completeness with failures: deleted %v, complete %v, outcome %s; want no deletions, partial",
			run.DeletedIDs, run.Complete, run.Outcome)
	}
	again := step(true, withoutNewest)
	if again.Deleted != 0 {
		t.Errorf("a second complete run without inc-000 deleted %v again", again.DeletedIDs)
	}
	back := step(true, all)
	if !slices.Equal(back.RestoredIDs, []string{"inc-000"}) {
		t.Errorf("inc-000 came back: restored %v, want [inc-000]", back.RestoredIDs)
	}
	rec := mustRecord(t, db, "inc-000")
	var shape []string
	for _, v := range rec.Versions {
		shape = append(shape, fmt.Sprintf("v%d run %d deleted %v", v.N, v.RunID, v.Deleted))
	}
	want := []string{
		fmt.Sprintf("v1 run %d deleted false", first.ID),
		fmt.Sprintf("v2 run %d deleted true", gone.ID),
		fmt.Sprintf("v3 run %d deleted false", back.ID),
	}
	if !slices.Equal(shape, want) {
		t.Errorf("inc-000 versions = %v, want %v", shape, want)
	}
	changes, err := db.Changes(ctx, archive.ChangeFilter{Source: src, SinceRun: first.ID})
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, c := range changes {
		prev := 0
		if c.Previous != nil {
			prev = c.Previous.N
		}
		kinds = append(kinds, fmt.Sprintf("%s %s v%d<-v%d", c.ID, c.Kind, c.Version.N, prev))
	}
	if want := []string{"inc-000 deleted v2<-v1", "inc-000 restored v3<-v2"}; !slices.Equal(kinds, want) {
		t.Errorf("Changes since run %d = %v, want %v", first.ID, kinds, want)
	}
}

// TestDriftGuard refuses runs that look like markup drift (at or below
// the threshold), and lets through the ones just above it.
func TestDriftGuard(t *testing.T) {
	good := history(10)
	noUpdates := func(n int) []parser.Incident {
		out := clone(good)
		for i := range n {
			out[i].Updates = nil
		}
		return out
	}
	// A snapshot (a summary of what is open now) skips the count guards only.
	snapshot := func() archive.RunInput {
		in := scrape(false, "summary")
		in.Snapshot = true
		return in
	}
	for _, tc := range []struct {
		name      string
		in        func() archive.RunInput
		incidents []parser.Incident
		suspect   bool
	}{
		{"zero incidents", func() archive.RunInput { return scrape(true, "empty") }, nil, true},
		{"zero incidents on an incomplete run", func() archive.RunInput { return scrape(false, "empty") }, nil, true},
		{"4 of 10: below half", func() archive.RunInput { return scrape(true, "p") }, good[:4], true},
		{"5 of 10: at half", func() archive.RunInput { return scrape(true, "p") }, good[:5], true},
		{"6 of 10: above half", func() archive.RunInput { return scrape(true, "p") }, good[:6], false},
		{"4 of 10 with the guard at 40%", func() archive.RunInput {
			in := scrape(true, "p")
			in.DropThreshold = 0.4
			return in
		}, good[:4], true},
		{"5 of 10 with the guard at 40%", func() archive.RunInput {
			in := scrape(true, "p")
			in.DropThreshold = 0.4
			return in
		}, good[:5], false},
		{"4 of 10 with the guard off", func() archive.RunInput {
			in := scrape(true, "p")
			in.DropThreshold = -1
			return in
		}, good[:4], false},
		{"4 of 10 from another URL", func() archive.RunInput {
			in := scrape(true, "p")
			in.URL = "https://status.acme.example/other"
			return in
		}, good[:4], false},
		{"6 of 10 without updates", func() archive.RunInput { return scrape(true, "p") }, noUpdates(6), true},
		{"5 of 10 without updates", func() archive.RunInput { return scrape(true, "p") }, noUpdates(5), false},
		{"zero incidents in a snapshot", snapshot, nil, false},
		{"1 of 10 in a snapshot", snapshot, good[:1], false},
		{"a snapshot mostly without updates", snapshot, noUpdates(6), true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, clock := open(t)
			ctx := context.Background()
			before := mustIngest(t, db, scrape(true, "good page"), good)
			clock.Advance(time.Hour)
			run, err := db.Ingest(ctx, tc.in(), tc.incidents)
			if !tc.suspect {
				if err != nil {
					t.Fatalf("Ingest: %v, want it accepted", err)
				}
				return
			}
			if !errors.Is(err, archive.ErrSuspect) {
				t.Fatalf("Ingest: %v, want ErrSuspect", err)
			}
			t.Logf("refused: %v", err)
			if run.Outcome != archive.OutcomeSuspect || run.Error == "" || run.ID != before.ID+1 {
				t.Errorf("run = %+v, want a suspect entry with its reason", run)
			}
			runs, _ := db.Runs(ctx, src, 1)
			if len(runs) != 1 || runs[0].Outcome != archive.OutcomeSuspect {
				t.Errorf("run log = %+v, want the suspect entry last", runs)
			}
			for _, inc := range good {
				rec := mustRecord(t, db, inc.ID)
				if len(rec.Versions) != 1 || rec.Versions[0].Deleted || !rec.Latest().LastSeen.Equal(t0) {
					t.Errorf("%s after a suspect run: %d versions, latest %+v; want it untouched", inc.ID, len(rec.Versions), rec.Latest())
				}
			}
			if _, err := db.RunPages(ctx, run.ID); !errors.Is(err, archive.ErrNotFound) {
				t.Errorf("pages of the suspect run: %v, want ErrNotFound (none kept)", err)
			}
			infos, _ := db.Sources(ctx)
			if infos[0].Suspect != 1 || infos[0].LastOutcome != archive.OutcomeSuspect || infos[0].LastOKRun != before.ID {
				t.Errorf("ledger = %+v, want 1 suspect run after good run %d", infos[0], before.ID)
			}
		})
	}
}

// TestInvalidRecordRefusesRun checks that one bad record keeps the whole
// run out and leaves only a failed run-log entry.
func TestInvalidRecordRefusesRun(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(in []parser.Incident) []parser.Incident
	}{
		{"empty title", func(in []parser.Incident) []parser.Incident { in[1].Title = " "; return in }},
		{"update in the future", func(in []parser.Incident) []parser.Incident {
			in[2].Updates[0].At = parser.NewTime(t0.Add(72*time.Hour), "")
			return in
		}},
		{"duplicate id", func(in []parser.Incident) []parser.Incident { in[2].ID = in[0].ID; return in }},
		{"another source's record", func(in []parser.Incident) []parser.Incident { in[0].Source = "other"; return in }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db, _ := open(t)
			ctx := context.Background()
			run, err := db.Ingest(ctx, scrape(true, "page"), tc.edit(history(3)))
			if !errors.Is(err, archive.ErrInvalidRun) {
				t.Fatalf("Ingest: %v, want ErrInvalidRun", err)
			}
			t.Logf("refused: %v", err)
			if run.Outcome != archive.OutcomeFailed || run.Error == "" {
				t.Errorf("run = %+v, want a failed entry with the reason", run)
			}
			if got := rows(t, db, archive.Filter{IncludeDeleted: true}); len(got) != 0 {
				t.Errorf("Rows = %v, want none", got)
			}
			if _, err := db.RunPages(ctx, run.ID); !errors.Is(err, archive.ErrNotFound) {
				t.Errorf("pages of the failed run: %v, want ErrNotFound", err)
			}
			infos, _ := db.Sources(ctx)
			if len(infos) != 1 || infos[0].Failed != 1 || infos[0].Incidents != 0 {
				t.Errorf("ledger = %+v, want 1 failed run and no incidents", infos)
			}
		})
	}
	t.Run("invalid record wraps parser.ErrInvalidRecord", func(t *testing.T) {
		db, _ := open(t)
		in := history(1)
		in[0].Status = "exploded"
		if _, err := db.Ingest(context.Background(), scrape(true, "p"), in); !errors.Is(err, parser.ErrInvalidRecord) {
			t.Errorf("Ingest: %v, want it to wrap parser.ErrInvalidRecord", err)
		}
	})
}

// TestAsOf travels in time through one incident's versions.
func TestAsOf(t *testing.T) {
	db, clock := open(t)
	a := history(2)
	t1 := clock.Advance(time.Hour)
	mustIngest(t, db, scrape(true, "p1"), a[:1])
	t2 := clock.Advance(time.Hour)
	b := clone(a)
	b[0].Title = "Retitled"
	mustIngest(t, db, scrape(true, "p2"), b)
	t3 := clock.Advance(time.Hour)
	mustIngest(t, db, scrape(true, "p3"), b[1:])
	for _, tc := range []struct {
		name string
		f    archive.Filter
		want []string
	}{
		{"before anything", archive.Filter{AsOf: t1.Add(-time.Second)}, nil},
		{"at the first run", archive.Filter{AsOf: t1}, []string{"inc-000 v1"}},
		{"between runs 1 and 2", archive.Filter{AsOf: t2.Add(-time.Second)}, []string{"inc-000 v1"}},
		{"at the second run", archive.Filter{AsOf: t2}, []string{"inc-000 v2", "inc-001 v1"}},
		{"after the deletion", archive.Filter{AsOf: t3}, []string{"inc-001 v1"}},
		{"after the deletion, deleted too", archive.Filter{AsOf: t3, IncludeDeleted: true}, []string{"inc-000 v3 (deleted)", "inc-001 v1"}},
		{"now", archive.Filter{}, []string{"inc-001 v1"}},
		{"as of run 2, maintenance only", archive.Filter{AsOf: t2, Kind: parser.KindMaintenance}, nil},
		{"as of run 2, first update since inc-001's", archive.Filter{AsOf: t2, Since: a[1].Updates[0].At.At.Add(time.Second)}, []string{"inc-000 v2"}},
		{"as of run 2, first update until inc-000's", archive.Filter{AsOf: t2, Until: a[0].Updates[0].At.At}, []string{"inc-001 v1"}},
		{"other source", archive.Filter{Source: []string{"beta"}}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := rows(t, db, tc.f); !slices.Equal(got, tc.want) {
				t.Errorf("Rows(%+v) = %v, want %v", tc.f, got, tc.want)
			}
		})
	}
}

// TestRecordAsOf cuts a record's versions at an instant; a record with
// none, or none yet, is ErrNotFound.
func TestRecordAsOf(t *testing.T) {
	rec := archive.Record{Source: src, ID: "inc-000", Versions: []archive.Version{{N: 1, FirstSeen: t0}, {N: 2, FirstSeen: t0.Add(time.Hour)}}}
	if got, err := rec.AsOf(t0.Add(time.Minute)); err != nil || len(got.Versions) != 1 || got.Versions[0].N != 1 {
		t.Errorf("AsOf(t0+1m) = %+v, %v; want version 1", got.Versions, err)
	}
	if _, err := rec.AsOf(t0.Add(-time.Minute)); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("AsOf before the first version = %v, want ErrNotFound", err)
	}
	if _, err := (archive.Record{Source: src, ID: "inc-000"}).AsOf(t0); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("AsOf of a record without versions = %v, want ErrNotFound", err)
	}
}

func TestIncidentRefs(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	mustIngest(t, db, scrape(true, "p"), history(2))
	beta := scrape(true, "p")
	beta.Source = "beta"
	b := history(1)
	b[0].Source = "beta"
	mustIngest(t, db, beta, b)
	for _, tc := range []struct {
		ref     string
		source  string
		wantErr error
	}{
		{"inc-001", src, nil},
		{"acme/inc-000", src, nil},
		{"beta/inc-000", "beta", nil},
		{"inc-000", "", archive.ErrAmbiguous},
		{"inc-404", "", archive.ErrNotFound},
		{"acme/inc-404", "", archive.ErrNotFound},
	} {
		rec, err := db.Incident(ctx, tc.ref)
		if !errors.Is(err, tc.wantErr) || (err == nil && rec.Source != tc.source) {
			t.Errorf("Incident(%q) = source %q, err %v; want source %q, err %v", tc.ref, rec.Source, err, tc.source, tc.wantErr)
		}
		if errors.Is(err, archive.ErrAmbiguous) && !(strings.Contains(err.Error(), "acme") && strings.Contains(err.Error(), "beta")) {
			t.Errorf("ambiguity error %q does not list both sources", err)
		}
	}
}

func TestValidatorsAndPages(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	in := scrape(true, "<html>body one</html>")
	in.Pages[0].Header.Set("Last-Modified", "Mon, 01 Jun 2026 10:00:00 GMT")
	run1 := mustIngest(t, db, in, history(2))
	if etag, lm := db.Validators(ctx, histURL); etag != `"v1"` || lm != "Mon, 01 Jun 2026 10:00:00 GMT" {
		t.Errorf("Validators after a 200 = %q, %q", etag, lm)
	}
	pages, err := db.RunPages(ctx, run1.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != 1 || string(pages[0].Body) != "<html>body one</html>" || pages[0].Header.Get("Set-Cookie") != "" || pages[0].Header.Get("Content-Type") != "text/html" {
		t.Errorf("RunPages = %+v, want the body with selected headers and no cookie", pages)
	}
	body, err := db.Page(ctx, pages[0].SHA256)
	if err != nil || string(body) != "<html>body one</html>" {
		t.Errorf("Page(%s) = %q, %v", pages[0].SHA256, body, err)
	}

	clock.Advance(time.Hour)
	notModified := scrape(true, "")
	notModified.Pages[0].Status = http.StatusNotModified
	notModified.Pages[0].Header = http.Header{}
	run2 := mustIngest(t, db, notModified, history(2))
	if etag, _ := db.Validators(ctx, histURL); etag != `"v1"` {
		t.Errorf("Validators after a 304 = %q, want the old ETag kept", etag)
	}
	// A 304 page names the body it confirmed unchanged.
	if got, err := db.RunPages(ctx, run2.ID); err != nil || len(got) != 1 || got[0].Status != http.StatusNotModified ||
		got[0].SHA256 != pages[0].SHA256 || got[0].Size != pages[0].Size || string(got[0].Body) != "<html>body one</html>" {
		t.Errorf("RunPages of the 304 run = %+v, %v; want status 304 with body one", got, err)
	}
	clock.Advance(time.Hour)
	plain := scrape(true, "<html>body two</html>")
	plain.Pages[0].Header = http.Header{}
	run3 := mustIngest(t, db, plain, history(2))
	if etag, lm := db.Validators(ctx, histURL); etag != "" || lm != "" {
		t.Errorf("Validators after a 200 without validators = %q, %q, want none", etag, lm)
	}
	if got, err := db.RunPages(ctx, run3.ID); err != nil || len(got) != 1 || string(got[0].Body) != "<html>body two</html>" {
		t.Errorf("RunPages of run %d = %+v, %v; want body two", run3.ID, got, err)
	}
	if err := db.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
	if _, err := db.Page(ctx, strings.Repeat("ab", 32)); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("Page of an unknown hash: %v, want ErrNotFound", err)
	}
}

// TestReparse re-derives records from stored pages with a changed parser.
func TestReparse(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	// parse reads "id|title" lines: a toy format, enough to reparse. It
	// keeps the formats it was asked for.
	var formats []parser.Format
	parse := func(suffix string) archive.ParseFunc {
		return func(doc parser.Document, format parser.Format) (*parser.Page, error) {
			formats = append(formats, format)
			page := &parser.Page{URL: doc.URL}
			for line := range strings.Lines(string(doc.Body)) {
				id, title, ok := strings.Cut(strings.TrimSpace(line), "|")
				if !ok {
					return nil, fmt.Errorf("line %q: no separator", line)
				}
				inc := incident(id, 10)
				if id == "inc-1" {
					title += suffix
				}
				inc.Title = title
				page.Incidents = append(page.Incidents, inc)
			}
			return page, nil
		}
	}
	page := "inc-0|Login errors\ninc-1|API latency\ninc-2|Webhooks delayed\n"
	in := scrape(true, page)
	first, err := parse("")(parser.Document{Body: []byte(page)}, parser.FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	formats = nil
	scraped := mustIngest(t, db, in, first.Incidents)

	clock.Advance(time.Hour)
	same, err := db.Reparse(ctx, src, parse(""))
	if err != nil {
		t.Fatalf("Reparse with the same parser: %v", err)
	}
	if len(same) != 1 || same[0].Unchanged != 3 || same[0].Changed+same[0].New != 0 || same[0].Origin != archive.OriginParser {
		t.Errorf("Reparse with the same parser = %+v, want 3 unchanged", same)
	}
	if !slices.Equal(formats, []parser.Format{"test"}) {
		t.Errorf("Reparse parsed the start page as %q, want the run's format [test]", formats)
	}
	clock.Advance(time.Hour)
	fixed, err := db.Reparse(ctx, src, parse(" (EU)"))
	if err != nil {
		t.Fatalf("Reparse with a fixed parser: %v", err)
	}
	if len(fixed) != 1 || !slices.Equal(fixed[0].ChangedIDs, []string{"inc-1"}) || fixed[0].Deleted != 0 {
		t.Errorf("Reparse with a fixed parser = %+v, want inc-1 changed", fixed)
	}
	rec := mustRecord(t, db, "inc-1")
	if v := rec.Latest(); len(rec.Versions) != 2 || v.Origin != archive.OriginParser || v.Incident.Title != "API latency (EU)" {
		t.Errorf("inc-1 latest = %+v, want a parser version with the new title", v)
	}
	if got := mustRecord(t, db, "inc-0").Latest(); !got.LastSeen.Equal(t0) || got.RunID != scraped.ID {
		t.Errorf("inc-0 after reparse: last seen %v run %d; a reparse is no sighting", got.LastSeen, got.RunID)
	}
	if !rec.Latest().LastSeen.Equal(t0) || !rec.Versions[0].LastSeen.Equal(t0) {
		t.Errorf("inc-1 after reparse: last seen %v, version 1 last seen %v; want %v, a reparse is no sighting",
			rec.Latest().LastSeen, rec.Versions[0].LastSeen, t0)
	}
	// The reparse run keeps the page references, so it can be reparsed again.
	if pages, err := db.RunPages(ctx, fixed[0].ID); err != nil || len(pages) != 1 || string(pages[0].Body) != page {
		t.Errorf("pages of the reparse run = %v, %v", pages, err)
	}
	broken, err := db.Reparse(ctx, src, func(parser.Document, parser.Format) (*parser.Page, error) {
		return nil, errors.New("parser broke")
	})
	if err == nil || len(broken) != 1 || broken[0].Outcome != archive.OutcomeFailed {
		t.Errorf("Reparse with a failing parser = %+v, %v; want a failed run and the error", broken, err)
	}
	if _, err := db.Reparse(ctx, "nobody", parse("")); !errors.Is(err, archive.ErrNotFound) {
		t.Errorf("Reparse of an unknown source: %v, want ErrNotFound", err)
	}
}

// TestReparseAfterNotModified reparses a run whose pages the server
// answered 304 Not Modified: every page is read, from the body its
// validators were kept with.
func TestReparseAfterNotModified(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	page := func(n string, status int, body string) archive.PageInput {
		return archive.PageInput{URL: histURL + "?page=" + n, Status: status, FetchedAt: t0, Body: []byte(body),
			Header: http.Header{"Etag": {`"p` + n + `"`}}}
	}
	in := scrape(true, "")
	in.Pages = []archive.PageInput{page("1", http.StatusOK, "inc-000\ninc-001\n"), page("2", http.StatusOK, "inc-002\n")}
	mustIngest(t, db, in, history(3))
	clock.Advance(time.Hour)
	in.Pages = []archive.PageInput{page("1", http.StatusNotModified, ""), page("2", http.StatusNotModified, "")}
	mustIngest(t, db, in, history(3))

	byID := map[string]parser.Incident{}
	for _, inc := range history(3) {
		byID[inc.ID] = inc
	}
	var bodies []string
	var formats []parser.Format
	runs, err := db.Reparse(ctx, src, func(doc parser.Document, format parser.Format) (*parser.Page, error) {
		bodies = append(bodies, string(doc.Body))
		formats = append(formats, format)
		page := &parser.Page{URL: doc.URL}
		for _, id := range strings.Fields(string(doc.Body)) {
			page.Incidents = append(page.Incidents, byID[id])
		}
		return page, nil
	})
	if err != nil {
		t.Fatalf("Reparse: %v", err)
	}
	if want := []string{"inc-000\ninc-001\n", "inc-002\n"}; !slices.Equal(bodies, want) {
		t.Errorf("Reparse read bodies %q, want %q", bodies, want)
	}
	if want := []parser.Format{"test", parser.FormatAuto}; !slices.Equal(formats, want) {
		t.Errorf("Reparse parsed the pages as %q, want %q: the start page in the run's format, the rest detected", formats, want)
	}
	if len(runs) != 1 || runs[0].Incidents != 3 || runs[0].Unchanged != 3 || runs[0].Outcome != archive.OutcomeOK {
		t.Errorf("Reparse = %+v, want 3 incidents unchanged", runs)
	}
}

func TestRecordFailureAndLedger(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	clock.Advance(time.Minute)
	in := scrape(true, "p")
	in.Finished = t0.Add(time.Minute)
	ok := mustIngest(t, db, in, history(4))
	clock.Advance(time.Hour)
	failed, err := db.RecordFailure(ctx, scrape(false, ""), errors.New("fetch: 503 Service Unavailable"))
	if err != nil {
		t.Fatal(err)
	}
	if failed.Outcome != archive.OutcomeFailed || failed.Error != "fetch: 503 Service Unavailable" {
		t.Errorf("RecordFailure = %+v", failed)
	}
	infos, err := db.Sources(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := archive.SourceInfo{
		Name: src, FirstOK: t0.Add(time.Minute), FirstOKRun: ok.ID, LastOK: t0.Add(time.Minute), LastOKRun: ok.ID,
		LastRun: failed.ID, LastRunAt: t0, LastOutcome: archive.OutcomeFailed, Runs: 2, Failed: 1,
		Incidents: 4, Live: 4, Versions: 4,
		OldestUpdate: history(4)[3].Updates[0].At.At, NewestUpdate: history(4)[0].Updates[0].At.At,
	}
	if len(infos) != 1 || !equalJSON(infos[0], want) {
		t.Errorf("Sources = %+v,\nwant %+v", infos, want)
	}
	runs, err := db.Runs(ctx, "", 0)
	if err != nil || len(runs) != 2 || runs[0].ID != failed.ID || runs[1].ID != ok.ID {
		t.Errorf("Runs = %+v, %v; want newest first", runs, err)
	}
}

// TestConcurrentReadersAndWriter streams rows while runs are ingested:
// readers see whole runs or nothing, and the race detector stays quiet.
func TestConcurrentReadersAndWriter(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	mustIngest(t, db, scrape(true, "p"), history(30))
	done := make(chan error, 1)
	go func() {
		defer close(done)
		for i := range 20 {
			clock.Advance(time.Minute)
			h := history(30)
			for j := range h {
				h[j].Updates[1].Body = fmt.Sprintf("Resolved (run %d).", i)
			}
			if _, err := db.Ingest(ctx, scrape(true, fmt.Sprintf("p%d", i)), h); err != nil {
				done <- err
				return
			}
		}
	}()
	for reading := true; reading; {
		select {
		case err := <-done:
			if err != nil {
				t.Fatal(err)
			}
			reading = false
		default:
		}
		body := ""
		for row, err := range db.Rows(ctx, archive.Filter{}) {
			if err != nil {
				t.Fatal(err)
			}
			if b := row.Incident.Updates[1].Body; body == "" {
				body = b
			} else if b != body {
				t.Fatalf("one scan saw %q and %q: a half-applied run", body, b)
			}
		}
	}
	if got := mustRecord(t, db, "inc-000"); len(got.Versions) != 21 {
		t.Errorf("inc-000 has %d versions, want 21", len(got.Versions))
	}
}

func TestCancelledIngestWritesNothing(t *testing.T) {
	db, _ := open(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := db.Ingest(ctx, scrape(true, "p"), history(3)); !errors.Is(err, context.Canceled) {
		t.Errorf("Ingest with a cancelled context: %v, want context.Canceled", err)
	}
	if runs, err := db.Runs(context.Background(), "", 0); err != nil || len(runs) != 0 {
		t.Errorf("Runs = %v, %v; want none", runs, err)
	}
}

// TestStoredWindowsRead: a version stored before its windows were read
// (no "stated" in its JSON) gets them as the archive reads it, and one
// stored with its reading, even an empty one, keeps it: reading an archive
// runs the window expressions only on records that never had them.
func TestStoredWindowsRead(t *testing.T) {
	db, _ := open(t)
	ctx := context.Background()
	unread := incident("inc-unread", 24, "We are investigating.", "From 13:35 UTC to 14:24 UTC requests failed.")
	read := incident("inc-read", 48, "We are investigating.", "Resolved.")
	read.ReadWindows()
	// A reading the body would not give again: stored readings are kept.
	read.Updates[1].Stated = []parser.Window{{Text: "kept as read"}}
	mustIngest(t, db, scrape(true, "page"), []parser.Incident{unread, read})
	for _, tc := range []struct {
		ref  string
		want []int // windows per update
		text string
	}{
		{"inc-unread", []int{0, 1}, "From 13:35 UTC to 14:24 UTC"},
		{"inc-read", []int{0, 1}, "kept as read"},
	} {
		rec, err := db.Incident(ctx, tc.ref)
		if err != nil {
			t.Fatal(err)
		}
		ups := rec.Latest().Incident.Updates
		for i, u := range ups {
			if u.Stated == nil || len(u.Stated) != tc.want[i] {
				t.Errorf("%s update %d stated = %#v, want %d windows, read", tc.ref, i, u.Stated, tc.want[i])
			}
		}
		if got := ups[1].Stated; len(got) == 1 && got[0].Text != tc.text {
			t.Errorf("%s window = %q, want %q", tc.ref, got[0].Text, tc.text)
		}
	}
}
