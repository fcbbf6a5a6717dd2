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
// the same start URL, format, backfill left and claims, and every page
// the run fetched had the body the archive held for it (a 304, or a 2xx
// with the same SHA-256 as the last one kept for its URL). A complete
// run (one that crawled the whole history, as the run that ends a round
// of the sweep does) folds like any other: it made no tombstone, so it
// found nothing the entry's runs had not; the entry counts such runs
// (Run.CompleteRuns) and keeps when the latest was (Run.LastComplete).
// Runs of an incremental source fetch a different slice of its history
// each time (the sweep): the entry's page list is the union of the pages
// its runs fetched, each URL with its body, in the order first fetched,
// and its counts (incidents, updates, unchanged) the largest any of its
// runs had. What folding drops is each later run's own counts, page set,
// fetch times and headers. Any other run (one that failed, was refused,
// was partial, made a version, or fetched a body the archive did not
// hold) keeps an entry of its own, as does the first unchanged run after
// it: every new body is named by an entry, and every failure has one.

// Sightings of folded runs.
//
// A run records that it saw an incident unchanged by moving the
// incident's head on: last seen now, by this run (putSightings). For a
// source polled every few minutes that is a rewrite of every head on its
// pages every run, most of the pages an unchanged run writes. A run that
// folds into an entry whose runs all saw exactly the incidents it saw
// (Run.SameSightings) leaves the heads alone: each of them already names
// the entry as its last run, and the entry's LastRecorded is when the
// latest of its runs saw them (foldSeen). The entry keeps that mark only
// while every run folding into it saw the same set: each head it sighted
// names the entry, and it sighted as many as the entry's first run did
// (the heads that name an unchanged run's entry are those its first run
// saw). A run that does anything else first writes that time into the
// heads that name the entry (materialize), so that once an entry is not
// the source's latest, every head holds its own last sighting again;
// readers therefore resolve heads only through the source's latest entry.

// foldSeen is the source's latest run-log entry when its folded runs
// left heads unwritten: heads naming run id were last seen at at. The
// zero value resolves nothing.
type foldSeen struct {
	id uint64
	at time.Time
}

// lastSeen is when the incident whose head is h was last seen.
func (f foldSeen) lastSeen(h head) time.Time {
	if f.id != 0 && h.LastRun == f.id && f.at.After(h.LastSeen) {
		return f.at
	}
	return h.LastSeen
}

// pendingSightings reports whether entry left heads unwritten.
func pendingSightings(entry Run) bool {
	return entry.SameSightings && entry.Folded > 0 && !entry.LastRecorded.IsZero()
}

// seenThrough is the foldSeen of a source whose latest entry is entry
// (nil: none).
func seenThrough(entry *Run) foldSeen {
	if entry == nil || !pendingSightings(*entry) {
		return foldSeen{}
	}
	return foldSeen{id: entry.ID, at: entry.LastRecorded}
}

// sourceFoldSeen reads the foldSeen of the source in source (a bucket
// sources/<name>) from its state and the runs bucket.
func sourceFoldSeen(source, runs bucket) (foldSeen, error) {
	var st sourceState
	if found, err := source.get([]byte(keyState), &st); err != nil || !found || st.Info.LastRun == 0 {
		return foldSeen{}, err
	}
	var entry Run
	if found, err := runs.get(seq(st.Info.LastRun), &entry); err != nil || !found {
		return foldSeen{}, err
	}
	if entry.ID != st.Info.LastRun {
		return foldSeen{}, nil
	}
	return seenThrough(&entry), nil
}

// latestEntry reads the source's latest run-log entry once per run; nil
// when the source has none or its index does not end with it.
func (w *writer) latestEntry() (*Run, error) {
	if w.latestRead {
		return w.latestRun, nil
	}
	w.latestRead = true
	k, _ := w.index.b.Cursor().Last()
	id, ok := unseq(k)
	if !ok || id != w.state.Info.LastRun {
		return nil, nil
	}
	var entry Run
	if found, err := w.runs.get(k, &entry); err != nil || !found {
		return nil, err
	}
	if entry.ID != id {
		return nil, nil
	}
	w.latestRun = &entry
	return w.latestRun, nil
}

// foldSeen is the writer's view of its source's latest entry (see above).
func (w *writer) foldSeen() (foldSeen, error) {
	entry, err := w.latestEntry()
	return seenThrough(entry), err
}

// head reads the head of the incident in ib with its last sighting
// resolved (foldSeen).
func (w *writer) head(ib bucket, h *head) (bool, error) {
	found, err := ib.get([]byte(keyHead), h)
	if err != nil || !found {
		return found, err
	}
	seen, err := w.foldSeen()
	if err != nil {
		return true, err
	}
	h.LastSeen = seen.lastSeen(*h)
	return true, nil
}

// sawAsFirst reports whether the run's sightings are exactly those of
// entry's first run: each sighted head names the entry, and there are as
// many distinct ones as it saw.
func (w *writer) sawAsFirst(entry Run) bool {
	if len(w.sighted) < entry.Unchanged {
		return false
	}
	ids := make(map[string]bool, len(w.sighted))
	for _, s := range w.sighted {
		if s.head.LastRun != entry.ID {
			return false
		}
		ids[incidentID(s.ib)] = true
	}
	return len(ids) == entry.Unchanged
}

// materialize writes the last sighting of entry's folded runs into the
// heads that name it, if its runs left them unwritten: afterwards no head
// needs the entry to tell when it was last seen. Heads this run wrote
// already name this run.
func (w *writer) materialize(entry *Run) error {
	if entry == nil || !pendingSightings(*entry) {
		return nil
	}
	at := entry.LastRecorded
	// Written after the walk: a flat incident's head is a key of the
	// bucket it walks.
	var stale []sightedHead
	err := eachIncident(w.incidents, func(_ string, ib bucket, recs flatRecords) error {
		var h head
		if found, err := recs.readHead(ib, &h); err != nil || !found {
			return err
		}
		if h.LastRun == entry.ID && at.After(h.LastSeen) {
			h.LastSeen = at
			stale = append(stale, sightedHead{ib, h})
		}
		return nil
	}, nil)
	if err != nil {
		return err
	}
	for _, s := range stale {
		if err := s.ib.put([]byte(keyHead), s.head); err != nil {
			return err
		}
	}
	return nil
}

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
	latest, err := w.latestEntry()
	if err != nil || latest == nil {
		return nil, err
	}
	entry := *latest
	if !unchangedRun(entry) || !sameRun(entry, *run) {
		return nil, nil
	}
	if entry.CompleteRuns == 0 {
		// Until complete and incomplete runs shared entries, every run an
		// entry stood for was as complete as its first.
		entry.CompleteRuns, entry.LastComplete = entry.Completes()
	}
	k := seq(entry.ID)
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
	same := entry.SameSightings && w.sawAsFirst(entry)
	if same {
		w.sighted = nil // they name the entry, which keeps when they were seen
	} else if err := w.materialize(&entry); err != nil {
		return nil, err
	}
	entry.SameSightings = same
	entry.Folded++
	if run.Complete {
		entry.CompleteRuns++
		entry.LastComplete = run.Recorded
	}
	entry.LastStarted, entry.LastFinished, entry.LastRecorded = run.Started, run.Finished, run.Recorded
	entry.Pages = len(pages)
	entry.Incidents, entry.Updates, entry.Unchanged = max(entry.Incidents, run.Incidents), max(entry.Updates, run.Updates), max(entry.Unchanged, run.Unchanged)
	run.ID, run.Folded, run.SameSightings = entry.ID, entry.Folded, entry.SameSightings
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
	return a.Source == b.Source && a.URL == b.URL && a.Format == b.Format &&
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
// run folds or is marked SameSightings, and a folded entry keeps when its
// latest run was recorded.
func checkFolded(runs bucket, k []byte, r Run) error {
	switch {
	case r.Folded < 0:
		return &RecordError{Path: runs.keyPath(k), Err: fmt.Errorf("%w: folded %d runs", ErrCorrupt, r.Folded)}
	case r.Folded > 0 && !unchangedRun(r):
		return &RecordError{Path: runs.keyPath(k), Err: fmt.Errorf("%w: %d runs folded into a run that is not an unchanged vendor run", ErrCorrupt, r.Folded)}
	case r.Folded > 0 && r.LastRecorded.IsZero():
		return &RecordError{Path: runs.keyPath(k), Err: fmt.Errorf("%w: %d runs folded without the time of the latest", ErrCorrupt, r.Folded)}
	case r.CompleteRuns < 0 || r.CompleteRuns > r.Count():
		return &RecordError{Path: runs.keyPath(k), Err: fmt.Errorf("%w: %d complete runs in an entry of %d", ErrCorrupt, r.CompleteRuns, r.Count())}
	case r.CompleteRuns > 0 && r.LastComplete.IsZero():
		return &RecordError{Path: runs.keyPath(k), Err: fmt.Errorf("%w: %d complete runs without the time of the latest", ErrCorrupt, r.CompleteRuns)}
	case r.SameSightings && !unchangedRun(r):
		return &RecordError{Path: runs.keyPath(k), Err: fmt.Errorf("%w: a run that is not an unchanged vendor run marked as one whose heads later runs leave unwritten", ErrCorrupt)}
	}
	return nil
}
