package parser

import (
	"bytes"
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Atlassian Statuspage renders two HTML pages worth archiving on the server:
// an incident's own page (/incidents/<code>) with its full timeline, and the
// home page with unresolved incidents, upcoming maintenance and the last 15
// days of past incidents. Both exist in a 2021 and a 2025 rendering that
// share the class vocabulary (see fixtures/realworld/MARKUP.md, section 1).
const (
	// FormatStatuspageIncident is the incident page /incidents/<code>.
	FormatStatuspageIncident Format = "statuspage-incident"
	// FormatStatuspageHome is the home page with its incident lists.
	FormatStatuspageHome Format = "statuspage-home"
)

func init() {
	register(format{name: FormatStatuspageIncident, sniff: sniffStatuspageIncident, parse: parseStatuspageIncident})
	register(format{name: FormatStatuspageHome, sniff: sniffStatuspageHome, parse: parseStatuspageHome})
}

// statuspageMarkers are words every Statuspage HTML page carries in its
// links, scripts or footer ("Powered by Atlassian Statuspage", the stspg.io
// short links, the *.statuspage.io hosts), lower case.
var statuspageMarkers = []string{"statuspage", "stspg"}

// looksLikeHTML reports whether body starts like a markup document.
func looksLikeHTML(body []byte) bool {
	body = bytes.TrimPrefix(body, []byte("\xef\xbb\xbf"))
	body = bytes.TrimSpace(body)
	return len(body) > 0 && body[0] == '<'
}

// hasStatuspageMarker reports whether a link, a script source or the text
// of doc's HTML tree names Statuspage, in any case.
func hasStatuspageMarker(doc Document) bool {
	return memoize(doc, "statuspage-marker", func() bool {
		root, err := doc.html()
		if err != nil {
			return false
		}
		has := func(s string) bool {
			s = strings.ToLower(s)
			for _, m := range statuspageMarkers {
				if strings.Contains(s, m) {
					return true
				}
			}
			return false
		}
		found := false
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			for ; n != nil && !found; n = n.NextSibling {
				switch n.Type {
				case html.TextNode:
					found = has(n.Data)
				case html.ElementNode:
					found = has(attrOf(n, "href")) || has(attrOf(n, "src")) || has(attrOf(n, "content"))
				}
				walk(n.FirstChild)
			}
		}
		walk(root)
		return found
	})
}

// hasClass reports whether some element of doc's HTML tree has the class
// token (in any case). The same names in the page's embedded CSS
// (".status-day .update-title") or text do not count.
func hasClass(doc Document, token string) bool {
	for _, c := range spClassNames {
		if c.name == token {
			return hasSPClass(doc, c.bit)
		}
	}
	return doc.classes()[token]
}

// maybeStatuspageHTML is the cheap gate of both sniffers: markup that is
// not served as JSON or XML and is not the history page.
func maybeStatuspageHTML(doc Document) bool {
	ct := strings.ToLower(doc.ContentType)
	if strings.Contains(ct, "json") || strings.Contains(ct, "xml") {
		return false
	}
	return doc.syntax() == syntaxHTML && historyElement(doc) == nil
}

// sniffStatuspageIncident recognises an incident page by its updates
// container and update rows.
func sniffStatuspageIncident(doc Document) int {
	if !maybeStatuspageHTML(doc) {
		return 0
	}
	score := 0
	switch {
	case hasClass(doc, "incident-updates-container"):
		score = 70
	case hasClass(doc, "update-row") && hasClass(doc, "incident-name"):
		score = 60
	default:
		return 0
	}
	if hasStatuspageMarker(doc) {
		score += 20
	}
	return score
}

// sniffStatuspageHome recognises a home page by its day blocks, unresolved
// incidents or scheduled maintenance blocks. The history page (whose list
// is React props) belongs to FormatStatuspageHistory.
func sniffStatuspageHome(doc Document) int {
	if !maybeStatuspageHTML(doc) {
		return 0
	}
	if hasClass(doc, "incident-updates-container") {
		return 0 // an incident page
	}
	score := 0
	switch {
	case hasClass(doc, "status-day"):
		score = 65
	case hasClass(doc, "unresolved-incident"), hasClass(doc, "scheduled-maintenance"):
		score = 60
	default:
		return 0
	}
	if hasStatuspageMarker(doc) {
		score += 20
	}
	return score
}

// statuspageDOM parses doc's body into a DOM.
func statuspageDOM(doc Document) (*goquery.Document, error) {
	if !looksLikeHTML(doc.Body) {
		return nil, errNotStatuspage(fmt.Sprintf("not HTML (%s)", describe(doc)))
	}
	root, err := doc.html()
	if err != nil {
		return nil, err
	}
	return goquery.NewDocumentFromNode(root), nil
}

// incidentCodeRE finds an incident code in a URL path.
var incidentCodeRE = regexp.MustCompile(`/incidents/([A-Za-z0-9]+)(?:\.json)?(?:[/?#]|$)`)

// incidentCode returns the code in an /incidents/<code> URL, or "".
func incidentCode(href string) string {
	m := incidentCodeRE.FindStringSubmatch(strings.TrimSpace(href))
	if m == nil {
		return ""
	}
	return m[1]
}

// incidentPageURL returns an incident's page, origin/incidents/<code>, or
// "" when the origin or the code is unknown. Every rendering of an incident
// gets its URL here, so that they agree (the URL is part of the hash).
func incidentPageURL(origin, code string) string {
	if origin == "" || code == "" {
		return ""
	}
	return origin + "/incidents/" + url.PathEscape(code)
}

// impactOf reads the impact-* class of s: the normalised impact and the
// word the page used.
func impactOf(s *goquery.Selection) (Impact, string) {
	return impactOfClass(s.AttrOr("class", ""))
}

// impactOfClass reads the impact-* class of a class attribute.
func impactOfClass(class string) (Impact, string) {
	for _, c := range strings.Fields(class) {
		if raw, ok := strings.CutPrefix(c, "impact-"); ok {
			return NormaliseImpact(raw), raw
		}
	}
	return ImpactUnknown, ""
}

// foldSpace folds every run of white space in s to one space and trims it.
func foldSpace(s string) string {
	if foldedASCII(s) {
		return s
	}
	return strings.Join(strings.Fields(s), " ")
}

// bodyText renders the nodes of an update body as plain text: <br> and
// block elements become line breaks, links keep their text (the API bodies
// hold the bare URL a page turns into a link, so this keeps the renderings
// alike), runs of white space fold to one space except newlines inside
// whitespace-pre-wrap elements, and each line is trimmed.
func bodyText(nodes []*html.Node) string {
	var w bodyWriter
	return w.text(nodes)
}

// bodyWriter is bodyText's state: the text before its lines are trimmed.
// One writer may render many bodies, reusing its buffer.
type bodyWriter struct{ b []byte }

// text is bodyText(nodes).
func (w *bodyWriter) text(nodes []*html.Node) string {
	if w.b == nil {
		w.b = make([]byte, 0, 512)
	}
	w.b = w.b[:0]
	for _, n := range nodes {
		w.walk(n, false)
	}
	return w.lines()
}

func (w *bodyWriter) walk(n *html.Node, pre bool) {
	switch n.Type {
	case html.TextNode:
		if pre {
			w.b = append(w.b, n.Data...)
			return
		}
		// The words of the text joined by one space (white space before
		// the first word is dropped), and a space after them when the
		// text ends in white space.
		s, first := n.Data, true
		for {
			i := 0
			for i < len(s) && isHTMLSpaceByte(s[i]) {
				i++
			}
			s = s[i:]
			if s == "" {
				break
			}
			j := 0
			for j < len(s) && !isHTMLSpaceByte(s[j]) {
				j++
			}
			if !first {
				w.b = append(w.b, ' ')
			}
			w.b, s, first = append(w.b, s[:j]...), s[j:], false
		}
		if d := n.Data; len(d) > 0 && isHTMLSpaceByte(d[len(d)-1]) {
			w.b = append(w.b, ' ')
		}
		return
	case html.ElementNode:
		block := false
		switch n.Data {
		case "br":
			w.b = append(w.b, '\n')
			return
		case "script", "style":
			return
		case "p", "div", "li", "ul", "ol", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr":
			block = true
			w.b = append(w.b, '\n')
		}
		if !pre && hasPreWrap(attr(n, "class")) {
			pre = true
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			w.walk(c, pre)
		}
		if block {
			w.b = append(w.b, '\n')
		}
		return
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		w.walk(c, pre)
	}
}

// hasPreWrap reports whether a class list names whitespace-pre-wrap.
func hasPreWrap(class string) bool {
	if !strings.Contains(class, "whitespace-pre-wrap") {
		return false
	}
	for c := range strings.FieldsSeq(class) {
		if c == "whitespace-pre-wrap" {
			return true
		}
	}
	return false
}

// lines is the text with each line trimmed of white space and the empty
// lines at either end dropped.
func (w *bodyWriter) lines() string {
	// Compacted in place: no line is written past where it was read.
	b := w.b
	out := b[:0]
	for start := 0; ; {
		end := bytes.IndexByte(b[start:], '\n')
		if end < 0 {
			out = append(out, bytes.TrimSpace(b[start:])...)
			break
		}
		end += start
		out = append(out, bytes.TrimSpace(b[start:end])...)
		out = append(out, '\n')
		start = end + 1
	}
	i, j := 0, len(out)
	for i < j && out[i] == '\n' {
		i++
	}
	for j > i && out[j-1] == '\n' {
		j--
	}
	return string(out[i:j])
}

// isHTMLSpaceByte is isHTMLSpace for one byte (no other byte of UTF-8 text
// is one of these).
func isHTMLSpaceByte(c byte) bool {
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f'
}

// isHTMLSpace reports the white space HTML folds (not U+00A0).
func isHTMLSpace(r rune) bool {
	return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\f'
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// statuspageOriginOf returns the scheme and host of the document's URL, or
// of the canonical URL it states when the document has no usable URL.
func statuspageOriginOf(doc Document, dom *goquery.Document) string {
	canon, _ := dom.Find(`link[rel="canonical"]`).First().Attr("href")
	return statuspageOrigin(doc.URL, canon)
}

// incidentURL returns origin/incidents/<code>, or href resolved against
// the document's URL when the origin is unknown.
func incidentURL(origin, code, href, docURL string) string {
	if u := incidentPageURL(origin, code); u != "" {
		return u
	}
	base, err := url.Parse(docURL)
	if err != nil {
		return href
	}
	ref, err := url.Parse(strings.TrimSpace(href))
	if err != nil {
		return href
	}
	return base.ResolveReference(ref).String()
}

// detailFollow asks for an incident's full timeline: the API first, the
// incident page when the API is refused. It has the shape the history
// parser emits, so that the crawler dedupes them by URL.
func detailFollow(origin, code string) Follow {
	return Follow{
		URL:      origin + "/api/v2/incidents/" + url.PathEscape(code) + ".json",
		Fallback: incidentPageURL(origin, code),
		Reason:   FollowDetail,
	}
}

// finishStatuspage sets an incident's status and kind from its updates,
// which must already be oldest first in page order (pages list them newest
// first: reversing keeps two posts of the same minute in the order they
// were made when Sort orders by time).
//
// The status is that of the latest update that states one: a free "Update"
// post repeats the state the incident is in (the API gives such a post the
// incident's status), so an incident whose last post is an Update keeps
// the status before it. Only an incident with nothing but Update posts has
// status update. The kind is maintenance for impact-maintenance and for
// any maintenance status (Scheduled, In progress, Verifying, Completed).
func finishStatuspage(in *Incident) {
	latest, stated := -1, -1
	for i, u := range in.Updates {
		if latest < 0 || !u.At.At.Before(in.Updates[latest].At.At) {
			latest = i
		}
		if u.Status != StatusUpdate && (stated < 0 || !u.At.At.Before(in.Updates[stated].At.At)) {
			stated = i
		}
	}
	if stated >= 0 {
		latest = stated
	}
	if latest >= 0 {
		in.Status, in.StatusRaw = in.Updates[latest].Status, in.Updates[latest].StatusRaw
	}
	in.Kind = KindIncident
	if in.Impact == ImpactMaintenance {
		in.Kind = KindMaintenance
	}
	for _, u := range in.Updates {
		if isMaintenanceStatus(u.Status) {
			in.Kind = KindMaintenance
		}
	}
}

// splitComponents reads "This incident affected: A, B, and C." into its
// names. Statuspage joins names as "A", "A and B", "A, B, and C", so a
// name that itself holds " and " is split when it is one of two, and one
// that holds ", " outside brackets is split always: the sentence alone
// cannot tell (the API's component list can).
func splitComponents(sentence string) []string {
	s := foldSpace(sentence)
	if i := strings.Index(s, ":"); i >= 0 {
		s = s[i+1:]
	}
	s = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(s), "."))
	if s == "" {
		return nil
	}
	// A comma inside brackets belongs to the name: "EU (Paris, Frankfurt)".
	var parts []string
	for _, p := range strings.Split(s, ", ") {
		if n := len(parts); n > 0 && strings.Count(parts[n-1], "(") > strings.Count(parts[n-1], ")") {
			parts[n-1] += ", " + p
			continue
		}
		parts = append(parts, p)
	}
	if len(parts) == 1 {
		parts = strings.SplitN(s, " and ", 2)
	}
	var names []string
	for _, p := range parts {
		p = strings.TrimSpace(strings.TrimPrefix(p, "and "))
		if p != "" {
			names = append(names, p)
		}
	}
	return names
}

// parseStatuspageIncident parses an incident page: title, impact, code,
// every update row (a published postmortem is a row of its own) and the
// components the incident affected.
func parseStatuspageIncident(doc Document) (*Page, error) {
	dom, err := statuspageDOM(doc)
	if err != nil {
		return nil, err
	}
	container := dom.Find(".incident-updates-container").First()
	h1 := dom.Find("h1.incident-name, .incident-name").First()
	if container.Length() == 0 && h1.Length() == 0 {
		return nil, errNotStatuspage("no incident-name heading and no incident-updates-container")
	}
	origin := statuspageOriginOf(doc, dom)
	code := ""
	for _, href := range []string{
		dom.Find(`link[rel="canonical"]`).AttrOr("href", ""),
		dom.Find(`meta[property="og:url"]`).AttrOr("content", ""),
	} {
		if code = incidentCode(href); code != "" {
			break
		}
	}
	if code == "" {
		code = strings.TrimSpace(dom.Find(`input[name="incident_code"]`).AttrOr("value", ""))
	}
	if code == "" {
		code = incidentCode(doc.URL)
	}
	if code == "" {
		return nil, &ParseError{Field: "incident code", Err: fmt.Errorf("%w: no canonical link, og:url, incident_code or /incidents/<code> URL", ErrNoIncidents)}
	}
	in := Incident{
		ID:      code,
		Title:   strings.TrimSpace(h1.Text()),
		URL:     incidentURL(origin, code, doc.URL, doc.URL),
		Updates: []Update{},
	}
	in.Impact, in.ImpactRaw = impactOf(h1)
	rendered := issuedAt(dom)

	rows := container.Find(".update-row")
	if container.Length() == 0 {
		rows = dom.Find(".update-row")
	}
	var rowErr error
	rows.EachWithBreak(func(i int, row *goquery.Selection) bool {
		raw := foldSpace(row.Find(".update-title").First().Text())
		u := Update{Status: NormaliseStatus(raw), StatusRaw: raw, Body: bodyText(row.Find(".update-body").First().Nodes)}
		if u.Status == StatusUnknown && row.HasClass("postmortem") {
			u.Status = StatusPostmortem
		}
		stamp := row.Find(".update-timestamp").First()
		if u.At, rowErr = detailTime(stamp, rendered); rowErr != nil {
			rowErr = &ParseError{Field: fmt.Sprintf("incident %s update %d time", code, i), Err: rowErr}
			return false
		}
		in.Updates = append(in.Updates, u)
		return true
	})
	if rowErr != nil {
		return nil, rowErr
	}
	if len(in.Updates) == 0 {
		return nil, &ParseError{Field: "update rows", Err: fmt.Errorf("%w: incident %s has no update rows", ErrNoIncidents, code)}
	}
	slices.Reverse(in.Updates)
	for _, name := range splitComponents(dom.Find(".components-affected").First().Text()) {
		in.Components = append(in.Components, Component{Name: name})
	}
	finishStatuspage(&in)
	return &Page{Incidents: []Incident{in}}, nil
}

// detailTime reads an incident page's "Posted <span class=ago
// data-datetime-unix=ms></span>May 08, 2025 - 14:07 BST": the epoch
// milliseconds when present, with the visible text kept beside them; else
// the visible text, which carries its year and zone.
func detailTime(stamp *goquery.Selection, rendered time.Time) (Time, error) {
	text := stampText(stamp.Text())
	if ms, ok := stamp.Find("[data-datetime-unix]").Attr("data-datetime-unix"); ok {
		at, err := epochAttr("data-datetime-unix", ms, time.Millisecond)
		if err != nil {
			return Time{}, err
		}
		return NewTime(at, text), nil
	}
	if text == "" {
		return Time{}, fmt.Errorf("%w: no timestamp", ErrBadTime)
	}
	return parseStamp(text, rendered, 24*time.Hour)
}

// epochAttr reads an epoch attribute (milliseconds in data-datetime-unix,
// seconds in data-unix-time). Instants outside 1970-2200 are refused: no
// status page shows them, and they would not survive encoding as JSON.
func epochAttr(name, v string, unit time.Duration) (time.Time, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || n < 0 || n > maxEpochSeconds*int64(time.Second/unit) {
		return time.Time{}, fmt.Errorf("%w: %s %q", ErrBadTime, name, v)
	}
	return time.Unix(0, 0).Add(time.Duration(n) * unit).UTC(), nil
}

// maxEpochSeconds is 2200-01-01T00:00:00Z.
const maxEpochSeconds = 7258118400

// issuedAt reads the page's render time from <meta name="issued"> (epoch
// seconds), or the zero time.
func issuedAt(dom *goquery.Document) time.Time {
	return issuedAtText(dom.Find(`meta[name="issued"]`).AttrOr("content", ""))
}

// issuedAtText reads the content of <meta name="issued">, or the zero time.
func issuedAtText(v string) time.Time {
	at, err := epochAttr("issued", strings.TrimSpace(v), time.Second)
	if err != nil {
		return time.Time{}
	}
	return at
}

// homeIndex is what a home page's parse looks up in the whole tree, found
// in one walk instead of a selector match over the tree for each: the
// blocks by class (in document order), whether there is an incidents list,
// the first canonical link's href and the first issued meta's content.
type homeIndex struct {
	days, unresolved, upcoming []*html.Node
	list                       bool
	canonical, issued          string
	haveCanonical, haveIssued  bool
}

// indexHome walks the tree under root once. It matches as the selectors
// .status-day, .unresolved-incident, .scheduled-maintenance,
// .incidents-list, link[rel="canonical"] and meta[name="issued"] do.
func indexHome(root *html.Node) homeIndex {
	var idx homeIndex
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for ; n != nil; n = n.NextSibling {
			if n.Type != html.ElementNode {
				walk(n.FirstChild)
				continue
			}
			for _, a := range n.Attr {
				switch {
				case a.Namespace != "":
				case a.Key == "class":
					idx.classes(n, a.Val)
				case a.Key == "rel" && a.Val == "canonical" && n.DataAtom == atom.Link && !idx.haveCanonical:
					idx.canonical, idx.haveCanonical = attr(n, "href"), true
				case a.Key == "name" && a.Val == "issued" && n.DataAtom == atom.Meta && !idx.haveIssued:
					idx.issued, idx.haveIssued = attr(n, "content"), true
				}
			}
			walk(n.FirstChild)
		}
	}
	walk(root)
	return idx
}

// classes files n under the classes of its class list that the index
// keeps, split as strings.Fields splits it.
func (idx *homeIndex) classes(n *html.Node, list string) {
	if !asciiNoVT(list) {
		for c := range strings.FieldsSeq(list) {
			idx.class(n, c)
		}
		return
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
			idx.class(n, list[start:i])
			start = -1
		}
	}
}

func (idx *homeIndex) class(n *html.Node, c string) {
	switch c {
	case "status-day":
		idx.days = appendOnce(idx.days, n)
	case "unresolved-incident":
		idx.unresolved = appendOnce(idx.unresolved, n)
	case "scheduled-maintenance":
		idx.upcoming = appendOnce(idx.upcoming, n)
	case "incidents-list":
		idx.list = true
	}
}

// appendOnce appends n unless it is already the last element (an element
// whose class attribute names a class twice).
func appendOnce(nodes []*html.Node, n *html.Node) []*html.Node {
	if len(nodes) > 0 && nodes[len(nodes)-1] == n {
		return nodes
	}
	return append(nodes, n)
}

// homeUpdate is one div.update of a home page block.
type homeUpdate struct {
	status    Status
	statusRaw string
	body      string
	stamp     string // the visible time text, folded
	epochMs   string // data-datetime-unix inside the time, when the page has it
	readMore  bool   // the row only links to the incident page (a postmortem)
}

// readHomeUpdate splits a div.update into its status word (the first
// <strong>; never the class, which splits "In progress" in two), body and
// time (the last <small>).
func readHomeUpdate(n *html.Node, w *bodyWriter) homeUpdate {
	var u homeUpdate
	var strong, small *html.Node
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.ElementNode && c.Data == "small" {
			small = c
		}
	}
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type == html.CommentNode || c.Type == html.TextNode && strings.TrimSpace(c.Data) == "" {
			continue
		}
		if c.Type == html.ElementNode && c.Data == "strong" {
			strong = c
		}
		break
	}
	var room [16]*html.Node
	body := room[:0]
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c != strong && c != small && c.Type != html.CommentNode {
			body = append(body, c)
		}
	}
	// Direct node walks: a goquery document per <strong> and <small> was
	// most of this function's cost on a home page.
	if strong != nil {
		u.statusRaw = foldSpace(nodeText(strong))
		u.status = NormaliseStatus(u.statusRaw)
	}
	if small != nil {
		u.stamp = stampText(nodeText(small))
		u.epochMs = descendantAttr(small, "data-datetime-unix")
	}
	u.body = strings.TrimSpace(strings.TrimPrefix(w.text(body), "-"))
	if u.status == StatusPostmortem || selHasClass(n, "postmortem") {
		links := findAll(n, func(c *html.Node) bool { return isElement(c, "a") })
		if len(links) == 1 {
			href, _ := selAttr(links[0], "href")
			u.readMore = incidentCode(href) != "" && NormaliseText(nodeText(links[0])) == NormaliseText(u.body)
		}
	}
	return u
}

// descendantAttr is the value of attribute key on the first element under
// n (n itself excluded, in document order) that has it, as
// goquery's Find("[key]").AttrOr(key, "") gives it; "" when none has.
func descendantAttr(n *html.Node, key string) string {
	v, _ := findDescendantAttr(n, key)
	return v
}

func findDescendantAttr(n *html.Node, key string) (string, bool) {
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		if c.Type != html.ElementNode {
			continue
		}
		for _, a := range c.Attr {
			if a.Key == key {
				return a.Val, true
			}
		}
		if v, ok := findDescendantAttr(c, key); ok {
			return v, true
		}
	}
	return "", false
}

// homeTime is an update's instant: the epoch milliseconds newer pages put
// in the time (span[data-datetime-unix]) when present, else the year-less
// visible text resolved against ref with slack.
func homeTime(u homeUpdate, ref time.Time, slack time.Duration) (Time, error) {
	if u.epochMs != "" {
		at, err := epochAttr("data-datetime-unix", u.epochMs, time.Millisecond)
		if err != nil {
			return Time{}, err
		}
		return NewTime(at, u.stamp), nil
	}
	return parseStamp(u.stamp, ref, slack)
}

// homeReader holds what a home page's blocks share.
type homeReader struct {
	doc      Document
	origin   string
	rendered time.Time // when the page was rendered; zero if unknown
	out      *Page
	seen     map[string]bool
	body     bodyWriter // renders every update's body
}

// parseStatuspageHome parses a home page: unresolved incidents, upcoming
// scheduled maintenance and the past incidents filed under day headers.
// Update times there have no year: it comes from the day header (an
// incident is filed under the day of its last update, so earlier updates
// may fall on earlier days and years; a postmortem may be dated after the
// header) or, for blocks without a header, from the page's render date.
//
// It reads the tree by direct node walks, each matching as the selector
// named beside it: selector matches were most of its cost.
func parseStatuspageHome(doc Document) (*Page, error) {
	if !looksLikeHTML(doc.Body) {
		return nil, errNotStatuspage(fmt.Sprintf("not HTML (%s)", describe(doc)))
	}
	root, err := doc.html()
	if err != nil {
		return nil, err
	}
	idx := indexHome(root)
	if len(idx.days) == 0 && len(idx.unresolved) == 0 && len(idx.upcoming) == 0 && !idx.list {
		return nil, errNotStatuspage("no status-day, unresolved-incident or scheduled-maintenance blocks")
	}
	r := &homeReader{doc: doc, origin: statuspageOrigin(doc.URL, idx.canonical), rendered: issuedAtText(idx.issued), out: &Page{Incidents: []Incident{}, Scope: ScopeListing}, seen: map[string]bool{}}
	// .date
	dateOf := func(day *html.Node) *html.Node {
		return findFirst(day, func(n *html.Node) bool { return selClass(n, "date") })
	}
	if r.rendered.IsZero() {
		// The newest day header is the page's own date.
		for _, day := range idx.days {
			if d, err := parseDayHeader(selText(dateOf(day))); err == nil {
				r.rendered = d.Add(24*time.Hour - time.Second)
				break
			}
		}
	}

	for i, s := range idx.unresolved {
		// .incident-title a.actual-title, else .incident-title a
		a := findFirst(s, func(n *html.Node) bool {
			return isElement(n, "a") && selClass(n, "actual-title") && underClass(n, "incident-title")
		})
		if a == nil {
			a = findFirst(s, func(n *html.Node) bool { return isElement(n, "a") && underClass(n, "incident-title") })
		}
		in, err := r.incident(a, s, homeRows(s, true), r.rendered, 24*time.Hour)
		if err != nil {
			return nil, &ParseError{Field: fmt.Sprintf("unresolved incident %d", i), Err: err}
		}
		r.add(in)
	}
	for i, s := range idx.upcoming {
		in, err := r.maintenance(s)
		if err != nil {
			return nil, &ParseError{Field: fmt.Sprintf("scheduled maintenance %d", i), Err: err}
		}
		r.add(in)
	}
	for i, day := range idx.days {
		header := dateOf(day)
		// .incident-container
		containers := findAll(day, func(n *html.Node) bool { return selClass(n, "incident-container") })
		d, err := parseDayHeader(selText(header))
		if err != nil {
			if len(containers) == 0 {
				continue
			}
			return nil, &ParseError{Field: fmt.Sprintf("status-day %d header", i), Err: err}
		}
		// Rows are at most PostmortemSlack after their header and never
		// after the page was rendered (a day of slack for the zone).
		ref := d.Add(24*time.Hour - time.Second)
		slack := PostmortemSlack
		if !r.rendered.IsZero() {
			slack = min(slack, max(0, r.rendered.Add(24*time.Hour).Sub(ref)))
		}
		for k, c := range containers {
			// .incident-title, then its first a
			title := findFirst(c, func(n *html.Node) bool { return selClass(n, "incident-title") })
			a := findFirst(title, func(n *html.Node) bool { return isElement(n, "a") })
			in, err := r.incident(a, title, homeRows(c, false), ref, slack)
			if err != nil {
				return nil, &ParseError{Field: fmt.Sprintf("past incident %d of %s", k, foldSpace(selText(header))), Err: err}
			}
			r.add(in)
		}
	}
	if r.origin != "" {
		r.out.Follow = append([]Follow{{URL: r.origin + "/history?page=1", Reason: FollowNext, Accept: "application/json"}}, r.out.Follow...)
	}
	return r.out, nil
}

// homeRows is the div.update rows of a block: the selector
// ".updates-container .update", or with orUpdates also ".updates .update".
func homeRows(s *html.Node, orUpdates bool) []*html.Node {
	return findAll(s, func(n *html.Node) bool {
		if !selClass(n, "update") {
			return false
		}
		for p := n.Parent; p != nil; p = p.Parent {
			if selClass(p, "updates-container") || orUpdates && selClass(p, "updates") {
				return true
			}
		}
		return false
	})
}

// add appends an incident and asks for its full timeline, once per code.
func (r *homeReader) add(in Incident) {
	r.out.Incidents = append(r.out.Incidents, in)
	if r.origin != "" && !r.seen[in.ID] {
		r.seen[in.ID] = true
		r.out.Follow = append(r.out.Follow, detailFollow(r.origin, in.ID))
	}
}

// incident reads one incident block: the title link a, the element
// carrying its impact class, and its div.update rows, whose year-less
// times are resolved against ref with slack. a and impactEl may be nil.
func (r *homeReader) incident(a, impactEl *html.Node, rows []*html.Node, ref time.Time, slack time.Duration) (Incident, error) {
	href, _ := selAttr(a, "href")
	code := incidentCode(href)
	if code == "" {
		return Incident{}, fmt.Errorf("%w: title link %q has no /incidents/<code>", ErrNoIncidents, href)
	}
	in := Incident{
		ID:      code,
		Title:   strings.TrimSpace(selText(a)),
		URL:     incidentURL(r.origin, code, href, r.doc.URL),
		Updates: make([]Update, 0, len(rows)),
	}
	class, _ := selAttr(impactEl, "class")
	in.Impact, in.ImpactRaw = impactOfClass(class)
	for i, s := range rows {
		hu := readHomeUpdate(s, &r.body)
		u := Update{Status: hu.status, StatusRaw: hu.statusRaw, Body: hu.body}
		if u.Status == StatusUnknown && selHasClass(s, "postmortem") {
			u.Status = StatusPostmortem
		}
		if hu.readMore {
			in.Partial = true
		}
		var err error
		if u.At, err = homeTime(hu, ref, slack); err != nil {
			return Incident{}, fmt.Errorf("incident %s update %d: %w", code, i, err)
		}
		in.Updates = append(in.Updates, u)
	}
	slices.Reverse(in.Updates)
	finishStatuspage(&in)
	return in, nil
}

// maintenance reads an upcoming scheduled maintenance block: its window
// (small[data-unix-time] is the start in epoch seconds; the visible text
// gives the end) and its posts. A block with a single post prints no
// status word: that post is the announcement, status Scheduled.
func (r *homeReader) maintenance(s *html.Node) (Incident, error) {
	// .incident-title a
	a := findFirst(s, func(n *html.Node) bool { return isElement(n, "a") && underClass(n, "incident-title") })
	in, err := r.incident(a, s, homeRows(s, true), r.rendered, 24*time.Hour)
	if err != nil {
		return Incident{}, err
	}
	if title, _ := selAttr(a, "title"); in.Title == "" {
		in.Title = strings.TrimSpace(title)
	}
	for i := range in.Updates {
		if in.Updates[i].StatusRaw == "" && len(in.Updates) == 1 {
			in.Updates[i].Status = StatusScheduled
		}
	}
	if in.Impact == ImpactUnknown {
		in.Impact = ImpactMaintenance // the block is the page's maintenance list
	}
	finishStatuspage(&in)
	in.Kind = KindMaintenance

	// small[data-unix-time], else .incident-title small
	small := findFirst(s, func(n *html.Node) bool {
		_, ok := selAttr(n, "data-unix-time")
		return isElement(n, "small") && ok
	})
	if small == nil {
		small = findFirst(s, func(n *html.Node) bool { return isElement(n, "small") && underClass(n, "incident-title") })
	}
	text := stampText(selText(small))
	// Without the epoch start, the window is taken to lie within about ten
	// months after the page was rendered.
	ref, slack := time.Time{}, time.Duration(0)
	if !r.rendered.IsZero() {
		ref = r.rendered.Add(300 * 24 * time.Hour)
	}
	var start time.Time
	if v, ok := selAttr(small, "data-unix-time"); ok {
		if start, err = epochAttr("data-unix-time", v, time.Second); err != nil {
			return Incident{}, fmt.Errorf("incident %s: %w", in.ID, err)
		}
		ref, slack = start, 24*time.Hour
	}
	if text == "" && start.IsZero() {
		return in, nil
	}
	from, until, err := parseWindow(text, ref, slack)
	if err != nil {
		return Incident{}, fmt.Errorf("incident %s window: %w", in.ID, err)
	}
	if !start.IsZero() {
		from = NewTime(start, text)
	}
	in.ScheduledFor, in.ScheduledUntil = from, until
	return in, nil
}
