package parser

// The outage-history parser's first half: the DOM as a reader sees it, a
// list of visible text blocks in document order.

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// ohBlock is one run of visible text between block-level boundaries.
type ohBlock struct {
	text string
	node *html.Node // the innermost block-level element holding the text
	// href is the link the whole block reads as (an enclosing <a>, or one
	// <a> whose text is the block's whole text); wholeLink is set when
	// there is one.
	href      string
	wholeLink bool
	// linkOnly is set when every letter and digit of the block is link
	// text: a menu or breadcrumb ("Pingoru / Providers").
	linkOnly bool
	// ownRaw is the block's text outside links, a space after each text
	// node, when it has a letter or digit there ("" when linkOnly); own
	// folds its white space.
	ownRaw string
	times  []ohTimeAttr
	// Where text and ownRaw lie in the walker's buffers until finish.
	lo, hi, ownLo, ownHi int
}

// ohTimeAttr is a <time> element's machine-readable value and its text.
type ohTimeAttr struct{ datetime, text string }

// ohLink is any link on the page, for pagination.
type ohLink struct{ href, rel, text string }

// ohWalker turns a DOM into text blocks in document order.
type ohWalker struct {
	blocks    []ohBlock
	links     []ohLink
	canonical string
	title     string // the document's <title>, white space folded

	// all holds every block's text, one after another, and the current
	// block's from start on; ownAll the same for the text outside links.
	// The blocks' strings are cut from one string of each (finish).
	all, ownAll     []byte
	start, ownStart int
	space           bool       // a space is due before the next word
	node            *html.Node // current block-level container
	encl            *html.Node // <a> enclosing the current container
	linkTexts       []ohLink   // links that started in the current block
	times           []ohTimeAttr
	plain           bool // the current block has a letter or digit outside links
}

// ohBlockTags end a text block where they open and close.
var ohBlockTags = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true, atom.Body: true,
	atom.Caption: true, atom.Center: true, atom.Dd: true, atom.Details: true, atom.Dialog: true,
	atom.Dir: true, atom.Div: true, atom.Dl: true, atom.Dt: true, atom.Fieldset: true,
	atom.Figcaption: true, atom.Figure: true, atom.Footer: true, atom.Form: true, atom.H1: true,
	atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true, atom.Header: true,
	atom.Hgroup: true, atom.Hr: true, atom.Html: true, atom.Legend: true, atom.Li: true,
	atom.Main: true, atom.Menu: true, atom.Nav: true, atom.Ol: true, atom.Option: true, atom.P: true,
	atom.Pre: true, atom.Section: true, atom.Summary: true, atom.Table: true, atom.Tbody: true,
	atom.Td: true, atom.Tfoot: true, atom.Th: true, atom.Thead: true, atom.Tr: true, atom.Ul: true,
}

// ohHiddenTags hold no visible text.
var ohHiddenTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true, atom.Svg: true,
	atom.Math: true, atom.Iframe: true, atom.Object: true, atom.Textarea: true, atom.Select: true,
	atom.Title: true, atom.Meta: true,
}

func (w *ohWalker) walk(n *html.Node, encl *html.Node) {
	switch n.Type {
	case html.TextNode:
		if encl == nil {
			w.ownAll = append(w.ownAll, n.Data...)
			w.ownAll = append(w.ownAll, ' ')
			if !w.plain {
				w.plain = strings.IndexFunc(n.Data, func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) }) >= 0
			}
		}
		w.text(n.Data)
		return
	case html.DocumentNode:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.walk(c, encl)
		}
		return
	case html.ElementNode:
	default:
		return
	}
	if ohHiddenTags[n.DataAtom] || ohHasAttr(n, "hidden") {
		return
	}
	switch n.DataAtom {
	case atom.Head:
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			switch {
			case c.Type != html.ElementNode:
			case c.DataAtom == atom.Link:
				w.headLink(c)
			case c.DataAtom == atom.Title && w.title == "":
				w.title = ohCollapse(nodeText(c)) // not ohNodeText: a title is hidden text
			}
		}
		return
	case atom.Link:
		w.headLink(n)
		return
	case atom.Br:
		w.flush()
		return
	case atom.A:
		if href, ok := ohAttr(n, "href"); ok {
			l := ohLink{href: strings.TrimSpace(href), rel: ohAttrValue(n, "rel"), text: ohCollapse(ohNodeText(n))}
			w.links = append(w.links, l)
			w.linkTexts = append(w.linkTexts, l)
			encl = n
		}
	case atom.Time:
		if dt, ok := ohAttr(n, "datetime"); ok {
			w.times = append(w.times, ohTimeAttr{datetime: strings.TrimSpace(dt), text: ohCollapse(ohNodeText(n))})
		}
	}
	if !ohBlockTags[n.DataAtom] {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.walk(c, encl)
		}
		return
	}
	w.flush()
	savedNode, savedEncl := w.node, w.encl
	w.node, w.encl = n, encl
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c, encl)
	}
	w.flush()
	w.node, w.encl = savedNode, savedEncl
}

func (w *ohWalker) headLink(n *html.Node) {
	href, _ := ohAttr(n, "href")
	rel := ohAttrValue(n, "rel")
	switch {
	case ohHasWord(rel, "canonical") && w.canonical == "":
		w.canonical = strings.TrimSpace(href)
	case ohHasWord(rel, "next"):
		w.links = append(w.links, ohLink{href: strings.TrimSpace(href), rel: rel})
	}
}

// text appends s to the current block, folding white space as a browser
// does: runs become one space; no space is added between elements.
func (w *ohWalker) text(s string) {
	if !utf8.ValidString(s) {
		s = strings.ToValidUTF8(s, "\ufffd")
	}
	for len(s) > 0 {
		if c := s[0]; c < utf8.RuneSelf {
			// A run of ASCII that is neither white space nor NUL is
			// written as it stands.
			i := 0
			for i < len(s) && s[i] < utf8.RuneSelf && !ohASCIISpace(s[i]) && s[i] != 0 {
				i++
			}
			if i == 0 {
				s = s[1:]
				if ohASCIISpace(c) {
					w.space = len(w.all) > w.start
					continue
				}
				w.word("\ufffd") // NUL
				continue
			}
			w.word(s[:i])
			s = s[i:]
			continue
		}
		r, size := utf8.DecodeRuneInString(s)
		s = s[size:]
		if unicode.IsSpace(r) {
			w.space = len(w.all) > w.start
			continue
		}
		if w.space {
			w.all = append(w.all, ' ')
			w.space = false
		}
		w.all = utf8.AppendRune(w.all, r)
	}
}

// word appends text that holds no white space, after the space due.
func (w *ohWalker) word(s string) {
	if w.space {
		w.all = append(w.all, ' ')
		w.space = false
	}
	w.all = append(w.all, s...)
}

// ohASCIISpace is unicode.IsSpace for an ASCII byte.
func ohASCIISpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'
}

// flush ends the current block.
func (w *ohWalker) flush() {
	lo, hi := w.start, len(w.all)
	ownLo, ownHi := w.ownStart, len(w.ownAll)
	w.space = false
	links, times, plain := w.linkTexts, w.times, w.plain
	w.linkTexts, w.times, w.plain = nil, nil, false
	if lo == hi || !plain {
		// No block, or no text outside links to keep.
		w.ownAll = w.ownAll[:ownLo]
		ownHi = ownLo
	}
	w.start, w.ownStart = len(w.all), len(w.ownAll)
	if lo == hi {
		return
	}
	b := ohBlock{node: w.node, times: times, linkOnly: !plain, lo: lo, hi: hi, ownLo: ownLo, ownHi: ownHi}
	if w.encl != nil {
		b.href, b.wholeLink = ohAttrValue(w.encl, "href"), true
	} else {
		for _, l := range links {
			if l.text == string(w.all[lo:hi]) {
				b.href, b.wholeLink = l.href, true
				break
			}
		}
	}
	w.blocks = append(w.blocks, b)
}

// finish gives every block its text and own text, cut from one string of
// each buffer.
func (w *ohWalker) finish() {
	all, own := string(w.all), string(w.ownAll)
	for k := range w.blocks {
		b := &w.blocks[k]
		b.text, b.ownRaw = all[b.lo:b.hi], own[b.ownLo:b.ownHi]
	}
	w.all, w.ownAll = nil, nil
}

// own is the block's text outside links, white space folded; "" when
// linkOnly.
func (b ohBlock) own() string {
	if b.ownRaw == "" {
		return ""
	}
	return ohCollapse(b.ownRaw)
}

func ohAttr(n *html.Node, key string) (string, bool) {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val, true
		}
	}
	return "", false
}

func ohAttrValue(n *html.Node, key string) string {
	v, _ := ohAttr(n, key)
	return v
}

func ohHasAttr(n *html.Node, key string) bool {
	_, ok := ohAttr(n, key)
	return ok
}

// ohHasWord reports whether the space-separated list s holds word.
func ohHasWord(s, word string) bool {
	for _, f := range strings.Fields(s) {
		if strings.EqualFold(f, word) {
			return true
		}
	}
	return false
}

// ohNodeText is the text under n, hidden elements left out.
func ohNodeText(n *html.Node) string {
	if c := n.FirstChild; c != nil && c.NextSibling == nil && c.Type == html.TextNode &&
		!(n.Type == html.ElementNode && (ohHiddenTags[n.DataAtom] || ohHasAttr(n, "hidden"))) {
		return c.Data // one text node: no copy
	}
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		switch {
		case n.Type == html.TextNode:
			b.WriteString(n.Data)
		case n.Type == html.ElementNode && (ohHiddenTags[n.DataAtom] || ohHasAttr(n, "hidden")):
			return
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return b.String()
}

// ohCollapse folds white space like the walker does.
func ohCollapse(s string) string {
	if foldedASCII(s) && strings.IndexByte(s, 0) < 0 {
		return s // nothing to fold or replace
	}
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		// Nothing to replace: fold white space in one pass.
		b := make([]byte, 0, len(s))
		space := false
		for i := 0; i < len(s); {
			c := s[i]
			r, size := rune(c), 1
			if c >= utf8.RuneSelf {
				r, size = utf8.DecodeRuneInString(s[i:])
			}
			if unicode.IsSpace(r) {
				space = len(b) > 0
			} else {
				if space {
					b = append(b, ' ')
					space = false
				}
				b = append(b, s[i:i+size]...)
			}
			i += size
		}
		return string(b)
	}
	return strings.Join(strings.Fields(strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", "\ufffd"), "\ufffd")), " ")
}

// ohCommonAncestor is the deepest node holding both a and b (either may be
// nil, which yields the other).
func ohCommonAncestor(a, b *html.Node) *html.Node {
	if a == nil {
		return b
	}
	if b == nil {
		return a
	}
	for x := a; x != nil; x = x.Parent {
		if ohInside(x, b) {
			return x
		}
	}
	return nil
}

// ohInTag reports whether n or one of its ancestors is an element with one
// of the tags, or (for headings) role="heading".
func ohInTag(n *html.Node, tags ...atom.Atom) bool {
	for x := n; x != nil; x = x.Parent {
		if x.Type != html.ElementNode {
			continue
		}
		for _, t := range tags {
			if x.DataAtom == t {
				return true
			}
		}
	}
	return false
}

// ohHeading reports whether n is, or is inside, a heading: h1 to h6 or an
// element with role="heading".
func ohHeading(n *html.Node) bool {
	for x := n; x != nil; x = x.Parent {
		if x.Type == html.ElementNode && strings.EqualFold(strings.TrimSpace(ohAttrValue(x, "role")), "heading") {
			return true
		}
	}
	return ohInTag(n, atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6)
}

// ohInside reports whether n is scope or below it; a nil scope holds all.
func ohInside(scope, n *html.Node) bool {
	if scope == nil {
		return true
	}
	for x := n; x != nil; x = x.Parent {
		if x == scope {
			return true
		}
	}
	return false
}
