package parser

import (
	"bytes"
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// ErrWrongPlatform means a page given to one platform's parser is not a page
// of that platform, or not one of the documents the parser reads.
var ErrWrongPlatform = errors.New("not a page this platform parser reads")

// errWrongPlatform builds the error a forced platform parser returns for a
// document of another shape, saying which platform and why.
func errWrongPlatform(platform, why string) error {
	return fmt.Errorf("%w: %s: %s", ErrWrongPlatform, platform, why)
}

// FormatInfo describes a format for people: which platform it belongs to,
// what URL it is read from, and how the platform's history is reached.
type FormatInfo struct {
	Name     Format `json:"name"`
	Platform string `json:"platform"`
	Example  string `json:"example"` // an example URL shape
	Reads    string `json:"reads"`   // what the format reads, in a few words
}

// formatInfo holds the descriptions registered by the parsers' files.
var formatInfo = map[Format]FormatInfo{}

func describeFormat(info FormatInfo) {
	if _, dup := formatInfo[info.Name]; dup {
		panic("parser: format described twice: " + string(info.Name))
	}
	formatInfo[info.Name] = info
}

// Describe returns the description of the named format; ok is false for a
// format that registered none.
func Describe(name Format) (info FormatInfo, ok bool) {
	info, ok = formatInfo[name]
	return info, ok
}

// WordMapping is one row of the table that maps a platform's own words for
// impact and state to ours. A word no row names maps to ImpactUnknown or
// StatusUnknown and is kept, as the page wrote it, in the record's raw field.
type WordMapping struct {
	Platform string `json:"platform"`
	Field    string `json:"field"` // what the word is: "impact", "incident status", ...
	Word     string `json:"word"`
	Impact   Impact `json:"impact,omitempty"`
	Status   Status `json:"status,omitempty"`
}

// wordTable maps a platform's words, compared case-sensitively after trimming
// (platforms spell their own words one way), to an impact or a status.
type wordTable struct {
	platform, field string
	impact          map[string]Impact
	status          map[string]Status
}

var wordTables []*wordTable

func impactWords(platform, field string, m map[string]Impact) *wordTable {
	t := &wordTable{platform: platform, field: field, impact: m}
	wordTables = append(wordTables, t)
	return t
}

func statusWords(platform, field string, m map[string]Status) *wordTable {
	t := &wordTable{platform: platform, field: field, status: m}
	wordTables = append(wordTables, t)
	return t
}

// Impact maps word, or gives ImpactUnknown.
func (t *wordTable) Impact(word string) Impact { return t.impact[strings.TrimSpace(word)] }

// Status maps word, or gives StatusUnknown.
func (t *wordTable) Status(word string) Status { return t.status[strings.TrimSpace(word)] }

// Mappings returns every platform word the parsers map, sorted by platform,
// field and word: the table docs/platforms.md documents.
func Mappings() []WordMapping {
	var rows []WordMapping
	for _, t := range wordTables {
		for w, i := range t.impact {
			rows = append(rows, WordMapping{Platform: t.platform, Field: t.field, Word: w, Impact: i})
		}
		for w, s := range t.status {
			rows = append(rows, WordMapping{Platform: t.platform, Field: t.field, Word: w, Status: s})
		}
	}
	slices.SortFunc(rows, func(a, b WordMapping) int {
		return cmpStrings(a.Platform, b.Platform, a.Field, b.Field, a.Word, b.Word, string(a.Impact), string(b.Impact), string(a.Status), string(b.Status))
	})
	// A word that two tables of one field map (to an impact and to a
	// status) is one row.
	var merged []WordMapping
	for _, r := range rows {
		if n := len(merged); n > 0 {
			last := &merged[n-1]
			if last.Platform == r.Platform && last.Field == r.Field && last.Word == r.Word &&
				(last.Impact == ImpactUnknown || r.Impact == ImpactUnknown) && (last.Status == StatusUnknown || r.Status == StatusUnknown) {
				last.Impact = cmp.Or(last.Impact, r.Impact)
				last.Status = cmp.Or(last.Status, r.Status)
				continue
			}
		}
		merged = append(merged, r)
	}
	return merged
}

func cmpStrings(pairs ...string) int {
	for i := 0; i+1 < len(pairs); i += 2 {
		if c := strings.Compare(pairs[i], pairs[i+1]); c != 0 {
			return c
		}
	}
	return 0
}

// impactRank orders impacts from least to most severe, maintenance apart.
func impactRank(i Impact) int {
	switch i {
	case ImpactNone:
		return 1
	case ImpactMinor:
		return 2
	case ImpactMajor:
		return 3
	case ImpactCritical:
		return 4
	}
	return 0
}

// JSON helpers of every platform parser. A sniffer reads the document's
// shared JSON value (docMembers, docObjects), decoded once per document,
// and looks at its keys before it decodes anything more; what it decodes
// it keeps (decodeOnce) for the parse.

// jsonMembers splits raw as a JSON object into its members (the values
// alias raw); nil when it is not a JSON object.
func jsonMembers(raw []byte) map[string]json.RawMessage {
	m, _ := splitJSONObject(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")))
	return m
}

// jsonObjects decodes raw as a JSON array of objects; ok is false when it
// is not a JSON array. Elements that are not objects decode to nil maps.
func jsonObjects(raw []byte) (items []map[string]json.RawMessage, ok bool) {
	raw = bytes.TrimSpace(bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")))
	if len(raw) == 0 || raw[0] != '[' {
		return nil, false
	}
	var elems []json.RawMessage
	if json.Unmarshal(raw, &elems) != nil {
		return nil, false
	}
	items = make([]map[string]json.RawMessage, len(elems))
	for i, e := range elems {
		items[i] = jsonMembers(e)
	}
	return items, true
}

// hasKeys reports whether m has every one of keys.
func hasKeys(m map[string]json.RawMessage, keys ...string) bool {
	if m == nil {
		return false
	}
	for _, k := range keys {
		if _, ok := m[k]; !ok {
			return false
		}
	}
	return true
}

// jsonKind returns the first byte of a JSON value: '{', '[', '"', 'n', a
// digit or sign, or 0 for nothing.
func jsonKind(raw json.RawMessage) byte {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return 0
	}
	return raw[0]
}

// docMembers returns doc's top-level JSON object, decoded once per
// document however many sniffers ask; nil when it is not a JSON object.
func docMembers(doc Document) map[string]json.RawMessage {
	m, _ := doc.jsonObject()
	return m
}

// docObjects returns doc's top-level JSON array of objects, decoded once
// per document however many sniffers ask; ok is false when doc is not a
// JSON array.
func docObjects(doc Document) (items []map[string]json.RawMessage, ok bool) {
	if body := doc.trimmedBody(); len(body) == 0 || body[0] != '[' {
		return nil, false
	}
	type result struct {
		items []map[string]json.RawMessage
		ok    bool
	}
	r := memoize(doc, "json-objects", func() result {
		items, ok := jsonObjects(doc.trimmedBody())
		return result{items, ok}
	})
	return r.items, r.ok
}

// decodeArray decodes doc, a JSON array of objects each of shape, into
// []T, or says why it is not one: platform names the platform and lacks
// what an element that is not of shape lacks.
func decodeArray[T any](doc Document, platform string, shape func(map[string]json.RawMessage) bool, lacks string) ([]T, error) {
	items, ok := docObjects(doc)
	if !ok {
		return nil, errWrongPlatform(platform, "not a JSON array")
	}
	for i, it := range items {
		if !shape(it) {
			return nil, errWrongPlatform(platform, fmt.Sprintf("element %d %s", i, lacks))
		}
	}
	var all []T
	if err := json.Unmarshal(doc.trimmedBody(), &all); err != nil {
		return nil, errWrongPlatform(platform, err.Error())
	}
	return all, nil
}

// decodeOnce returns what decode makes of doc, decoded once per document
// under key, however many times detection and the parse ask.
func decodeOnce[T any](doc Document, key string, decode func() (T, error)) (T, error) {
	r := memoize(doc, key, func() decoded[T] {
		v, err := decode()
		return decoded[T]{v, err}
	})
	return r.v, r.err
}

type decoded[T any] struct {
	v   T
	err error
}

// decodeMembers decodes a JSON object into dst: from body when known (one
// pass), else from its members m.
func decodeMembers(m map[string]json.RawMessage, body []byte, dst any) error {
	if len(body) > 0 {
		return json.Unmarshal(body, dst)
	}
	return remarshal(m, dst)
}

// remarshal decodes the JSON object whose members are m into dst.
func remarshal(m map[string]json.RawMessage, dst any) error {
	b, err := json.Marshal(m)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, dst)
}

// isRSS reports whether doc is XML whose root is <rss>, from its shared
// XML root.
func isRSS(doc Document) bool {
	if doc.syntax() != syntaxXML {
		return false
	}
	root, _ := doc.xmlRoot()
	return root.Local == "rss"
}

// rssOf returns doc's feed (xmlFeedOf, decoded once however many parsers
// ask) when it is RSS.
func rssOf(doc Document) (*feedDoc, error) {
	feed, err := xmlFeedOf(doc)
	if err != nil {
		return nil, err
	}
	if feed.XMLName.Local != "rss" {
		return nil, fmt.Errorf("expected element type <rss> but have <%s>", feed.XMLName.Local)
	}
	return feed, nil
}

// docDOM returns doc's shared HTML tree as a goquery document; false when
// doc is not HTML. Callers must not change the tree (Clone first).
func docDOM(doc Document) (*goquery.Document, bool) {
	if doc.syntax() != syntaxHTML {
		return nil, false
	}
	root, err := doc.html()
	if err != nil {
		return nil, false
	}
	return goquery.NewDocumentFromNode(root), true
}

// nextData returns the page props a Next.js page embeds in its
// <script id="__NEXT_DATA__" type="application/json">, and whether it has
// such a script. Both incident.io and Instatus render their pages so. It
// reads the document's shared tree, once per document: auto-detection
// asks for it from several sniffers.
func nextData(doc Document) (map[string]json.RawMessage, bool) {
	type result struct {
		props map[string]json.RawMessage
		ok    bool
	}
	if doc.syntax() != syntaxHTML {
		return nil, false
	}
	r := memoize(doc, "next-data", func() result {
		// script#__NEXT_DATA__, found by the shared walk.
		s := doc.signals()
		if s == nil || s.nextData == nil {
			return result{}
		}
		var data struct {
			Props struct {
				PageProps map[string]json.RawMessage `json:"pageProps"`
			} `json:"props"`
		}
		if json.Unmarshal([]byte(nodeText(s.nextData)), &data) != nil || data.Props.PageProps == nil {
			return result{map[string]json.RawMessage{}, true}
		}
		return result{data.Props.PageProps, true}
	})
	return r.props, r.ok
}

// originOf returns the scheme and host of raw, or "".
func originOf(raw string) string {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

// pageNumber reads ?page=N from raw; 1 when absent or not a positive number.
func pageNumber(raw string) int { return historyPageNumber(raw) }

// emptyRun says how many empty pages in a row come before the page after
// doc, which is empty or not; false when doc is the second empty page in a
// row, where a walk back through a history ends.
func emptyRun(doc Document, empty bool) (int, bool) {
	if !empty {
		return 0, true
	}
	if doc.Via.EmptyBefore >= 1 {
		return 0, false
	}
	return doc.Via.EmptyBefore + 1, true
}

// nextNumberedPage plans the walk back through a history paged with
// ?page=N: the next page after doc's, carrying how many empty pages came
// before it. The walk ends after two empty pages in a row or at page
// maxHistoryPages.
func nextNumberedPage(doc Document, empty bool) (Follow, bool) {
	u, err := url.Parse(doc.URL)
	if err != nil || originOf(doc.URL) == "" {
		return Follow{}, false
	}
	emptyBefore, ok := emptyRun(doc, empty)
	if !ok {
		return Follow{}, false
	}
	n := pageNumber(doc.URL)
	if n >= maxHistoryPages {
		return Follow{}, false
	}
	q := u.Query()
	q.Set("page", strconv.Itoa(n+1))
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return Follow{URL: u.String(), Reason: FollowNext, EmptyBefore: emptyBefore}, true
}

// platformTime parses an RFC 3339 time a platform's JSON gives, keeping the
// text; field names it in errors. Empty text is no time.
func platformTime(field, text string) (Time, error) {
	t, err := apiTime(text)
	if err != nil {
		return Time{}, fmt.Errorf("%s: %w", field, err)
	}
	return t, nil
}

// closest names the platform a document most resembles and what it lacks,
// for the error of a page no parser reads ("looks like an Instatus page but
// has no incidents key"); "" when it resembles none.
func closest(doc Document) string {
	if m := docMembers(doc); m != nil {
		for _, c := range closeCalls {
			if why := c(m); why != "" {
				return why
			}
		}
		return ""
	}
	if props, ok := nextData(doc); ok {
		keys := make([]string, 0, len(props))
		for k := range props {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		return fmt.Sprintf("looks like a Next.js status page (incident.io and Instatus render so) but its page data holds no incident, incidents or summary (keys: %s)", strings.Join(keys, ", "))
	}
	return ""
}

// closeCalls are the platforms' resemblance checks on a JSON object's
// members, each in its own parser's file (Checkly's, Cachet's and Slack's
// here).
var closeCalls []func(map[string]json.RawMessage) string

func init() {
	closeCalls = append(closeCalls, closeToVendorJSON)
}

// closeToVendorJSON names the vendor a JSON object almost is, and what it
// lacks, for a document no parser reads.
func closeToVendorJSON(m map[string]json.RawMessage) string {
	why := func(err error) string {
		msg := err.Error()
		if _, after, ok := strings.Cut(msg, ": "); ok {
			if _, rest, ok := strings.Cut(after, ": "); ok {
				return rest
			}
		}
		return msg
	}
	items, _ := jsonObjects(m["incidents"])
	checkly := slices.ContainsFunc(items, func(it map[string]json.RawMessage) bool {
		return hasKeys(it, "incidentUpdates") || hasKeys(it, "lastUpdateStatus")
	})
	switch {
	case checkly:
		if _, err := checklyDecode(m, nil); err != nil {
			return "looks like a Checkly incident list but " + why(err)
		}
	case hasKeys(jsonMembers(m["meta"]), "pagination"):
		if _, err := cachetDecode(m, nil); err != nil {
			return "looks like a Cachet API list but " + why(err)
		}
	case hasKeys(m, "active_incidents"):
		if _, err := slackDecode(m, nil, false, nil); err != nil {
			return "looks like Slack's status API but " + why(err)
		}
	}
	return ""
}

// firstTime returns the earliest of ts that is set.
func firstTime(ts ...Time) Time {
	var first Time
	for _, t := range ts {
		if !t.IsZero() && (first.IsZero() || t.At.Before(first.At)) {
			first = t
		}
	}
	return first
}

// lastTime returns the latest of ts that is set.
func lastTime(ts ...Time) Time {
	var last Time
	for _, t := range ts {
		if !t.IsZero() && (last.IsZero() || t.At.After(last.At)) {
			last = t
		}
	}
	return last
}

// epochSeconds reads a Unix time in seconds written as digits, keeping the
// text.
func epochSeconds(text string) (Time, error) {
	n, err := strconv.ParseInt(strings.TrimSpace(text), 10, 64)
	if err != nil || n <= 0 {
		return Time{}, fmt.Errorf("%w: %q is not a Unix time in seconds", ErrBadTime, text)
	}
	return NewTime(time.Unix(n, 0), text), nil
}

// latestStatus returns the status and raw word of the latest update that
// states one, or false when none does.
func latestStatus(updates []Update) (Status, string, bool) {
	var at time.Time
	var st Status
	var raw string
	found := false
	for _, u := range updates {
		if u.Status == StatusUpdate || (u.Status == StatusUnknown && u.StatusRaw == "") {
			continue
		}
		if !found || !u.At.At.Before(at) {
			at, st, raw, found = u.At.At, u.Status, u.StatusRaw, true
		}
	}
	return st, raw, found
}
