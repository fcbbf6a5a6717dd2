package parser

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// FormatBetterStackHTML is a Better Stack status page's HTML: the history,
// paged by month range (/incidents/2026-05/2026-07), whose entries show a
// report's title, its latest update and "N previous updates", and a
// report's own page (/incidents/<id>) with every update and the state it
// gave each resource. Records are the same as /index.json's.
const FormatBetterStackHTML Format = "betterstack-html"

func init() {
	register(format{name: FormatBetterStackHTML, sniff: sniffBetterStackHTML, parse: parseBetterStackHTML})
	describeFormat(FormatInfo{Name: FormatBetterStackHTML, Platform: "Better Stack",
		Example: "https://status.example.com/incidents/2026-05/2026-07 (or /incidents/<id>)",
		Reads:   "history pages by month range (collapsed timelines) and report pages (full timelines)"})
}

// betterStackRange matches a history page's path: /incidents/<from>/<to>.
var betterStackRange = regexp.MustCompile(`/incidents/(\d{4})-(\d{2})/(\d{4})-(\d{2})/?$`)

// betterStackReportPath matches a report page's path: /incidents/<id>.
var betterStackReportPath = regexp.MustCompile(`/incidents/(\d+)/?$`)

// betterStackHistoryMonths is how many months a history page spans.
const betterStackHistoryMonths = 3

func sniffBetterStackHTML(doc Document) int {
	// .status-report-page .status-update, .status-history: read by the
	// shared walk.
	if s := doc.signals(); s != nil && (s.bsReportUpdate || s.bsHistory) {
		return 80
	}
	return 0
}

func parseBetterStackHTML(doc Document) (*Page, error) {
	dom, ok := docDOM(doc)
	if !ok {
		return nil, errWrongPlatform("Better Stack", "not an HTML page")
	}
	origin := originOf(doc.URL)
	if page := dom.Find(`.status-report-page`).First(); page.Length() > 0 {
		in, err := betterStackReportPage(doc, origin, page)
		if err != nil {
			return nil, err
		}
		return &Page{Incidents: []Incident{in}}, nil
	}
	history := dom.Find(`.status-history`).First()
	if history.Length() == 0 {
		return nil, errWrongPlatform("Better Stack", "neither a report page (.status-report-page) nor a history page (.status-history)")
	}
	out := &Page{Incidents: []Incident{}, Scope: ScopeListing}
	var err error
	history.Find(`.status-report`).EachWithBreak(func(i int, s *goquery.Selection) bool {
		var in Incident
		in, err = betterStackHistoryEntry(origin, s)
		if err != nil {
			err = &ParseError{Field: fmt.Sprintf("status report %d", i), Err: err}
			return false
		}
		out.Incidents = append(out.Incidents, in)
		if origin != "" {
			out.Follow = append(out.Follow, Follow{URL: in.URL, Reason: FollowDetail})
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if next, ok := betterStackNextRange(doc, len(out.Incidents) == 0); ok {
		out.Follow = append(out.Follow, next)
	}
	return out, nil
}

// betterStackHistoryEntry reads one collapsed entry of a history page: the
// report's title, link, state and latest update. It is Partial; its page
// holds the rest.
func betterStackHistoryEntry(origin string, s *goquery.Selection) (Incident, error) {
	a := s.Find(`a.status-report-title`).First()
	href, _ := a.Attr("href")
	m := betterStackReportPath.FindStringSubmatch(href)
	if m == nil {
		return Incident{}, fmt.Errorf("%w: report link %q is not /incidents/<id>", ErrInvalidRecord, href)
	}
	state, _ := s.Attr("data-state")
	in := Incident{ID: m[1], Kind: KindIncident, Title: NormaliseText(a.Text()), Partial: true, Updates: []Update{}}
	if origin != "" {
		in.URL = origin + "/incidents/" + m[1]
	}
	if kind, _ := s.Attr("data-kind"); kind == "maintenance" {
		in.Kind, in.Impact, in.ImpactRaw = KindMaintenance, ImpactMaintenance, kind
		in.Status, in.StatusRaw = betterStackMaintStatus.Status(state), state
	} else {
		in.Status, in.StatusRaw = betterStackStatus.Status(state), state
	}
	last, err := betterStackUpdatePost(in.Kind, s.Find(`.status-update`).First())
	if err != nil {
		return in, err
	}
	in.Updates = append(in.Updates, last)
	if n, err := strconv.Atoi(strings.Fields(NormaliseText(s.Find(`.status-report-previous`).Text()) + " x")[0]); err == nil {
		in.UpdatesClaimed = n + 1
	}
	return in, nil
}

// betterStackReportPage reads a report's page: every update, newest first.
func betterStackReportPage(doc Document, origin string, page *goquery.Selection) (Incident, error) {
	u, _ := url.Parse(doc.URL)
	var id string
	if u != nil {
		if m := betterStackReportPath.FindStringSubmatch(u.Path); m != nil {
			id = m[1]
		}
	}
	if id == "" {
		return Incident{}, &ParseError{Field: "url", Err: errWrongPlatform("Better Stack", "a report page's URL names no /incidents/<id>")}
	}
	state, _ := page.Attr("data-state")
	kind, _ := page.Attr("data-kind")
	in := Incident{ID: id, Kind: KindIncident, Title: NormaliseText(page.Find(`.status-report-title`).First().Text()), Updates: []Update{}}
	if origin != "" {
		in.URL = origin + "/incidents/" + id
	}
	var err error
	window := func(sel string) Time {
		t := page.Find(sel).First()
		if t.Length() == 0 || err != nil {
			return Time{}
		}
		attr, _ := t.Attr("datetime")
		var at Time
		if at, err = platformTime(sel, attr); err == nil {
			at.Text = betterStackTimeText(t, attr)
		}
		return at
	}
	starts, ends := window(`time.status-report-starts`), window(`time.status-report-ends`)
	if err != nil {
		return in, err
	}
	if kind == "maintenance" {
		in.Kind, in.Impact, in.ImpactRaw = KindMaintenance, ImpactMaintenance, kind
		in.Status, in.StatusRaw = betterStackMaintStatus.Status(state), state
		in.ScheduledFor, in.ScheduledUntil = starts, ends
	} else {
		in.Status, in.StatusRaw = betterStackStatus.Status(state), state
		in.Started, in.Resolved = starts, ends
	}
	page.Find(`.status-report-affected [data-state]`).Each(func(_ int, r *goquery.Selection) {
		st, _ := r.Attr("data-state")
		in.Components = append(in.Components, Component{Name: NormaliseText(r.Text()), Status: NormaliseComponentStatus(st), StatusRaw: st})
	})
	worst := ""
	page.Find(`.status-update`).EachWithBreak(func(i int, s *goquery.Selection) bool {
		var upd Update
		if upd, err = betterStackUpdatePost(in.Kind, s); err != nil {
			err = &ParseError{Field: fmt.Sprintf("update %d", i), Err: err}
			return false
		}
		s.Find(`.status-update-resources [data-state]`).Each(func(_ int, r *goquery.Selection) {
			st, _ := r.Attr("data-state")
			if worst == "" || impactRank(betterStackImpact.Impact(st)) > impactRank(betterStackImpact.Impact(worst)) {
				worst = st
			}
		})
		in.Updates = append(in.Updates, upd)
		return true
	})
	if err != nil {
		return in, err
	}
	if in.Kind == KindIncident {
		if worst == "" {
			for _, c := range in.Components {
				if worst == "" || impactRank(betterStackImpact.Impact(c.StatusRaw)) > impactRank(betterStackImpact.Impact(worst)) {
					worst = c.StatusRaw
				}
			}
		}
		in.Impact, in.ImpactRaw = betterStackImpact.Impact(worst), worst
	}
	return in, nil
}

// betterStackUpdatePost reads one update: its time, message and the state it
// gave each resource it names, mapped as /index.json's are.
func betterStackUpdatePost(kind Kind, s *goquery.Selection) (Update, error) {
	t := s.Find(`time`).First()
	attr, _ := t.Attr("datetime")
	at, err := platformTime("update time", attr)
	if err == nil && at.IsZero() {
		err = fmt.Errorf("%w: update without a datetime", ErrBadTime)
	}
	if err != nil {
		return Update{}, err
	}
	at.Text = betterStackTimeText(t, attr)
	upd := Update{At: at, Body: NormaliseText(s.Find(`.status-update-message`).First().Text())}
	var states []string
	s.Find(`.status-update-resources [data-state]`).Each(func(_ int, r *goquery.Selection) {
		st, _ := r.Attr("data-state")
		upd.Components = append(upd.Components, NormaliseText(r.Text()))
		if !slices.Contains(states, st) {
			states = append(states, st)
		}
	})
	upd.Status, upd.StatusRaw = betterStackUpdateStatus(kind, states)
	return upd, nil
}

// betterStackNextRange plans the walk back through the history: the page
// of the months before doc's range. It ends after two empty pages in a row
// or before any status page existed.
func betterStackNextRange(doc Document, empty bool) (Follow, bool) {
	u, err := url.Parse(doc.URL)
	if err != nil || originOf(doc.URL) == "" {
		return Follow{}, false
	}
	m := betterStackRange.FindStringSubmatch(u.Path)
	if m == nil {
		return Follow{}, false
	}
	emptyBefore, ok := emptyRun(doc, empty)
	if !ok {
		return Follow{}, false
	}
	year, _ := strconv.Atoi(m[1])
	month, _ := strconv.Atoi(m[2])
	from := time.Date(year, time.Month(month), 1, 0, 0, 0, 0, time.UTC)
	if from.Before(earliest) {
		return Follow{}, false
	}
	return Follow{URL: originOf(doc.URL) + betterStackRangePath(from.AddDate(0, -1, 0)), Reason: FollowNext, EmptyBefore: emptyBefore}, true
}

// betterStackRangePath is the history page of the months ending with the
// month of last.
func betterStackRangePath(last time.Time) string {
	first := last.AddDate(0, -(betterStackHistoryMonths - 1), 0)
	return fmt.Sprintf("/incidents/%04d-%02d/%04d-%02d", first.Year(), int(first.Month()), last.Year(), int(last.Month()))
}

// betterStackTimeText is a <time> element's text, or its datetime attribute
// when the element is empty: the page's own words kept beside the UTC time.
func betterStackTimeText(t *goquery.Selection, attr string) string {
	if text := NormaliseText(t.Text()); text != "" {
		return text
	}
	return strings.TrimSpace(attr)
}
