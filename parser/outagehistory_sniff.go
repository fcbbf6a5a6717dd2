package parser

import (
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
	var sc ohPhraseScan
	var walk func(n *html.Node) bool
	walk = func(n *html.Node) bool {
		switch n.Type {
		case html.TextNode:
			return sc.text(n.Data)
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
			sc.reset()
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if walk(c) {
				return true
			}
		}
		if block {
			sc.reset()
		}
		return false
	}
	return walk(root)
}

// ohPhrases are the words ohMayMatch looks for. Neither has a proper
// prefix that is also its suffix, so a scan that fails part way through
// one starts over at the character that failed.
var ohPhrases = [2]string{"timeline", "in the last"}

// ohPhraseScan finds ohPhrases in one block's text as ohFoldText folds it,
// fed a text node at a time, without keeping the text: how much of each
// phrase the folded text so far ends with.
type ohPhraseScan struct {
	matched [2]int
	any     bool // the block has a character already (a space is due before the next)
	space   bool
}

// reset starts a new block.
func (sc *ohPhraseScan) reset() { *sc = ohPhraseScan{} }

// text feeds s and reports whether a phrase is complete.
func (sc *ohPhraseScan) text(s string) bool {
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			i++
			switch {
			case c == ' ' || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == '\v':
				sc.space = true
				continue
			case 'A' <= c && c <= 'Z':
				c += 'a' - 'A'
			}
		} else {
			r, size := utf8.DecodeRuneInString(s[i:])
			i += size
			switch {
			case unicode.IsSpace(r):
				sc.space = true
				continue
			case r == 'ſ':
				c = 's'
			default:
				c = 0x80
			}
		}
		if sc.space {
			if sc.any && sc.feed(' ') {
				return true
			}
			sc.space = false
		}
		sc.any = true
		if sc.feed(c) {
			return true
		}
	}
	return false
}

// feed takes one folded character and reports whether a phrase is
// complete.
func (sc *ohPhraseScan) feed(c byte) bool {
	if sc.matched[0] == 0 && sc.matched[1] == 0 && c != 't' && c != 'i' {
		return false // starts neither phrase
	}
	for k, p := range ohPhrases {
		m := sc.matched[k]
		switch {
		case c == p[m]:
			m++
		case c == p[0]:
			m = 1
		default:
			m = 0
		}
		if m == len(p) {
			return true
		}
		sc.matched[k] = m
	}
	return false
}
