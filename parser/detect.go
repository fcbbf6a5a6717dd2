package parser

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"slices"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Format names a page family a parser understands. The names are what
// users pass to --format.
type Format string

// FormatAuto asks Parse to detect the format.
const FormatAuto Format = "auto"

// format is one page family: how to recognise it and how to parse it.
type format struct {
	name Format
	// sniff reports how sure it is that doc is of this family: 0 not at
	// all, higher is surer. It decides from the document's structure (its
	// HTML tree, JSON object or XML root, from doc.html, doc.jsonObject and
	// doc.xmlRoot), never from byte literals, so that quote style, spacing,
	// case and attribute order do not matter. Those are built once per
	// Parse and shared with the parser that wins.
	sniff func(doc Document) int
	parse func(doc Document) (*Page, error)
}

// formats is every page family, in no particular order: Detect picks the
// one that sniffs highest. Parsers register themselves in their own file's
// init, so that this list has no merge hot spot.
var formats []format

func register(f format) {
	if slices.ContainsFunc(formats, func(g format) bool { return g.name == f.name }) {
		panic("parser: format registered twice: " + string(f.name))
	}
	formats = append(formats, f)
}

// Formats lists the names accepted by Parse, sorted.
func Formats() []Format {
	names := make([]Format, 0, len(formats))
	for _, f := range formats {
		names = append(names, f.name)
	}
	slices.Sort(names)
	return names
}

// Detect returns the format that best fits doc. A bot challenge or login
// wall is ErrBlocked, whatever else the page holds, and an empty body is
// ErrUnknownFormat: neither is ever "zero incidents".
func Detect(doc Document) (Format, error) {
	doc, err := decodeCharset(doc)
	if err != nil {
		return "", &ParseError{Source: doc.Source, URL: doc.URL, Err: err}
	}
	doc = doc.shared()
	doc.signals() // the sniffers' walk, which the challenge check shares
	if why := blocked(doc); why != "" {
		return "", &ParseError{Source: doc.Source, URL: doc.URL, Err: fmt.Errorf("%w (%s)", ErrBlocked, why)}
	}
	return sniff(doc)
}

// sniff returns the format that sniffs highest for doc, which is not
// blocked.
func sniff(doc Document) (Format, error) {
	best, score := Format(""), 0
	for _, f := range formats {
		if s := f.sniff(doc); s > score {
			best, score = f.name, s
		}
	}
	if score == 0 {
		return "", &ParseError{Source: doc.Source, URL: doc.URL, Err: fmt.Errorf("%w (%s)", ErrUnknownFormat, describe(doc))}
	}
	return best, nil
}

// Parse parses doc as the named format, or as the detected one when name is
// empty or FormatAuto. Every record it returns has passed Validate (without
// an upper time bound: the parser has no clock) and carries doc.Source.
// Every error it returns for a page names the page's source and URL; for
// a page fetched to complete an incident (doc.Via.Reason is FollowDetail)
// it is a *DetailError around that error.
func Parse(doc Document, name Format) (*Page, error) {
	page, err := parse(doc, name)
	if err != nil && doc.Via.Reason == FollowDetail {
		// A page that was to complete an incident: the run keeps the
		// list page's record (DetailError).
		return nil, &DetailError{Follow: doc.Via, URL: doc.URL, Err: err}
	}
	return page, err
}

func parse(doc Document, name Format) (*Page, error) {
	auto := name == "" || name == FormatAuto
	if auto {
		name = ""
	} else if !slices.ContainsFunc(formats, func(f format) bool { return f.name == name }) {
		return nil, fmt.Errorf("parse: %w: no format named %q (have %s)", ErrUnknownFormat, name, joinFormats())
	}
	// Every parser reads UTF-8: the body is decoded from its charset first.
	doc, err := decodeCharset(doc)
	if err != nil {
		return nil, &ParseError{Source: doc.Source, URL: doc.URL, Format: name, Err: err}
	}
	doc = doc.shared()
	if auto {
		doc.signals() // the sniffers' walk, which the challenge check shares
	}
	if why := blocked(doc); why != "" {
		return nil, &ParseError{Source: doc.Source, URL: doc.URL, Format: name, Err: fmt.Errorf("%w (%s)", ErrBlocked, why)}
	}
	if auto {
		if name, err = sniff(doc); err != nil {
			return nil, err
		}
	}
	i := slices.IndexFunc(formats, func(f format) bool { return f.name == name })
	page, err := formats[i].parse(doc)
	if err != nil {
		return nil, locate(err, doc, name)
	}
	page.Format, page.URL = name, doc.URL
	for k := range page.Incidents {
		in := &page.Incidents[k]
		in.Source = doc.Source
		in.Sort()
		in.Truncate()
		in.ReadWindows()
		if err := in.Validate(time.Time{}); err != nil {
			return nil, &ParseError{Source: doc.Source, URL: doc.URL, Format: name, Err: err}
		}
	}
	return page, nil
}

// locate makes err say where it happened: the *ParseError in its chain, or
// a new one around it, gets whichever of doc's source and URL and the
// format it lacks.
func locate(err error, doc Document, name Format) error {
	var pe *ParseError
	if !errors.As(err, &pe) {
		pe = &ParseError{Err: err}
		err = pe
	}
	if pe.Source == "" {
		pe.Source = doc.Source
	}
	if pe.URL == "" {
		pe.URL = doc.URL
	}
	if pe.Format == "" {
		pe.Format = name
	}
	return err
}

func joinFormats() string {
	var names []string
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}

// describe says in a few words what a document looks like, for errors.
func describe(doc Document) string {
	ct := doc.ContentType
	if ct == "" {
		ct = "no content type"
	}
	head := bytes.TrimSpace(doc.Body)
	if len(head) > 40 {
		head = head[:40]
	}
	what := fmt.Sprintf("%s, %d bytes, starting %q", ct, len(doc.Body), head)
	if near := closest(doc); near != "" {
		what = near + "; " + what
	}
	return what
}

// blockTitles are the <title>s of bot challenges and block pages, lower
// case, white space folded.
var blockTitles = map[string]string{
	"just a moment...":                 "cloudflare challenge",
	"attention required! | cloudflare": "cloudflare block page",
	"access denied":                    "access denied page",
}

// blockTokens are ids and class names that challenge widgets carry.
var blockTokens = []struct{ token, why string }{
	{"cf-browser-verification", "cloudflare browser check"},
	{"px-captcha", "perimeterx captcha"},
	{"g-recaptcha", "captcha"},
	{"h-captcha", "captcha"},
	{"cf-turnstile", "cloudflare challenge"},
}

// blockToken is what blockTokens says of tok, in any case, or "". It
// allocates nothing and ranges over a slice, not a map: blocked asks it of
// every class of every element.
func blockToken(tok string) string {
	for _, b := range blockTokens {
		if len(tok) == len(b.token) && strings.EqualFold(tok, b.token) {
			return b.why
		}
	}
	return ""
}

// blockScripts are what challenge pages load or set in their scripts.
var blockScripts = []struct{ mark, why string }{
	{"challenges.cloudflare.com", "cloudflare challenge"},
	{"cf_chl_opt", "cloudflare challenge"},
	{"_incapsula_resource", "incapsula challenge"},
}

// blocked says why doc looks like a bot challenge or login page, or "" when
// it does not. It reads the HTML tree, not the bytes: the page's title, a
// challenge widget's id or class, a challenge script, a password field
// (status pages have none; a title saying "Login" may be an incident's).
// Incident text that mentions a captcha is text, so a status page saying
// so is still a status page. JSON and XML documents are never challenges.
func blocked(doc Document) string {
	if doc.syntax() != syntaxHTML {
		return ""
	}
	if doc.view != nil {
		if s, ok := doc.view.memo["signals"].(*signals); ok {
			if s == nil {
				return "" // a tree that did not parse
			}
			return s.blocked // read already, with the sniffers' signals
		}
	}
	root, err := doc.html()
	if err != nil {
		return ""
	}
	return blockedWalk(root)
}

// blockedWalk is the challenge check alone, as signals reads it, for a
// parse that needs no sniffer: it stops at the first reason and reads
// only titles, password fields, scripts, frames, and the first class and
// id of each element.
func blockedWalk(n *html.Node) string {
	for ; n != nil; n = n.NextSibling {
		if n.Type == html.ElementNode {
			why := blockedTag(n)
			if why == "" && n.DataAtom != atom.Input && n.DataAtom != atom.Button {
				why = blockAttrs(n)
			}
			if why != "" {
				return why
			}
		}
		if n.FirstChild != nil {
			if why := blockedWalk(n.FirstChild); why != "" {
				return why
			}
		}
	}
	return ""
}

// blockAttrs says why an element's first class attribute or first id names
// a challenge widget, or "" (attributes read as attrOf reads them).
func blockAttrs(n *html.Node) string {
	haveClass, haveID := false, false
	for _, a := range n.Attr {
		if a.Namespace != "" {
			continue
		}
		switch {
		case !haveClass && attrKeyIs(a.Key, "class"):
			haveClass = true
			if w := blockClass(a.Val); w != "" {
				return w
			}
		case !haveID && attrKeyIs(a.Key, "id"):
			haveID = true
			if w := blockToken(strings.TrimSpace(a.Val)); w != "" {
				return w
			}
		}
	}
	return ""
}

// blockClass is what blockToken says of the first class in list that it
// names, split as strings.Fields splits it, or "".
func blockClass(list string) string {
	if !asciiNoVT(list) {
		for tok := range strings.FieldsSeq(list) {
			if w := blockToken(tok); w != "" {
				return w
			}
		}
		return ""
	}
	start := -1
	for i := 0; i <= len(list); i++ {
		if i < len(list) && !isClassSpace(list[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			if w := blockToken(list[start:i]); w != "" {
				return w
			}
			start = -1
		}
	}
	return ""
}

// attrKeyIs is strings.EqualFold(key, lower) for lower, a lower-case ASCII
// attribute name, without its cost for the usual key: the tokenizer
// lower-cases names, so a key of lower-case ASCII is compared as it is.
func attrKeyIs(key, lower string) bool {
	for i := 0; i < len(key); i++ {
		if c := key[i]; c >= 0x80 || 'A' <= c && c <= 'Z' {
			return strings.EqualFold(key, lower)
		}
	}
	return key == lower
}

// blockScript says why a <script> looks like a challenge's, or "": its
// source or text names one of blockScripts, in any case. Matching ASCII
// marks without regard to ASCII case finds what lower-casing the text
// would (no other letter lower-cases to one of theirs).
func blockScript(n *html.Node) string {
	src := attrOf(n, "src")
	text := ""
	switch c := n.FirstChild; {
	case c == nil:
	case c.NextSibling == nil && c.Type == html.TextNode:
		text = c.Data
	default:
		text = nodeText(n)
	}
	why := ""
	for _, m := range blockScripts {
		if containsFoldASCII(src, m.mark) || containsFoldASCII(text, m.mark) {
			why = m.why
		}
	}
	return why
}

// containsFoldASCII reports whether s holds mark, a lower-case ASCII
// string, with ASCII letters matched in either case. It finds candidates
// with a byte search for the mark's first byte that is not a letter (one
// case to look for), so that a long script costs a fast scan per mark.
func containsFoldASCII(s, mark string) bool {
	if len(mark) == 0 {
		return true
	}
	anchor := strings.IndexFunc(mark, func(r rune) bool { return r < 'a' || r > 'z' })
	if anchor < 0 {
		for i := 0; i+len(mark) <= len(s); i++ {
			if asciiEqualFold(s[i:i+len(mark)], mark) {
				return true
			}
		}
		return false
	}
	for i := anchor; i+len(mark)-anchor <= len(s); {
		k := strings.IndexByte(s[i:], mark[anchor])
		if k < 0 {
			return false
		}
		i += k
		if start := i - anchor; start+len(mark) <= len(s) && asciiEqualFold(s[start:start+len(mark)], mark) {
			return true
		}
		i++
	}
	return false
}

// asciiEqualFold reports whether s equals lower, a lower-case ASCII string,
// with ASCII letters of s in either case.
func asciiEqualFold(s, lower string) bool {
	for i := 0; i < len(lower); i++ {
		c := s[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// syntax is how a document is written, which decides how it is parsed.
type syntax int

const (
	syntaxNone syntax = iota // empty, or not markup or JSON
	syntaxHTML
	syntaxXML
	syntaxJSON
)

// view is what detection and parsing share of one document, each part
// built on first use: the HTML tree, the top-level JSON object, the XML
// root, and whatever a parser keeps for itself (memo). Parse makes one per
// call, so every sniffer and the winning parser see one parse.
type view struct {
	syn     syntax
	synDone bool

	root     *html.Node
	rootErr  error
	rootDone bool

	obj     map[string]json.RawMessage
	objDone bool

	xmlName xml.Name
	xmlDone bool

	memo map[string]any
}

// shared returns doc with a view its copies share.
func (doc Document) shared() Document {
	if doc.view == nil {
		doc.view = &view{}
	}
	return doc
}

// trimmedBody is the body without a UTF-8 byte-order mark and surrounding
// white space.
func (doc Document) trimmedBody() []byte {
	return bytes.TrimSpace(bytes.TrimPrefix(doc.Body, []byte("\xef\xbb\xbf")))
}

// syntax says how doc is written: JSON when it opens with '{' or '[',
// XML when its type says so or it opens with an XML declaration and its
// root is not <html>, HTML when it opens with markup, else none. An HTML
// or XML type over a JSON body is still JSON.
func (doc Document) syntax() syntax {
	if doc.view != nil && doc.view.synDone {
		return doc.view.syn
	}
	s := doc.detectSyntax()
	if doc.view != nil {
		doc.view.syn, doc.view.synDone = s, true
	}
	return s
}

func (doc Document) detectSyntax() syntax {
	body := doc.trimmedBody()
	if len(body) == 0 {
		return syntaxNone
	}
	switch body[0] {
	case '{', '[':
		return syntaxJSON
	case '<':
	default:
		return syntaxNone
	}
	mt, _, _ := mime.ParseMediaType(doc.ContentType)
	xmlType := strings.HasSuffix(mt, "xml") && mt != "application/xhtml+xml"
	decl := len(body) > 5 && strings.EqualFold(string(body[:5]), "<?xml")
	if xmlType || decl {
		if name, ok := doc.xmlRoot(); ok && !strings.EqualFold(name.Local, "html") {
			return syntaxXML
		}
		if xmlType && !decl {
			// A declared XML type whose root is <html> or that does not
			// decode: HTML.
			return syntaxHTML
		}
	}
	if !decl {
		// No declaration: still XML when the root is a feed.
		if name, ok := doc.xmlRoot(); ok && (name.Local == "rss" || name.Local == "feed" || name.Local == "RDF") {
			return syntaxXML
		}
	}
	return syntaxHTML
}

// html returns doc's HTML tree, parsed once per view.
func (doc Document) html() (*html.Node, error) {
	v := doc.view
	if v != nil && v.rootDone {
		return v.root, v.rootErr
	}
	root, err := html.Parse(bytes.NewReader(doc.Body))
	if err != nil {
		err = fmt.Errorf("%w: %w", ErrNotHTML, err)
	}
	if v != nil {
		v.root, v.rootErr, v.rootDone = root, err, true
	}
	return root, err
}

// jsonObject returns doc's top-level JSON object, keys to raw values,
// decoded once per view; false when the body is not a JSON object.
func (doc Document) jsonObject() (map[string]json.RawMessage, bool) {
	v := doc.view
	if v != nil && v.objDone {
		return v.obj, v.obj != nil
	}
	obj := jsonMembers(doc.trimmedBody())
	if v != nil {
		v.obj, v.objDone = obj, true
	}
	return obj, obj != nil
}

// xmlRoot returns the name of doc's root element read as XML: the first
// start tag, after any declaration, comments and doctype. It reads only
// that far.
func (doc Document) xmlRoot() (xml.Name, bool) {
	v := doc.view
	if v != nil && v.xmlDone {
		return v.xmlName, v.xmlName.Local != ""
	}
	var name xml.Name
	dec := xml.NewDecoder(bytes.NewReader(doc.trimmedBody()))
	dec.Strict = false
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	for range 64 {
		tok, err := dec.RawToken()
		if err != nil {
			break
		}
		if se, ok := tok.(xml.StartElement); ok {
			name = se.Name
			break
		}
	}
	if v != nil {
		v.xmlName, v.xmlDone = name, true
	}
	return name, name.Local != ""
}

// memoize returns what build makes of doc, built once per view under key:
// a parser's own reading of the tree (its text blocks, a decoded payload)
// that its sniffer and its parse both use.
func memoize[T any](doc Document, key string, build func() T) T {
	v := doc.view
	if v == nil {
		return build()
	}
	if got, ok := v.memo[key]; ok {
		return got.(T)
	}
	if v.memo == nil {
		v.memo = map[string]any{}
	}
	t := build()
	v.memo[key] = t
	return t
}

// attrOf is n's attribute key (matched without regard to case), or "".
func attrOf(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Namespace == "" && strings.EqualFold(a.Key, key) {
			return a.Val
		}
	}
	return ""
}

// nodeText is the text under n.
func nodeText(n *html.Node) string {
	if c := n.FirstChild; c != nil && c.NextSibling == nil && c.Type == html.TextNode && c.FirstChild == nil {
		return c.Data // one text node: no copy
	}
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return b.String()
}

// classes returns every class name in doc's HTML tree, lower case, read
// once per view; nil when doc is not HTML.
func (doc Document) classes() map[string]bool {
	return memoize(doc, "classes", func() map[string]bool {
		if doc.syntax() != syntaxHTML {
			return nil
		}
		root, err := doc.html()
		if err != nil {
			return nil
		}
		set := map[string]bool{}
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			for ; n != nil; n = n.NextSibling {
				if n.Type == html.ElementNode {
					for _, c := range strings.Fields(attrOf(n, "class")) {
						set[strings.ToLower(c)] = true
					}
				}
				walk(n.FirstChild)
			}
		}
		walk(root)
		return set
	})
}
