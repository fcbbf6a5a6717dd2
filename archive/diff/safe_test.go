package diff

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestSafeText(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		// The terminal vectors of RELIABILITY.md part (c).
		{"clear screen", "\x1b[2J\x1b[H", `\x1b[2J\x1b[H`},
		{"window title", "\x1b]0;PWNED\x07", `\x1b]0;PWNED\x07`},
		{"OSC 8 hyperlink", "\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07",
			`\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07`},
		{"carriage return", "ok\rFAKE", `ok\x0dFAKE`},
		{"C1 CSI", "\u009b31m", `\u009b31m`},
		{"bell", "\x07", `\x07`},
		{"DEL", "\x7f", `\x7f`},
		{"right-to-left override", "\u202etxt.exe", `\u202etxt.exe`},
		{"isolates", "\u2066…\u2069", `\u2066…\u2069`},
		{"zero-width space", "a\u200bb", `a\u200bb`},
		{"zero-width joiner", "a\u200db", `a\u200db`},
		{"byte-order mark", "\ufeffTitle", `\ufeffTitle`},
		{"NUL", "a\x00b", `a\x00b`},
		{"line separator", "a\u2028b", `a\u2028b`},
		{"invalid UTF-8", "a\xed\xa0\x80b\xff\xfe", `a\xed\xa0\x80b\xff\xfe`},
		{"raw C1 byte", "a\x9bb", `a\x9bb`},
		// What must pass through untouched.
		{"plain", "Elevated API errors", "Elevated API errors"},
		{"newline and tab kept", "line one\n\tline two", "line one\n\tline two"},
		{"non-Latin", "Café 東京 Привет ✓", "Café 東京 Привет ✓"},
		{"replacement character", "a\ufffdb", "a\ufffdb"},
		{"empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SafeText(tt.in)
			if got != tt.want {
				t.Errorf("SafeText(%q) = %q, want %q", tt.in, got, tt.want)
			}
			if bad := rawControl(got); bad != "" {
				t.Errorf("SafeText(%q) = %q still holds %s", tt.in, got, bad)
			}
		})
	}
}

// rawControl names the first byte or rune in s that a terminal could act
// on, or returns "".
func rawControl(s string) string {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\ufffd"):
			return "invalid UTF-8"
		case r == '\n' || r == '\t':
		case r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f):
			return "a control character"
		case unsafeRune(r):
			return "a format character"
		}
	}
	return ""
}

// FuzzSafeText checks RELIABILITY test 28's property: whatever scraped
// text holds, SafeText leaves no raw control bytes, and it changes text
// that holds none.
func FuzzSafeText(f *testing.F) {
	for _, s := range []string{
		"\x1b[2J\x1b[H", "\x1b]0;PWNED\x07", "\x1b]8;;http://evil.example/\x07click\x1b]8;;\x07",
		"ok\rFAKE", "\u009b31m", "\x07", "\x7f", "\u202etxt.exe", "\u2066…\u2069", "\u200b", "\u200d",
		"\ufeffstart", "plain text", "\xed\xa0\x80\xff\xfe",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := SafeText(s)
		if bad := rawControl(got); bad != "" {
			t.Fatalf("SafeText(%q) = %q holds %s", s, got, bad)
		}
		if rawControl(s) == "" && got != s {
			t.Fatalf("SafeText(%q) = %q, want it unchanged", s, got)
		}
	})
}
