package parser

import (
	"bytes"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ohMayMatch is the cheap structural test sniffOutageHistory makes before
// it builds the page's text blocks: each of the family's phrases ("Timeline
// · N updates", "Update timeline", "outages in the last ...") needs
// "timeline" or "in the last" in a block's text, so the page's visible
// text, read in one pass with white space folded and letters folded as the
// expressions fold them, must hold one of the two. Most pages that are not
// of the family hold neither, and cost one walk of the tree instead of
// their text blocks and the expressions run on each.
func ohMayMatch(root *html.Node) bool {
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
		// As the block walker: hidden elements and the head give no blocks.
		if n.Type == html.ElementNode && (ohHiddenTags[n.DataAtom] || n.DataAtom == atom.Head || ohHasAttr(n, "hidden")) {
			return false
		}
		block := n.Type == html.ElementNode && ohBlockTags[n.DataAtom]
		if block {
			// A block boundary ends a run of text: no phrase spans it.
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
