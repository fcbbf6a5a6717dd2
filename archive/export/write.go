package export

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/stats"
	"github.com/statusarchive/statusarchive/parser"
)

// Errors.
var (
	// ErrUnknown means a table or format name is not one of ours.
	ErrUnknown = errors.New("unknown export table or format")
	// ErrTooManyRows means a spreadsheet-safe CSV would exceed Excel's
	// MaxRows; export less (a narrower window, one source) or use Raw.
	ErrTooManyRows = errors.New("export exceeds the rows a spreadsheet holds")
)

// Options change how a table is written.
type Options struct {
	// Raw turns off the spreadsheet safety of CSV: no formula
	// neutralisation, no cut at Excel's cell and row limits, no collapsing
	// of line feeds. NUL bytes are still removed and invalid UTF-8 still
	// replaced. Use it for programs, never for files people open in a
	// spreadsheet.
	Raw bool
	// NoBOM leaves out the UTF-8 byte-order mark that CSV starts with by
	// default (Excel on Windows needs it to read UTF-8). JSON and NDJSON
	// never have one.
	NoBOM bool

	// maxRows overrides MaxRows in tests.
	maxRows int
}

// kind is how a value is written.
type kind uint8

const (
	kNull    kind = iota // JSON null, an empty CSV cell
	kText                // untrusted text: a JSON string, a neutralised quoted CSV cell
	kLiteral             // a number or boolean we formatted: written as it is
	kTime                // an RFC 3339 time we formatted: a JSON string, a bare CSV cell
	kList                // JSON array of strings; CSV: joined by "; "
	kUpdates             // JSON array of update objects; not in CSV
)

type value struct {
	kind    kind
	text    string
	list    []string
	updates []parser.Update
}

func text(s string) value {
	if s == "" {
		return value{}
	}
	return value{kind: kText, text: s}
}

func timeValue(t time.Time) value {
	if t.IsZero() {
		return value{}
	}
	return value{kind: kTime, text: t.UTC().Format(time.RFC3339)}
}

func intValue(n int) value { return value{kind: kLiteral, text: strconv.Itoa(n)} }

// version is null when the archive gave none.
func version(n int) value {
	if n <= 0 {
		return value{}
	}
	return intValue(n)
}

func boolValue(b bool) value { return value{kind: kLiteral, text: strconv.FormatBool(b)} }

// minutes writes d in minutes with at most two decimals.
func minutes(d time.Duration) value {
	m := math.Round(d.Minutes()*100) / 100
	return value{kind: kLiteral, text: strconv.FormatFloat(m, 'f', -1, 64)}
}

func list(s []string) value {
	if len(s) == 0 {
		return value{}
	}
	return value{kind: kList, list: s}
}

// chronological returns in's updates oldest first, leaving in alone.
func chronological(ups []parser.Update) []parser.Update {
	if slices.IsSortedFunc(ups, compareUpdates) {
		return ups
	}
	ups = slices.Clone(ups)
	slices.SortStableFunc(ups, compareUpdates)
	return ups
}

func compareUpdates(a, b parser.Update) int { return a.At.At.Compare(b.At.At) }

// records turns one row into the table's records, in column order, calling
// emit for each. vals is reused between calls.
type records func(r archive.Row, vals []value, emit func([]value) error) error

func incidentRecords(r archive.Row, vals []value, emit func([]value) error) error {
	in := r.Incident
	sp := stats.SpanOf(in)
	var started, resolved, duration value
	if !sp.Start.IsZero() {
		started = timeValue(sp.Start)
	}
	if sp.HasDuration() {
		resolved, duration = timeValue(sp.End), minutes(sp.Duration)
	}
	var comps []string
	for _, c := range in.Components {
		comps = append(comps, c.Name)
	}
	vals = append(vals[:0],
		text(in.Source), text(in.ID), text(in.Title), text(in.URL),
		text(string(in.Impact)), text(string(in.Status)),
		started, resolved, duration,
		timeValue(r.FirstSeen), timeValue(r.LastSeen), version(r.Version),
		value{kind: kUpdates, updates: chronological(in.Updates)},
		intValue(len(in.Updates)),
		text(string(in.Kind)), text(in.ImpactRaw), text(in.StatusRaw),
		text(string(sp.Source)), text(sp.Text),
		boolValue(sp.Open), boolValue(r.Deleted), list(comps),
		timeValue(in.ScheduledFor.At), timeValue(in.ScheduledUntil.At), boolValue(in.Partial),
		boolValue(in.Truncated), boolValue(in.Incomplete),
	)
	return emit(vals)
}

func updateRecords(r archive.Row, vals []value, emit func([]value) error) error {
	in := r.Incident
	for i, u := range chronological(in.Updates) {
		vals = append(vals[:0],
			text(in.Source), text(in.ID), intValue(i+1), text(string(u.Status)),
			timeValue(u.At.At), text(u.Body), text(u.StatusRaw), text(u.At.Text),
			list(u.Components), version(r.Version),
		)
		if err := emit(vals); err != nil {
			return err
		}
	}
	return nil
}

func componentRecords(r archive.Row, vals []value, emit func([]value) error) error {
	in := r.Incident
	for _, c := range in.Components {
		vals = append(vals[:0],
			text(in.Source), text(in.ID), text(c.Name), text(c.Status), text(c.StatusRaw), version(r.Version),
		)
		if err := emit(vals); err != nil {
			return err
		}
	}
	return nil
}

// Write streams rows to w as table in format. It holds one row at a time,
// so memory does not grow with the number of rows. An error from rows, or
// from w, stops the export and is returned; what was written by then is
// incomplete and must be discarded. For the monthly table use
// WriteMonthly.
func Write(w io.Writer, table Table, format Format, rows iter.Seq2[archive.Row, error], opts Options) error {
	var recs records
	switch table {
	case TableIncidents:
		recs = incidentRecords
	case TableUpdates:
		recs = updateRecords
	case TableComponents:
		recs = componentRecords
	case TableMonthly:
		return fmt.Errorf("%w: table monthly is written by WriteMonthly", ErrUnknown)
	default:
		return fmt.Errorf("%w: table %q", ErrUnknown, table)
	}
	enc, err := newEncoder(w, table, format, opts)
	if err != nil {
		return err
	}
	vals := make([]value, 0, len(columns[table]))
	for r, err := range rows {
		if err != nil {
			return fmt.Errorf("export %s: read rows: %w", table, err)
		}
		if err := recs(r, vals, enc.record); err != nil {
			return fmt.Errorf("export %s: incident %s/%s: %w", table, r.Incident.Source, r.Incident.ID, err)
		}
	}
	if err := enc.close(); err != nil {
		return fmt.Errorf("export %s: %w", table, err)
	}
	return nil
}

// WriteMonthly writes the months of each summary (stats.Options.By
// "month") as the monthly table.
func WriteMonthly(w io.Writer, format Format, summaries []stats.Summary, opts Options) error {
	enc, err := newEncoder(w, TableMonthly, format, opts)
	if err != nil {
		return err
	}
	vals := make([]value, 0, len(columns[TableMonthly]))
	for _, s := range summaries {
		for _, m := range s.Months {
			vals = append(vals[:0], text(s.Source), text(m.Month), intValue(m.Incidents), intValue(m.Maintenance), minutes(m.Downtime))
			if err := enc.record(vals); err != nil {
				return fmt.Errorf("export monthly: %w", err)
			}
		}
	}
	if err := enc.close(); err != nil {
		return fmt.Errorf("export monthly: %w", err)
	}
	return nil
}

// encoder writes records of one table in one format.
type encoder struct {
	w      *bufio.Writer
	format Format
	opts   Options
	cols   []Column
	keys   []string // JSON: each column's quoted name and a colon
	line   []byte
	n      int // records written
}

func newEncoder(w io.Writer, table Table, format Format, opts Options) (*encoder, error) {
	switch format {
	case FormatCSV, FormatJSON, FormatNDJSON:
	default:
		return nil, fmt.Errorf("%w: format %q", ErrUnknown, format)
	}
	e := &encoder{w: bufio.NewWriterSize(w, 64<<10), format: format, opts: opts, cols: columns[table]}
	switch format {
	case FormatCSV:
		if !opts.NoBOM {
			e.w.WriteString("\uFEFF")
		}
		e.line = e.line[:0]
		for _, c := range e.cols {
			if c.JSONOnly {
				continue
			}
			if len(e.line) > 0 {
				e.line = append(e.line, ',')
			}
			e.line = append(e.line, c.Name...)
		}
		e.line = append(e.line, '\r', '\n')
		if _, err := e.w.Write(e.line); err != nil {
			return nil, err
		}
	case FormatJSON:
		e.w.WriteByte('[')
	}
	if format != FormatCSV {
		e.keys = make([]string, len(e.cols))
		for i, c := range e.cols {
			e.keys[i] = string(append(appendString(nil, c.Name), ':'))
		}
	}
	return e, nil
}

// record writes one record whose values follow e.cols.
func (e *encoder) record(vals []value) error {
	e.n++
	b := e.line[:0]
	switch e.format {
	case FormatCSV:
		limit := MaxRows
		if e.opts.maxRows > 0 {
			limit = e.opts.maxRows
		}
		if !e.opts.Raw && e.n >= limit {
			return fmt.Errorf("%w: more than %d rows after the header", ErrTooManyRows, limit-1)
		}
		b = e.appendCSV(b, vals)
	case FormatJSON:
		if e.n > 1 {
			b = append(b, ',')
		}
		b = append(b, '\n')
		b = e.appendJSON(b, vals)
	case FormatNDJSON:
		b = e.appendJSON(b, vals)
		b = append(b, '\n')
	}
	e.line = b
	_, err := e.w.Write(b)
	return err
}

func (e *encoder) close() error {
	if e.format == FormatJSON {
		if e.n > 0 {
			e.w.WriteByte('\n')
		}
		e.w.WriteString("]\n")
	}
	return e.w.Flush()
}

func (e *encoder) appendCSV(b []byte, vals []value) []byte {
	first := true
	for i, v := range vals {
		if e.cols[i].JSONOnly {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		switch v.kind {
		case kLiteral, kTime:
			b = append(b, v.text...)
		case kText:
			b = appendQuoted(b, e.cell(v.text))
		case kList:
			b = appendQuoted(b, e.cell(strings.Join(v.list, "; ")))
		}
	}
	return append(b, '\r', '\n')
}

// cell makes untrusted text safe for a CSV cell.
func (e *encoder) cell(s string) string {
	if e.opts.Raw {
		return cleanText(s)
	}
	return SpreadsheetCell(s)
}

func (e *encoder) appendJSON(b []byte, vals []value) []byte {
	b = append(b, '{')
	for i, v := range vals {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, e.keys[i]...)
		b = appendJSONValue(b, v)
	}
	return append(b, '}')
}

func appendJSONValue(b []byte, v value) []byte {
	switch v.kind {
	case kLiteral:
		return append(b, v.text...)
	case kText, kTime:
		return appendString(b, v.text)
	case kList:
		b = append(b, '[')
		for i, s := range v.list {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendString(b, s)
		}
		return append(b, ']')
	case kUpdates:
		b = append(b, '[')
		for i, u := range v.updates {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"status":`...)
			b = appendJSONValue(b, text(string(u.Status)))
			b = append(b, `,"raw_status":`...)
			b = appendJSONValue(b, text(u.StatusRaw))
			b = append(b, `,"at":`...)
			b = appendJSONValue(b, timeValue(u.At.At))
			b = append(b, `,"at_text":`...)
			b = appendJSONValue(b, text(u.At.Text))
			b = append(b, `,"text":`...)
			b = appendJSONValue(b, text(u.Body))
			b = append(b, '}')
		}
		return append(b, ']')
	}
	return append(b, "null"...)
}

// appendString appends s as a JSON string, byte for byte as json.Marshal
// writes it: invalid UTF-8 becomes U+FFFD, and <, >, &, U+2028 and U+2029
// are escaped. Most strings need no escape and are copied between quotes;
// the others go through json.Marshal.
func appendString(b []byte, s string) []byte {
	if plainJSON(s) {
		b = append(b, '"')
		b = append(b, s...)
		return append(b, '"')
	}
	q, err := json.Marshal(s)
	if err != nil {
		// A Go string always marshals.
		panic(fmt.Sprintf("export: marshal string: %v", err))
	}
	return append(b, q...)
}

// plainJSON reports whether json.Marshal writes every byte of s unchanged:
// s is valid UTF-8 and holds no byte plainASCII refuses, nor U+2028 or
// U+2029.
func plainJSON(s string) bool {
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if !plainASCII[c] {
				return false
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 || r == '\u2028' || r == '\u2029' {
			return false
		}
		i += size
	}
	return true
}

// plainASCII holds the ASCII bytes json.Marshal writes unchanged in a
// string: printable ones but for the quote, the backslash and the HTML
// characters it escapes by default. (It writes DEL unchanged too; DEL goes
// the slow way.)
var plainASCII = func() (t [utf8.RuneSelf]bool) {
	for c := byte(0x20); c <= 0x7e; c++ {
		t[c] = c != '"' && c != '\\' && c != '<' && c != '>' && c != '&'
	}
	return t
}()
