package parser

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// FormatStatuspageAPI is Atlassian Statuspage's public JSON API: an incident
// (/api/v2/incidents/<code>.json, /incidents/<code>.json), the incident list
// (/api/v2/incidents.json), the summary (/api/v2/summary.json), the 2016-era
// flat incident object, and incident.io's Statuspage-compatible summary.
const FormatStatuspageAPI Format = "statuspage-api"

func init() {
	register(format{name: FormatStatuspageAPI, sniff: sniffStatuspageAPI, parse: parseStatuspageAPI})
}

// apiPage is the "page" object of the API's envelopes.
type apiPage struct {
	ID       string `json:"id"`
	Name     string `json:"name"`
	URL      string `json:"url"`
	TimeZone string `json:"time_zone"`
}

// apiIncident is an incident or scheduled maintenance as the API serves it.
// JSON null decodes to the empty string, which is what "not stated" means
// for every field here.
type apiIncident struct {
	ID                    string         `json:"id"`
	Name                  string         `json:"name"`
	Status                string         `json:"status"`
	Impact                string         `json:"impact"`
	CreatedAt             string         `json:"created_at"`
	StartedAt             string         `json:"started_at"`
	ResolvedAt            string         `json:"resolved_at"`
	ScheduledFor          string         `json:"scheduled_for"`
	ScheduledUntil        string         `json:"scheduled_until"`
	PostmortemBody        string         `json:"postmortem_body"`
	PostmortemPublishedAt string         `json:"postmortem_published_at"`
	Updates               *[]apiUpdate   `json:"incident_updates"` // nil when the key is absent
	Components            []apiComponent `json:"components"`
}

// apiUpdate is one entry of incident_updates (newest first in the API).
type apiUpdate struct {
	Status    string        `json:"status"`
	Body      string        `json:"body"`
	CreatedAt string        `json:"created_at"`
	DisplayAt string        `json:"display_at"`
	Affected  []apiAffected `json:"affected_components"`
}

type apiAffected struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	NewStatus string `json:"new_status"`
}

type apiComponent struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

// noComponentsAffected is the pseudo component the 2016 API put in
// affected_components when an update changed no component.
const noComponentsAffected = "no components were affected by this update."

// apiDoc decodes every document of the API in one pass; which fields are
// present says which document it is:
//
//	{"page":…,"incident":{…}}                          one incident
//	{"page":…,"incidents":[…]}                         the incident list
//	{"page":…,"status":{…},"components":[…],"incidents":[…],…}  the summary
//	{"id":…,"name":…,"status":…,"incident_updates":[…],…}     a 2016 incident
type apiDoc struct {
	Page                  *apiPage        `json:"page"`
	Status                json.RawMessage `json:"status"` // an object in the summary, a word in a 2016 incident
	Components            json.RawMessage `json:"components"`
	Incident              *apiIncident    `json:"incident"`
	Incidents             *[]apiIncident  `json:"incidents"`
	ScheduledMaintenances *[]apiIncident  `json:"scheduled_maintenances"`
	// The 2016 API's bare incident object.
	ID      string       `json:"id"`
	Name    string       `json:"name"`
	Updates *[]apiUpdate `json:"incident_updates"`
}

// apiList is one list of incidents of an API document, with its name for
// errors.
type apiList struct {
	field   string
	items   []apiIncident
	many    bool
	current bool // the summary's lists: only what is open or upcoming now
}

// decodeAPI decodes body as an API document and returns its page object
// (or nil) and its incidents; a body that is no such document gives an
// error wrapping ErrNotStatuspage that says why.
// decodeAPIOf is decodeAPI of doc's body, decoded once per view.
func decodeAPIOf(doc Document) (*apiPage, []apiList, error) {
	type result struct {
		page  *apiPage
		lists []apiList
		err   error
	}
	r := memoize(doc, "statuspage-api", func() result {
		p, l, err := decodeAPI(doc.trimmedBody())
		return result{p, l, err}
	})
	return r.page, r.lists, r.err
}

func decodeAPI(body []byte) (*apiPage, []apiList, error) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return nil, nil, errNotStatuspage("not a JSON object")
	}
	var doc apiDoc
	if err := json.Unmarshal(trimmed, &doc); err != nil {
		return nil, nil, errNotStatuspage("not Statuspage API JSON: " + err.Error())
	}
	switch {
	case doc.Incident != nil:
		if !doc.Incident.looksReal() {
			return nil, nil, errNotStatuspage("incident has no id, name and incident_updates")
		}
		return doc.Page, []apiList{{"incident", []apiIncident{*doc.Incident}, false, false}}, nil
	case doc.ID != "" && doc.Name != "" && doc.Updates != nil && isJSONString(doc.Status):
		var in apiIncident
		if err := json.Unmarshal(trimmed, &in); err != nil {
			return nil, nil, errNotStatuspage("not a 2016 incident: " + err.Error())
		}
		return nil, []apiList{{"incident", []apiIncident{in}, false, false}}, nil
	case doc.Incidents == nil:
		return nil, nil, errNotStatuspage("no incident, incident_updates or incidents key")
	case doc.Page == nil || doc.Page.ID == "" || doc.Page.Name == "":
		return nil, nil, errNotStatuspage("incidents without a page object with id and name")
	}
	// The summary has the page's status object and components beside its
	// (unresolved) incidents; the incident list has neither.
	summary := doc.ScheduledMaintenances != nil || len(bytes.TrimSpace(doc.Components)) > 0 || isJSONObject(doc.Status)
	lists := []apiList{{"incidents", *doc.Incidents, true, summary}}
	if doc.ScheduledMaintenances != nil {
		lists = append(lists, apiList{"scheduled_maintenances", *doc.ScheduledMaintenances, true, true})
	}
	for _, l := range lists {
		for i, in := range l.items {
			if !in.looksReal() {
				return nil, nil, errNotStatuspage(fmt.Sprintf("%s[%d] is not a Statuspage incident (no id, name and incident_updates)", l.field, i))
			}
		}
	}
	return doc.Page, lists, nil
}

// apiScope says what an API document's incidents stand for: a summary
// (open incidents, upcoming maintenance) shows what is open or upcoming
// now; the incident list is the latest incidents, newest first; a single
// incident says nothing about others.
func apiScope(lists []apiList) Scope {
	switch {
	case len(lists) > 0 && lists[0].current:
		return ScopeCurrent
	case len(lists) == 1 && lists[0].many:
		return ScopeListing
	}
	return ScopeUnknown
}

func isJSONObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

// looksReal reports whether a decoded incident has what every Statuspage
// incident has: an id, a name and an incident_updates list.
func (a apiIncident) looksReal() bool {
	return a.ID != "" && a.Name != "" && a.Updates != nil
}

func isJSONString(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '"'
}

func sniffStatuspageAPI(doc Document) int {
	obj, ok := doc.jsonObject()
	if !ok || obj["incident"] == nil && obj["incidents"] == nil && obj["incident_updates"] == nil || apiKeysRefuse(obj) {
		return 0
	}
	if _, _, err := decodeAPIOf(doc); err != nil {
		return 0
	}
	return 80
}

// apiKeysRefuse reports, from its keys alone, a JSON object decodeAPI
// would refuse: no incident, not a 2016 incident (id, name,
// incident_updates, status), and no incidents list with a page beside it.
// Other platforms' incident lists (Checkly's, Cachet's) have incidents
// but no page: detection then skips decoding them as Statuspage's.
func apiKeysRefuse(obj map[string]json.RawMessage) bool {
	return obj["incident"] == nil && !hasKeys(obj, "id", "name", "incident_updates", "status") &&
		(obj["incidents"] == nil || obj["page"] == nil)
}

func parseStatuspageAPI(doc Document) (*Page, error) {
	page, lists, err := decodeAPIOf(doc)
	if err != nil {
		return nil, err
	}
	var pageURL string
	if page != nil {
		pageURL = page.URL
	}
	origin := statuspageOrigin(doc.URL, pageURL)
	out := &Page{Incidents: []Incident{}, Scope: apiScope(lists)}
	for _, l := range lists {
		for i, item := range l.items {
			in, err := item.incident(origin)
			if err != nil {
				where := l.field
				if l.many {
					where = fmt.Sprintf("%s[%d]", l.field, i)
				}
				return nil, &ParseError{Field: where, Err: err}
			}
			out.Incidents = append(out.Incidents, in)
		}
	}
	return out, nil
}

// incident converts one API incident. origin, when known, gives the
// incident its /incidents/<code> URL; the shortlink is left out on purpose
// (it is a redirect service, not the page).
func (a apiIncident) incident(origin string) (Incident, error) {
	in := Incident{
		ID:        a.ID,
		Kind:      KindIncident,
		Title:     a.Name,
		Impact:    NormaliseImpact(a.Impact),
		ImpactRaw: a.Impact,
		Status:    NormaliseStatus(a.Status),
		StatusRaw: a.Status,
		Updates:   []Update{},
	}
	in.URL = incidentPageURL(origin, a.ID)
	var err error
	stated := []struct {
		name string
		text string
		dst  *Time
	}{
		{"started_at", a.StartedAt, &in.Started},
		{"resolved_at", a.ResolvedAt, &in.Resolved},
		{"scheduled_for", a.ScheduledFor, &in.ScheduledFor},
		{"scheduled_until", a.ScheduledUntil, &in.ScheduledUntil},
	}
	for _, s := range stated {
		if *s.dst, err = apiTime(s.text); err != nil {
			return in, fmt.Errorf("incident %s: %s: %w", a.ID, s.name, err)
		}
	}
	if in.Impact == ImpactMaintenance || isMaintenanceStatus(in.Status) || !in.ScheduledFor.IsZero() {
		in.Kind = KindMaintenance
	}

	if strings.TrimSpace(a.PostmortemBody) != "" {
		at, err := apiTime(a.PostmortemPublishedAt)
		if err != nil || at.IsZero() {
			return in, fmt.Errorf("incident %s: postmortem_published_at %q: %w", a.ID, a.PostmortemPublishedAt, ErrBadTime)
		}
		in.Updates = append(in.Updates, Update{Status: StatusPostmortem, StatusRaw: "postmortem", At: at, Body: a.PostmortemBody})
	}
	var updates []apiUpdate
	if a.Updates != nil {
		updates = *a.Updates
	}
	for i, u := range updates {
		text := u.DisplayAt
		if strings.TrimSpace(text) == "" {
			text = u.CreatedAt
		}
		at, err := apiTime(text)
		if err == nil && at.IsZero() {
			err = fmt.Errorf("%w: neither display_at nor created_at is set", ErrBadTime)
		}
		if err != nil {
			return in, fmt.Errorf("incident %s: incident_updates[%d]: %w", a.ID, i, err)
		}
		upd := Update{Status: NormaliseStatus(u.Status), StatusRaw: u.Status, At: at, Body: u.Body}
		for _, c := range u.Affected {
			if isPseudoComponent(c.Name) {
				continue
			}
			upd.Components = append(upd.Components, c.Name)
		}
		in.Updates = append(in.Updates, upd)
	}

	// Oldest first, so that posts at the same instant keep their real order
	// when Parse sorts by time.
	slices.Reverse(in.Updates)

	for _, c := range a.Components {
		in.Components = append(in.Components, Component{Name: c.Name, Status: NormaliseComponentStatus(c.Status), StatusRaw: c.Status})
	}
	if len(in.Components) == 0 {
		in.Components = affectedComponents(updates)
	}
	return in, nil
}

// affectedComponents lists the components the updates name, each with the
// status its newest mention gave it (the API lists updates newest first).
func affectedComponents(updates []apiUpdate) []Component {
	var comps []Component
	seen := map[string]bool{}
	for _, u := range updates {
		for _, c := range u.Affected {
			key := c.Code
			if key == "" {
				key = NormaliseText(c.Name)
			}
			if isPseudoComponent(c.Name) || seen[key] {
				continue
			}
			seen[key] = true
			comps = append(comps, Component{Name: c.Name, Status: NormaliseComponentStatus(c.NewStatus), StatusRaw: c.NewStatus})
		}
	}
	return comps
}

func isPseudoComponent(name string) bool {
	return strings.EqualFold(NormaliseText(name), noComponentsAffected)
}

func isMaintenanceStatus(s Status) bool {
	switch s {
	case StatusScheduled, StatusInProgress, StatusVerifying, StatusCompleted:
		return true
	}
	return false
}

// apiTime parses an API timestamp (RFC 3339, with or without fractional
// seconds, "Z" or an offset), keeping the text. Empty text is no time.
func apiTime(text string) (Time, error) {
	if strings.TrimSpace(text) == "" {
		return Time{}, nil
	}
	at, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(text))
	if err != nil {
		return Time{}, fmt.Errorf("%w: %q: %w", ErrBadTime, text, err)
	}
	return NewTime(at, text), nil
}

// statuspageOrigin returns the scheme and host incident URLs hang from: the
// document's own origin when it has one (so that every rendering fetched in
// one crawl agrees), else the origin of the page URL the document states.
func statuspageOrigin(docURL, pageURL string) string {
	for _, raw := range []string{docURL, pageURL} {
		u, err := url.Parse(strings.TrimSpace(raw))
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			continue
		}
		return u.Scheme + "://" + u.Host
	}
	return ""
}

// errNotStatuspage builds the error a forced Statuspage parser returns for a
// page of another kind.
func errNotStatuspage(why string) error {
	return fmt.Errorf("%w: %s", ErrNotStatuspage, why)
}
