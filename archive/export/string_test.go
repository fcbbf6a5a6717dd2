package export

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"
)

// appendStringAgrees fails t unless appendString writes s as json.Marshal
// does, after what b already holds.
func appendStringAgrees(t *testing.T, s string) {
	t.Helper()
	want, err := json.Marshal(s)
	if err != nil {
		t.Fatalf("json.Marshal(%q): %v", s, err)
	}
	got := appendString([]byte("x"), s)
	if !bytes.Equal(got[1:], want) || got[0] != 'x' {
		t.Errorf("appendString(%q) = %q, want x%q", s, got, want)
	}
}

var trickyStrings = []struct {
	name string
	in   string
}{
	{"empty", ""},
	{"plain", "Elevated API Errors"},
	{"every plain ASCII byte", " !#$%'()*+,-./0123456789:;=?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[]^_`abcdefghijklmnopqrstuvwxyz{|}~"},
	{"quotes", `Login failures, "SSO" only`},
	{"backslash", `C:\status\page`},
	{"line feed, tab, carriage return", "a\nb\tc\rd"},
	{"control characters", "\x01\x07\x08\x0b\x0c\x1b\x1f"},
	{"NUL", "a\x00b"},
	{"DEL", "a\x7fb"},
	{"HTML", `<script>alert("x")</script> & more`},
	{"each HTML character alone", "<"},
	{"ampersand at the end", "AT&T"},
	{"U+2028", "line\u2028separator"},
	{"U+2029", "paragraph\u2029separator"},
	{"U+2027 and U+202A beside them", "\u2027\u202a"},
	{"invalid byte", "bad \xff byte"},
	{"lone continuation byte", "\x80"},
	{"truncated rune", "caf\xc3"},
	{"overlong encoding", "\xc0\xaf"},
	{"UTF-16 surrogate", "\xed\xa0\x80"},
	{"beyond U+10FFFF", "\xf4\x90\x80\x80"},
	{"U+FFFD itself", "\uFFFD"},
	{"multibyte", "Störung – Zürich, 東京, Ελλάδα"},
	{"emoji", "🔥 outage 😀👍🏽"},
	{"byte-order mark", "\uFEFFtitle"},
	{"mixed", "é<\u2028\xff\"\\\n😀"},
}

func TestAppendStringAgrees(t *testing.T) {
	for _, tt := range trickyStrings {
		t.Run(tt.name, func(t *testing.T) {
			appendStringAgrees(t, tt.in)
		})
	}
	t.Run("every byte", func(t *testing.T) {
		for c := range 256 {
			appendStringAgrees(t, string([]byte{byte(c)}))
			appendStringAgrees(t, "a"+string([]byte{byte(c)})+"é")
		}
	})
	t.Run("every rune", func(t *testing.T) {
		step := rune(1)
		if raceEnabled {
			step = 61
		}
		for r := rune(0); r <= utf8.MaxRune; r += step {
			if !utf8.ValidRune(r) {
				continue
			}
			appendStringAgrees(t, "a"+string(r))
		}
	})
	t.Run("long", func(t *testing.T) {
		appendStringAgrees(t, strings.Repeat("Investigating ", 10_000))
		appendStringAgrees(t, strings.Repeat("Investigating ", 10_000)+"<")
	})
}

func FuzzAppendString(f *testing.F) {
	for _, tt := range trickyStrings {
		f.Add(tt.in)
	}
	f.Fuzz(func(t *testing.T, s string) {
		appendStringAgrees(t, s)
	})
}
