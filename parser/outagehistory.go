package parser

import (
	"bytes"
	"fmt"
	"mime"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// FormatOutageHistory is the outage aggregators' history family (the
// project's seed page): list pages of incidents, each a title, a
// "Timeline · N updates" label and its updates oldest first, and detail
// pages with badges, Started/Resolved rows, "Affected components" and a
// numbered "Update timeline".
//
// The parser reads what a reader sees, not the markup: it turns the DOM
// into visible text blocks and runs a small state machine over them, so
// that class names, tag choices and link forms may change freely.
const FormatOutageHistory Format = "outage-history"

func init() {
	register(format{name: FormatOutageHistory, sniff: sniffOutageHistory, parse: parseOutageHistory})
}

// ohClaimRE finds the family's summary sentence in a block's text.
var ohClaimRE = regexp.MustCompile(`(?i)\boutages? in the last\b`)

// sniffOutageHistory looks for the family's phrases in the page's visible
// text blocks (which the parse then reuses): a timeline label ("Timeline ·
// 3 updates"), the summary sentence ("had 44 outages in the last 2
// years"), or a detail page's "Update timeline" heading with a Started row.
func sniffOutageHistory(doc Document) int {
	if ohNotHTML(doc) != nil {
		return 0
	}
	if root, err := doc.html(); err != nil || !ohMayMatch(root) {
		return 0
	}
	return sniffOutageHistoryBlocks(doc)
}

// sniffOutageHistoryBlocks is sniffOutageHistory without its cheap test.
func sniffOutageHistoryBlocks(doc Document) int {
	blocks, err := ohBlocksOf(doc)
	if err != nil {
		return 0
	}
	label, claim, timeline, started := false, false, false, false
	for _, b := range blocks.blocks {
		label = label || ohLabel(b.text) != nil
		claim = claim || len(b.text) < 2048 && ohHasFold(b.text, " in the last") && ohClaimRE.MatchString(b.text)
		timeline = timeline || ohIsTimeline(b.text)
		if !started && len(b.text) < 256 {
			l, _, ok := ohRow(b.text)
			started = ok && l == "started"
		}
	}
	score := 0
	if label {
		score += 40
	}
	if claim {
		score += 40
	}
	if timeline && started {
		score += 70
	}
	return min(score, 85)
}

// ohBlocksOf is doc's visible text blocks, read once per view.
func ohBlocksOf(doc Document) (*ohWalker, error) {
	type result struct {
		w   *ohWalker
		err error
	}
	r := memoize(doc, "outage-history-blocks", func() result {
		if err := ohNotHTML(doc); err != nil {
			return result{nil, err}
		}
		root, err := doc.html()
		if err != nil {
			return result{nil, fmt.Errorf("read html: %w", err)}
		}
		// Room for most pages without growing: visible text is at most
		// half of the markup, a block rarely less than 80 bytes of it.
		n := len(doc.Body)
		w := &ohWalker{all: make([]byte, 0, n/2), ownAll: make([]byte, 0, n/2), blocks: make([]ohBlock, 0, n/80+16)}
		w.walk(root, nil)
		w.flush()
		w.finish()
		return result{w, nil}
	})
	return r.w, r.err
}

// ohNotHTML refuses what cannot be an HTML page: an empty body, a declared
// non-HTML type, a body that is JSON or has no markup at all.
func ohNotHTML(doc Document) error {
	body := bytes.TrimSpace(bytes.TrimPrefix(doc.Body, []byte("\xef\xbb\xbf")))
	if len(body) == 0 {
		return fmt.Errorf("%w: empty body", ErrNotHTML)
	}
	if doc.ContentType != "" {
		mt, _, err := mime.ParseMediaType(doc.ContentType)
		if err == nil && mt != "text/html" && mt != "application/xhtml+xml" {
			return fmt.Errorf("%w: content type %s", ErrNotHTML, mt)
		}
	}
	if body[0] == '{' || body[0] == '[' {
		return fmt.Errorf("%w: body is JSON", ErrNotHTML)
	}
	if body[0] != '<' {
		return fmt.Errorf("%w: body does not start with markup", ErrNotHTML)
	}
	return nil
}

func parseOutageHistory(doc Document) (*Page, error) {
	w, err := ohBlocksOf(doc)
	if err != nil {
		return nil, err
	}
	r := &ohReader{doc: doc, blocks: w.blocks, links: w.links, canonical: w.canonical, docTitle: w.title}
	r.base, _ = url.Parse(doc.URL)
	return r.read()
}

// ohReader runs the text state machine over one page's blocks.
type ohReader struct {
	doc       Document
	base      *url.URL
	blocks    []ohBlock
	links     []ohLink
	canonical string
	docTitle  string
}

var (
	// ohLabelRE matches "Timeline · 3 updates" (also "-", ":", "•"),
	// possibly after the title when both share a block.
	ohLabelRE = regexp.MustCompile(`(?i)^(.*?)\s*\btimeline\s*[·•:\-–—|]?\s*(\d{1,6})\s+updates?$`)
	// ohTimelineRE matches a detail page's timeline heading.
	ohTimelineRE   = regexp.MustCompile(`(?i)^update timeline\s*:?$`)
	ohComponentsRE = regexp.MustCompile(`(?i)^affected components\s*:?$`)
)

// ohLabel is ohLabelRE.FindStringSubmatch(text) for a text ohMaybeLabel
// passes, nil for any other. A text that starts with the label itself
// ("Timeline · 3 updates") is read by a scan: its title group is empty,
// the shortest the lazy expression tries, and the rest reads one way
// only. Any other text goes to the expression (TestOutageHistoryLabel
// checks the scan against it).
func ohLabel(text string) []string {
	if !ohMaybeLabel(text) {
		return nil
	}
	if j := foldAt(text, 0, "timeline"); j >= 0 {
		i := spaces(text, j)
		for _, sep := range []string{"·", "•", ":", "-", "–", "—", "|"} {
			if strings.HasPrefix(text[i:], sep) {
				i = spaces(text, i+len(sep))
				break
			}
		}
		digits, rest, ok := cutDigits(text[i:], 1, 6)
		if k := spaces(rest, 0); ok && k > 0 {
			if end := foldAt(rest, k, "update"); end >= 0 {
				if end == len(rest) {
					return []string{text, "", digits}
				}
				if end2 := foldAt(rest, end, "s"); end2 == len(rest) {
					return []string{text, "", digits}
				}
			}
		}
	}
	return ohLabelRE.FindStringSubmatch(text)
}

// ohMaybeLabel is a cheap test that text could be a timeline label: short
// and ending in "update" or "updates".
func ohMaybeLabel(text string) bool {
	if len(text) > 256 {
		return false
	}
	t := strings.TrimSuffix(strings.TrimSuffix(text, "s"), "S")
	return len(t) >= 6 && strings.EqualFold(t[len(t)-6:], "update")
}

func (r *ohReader) read() (*Page, error) {
	page := &Page{Incidents: []Incident{}}
	var labels []int
	timeline := -1
	for i, b := range r.blocks {
		if ohLabel(b.text) != nil {
			labels = append(labels, i)
		}
		if timeline < 0 && ohIsTimeline(b.text) {
			timeline = i
		}
	}
	header := r.blocks
	switch {
	case len(labels) > 0:
		first := labels[0]
		if m := ohLabel(r.blocks[first].text); m[1] == "" && first > 0 {
			first--
		}
		header = r.blocks[:first]
		ins, err := r.list(labels)
		if err != nil {
			return nil, err
		}
		page.Incidents = ins
		page.Scope = ScopeListing
	case timeline >= 0:
		in, err := r.detail(timeline)
		if err != nil {
			return nil, err
		}
		page.Incidents = append(page.Incidents, in)
		header = nil
	}
	page.Claims = ohClaims(header)
	if len(page.Incidents) == 0 {
		if page.Claims == nil {
			return nil, fmt.Errorf("%w: no incident timelines, update timeline or outage summary in the text", ErrUnknownFormat)
		}
		if page.Claims.Outages > 0 {
			return nil, fmt.Errorf("%w: the page claims %d outages", ErrNoIncidents, page.Claims.Outages)
		}
	}
	seen := map[string]bool{}
	for _, in := range page.Incidents {
		if in.Partial && in.URL != "" && !seen[in.URL] {
			seen[in.URL] = true
			page.Follow = append(page.Follow, Follow{URL: in.URL, Reason: FollowDetail, Incident: in.ID})
		}
	}
	if timeline < 0 || len(labels) > 0 {
		if next := r.next(); next != "" {
			page.Follow = append(page.Follow, Follow{URL: next, Reason: FollowNext})
		}
	}
	return page, nil
}

// list reads the incidents of a list page: each label's title is the
// block before it (or the text before it in its own block), and its items
// run to the next incident's title.
func (r *ohReader) list(labels []int) ([]Incident, error) {
	type head struct {
		title      string
		titleBlock int // index of the block holding the title
		label      int
		claimed    int
	}
	heads := make([]head, 0, len(labels))
	for k, l := range labels {
		m := ohLabel(r.blocks[l].text)
		h := head{title: m[1], titleBlock: l, label: l}
		h.claimed, _ = strconv.Atoi(m[2])
		prev := -1
		if k > 0 {
			prev = labels[k-1]
		}
		if h.title == "" && l-1 > prev {
			h.titleBlock = l - 1
			h.title = r.blocks[l-1].text
		}
		if strings.TrimSpace(h.title) == "" {
			return nil, r.fail(fmt.Sprintf("incident %d", k+1), fmt.Errorf("%w: timeline label %q has no title before it", ErrInvalidRecord, r.blocks[l].text))
		}
		heads = append(heads, h)
	}
	ins := make([]Incident, 0, len(heads))
	for k, h := range heads {
		end := len(r.blocks)
		if k+1 < len(heads) {
			end = heads[k+1].titleBlock
		}
		ups, err := r.items(h.title, r.blocks[h.titleBlock].node, r.blocks[h.label+1:end])
		if err != nil {
			return nil, err
		}
		in := Incident{
			Title:          h.title,
			Kind:           KindIncident,
			Updates:        ups,
			UpdatesClaimed: h.claimed,
			Partial:        len(ups) < h.claimed,
		}
		if b := r.blocks[h.titleBlock]; b.href != "" {
			in.URL = r.resolve(b.href)
		}
		r.finish(&in)
		ins = append(ins, in)
	}
	return ins, nil
}

// detail reads an incident's own page. Everything before the timeline
// heading is its head, read block by block:
//   - a labelled row ("Started: <stamp>", or "Started" with the stamp in
//     the next block; also Resolved, Duration, Detected by, Impact,
//     Status) whose value fits its label: a time row's value has digits
//     or says "none" ("—"); an impact or status row's value is such a
//     word. A label word without a fitting value ("Resolved" before the
//     rows) is not a row;
//   - the components, after their heading, up to the next row;
//   - badges: blocks that are impact and state words ("Minor", "Major ·
//     Ongoing", "Resolved"), before or after the title;
//   - the title: of the other blocks of text, leaving out menus (blocks
//     that are all link text) and the page's footer and navigation, the
//     first heading (h1 first); else the first whose text begins the
//     document's <title>; else the first that is not an eyebrow ("Acme
//     incident"); else the first.
func (r *ohReader) detail(timeline int) (Incident, error) {
	in := Incident{Kind: KindIncident}
	head := r.blocks[:timeline]
	state := ""
	var cands []int
	components := false
	// A row that fails is reported once the title is known.
	var rowErr error
	rowLabel := ""
	for i := 0; i < len(head); i++ {
		b := head[i]
		if ohComponentsRE.MatchString(b.text) {
			components = true
			continue
		}
		if label, value, ok := ohRow(b.text); ok {
			used := 1
			if value == "" && i+1 < len(head) && ohFits(label, head[i+1].text, false) {
				value, used = head[i+1].text, 2
			}
			if value != "" && ohFits(label, value, used == 2) {
				if err := r.row(&in, &state, label, value, head[i:i+used]); err != nil && rowErr == nil {
					rowErr, rowLabel = err, label
				}
				components = false
				i += used - 1
				continue
			}
		}
		if components {
			in.Components = append(in.Components, Component{Name: b.text})
			continue
		}
		if impact, st, ok := ohBadge(b.own()); ok {
			if in.ImpactRaw == "" && impact != "" {
				in.ImpactRaw, in.Impact = impact, NormaliseImpact(impact)
			}
			if state == "" {
				state = st
			}
			continue
		}
		if b.wholeLink || b.linkOnly || ohInTag(b.node, atom.Nav, atom.Footer) {
			continue
		}
		cands = append(cands, i)
	}
	in.Title = r.title(head, cands)
	if rowErr != nil {
		return in, r.fail(fmt.Sprintf("incident %q: %s row", in.Title, rowLabel), rowErr)
	}
	if in.Title == "" {
		return in, r.fail("title", fmt.Errorf("%w: detail page has no title: no block of text before its update timeline but badges, rows and links", ErrInvalidRecord))
	}
	ups, err := r.items(in.Title, r.blocks[timeline].node, r.blocks[timeline+1:])
	if err != nil {
		return in, err
	}
	in.Updates = ups
	in.URL = r.resolve(r.canonical)
	if in.URL == "" {
		in.URL = r.resolve(r.doc.URL)
	}
	r.finish(&in)
	if in.Status == StatusUnknown && state != "" {
		in.Status, in.StatusRaw = NormaliseStatus(state), state
	}
	return in, nil
}

// title picks a detail page's title among the candidate blocks of its
// head (see detail).
func (r *ohReader) title(head []ohBlock, cands []int) string {
	if len(cands) == 0 {
		return ""
	}
	for _, tags := range [][]atom.Atom{{atom.H1}, nil} {
		for _, i := range cands {
			if (tags == nil && ohHeading(head[i].node)) || (tags != nil && ohInTag(head[i].node, tags...)) {
				return head[i].text
			}
		}
	}
	if r.docTitle != "" {
		for _, i := range cands {
			if strings.HasPrefix(strings.ToLower(r.docTitle), strings.ToLower(head[i].text)) {
				return head[i].text
			}
		}
	}
	for _, i := range cands {
		if !ohEyebrowRE.MatchString(head[i].text) {
			return head[i].text
		}
	}
	return head[cands[0]].text
}

// ohEyebrowRE is the line above a title that names the vendor: "Acme
// incident".
var ohEyebrowRE = regexp.MustCompile(`(?i)^\S.{0,80} incident$`)

// row records one labelled row of a detail page.
func (r *ohReader) row(in *Incident, state *string, label, value string, blocks []ohBlock) error {
	switch label {
	case "started", "resolved":
		if ohNoValue(value) {
			return nil
		}
		t, err := ohParseStamp(ohStampOnly(value))
		if err == nil {
			err = ohAgree(t, blocks)
		}
		if err != nil {
			return err
		}
		if label == "started" {
			in.Started = t
		} else {
			in.Resolved = t
		}
	case "impact", "severity":
		if in.ImpactRaw == "" {
			in.ImpactRaw, in.Impact = value, NormaliseImpact(value)
		}
	case "status", "state":
		if *state == "" {
			*state = value
		}
	}
	return nil
}

// ohFits reports whether value can be the value of a row labelled label.
// next says the value stands in a block of its own after the label.
func ohFits(label, value string, next bool) bool {
	switch label {
	case "impact", "severity":
		return NormaliseImpact(value) != ImpactUnknown
	case "status", "state":
		return ohStateWord(value)
	}
	if ohNoValue(value) {
		return true
	}
	if strings.IndexFunc(value, unicode.IsDigit) < 0 {
		return false
	}
	// A block of its own that is itself a labelled row ("Resolved" then
	// "Started: Jun 2, …") is not the value of the label before it.
	if next {
		if _, _, ok := ohRow(value); ok {
			return false
		}
	}
	return true
}

// ohBadge reads a block of badges: one to three impact and state words
// and nothing else (links aside: text is a block's text outside links).
// It returns the first impact word and the first state word.
func ohBadge(text string) (impact, state string, ok bool) {
	if len(text) > 120 {
		return "", "", false
	}
	words := strings.Fields(ohLetters(text))
	if len(words) == 0 || len(words) > 3 {
		return "", "", false
	}
	for _, w := range words {
		isImpact, isState := NormaliseImpact(w) != ImpactUnknown, ohStateWord(w)
		switch {
		case isImpact && impact == "":
			impact = w
		case isState && state == "":
			state = w
		case !isImpact && !isState:
			return "", "", false
		}
	}
	return impact, state, true
}

// finish fills what every incident derives: id, kind, status.
func (r *ohReader) finish(in *Incident) {
	if in.Updates == nil {
		in.Updates = []Update{}
	}
	if id := ohIncidentID(in.URL); id != "" {
		in.ID = id
	} else {
		in.ID = StableID(r.doc.Source, in.Title, in.First().At)
	}
	if in.Impact == ImpactMaintenance || ohMaintenanceTitle(in.Title) {
		in.Kind = KindMaintenance
	}
	var last *Update
	for k := range in.Updates {
		if u := &in.Updates[k]; last == nil || !u.At.At.Before(last.At.At) {
			last = u
		}
	}
	if last != nil {
		in.Status, in.StatusRaw = last.Status, last.StatusRaw
	}
}

var ohMaintenanceRE = regexp.MustCompile(`(?i)\b(maintenance|scheduled)\b`)

// ohMaintenanceTitle is ohMaintenanceRE.MatchString(title), asked of the
// expression only when the title holds one of its words.
func ohMaintenanceTitle(title string) bool {
	return (ohHasFold(title, "maintenance") || ohHasFold(title, "scheduled")) && ohMaintenanceRE.MatchString(title)
}

// ohIsTimeline is whether text is a detail page's timeline heading
// (shorter than 32 bytes and ohTimelineRE), asked of the expression only
// when the text starts with its words.
func ohIsTimeline(text string) bool {
	return len(text) < 32 && foldAt(text, 0, "update timeline") >= 0 && ohTimelineRE.MatchString(text)
}

// items reads a timeline: each item is a status word and a stamp (in one
// block or split over two, after an optional bullet or number), and its
// body is the text that follows, up to the next item, a block that is
// wholly a link, or a block outside the element that holds the
// incident's heading and items.
func (r *ohReader) items(title string, heading *html.Node, region []ohBlock) ([]Update, error) {
	type start struct {
		at       int // index in region
		consumed int
		upd      Update
		rest     string
	}
	var starts []start
	for i := 0; i < len(region); {
		u, rest, n, err := ohItemAt(region, i)
		if err != nil {
			return nil, r.fail(fmt.Sprintf("incident %q: update %d", title, len(starts)+1), err)
		}
		if n == 0 {
			i++
			continue
		}
		starts = append(starts, start{at: i, consumed: n, upd: u, rest: rest})
		i += n
	}
	if len(starts) == 0 {
		return []Update{}, nil
	}
	scope := heading
	for _, s := range starts {
		scope = ohCommonAncestor(scope, region[s.at].node)
	}
	ups := make([]Update, 0, len(starts))
	for k, s := range starts {
		end := len(region)
		if k+1 < len(starts) {
			end = starts[k+1].at
		}
		var body []string
		if s.rest != "" {
			body = append(body, s.rest)
		}
		first := region[s.at]
		for _, b := range region[s.at+s.consumed : end] {
			// A block that is wholly a link of its own ("Share", "View
			// details") ends the body; a link around the whole card, the
			// item's start included, does not.
			ownLink := b.wholeLink && !(first.wholeLink && first.href == b.href)
			if ownLink || !ohInside(scope, b.node) {
				break
			}
			body = append(body, b.text)
		}
		u := s.upd
		u.Body = strings.Join(body, "\n")
		ups = append(ups, u)
	}
	return ups, nil
}

var (
	// ohBulletRE is a list marker written as text: "- ", "•", "3.", "3)".
	ohBulletRE = regexp.MustCompile(`^(?:[-–—•*·]|\d{1,4}[.)])(?:\s+|$)`)
	// ohWordRE is a status word of one to three words ("in progress").
	ohWordRE = regexp.MustCompile(`^[A-Za-z][A-Za-z_\-]*(?: [A-Za-z][A-Za-z_\-]*){0,2}$`)
	// ohStampPat is a loose timestamp, so that bad ones are reported
	// rather than read as body text: month day, year, h:mm [AM] [zone].
	ohStampPat = `[A-Za-z]{3,9}\.? \d{1,2}, \d{4},? \d{1,2}:\d{2}(?::\d{2})?(?: ?[AaPp]\.?[Mm]\.?)?(?: (?:[A-Z]{1,5}(?:[+-]\d{1,2}(?::?\d{2})?)?|[+-]\d{2}:?\d{2})\b)?`
	// ohItemRE is a status word, a space or a separator ("·", "—", ":",
	// "|", "-"), and a stamp.
	ohItemRE  = regexp.MustCompile(`^([A-Za-z][A-Za-z_\-]*(?: [A-Za-z][A-Za-z_\-]*){0,2})(?:\s*[·•:|–—-]\s*|\s+)(` + ohStampPat + `)(.*)$`)
	ohStampRE = regexp.MustCompile(`^(` + ohStampPat + `)(.*)$`)
)

// ohItemAt reports whether an update starts at region[i]: its status and
// time, any text after the stamp in the same block, and how many blocks
// the start took (0 when none starts there).
func ohItemAt(region []ohBlock, i int) (Update, string, int, error) {
	j := i
	text := region[j].text
	if loc := ohBullet(text); loc != nil {
		text = text[loc[1]:]
		if text == "" {
			if j+1 >= len(region) {
				return Update{}, "", 0, nil
			}
			j++
			text = region[j].text
		}
	}
	if !ohMaybeItem(text) && !ohIsWord(text) {
		return Update{}, "", 0, nil
	}
	var word, stamp, rest string
	var stampBlocks []ohBlock
	if m := ohMaybeStamp(text, ohItemRE); m != nil {
		word, stamp, rest = m[1], m[2], strings.TrimSpace(m[3])
		// An unknown word counts only when the block holds nothing else,
		// so that body text starting "Since Jun 2, 2026, 10:00 AM UTC" stays
		// body text.
		if rest != "" && NormaliseStatus(word) == StatusUnknown {
			return Update{}, "", 0, nil
		}
		stampBlocks = region[j : j+1]
	} else if ohIsWord(text) && j+1 < len(region) {
		m := ohMaybeStamp(region[j+1].text, ohStampRE)
		if m == nil {
			return Update{}, "", 0, nil
		}
		word, stamp, rest = text, m[1], strings.TrimSpace(m[2])
		j++
		stampBlocks = region[j : j+1]
	} else {
		return Update{}, "", 0, nil
	}
	at, err := ohParseStamp(stamp)
	if err == nil {
		err = ohAgree(at, stampBlocks)
	}
	if err != nil {
		return Update{}, "", 0, err
	}
	u := Update{Status: NormaliseStatus(word), StatusRaw: word, At: at}
	return u, ohAfterStamp(rest), j - i + 1, nil
}

// ohBullet is ohBulletRE.FindStringIndex(text), asked only of a text
// that starts with a byte a marker can start with.
func ohBullet(text string) []int {
	if text == "" {
		return nil
	}
	switch c := text[0]; {
	case c == '-', c == '*', '0' <= c && c <= '9', c == 0xe2, c == 0xc2: // 0xe2: – — •; 0xc2: ·
		return ohBulletRE.FindStringIndex(text)
	}
	return nil
}

// ohIsWord is ohWordRE.MatchString: one to three words of ASCII letters
// (after the first, also '_' and '-'), one space between them.
func ohIsWord(text string) bool {
	words := 0
	for i := 0; ; {
		if i >= len(text) || !ohLetter(text[i]) {
			return false
		}
		for i++; i < len(text) && (ohLetter(text[i]) || text[i] == '_' || text[i] == '-'); i++ {
		}
		if words++; i == len(text) {
			return true
		}
		if text[i] != ' ' || words == 3 {
			return false
		}
		i++
	}
}

func ohLetter(c byte) bool { return 'a' <= c|0x20 && c|0x20 <= 'z' }

// ohMaybeStamp is re.FindStringSubmatch(text) for ohItemRE or ohStampRE,
// asked only of a text holding what every stamp holds: ", " and a ':'
// after it.
func ohMaybeStamp(text string, re *regexp.Regexp) []string {
	i := strings.Index(text, ", ")
	if i < 0 || strings.IndexByte(text[i:], ':') < 0 {
		return nil
	}
	switch re {
	case ohStampRE:
		if end, _, ok := ohStampPrefix(text); ok {
			return []string{text, text[:end], text[end:]}
		}
	case ohItemRE:
		if m, sure := ohItemScan(text); sure {
			return m
		}
	}
	return re.FindStringSubmatch(text)
}

// ohItemSeps are the separators ohItemRE allows between word and stamp.
var ohItemSeps = []string{"·", "•", ":", "|", "–", "—", "-"}

// ohItemScan is ohItemRE.FindStringSubmatch(text) when it can tell (sure):
// a status word of one to three words without hyphens, a separator, and a
// stamp ohStampPrefix reads. The expression prefers the longest word after
// which a separator and a stamp follow; a word is tried shorter only when
// what follows it cannot start a stamp (no separator, or no letter where
// the month goes). Anything else is left to the expression (sure false).
// TestOutageHistoryItemScan checks it against ohItemRE.
func ohItemScan(text string) (m []string, sure bool) {
	if text == "" || !ohLetter(text[0]) {
		return nil, true // the word must start the text
	}
	var ends [3]int
	words := 0
	for i := 0; words < 3; {
		j := i + 1
		for j < len(text) && (ohLetter(text[j]) || text[j] == '_') {
			j++
		}
		if j < len(text) && text[j] == '-' {
			return nil, false // a hyphen may also be the separator
		}
		ends[words] = j
		words++
		if j+1 >= len(text) || text[j] != ' ' || !ohLetter(text[j+1]) {
			break
		}
		i = j + 1
	}
	for k := words; k >= 1; k-- {
		pos := ends[k-1]
		i := spaces(text, pos)
		start := -1
		for _, sep := range ohItemSeps {
			if strings.HasPrefix(text[i:], sep) {
				start = spaces(text, i+len(sep))
				break
			}
		}
		if start < 0 {
			if i == pos {
				continue // no separator after this word
			}
			start = i
		}
		if start >= len(text) || !ohLetter(text[start]) {
			continue // no month where the stamp starts
		}
		end, _, ok := ohStampPrefix(text[start:])
		if !ok {
			return nil, false
		}
		end += start
		return []string{text, text[:pos], text[start:end], text[end:]}, true
	}
	return nil, false
}

// ohStampPrefix reads the stamp text starts with when it has the family's
// usual shape, "Jun 22, 2026, 02:03 PM UTC" (month of letters, day, year,
// optional comma, 24- or 12-hour clock, optional AM/PM, optional zone of
// capitals), followed by nothing or a space. It returns where the stamp
// ends and ohStampPartsRE's groups for it (parts[0] the stamp), as
// ohStampRE and ohStampPartsRE read it; any other shape is left to the
// expressions (ok false). TestOutageHistoryStampAgrees checks both.
func ohStampPrefix(text string) (end int, parts [9]string, ok bool) {
	i := 0
	for i < len(text) && i < 10 && ohLetter(text[i]) {
		i++
	}
	if i < 3 || i > 9 || i >= len(text) || text[i] != ' ' {
		return 0, parts, false
	}
	month, rest := text[:i], text[i+1:]
	day, rest, ok := cutDigits(rest, 1, 2)
	if !ok || !strings.HasPrefix(rest, ", ") {
		return 0, parts, false
	}
	year, rest, ok := cutDigits(rest[2:], 4, 4)
	if !ok {
		return 0, parts, false
	}
	rest = strings.TrimPrefix(rest, ",")
	if !strings.HasPrefix(rest, " ") {
		return 0, parts, false
	}
	hour, rest, ok := cutDigits(rest[1:], 1, 2)
	if !ok || !strings.HasPrefix(rest, ":") {
		return 0, parts, false
	}
	minute, rest, ok := cutDigits(rest[1:], 2, 2)
	if !ok {
		return 0, parts, false
	}
	ampm, zone := "", ""
	if rest != "" && rest[0] != ' ' {
		return 0, parts, false
	}
	if len(rest) >= 3 && strings.IndexByte("AaPp", rest[1]) >= 0 {
		// " PM", then the end or a space; "AMT", "p.m." and the like are
		// left to the expressions.
		if rest[2]|0x20 != 'm' || len(rest) > 3 && rest[3] != ' ' {
			return 0, parts, false
		}
		ampm, rest = rest[1:2], rest[3:]
	}
	if len(rest) >= 2 {
		z := rest[1:]
		n := 0
		for n < len(z) && 'A' <= z[n] && z[n] <= 'Z' {
			n++
		}
		switch {
		case n >= 1 && n <= 5 && (n == len(z) || z[n] == ' '):
			zone, rest = z[:n], z[n:]
		case n > 0, z[0] == '+', z[0] == '-':
			return 0, parts, false
		}
	}
	end = len(text) - len(rest)
	return end, [9]string{text[:end], month, day, year, hour, minute, "", ampm, zone}, true
}

// ohHasFold reports whether text holds phrase, lower-case ASCII, as a (?i)
// expression finds it (foldAt).
func ohHasFold(text, phrase string) bool {
	for i := 0; i < len(text); i++ {
		if foldAt(text, i, phrase) >= 0 {
			return true
		}
	}
	return false
}

// ohMaybeItem is a cheap test that text could start with a status word and
// a stamp: a ", " and a ':' near its start.
func ohMaybeItem(text string) bool {
	head := text[:min(len(text), 64)]
	i := strings.Index(head, ", ")
	return i > 0 && strings.IndexByte(head[i:], ':') > 0
}

// ohAgree checks a parsed stamp against any <time datetime> whose text is
// the same stamp: the text is what we parse, the attribute must agree.
func ohAgree(t Time, blocks []ohBlock) error {
	for _, b := range blocks {
		for _, ta := range b.times {
			if ta.text != t.Text {
				continue
			}
			at, err := time.Parse(time.RFC3339, ta.datetime)
			if err != nil {
				continue
			}
			if !at.Equal(t.At) {
				return fmt.Errorf("%w: %q reads %s but its datetime attribute says %s", ErrBadTime, t.Text, t.At.Format(time.RFC3339), ta.datetime)
			}
		}
	}
	return nil
}

// ohRowRE matches a detail page's labelled row, its value in the same
// block or the next.
// An impact or status row's value in the same block needs the colon
// ("Status: Resolved"), so that a title such as "Status page outage" is
// no row.
var ohRowRE = regexp.MustCompile(`(?i)^(?:(started|resolved|duration|detected by(?: [^\s:]+)?)\s*:?(?:\s+(.*))?|(impact|severity|status|state)(?:\s*:\s*(.*))?)$`)

func ohRow(text string) (label, value string, ok bool) {
	if len(text) > 256 || text == "" {
		return "", "", false
	}
	// Every label starts with one of these letters (U+017F is an s to
	// (?i)).
	switch text[0] | 0x20 {
	case 's', 'r', 'd', 'i', 0xc5 | 0x20:
	default:
		return "", "", false
	}
	m := ohRowRE.FindStringSubmatch(text)
	if m == nil {
		return "", "", false
	}
	if m[1] == "" {
		m[1], m[2] = m[3], m[4]
	}
	label = strings.ToLower(m[1])
	if strings.HasPrefix(label, "detected by") {
		label = "detected by"
	}
	return label, strings.TrimSpace(m[2]), true
}

// ohNoValue reports a row shown empty: "—", "-", "–", "n/a".
func ohNoValue(v string) bool {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "", "—", "-", "–", "n/a", "none":
		return true
	}
	return false
}

// ohStateWord reports a detail page's state badge word.
func ohStateWord(s string) bool {
	if NormaliseStatus(s) != StatusUnknown {
		return true
	}
	switch strings.ToLower(s) {
	case "ongoing", "active", "open", "closed":
		return true
	}
	return false
}

// next finds the next (older) page: a rel=next link, else a link whose
// text says Next, Older or More. A link back to this page is no next page.
func (r *ohReader) next() string {
	self := CanonicalURL(r.resolve(r.doc.URL))
	pick := func(ok func(ohLink) bool) string {
		for _, l := range r.links {
			if !ok(l) {
				continue
			}
			if u := r.resolve(l.href); u != "" && CanonicalURL(u) != self {
				return u
			}
		}
		return ""
	}
	if u := pick(func(l ohLink) bool { return ohHasWord(l.rel, "next") }); u != "" {
		return u
	}
	return pick(func(l ohLink) bool {
		// Each word of ohLetters' result stands in the text as it is, and
		// a match has one of these (no letter of which (?i) folds from
		// outside ASCII).
		if !ohHasFold(l.text, "next") && !ohHasFold(l.text, "older") && !ohHasFold(l.text, "more") {
			return false
		}
		return ohNextTextRE.MatchString(ohLetters(l.text))
	})
}

var ohNextTextRE = regexp.MustCompile(`(?i)^(?:(?:load|show|see|view) )?(?:next|older|more)(?: (?:page|pages|incidents|outages|entries|results|posts))?$`)

// ohLetters keeps a link text's words, dropping arrows and punctuation.
func ohLetters(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) }), " ")
}

// resolve makes href absolute against the document's URL; only http and
// https results are kept.
func (r *ohReader) resolve(href string) string {
	href = strings.TrimSpace(href)
	if href == "" {
		return ""
	}
	u, err := url.Parse(href)
	if err != nil {
		return ""
	}
	if r.base != nil {
		u = r.base.ResolveReference(u)
	}
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return ""
	}
	return u.String()
}

// fail locates err on this page.
func (r *ohReader) fail(field string, err error) error {
	return &ParseError{Field: field, Err: err}
}

// ohIncidentID is the path segment after "incidents" in u, or "".
func ohIncidentID(u string) string {
	p, err := url.Parse(u)
	if err != nil {
		return ""
	}
	segs := strings.Split(strings.Trim(p.Path, "/"), "/")
	for k := 0; k+1 < len(segs); k++ {
		if segs[k] == "incidents" && segs[k+1] != "" {
			id, err := url.PathUnescape(segs[k+1])
			if err != nil || strings.TrimSpace(id) == "" {
				return ""
			}
			return id
		}
	}
	return ""
}
