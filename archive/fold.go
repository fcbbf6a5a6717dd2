package archive

import (
	"bytes"
	"encoding/json"
	"fmt"
	"time"
)

// Folding unchanged runs.
//
// A daemon scrapes each source every few minutes and almost always finds
// it as it was. Such a run leaves no entry of its own: it is folded into
// the source's latest entry, which counts it (Run.Folded) and keeps its
// times (Run.LastStarted, LastFinished, LastRecorded). A run folds when
// it and the entry it folds into are both unchanged runs (vendor runs,
// outcome ok: no failure of any kind, no version or tombstone made) of
// the same start URL, format, completeness, backfill left and claims,
// and every page the run fetched had the body the archive held for it (a
// 304, or a 2xx with the same SHA-256 as the last one kept for its URL).
// Runs of an incremental source fetch a different slice of its history
// each time (the sweep): the entry's page list is the union of the pages
// its runs fetched, each URL with its body, in the order first fetched,
// and its counts (incidents, updates, unchanged) the largest any of its
// runs had. What folding drops is each later run's own counts, page set,
// fetch times and headers. Any other run (one that failed, was refused,
// was partial, made a version, or fetched a body the archive did not
// hold) keeps an entry of its own, as does the first unchanged run after
// it: every new body is named by an entry, and every failure has one.

// sightedHead is the head of an incident a run saw unchanged.
type sightedHead struct {
	ib   bucket
	head head
}

// putSightings moves the head of every incident the run saw unchanged on
// to the run: last seen now, by run runID.
func (w *writer) putSightings(runID uint64, now time.Time) error {
	for _, s := range w.sighted {
		h := s.head
		h.LastSeen, h.LastRun = now, runID
		if err := s.ib.put([]byte(keyHead), h); err != nil {
			return err
		}
	}
	w.sighted = nil
	return nil
}

// fold folds run, whose pages are refs, into the source's latest entry
// when both are unchanged runs alike and may (every page's body was held:
// see above) and returns that entry, updated; run takes its id and fold
// count. Otherwise it returns nil and run stays as it is.
func (w *writer) fold(run *Run, refs []StoredPage, may bool) (*Run, error) {
	if !may || !unchangedRun(*run) {
		return nil, nil
	}
	k, _ := w.index.b.Cursor().Last()
	id, ok := unseq(k)
	if !ok || id != w.state.Info.LastRun {
		return nil, nil
	}
	var entry Run
	if found, err := w.runs.get(k, &entry); err != nil || !found {
		return nil, err
	}
	if entry.ID != id || !unchangedRun(entry) || !sameRun(entry, *run) {
		return nil, nil
	}
	pagesB := root(w.tx, bucketRunPages)
	var pages []StoredPage
	if found, err := pagesB.get(k, &pages); err != nil || !found {
		return nil, err
	}
	pages, grew, ok := unionPages(pages, refs)
	if !ok {
		return nil, nil
	}
	if grew {
		if err := pagesB.put(k, pages); err != nil {
			return nil, err
		}
	}
	entry.Folded++
	entry.LastStarted, entry.LastFinished, entry.LastRecorded = run.Started, run.Finished, run.Recorded
	entry.Pages = len(pages)
	entry.Incidents, entry.Updates, entry.Unchanged = max(entry.Incidents, run.Incidents), max(entry.Updates, run.Updates), max(entry.Unchanged, run.Unchanged)
	run.ID, run.Folded = entry.ID, entry.Folded
	run.LastStarted, run.LastFinished, run.LastRecorded = run.Started, run.Finished, run.Recorded
	return &entry, nil
}

// unionPages adds to an entry's pages those of refs it does not name,
// and reports whether it added any; ok is false when refs has a page
// whose body differs from the one the entry names for its URL.
func unionPages(pages, refs []StoredPage) (out []StoredPage, grew, ok bool) {
	bodies := make(map[string]string, len(pages))
	for _, p := range pages {
		bodies[p.URL] = p.SHA256
	}
	for _, r := range refs {
		sha, named := bodies[r.URL]
		switch {
		case named && sha != r.SHA256:
			return nil, false, false
		case !named:
			r.Body = nil
			pages = append(pages, r)
			bodies[r.URL] = r.SHA256
			grew = true
		}
	}
	return pages, grew, true
}

// unchangedRun reports whether r is a good vendor run that found its
// source as it was: no failure, no version, no tombstone.
func unchangedRun(r Run) bool {
	return r.Outcome == OutcomeOK && r.Origin == OriginVendor && r.Error == "" &&
		len(r.Failures) == 0 && len(r.Causes) == 0 &&
		r.New == 0 && r.Changed == 0 && r.Restored == 0 && r.Deleted == 0 &&
		len(r.NewIDs)+len(r.ChangedIDs)+len(r.RestoredIDs)+len(r.DeletedIDs) == 0
}

// sameRun reports whether two unchanged runs crawled the same source
// alike.
func sameRun(a, b Run) bool {
	return a.Source == b.Source && a.URL == b.URL && a.Format == b.Format && a.Complete == b.Complete &&
		a.Left == b.Left && sameJSON(a.Claims, b.Claims)
}

// sameJSON reports whether a and b encode to the same JSON.
func sameJSON(a, b any) bool {
	ja, err := json.Marshal(a)
	if err != nil {
		return false
	}
	jb, err := json.Marshal(b)
	return err == nil && bytes.Equal(ja, jb)
}

// putChanged stores x under key in b unless the value stored there
// decodes to the same JSON: rewriting an equal value would still rewrite
// its page.
func putChanged[T any](b bucket, key []byte, x T) error {
	if v := b.b.Get(key); v != nil {
		var stored T
		if err := b.decode(key, v, &stored); err == nil && sameJSON(stored, x) {
			return nil
		}
	}
	return b.put(key, x)
}

// checkFolded checks a run-log entry's fold: only an unchanged vendor
// run folds, and a folded entry keeps when its latest run was recorded.
func checkFolded(runs bucket, k []byte, r Run) error {
	switch {
	case r.Folded < 0:
		return &RecordError{Path: runs.keyPath(k), Err: fmt.Errorf("%w: folded %d runs", ErrCorrupt, r.Folded)}
	case r.Folded > 0 && !unchangedRun(r):
		return &RecordError{Path: runs.keyPath(k), Err: fmt.Errorf("%w: %d runs folded into a run that is not an unchanged vendor run", ErrCorrupt, r.Folded)}
	case r.Folded > 0 && r.LastRecorded.IsZero():
		return &RecordError{Path: runs.keyPath(k), Err: fmt.Errorf("%w: %d runs folded without the time of the latest", ErrCorrupt, r.Folded)}
	}
	return nil
}
