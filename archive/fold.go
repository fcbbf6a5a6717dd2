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
// it and the entry it folds into are both unchanged runs of the same
// kind: vendor runs, outcome ok (no failure of any kind), no version or
// tombstone made, of the same start URL and format, equally complete,
// with the same counts (pages, incidents, updates, unchanged, backfill
// left) and claims, and the same pages in the same order: each page's
// URL, status and body (SHA-256 and size). The entry's page list is then
// the list of every run it stands for, but for the fetch times and
// headers of the later ones. Any other run (one that failed, was
// refused, was partial, made a version, or fetched anything else) keeps
// an entry of its own, as does the first unchanged run after it.

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
// when both are unchanged runs alike (see above): run becomes that entry,
// counting one more run, and fold reports true. Otherwise run stays as
// it is and fold reports false.
func (w *writer) fold(run *Run, refs []StoredPage, off bool) (bool, error) {
	if off || !unchangedRun(*run) {
		return false, nil
	}
	k, _ := w.index.b.Cursor().Last()
	id, ok := unseq(k)
	if !ok || id != w.state.Info.LastRun {
		return false, nil
	}
	var prev Run
	if found, err := w.runs.get(k, &prev); err != nil || !found {
		return false, err
	}
	if prev.ID != id || !unchangedRun(prev) || !sameRun(prev, *run) {
		return false, nil
	}
	var prevRefs []StoredPage
	if found, err := root(w.tx, bucketRunPages).get(k, &prevRefs); err != nil || !found {
		return false, err
	}
	if !samePages(prevRefs, refs) {
		return false, nil
	}
	prev.Folded++
	prev.LastStarted, prev.LastFinished, prev.LastRecorded = run.Started, run.Finished, run.Recorded
	*run = prev
	return true, nil
}

// unchangedRun reports whether r is a good vendor run that found its
// source as it was: no failure, no version, no tombstone.
func unchangedRun(r Run) bool {
	return r.Outcome == OutcomeOK && r.Origin == OriginVendor && r.Error == "" &&
		len(r.Failures) == 0 && len(r.Causes) == 0 &&
		r.New == 0 && r.Changed == 0 && r.Restored == 0 && r.Deleted == 0 &&
		len(r.NewIDs)+len(r.ChangedIDs)+len(r.RestoredIDs)+len(r.DeletedIDs) == 0
}

// sameRun reports whether two unchanged runs crawled alike and saw the
// same.
func sameRun(a, b Run) bool {
	return a.Source == b.Source && a.URL == b.URL && a.Format == b.Format && a.Complete == b.Complete &&
		a.Pages == b.Pages && a.Incidents == b.Incidents && a.Updates == b.Updates &&
		a.Unchanged == b.Unchanged && a.Left == b.Left && sameJSON(a.Claims, b.Claims)
}

// samePages reports whether two runs fetched the same pages, in the same
// order, with the same statuses and bodies.
func samePages(a, b []StoredPage) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].URL != b[i].URL || a[i].Status != b[i].Status || a[i].SHA256 != b[i].SHA256 || a[i].Size != b[i].Size {
			return false
		}
	}
	return true
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
