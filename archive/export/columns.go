package export

import (
	"fmt"
	"slices"

	"github.com/statusarchive/statusarchive/parser"
)

// SchemaVersion is the version of the column sets below. Columns are only
// ever added, after the existing ones; a removal or rename would bump it.
const SchemaVersion = "1"

// Table names one export table.
type Table string

// Tables.
const (
	TableIncidents  Table = "incidents"  // one incident version a row
	TableUpdates    Table = "updates"    // one update a row
	TableComponents Table = "components" // one affected component a row
	TableMonthly    Table = "monthly"    // one source-month a row, from stats
)

// Tables lists every table in documentation order.
func Tables() []Table {
	return []Table{TableIncidents, TableUpdates, TableComponents, TableMonthly}
}

// Format names an output format.
type Format string

// Formats.
const (
	FormatCSV    Format = "csv"    // RFC 4180, CRLF, a header row, UTF-8 with a BOM by default
	FormatJSON   Format = "json"   // one array of objects
	FormatNDJSON Format = "ndjson" // one object a line
)

// ParseTable returns the table named s.
func ParseTable(s string) (Table, error) {
	if t := Table(s); slices.Contains(Tables(), t) {
		return t, nil
	}
	return "", fmt.Errorf("%w: table %q: want one of %v", ErrUnknown, s, Tables())
}

// ParseFormat returns the format named s.
func ParseFormat(s string) (Format, error) {
	switch f := Format(s); f {
	case FormatCSV, FormatJSON, FormatNDJSON:
		return f, nil
	}
	return "", fmt.Errorf("%w: format %q: want csv, json or ndjson", ErrUnknown, s)
}

// Column types.
const (
	TypeString  = "string"
	TypeInteger = "integer"
	TypeNumber  = "number"
	TypeBoolean = "boolean"
	TypeTime    = "time"    // RFC 3339 in UTC, to the second: 2026-06-22T13:35:00Z
	TypeList    = "list"    // JSON: an array of strings; CSV: the strings joined by "; "
	TypeUpdates = "updates" // JSON only: an array of update objects
)

// Column describes one column of a table.
type Column struct {
	Name        string
	Type        string
	Description string
	// JSONOnly columns appear in JSON and NDJSON but not in CSV.
	JSONOnly bool
}

var columns = map[Table][]Column{
	TableIncidents: {
		{Name: "source", Type: TypeString, Description: "The source's name in the archive."},
		{Name: "id", Type: TypeString, Description: "The incident's id: the page's own, or a stable one derived from source, title and first update."},
		{Name: "title", Type: TypeString, Description: "The title as the page wrote it."},
		{Name: "url", Type: TypeString, Description: "The incident's own page, when known."},
		{Name: "impact", Type: TypeString, Description: "Normalised impact: none, minor, major, critical or maintenance; empty when the page gives none."},
		{Name: "status", Type: TypeString, Description: "Normalised status of the incident (its latest state), e.g. investigating, resolved, postmortem."},
		{Name: "started_at", Type: TypeTime, Description: "When the impact began, from the source named in duration_source (for none, the only post's time); empty when unknown."},
		{Name: "resolved_at", Type: TypeTime, Description: "When the impact ended; empty while the incident is open or when only one post exists and nothing is stated."},
		{Name: "duration_minutes", Type: TypeNumber, Description: "resolved_at minus started_at in minutes (two decimals at most); empty when either is empty."},
		{Name: "first_seen", Type: TypeTime, Description: "When the archive first saw this version."},
		{Name: "last_seen", Type: TypeTime, Description: "When the archive last saw this version."},
		{Name: "version", Type: TypeInteger, Description: "The version's number in the archive, 1 for the first."},
		{Name: "updates", Type: TypeUpdates, JSONOnly: true, Description: "The timeline, oldest first; each update has status, raw_status, at, at_text and text (the updates table's columns of the same names)."},
		{Name: "update_count", Type: TypeInteger, Description: "The number of updates this version holds."},
		{Name: "kind", Type: TypeString, Description: "incident or maintenance."},
		{Name: "impact_raw", Type: TypeString, Description: "The impact as the page wrote it."},
		{Name: "status_raw", Type: TypeString, Description: "The status as the page wrote it."},
		{Name: "duration_source", Type: TypeString, Description: "Where started_at and resolved_at come from: stated-window (the vendor's words), started-resolved (the page's fields), updates (first to resolving update) or none."},
		{Name: "duration_text", Type: TypeString, Description: "The vendor's words a stated window was read from."},
		{Name: "open", Type: TypeBoolean, Description: "true while the incident is unresolved and no end is stated."},
		{Name: "deleted", Type: TypeBoolean, Description: "true when this version records that the incident vanished from its source."},
		{Name: "components", Type: TypeList, Description: "Names of the affected components, in the page's order."},
		{Name: "scheduled_for", Type: TypeTime, Description: "Start of a maintenance window, as the page schedules it."},
		{Name: "scheduled_until", Type: TypeTime, Description: "End of a maintenance window, as the page schedules it."},
		{Name: "partial", Type: TypeBoolean, Description: "true when the page showed only part of the timeline (fewer updates than it claims)."},
		{Name: "truncated", Type: TypeBoolean, Description: fmt.Sprintf("true when the title was longer than %d bytes or an update's body longer than %d KiB, and was cut there, ending in %q.", parser.MaxTitle, parser.MaxBody>>10, parser.TruncationMarker)},
		{Name: "incomplete", Type: TypeBoolean, Description: "true when this version is a list page's record kept because the incident's own page could not be parsed."},
	},
	TableUpdates: {
		{Name: "source", Type: TypeString, Description: "The source's name in the archive."},
		{Name: "incident_id", Type: TypeString, Description: "The incident's id (incidents.id)."},
		{Name: "position", Type: TypeInteger, Description: "The update's place in the timeline, 1 for the oldest."},
		{Name: "status", Type: TypeString, Description: "Normalised status the update reports; empty when the page's word is unknown."},
		{Name: "at", Type: TypeTime, Description: "When the update was posted."},
		{Name: "text", Type: TypeString, Description: "The update's body."},
		{Name: "raw_status", Type: TypeString, Description: "The status word as the page wrote it."},
		{Name: "at_text", Type: TypeString, Description: "The time as the page wrote it."},
		{Name: "components", Type: TypeList, Description: "Components the update names."},
		{Name: "version", Type: TypeInteger, Description: "The incident version the update belongs to (incidents.version)."},
	},
	TableComponents: {
		{Name: "source", Type: TypeString, Description: "The source's name in the archive."},
		{Name: "incident_id", Type: TypeString, Description: "The incident's id (incidents.id)."},
		{Name: "name", Type: TypeString, Description: "The component's name."},
		{Name: "status", Type: TypeString, Description: "Normalised component status: operational, degraded_performance, partial_outage, major_outage or under_maintenance."},
		{Name: "status_raw", Type: TypeString, Description: "The component status as the page wrote it."},
		{Name: "version", Type: TypeInteger, Description: "The incident version (incidents.version)."},
	},
	TableMonthly: {
		{Name: "source", Type: TypeString, Description: "The source's name in the archive."},
		{Name: "month", Type: TypeString, Description: "The calendar month in UTC, YYYY-MM."},
		{Name: "incidents", Type: TypeInteger, Description: "Incidents starting in the month, maintenance excluded."},
		{Name: "maintenance", Type: TypeInteger, Description: "Maintenance starting in the month."},
		{Name: "downtime_minutes", Type: TypeNumber, Description: "The plain sum of the durations of the month's incidents, in minutes (see docs/stats.md)."},
	},
}

// Columns returns table's columns in output order, or nil for an unknown
// table. The slice is a copy.
func Columns(table Table) []Column { return slices.Clone(columns[table]) }
