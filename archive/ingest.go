package archive

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	bbolt "go.etcd.io/bbolt"

	"github.com/statusarchive/statusarchive/parser"
)

// head is an incident's head record: where its history stands.
type head struct {
	N           int         `json:"n"`    // the latest version
	Hash        string      `json:"hash"` // the latest version's content hash
	FirstSeen   time.Time   `json:"first_seen"`
	LastSeen    time.Time   `json:"last_seen"` // the last run that saw it
	LastRun     uint64      `json:"last_run"`
	Deleted     bool        `json:"deleted,omitempty"` // the latest version is a tombstone
	Kind        parser.Kind `json:"kind"`
	FirstUpdate time.Time   `json:"first_update,omitzero"`
	// Updates is how many updates the latest version has; 0 also in heads
	// written before it was kept.
	Updates int `json:"updates,omitempty"`
}

// sourceState is a source's "state" record: its coverage ledger and what
// the drift guard compares a new run with.
type sourceState struct {
	Info          SourceInfo          `json:"info"`
	LastGoodCount int                 `json:"last_good_count"`
	Complete      map[string]runCount `json:"complete,omitempty"` // by start URL: the last good complete run
}

type runCount struct {
	Run       uint64 `json:"run"`
	Incidents int    `json:"incidents"`
}

// validatorRecord is a URL's conditional-GET validators, the digest of
// the page they validate and where its body is stored.
type validatorRecord struct {
	ETag         string      `json:"etag,omitempty"`
	LastModified string      `json:"last_modified,omitempty"`
	Run          uint64      `json:"run"`
	Digest       *PageDigest `json:"digest,omitempty"`
	// SHA256 (hex) and Size are the body's, set by a 2xx: a 304 page's
	// reference names this body. Empty in records written before they
	// were kept.
	SHA256 string `json:"sha256,omitempty"`
	Size   int    `json:"size,omitempty"`
	// Input is what the digest was parsed from (inputKey): the body's
	// hash and how it was read. A page without validators is kept for it.
	Input string `json:"input,omitempty"`
}

// Keys and buckets inside sources/<source>/.
const (
	keyState         = "state"
	keyHead          = "head"
	bucketIncidents  = "incidents"
	bucketSourceRuns = "runs"
	// bucketSourcePages names every URL the source's runs kept validators
	// for, so that Begin reads only the source's validators.
	bucketSourcePages = "pages"
)

// keptHeaders are the response headers a page reference keeps.
var keptHeaders = []string{
	"Content-Type", "Content-Language", "Content-Length", "Date", "Last-Modified", "ETag",
	"Cache-Control", "Expires", "Age", "Retry-After", "Location", "Link",
}

const (
	maxSourceName = 256
	maxIDLen      = 1024
	maxKeyURL     = 4096
)

// Ingest archives one scrape of one source in a single write transaction:
// its records, its raw pages and its run-log entry.
//
// Per incident: an unchanged hash only moves last-seen; a new id gets
// version 1; a changed one gets exactly one new version. A Complete vendor
// run gives a tombstone version to each live incident of the source it did
// not see, but only inside the span it covered (first update at or after
// the earliest first update it saw), and never to an incident without
// times; an incident that reappears later gets a new normal version.
//
// Before writing, the run is checked: any invalid record makes it
// "failed" (ErrInvalidRun) and the drift guard may make it "suspect"
// (ErrSuspect). Either way only the run-log entry is written, and the
// returned Run describes it alongside the error.
//
// A run that found its source unchanged may fold into the source's latest
// run-log entry instead of writing one of its own (see fold.go): the
// returned Run then has that entry's ID and Folded count, with its own
// counts and times.
func (db *DB) Ingest(ctx context.Context, in RunInput, incidents []parser.Incident) (Run, error) {
	return db.ingest(ctx, in, incidents, nil, nil)
}

// resolver derives a run's records inside its write transaction: the
// incidents to apply, and the ids of incidents that are only sighted (seen
// unchanged, their archived version standing).
type resolver func(w *writer) (incidents []parser.Incident, sightings []string, err error)

// ingest is Ingest; a reparse passes the page references it re-derived the
// records from as carried, and a Crawl its resolver.
func (db *DB) ingest(ctx context.Context, in RunInput, incidents []parser.Incident, carried []StoredPage, resolve resolver) (Run, error) {
	if err := ctx.Err(); err != nil {
		return Run{}, fmt.Errorf("ingest %s: %w", in.Source, err)
	}
	if err := checkSource(in.Source); err != nil {
		return Run{}, fmt.Errorf("ingest: %w", err)
	}
	if in.Origin == "" {
		in.Origin = OriginVendor
	}
	// A run that reports failures did not see the whole source, whatever
	// it claims: it must not infer deletions.
	in.Complete = in.Complete && len(in.Failures) == 0 && !in.Snapshot
	now := db.now().UTC()
	var invalid error
	if resolve == nil {
		invalid = validateRun(in, incidents, now)
	}

	var run Run
	var refused error
	err := db.update(func(tx *bbolt.Tx) error {
		run, refused = newRun(in, now), nil
		if carried != nil {
			run.Pages = len(carried)
		}
		w, err := openWriter(tx, in.Source)
		if err != nil {
			return err
		}
		w.announce = db.announcer()
		// The run's id, claimed by finish unless the run folds into the
		// source's previous entry.
		run.ID = w.runs.b.Sequence() + 1
		var sighted []sighting
		if resolve != nil {
			all, ids, err := resolve(w)
			if err != nil {
				return err
			}
			if sighted, err = w.sightings(ids); err != nil {
				return err
			}
			incidents, invalid = all, validateRun(in, all, now)
		}
		if invalid != nil {
			run.Outcome, run.Error = OutcomeFailed, invalid.Error()
			return w.finish(&run)
		}
		if reason := db.drift(w.state, in, incidents, sighted); reason != "" {
			refused = fmt.Errorf("%w: %s", ErrSuspect, reason)
			run.Outcome, run.Error = OutcomeSuspect, refused.Error()
			return w.finish(&run)
		}

		seen := make(map[string]bool, len(incidents))
		var oldest time.Time
		for i, inc := range incidents {
			if first := firstUpdate(inc); !first.IsZero() && (oldest.IsZero() || first.Before(oldest)) {
				oldest = first
			}
			if i%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			seen[inc.ID] = true
			if err := w.apply(&run, inc, now); err != nil {
				return err
			}
		}
		for _, s := range sighted {
			if first := s.head.FirstUpdate; !first.IsZero() && (oldest.IsZero() || first.Before(oldest)) {
				oldest = first
			}
			seen[s.id] = true
			if err := w.sight(&run, s, now); err != nil {
				return err
			}
		}
		if in.Complete && in.Origin == OriginVendor {
			if err := w.tombstones(&run, seen, oldest, now); err != nil {
				return err
			}
		}
		if err := w.notify(&run, now); err != nil {
			return err
		}
		refs := carried
		var kept []keptValidators
		held := false // every page's body is the one the archive held for it
		if refs == nil {
			if refs, kept, held, err = w.storePages(in.Pages); err != nil {
				return err
			}
		}
		if in.backfill != nil {
			if err := putBackfill(w.source, in.backfill); err != nil {
				return err
			}
			run.Left = in.backfill.Left()
		}
		run.Outcome = OutcomeOK
		if len(in.Failures) > 0 {
			run.Outcome = OutcomePartial
		}
		entry, err := w.fold(&run, refs, held && !db.noFold)
		if err != nil {
			return err
		}
		if entry == nil {
			if err := root(tx, bucketRunPages).put(seq(run.ID), refs); err != nil {
				return err
			}
		}
		// Written now that the run's id is known: an unchanged run that
		// folded names the entry it folded into.
		if err := w.putSightings(run.ID, now); err != nil {
			return err
		}
		if err := w.keepValidators(kept, run.ID); err != nil {
			return err
		}
		return w.finishAs(&run, entry)
	})
	switch {
	case err != nil:
		return Run{}, fmt.Errorf("ingest %s: %w", in.Source, err)
	case invalid != nil:
		return run, fmt.Errorf("ingest %s: run %d: %w", in.Source, run.ID, invalid)
	case refused != nil:
		return run, fmt.Errorf("ingest %s: run %d: %w", in.Source, run.ID, refused)
	}
	return run, nil
}

// RecordFailure writes the run-log entry of a run that failed before it
// had anything to ingest, and nothing else.
func (db *DB) RecordFailure(ctx context.Context, in RunInput, cause error) (Run, error) {
	if err := ctx.Err(); err != nil {
		return Run{}, fmt.Errorf("record failure of %s: %w", in.Source, err)
	}
	if err := checkSource(in.Source); err != nil {
		return Run{}, fmt.Errorf("record failure: %w", err)
	}
	if in.Origin == "" {
		in.Origin = OriginVendor
	}
	var run Run
	err := db.update(func(tx *bbolt.Tx) error {
		run = newRun(in, db.now().UTC())
		run.Outcome = OutcomeFailed
		if cause != nil {
			run.Error = cause.Error()
		}
		w, err := openWriter(tx, in.Source)
		if err != nil {
			return err
		}
		run.ID = w.runs.b.Sequence() + 1
		return w.finish(&run)
	})
	if err != nil {
		return Run{}, fmt.Errorf("record failure of %s: %w", in.Source, err)
	}
	return run, nil
}

func newRun(in RunInput, now time.Time) Run {
	return Run{
		Source: in.Source, URL: in.URL, Started: in.Started.UTC(), Finished: in.Finished.UTC(), Recorded: now,
		Format: in.Format, Origin: in.Origin, Complete: in.Complete, Pages: len(in.Pages),
		Failures: append([]string(nil), in.Failures...), Causes: in.Causes, Claims: in.Claims,
	}
}

// checkSource refuses names that cannot key a bucket or a "source/id" ref.
func checkSource(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("%w: empty source name", ErrInvalidRun)
	case len(name) > maxSourceName:
		return fmt.Errorf("%w: source name longer than %d bytes", ErrInvalidRun, maxSourceName)
	case !utf8.ValidString(name) || strings.ContainsFunc(name, func(r rune) bool { return r == '/' || unicode.IsControl(r) }):
		return fmt.Errorf("%w: source name %q has a slash, a control character or invalid UTF-8", ErrInvalidRun, name)
	}
	return nil
}

// validateRun reports every invalid record of a run (up to a few), joined.
func validateRun(in RunInput, incidents []parser.Incident, now time.Time) error {
	const show = 5
	var errs []error
	bad := 0
	ids := make(map[string]bool, len(incidents))
	for i, inc := range incidents {
		err := inc.Validate(now)
		switch {
		case err != nil:
		case inc.Source != "" && inc.Source != in.Source:
			err = fmt.Errorf("incident %s belongs to source %q", inc.ID, inc.Source)
		case len(inc.ID) > maxIDLen:
			err = fmt.Errorf("incident id longer than %d bytes", maxIDLen)
		case ids[inc.ID]:
			err = fmt.Errorf("incident %s appears twice", inc.ID)
		}
		ids[inc.ID] = true
		if err == nil {
			continue
		}
		bad++
		if len(errs) < show {
			errs = append(errs, fmt.Errorf("record %d: %w", i, err))
		}
	}
	if bad == 0 {
		return nil
	}
	return fmt.Errorf("%w: %d of %d records refused: %w", ErrInvalidRun, bad, len(incidents), errors.Join(errs...))
}

// drift returns why a run looks like markup drift rather than news, or "".
// sighted are the incidents the run saw unchanged without their records.
func (db *DB) drift(st sourceState, in RunInput, incidents []parser.Incident, sighted []sighting) string {
	n := len(incidents) + len(sighted)
	// A snapshot shows only what is open now: an empty or shrinking one is
	// normal, so only the count guards are skipped.
	if !in.Snapshot {
		if n == 0 && st.LastGoodCount > 0 {
			return fmt.Sprintf("0 incidents where the last good run (%d) had %d", st.Info.LastOKRun, st.LastGoodCount)
		}
		threshold := in.DropThreshold
		if threshold == 0 {
			threshold = db.threshold
		}
		if last, ok := st.Complete[in.URL]; ok && threshold > 0 && float64(n) <= threshold*float64(last.Incidents) && last.Incidents-n >= 2 {
			return fmt.Sprintf("%d incidents, no more than %g%% of the %d of the last good complete run (%d) of %s",
				n, threshold*100, last.Incidents, last.Run, in.URL)
		}
	}
	lacking := 0
	for _, inc := range incidents {
		if len(inc.Updates) == 0 {
			lacking++
		}
	}
	for _, s := range sighted {
		if s.updates == 0 {
			lacking++
		}
	}
	if n > 0 && 2*lacking > n {
		return fmt.Sprintf("%d of %d records have no updates (no timeline, no times)", lacking, n)
	}
	return ""
}

// writer holds the buckets one ingest writes.
type writer struct {
	tx        *bbolt.Tx
	source    bucket // sources/<source>
	incidents bucket // sources/<source>/incidents
	index     bucket // sources/<source>/runs
	runs      bucket // runs
	history   bucket // sources/<source>/history; b nil until it exists
	state     sourceState
	announce  Announcer // nil: queue no notifications
	// superseded holds, by incident id, the version a new one replaced in
	// this run, as rewritten: the announcer compares the two without
	// reading it back. Kept only when there is an announcer.
	superseded map[string]Version
	// sighted are the heads of incidents the run saw unchanged, written
	// once the run's id is known (putSightings).
	sighted []sightedHead
	// latestRun is the source's latest run-log entry, once latestRead.
	latestRun  *Run
	latestRead bool
	// flatMarked is set once the run has made sure the file is marked
	// schemaFlat, which its first flat incident needs.
	flatMarked bool
}

// newIncident returns the bucket of incident id, not archived yet: flat
// (incidents.go), once the file says it may hold flat incidents.
func (w *writer) newIncident(id string) (bucket, error) {
	if !w.flatMarked {
		if err := markSchema(w.tx, schemaFlat); err != nil {
			return bucket{}, err
		}
		w.flatMarked = true
	}
	return w.incidents.newIncident(id), nil
}

func openWriter(tx *bbolt.Tx, source string) (*writer, error) {
	sources := root(tx, bucketSources)
	runs := root(tx, bucketRuns)
	if !sources.exists() || !runs.exists() {
		return nil, &RecordError{Path: bucketSources, Err: fmt.Errorf("%w: root bucket missing", ErrCorrupt)}
	}
	runs.b.FillPercent = 0.9
	w := &writer{tx: tx, runs: runs}
	var err error
	if w.source, err = sources.create(source); err != nil {
		return nil, err
	}
	if w.incidents, err = w.source.create(bucketIncidents); err != nil {
		return nil, err
	}
	// Created by the first version superseded (supersede).
	w.history = w.source.sub(bucketHistory)
	if w.history.exists() {
		w.history.b.FillPercent = 0.9
	}
	w.incidents.history = &w.history
	// Incident buckets are mostly inline and ids mostly arrive in order:
	// fill pages rather than split them half-empty.
	w.incidents.b.FillPercent = 0.9
	if w.index, err = w.source.create(bucketSourceRuns); err != nil {
		return nil, err
	}
	w.index.b.FillPercent = 0.9
	if _, err := w.source.get([]byte(keyState), &w.state); err != nil {
		return nil, err
	}
	w.state.Info.Name = source
	return w, nil
}

// apply archives one incident seen by run.
func (w *writer) apply(run *Run, inc parser.Incident, now time.Time) error {
	inc.Source = run.Source
	run.Incidents++
	run.Updates += len(inc.Updates)
	var h head
	found := false
	ib := w.incidents.incident(inc.ID)
	if ib.exists() {
		var err error
		if found, err = w.head(ib, &h); err != nil {
			return err
		}
	} else {
		var err error
		if ib, err = w.newIncident(inc.ID); err != nil {
			return err
		}
	}
	hash := inc.Hash()
	var prev *storedVersion // the latest version, when read
	if found && !h.Deleted && h.Hash != hash && h.N > 0 && (inc.Partial || inc.Incomplete) {
		// An incomplete rendering (a list whose incident page failed)
		// never takes updates away from a complete version: the complete
		// one wins, filled with what the list adds.
		p, err := readVersion(ib, h.N)
		if err != nil {
			return err
		}
		prev = &p
		if !prev.Incident.Partial && !prev.Incident.Incomplete {
			inc = parser.Merge([]*parser.Page{{Incidents: []parser.Incident{inc}}, {Incidents: []parser.Incident{prev.Incident}}})[0]
			hash = inc.Hash()
		}
	}
	if found && !h.Deleted && h.Hash != hash && h.N > 0 {
		// What this rendering leaves unsaid (a feed's impact, a list's
		// components) is not a change: take it from the last version.
		if prev == nil {
			p, err := readVersion(ib, h.N)
			if err != nil {
				return err
			}
			prev = &p
		}
		if inc.FillUnknown(prev.Incident) {
			hash = inc.Hash()
		}
	}
	first := firstUpdate(inc)
	w.noteUpdate(first)
	switch {
	case !found:
		run.New++
		run.NewIDs = append(run.NewIDs, inc.ID)
		w.state.Info.Incidents++
		w.state.Info.Live++
		h = head{FirstSeen: now}
	case h.Deleted:
		run.Restored++
		run.RestoredIDs = append(run.RestoredIDs, inc.ID)
		w.state.Info.Live++
	case h.Hash == hash:
		run.Unchanged++
		if run.Origin == OriginParser {
			return nil // a reparse is no sighting of the vendor's page
		}
		w.sighted = append(w.sighted, sightedHead{ib, h})
		return nil
	default:
		run.Changed++
		run.ChangedIDs = append(run.ChangedIDs, inc.ID)
	}
	pageURL := inc.URL
	if pageURL == "" {
		pageURL = run.URL
	}
	v := Version{Hash: hash, FirstSeen: now, LastSeen: now, RunID: run.ID, PageURL: pageURL, Origin: run.Origin, Incident: inc}
	return w.addVersion(ib, &h, v, first, prev)
}

// addVersion appends v to the incident in ib and moves its head on. The
// new version carries the last time the one it supersedes was seen, and
// that one moves to the source's history (supersede). prev is the
// superseded version when the caller has read it already, else nil.
func (w *writer) addVersion(ib bucket, h *head, v Version, first time.Time, prev *storedVersion) error {
	ib.b.FillPercent = 0.9
	stored := storedVersion{Version: v}
	if h.N > 0 {
		stored.prevLastSeen = h.LastSeen
		if prev == nil || prev.N != h.N {
			p, err := readVersion(ib, h.N)
			if err != nil {
				return err
			}
			prev = &p
		}
		if err := w.supersede(ib, *prev, v.Incident.Updates); err != nil {
			return err
		}
		if w.announce != nil {
			old := prev.Version
			old.LastSeen = h.LastSeen
			if w.superseded == nil {
				w.superseded = map[string]Version{}
			}
			w.superseded[incidentID(ib)] = old
		}
	}
	n := uint64(h.N) + 1
	if ib.prefix == nil {
		// A bucket of its own also counts its versions.
		var err error
		if n, err = ib.b.NextSequence(); err != nil {
			return fmt.Errorf("next version of %s: %w", ib, err)
		}
	}
	if n != uint64(h.N)+1 {
		return &RecordError{Path: ib.String(), Err: fmt.Errorf("%w: version sequence at %d, head at version %d", ErrCorrupt, n-1, h.N)}
	}
	v.N, stored.N = int(n), int(n)
	if err := ib.put(seq(n), stored); err != nil {
		return err
	}
	h.N, h.Hash, h.Deleted = v.N, v.Hash, v.Deleted
	h.Kind, h.FirstUpdate, h.Updates = v.Incident.Kind, first, len(v.Incident.Updates)
	// Only the vendor's page is a sighting: a reparse's version moves
	// last_seen only of an incident that has none yet.
	if !v.Deleted && (v.Origin == OriginVendor || h.LastSeen.IsZero()) {
		h.LastSeen, h.LastRun = v.FirstSeen, v.RunID
	}
	w.state.Info.Versions++
	return ib.put([]byte(keyHead), *h)
}

// sighting is an incident a run saw unchanged without reading its record
// (its page answered 304 Not Modified): its head and update count.
type sighting struct {
	id      string
	ib      bucket
	head    head
	updates int
}

// sightings reads the heads of incidents ids for a run that saw them
// unchanged. An incident not archived, or deleted since, is left out: the
// page that named it is stale, and a tombstoned incident stays deleted
// until a page shows it again.
func (w *writer) sightings(ids []string) ([]sighting, error) {
	out := make([]sighting, 0, len(ids))
	for _, id := range ids {
		ib := w.incidents.incident(id)
		if !ib.exists() {
			continue
		}
		s := sighting{id: id, ib: ib}
		found, err := w.head(ib, &s.head)
		if err != nil {
			return nil, err
		}
		if !found || s.head.Deleted || s.head.N == 0 {
			continue
		}
		s.updates = s.head.Updates
		if s.updates == 0 {
			// A head written before update counts were kept, or a
			// version without updates: count them once.
			v, err := version(ib, s.head.N)
			if err != nil {
				return nil, err
			}
			s.updates = len(v.Incident.Updates)
			s.head.Updates = s.updates
		}
		out = append(out, s)
	}
	return out, nil
}

// sight records that run saw incident s unchanged: only its head moves
// (putSightings).
func (w *writer) sight(run *Run, s sighting, now time.Time) error {
	run.Incidents++
	run.Updates += s.updates
	run.Unchanged++
	w.noteUpdate(s.head.FirstUpdate)
	w.sighted = append(w.sighted, sightedHead{s.ib, s.head})
	return nil
}

// latest reads the latest version of incident id for a run to merge with
// what it fetched; ok is false when it is not archived or deleted.
func (w *writer) latest(id string) (inc parser.Incident, ok bool, err error) {
	ib := w.incidents.incident(id)
	if !ib.exists() {
		return inc, false, nil
	}
	var h head
	found, err := ib.get([]byte(keyHead), &h)
	if err != nil || !found || h.Deleted || h.N == 0 {
		return inc, false, err
	}
	v, err := version(ib, h.N)
	return v.Incident, err == nil, err
}

// version reads version n of the incident in ib. Its LastSeen is as
// stored: see lastSeen.
func version(ib bucket, n int) (Version, error) {
	v, err := readVersion(ib, n)
	return v.Version, err
}

// readVersion reads version n of the incident in ib as stored, with the
// updates it takes from later versions filled in.
func readVersion(ib bucket, n int) (storedVersion, error) {
	return readVersionWith(ib, n, nil)
}

// readVersionWith is readVersion given version n+1, already read, or nil.
func readVersionWith(ib bucket, n int, next *storedVersion) (storedVersion, error) {
	var v storedVersion
	ok, err := getVersion(ib, n, &v)
	if err != nil {
		return v, err
	}
	if !ok {
		return v, missingVersion(ib, n)
	}
	if v.refs == nil {
		return v, nil
	}
	if next == nil || next.N != n+1 {
		nv, err := readVersion(ib, n+1)
		if err != nil {
			return v, err
		}
		next = &nv
	}
	if err := v.resolve(next); err != nil {
		return v, &RecordError{Path: versionPath(ib, n), Err: fmt.Errorf("%w: %v", ErrCorrupt, err)}
	}
	return v, nil
}

// lastSeen is when a version was last seen: for the latest, its head's;
// for one a later version superseded, what next (the version after it)
// carries, or what it keeps itself (records written before versions
// carried it, when the superseded one was written again).
func lastSeen(v Version, next *storedVersion, h head) time.Time {
	switch {
	case v.N == h.N:
		return h.LastSeen
	case next != nil && next.N == v.N+1 && !next.prevLastSeen.IsZero():
		return next.prevLastSeen
	}
	return v.LastSeen
}

// tombstones gives every live incident of the source that a complete run
// did not see a deleted version.
//
// Only incidents the crawl's span covers can be inferred deleted: those whose
// first update is at or after oldest, the earliest first update the run saw.
// An older incident has merely scrolled off a windowed list (the latest 50,
// the last 15 days); one with no time at all is never inferred deleted.
func (w *writer) tombstones(run *Run, seen map[string]bool, oldest, now time.Time) error {
	if oldest.IsZero() {
		return nil
	}
	var gone []string
	err := eachIncident(w.incidents, func(id string, _ bucket, _ flatRecords) error {
		if !seen[id] {
			gone = append(gone, id)
		}
		return nil
	}, nil)
	if err != nil {
		return err
	}
	for _, id := range gone {
		ib := w.incidents.incident(id)
		var h head
		found, err := w.head(ib, &h)
		if err != nil {
			return err
		}
		if !found || h.Deleted || h.FirstUpdate.IsZero() || h.FirstUpdate.Before(oldest) {
			continue
		}
		last, err := readVersion(ib, h.N)
		if err != nil {
			return err
		}
		tomb := Version{Hash: h.Hash, FirstSeen: now, LastSeen: now, RunID: run.ID, PageURL: last.PageURL,
			Origin: run.Origin, Deleted: true, Incident: last.Incident}
		if err := w.addVersion(ib, &h, tomb, h.FirstUpdate, &last); err != nil {
			return err
		}
		run.Deleted++
		run.DeletedIDs = append(run.DeletedIDs, id)
		w.state.Info.Live--
	}
	return nil
}

// storePages stores each page body once, by its SHA-256, and returns the
// run's references to the pages and the validators to keep for each
// page's next conditional GET (keepValidators writes them, with the run's
// id). A page answered 304 Not Modified has no body of its own: its
// reference names the body its validators were kept with, which is stored
// already, so that the run's pages can be read (and reparsed) whole.
func (w *writer) storePages(pages []PageInput) (refs []StoredPage, kept []keptValidators, held bool, err error) {
	store, err := createRoot(w.tx, bucketPages)
	if err != nil {
		return nil, nil, false, err
	}
	vb, err := createRoot(w.tx, bucketValidators)
	if err != nil {
		return nil, nil, false, err
	}
	mine, err := w.source.create(bucketSourcePages)
	if err != nil {
		return nil, nil, false, err
	}
	mine.b.FillPercent = 0.9
	refs = make([]StoredPage, 0, len(pages))
	held = len(pages) > 0
	for _, p := range pages {
		ref := StoredPage{URL: p.URL, Status: p.Status, FetchedAt: p.FetchedAt.UTC(), Size: len(p.Body), Header: http.Header{}}
		for _, name := range keptHeaders {
			if vals := p.Header.Values(name); len(vals) > 0 {
				ref.Header[name] = append([]string(nil), vals...)
			}
		}
		if len(p.Body) > 0 {
			sum := p.sum
			if sum == nil {
				s := sha256.Sum256(p.Body)
				sum = &s
			}
			ref.SHA256 = hex.EncodeToString(sum[:])
			if store.b.Get(sum[:]) == nil {
				if err := store.b.Put(sum[:], store.seal(sum[:], encGzip, compress(p.Body))); err != nil {
					return nil, nil, false, fmt.Errorf("write page %s: %w", ref.SHA256, err)
				}
			}
		}
		k, ok, err := validatorsOf(vb, kept, p, &ref)
		if err != nil {
			return nil, nil, false, err
		}
		held = held && ok && k.held(p.Status, ref)
		if ok {
			kept = append(kept, k)
			if !k.forget && mine.b.Get(k.key) == nil {
				if err := mine.mark(k.key); err != nil {
					return nil, nil, false, err
				}
			}
		}
		refs = append(refs, ref)
	}
	return refs, kept, held, nil
}

// held reports whether the page ref, whose validators k are, has the body
// the archive held for its URL before the run: the server answered 304 to
// the validators the archive kept (their record may name no body if it
// was written before bodies were named), or a 2xx has the same hash.
func (k keptValidators) held(status int, ref StoredPage) bool {
	if k.stored == nil {
		return false
	}
	return (status == http.StatusNotModified && (k.stored.ETag != "" || k.stored.LastModified != "")) ||
		(ref.SHA256 != "" && k.stored.SHA256 == ref.SHA256)
}

// keptValidators is what a run keeps of a page's validators: rec, or
// nothing (forget); stored is the record the archive held before the run,
// if any.
type keptValidators struct {
	key    []byte
	rec    validatorRecord
	forget bool
	stored *validatorRecord
	again  bool // the run fetched the URL before: stored is out of date
}

// validatorsOf works out what to keep of page p's ETag and Last-Modified,
// with the digest of what it parsed to and the hash and size of its body
// (ref's); ok is false when there is nothing to write. A 2xx with neither
// validators nor a digest with its input forgets old ones: a page without
// validators keeps its digest, so that a later byte-identical body is not
// parsed again. A 304 refreshes those it carries, keeps the rest, and
// gives ref the body they were kept with. earlier are the run's pages
// before p.
func validatorsOf(vb bucket, earlier []keptValidators, p PageInput, ref *StoredPage) (k keptValidators, ok bool, err error) {
	url := cmp.Or(p.Requested, p.URL)
	if url == "" || len(url) > maxKeyURL || (p.Status != http.StatusNotModified && (p.Status < 200 || p.Status > 299)) {
		return k, false, nil
	}
	k.key = []byte(url)
	var old validatorRecord
	if i := slices.IndexFunc(earlier, func(e keptValidators) bool { return string(e.key) == url }); i >= 0 {
		// The run fetched it before: what it kept then is the old record.
		last := earlier[i]
		for _, e := range earlier[i:] {
			if string(e.key) == url {
				last = e
			}
		}
		if !last.forget {
			old = last.rec
		}
		k.again = true
	} else {
		found, err := vb.get(k.key, &old)
		if err != nil {
			return k, false, err
		}
		if found {
			k.stored = &old
		}
	}
	rec := validatorRecord{ETag: p.Header.Get("ETag"), LastModified: p.Header.Get("Last-Modified"),
		Digest: p.Digest, SHA256: ref.SHA256, Size: ref.Size, Input: p.input}
	if p.Status == http.StatusNotModified {
		rec.ETag = cmp.Or(rec.ETag, old.ETag)
		rec.LastModified = cmp.Or(rec.LastModified, old.LastModified)
		if rec.Digest == nil {
			rec.Digest = old.Digest
		}
		rec.SHA256, rec.Size, rec.Input = old.SHA256, old.Size, old.Input
		ref.SHA256, ref.Size = old.SHA256, old.Size
	}
	if rec.Digest == nil || rec.Input == "" {
		rec.Input = ""
	}
	k.rec = rec
	k.forget = rec.ETag == "" && rec.LastModified == "" && rec.Input == ""
	return k, true, nil
}

// keepValidators writes the validators of a run's pages, as run runID
// kept them; a record as the archive holds it already is not written
// again.
func (w *writer) keepValidators(kept []keptValidators, runID uint64) error {
	if len(kept) == 0 {
		return nil
	}
	vb := root(w.tx, bucketValidators)
	for _, k := range kept {
		if k.forget {
			if err := vb.b.Delete(k.key); err != nil {
				return fmt.Errorf("delete %s: %w", vb.keyPath(k.key), err)
			}
			continue
		}
		k.rec.Run = runID
		if !k.again && k.stored != nil && sameJSON(*k.stored, k.rec) {
			continue
		}
		if err := vb.put(k.key, k.rec); err != nil {
			return err
		}
	}
	return nil
}

// noteUpdate widens the source's span of first-update times.
func (w *writer) noteUpdate(t time.Time) {
	if t.IsZero() {
		return
	}
	info := &w.state.Info
	if info.OldestUpdate.IsZero() || t.Before(info.OldestUpdate) {
		info.OldestUpdate = t
	}
	if t.After(info.NewestUpdate) {
		info.NewestUpdate = t
	}
}

// finish writes the run-log entry, the source's index entry and state. A
// run that has not folded into an entry of the log claims its id here.
func (w *writer) finish(run *Run) error { return w.finishAs(run, nil) }

// finishAs is finish for a run that folded into entry (nil: none): the
// entry is written, and the ledger moves on by the run.
func (w *writer) finishAs(run *Run, entry *Run) error {
	if entry != nil {
		if err := w.runs.put(seq(entry.ID), entry); err != nil {
			return err
		}
		return w.ledger(run)
	}
	// The run takes an entry of its own: heads that the source's latest
	// entry left unwritten get their last sighting now, and an unchanged
	// run's entry is one later runs may fold into without writing heads.
	latest, err := w.latestEntry()
	if err != nil {
		return err
	}
	if latest != nil && latest.ID != run.ID {
		if err := w.materialize(latest); err != nil {
			return err
		}
	}
	run.SameSightings = unchangedRun(*run)
	if run.ID > w.runs.b.Sequence() {
		n, err := w.runs.b.NextSequence()
		if err != nil {
			return fmt.Errorf("next run id: %w", err)
		}
		if n != run.ID {
			return &RecordError{Path: w.runs.String(), Err: fmt.Errorf("%w: run id %d taken as %d", ErrCorrupt, run.ID, n)}
		}
	}
	if err := w.runs.put(seq(run.ID), run); err != nil {
		return err
	}
	if err := w.index.mark(seq(run.ID)); err != nil {
		return err
	}
	return w.ledger(run)
}

// ledger moves the source's state on by run and writes it.
func (w *writer) ledger(run *Run) error {
	st, info := &w.state, &w.state.Info
	at := runTime(*run)
	info.Runs++
	info.LastRun, info.LastRunAt, info.LastOutcome = run.ID, at, run.Outcome
	switch run.Outcome {
	case OutcomeFailed:
		info.Failed++
	case OutcomeSuspect:
		info.Suspect++
	default:
		if info.FirstOKRun == 0 {
			info.FirstOKRun, info.FirstOK = run.ID, at
		}
		info.LastOKRun, info.LastOK = run.ID, at
		st.LastGoodCount = run.Incidents
		if run.Complete && run.Outcome == OutcomeOK {
			if st.Complete == nil {
				st.Complete = map[string]runCount{}
			}
			st.Complete[run.URL] = runCount{Run: run.ID, Incidents: run.Incidents}
		}
	}
	return w.source.put([]byte(keyState), st)
}

// runTime is when a run happened: when it finished, else started, else
// when it was recorded.
func runTime(r Run) time.Time {
	switch {
	case !r.Finished.IsZero():
		return r.Finished
	case !r.Started.IsZero():
		return r.Started
	}
	return r.Recorded
}

// firstUpdate is the time an incident began as Filter sees it: its first
// update, else its stated start.
func firstUpdate(inc parser.Incident) time.Time {
	if t := inc.First(); !t.IsZero() {
		return t.At
	}
	return inc.Started.At
}
