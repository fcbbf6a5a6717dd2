package parser

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"golang.org/x/net/html"
)

// FormatStatuspageHistory is Statuspage's /history?page=N: the HTML page,
// whose incident list is JSON in the data-react-props of the HistoryIndex
// element, or that props object itself, which the page serves as JSON to a
// request with Accept: application/json. Each page covers three calendar
// months, newest first, and gives each incident's code, name, impact, a
// time span and its LAST message only; so every incident it yields is
// Partial, with a Follow to its full timeline.
const FormatStatuspageHistory Format = "statuspage-history"

func init() {
	register(format{name: FormatStatuspageHistory, sniff: sniffStatuspageHistory, parse: parseStatuspageHistory})
}

// historyProps is the HistoryIndex props object.
type historyProps struct {
	PageStatus struct {
		Page struct {
			Name     string `json:"name"`
			Domain   string `json:"domain"`
			TimeZone string `json:"time_zone"`
		} `json:"page"`
	} `json:"page_status"`
	Months []historyMonth `json:"months"`
}

type historyMonth struct {
	Name      string            `json:"name"`
	Year      int               `json:"year"`
	Incidents []historyIncident `json:"incidents"`
}

type historyIncident struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	Message   string `json:"message"`
	Impact    string `json:"impact"`
	Timestamp string `json:"timestamp"`
}

func sniffStatuspageHistory(doc Document) int {
	switch doc.syntax() {
	case syntaxHTML:
		if historyElement(doc) != nil {
			return 95
		}
	case syntaxJSON:
		if obj, ok := doc.jsonObject(); ok && obj["months"] != nil {
			if _, err := historyPropsFrom(doc); err == nil {
				return 90
			}
		}
	}
	return 0
}

// historyElement is the element of doc's HTML tree whose data-react-class
// is HistoryIndex, or nil.
func historyElement(doc Document) *html.Node {
	if s := doc.signals(); s != nil {
		return s.history
	}
	return nil
}

// decodeHistoryProps decodes a props object and checks that it is one: a
// months array whose entries have a name, a year and an incidents array.
func decodeHistoryProps(raw []byte) (*historyProps, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil {
		return nil, fmt.Errorf("props: %w", err)
	}
	var months []map[string]json.RawMessage
	if err := json.Unmarshal(top["months"], &months); err != nil || top["months"] == nil {
		return nil, errNotStatuspage("props have no months array")
	}
	for i, m := range months {
		for _, k := range []string{"name", "year", "incidents"} {
			if _, ok := m[k]; !ok {
				return nil, errNotStatuspage(fmt.Sprintf("props month %d has no %s", i, k))
			}
		}
	}
	var props historyProps
	if err := json.Unmarshal(raw, &props); err != nil {
		return nil, fmt.Errorf("props: %w", err)
	}
	return &props, nil
}

// historyPropsFrom finds the props in doc: the body itself when it is JSON,
// else the data-react-props attribute of the HistoryIndex element. The
// result is kept in doc's view, so that sniffing and parsing decode once.
func historyPropsFrom(doc Document) (*historyProps, error) {
	type result struct {
		props *historyProps
		err   error
	}
	r := memoize(doc, "history-props", func() result {
		if doc.syntax() == syntaxJSON {
			p, err := decodeHistoryProps(doc.trimmedBody())
			return result{p, err}
		}
		el := historyElement(doc)
		if el == nil {
			return result{nil, errNotStatuspage("no HistoryIndex element and not a props object")}
		}
		for _, a := range el.Attr {
			if a.Namespace == "" && strings.EqualFold(a.Key, "data-react-props") {
				p, err := decodeHistoryProps([]byte(a.Val))
				return result{p, err}
			}
		}
		return result{nil, errNotStatuspage("HistoryIndex element has no data-react-props")}
	})
	return r.props, r.err
}

func parseStatuspageHistory(doc Document) (*Page, error) {
	props, err := historyPropsFrom(doc)
	if err != nil {
		return nil, err
	}
	origin := statuspageOrigin(doc.URL, "")
	if origin == "" && props.PageStatus.Page.Domain != "" {
		origin = "https://" + props.PageStatus.Page.Domain
	}
	out := &Page{Incidents: []Incident{}, Scope: ScopeListing}
	oldest := time.Time{}
	asked := map[string]bool{} // codes whose timeline is already asked for
	for mi, m := range props.Months {
		month, ok := parseMonth(m.Name)
		if !ok || m.Year < 1 || m.Year > 9999 {
			return nil, &ParseError{Field: fmt.Sprintf("months[%d]", mi),
				Err: fmt.Errorf("%w: month %q of year %d", ErrBadTime, m.Name, m.Year)}
		}
		first := time.Date(m.Year, month, 1, 0, 0, 0, 0, time.UTC)
		if oldest.IsZero() || first.Before(oldest) {
			oldest = first
		}
		for ii, h := range m.Incidents {
			in, err := h.incident(origin, first)
			if err != nil {
				return nil, &ParseError{Field: fmt.Sprintf("months[%d].incidents[%d]", mi, ii), Err: err}
			}
			out.Incidents = append(out.Incidents, in)
			if origin != "" && !asked[h.Code] {
				asked[h.Code] = true
				out.Follow = append(out.Follow, detailFollow(origin, h.Code))
			}
		}
	}
	if next, ok := nextHistoryPage(doc, origin, len(out.Incidents) == 0, oldest); ok {
		out.Follow = append(out.Follow, next)
	}
	return out, nil
}

// maxHistoryPages bounds the walk for a site that never serves an empty
// page (one that ignores ?page, say): 400 pages of three months each is a
// century of history.
const maxHistoryPages = 400

// nextHistoryPage plans the walk back through the history: the next (older)
// page is asked for as JSON, carrying how many empty pages came before it.
// The walk ends after two empty pages in a row, once the page reaches back
// before any status page existed, or at page maxHistoryPages.
func nextHistoryPage(doc Document, origin string, empty bool, oldest time.Time) (Follow, bool) {
	if origin == "" {
		return Follow{}, false
	}
	emptyBefore, ok := emptyRun(doc, empty)
	if !ok {
		return Follow{}, false
	}
	if !oldest.IsZero() && oldest.Before(earliest) {
		return Follow{}, false
	}
	n := historyPageNumber(doc.URL)
	if n >= maxHistoryPages {
		return Follow{}, false
	}
	return Follow{
		URL:         origin + "/history?page=" + strconv.Itoa(n+1),
		Reason:      FollowNext,
		Accept:      "application/json",
		EmptyBefore: emptyBefore,
	}, true
}

// historyPageNumber reads ?page=N from a history URL; 1 when absent or not
// a positive number.
func historyPageNumber(raw string) int {
	u, err := url.Parse(raw)
	if err != nil {
		return 1
	}
	n, err := strconv.Atoi(u.Query().Get("page"))
	if err != nil || n < 1 {
		return 1
	}
	return n
}

// incident converts one history entry. The entry's timestamp is the span
// of the incident as the page prints it, "Feb 29, 22:00 - 23:00 GMT" (or
// one time alone): its start is the incident's start, and its end is the
// time of the last message, which is the only update the entry carries.
// The span has no year: it is taken from the month the entry is filed
// under (monthStart), rolling back across New Year when the span starts in
// an earlier month. The update's status is not on the page and stays
// unknown.
func (h historyIncident) incident(origin string, monthStart time.Time) (Incident, error) {
	in := Incident{
		ID:        h.Code,
		Kind:      KindIncident,
		Title:     h.Name,
		Impact:    NormaliseImpact(h.Impact),
		ImpactRaw: h.Impact,
		Partial:   true,
		Updates:   []Update{},
	}
	if strings.TrimSpace(h.Code) == "" {
		return in, fmt.Errorf("%w: incident %q has no code", ErrInvalidRecord, h.Name)
	}
	if in.Impact == ImpactMaintenance {
		in.Kind = KindMaintenance
	}
	in.URL = incidentPageURL(origin, h.Code)
	// The end of the month: every date filed under it is at or before it
	// (InferYear allows its slack beyond).
	ref := monthStart.AddDate(0, 1, 0).Add(-time.Minute)
	from, until, err := ParseStatuspageWindow(h.Timestamp, ref)
	if err != nil && !errors.Is(err, ErrUnknownZone) {
		// Not a span: an incident with one post prints one time.
		from, err = ParseStatuspageStamp(h.Timestamp, ref)
		until = from
	}
	if err != nil {
		return in, fmt.Errorf("incident %s: timestamp: %w", h.Code, err)
	}
	in.Started = from
	in.Updates = append(in.Updates, Update{At: until, Body: h.Message})
	return in, nil
}
