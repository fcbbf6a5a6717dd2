package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"slices"
	"strings"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/statusarchive/statusarchive/parser"
)

// view runs fn in a read transaction, after checking ctx.
func (db *DB) view(ctx context.Context, fn func(tx *bbolt.Tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return db.bolt.View(fn)
}

// Sources returns the coverage ledger of every source, by name.
func (db *DB) Sources(ctx context.Context) ([]SourceInfo, error) {
	var out []SourceInfo
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		sources := root(tx, bucketSources)
		c := sources.b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if v != nil {
				continue
			}
			var st sourceState
			if _, err := sources.sub(string(k)).get([]byte(keyState), &st); err != nil {
				return err
			}
			st.Info.Name = string(k)
			var bf Backfill
			if ok, err := sources.sub(string(k)).get([]byte(keyBackfill), &bf); err != nil {
				return err
			} else if ok {
				st.Info.Backfill = bf.String()
			}
			out = append(out, st.Info)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list sources: %w", err)
	}
	return out, nil
}

// Runs returns the newest run-log entries first: of source, or of every
// source when source is empty; at most limit of them unless limit <= 0.
// An entry may stand for several unchanged runs folded into it
// (Run.Count).
func (db *DB) Runs(ctx context.Context, source string, limit int) ([]Run, error) {
	var out []Run
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		runs := root(tx, bucketRuns)
		var c *bbolt.Cursor
		if source == "" {
			c = runs.b.Cursor()
		} else {
			index := root(tx, bucketSources).sub(source).sub(bucketSourceRuns)
			if !index.exists() {
				return nil
			}
			c = index.b.Cursor()
		}
		for k, _ := c.Last(); k != nil && (limit <= 0 || len(out) < limit); k, _ = c.Prev() {
			var r Run
			ok, err := runs.get(k, &r)
			if err != nil {
				return err
			}
			if !ok {
				return &RecordError{Path: "sources/" + source + "/runs/" + showKey(k), Err: fmt.Errorf("%w: indexed run missing from the run log", ErrCorrupt)}
			}
			out = append(out, r)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list runs: %w", err)
	}
	return out, nil
}

// Run returns one run-log entry.
func (db *DB) Run(ctx context.Context, id uint64) (Run, error) {
	var r Run
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		ok, err := root(tx, bucketRuns).get(seq(id), &r)
		if err == nil && !ok {
			err = fmt.Errorf("run %d: %w", id, ErrNotFound)
		}
		return err
	})
	if err != nil {
		return Run{}, fmt.Errorf("read run: %w", err)
	}
	return r, nil
}

// Incident returns every version of one incident. ref is "source/id", or
// an id alone when only one source has it (ErrAmbiguous otherwise).
func (db *DB) Incident(ctx context.Context, ref string) (Record, error) {
	var rec Record
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		sources := root(tx, bucketSources)
		type hit struct{ source, id string }
		var hits []hit
		if src, id, ok := strings.Cut(ref, "/"); ok && sources.sub(src).exists() && incidentsOf(sources.sub(src)).incident(id).exists() {
			hits = append(hits, hit{src, id})
		} else {
			c := sources.b.Cursor()
			for k, v := c.First(); k != nil; k, v = c.Next() {
				if v == nil && sources.sub(string(k)).sub(bucketIncidents).incident(ref).exists() {
					hits = append(hits, hit{string(k), ref})
				}
			}
		}
		switch len(hits) {
		case 0:
			return fmt.Errorf("incident %q: %w", ref, ErrNotFound)
		case 1:
		default:
			var names []string
			for _, h := range hits {
				names = append(names, h.source)
			}
			return fmt.Errorf("incident %q: %w: it is in sources %s; name one as source/id", ref, ErrAmbiguous, strings.Join(names, ", "))
		}
		ib := incidentsOf(sources.sub(hits[0].source)).incident(hits[0].id)
		rec = Record{Source: hits[0].source, ID: hits[0].id}
		var h head
		if _, err := ib.get([]byte(keyHead), &h); err != nil {
			return err
		}
		seen, err := sourceFoldSeen(sources.sub(hits[0].source), root(tx, bucketRuns))
		if err != nil {
			return err
		}
		h.LastSeen = seen.lastSeen(h)
		stored, err := allVersions(ib)
		if err != nil {
			return err
		}
		for i := range stored {
			var next *storedVersion
			if i+1 < len(stored) {
				next = &stored[i+1]
			}
			stored[i].LastSeen = lastSeen(stored[i].Version, next, h)
			rec.Versions = append(rec.Versions, stored[i].Version)
		}
		return nil
	})
	if err != nil {
		return Record{}, fmt.Errorf("read incident: %w", err)
	}
	return rec, nil
}

// allVersions reads every version of the incident in ib, oldest first,
// with the updates each takes from the next filled in: versions 1 to the
// bucket's sequence, wherever each is (rawVersion).
func allVersions(ib bucket) ([]storedVersion, error) {
	var out []storedVersion
	last, err := latestN(ib)
	if err != nil {
		return nil, err
	}
	for n := uint64(1); n <= last; n++ {
		b, key, val := rawVersion(ib, int(n))
		if val == nil {
			return nil, missingVersion(ib, int(n))
		}
		var sv storedVersion
		if err := b.decode(key, val, &sv); err != nil {
			return nil, err
		}
		out = append(out, sv)
	}
	for i := len(out) - 1; i >= 0; i-- {
		var next *storedVersion
		if i+1 < len(out) {
			next = &out[i+1]
		}
		if err := out[i].resolve(next); err != nil {
			return nil, &RecordError{Path: versionPath(ib, i+1), Err: fmt.Errorf("%w: %v", ErrCorrupt, err)}
		}
	}
	return out, nil
}

// Rows streams, in source then id order, the version of every incident
// that f selects: the latest, or the one current at f.AsOf. It holds one
// read transaction while the caller ranges and decodes one record at a
// time, so memory does not grow with the archive. The caller must not
// write to the archive while ranging. An error ends the sequence.
func (db *DB) Rows(ctx context.Context, f Filter) iter.Seq2[Row, error] {
	return func(yield func(Row, error) bool) {
		err := db.view(ctx, func(tx *bbolt.Tx) error {
			sources := root(tx, bucketSources)
			sc := sources.b.Cursor()
			for k, v := sc.First(); k != nil; k, v = sc.Next() {
				if v != nil || (len(f.Source) > 0 && !slices.Contains(f.Source, string(k))) {
					continue
				}
				source := sources.sub(string(k))
				seen, err := sourceFoldSeen(source, root(tx, bucketRuns))
				if err != nil {
					return err
				}
				more, err := db.sourceRows(ctx, incidentsOf(source), seen, f, yield)
				if err != nil || !more {
					return err
				}
			}
			return nil
		})
		if err != nil {
			yield(Row{}, fmt.Errorf("read rows: %w", err))
		}
	}
}

// seenOnly decodes only a version's first-seen time, to find the one
// current at an instant without decoding whole records, and when the
// version it superseded was last seen (binary records only).
type seenOnly struct {
	FirstSeen    time.Time `json:"first_seen"`
	RunID        uint64    `json:"run"`
	prevLastSeen time.Time
}

func (s *seenOnly) decodeBinary(p []byte) error {
	var v Version
	r := reader{s: string(p)}
	s.prevLastSeen, _ = readHeader(&r, &v)
	s.FirstSeen, s.RunID = v.FirstSeen, r.uvarint()
	return r.err
}

// sourceRows yields the selected rows of one source's incidents. It
// reports false when the caller stopped.
func (db *DB) sourceRows(ctx context.Context, incidents bucket, seen foldSeen, f Filter, yield func(Row, error) bool) (bool, error) {
	if !incidents.exists() {
		return true, nil
	}
	stopped := false
	err := eachIncident(incidents, func(_ string, ib bucket, recs flatRecords) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		more, err := db.incidentRow(ib, recs, seen, f, yield)
		if err == nil && !more {
			stopped = true
			return errStop
		}
		return err
	}, nil)
	if stopped {
		return false, nil
	}
	return err == nil, err
}

// incidentRow yields the row f selects of the incident in ib, if any;
// recs are its records when the caller has them. It reports false when
// the caller stopped.
func (db *DB) incidentRow(ib bucket, recs flatRecords, seen foldSeen, f Filter, yield func(Row, error) bool) (bool, error) {
	var rh rowHead
	if ok, err := recs.readHead(ib, &rh); err != nil {
		return false, err
	} else if !ok {
		return false, &RecordError{Path: ib.keyPath([]byte(keyHead)), Err: fmt.Errorf("%w: incident without a head record", ErrCorrupt)}
	}
	h := rh.head
	h.LastSeen = seen.lastSeen(h)
	// Cheap rejections from the head, which describes the latest version.
	if f.AsOf.IsZero() {
		if (h.Deleted && !f.IncludeDeleted) || (f.Kind != "" && h.Kind != f.Kind) || !inWindow(h.FirstUpdate, f) {
			return true, nil
		}
	}
	vb, key, val := ib, seq(uint64(h.N)), recs.latest(h.N)
	if val == nil {
		vb, key, val = rawVersion(ib, h.N)
	}
	sel := h.N              // the selected version
	var next *storedVersion // the version after the selected one
	if !f.AsOf.IsZero() {
		sel, val = 0, nil
		var later seenOnly
		for n := h.N; n >= 1; n-- {
			b, k, v := rawVersion(ib, n)
			if v == nil {
				return false, missingVersion(ib, n)
			}
			var s seenOnly
			if err := b.decode(k, v, &s); err != nil {
				return false, err
			}
			if !s.FirstSeen.After(f.AsOf) {
				vb, key, val, sel = b, k, v, n
				if n < h.N {
					next = &storedVersion{Version: Version{N: n + 1}, prevLastSeen: later.prevLastSeen}
				}
				break
			}
			later = s
		}
		if sel == 0 {
			return true, nil // first seen after AsOf
		}
	}
	if val == nil {
		return false, &RecordError{Path: vb.keyPath(key), Err: fmt.Errorf("%w: the head names a version that is missing", ErrCorrupt)}
	}
	var ver Version
	if sel == h.N {
		var rv rowVersion
		if err := vb.decode(key, val, &rv); err != nil {
			return false, err
		}
		ver = rv.Version
	} else {
		// A superseded version may take updates from the ones after it.
		sv, err := readVersion(ib, sel)
		if err != nil {
			return false, err
		}
		ver = sv.Version
	}
	ver.LastSeen = lastSeen(ver, next, h)
	if (ver.Deleted && !f.IncludeDeleted) || (f.Kind != "" && ver.Incident.Kind != f.Kind) || !inWindow(firstUpdate(ver.Incident), f) {
		return true, nil
	}
	row := Row{Incident: ver.Incident, Version: ver.N, FirstSeen: ver.FirstSeen, LastSeen: ver.LastSeen, Deleted: ver.Deleted}
	if !yield(row, nil) {
		return false, nil
	}
	return true, nil
}

func inWindow(t time.Time, f Filter) bool {
	if f.Since.IsZero() && f.Until.IsZero() {
		return true
	}
	if t.IsZero() {
		return false
	}
	return (f.Since.IsZero() || !t.Before(f.Since)) && (f.Until.IsZero() || t.Before(f.Until))
}

// Changes lists the versions good runs created in f's window, oldest run
// first, each with the version it superseded, for describing what changed.
func (db *DB) Changes(ctx context.Context, f ChangeFilter) ([]VersionChange, error) {
	var out []VersionChange
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		runs := root(tx, bucketRuns)
		sources := root(tx, bucketSources)
		seens := map[string]foldSeen{}
		c := runs.b.Cursor()
		start := seq(f.SinceRun + 1)
		if !f.Since.IsZero() {
			// Runs are recorded in id order by the archive's clock: walk back
			// from the newest to the first one recorded at or after Since.
			var first []byte
			for k, v := c.Last(); k != nil && bytes.Compare(k, start) >= 0; k, v = c.Prev() {
				var r Run
				if err := runs.decode(k, v, &r); err != nil {
					return err
				}
				if r.Recorded.Before(f.Since) {
					break
				}
				first = k
			}
			if first == nil {
				return nil
			}
			start = first
		}
		for k, v := c.Seek(start); k != nil; k, v = c.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			var r Run
			if err := runs.decode(k, v, &r); err != nil {
				return err
			}
			if !r.Good() || (f.Source != "" && r.Source != f.Source) || r.Recorded.Before(f.Since) ||
				len(r.NewIDs)+len(r.ChangedIDs)+len(r.RestoredIDs)+len(r.DeletedIDs) == 0 {
				continue // nothing changed: most entries of a quiet source's log
			}
			incidents := incidentsOf(sources.sub(r.Source))
			seen, ok := seens[r.Source]
			if !ok {
				var err error
				if seen, err = sourceFoldSeen(sources.sub(r.Source), runs); err != nil {
					return err
				}
				seens[r.Source] = seen
			}
			for _, group := range []struct {
				kind ChangeKind
				ids  []string
			}{{ChangeNew, r.NewIDs}, {ChangeChanged, r.ChangedIDs}, {ChangeRestored, r.RestoredIDs}, {ChangeDeleted, r.DeletedIDs}} {
				for _, id := range group.ids {
					ch, err := runChange(incidents.incident(id), seen, r, id, group.kind)
					if err != nil {
						return err
					}
					out = append(out, ch)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("list changes: %w", err)
	}
	return out, nil
}

// runChange finds the version run r made of incident id, and the one
// before it.
func runChange(ib bucket, seen foldSeen, r Run, id string, kind ChangeKind) (VersionChange, error) {
	ch := VersionChange{Source: r.Source, ID: id, Kind: kind, RunID: r.ID}
	if !ib.exists() {
		return ch, &RecordError{Path: ib.String(), Err: fmt.Errorf("%w: run %d names an incident that is missing", ErrCorrupt, r.ID)}
	}
	var h head
	if _, err := ib.get([]byte(keyHead), &h); err != nil {
		return ch, err
	}
	h.LastSeen = seen.lastSeen(h)
	var next *storedVersion // the version after ver
	for n := h.N; n >= 1; n-- {
		b, k, v := rawVersion(ib, n)
		if v == nil {
			return ch, missingVersion(ib, n)
		}
		var s seenOnly
		if err := b.decode(k, v, &s); err != nil {
			return ch, err
		}
		if s.RunID > r.ID {
			next = &storedVersion{Version: Version{N: n}, prevLastSeen: s.prevLastSeen}
			continue
		}
		if s.RunID < r.ID {
			break
		}
		ver, err := readVersion(ib, n)
		if err != nil {
			return ch, err
		}
		ch.Version = ver.Version
		ch.Version.LastSeen = lastSeen(ver.Version, next, h)
		if n > 1 {
			prev, err := readVersionWith(ib, n-1, &ver)
			if err != nil {
				return ch, err
			}
			prev.LastSeen = lastSeen(prev.Version, &ver, h)
			ch.Previous = &prev.Version
		}
		return ch, nil
	}
	return ch, &RecordError{Path: ib.String(), Err: fmt.Errorf("%w: no version made by run %d", ErrCorrupt, r.ID)}
}

// Validators returns the ETag and Last-Modified the archive holds for url,
// for a conditional GET; empty strings when it holds none or cannot read
// them (an unconditional GET is always safe).
func (db *DB) Validators(ctx context.Context, url string) (etag, lastModified string) {
	c := db.Conditional(ctx, url)
	return c.ETag, c.LastModified
}

// Conditional returns what a conditional GET of url needs: the validators
// the archive holds and the digest of the page they validate. A zero
// Conditional (fetch unconditionally) when it holds none or cannot read
// them.
func (db *DB) Conditional(ctx context.Context, url string) Conditional {
	var rec validatorRecord
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		vb := root(tx, bucketValidators)
		if !vb.exists() {
			return nil
		}
		_, err := vb.get([]byte(url), &rec)
		return err
	})
	if err != nil {
		db.lg.Warn().Err(err).Str("url", url).Msg("cannot read validators; fetching unconditionally")
		return Conditional{}
	}
	return Conditional{ETag: rec.ETag, LastModified: rec.LastModified, Digest: rec.Digest}
}

// Page returns the raw body stored under its hex SHA-256.
func (db *DB) Page(ctx context.Context, sha string) ([]byte, error) {
	var body []byte
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		body, err = readPage(root(tx, bucketPages), sha)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read page: %w", err)
	}
	return body, nil
}

func readPage(pages bucket, sha string) ([]byte, error) {
	key, err := hex.DecodeString(sha)
	if err != nil || len(key) != sha256.Size {
		return nil, fmt.Errorf("page %q: %w: not a hex SHA-256", sha, ErrNotFound)
	}
	v := pages.b.Get(key)
	if v == nil {
		return nil, fmt.Errorf("page %s: %w", sha, ErrNotFound)
	}
	enc, z, err := pages.open(key, v)
	if err != nil {
		return nil, err
	}
	if enc != encGzip {
		return nil, &RecordError{Path: pages.keyPath(key), Err: fmt.Errorf("%w: encoding %q where gzip was expected", ErrCorrupt, enc)}
	}
	body, err := decompress(z) // copies out of the transaction
	if err != nil {
		return nil, &RecordError{Path: pages.keyPath(key), Err: fmt.Errorf("%w: %v", ErrCorrupt, err)}
	}
	if sum := sha256.Sum256(body); hex.EncodeToString(sum[:]) != sha {
		return nil, &RecordError{Path: pages.keyPath(key), Err: fmt.Errorf("%w: body does not hash to its key", ErrCorrupt)}
	}
	return body, nil
}

// RunPages returns the pages a run fetched, bodies included, in fetch order.
func (db *DB) RunPages(ctx context.Context, runID uint64) ([]StoredPage, error) {
	var pages []StoredPage
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		var err error
		pages, err = runPages(tx, runID)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("read pages of run %d: %w", runID, err)
	}
	return pages, nil
}

func runPages(tx *bbolt.Tx, runID uint64) ([]StoredPage, error) {
	var refs []StoredPage
	ok, err := root(tx, bucketRunPages).get(seq(runID), &refs)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, fmt.Errorf("pages of run %d: %w", runID, ErrNotFound)
	}
	store := root(tx, bucketPages)
	for i := range refs {
		if refs[i].SHA256 == "" {
			continue
		}
		if refs[i].Body, err = readPage(store, refs[i].SHA256); err != nil {
			return nil, err
		}
	}
	return refs, nil
}

// lastGood finds the latest good run of source and reads its pages.
func lastGood(tx *bbolt.Tx, source string) (Run, []StoredPage, error) {
	var st sourceState
	if _, err := root(tx, bucketSources).sub(source).get([]byte(keyState), &st); err != nil {
		return Run{}, nil, err
	}
	if st.Info.LastOKRun == 0 {
		return Run{}, nil, fmt.Errorf("%w: no good run", ErrNotFound)
	}
	var run Run
	if ok, err := root(tx, bucketRuns).get(seq(st.Info.LastOKRun), &run); err != nil {
		return Run{}, nil, err
	} else if !ok {
		return Run{}, nil, &RecordError{Path: "runs/" + showKey(seq(st.Info.LastOKRun)), Err: fmt.Errorf("%w: the source's last good run is missing", ErrCorrupt)}
	}
	pages, err := runPages(tx, run.ID)
	return run, pages, err
}

// Reparse re-derives the records of source (every source when empty) from
// the raw pages of its latest good run, and ingests them as OriginParser
// runs: a version only where the parser's output hash changed, and never a
// tombstone. A source whose parse fails gets a failed run-log entry; the
// others go on. It returns the runs it made.
//
// Each page is parsed as a crawl parses it (PageFormat: the start page in
// the run's format, the others as detected) with parse, or parser.Parse
// when nil, and the pages are merged as a crawl merges them.
func (db *DB) Reparse(ctx context.Context, source string, parse ParseFunc) ([]Run, error) {
	type job struct {
		from  Run
		pages []StoredPage
	}
	var jobs []job
	err := db.view(ctx, func(tx *bbolt.Tx) error {
		sources := root(tx, bucketSources)
		c := sources.b.Cursor()
		for k, v := c.First(); k != nil; k, v = c.Next() {
			if v != nil || (source != "" && string(k) != source) {
				continue
			}
			from, pages, err := lastGood(tx, string(k))
			if errors.Is(err, ErrNotFound) {
				continue
			}
			if err != nil {
				return err
			}
			jobs = append(jobs, job{from, pages})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("reparse: %w", err)
	}
	if source != "" && len(jobs) == 0 {
		return nil, fmt.Errorf("reparse %s: %w: no good run with stored pages", source, ErrNotFound)
	}
	var runs []Run
	var errs []error
	for _, j := range jobs {
		now := db.now().UTC()
		in := RunInput{Source: j.from.Source, URL: j.from.URL, Started: now, Format: j.from.Format, Origin: OriginParser}
		if !j.from.Complete {
			// A run that saw part of the history (an incremental one)
			// re-derives that part: fewer incidents is no drift.
			in.DropThreshold = -1
		}
		incidents, perr := reparsePages(parse, j.from, j.pages)
		in.Finished = db.now().UTC()
		var run Run
		var err error
		if perr != nil {
			run, err = db.RecordFailure(ctx, in, perr)
			if err == nil {
				err = fmt.Errorf("reparse %s: %w", in.Source, perr)
			}
		} else {
			refs := make([]StoredPage, len(j.pages))
			for i, p := range j.pages {
				p.Body = nil
				refs[i] = p
			}
			run, err = db.ingest(ctx, in, incidents, refs, nil)
		}
		if run.ID != 0 {
			runs = append(runs, run)
		}
		if err != nil {
			errs = append(errs, err)
		}
	}
	return runs, joinErrs(errs)
}

// reparsePages parses a run's stored pages with today's parser, as the run
// did, and merges them.
func reparsePages(parse ParseFunc, from Run, stored []StoredPage) ([]parser.Incident, error) {
	var pages []*parser.Page
	var errs []error
	for i, p := range stored {
		if len(p.Body) == 0 {
			continue
		}
		doc := parser.Document{Source: from.Source, URL: p.URL, ContentType: p.Header.Get("Content-Type"), Body: p.Body}
		page, err := parseAs(parse, doc, i == 0, from.Format)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		pages = append(pages, page)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return parser.Merge(pages), nil
}

func joinErrs(errs []error) error {
	if len(errs) == 0 {
		return nil
	}
	return errors.Join(errs...)
}

// claimRunsScanned bounds how far back LatestClaims searches the run log.
const claimRunsScanned = 50

// LatestClaims returns the claims the start page of the source's latest
// good run that had any made about itself ("44 outages in the last 2
// years"), and when that run recorded them; nil when none of its last 50
// run-log entries had any.
func (db *DB) LatestClaims(ctx context.Context, source string) (*parser.Claims, time.Time, error) {
	runs, err := db.Runs(ctx, source, claimRunsScanned)
	if err != nil {
		return nil, time.Time{}, err
	}
	for _, r := range runs {
		if r.Good() && r.Claims != nil {
			return r.Claims, r.Latest().Recorded, nil
		}
	}
	return nil, time.Time{}, nil
}
