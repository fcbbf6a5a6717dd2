package archive_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/archivetest"
	"github.com/statusarchive/statusarchive/parser"
)

// unchangedScrape is a run at at of a two-page source whose second page
// the server answers 304 Not Modified.
func unchangedScrape(at time.Time, body string) archive.RunInput {
	in := scrape(true, body)
	in.Started, in.Finished = at, at.Add(time.Second)
	in.Pages[0].FetchedAt = at
	in.Pages = append(in.Pages, archive.PageInput{URL: histURL + "?page=2", Status: http.StatusNotModified, FetchedAt: at,
		Header: http.Header{"Etag": {`"p2"`}}})
	return in
}

// firstScrape is unchangedScrape's first run: the second page is fetched.
func firstScrape(at time.Time, body string) archive.RunInput {
	in := unchangedScrape(at, body)
	in.Pages[1].Status, in.Pages[1].Body = http.StatusOK, []byte("<html>page two</html>")
	return in
}

// sourceInfo returns the coverage ledger of the test source.
func sourceInfo(t *testing.T, db *archive.DB) archive.SourceInfo {
	t.Helper()
	infos, err := db.Sources(context.Background())
	if err != nil || len(infos) != 1 {
		t.Fatalf("Sources = %+v, %v", infos, err)
	}
	return infos[0]
}

// runLog returns the test source's run-log entries, newest first.
func runLog(t *testing.T, db *archive.DB) []archive.Run {
	t.Helper()
	runs, err := db.Runs(context.Background(), src, 0)
	if err != nil {
		t.Fatalf("Runs: %v", err)
	}
	return runs
}

// TestUnchangedRunsFold runs a source many times without a change: the
// first unchanged run gets its own entry and the later ones fold into it,
// a count and the latest run's times, and after the first few runs the
// file does not grow.
func TestUnchangedRunsFold(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	body := "<html>the history page</html>"
	first := mustIngest(t, db, firstScrape(clock.Now(), body), history(5))
	const n = 60
	var runs []archive.Run
	var used []int64
	for i := range n {
		clock.Advance(5 * time.Minute)
		runs = append(runs, mustIngest(t, db, unchangedScrape(clock.Now(), body), history(5)))
		u, err := db.Usage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		used = append(used, u.UsedBytes)
		if got := runs[i]; got.Unchanged != 5 || got.Outcome != archive.OutcomeOK {
			t.Fatalf("unchanged run %d = %+v", i, got)
		}
	}
	entry := runs[0].ID
	if entry == first.ID {
		t.Fatalf("the first unchanged run folded into the run that made the versions (%d)", first.ID)
	}
	for i, r := range runs[1:] {
		if r.ID != entry || r.Folded != i+1 || r.Count() != i+2 {
			t.Fatalf("unchanged run %d returned entry %d folded %d, want entry %d folded %d", i+1, r.ID, r.Folded, entry, i+1)
		}
	}
	log := runLog(t, db)
	if len(log) != 2 || log[0].ID != entry || log[1].ID != first.ID {
		t.Fatalf("run log = %d entries (%+v), want the first run and one entry for the %d unchanged ones", len(log), log, n)
	}
	got := log[0]
	last := clock.Now()
	if got.Count() != n || !got.Started.Equal(t0.Add(5*time.Minute)) || !got.LastStarted.Equal(last) ||
		!got.LastFinished.Equal(last.Add(time.Second)) || !got.LastRecorded.Equal(last) || !got.Recorded.Equal(t0.Add(5*time.Minute)) {
		t.Errorf("folded entry: count %d, started %v, last started %v, last finished %v, last recorded %v; want %d runs from %v to %v",
			got.Count(), got.Started, got.LastStarted, got.LastFinished, got.LastRecorded, n, t0.Add(5*time.Minute), last)
	}
	if lt := got.Latest(); !lt.Started.Equal(last) || !lt.Recorded.Equal(last) || lt.ID != entry {
		t.Errorf("Latest() = started %v, recorded %v, id %d; want the last run's times", lt.Started, lt.Recorded, lt.ID)
	}
	if one, err := db.Run(ctx, entry); err != nil || one.Count() != n {
		t.Errorf("Run(%d) = count %d, %v; want %d", entry, one.Count(), err, n)
	}
	info := sourceInfo(t, db)
	if info.Runs != n+1 || info.LastRun != entry || info.LastOKRun != entry || !info.LastOK.Equal(last.Add(time.Second)) ||
		!info.LastRunAt.Equal(last.Add(time.Second)) || info.LastOutcome != archive.OutcomeOK {
		t.Errorf("ledger = %+v; want %d runs, the last ok at %v, entry %d", info, n+1, last.Add(time.Second), entry)
	}
	// Every incident was last seen by the last run, under the entry's id.
	rec := mustRecord(t, db, "inc-002")
	if v := rec.Latest(); !v.LastSeen.Equal(last) || len(rec.Versions) != 1 {
		t.Errorf("inc-002: %d versions, last seen %v; want 1, %v", len(rec.Versions), v.LastSeen, last)
	}
	// The file stops growing once freed pages are reused.
	const warm = 10
	if grew := used[n-1] - used[warm-1]; grew > 0 {
		t.Errorf("the file's used bytes grew by %d over %d unchanged runs (%d after %d runs, %d after %d)", grew, n-warm, used[warm-1], warm, used[n-1], n)
	}
	if err := db.Check(ctx); err != nil {
		t.Errorf("Check of a folded archive: %v", err)
	}
	// A backup holds the fold.
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if _, err := db.BackupFile(ctx, copyPath); err != nil {
		t.Fatal(err)
	}
	cp, err := archive.Open(copyPath, archive.Options{ReadOnly: true, Logger: quiet()})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if runs, err := cp.Runs(ctx, src, 1); err != nil || len(runs) != 1 || runs[0].Count() != n {
		t.Errorf("backup's newest entry = %+v, %v; want %d runs", runs, err, n)
	}
	if err := cp.Check(ctx); err != nil {
		t.Errorf("Check of the backup: %v", err)
	}
}

// TestChangeEndsFold: a run that differs in anything gets its own entry,
// and the unchanged runs after a change fold into an entry of their own.
func TestChangeEndsFold(t *testing.T) {
	db, clock := open(t)
	body := "<html>the history page</html>"
	run := func(body string, incidents []parser.Incident) archive.Run {
		t.Helper()
		clock.Advance(5 * time.Minute)
		return mustIngest(t, db, unchangedScrape(clock.Now(), body), incidents)
	}
	clock.Advance(5 * time.Minute)
	mustIngest(t, db, firstScrape(clock.Now(), body), history(4))
	a := run(body, history(4))
	if b := run(body, history(4)); b.ID != a.ID || b.Count() != 2 {
		t.Fatalf("second unchanged run: entry %d count %d, want entry %d count 2", b.ID, b.Count(), a.ID)
	}
	edited := history(4)
	edited[1].Title = "Elevated errors, edited"
	changed := run(body, edited)
	if changed.ID <= a.ID || changed.Changed != 1 || changed.Count() != 1 {
		t.Errorf("changed run = entry %d (%d changed, count %d), want a new entry after %d", changed.ID, changed.Changed, changed.Count(), a.ID)
	}
	// Not folded into the run that made a version.
	c := run(body, edited)
	if c.ID <= changed.ID || c.Count() != 1 {
		t.Errorf("first unchanged run after the change = entry %d count %d, want its own entry", c.ID, c.Count())
	}
	if d := run(body, edited); d.ID != c.ID || d.Count() != 2 {
		t.Errorf("second unchanged run after the change = entry %d count %d, want entry %d count 2", d.ID, d.Count(), c.ID)
	}
	// Same records, another body: its own entry (the pages differ).
	e := run("<html>the history page, restyled</html>", edited)
	if e.ID <= c.ID || e.Count() != 1 || e.Unchanged != 4 {
		t.Errorf("run with a new body = entry %d count %d (%d unchanged), want its own entry", e.ID, e.Count(), e.Unchanged)
	}
	// Another start URL: its own entry.
	clock.Advance(5 * time.Minute)
	in := unchangedScrape(clock.Now(), "<html>the history page, restyled</html>")
	in.URL = histURL + "?all"
	if f := mustIngest(t, db, in, edited); f.ID <= e.ID || f.Count() != 1 {
		t.Errorf("run of another start URL = entry %d count %d, want its own entry", f.ID, f.Count())
	}
	counts := []int{}
	total := 0
	for _, r := range runLog(t, db) {
		counts = append(counts, r.Count())
		total += r.Count()
	}
	if want := "1 1 2 1 2 1"; fmt.Sprint(counts) != "["+want+"]" {
		t.Errorf("run log counts (newest first) = %v, want [%s]", counts, want)
	}
	if info := sourceInfo(t, db); info.Runs != total || total != 8 {
		t.Errorf("ledger counts %d runs, the log %d, want 8", info.Runs, total)
	}
	if err := db.Check(context.Background()); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// TestFailuresNeverFold: failed, refused and partial runs keep an entry
// each, with their errors, between and after folded runs.
func TestFailuresNeverFold(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	body := "<html>the history page</html>"
	next := func() archive.RunInput {
		clock.Advance(5 * time.Minute)
		return unchangedScrape(clock.Now(), body)
	}
	clock.Advance(5 * time.Minute)
	mustIngest(t, db, firstScrape(clock.Now(), body), history(4))
	mustIngest(t, db, next(), history(4))
	mustIngest(t, db, next(), history(4)) // folds
	for i := range 2 {
		r, err := db.RecordFailure(ctx, next(), fmt.Errorf("fetch: 503 Service Unavailable (%d)", i))
		if err != nil || r.Count() != 1 {
			t.Fatalf("RecordFailure = %+v, %v", r, err)
		}
	}
	for range 2 {
		in := next()
		in.Failures = []string{"fetch " + histURL + "?page=3: 500"}
		if r := mustIngest(t, db, in, history(4)); r.Outcome != archive.OutcomePartial || r.Count() != 1 {
			t.Fatalf("partial run = %+v", r)
		}
	}
	for range 2 {
		if r, err := db.Ingest(ctx, next(), nil); !errors.Is(err, archive.ErrSuspect) || r.Count() != 1 {
			t.Fatalf("suspect run = %+v, %v", r, err)
		}
	}
	ok1 := mustIngest(t, db, next(), history(4))
	ok2 := mustIngest(t, db, next(), history(4))
	if ok1.Count() != 1 || ok2.ID != ok1.ID || ok2.Count() != 2 {
		t.Errorf("good runs after the failures: entries %d (count %d), %d (count %d); want one entry of 2", ok1.ID, ok1.Count(), ok2.ID, ok2.Count())
	}
	var got []string
	for _, r := range runLog(t, db) {
		got = append(got, fmt.Sprintf("%s×%d", r.Outcome, r.Count()))
		if r.Outcome == archive.OutcomeFailed && !strings.Contains(r.Error, "503") {
			t.Errorf("failed entry %d lost its error: %q", r.ID, r.Error)
		}
	}
	want := "ok×2 suspect×1 suspect×1 partial×1 partial×1 failed×1 failed×1 ok×2 ok×1"
	if strings.Join(got, " ") != want {
		t.Errorf("run log (newest first) = %s, want %s", strings.Join(got, " "), want)
	}
	info := sourceInfo(t, db)
	if info.Runs != 11 || info.Failed != 2 || info.Suspect != 2 {
		t.Errorf("ledger = %d runs, %d failed, %d suspect; want 11, 2, 2", info.Runs, info.Failed, info.Suspect)
	}
	if err := db.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// TestReparseAfterFold reparses a source whose latest entry stands for
// several unchanged runs: its pages are read whole, the 304 page from
// the body its validators were kept with.
func TestReparseAfterFold(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	in := scrape(true, "inc-000\ninc-001\n")
	in.Pages = append(in.Pages, archive.PageInput{URL: histURL + "?page=2", Status: http.StatusOK, FetchedAt: t0,
		Body: []byte("inc-002\n"), Header: http.Header{"Etag": {`"p2"`}}})
	mustIngest(t, db, in, history(3))
	in.Pages[1].Status, in.Pages[1].Body = http.StatusNotModified, nil
	var last archive.Run
	for range 4 {
		clock.Advance(5 * time.Minute)
		last = mustIngest(t, db, in, history(3))
	}
	if last.Count() != 4 {
		t.Fatalf("latest entry stands for %d runs, want 4", last.Count())
	}
	byID := map[string]parser.Incident{}
	for _, inc := range history(3) {
		byID[inc.ID] = inc
	}
	var bodies []string
	runs, err := db.Reparse(ctx, src, func(doc parser.Document, format parser.Format) (*parser.Page, error) {
		bodies = append(bodies, string(doc.Body))
		page := &parser.Page{URL: doc.URL}
		for _, id := range strings.Fields(string(doc.Body)) {
			page.Incidents = append(page.Incidents, byID[id])
		}
		return page, nil
	})
	if err != nil {
		t.Fatalf("Reparse: %v", err)
	}
	if want := []string{"inc-000\ninc-001\n", "inc-002\n"}; strings.Join(bodies, "|") != strings.Join(want, "|") {
		t.Errorf("Reparse read bodies %q, want %q", bodies, want)
	}
	if len(runs) != 1 || runs[0].Unchanged != 3 || runs[0].ID <= last.ID || runs[0].Count() != 1 {
		t.Errorf("Reparse = %+v, want a run of its own with 3 unchanged", runs)
	}
	// A vendor run after the reparse does not fold into it.
	clock.Advance(5 * time.Minute)
	if r := mustIngest(t, db, in, history(3)); r.ID <= runs[0].ID || r.Count() != 1 {
		t.Errorf("vendor run after a reparse = entry %d count %d, want its own entry", r.ID, r.Count())
	}
}

// sweepRuns returns, on clock, a page of the history (history page n
// with an ETag, answered with status, a body of its own when 200) and a
// run of an incremental source 5 minutes after the last that fetched
// pages, complete or not.
func sweepRuns(clock *archivetest.Clock) (page func(n string, status int) archive.PageInput, run func(complete bool, pages ...archive.PageInput) archive.RunInput) {
	page = func(n string, status int) archive.PageInput {
		p := archive.PageInput{URL: histURL + "?page=" + n, Status: status, FetchedAt: clock.Now(), Header: http.Header{"Etag": {`"p` + n + `"`}}}
		if status == http.StatusOK {
			p.Body = []byte("<html>page " + n + "</html>")
		}
		return p
	}
	run = func(complete bool, pages ...archive.PageInput) archive.RunInput {
		clock.Advance(5 * time.Minute)
		r := scrape(complete, "")
		r.Started, r.Finished, r.Pages = clock.Now(), clock.Now(), pages
		for i := range r.Pages {
			r.Pages[i].FetchedAt = clock.Now()
		}
		return r
	}
	return page, run
}

// TestSweepSlicesFold: unchanged runs of an incremental source each
// re-check another slice of its history; they fold into one entry whose
// page list is every page they fetched, each with its body, so that a
// reparse reads them all. A page with a body the archive did not hold
// ends the fold.
func TestSweepSlicesFold(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	page, sweep := sweepRuns(clock)
	in := func(pages ...archive.PageInput) archive.RunInput { return sweep(false, pages...) }
	mustIngest(t, db, in(page("1", 200), page("2", 200), page("3", 200)), history(3))
	a := mustIngest(t, db, in(page("1", 304), page("2", 304)), history(3))
	b := mustIngest(t, db, in(page("1", 304), page("3", 304)), history(3))
	c := mustIngest(t, db, in(page("1", 304), page("2", 304)), history(3))
	if b.ID != a.ID || c.ID != a.ID || c.Count() != 3 {
		t.Fatalf("sweep runs = entries %d, %d, %d (count %d); want one entry of 3", a.ID, b.ID, c.ID, c.Count())
	}
	pages, err := db.RunPages(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, p := range pages {
		got = append(got, fmt.Sprintf("%s=%s", strings.TrimPrefix(p.URL, histURL+"?page="), p.Body))
	}
	if want := "1=<html>page 1</html> 2=<html>page 2</html> 3=<html>page 3</html>"; strings.Join(got, " ") != want {
		t.Errorf("pages of the folded entry = %s, want %s", strings.Join(got, " "), want)
	}
	if log := runLog(t, db); log[0].Pages != 3 || log[0].Incidents != 3 {
		t.Errorf("folded entry: %d pages, %d incidents; want 3, 3", log[0].Pages, log[0].Incidents)
	}
	// Page 2 comes back with another body: a run of its own.
	changed := page("2", 200)
	changed.Body = []byte("<html>page 2, restyled</html>")
	if d := mustIngest(t, db, in(page("1", 304), changed), history(3)); d.ID <= a.ID || d.Count() != 1 {
		t.Errorf("run with a new body = entry %d count %d, want its own entry", d.ID, d.Count())
	}
	if err := db.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// TestCompleteRunsFold: the run that ends a round of the sweep (complete:
// it crawled every page) and found nothing new folds into the entry of
// the incremental runs around it, which counts the complete runs and keeps
// when the latest was; a complete run that infers a deletion keeps an
// entry of its own.
func TestCompleteRunsFold(t *testing.T) {
	db, clock := open(t)
	ctx := context.Background()
	page, in := sweepRuns(clock)
	all := func() []archive.PageInput { return []archive.PageInput{page("1", 304), page("2", 304), page("3", 304)} }
	mustIngest(t, db, in(true, page("1", 200), page("2", 200), page("3", 200)), history(3))
	first := mustIngest(t, db, in(false, page("1", 304), page("2", 304)), history(3))
	mustIngest(t, db, in(false, page("1", 304), page("3", 304)), history(3))
	complete := mustIngest(t, db, in(true, all()...), history(3))
	completeAt := clock.Now()
	last := mustIngest(t, db, in(false, page("1", 304), page("2", 304)), history(3))
	if complete.ID != first.ID || last.ID != first.ID || last.Count() != 4 {
		t.Fatalf("runs around a complete one = entries %d, %d, %d (count %d); want one entry of 4", first.ID, complete.ID, last.ID, last.Count())
	}
	entry := runLog(t, db)[0]
	if n, at := entry.Completes(); entry.Complete || n != 1 || !at.Equal(completeAt) {
		t.Errorf("entry: complete %v, %d complete runs, the latest at %v; want the first run's false, 1, %v", entry.Complete, n, at, completeAt)
	}
	// A complete entry takes incremental runs too, and counts itself.
	inc3 := history(3)
	inc3[2].Updates[0].Body += " Edited."
	mustIngest(t, db, in(true, page("1", 304), page("2", 304), page("3", 200)), inc3) // a change: its own entry
	second := mustIngest(t, db, in(true, all()...), inc3)
	mustIngest(t, db, in(false, page("1", 304)), inc3)
	third := mustIngest(t, db, in(true, all()...), inc3)
	if second.ID <= last.ID || third.ID != second.ID {
		t.Fatalf("complete, incremental and complete runs = entries %d, %d; want one entry after %d", second.ID, third.ID, last.ID)
	}
	if entry := runLog(t, db)[0]; !entry.Complete || entry.Count() != 3 || entry.CompleteRuns != 2 || !entry.LastComplete.Equal(clock.Now()) {
		t.Errorf("entry: complete %v, count %d, %d complete runs, the latest at %v; want true, 3, 2, %v", entry.Complete, entry.Count(), entry.CompleteRuns, entry.LastComplete, clock.Now())
	}
	// A complete run that finds an incident gone is no unchanged run.
	gone := mustIngest(t, db, in(true, all()...), inc3[1:])
	if gone.ID == third.ID || gone.Deleted != 1 {
		t.Errorf("complete run inferring a deletion = entry %d (deleted %d); want its own entry after %d, 1 deleted", gone.ID, gone.Deleted, third.ID)
	}
	if err := db.Check(ctx); err != nil {
		t.Errorf("Check: %v", err)
	}
}

// TestValidatorsWithoutBodyFold: a page whose validators the archive kept
// without naming a body (as records written before bodies were named, or
// a first answer of 304) stands for its body when the server answers 304,
// so its source's unchanged runs fold too.
func TestValidatorsWithoutBodyFold(t *testing.T) {
	db, clock := open(t)
	body := "<html>the history page</html>"
	var runs []archive.Run
	for range 4 {
		clock.Advance(5 * time.Minute)
		// unchangedScrape's second page answers 304 from the first run on:
		// its validators never name a body.
		runs = append(runs, mustIngest(t, db, unchangedScrape(clock.Now(), body), history(3)))
	}
	if runs[1].ID == runs[0].ID || runs[2].ID != runs[1].ID || runs[3].ID != runs[1].ID || runs[3].Count() != 3 {
		t.Errorf("runs = entries %d %d %d %d (last count %d), want the first, then one entry of 3", runs[0].ID, runs[1].ID, runs[2].ID, runs[3].ID, runs[3].Count())
	}
	pages, err := db.RunPages(context.Background(), runs[1].ID)
	if err != nil || len(pages) != 2 || string(pages[0].Body) != body || pages[1].SHA256 != "" {
		t.Errorf("pages of the folded entry = %+v, %v; want the history page and the 304 page without a body", pages, err)
	}
}

// TestCompletes: an entry without a count of complete runs (written
// before complete and incomplete runs shared entries, or of one run)
// stands for runs all as complete as its first.
func TestCompletes(t *testing.T) {
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	later := at.Add(time.Hour)
	for _, tc := range []struct {
		name string
		run  archive.Run
		n    int
		last time.Time
	}{
		{"one incomplete run", archive.Run{Recorded: at}, 0, time.Time{}},
		{"one complete run", archive.Run{Recorded: at, Complete: true}, 1, at},
		{"an older folded complete entry", archive.Run{Recorded: at, Complete: true, Folded: 3, LastRecorded: later}, 4, later},
		{"an older folded incomplete entry", archive.Run{Recorded: at, Folded: 3, LastRecorded: later}, 0, time.Time{}},
		{"counted", archive.Run{Recorded: at, Folded: 3, LastRecorded: later, CompleteRuns: 1, LastComplete: at.Add(time.Minute)}, 1, at.Add(time.Minute)},
	} {
		if n, last := tc.run.Completes(); n != tc.n || !last.Equal(tc.last) {
			t.Errorf("%s: Completes = %d, %v; want %d, %v", tc.name, n, last, tc.n, tc.last)
		}
	}
}
