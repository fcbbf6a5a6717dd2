package parser

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Instatus status pages.
//
//	FormatInstatus      /summary.json (also /v2/ and /v3/): the page status
//	                    and the open incidents and maintenances, without
//	                    their updates; /v2/components.json: components only
//	FormatInstatusHTML  the Next.js pages: an incident or maintenance page
//	                    (/incident/<id>, /maintenance/<id>) and /history?page=N,
//	                    whose __NEXT_DATA__ props hold incidents with updates
//
// Instatus writes its words in upper case (MONITORING, MAJOROUTAGE) and
// leaves out a key rather than sending it empty.
const (
	FormatInstatus     Format = "instatus"
	FormatInstatusHTML Format = "instatus-html"
)

func init() {
	register(format{name: FormatInstatus, sniff: sniffInstatus, parse: parseInstatus})
	register(format{name: FormatInstatusHTML, sniff: sniffInstatusHTML, parse: parseInstatusHTML})
	describeFormat(FormatInfo{Name: FormatInstatus, Platform: "Instatus",
		Example: "https://status.example.com/summary.json (or /v2/components.json)",
		Reads:   "summary JSON: open incidents and maintenances (no updates); components JSON"})
	describeFormat(FormatInfo{Name: FormatInstatusHTML, Platform: "Instatus",
		Example: "https://status.example.com/history?page=1 (or /incident/<id>)",
		Reads:   "Next.js page data (__NEXT_DATA__): incident pages and the history"})
	closeCalls = append(closeCalls, closeToInstatus)
}

var (
	instatusImpact = impactWords("Instatus", "impact", map[string]Impact{
		"OPERATIONAL":         ImpactNone,
		"DEGRADEDPERFORMANCE": ImpactMinor,
		"PARTIALOUTAGE":       ImpactMinor,
		"MINOROUTAGE":         ImpactMinor,
		"MAJOROUTAGE":         ImpactMajor,
		"UNDERMAINTENANCE":    ImpactMaintenance,
	})
	instatusStatus = statusWords("Instatus", "status", map[string]Status{
		"INVESTIGATING": StatusInvestigating,
		"IDENTIFIED":    StatusIdentified,
		"MONITORING":    StatusMonitoring,
		"RESOLVED":      StatusResolved,
		"NOTSTARTEDYET": StatusScheduled,
		"INPROGRESS":    StatusInProgress,
		"COMPLETED":     StatusCompleted,
	})
	// instatusPageStatus is the page's own status word (page.status); it
	// is documented, not stored: records carry incidents' impact.
	instatusPageStatus = impactWords("Instatus", "page status", map[string]Impact{
		"UP":               ImpactNone,
		"HASISSUES":        ImpactMinor,
		"ONEMAJOROUTAGE":   ImpactMajor,
		"UNDERMAINTENANCE": ImpactMaintenance,
	})
)

// isInstatusWord reports whether s is written the way Instatus writes its
// words: upper-case letters only.
func isInstatusWord(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if !unicode.IsUpper(r) {
			return false
		}
	}
	return true
}

type isPage struct {
	Name   string `json:"name"`
	URL    string `json:"url"`
	Status string `json:"status"`
}

type isComponent struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

type isUpdate struct {
	ID        string `json:"id"`
	Status    string `json:"status"`
	Message   string `json:"message"`
	CreatedAt string `json:"createdAt"`
	Started   string `json:"started"`
}

// isIncident is an incident or maintenance in every Instatus document.
// Summary entries have no updates key; page entries have one.
type isIncident struct {
	ID         string        `json:"id"`
	Name       string        `json:"name"`
	Status     string        `json:"status"`
	Impact     string        `json:"impact"`
	Started    string        `json:"started"`
	Resolved   string        `json:"resolved"`
	Start      string        `json:"start"`
	Duration   json.Number   `json:"duration"`
	URL        string        `json:"url"`
	Updates    *[]isUpdate   `json:"updates"`
	Components []isComponent `json:"components"`
	Type       string        `json:"type"`
}

type isDoc struct {
	Page               *isPage        `json:"page"`
	ActiveIncidents    []isIncident   `json:"activeIncidents"`
	ActiveMaintenances []isIncident   `json:"activeMaintenances"`
	Components         *[]isComponent `json:"components"`
	Incident           *isIncident    `json:"incident"`
	Maintenance        *isIncident    `json:"maintenance"`
	Incidents          *[]isIncident  `json:"incidents"`
	Maintenances       []isIncident   `json:"maintenances"`
}

// instatusOf decodes doc once, however many times detection and the parse
// ask.
func instatusOf(doc Document) (isDoc, error) {
	return decodeOnce(doc, "instatus", func() (isDoc, error) {
		return decodeInstatus(docMembers(doc), doc.trimmedBody())
	})
}

// decodeInstatus decodes m (whose bytes are body, when known) as an
// Instatus JSON document (summary or components), or says why it is not
// one.
func decodeInstatus(m map[string]json.RawMessage, body []byte) (isDoc, error) {
	var d isDoc
	if m == nil {
		return d, errWrongPlatform("Instatus", "not a JSON object")
	}
	_, page := m["page"]
	_, comps := m["components"]
	if !page && !(comps && len(m) == 1) {
		return d, errWrongPlatform("Instatus", "no page object with a status and no components list")
	}
	// A page object whose status is no Instatus word (Statuspage's incident
	// JSON has a page without one) is refused from that member alone,
	// before the whole document is decoded.
	if raw := m["page"]; page && string(raw) != "null" {
		var p isPage
		if err := json.Unmarshal(raw, &p); err != nil {
			return d, errWrongPlatform("Instatus", err.Error())
		}
		if !isInstatusWord(p.Status) {
			return d, errWrongPlatform("Instatus", fmt.Sprintf("page.status %q is not an Instatus word", p.Status))
		}
	}
	if err := decodeMembers(m, body, &d); err != nil {
		return d, errWrongPlatform("Instatus", err.Error())
	}
	switch {
	case d.Page != nil:
		if !isInstatusWord(d.Page.Status) {
			return d, errWrongPlatform("Instatus", fmt.Sprintf("page.status %q is not an Instatus word", d.Page.Status))
		}
		if _, ok := m["incidents"]; ok {
			return d, errWrongPlatform("Instatus", "has a Statuspage incidents list beside its page")
		}
		for i, in := range append(append([]isIncident{}, d.ActiveIncidents...), d.ActiveMaintenances...) {
			if in.ID == "" || in.Name == "" {
				return d, errWrongPlatform("Instatus", fmt.Sprintf("active entry %d has no id and name", i))
			}
		}
		return d, nil
	case d.Components != nil && len(m) == 1:
		for i, c := range *d.Components {
			if c.Name == "" || !isInstatusWord(c.Status) {
				return d, errWrongPlatform("Instatus", fmt.Sprintf("components[%d] has no name or no upper-case status", i))
			}
		}
		return d, nil
	}
	return d, errWrongPlatform("Instatus", "no page object with a status and no components list")
}

func sniffInstatus(doc Document) int {
	// What decodeInstatus refuses first: neither a page nor only
	// components, or a page beside a Statuspage incidents list.
	m := docMembers(doc)
	if m["page"] == nil && (m["components"] == nil || len(m) != 1) || m["page"] != nil && m["incidents"] != nil {
		return 0
	}
	if _, err := instatusOf(doc); err != nil {
		return 0
	}
	return 70
}

func parseInstatus(doc Document) (*Page, error) {
	d, err := instatusOf(doc)
	if err != nil {
		return nil, err
	}
	out := &Page{Incidents: []Incident{}}
	if d.Page == nil {
		// The components list says nothing about incidents.
		return out, nil
	}
	out.Scope = ScopeCurrent
	origin := originOf(doc.URL)
	if origin == "" {
		origin = originOf(d.Page.URL)
	}
	// The summary shows what is open; the history holds the rest.
	if originOf(doc.URL) != "" {
		out.Follow = append(out.Follow, Follow{URL: origin + "/history", Reason: FollowNext})
	}
	for _, l := range []struct {
		field string
		items []isIncident
		maint bool
	}{{"activeIncidents", d.ActiveIncidents, false}, {"activeMaintenances", d.ActiveMaintenances, true}} {
		for i, item := range l.items {
			in, err := item.incident(origin, l.maint)
			if err != nil {
				return nil, &ParseError{Field: fmt.Sprintf("%s[%d]", l.field, i), Err: err}
			}
			// The summary carries no updates: the incident's own page does.
			in.Partial = true
			if in.URL != "" {
				out.Follow = append(out.Follow, Follow{URL: in.URL, Reason: FollowDetail})
			}
			out.Incidents = append(out.Incidents, in)
		}
	}
	return out, nil
}

// decodeInstatusProps decodes a Next.js page's props as an Instatus page:
// one incident or maintenance, or a history list.
func decodeInstatusProps(props map[string]json.RawMessage) (isDoc, error) {
	var d isDoc
	if err := remarshal(props, &d); err != nil {
		return d, errWrongPlatform("Instatus", err.Error())
	}
	if _, ok := props["summary"]; ok {
		return d, errWrongPlatform("Instatus", "page data has an incident.io summary")
	}
	var all []isIncident
	switch {
	case d.Incident != nil:
		all = append(all, *d.Incident)
	case d.Maintenance != nil:
		all = append(all, *d.Maintenance)
	case d.Incidents != nil:
		all = append(append(all, *d.Incidents...), d.Maintenances...)
	default:
		return d, errWrongPlatform("Instatus", "page data holds no incident, maintenance or incidents")
	}
	for i, in := range all {
		if in.ID == "" || in.Name == "" || in.Updates == nil || !isInstatusWord(in.Status) {
			return d, errWrongPlatform("Instatus", fmt.Sprintf("entry %d has no id, name, updates or upper-case status", i))
		}
	}
	return d, nil
}

// instatusPropsOf decodes doc's Next.js page data once, however many
// times detection and the parse ask.
func instatusPropsOf(doc Document) (isDoc, error) {
	return decodeOnce(doc, "instatus-props", func() (isDoc, error) {
		props, ok := nextData(doc)
		if !ok {
			return isDoc{}, errWrongPlatform("Instatus", "not a Next.js page (no __NEXT_DATA__ script)")
		}
		return decodeInstatusProps(props)
	})
}

func sniffInstatusHTML(doc Document) int {
	if _, ok := nextData(doc); !ok {
		return 0
	}
	if _, err := instatusPropsOf(doc); err != nil {
		return 0
	}
	return 80
}

func parseInstatusHTML(doc Document) (*Page, error) {
	d, err := instatusPropsOf(doc)
	if err != nil {
		return nil, err
	}
	origin := originOf(doc.URL)
	out := &Page{Incidents: []Incident{}}
	type list struct {
		field string
		items []isIncident
		maint bool
	}
	var lists []list
	switch {
	case d.Incident != nil:
		lists = []list{{"incident", []isIncident{*d.Incident}, false}}
	case d.Maintenance != nil:
		lists = []list{{"maintenance", []isIncident{*d.Maintenance}, true}}
	default:
		out.Scope = ScopeListing
		lists = []list{{"incidents", *d.Incidents, false}, {"maintenances", d.Maintenances, true}}
	}
	for _, l := range lists {
		for i, item := range l.items {
			in, err := item.incident(origin, l.maint)
			if err != nil {
				return nil, &ParseError{Field: fmt.Sprintf("%s[%d]", l.field, i), Err: err}
			}
			out.Incidents = append(out.Incidents, in)
		}
	}
	if d.Incidents != nil {
		if next, ok := nextNumberedPage(doc, len(out.Incidents) == 0); ok {
			out.Follow = append(out.Follow, next)
		}
	}
	return out, nil
}

// incident converts one Instatus entry. Its URL is the page's own
// (/incident/<id> or /maintenance/<id>) when the entry states none.
func (a isIncident) incident(origin string, maint bool) (Incident, error) {
	maint = maint || a.Type == "MAINTENANCE" || strings.EqualFold(a.Type, "maintenance")
	in := Incident{
		ID:        a.ID,
		Kind:      KindIncident,
		Title:     a.Name,
		URL:       a.URL,
		Impact:    instatusImpact.Impact(a.Impact),
		ImpactRaw: a.Impact,
		Status:    instatusStatus.Status(a.Status),
		StatusRaw: a.Status,
		Updates:   []Update{},
	}
	if in.URL == "" && origin != "" {
		in.URL = origin + "/incident/" + a.ID
		if maint {
			in.URL = origin + "/maintenance/" + a.ID
		}
	}
	var err error
	if in.Started, err = platformTime("started", a.Started); err != nil {
		return in, fmt.Errorf("incident %s: %w", a.ID, err)
	}
	if in.Resolved, err = platformTime("resolved", a.Resolved); err != nil {
		return in, fmt.Errorf("incident %s: %w", a.ID, err)
	}
	if maint {
		in.Kind, in.Impact = KindMaintenance, ImpactMaintenance
		start, err := platformTime("start", a.Start)
		if err != nil {
			return in, fmt.Errorf("maintenance %s: %w", a.ID, err)
		}
		if start.IsZero() {
			start, in.Started = in.Started, Time{}
		}
		in.ScheduledFor = start
		if minutes, err := strconv.Atoi(a.Duration.String()); err == nil && minutes > 0 && !start.IsZero() {
			in.ScheduledUntil = Time{At: start.At.Add(time.Duration(minutes) * time.Minute), Text: a.Duration.String() + " minutes"}
		}
	}
	for _, c := range a.Components {
		in.Components = append(in.Components, Component{Name: c.Name, Status: NormaliseComponentStatus(c.Status), StatusRaw: c.Status})
	}
	if a.Updates != nil {
		for i, u := range *a.Updates {
			text := u.CreatedAt
			if text == "" {
				text = u.Started
			}
			at, err := platformTime(fmt.Sprintf("updates[%d].createdAt", i), text)
			if err == nil && at.IsZero() {
				err = fmt.Errorf("updates[%d]: %w: no createdAt", i, ErrBadTime)
			}
			if err != nil {
				return in, fmt.Errorf("incident %s: %w", a.ID, err)
			}
			in.Updates = append(in.Updates, Update{Status: instatusStatus.Status(u.Status), StatusRaw: u.Status, At: at, Body: u.Message})
		}
	}
	return in, nil
}

// closeToInstatus says how a JSON object that is nearly an Instatus summary
// falls short.
func closeToInstatus(m map[string]json.RawMessage) string {
	_, active := m["activeIncidents"]
	_, maint := m["activeMaintenances"]
	raw, hasPage := m["page"]
	if !active && !maint && !(hasPage && len(m) == 1) {
		return ""
	}
	if !hasPage {
		return "looks like an Instatus summary (activeIncidents) but has no page object"
	}
	var p isPage
	if json.Unmarshal(raw, &p) != nil || !isInstatusWord(p.Status) {
		return "looks like an Instatus summary but its page has no upper-case status"
	}
	if _, err := decodeInstatus(m, nil); err != nil {
		return "looks like an Instatus summary but " + strings.TrimPrefix(err.Error(), ErrWrongPlatform.Error()+": Instatus: ")
	}
	return ""
}
