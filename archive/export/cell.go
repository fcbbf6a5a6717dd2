package export

import (
	"strings"
	"unicode/utf8"
)

// Excel's limits (Microsoft, "Excel specifications and limits").
const (
	// MaxCellChars is the most characters (UTF-16 code units) a cell holds.
	MaxCellChars = 32767
	// MaxCellLineFeeds is the most line feeds a cell shows.
	MaxCellLineFeeds = 253
	// MaxRows is the most rows a sheet holds, the header included.
	MaxRows = 1048576
)

// TruncatedMarker ends a cell cut to MaxCellChars.
const TruncatedMarker = "…[truncated]"

// isTrigger reports whether a spreadsheet may read a cell starting with r
// as a formula (OWASP CSV injection, with LF and the full-width forms).
func isTrigger(r rune) bool {
	switch r {
	case '=', '+', '-', '@', '\t', '\r', '\n', '＝', '＋', '－', '＠':
		return true
	}
	return false
}

// NeedsNeutralising reports whether a spreadsheet could take s for a
// formula: its first character, or its first after leading spaces, is one
// of = + - @ TAB CR LF ＝ ＋ － ＠.
func NeedsNeutralising(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	if isTrigger(r) {
		return true
	}
	r, _ = utf8.DecodeRuneInString(strings.TrimLeft(s, " "))
	return isTrigger(r)
}

// cleanText removes NUL bytes and replaces invalid UTF-8 with U+FFFD. It
// applies to every CSV cell, Raw or not.
func cleanText(s string) string {
	if strings.IndexByte(s, 0) >= 0 {
		s = strings.ReplaceAll(s, "\x00", "")
	}
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\uFFFD")
	}
	return s
}

// SpreadsheetCell returns s made safe for a spreadsheet: NUL removed,
// invalid UTF-8 replaced, line feeds past the 253rd turned into spaces, a
// leading ' added when it could start a formula, and cut to Excel's 32,767
// characters with TruncatedMarker at the end. Quoting is left to the
// writer.
func SpreadsheetCell(s string) string {
	s = cleanText(s)
	if strings.Count(s, "\n") > MaxCellLineFeeds {
		s = collapseLineFeeds(s)
	}
	prefix := ""
	if NeedsNeutralising(s) {
		prefix = "'"
	}
	return prefix + truncate(s, MaxCellChars-len(prefix))
}

// collapseLineFeeds keeps the first MaxCellLineFeeds line breaks of s and
// turns the rest (with any CR before them) into spaces.
func collapseLineFeeds(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	n := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '\n' {
			n++
			if n > MaxCellLineFeeds {
				b.WriteByte(' ')
				continue
			}
		}
		if c == '\r' && n >= MaxCellLineFeeds && i+1 < len(s) && s[i+1] == '\n' {
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// utf16Len is how many UTF-16 code units s takes, as Excel counts.
func utf16Len(r rune) int {
	if r > 0xFFFF {
		return 2
	}
	return 1
}

// truncate cuts s to at most limit UTF-16 code units, marker included,
// on a character boundary.
func truncate(s string, limit int) string {
	if len(s) <= limit { // every code unit takes at least one byte
		return s
	}
	units := 0
	for _, r := range s {
		units += utf16Len(r)
	}
	if units <= limit {
		return s
	}
	keep := limit - utf8.RuneCountInString(TruncatedMarker)
	units = 0
	for i, r := range s {
		if units+utf16Len(r) > keep {
			return s[:i] + TruncatedMarker
		}
		units += utf16Len(r)
	}
	return s
}

// appendQuoted appends s to dst as one RFC 4180 quoted field.
func appendQuoted(dst []byte, s string) []byte {
	dst = append(dst, '"')
	for {
		i := strings.IndexByte(s, '"')
		if i < 0 {
			break
		}
		dst = append(dst, s[:i+1]...)
		dst = append(dst, '"')
		s = s[i+1:]
	}
	dst = append(dst, s...)
	return append(dst, '"')
}
