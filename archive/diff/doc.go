// Package diff explains what changed between two versions of an incident
// and renders the changes report. It is pure: no storage, no clock, no
// logging; output goes to an io.Writer.
//
// Incidents compares two versions field by field and matches their updates,
// so that a vendor editing a post shows as one edit (with a word diff of
// the body) and moving a post's time shows as a move, not as a removal and
// an addition. WordDiff is the word-level diff it uses; Unified renders one
// inline as "[-old words-]{+new words+}". Classify names the kind of change
// a new version is, for the report that WriteReport (text) and
// WriteReportJSON write. SafeText makes scraped text safe for a terminal;
// every renderer here uses it, and the CLI should too.
//
// # JSON keys
//
// Keys are snake_case and stable. Empty lists and zero values are left out
// ("absent" means "no change" or "not known").
//
// Diff:
//
//	fields       FieldChange list incident fields that changed
//	components   ComponentChanges components added, removed or restatused
//	updates      UpdateChange list updates added, removed or changed, by time
//
// FieldChange:
//
//	field  title | kind | impact | status | url | started | resolved |
//	       scheduled_for | scheduled_until (a component's name inside
//	       components.changed)
//	from   the older value as text: times in RFC 3339 UTC, "" when absent
//	to     the newer value, likewise
//
// ComponentChanges: added, removed (lists of names); changed (a list of
// FieldChange).
//
// UpdateChange:
//
//	kind       added | removed | edited | moved | restatused
//	index      position, oldest first, in the version it belongs to (the
//	           older one for removed, else the newer one)
//	at         the update's time (RFC 3339)
//	from, to   the update in the older and newer version (parser.Update
//	           keys: status, status_raw, at {at, text}, body, components)
//	body_diff  list of {op: equal | delete | insert, text: words joined by spaces}
//	moved_ns   how far the update's time moved, in nanoseconds (to − from)
//
// Report (WriteReportJSON): since (RFC 3339, absent for "since the previous
// run"), count, changes (a list of Change, in report order).
//
// Change:
//
//	source, id, title
//	kind          new_incident | new_update | edited | deleted | restored |
//	              parser_change
//	version       the new version's number
//	prev_version  the version it is compared with; 0 for a new incident
//	at            when the archive saw the new version
//	last_seen     for a deletion, when the incident was last seen
//	origin        vendor | parser
//	diff          Diff; absent for a new or deleted incident
//	incident      the new version itself, when the caller supplies it
package diff
