// Package export writes archived incidents as CSV, JSON and NDJSON tables
// (incidents, updates, components, and stats' monthly figures) with
// documented, stable, versioned column sets: Columns is the single source
// of the column names, their order and their meaning, and docs/export.md
// is generated from it (a test fails when it is stale).
//
// Exports stream: Write takes an iterator of rows and holds one row at a
// time, so memory stays flat however many rows the archive yields; JSON
// arrays are written element by element.
//
// Times are RFC 3339 in UTC. An empty or unknown value is JSON null or an
// empty CSV cell, never a sentinel. started_at, resolved_at and
// duration_minutes come from stats.SpanOf, and duration_source names their
// source.
//
// CSV is made safe for spreadsheets by default (OWASP CSV injection and
// Excel's limits): text cells are always quoted; a cell that could start a
// formula (= + - @ TAB CR LF and the full-width ＝ ＋ － ＠, also after
// leading spaces) gets a leading '; NUL bytes are removed and invalid
// UTF-8 replaced; line feeds past the 253rd become spaces; cells are cut
// at 32,767 characters with a visible "…[truncated]"; more rows than a
// sheet holds is an error (ErrTooManyRows). The file starts with a UTF-8
// BOM and ends lines with CRLF. Options.Raw turns the spreadsheet safety
// off for programs that want the exact text; Options.NoBOM drops the BOM.
package export
