package archive

import (
	"crypto/sha256"
	"fmt"
	"net/http"
	"time"

	"github.com/statusarchive/statusarchive/parser"
)

// Origin says where a version came from.
type Origin string

// Origins of a version.
const (
	// OriginVendor is a scrape: the vendor's page said this.
	OriginVendor Origin = "vendor"
	// OriginParser is a reparse of stored pages: our parser now reads them
	// differently. The vendor said nothing new.
	OriginParser Origin = "parser"
)

// Outcomes of a run.
const (
	OutcomeOK      = "ok"      // ingested
	OutcomePartial = "partial" // ingested, but parts of the crawl failed: no deletions inferred
	OutcomeFailed  = "failed"  // nothing ingested: the crawl or the records failed
	OutcomeSuspect = "suspect" // nothing ingested: refused by the drift guard
)

// PageInput is one fetched page of a run, as the scraper got it.
type PageInput struct {
	URL string // where the body came from, after redirects
	// Requested is the URL that was asked for, when it differs from URL;
	// validators are kept under it, since the next run asks for it again.
	Requested string
	Status    int // 304 for a page the server said has not changed
	Header    http.Header
	FetchedAt time.Time
	Body      []byte
	// Digest is what the page parsed to, kept with its validators so that
	// when the server next answers 304 Not Modified the run can go on
	// without the body and without parsing it.
	Digest *PageDigest

	// sum is the body's SHA-256 and input what the page was parsed from
	// (inputKey), both set by Crawl.Visit for a 2xx page; input is kept
	// with the digest so that a later body byte-identical to this one,
	// read the same way, stands for it as a 304 does.
	sum   *[sha256.Size]byte
	input string
}

// PageDigest is what a page parsed to, in brief: enough to stand in for it
// when its server answers 304 Not Modified.
type PageDigest struct {
	IDs    []string        `json:"ids,omitempty"`    // the incidents it showed, in order
	Follow []parser.Follow `json:"follow,omitempty"` // the pages it led to
	Scope  parser.Scope    `json:"scope,omitempty"`
	Claims *parser.Claims  `json:"claims,omitempty"`
	// Active are the incidents it showed open or recently resolved when
	// it was parsed, each with when it stops counting as recently
	// resolved (the zero time: while it is open), so that a page answered
	// 304 still leads to their own pages. Absent in digests kept before.
	Active map[string]time.Time `json:"active,omitempty"`
}

// Conditional is what a conditional GET of a URL needs: the validators to
// send, and the digest of the page they validate.
type Conditional struct {
	ETag         string
	LastModified string
	Digest       *PageDigest // nil when the archive holds none
	// input is what the digest was parsed from (inputKey): a fetched page
	// with the same input is unchanged, validators or none.
	input string
}

// RunInput describes one scrape (or reparse) of one source.
type RunInput struct {
	Source   string
	URL      string // the start URL: the drift guard compares runs of the same URL
	Started  time.Time
	Finished time.Time
	Format   string
	Pages    []PageInput
	// Complete means the whole source was crawled without failure and
	// without hitting a cap: only then may deletions be inferred. A run
	// with Failures is never complete.
	Complete bool
	// Snapshot means the pages show only what is current (a summary of open
	// incidents and upcoming maintenance): an empty or shrinking result is
	// normal there, so the count guards do not apply, and nothing is ever
	// inferred deleted from it.
	Snapshot bool
	Failures []string // what went wrong in a run that still has records: outcome "partial"
	Causes   []Cause  // Failures grouped by cause
	Origin   Origin   // OriginVendor when empty
	// Claims are what the start page says about itself ("44 outages in the
	// last 2 years"), kept with the run so that figures computed from the
	// archive can be set beside them.
	Claims *parser.Claims
	// DropThreshold overrides Options.DropThreshold for this run: 0 keeps
	// the archive's, a negative value turns the count-drop guard off.
	DropThreshold float64

	// backfill is written with the run when it is archived (a Crawl's).
	backfill *Backfill
}

// Run is one entry of the run log.
type Run struct {
	ID       uint64    `json:"id"`
	Source   string    `json:"source"`
	URL      string    `json:"url"`
	Started  time.Time `json:"started,omitzero"`
	Finished time.Time `json:"finished,omitzero"`
	// Recorded is when the archive wrote the entry, by its own clock. It is
	// the first or last seen time of what the run saw.
	Recorded  time.Time `json:"recorded"`
	Format    string    `json:"format,omitempty"`
	Origin    Origin    `json:"origin"`
	Complete  bool      `json:"complete"`
	Outcome   string    `json:"outcome"`
	Pages     int       `json:"pages"`
	Incidents int       `json:"incidents"`
	Updates   int       `json:"updates"`
	New       int       `json:"new"`
	Changed   int       `json:"changed"`
	Restored  int       `json:"restored"` // reappeared after a tombstone
	Unchanged int       `json:"unchanged"`
	Deleted   int       `json:"deleted"`
	Error     string    `json:"error,omitempty"`
	Failures  []string  `json:"failures,omitempty"`
	Causes    []Cause   `json:"causes,omitempty"` // Failures grouped by cause
	// Left is how many pages the source's backfill had left when the run
	// ended (Backfill.Pending).
	Left int `json:"backfill_left,omitempty"`
	// Claims are the start page's claims about itself, when it makes any.
	Claims *parser.Claims `json:"claims,omitempty"`

	NewIDs      []string `json:"new_ids,omitempty"`
	ChangedIDs  []string `json:"changed_ids,omitempty"`
	RestoredIDs []string `json:"restored_ids,omitempty"`
	DeletedIDs  []string `json:"deleted_ids,omitempty"`

	// Folded is how many later runs were folded into this entry: runs of
	// the same source that followed it and found it all as it was (see
	// DB.Ingest), each counted here instead of written as an entry of
	// its own. The entry stands for Folded+1 runs (Count); Started,
	// Finished and Recorded are the first's, LastStarted, LastFinished
	// and LastRecorded the latest's. Entries written before runs were
	// folded have none and stand for one run.
	Folded       int       `json:"folded,omitempty"`
	LastStarted  time.Time `json:"last_started,omitzero"`
	LastFinished time.Time `json:"last_finished,omitzero"`
	LastRecorded time.Time `json:"last_recorded,omitzero"`
	// SameSightings marks an unchanged run's entry whose folded runs all
	// saw the incidents its first run saw, and no other: they left those
	// incidents' heads as the first run wrote them, and an incident whose
	// head names this entry as its last run was last seen at LastRecorded
	// (see fold.go).
	SameSightings bool `json:"same_sightings,omitempty"`
	// CompleteRuns is, for an entry that runs were folded into, how many
	// of the runs it stands for were complete (every page of the history
	// crawled), its first included, and LastComplete when the latest of
	// them was recorded. Complete is the first run's. Entries with no
	// count stand for runs all as complete as their first.
	CompleteRuns int       `json:"complete_runs,omitempty"`
	LastComplete time.Time `json:"last_complete,omitzero"`
}

// Good reports whether the run's records were ingested.
func (r Run) Good() bool { return r.Outcome == OutcomeOK || r.Outcome == OutcomePartial }

// Count is how many runs the entry stands for: 1, or 1 + Folded.
func (r Run) Count() int { return 1 + max(r.Folded, 0) }

// Completes is how many of the runs the entry stands for were complete
// (every page of the history crawled), and when the latest of them was
// recorded; 0 and the zero time when none was.
func (r Run) Completes() (int, time.Time) {
	switch {
	case r.CompleteRuns > 0:
		return r.CompleteRuns, r.LastComplete
	case r.Complete:
		// An entry without the count: all its runs were as complete as
		// its first (see CompleteRuns).
		return r.Count(), r.Latest().Recorded
	}
	return 0, time.Time{}
}

// Latest is the entry as its latest run: with the times of the last run
// folded into it, if any.
func (r Run) Latest() Run {
	if r.Folded > 0 {
		r.Started, r.Finished, r.Recorded = r.LastStarted, r.LastFinished, r.LastRecorded
	}
	return r
}

// Version is one stored version of an incident.
type Version struct {
	N         int             `json:"n"`
	Hash      string          `json:"hash"`
	FirstSeen time.Time       `json:"first_seen"`
	LastSeen  time.Time       `json:"last_seen"`
	RunID     uint64          `json:"run"`
	PageURL   string          `json:"page_url,omitempty"`
	Origin    Origin          `json:"origin"`
	Deleted   bool            `json:"deleted,omitempty"`
	Incident  parser.Incident `json:"incident"`
}

// Record is every version of one incident, oldest first.
type Record struct {
	Source   string
	ID       string
	Versions []Version
}

// Latest returns the newest version, or the zero Version when there is none.
func (r Record) Latest() Version {
	if len(r.Versions) == 0 {
		return Version{}
	}
	return r.Versions[len(r.Versions)-1]
}

// AsOf returns the record as the archive knew it at t: the versions first
// seen at or before t. An incident first seen after t is ErrNotFound.
func (r Record) AsOf(t time.Time) (Record, error) {
	out := Record{Source: r.Source, ID: r.ID}
	for _, v := range r.Versions {
		if !v.FirstSeen.After(t) {
			out.Versions = append(out.Versions, v)
		}
	}
	switch {
	case len(r.Versions) == 0:
		return out, fmt.Errorf("%s/%s as of %s: %w: no versions", r.Source, r.ID, t.UTC().Format(time.RFC3339), ErrNotFound)
	case len(out.Versions) == 0:
		return out, fmt.Errorf("%s/%s as of %s: %w: first seen %s", r.Source, r.ID, t.UTC().Format(time.RFC3339), ErrNotFound, r.Versions[0].FirstSeen.UTC().Format(time.RFC3339))
	}
	return out, nil
}

// SourceInfo is the coverage ledger of one source: what the archive holds
// for it and how its runs went.
type SourceInfo struct {
	Name string `json:"name"`
	// Backfill is the state of the source's history backfill (Backfill's
	// String): "complete", "N pages left", or "" before any crawl. Sources
	// fills it in; it is not kept with the source's state.
	Backfill     string    `json:"backfill,omitempty"`
	FirstOK      time.Time `json:"first_ok,omitzero"` // the first good run
	FirstOKRun   uint64    `json:"first_ok_run,omitempty"`
	LastOK       time.Time `json:"last_ok,omitzero"` // the latest good run
	LastOKRun    uint64    `json:"last_ok_run,omitempty"`
	LastRun      uint64    `json:"last_run"`
	LastRunAt    time.Time `json:"last_run_at,omitzero"`
	LastOutcome  string    `json:"last_outcome"`
	Runs         int       `json:"runs"`
	Failed       int       `json:"failed"`
	Suspect      int       `json:"suspect"`
	Incidents    int       `json:"incidents"` // incidents ever archived, tombstoned ones included
	Live         int       `json:"live"`      // incidents whose latest version is not a tombstone
	Versions     int       `json:"versions"`
	OldestUpdate time.Time `json:"oldest_update,omitzero"` // the earliest first-update time of any incident
	NewestUpdate time.Time `json:"newest_update,omitzero"` // the latest first-update time of any incident
}

// Filter selects the rows Rows yields.
type Filter struct {
	Source []string    // sources to include; all when empty
	Kind   parser.Kind // "" for all
	// Since and Until bound the incident's first update time (its stated
	// start when it has no updates): Since <= t < Until. Zero means open.
	Since, Until time.Time
	// AsOf selects the version that was current at that instant: the newest
	// whose FirstSeen is not after it. Incidents first seen later are absent.
	// Zero means now: the latest version.
	AsOf           time.Time
	IncludeDeleted bool // include incidents whose selected version is a tombstone
}

// ChangeKind says what a version did to its incident.
type ChangeKind string

// Kinds of change.
const (
	ChangeNew      ChangeKind = "new"
	ChangeChanged  ChangeKind = "changed"
	ChangeDeleted  ChangeKind = "deleted"
	ChangeRestored ChangeKind = "restored"
)

// ChangeFilter selects the versions Changes lists: those created by good
// runs of Source (all when empty) with an id above SinceRun, recorded at or
// after Since.
type ChangeFilter struct {
	Source   string
	Since    time.Time
	SinceRun uint64
}

// VersionChange is one version a run created, with the version it replaced.
type VersionChange struct {
	Source   string
	ID       string
	Kind     ChangeKind
	RunID    uint64
	Version  Version
	Previous *Version // nil for a new incident
}

// StoredPage is a raw page as a run fetched it, for reparsing.
type StoredPage struct {
	URL       string      `json:"url"`
	Status    int         `json:"status"`
	Header    http.Header `json:"header,omitempty"`
	FetchedAt time.Time   `json:"fetched_at,omitzero"`
	SHA256    string      `json:"sha256,omitempty"` // hex; for a 304, the body it confirmed; empty for none
	Size      int         `json:"size"`
	Body      []byte      `json:"-"`
}

// Row is one archived incident version as readers (exports, stats,
// reports) see it: the record and what the archive knows about it.
type Row struct {
	Incident  parser.Incident
	Version   int       // 1 for the first version the archive kept
	FirstSeen time.Time // when this version was first seen
	LastSeen  time.Time // when this version was last seen
	Deleted   bool      // the version is a tombstone: the incident vanished from a fully crawled source
}
