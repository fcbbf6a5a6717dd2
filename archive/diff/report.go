package diff

import (
	"bytes"
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"
	"unicode/utf16"
	"unicode/utf8"

	"github.com/statusarchive/statusarchive/parser"
)

// ChangeKind classifies one new version of an incident.
type ChangeKind string

// Kinds of change. ChangeNone is what Classify returns when nothing a
// reader could see changed; such a version is not reported.
const (
	ChangeNone         ChangeKind = ""
	ChangeNewIncident  ChangeKind = "new_incident"  // first version of an incident
	ChangeNewUpdate    ChangeKind = "new_update"    // the vendor posted, and changed nothing else
	ChangeEdited       ChangeKind = "edited"        // the vendor changed what it had said
	ChangeDeleted      ChangeKind = "deleted"       // the incident vanished from a fully crawled source
	ChangeRestored     ChangeKind = "restored"      // a deleted incident came back
	ChangeParserChange ChangeKind = "parser_change" // our parser now reads the same page differently
)

// Origins of a version: who changed what the archive holds.
const (
	OriginVendor = "vendor" // the page changed
	OriginParser = "parser" // the page may not have; a re-parse read it differently
)

// Change is one new version of one incident, as the changes report lists
// it.
type Change struct {
	Source string     `json:"source"`
	ID     string     `json:"id"`
	Title  string     `json:"title"`
	Kind   ChangeKind `json:"kind"`
	// Version is the new version's number; PrevVersion the one it is
	// compared with, 0 for a new incident.
	Version     int `json:"version"`
	PrevVersion int `json:"prev_version"`
	// At is when the archive saw the new version.
	At time.Time `json:"at"`
	// LastSeen, for a deletion, is when the incident was last seen on the
	// page; zero when unknown.
	LastSeen time.Time `json:"last_seen,omitzero"`
	Origin   string    `json:"origin"`
	// Diff is the field-level change; nil for a new or deleted incident.
	Diff *Diff `json:"diff,omitempty"`
	// Incident is the new version itself, for a new incident (its first
	// updates are listed); optional otherwise and not rendered.
	Incident *parser.Incident `json:"incident,omitempty"`
}

// Classify says what kind of change cur is after prev, the previous version
// (nil when there is none), and returns the Diff between them when there
// is one. deleted and prevDeleted tell whether cur and prev are
// tombstones; origin is OriginVendor or OriginParser.
//
// In order: no prev is a new incident; a tombstone is a deletion; a live
// version after a tombstone is a restoration; otherwise, when nothing
// changed the kind is ChangeNone; a change whose origin is the parser is a
// parser change; a change that only adds updates (with the incident status,
// resolution time and component statuses those updates imply) is a new
// update; anything else is an edit.
func Classify(prev *parser.Incident, cur parser.Incident, deleted, prevDeleted bool, origin string) (ChangeKind, *Diff) {
	switch {
	case prev == nil:
		return ChangeNewIncident, nil
	case deleted:
		return ChangeDeleted, nil
	}
	d := Incidents(*prev, cur)
	var dp *Diff
	if !d.Empty() {
		dp = &d
	}
	switch {
	case prevDeleted:
		return ChangeRestored, dp
	case d.Empty():
		return ChangeNone, nil
	case origin == OriginParser:
		return ChangeParserChange, dp
	case onlyNewUpdates(d):
		return ChangeNewUpdate, dp
	}
	return ChangeEdited, dp
}

// onlyNewUpdates reports whether d adds updates and changes nothing a new
// post would not change by itself.
func onlyNewUpdates(d Diff) bool {
	if len(d.Updates) == 0 || len(d.Components.Added) > 0 || len(d.Components.Removed) > 0 {
		return false
	}
	for _, u := range d.Updates {
		if u.Kind != UpdateAdded {
			return false
		}
	}
	for _, f := range d.Fields {
		switch {
		case f.Field == FieldStatus:
		case f.Field == FieldResolved && f.From == "":
		default:
			return false
		}
	}
	return true
}

// ReportOptions tune the changes report.
type ReportOptions struct {
	// Since is the start of the period reported, shown in the heading;
	// zero for "since the previous run".
	Since time.Time
	// BodyWidth is how many characters of an update's body to show; 0
	// means 120, negative means all.
	BodyWidth int
	// Context is how many unchanged words to show around a body edit; 0
	// means 6, negative means all.
	Context int
}

func (o ReportOptions) style() textStyle {
	st := textStyle{bodyWidth: o.BodyWidth, context: o.Context}
	if st.bodyWidth == 0 {
		st.bodyWidth = 120
	}
	if st.context == 0 {
		st.context = 6
	}
	return st
}

// block is one incident's changes in the report.
type block struct {
	source, id string
	changes    []Change // newest first
}

// group orders changes for the report: by source name, then incidents
// whose latest change is newest first, then each incident's changes newest
// first.
func group(changes []Change) []block {
	byKey := map[[2]string]*block{}
	var blocks []*block
	for _, c := range changes {
		k := [2]string{c.Source, c.ID}
		b := byKey[k]
		if b == nil {
			b = &block{source: c.Source, id: c.ID}
			byKey[k] = b
			blocks = append(blocks, b)
		}
		b.changes = append(b.changes, c)
	}
	out := make([]block, 0, len(blocks))
	for _, b := range blocks {
		slices.SortStableFunc(b.changes, func(x, y Change) int {
			return cmp.Or(y.At.Compare(x.At), cmp.Compare(y.Version, x.Version))
		})
		out = append(out, *b)
	}
	slices.SortStableFunc(out, func(x, y block) int {
		return cmp.Or(strings.Compare(x.source, y.source), y.changes[0].At.Compare(x.changes[0].At), strings.Compare(x.id, y.id))
	})
	return out
}

// WriteReport writes changes as a report for a terminal: a heading, then
// for each source its incidents, the most recently changed first, each as
// one block listing its changes newest first ("+ new incident", "~ impact
// major → minor", "+ update 2026-06-22 14:02 UTC monitoring: …",
// "- deleted (last seen …)"). Changes that came from a re-parse say so.
// Every scraped string goes through SafeText. It returns the first error
// from w.
func WriteReport(w io.Writer, changes []Change, opts ReportOptions) error {
	ew := &errWriter{w: w}
	st := opts.style()
	since := "since the previous run"
	if !opts.Since.IsZero() {
		since = "since " + clock(opts.Since)
	}
	if len(changes) == 0 {
		ew.line(0, "no changes "+since)
		return ew.err
	}
	blocks := group(changes)
	ew.line(0, fmt.Sprintf("%s in %s %s", count(len(changes), "change"), count(len(blocks), "incident"), since))
	source := "\x00"
	for _, b := range blocks {
		if b.source != source {
			source = b.source
			n := 0
			for _, o := range blocks {
				if o.source == source {
					n++
				}
			}
			ew.line(0, "")
			ew.line(0, fmt.Sprintf("== %s (%s)", oneLine(source), count(n, "incident")))
		}
		ew.line(0, "")
		ew.line(0, oneLine(b.id)+"  "+quote(b.changes[0].Title))
		for _, c := range b.changes {
			writeChange(ew, c, st)
		}
	}
	return ew.err
}

func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// writeChange writes one version's line and its diff.
func writeChange(ew *errWriter, c Change, st textStyle) {
	versions := fmt.Sprintf("v%d", c.Version)
	if c.PrevVersion > 0 {
		versions = fmt.Sprintf("v%d→v%d", c.PrevVersion, c.Version)
	}
	head := fmt.Sprintf("  %s  %s  ", clock(c.At), versions)
	switch c.Kind {
	case ChangeNewIncident:
		head += "+ new incident"
		if c.Incident != nil {
			head += " (" + incidentSummary(*c.Incident) + ")"
		}
	case ChangeNewUpdate:
		head += "+ new update"
	case ChangeEdited:
		head += "~ edited"
	case ChangeDeleted:
		head += "- deleted"
		if !c.LastSeen.IsZero() {
			head += " (last seen " + clock(c.LastSeen) + ")"
		} else if c.PrevVersion > 0 {
			head += fmt.Sprintf(" (last seen as v%d)", c.PrevVersion)
		}
	case ChangeRestored:
		head += "+ restored"
	case ChangeParserChange:
		head += "~ parser change"
	default:
		head += "? " + oneLine(string(c.Kind))
	}
	head += " [" + originWord(c) + "]"
	ew.line(0, head)
	if c.Kind == ChangeNewIncident && c.Incident != nil {
		in := *c.Incident
		in.Sort()
		for _, u := range in.Updates {
			ew.line(4, "+ update "+updateHead(u)+": "+excerpt(u.Body, st.bodyWidth))
		}
	}
	if c.Diff != nil {
		writeDiff(ew, *c.Diff, 4, st)
	}
}

// originWord is the short origin tag of a report line.
func originWord(c Change) string {
	switch c.Origin {
	case OriginVendor:
		return "vendor"
	case OriginParser:
		return "re-parse, not a vendor change"
	case "":
		return "origin unknown"
	}
	return oneLine(c.Origin)
}

// Facts are the words that sum an incident up, in the order reports and
// notifications give them: "maintenance" for one, its impact and its
// status when known. Scraped text is left as it is: escape it for where it
// goes.
func Facts(in parser.Incident) []string {
	var parts []string
	if in.Kind == parser.KindMaintenance {
		parts = append(parts, "maintenance")
	}
	if in.Impact != parser.ImpactUnknown {
		parts = append(parts, string(in.Impact))
	}
	if in.Status != parser.StatusUnknown {
		parts = append(parts, string(in.Status))
	}
	return parts
}

// incidentSummary is "major, investigating, started 2026-06-22 12:00 UTC".
func incidentSummary(in parser.Incident) string {
	parts := Facts(in)
	if start := in.Started; !start.IsZero() {
		parts = append(parts, "started "+clock(start.At))
	} else if first := in.First(); !first.IsZero() {
		parts = append(parts, "first update "+clock(first.At))
	}
	return strings.Join(parts, ", ")
}

// Report is the JSON form of the changes report.
type Report struct {
	Since   time.Time `json:"since,omitzero"`
	Count   int       `json:"count"`
	Changes []Change  `json:"changes"`
}

// WriteReportJSON writes changes as one indented JSON object (a Report)
// with the changes in the order WriteReport lists them, through WriteJSON.
func WriteReportJSON(w io.Writer, changes []Change, opts ReportOptions) error {
	r := Report{Since: opts.Since, Changes: []Change{}}
	for _, b := range group(changes) {
		r.Changes = append(r.Changes, b.changes...)
	}
	r.Count = len(r.Changes)
	if err := WriteJSON(w, r); err != nil {
		return fmt.Errorf("write changes report: %w", err)
	}
	return nil
}

// WriteJSON writes v as indented JSON followed by a newline, with every
// rune SafeText would escape written as a \u escape, so that the output is
// safe on a terminal and still decodes to the same strings. (encoding/json
// already escapes C0 controls and replaces invalid UTF-8 with U+FFFD; it
// leaves C1 controls and bidi characters raw.) Use it for a Diff too.
func WriteJSON(w io.Writer, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return fmt.Errorf("encode json: %w", err)
	}
	b = append(escapeJSON(b), '\n')
	if _, err := w.Write(b); err != nil {
		return fmt.Errorf("write json: %w", err)
	}
	return nil
}

// escapeJSON rewrites unsafe runes in encoded JSON as \u escapes. Such
// runes can only sit inside strings, where an escape means the same.
func escapeJSON(b []byte) []byte {
	if !bytes.ContainsFunc(b, func(r rune) bool { return r > 0x7f && unsafeRune(r) }) {
		return b
	}
	out := make([]byte, 0, len(b)+32)
	for len(b) > 0 {
		r, size := utf8.DecodeRune(b)
		if r > 0x7f && unsafeRune(r) {
			if r1, r2 := utf16.EncodeRune(r); r1 != utf8.RuneError {
				out = fmt.Appendf(out, `\u%04x\u%04x`, r1, r2)
			} else {
				out = fmt.Appendf(out, `\u%04x`, r)
			}
		} else {
			out = append(out, b[:size]...)
		}
		b = b[size:]
	}
	return out
}
