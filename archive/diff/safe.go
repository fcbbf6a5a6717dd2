package diff

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// SafeText returns s made safe to print on a terminal. Scraped text is
// untrusted: an ESC starts a CSI or OSC sequence (clear the screen, set the
// window title, an OSC 8 hyperlink to anywhere), \r overwrites the current
// line, C1 controls act like ESC sequences on some terminals, and bidi
// controls reorder what is shown (Trojan Source). SafeText writes each such
// rune as a visible Go escape instead:
//
//   - C0 controls other than \n and \t, and DEL, as \xNN (so ESC is \x1b);
//   - C1 controls (U+0080–U+009F), as \u0080 … \u009f;
//   - format characters (Unicode Cf: bidi embeddings, overrides and
//     isolates, zero-width spaces and joiners, the byte-order mark) and the
//     line and paragraph separators U+2028 and U+2029, as \uNNNN;
//   - bytes that are not valid UTF-8, as \xNN.
//
// With ESC and the C1 introducers escaped, what is left of an escape
// sequence is plain printable text. Everything else, including \n and \t,
// is kept, so ordinary text is returned unchanged.
func SafeText(s string) string {
	clean := true
	for i, r := range s {
		if unsafeRune(r) || (r == utf8.RuneError && isBadByte(s, i)) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 16)
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size <= 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r < 0x80 && unsafeRune(r):
			fmt.Fprintf(&b, `\x%02x`, r)
		case unsafeRune(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteString(s[i : i+size])
		}
		i += size
	}
	return b.String()
}

// unsafeRune reports whether r must not reach a terminal as it is.
func unsafeRune(r rune) bool {
	switch {
	case r == '\n' || r == '\t':
		return false
	case r < 0x20 || r == 0x7f:
		return true
	case r >= 0x80 && r <= 0x9f:
		return true
	case r == '\u2028' || r == '\u2029':
		return true
	}
	return r > 0x7f && unicode.Is(unicode.Cf, r)
}

// isBadByte reports whether the RuneError at s[i] stands for an invalid
// byte rather than a literal U+FFFD.
func isBadByte(s string, i int) bool {
	_, size := utf8.DecodeRuneInString(s[i:])
	return size <= 1
}
