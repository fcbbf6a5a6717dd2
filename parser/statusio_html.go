package parser

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// FormatStatusIOHTML is a status.io page's HTML: the history
// (/pages/history/<page_id>), which links every incident, and an incident's
// page (/pages/incident/<page_id>/<incident_id>) with its full timeline.
// Each update shows its state word ("Investigating"), the status it gave the
// components ("Partial Service Disruption", in a tooltip) and its time
// ("April 29, 2026 04:50PM UTC").
const FormatStatusIOHTML Format = "statusio-html"

func init() {
	register(format{name: FormatStatusIOHTML, sniff: sniffStatusIOHTML, parse: parseStatusIOHTML})
	describeFormat(FormatInfo{Name: FormatStatusIOHTML, Platform: "status.io",
		Example: "https://status.example.com/pages/history/<page_id> (or /pages/incident/<page_id>/<id>)",
		Reads:   "history page (links every incident) and incident pages with their timelines"})
}

var (
	statusIOStateWord = statusWords("status.io", "state word (incident page)", map[string]Status{
		"Investigating": StatusInvestigating,
		"Identified":    StatusIdentified,
		"Monitoring":    StatusMonitoring,
		"Resolved":      StatusResolved,
	})
	statusIOStatusText = impactWords("status.io", "status text (incident page)", map[string]Impact{
		"Operational":                ImpactNone,
		"Under Maintenance":          ImpactMaintenance,
		"Degraded Performance":       ImpactMinor,
		"Partial Service Disruption": ImpactMajor,
		"Service Disruption":         ImpactCritical,
		"Security Event":             ImpactCritical,
	})
)

// statusIOIncidentPath matches /pages/incident/<page_id>/<incident_id>.
var statusIOIncidentPath = regexp.MustCompile(`/pages/incident/([0-9A-Za-z]+)/([0-9A-Za-z]+)/?$`)

// statusIOHistoryLinks are the incident links of a history page.
func statusIOHistoryLinks(dom *goquery.Document) *goquery.Selection {
	return dom.Find(`h5 > a[href*="/pages/incident/"]`)
}

func sniffStatusIOHTML(doc Document) int {
	// #statusio_incident .incident_update, #statusio_history and
	// statusIOHistoryLinks' selector: read by the shared walk.
	if s := doc.signals(); s != nil && (s.sioIncidentUpdate || s.sioHistory || s.sioHistoryLink) {
		return 80
	}
	return 0
}

func parseStatusIOHTML(doc Document) (*Page, error) {
	dom, ok := docDOM(doc)
	if !ok {
		return nil, errWrongPlatform("status.io", "not an HTML page")
	}
	if dom.Find(`#statusio_incident`).Length() > 0 {
		in, err := statusIOIncidentPage(doc, dom)
		if err != nil {
			return nil, err
		}
		return &Page{Incidents: []Incident{in}}, nil
	}
	if dom.Find(`#statusio_history`).Length() == 0 && statusIOHistoryLinks(dom).Length() == 0 {
		return nil, errWrongPlatform("status.io", "neither an incident page (#statusio_incident) nor a history page (incident links)")
	}
	// The history names incidents only by title and link: each incident's
	// own page is asked for, and the records come from there.
	out := &Page{Incidents: []Incident{}, Scope: ScopeListing}
	base, _ := url.Parse(doc.URL)
	seen := map[string]bool{}
	statusIOHistoryLinks(dom).Each(func(_ int, a *goquery.Selection) {
		href, _ := a.Attr("href")
		u, err := url.Parse(strings.TrimSpace(href))
		if err != nil {
			return
		}
		if base != nil {
			u = base.ResolveReference(u)
		}
		if !statusIOIncidentPath.MatchString(u.Path) || seen[u.String()] || (u.Scheme != "http" && u.Scheme != "https") {
			return
		}
		seen[u.String()] = true
		out.Follow = append(out.Follow, Follow{URL: u.String(), Reason: FollowDetail})
	})
	return out, nil
}

// statusIOIncidentPage reads an incident page.
func statusIOIncidentPage(doc Document, dom *goquery.Document) (Incident, error) {
	u, _ := url.Parse(doc.URL)
	var id string
	if u != nil {
		if m := statusIOIncidentPath.FindStringSubmatch(u.Path); m != nil {
			id = m[2]
		}
	}
	if id == "" {
		return Incident{}, &ParseError{Field: "url", Err: errWrongPlatform("status.io", "an incident page's URL names no /pages/incident/<page_id>/<id>")}
	}
	title := dom.Find(`.panel-title h5.white`).First().Clone()
	title.Find(`span.incident_status_description`).Remove()
	in := Incident{ID: id, Kind: KindIncident, Title: NormaliseText(title.Text()), Updates: []Update{}}
	if u != nil {
		in.URL = (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String()
	}
	var comps []string
	dom.Find(`#statusio_incident .row`).Each(func(_ int, row *goquery.Selection) {
		label := NormaliseText(row.Find(`.event_inner_title`).Text())
		text := NormaliseText(row.Find(`.event_inner_text`).Text())
		if text == "" {
			return
		}
		for _, name := range strings.Split(text, ",") {
			name = strings.TrimSpace(name)
			switch {
			case name == "":
			case strings.EqualFold(label, "Components"):
				comps = append(comps, name)
				in.Components = append(in.Components, Component{Name: name})
			case strings.EqualFold(label, "Locations"):
				in.Components = append(in.Components, Component{Name: "location: " + name})
			}
		}
	})
	worst := ""
	var err error
	dom.Find(`#statusio_incident .incident_update`).EachWithBreak(func(i int, s *goquery.Selection) bool {
		word := NormaliseText(s.Find(`.incident_update_status strong`).First().Text())
		text := NormaliseText(s.Find(`.incident_time`).First().Text())
		var at Time
		at, err = parseStatusIOTime(text)
		if err != nil {
			err = &ParseError{Field: fmt.Sprintf("update %d time", i), Err: err}
			return false
		}
		upd := Update{Status: statusIOStateWord.Status(word), StatusRaw: word, At: at, Body: NormaliseText(s.Find(`.incident_message_details`).First().Text()), Components: comps}
		in.Updates = append(in.Updates, upd)
		if impact, ok := s.Find(`.incident_update_status span[data-original-title]`).First().Attr("data-original-title"); ok {
			impact = NormaliseText(impact)
			if worst == "" || impactRank(statusIOStatusText.Impact(impact)) > impactRank(statusIOStatusText.Impact(worst)) {
				worst = impact
			}
		}
		return true
	})
	if err != nil {
		return in, err
	}
	in.Impact, in.ImpactRaw = statusIOStatusText.Impact(worst), worst
	if in.Impact == ImpactMaintenance {
		in.Kind = KindMaintenance
	}
	// The page lists updates newest first: the incident's state is the
	// newest one's, which is the first with the latest time.
	var latest Time
	for _, upd := range in.Updates {
		if latest.IsZero() || upd.At.At.After(latest.At) {
			latest, in.Status, in.StatusRaw = upd.At, upd.Status, upd.StatusRaw
		}
	}
	if desc := NormaliseText(dom.Find(`.panel-title span.incident_status_description`).First().Text()); desc != "" && in.StatusRaw == "" {
		in.Status, in.StatusRaw = statusIOStateWord.Status(desc), desc
	}
	return in, nil
}

var statusIOTimeRE = regexp.MustCompile(`^([A-Za-z]+)\s+(\d{1,2}),\s*(\d{4})\s+(\d{1,2}):(\d{2})\s*([AaPp][Mm])\s+([A-Za-z]{2,5})$`)

// parseStatusIOTime reads "April 29, 2026 04:50PM UTC", keeping the text.
func parseStatusIOTime(text string) (Time, error) {
	m := statusIOTimeRE.FindStringSubmatch(strings.TrimSpace(text))
	if m == nil {
		return Time{}, fmt.Errorf("%w: %q is not like \"April 29, 2026 04:50PM UTC\"", ErrBadTime, text)
	}
	month, ok := parseMonth(m[1])
	day, _ := strconv.Atoi(m[2])
	year, _ := strconv.Atoi(m[3])
	hour, _ := strconv.Atoi(m[4])
	minute, _ := strconv.Atoi(m[5])
	if !ok || hour < 1 || hour > 12 || minute > 59 || time.Date(year, month, day, 0, 0, 0, 0, time.UTC).Day() != day {
		return Time{}, fmt.Errorf("%w: %q", ErrBadTime, text)
	}
	hour %= 12
	if strings.EqualFold(m[6], "PM") {
		hour += 12
	}
	at, err := zoneTime(m[7], year, month, day, hour, minute)
	if err != nil {
		return Time{}, fmt.Errorf("%q: %w", text, err)
	}
	return NewTime(at, text), nil
}
