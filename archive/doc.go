// Package archive keeps every version of every incident statusarchive has
// scraped, with the raw pages they came from and a log of every run, in one
// bbolt file. It is the only package that imports bbolt.
//
// # Using it
//
// Open an archive (ErrLocked, ErrNotArchive, ErrSchema tell why not), run
// each scrape as a Crawl, read with Sources, Runs, Incident, Rows and
// Changes, and keep it sound with Check, Backup and Compact. Every write
// is one bbolt transaction, synced before it returns.
//
// A Crawl owns the rules of a run. Begin reads, in one short transaction,
// the validators the source's earlier runs kept; the archive can then be
// closed while the caller fetches over the network, so that other
// processes read and write it meanwhile. Visit takes each fetched page:
// it parses it (PageFormat: the start page in the run's format, the rest
// as detected, the rule Reparse follows too), or for a 304 stands the
// digest of what the page parsed to last time in for it, and returns the
// pages to fetch next. Commit decides whether the run is Complete or a
// Snapshot, merges the pages, keeps an incident whose own page failed as
// its list showed it, marked incomplete (parser.Incident.Partial; never a
// version that takes updates away from a complete one), groups the run's
// failures by cause (Run.Causes), counts an incident only 304 pages showed as a sighting of
// its archived version (nothing parsed, merged or hashed again), and
// ingests it all in one write transaction. Ingest takes records that are
// already merged.
//
// # Layout
//
// Keys are bytes; "#n" below is n as an 8-byte big-endian integer, so that
// cursors scan in numeric order. Values are envelopes (see below).
//
//	meta/                                  what this file is
//	    format             JSON {magic "statusarchive", schema, created}
//	sources/                               one bucket per source, by name
//	    <source>/
//	        state          JSON coverage ledger (SourceInfo) and what the
//	                       drift guard compares with: the incident count of
//	                       the last good run and, per start URL, of the last
//	                       good complete run
//	        backfill       JSON Backfill: the pages a cut-short run left
//	                       pending and those that failed (the next run
//	                       fetches them first), whether the backfill is
//	                       done, the history's list pages in walk order
//	                       and the sweep's position; read by Begin,
//	                       written with the run by Commit
//	        runs/          index of the source's run-log entries
//	            #run       no payload
//	        pages/         the URLs its runs kept validators for (Begin
//	            <url>      reads only these); no payload
//	        incidents/     each incident's two records (schema 3), keyed
//	                       by the parser's id (its NUL bytes as NUL 0xFF),
//	                       NUL 0x01, then the record's own key, so that
//	                       one cursor walks the incidents in id order;
//	                       shown as <id>/head and <id>/#n. Schemas 1 and 2
//	                       gave each incident a bucket named by its id,
//	                       its sequence the latest version number, with
//	                       the same keys inside: read as they are, made
//	                       flat by Compact (see incidents.go)
//	            <id>·head  binary {n, hash, first_seen, last_seen,
//	                       last_run, deleted, kind, first_update,
//	                       updates} (JSON in archives written before):
//	                       where the history stands; an unchanged
//	                       sighting rewrites only this, and a folded run
//	                       that saw what its entry saw not even this
//	            <id>·#n    binary Version {n, hash, first_seen, last_seen,
//	                       previous_last_seen, run, page_url, origin,
//	                       deleted, incident} (JSON before): the latest
//	                       version, the parser.Incident as last seen, stored
//	                       whole; a tombstone (deleted) repeats the last
//	                       content. Archives of schema 1 keep every version
//	                       here (#1, #2, …), and are read as they are; the
//	                       incident's next version moves them to history,
//	                       and Compact moves them all in its copy
//	        history/       the source's superseded versions (schema 2)
//	            <id>#n     a Version a later one superseded, keyed by the
//	                       incident's id and n as 8 bytes: moved here when
//	                       the next is written, stored relative to it when
//	                       the two share updates (those updates as positions
//	                       in the next), else whole. last_seen of the latest
//	                       version is the head's, of a superseded one the
//	                       next version's previous_last_seen (or its own, in
//	                       records written before). See history.go and
//	                       binary.go.
//	runs/                                  the run log, every source
//	    #run               JSON Run: outcome, counts, the ids it created
//	                       versions for, error and failures; for an entry
//	                       that unchanged runs folded into, how many
//	                       (folded) and the latest one's times
//	                       (last_started, last_finished, last_recorded),
//	                       how many were complete and the latest of those
//	                       (complete_runs, last_complete);
//	                       same_sightings when those runs left the heads
//	                       they saw unwritten (see below)
//	pages/                                 raw bodies, each stored once
//	    <sha256>           gzip of the body, keyed by the 32-byte SHA-256
//	                       of the uncompressed body
//	runpages/
//	    #run               JSON [StoredPage]: url, status, kept headers,
//	                       fetched_at, sha256, size, in fetch order; a 304
//	                       page names the body its validators were kept with
//	validators/
//	    <url>              JSON {etag, last_modified, run, digest, sha256,
//	                       size}: for the next run's conditional GET; digest
//	                       is what the page parsed to, sha256 and size are
//	                       its body's
//
//	outbox/                                notifications not yet delivered
//	    #id                JSON Notification: event, source, incident,
//	                       versions, the rendered webhook payload and
//	                       Slack text, attempts, next_attempt, last_error,
//	                       the webhooks that acknowledged it
//	outbox_dead/                           notifications given up on
//	    #id                JSON Notification with gave_up; the latest
//	                       1000 are kept
//
// Run ids come from the runs bucket's sequence and version numbers from
// each head (an incident bucket's sequence in schemas 1 and 2), so both
// only grow. Check verifies that versions 1 to the head's are each stored
// once, the latest beside the head, and that history holds only
// superseded versions of archived incidents.
//
// A run that finds its source unchanged (a good vendor run that made no
// version or tombstone, had no failure, and fetched the same pages with
// the same statuses and bodies as the source's latest entry, itself such
// a run of the same start URL and format) gets no id, entry, page list or
// index entry of its own: it folds into that entry, which counts it
// (Run.Folded) and keeps its times, and how many of its runs were complete
// and when the latest of those was (complete_runs, last_complete). It moves the heads of what it saw
// (last_seen; last_run names the entry) and the source's state, unless it
// saw exactly the incidents the entry's first run saw (same_sightings):
// then the heads are left as that run wrote them, and a head whose
// last_run is the source's latest entry, marked so, was last seen at the
// entry's last_recorded. Readers resolve last_seen through the source's
// latest entry only: any run that does not fold in this way first writes
// that time into the heads naming the entry. Any other run keeps an entry
// of its own: each failure is evidence. See fold.go. Sequential keys, the
// incidents buckets and the history buckets are written with FillPercent
// 0.9.
//
// # Envelopes
//
// bbolt checksums only its two meta pages, so every value carries its own:
//
//	[4] CRC-32C, big-endian, over the bucket path, the key, the encoding
//	    byte and the payload
//	[1] encoding: 'j' JSON, 'd' DEFLATE-compressed JSON, 'b' binary, 'B'
//	    DEFLATE-compressed binary, 'z' gzip, 'n' no payload
//	[…] payload
//
// Every read verifies it; a mismatch is ErrCorrupt in a RecordError that
// names the key. Check verifies every value in the file, and decodes every
// version (resolving relative ones). JSON over 256 bytes is stored
// deflated when that is smaller; binary over 768 bytes when that saves an
// eighth. A typical incident's head and latest version fit in about 800
// bytes, many incidents to a page (about 1 KiB of file per incident).
// Superseded versions move to the source's history bucket, many to a page,
// so that an incident takes the same room however many versions it has.
//
// # Versions, deletions and the drift guard
//
// An incident's identity is its source and id; its content is
// parser.Incident.Hash. A run that sees an unchanged hash moves only
// last_seen; a new id gets version 1; a changed hash gets one new version.
// Only a Complete vendor run infers deletions: each live incident it did not
// see gets a tombstone version. An incident seen again after its tombstone
// gets a new normal version ("restored"). Reparse runs (OriginParser) never
// tombstone and never move last_seen: only the vendor's page is a sighting
// (an incident first found by a reparse is last seen by it).
//
// Before writing anything, Ingest refuses a run whose records fail
// Validate (outcome "failed") and one the drift guard finds suspect
// (outcome "suspect"): zero incidents where the last good run had some; a
// count at or below DropThreshold (default half) of the last good complete
// run of the same URL, when at least two incidents are missing; more than
// half the records without any update. A Snapshot run (a summary of what is
// open now) skips the count guards. A refused run writes its run-log entry
// and nothing else.
//
// Deletions are inferred only from a Complete vendor run, and only for
// incidents inside the span it covered: first update at or after the
// earliest first update the run saw. An incident older than that has
// scrolled off a windowed list; it was not deleted. An incident with no
// times at all is never inferred deleted.
//
// # Notifications
//
// A vendor run of a source that has had a good run before queues, in its
// own transaction, one outbox entry per incident it gave a version that a
// reader would see as news: new_incident, new_update, edited, deleted,
// restored. The Options.Announce function (archive/notify.Announce, which
// asks diff.Classify) names the event and writes the text; the root
// imports none of its sub-packages. The first good run of a source is its
// baseline and queues nothing; reparse runs and refused runs queue nothing.
// The daemon adds its own (stale, recovered) with Notify. Delivery
// (archive/notify.Round) reads due entries with Outbox, posts them without
// holding the archive, and reports back with Delivered (the entry is
// deleted), Retry (attempts, next attempt, error, webhooks that did
// acknowledge it) or Abandon (moved to outbox_dead). A change is thus never lost and, unless the process
// dies between a webhook's answer and Delivered, never sent twice; the
// notification's id, which only grows, and its payload make the key a
// receiver dedupes that case on (notify.DeliveryID). The outbox buckets
// are created by the first write that needs them.
//
// # Times
//
// first_seen and last_seen are the archive's clock (Options.Now) when the
// run was ingested; the run's own Started and Finished are kept in the log.
//
// # Crash safety and its limits
//
// Open takes bbolt's file lock with a timeout (never waiting forever) and
// never uses NoSync or NoGrowSync. A new archive is built under a temporary
// name and linked into place, so an empty file is never ours and is refused
// like any other foreign file. After each commit the transaction id is
// written to "<archive>.txid"; an archive found behind it has lost commits
// (bbolt silently falls back to its older meta page when the newer is torn)
// and Open logs a warning and Check reports ErrRolledBack. Locks do not
// work on NFS: keep archives on local disks. A damaged file can fault the
// process inside bbolt's memory map: run Check on untrusted files in a
// child process.
package archive
