package parser

import (
	"bytes"
	"testing"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"

	"github.com/statusarchive/statusarchive/fixtures"
)

// ohMayMatchRef is ohMayMatch as first written: each block's folded text
// kept in a buffer and searched at the block's ends.
func ohMayMatchRef(root *html.Node) bool {
	var buf []byte
	space := false
	var walk func(n *html.Node) bool
	walk = func(n *html.Node) bool {
		switch n.Type {
		case html.TextNode:
			buf, space = ohFoldText(buf, space, n.Data)
			return false
		case html.DocumentNode, html.ElementNode:
		default:
			return false
		}
		if n.Type == html.ElementNode && (ohHiddenTags[n.DataAtom] || n.DataAtom == atom.Head || ohHasAttr(n, "hidden")) {
			return false
		}
		block := n.Type == html.ElementNode && ohBlockTags[n.DataAtom]
		if block {
			if ohHasPhrase(buf) {
				return true
			}
			buf, space = buf[:0], false
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if walk(c) {
				return true
			}
		}
		if block {
			if ohHasPhrase(buf) {
				return true
			}
			buf, space = buf[:0], false
		}
		return false
	}
	return walk(root) || ohHasPhrase(buf)
}

// ohHasPhrase reports whether folded text holds a word every phrase of the
// family needs.
func ohHasPhrase(b []byte) bool {
	return bytes.Contains(b, []byte("timeline")) || bytes.Contains(b, []byte("in the last"))
}

// ohFoldText appends s to buf with every run of white space (as the block
// walker sees it: unicode.IsSpace) made one space and letters folded to
// lower case ASCII where the expressions' case folding would match them
// (the long s, U+017F, is an s to (?i)); other runes are kept as a
// placeholder byte, which no phrase contains.
func ohFoldText(buf []byte, space bool, s string) ([]byte, bool) {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == '\v':
				space = true
				continue
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			}
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			switch {
			case unicode.IsSpace(r):
				space = true
				continue
			case r == 'ſ':
				c = 's'
			default:
				c = 0x80
			}
		}
		if space {
			if len(buf) > 0 {
				buf = append(buf, ' ')
			}
			space = false
		}
		buf = append(buf, c)
	}
	return buf, space
}

// TestOhMayMatchAgrees: the streaming phrase scan answers as the buffered
// one on every HTML page of the test data and on markup made to split,
// hide, fold and interrupt the phrases.
func TestOhMayMatchAgrees(t *testing.T) {
	var bodies [][]byte
	for _, pattern := range []string{"realworld/*/*.html", "outagehistory/*/*.html", "outagehistory/*/incidents/*.html"} {
		names, err := fixtures.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			b, err := fixtures.ReadFile(name)
			if err != nil {
				t.Fatal(err)
			}
			bodies = append(bodies, b)
		}
	}
	for _, s := range []string{
		"<p>Time<b>line</b></p>", "<p>Time</p><p>line</p>", "<p>TIME\u00a0LINE</p>", "<p>tim timeline</p>", "<p>in  the\nLAST</p>",
		"<p>in the la\u017ft</p>", "<p>in the l<span hidden>x</span>ast</p>", "<p>in <script>x</script>the last</p>", "<p>in\u00e9the last</p>",
		"<p>ttimeline</p>", "<p>iin the last</p>", "<p>in the lin the last</p>", "<div>timelin</div>e", "<head><title>timeline</title></head>", "",
	} {
		bodies = append(bodies, []byte(s))
	}
	for _, body := range bodies {
		root, err := html.Parse(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if got, want := ohMayMatch(root), ohMayMatchRef(root); got != want {
			t.Errorf("ohMayMatch(%.60q) = %v, want %v", body, got, want)
		}
	}
}
