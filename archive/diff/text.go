package diff

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/statusarchive/statusarchive/parser"
)

// Header says which incident and which two versions a Diff compares, for
// WriteText. Zero fields are left out of the heading.
type Header struct {
	Source string
	ID     string
	Title  string
	// FromVersion and ToVersion number the versions compared.
	FromVersion, ToVersion int
	// FromSeen and ToSeen are when the archive first saw each version.
	FromSeen, ToSeen time.Time
	// Origin is OriginVendor or OriginParser: where the newer version's
	// change came from.
	Origin string
}

// WriteText writes d for a terminal: a heading from h, then one line per
// change, "~" for a change, "+" for an addition and "-" for a removal, with
// body edits inline as [-removed-]{+added+}. Every scraped string goes
// through SafeText. It returns the first error from w.
func WriteText(w io.Writer, d Diff, h Header) error {
	ew := &errWriter{w: w}
	ew.line(0, headerLine(h))
	if v := versionLine(h); v != "" {
		ew.line(0, v)
	}
	if d.Empty() {
		ew.line(0, "no changes")
		return ew.err
	}
	writeDiff(ew, d, 0, textStyle{bodyWidth: -1, context: -1})
	return ew.err
}

func headerLine(h Header) string {
	var parts []string
	name := h.ID
	if h.Source != "" {
		name = h.Source + "/" + h.ID
	}
	parts = append(parts, "incident "+oneLine(name))
	if h.Title != "" {
		parts = append(parts, quote(h.Title))
	}
	return strings.Join(parts, " ")
}

func versionLine(h Header) string {
	if h.FromVersion == 0 && h.ToVersion == 0 {
		return ""
	}
	var s string
	if h.FromVersion > 0 {
		s = fmt.Sprintf("v%d", h.FromVersion)
		if !h.FromSeen.IsZero() {
			s += " (seen " + clock(h.FromSeen) + ")"
		}
		s += " → "
	}
	s += fmt.Sprintf("v%d", h.ToVersion)
	if !h.ToSeen.IsZero() {
		s += " (seen " + clock(h.ToSeen) + ")"
	}
	switch {
	case h.FromVersion == 0:
		s += ", first version"
	case h.Origin != "":
		s += ", " + originText(h.Origin)
	}
	return s
}

// originText says in words where a change came from.
func originText(origin string) string {
	switch origin {
	case OriginVendor:
		return "changed by the vendor"
	case OriginParser:
		return "changed by our parser (re-parse), not by the vendor"
	}
	return "origin " + oneLine(origin)
}

// textStyle tunes how much of the scraped text a rendering shows.
type textStyle struct {
	bodyWidth int // most runes of a body shown; negative for all
	context   int // equal words kept around a body edit; negative for all
}

// writeDiff writes the change lines of d, indented by indent spaces.
func writeDiff(ew *errWriter, d Diff, indent int, st textStyle) {
	for _, f := range d.Fields {
		ew.line(indent, fieldLine(f))
	}
	for _, name := range d.Components.Added {
		ew.line(indent, "+ component "+quote(name))
	}
	for _, name := range d.Components.Removed {
		ew.line(indent, "- component "+quote(name))
	}
	for _, c := range d.Components.Changed {
		ew.line(indent, fmt.Sprintf("~ component %s %s → %s", quote(c.Field), orNone(c.From), orNone(c.To)))
	}
	for _, u := range d.Updates {
		writeUpdate(ew, u, indent, st)
	}
}

func fieldLine(f FieldChange) string {
	switch f.Field {
	case FieldTitle, FieldURL:
		return fmt.Sprintf("~ %s %s → %s", f.Field, quoteOrNone(f.From), quoteOrNone(f.To))
	case FieldStarted, FieldResolved, FieldScheduledFor, FieldScheduledUntil:
		from, errFrom := time.Parse(time.RFC3339, f.From)
		to, errTo := time.Parse(time.RFC3339, f.To)
		switch {
		case errFrom == nil && errTo == nil:
			return fmt.Sprintf("~ %s %s → %s (%s)", f.Field, clock(from), clock(to), shift(to.Sub(from)))
		case errTo == nil:
			return fmt.Sprintf("+ %s %s", f.Field, clock(to))
		case errFrom == nil:
			return fmt.Sprintf("- %s (was %s)", f.Field, clock(from))
		}
	}
	return fmt.Sprintf("~ %s %s → %s", f.Field, orNone(oneLine(f.From)), orNone(oneLine(f.To)))
}

func writeUpdate(ew *errWriter, c UpdateChange, indent int, st textStyle) {
	switch c.Kind {
	case UpdateAdded:
		ew.line(indent, "+ update "+updateHead(*c.To)+": "+excerpt(c.To.Body, st.bodyWidth))
		return
	case UpdateRemoved:
		ew.line(indent, "- update "+updateHead(*c.From)+": "+excerpt(c.From.Body, st.bodyWidth))
		return
	}
	head := "~ update " + updateHead(*c.To)
	switch c.Kind {
	case UpdateMoved:
		head += fmt.Sprintf(": moved %s (was %s", shift(c.Moved), clock(c.From.At.At))
		if c.From.Status != c.To.Status {
			head += ", " + statusText(c.From.Status)
		}
		head += ")"
	case UpdateRestatused:
		head += fmt.Sprintf(": status %s → %s", statusText(c.From.Status), statusText(c.To.Status))
	default:
		head += ": edited"
	}
	ew.line(indent, head)
	if len(c.BodyDiff) > 0 {
		ew.line(indent+4, Unified(c.BodyDiff, st.context))
	}
	if a, b := parser.NormaliseText(c.From.StatusRaw), parser.NormaliseText(c.To.StatusRaw); a != b {
		ew.line(indent+4, fmt.Sprintf("status label %s → %s", quoteOrNone(a), quoteOrNone(b)))
	}
	if a, b := componentList(c.From.Components), componentList(c.To.Components); a != b {
		ew.line(indent+4, fmt.Sprintf("components %s → %s", orNone(a), orNone(b)))
	}
}

// updateHead is "2026-06-22 14:02 UTC monitoring".
func updateHead(u parser.Update) string {
	return clock(u.At.At) + " " + statusText(u.Status)
}

func statusText(s parser.Status) string {
	if s == parser.StatusUnknown {
		return "(no status)"
	}
	return string(s)
}

func componentList(names []string) string {
	out := make([]string, 0, len(names))
	for _, n := range names {
		out = append(out, oneLine(n))
	}
	return strings.Join(out, ", ")
}

// excerpt is a body on one line, safe, cut to width runes (negative: all).
func excerpt(body string, width int) string {
	s := oneLine(body)
	if s == "" {
		return "(no text)"
	}
	if width >= 0 {
		if r := []rune(s); len(r) > width {
			s = strings.TrimRight(string(r[:width]), " ") + "…"
		}
	}
	return s
}

// oneLine is scraped text made safe for a terminal (SafeText) and then
// folded onto one line. Escaping comes first so that what NormaliseText
// would silently drop or fold (bidi controls, \r, invalid bytes) shows.
func oneLine(s string) string {
	return strings.Join(strings.Fields(SafeText(s)), " ")
}

// clock is t as "2006-01-02 15:04 UTC".
func clock(t time.Time) string {
	if t.IsZero() {
		return "(no time)"
	}
	return t.UTC().Format("2006-01-02 15:04 UTC")
}

// shift writes a signed duration in days, hours, minutes and seconds,
// leaving out zero parts: "+2h", "-1d3h30m", "+45s".
func shift(d time.Duration) string {
	sign := "+"
	if d < 0 {
		sign, d = "-", -d
	}
	if d == 0 {
		return "+0s"
	}
	var b strings.Builder
	b.WriteString(sign)
	for _, unit := range []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}} {
		if n := d / unit.size; n > 0 {
			fmt.Fprintf(&b, "%d%s", n, unit.name)
			d -= n * unit.size
		}
	}
	if d > 0 {
		fmt.Fprintf(&b, "%s", d)
	}
	return b.String()
}

// quote puts a scraped string, made safe and folded onto one line, in
// quotes.
func quote(s string) string {
	return `"` + oneLine(s) + `"`
}

func quoteOrNone(s string) string {
	if oneLine(s) == "" {
		return "(none)"
	}
	return quote(s)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// errWriter writes lines until the first error and keeps it.
type errWriter struct {
	w   io.Writer
	err error
}

func (ew *errWriter) line(indent int, s string) {
	if ew.err != nil {
		return
	}
	_, ew.err = io.WriteString(ew.w, strings.Repeat(" ", indent)+s+"\n")
}
