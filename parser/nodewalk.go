package parser

// Direct node walks for the hot paths, each matching as the goquery or
// cascadia call it replaces does (the comment of each says which), without
// compiling a selector or building a selection per call.

import (
	"strings"

	"golang.org/x/net/html"
)

// selClass reports whether n is an element whose class attribute holds
// token c, as the selector ".c" matches: tokens split at ASCII white space
// (" \t\r\n\f"), case kept.
func selClass(n *html.Node, c string) bool {
	if n == nil || n.Type != html.ElementNode {
		return false
	}
	for _, a := range n.Attr {
		if a.Key == "class" && hasToken(a.Val, c) {
			return true
		}
	}
	return false
}

// hasToken reports whether the list s, split at " \t\r\n\f", holds tok.
func hasToken(s, tok string) bool {
	start := 0
	for i := 0; i < len(s); i++ {
		if isClassSpace(s[i]) {
			if s[start:i] == tok {
				return true
			}
			start = i + 1
		}
	}
	return start < len(s) && s[start:] == tok
}

// selHasClass is goquery's Selection.HasClass for one node: the first
// class attribute, with tabs, carriage returns and newlines read as spaces,
// holds class between spaces (a form feed separates nothing).
func selHasClass(n *html.Node, class string) bool {
	if n == nil || n.Type != html.ElementNode {
		return false
	}
	for _, a := range n.Attr {
		if a.Key != "class" {
			continue
		}
		if !strings.Contains(a.Val, class) {
			return false
		}
		for f := range strings.FieldsFuncSeq(a.Val, func(r rune) bool { return r == ' ' || r == '\t' || r == '\r' || r == '\n' }) {
			if f == class {
				return true
			}
		}
		return false
	}
	return false
}

// selAttr is goquery's Attr on one node: the first attribute named key
// (exactly), and whether there is one. A nil node has none.
func selAttr(n *html.Node, key string) (string, bool) {
	if n == nil {
		return "", false
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val, true
		}
	}
	return "", false
}

// selText is goquery's Text on one node: every text node under it,
// concatenated; "" for a nil node.
func selText(n *html.Node) string {
	if n == nil {
		return ""
	}
	return nodeText(n)
}

// underClass reports whether some ancestor of n (up to the root, not
// bounded by where a search started) has class c: the descendant
// combinator of ".c x".
func underClass(n *html.Node, c string) bool {
	for p := n.Parent; p != nil; p = p.Parent {
		if selClass(p, c) {
			return true
		}
	}
	return false
}

// findAll returns the elements below n (n itself excluded) for which
// match holds, in document order: goquery's Find on a one-node selection.
func findAll(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && match(c) {
				out = append(out, c)
			}
			walk(c)
		}
	}
	if n != nil {
		walk(n)
	}
	return out
}

// findFirst is the first element findAll would return, or nil: goquery's
// Find(...).First() on a one-node selection.
func findFirst(n *html.Node, match func(*html.Node) bool) *html.Node {
	if n == nil {
		return nil
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && match(c) {
			return c
		}
		if f := findFirst(c, match); f != nil {
			return f
		}
	}
	return nil
}

// isElement reports whether n is the element tag (the type selector).
func isElement(n *html.Node, tag string) bool {
	return n.Type == html.ElementNode && n.Data == tag
}
