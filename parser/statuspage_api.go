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
	Updates               []apiUpdate    `json:"incident_updates"`
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

// apiShape is which of the API's documents a body is.
type apiShape int

const (
	apiNone    apiShape = iota
	apiOne              // {"page":…,"incident":{…}}
	apiLegacy           // a bare incident object with incident_updates
	apiList             // {"page":…,"incidents":[…]}
	apiSummary          // {"page":…,"status":…,"components":[…],"incidents":[…]}
)

// noComponentsAffected is the pseudo component the 2016 API put in
// affected_components when an update changed no component.
const noComponentsAffected = "no components were affected by this update."

// classifyAPI decodes the top level of body and says which API document it
// is, with a reason when it is none.
func classifyAPI(body []byte) (apiShape, map[string]json.RawMessage, string) {
	trimmed := bytes.TrimSpace(body)
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return apiNone, nil, "not a JSON object"
	}
	var top map[string]json.RawMessage
	if err := json.Unmarshal(trimmed, &top); err != nil {
		return apiNone, nil, "invalid JSON: " + err.Error()
	}
	switch {
	case isJSONObject(top["incident"]) && hasKeys(top["incident"], "id", "name", "incident_updates"):
		return apiOne, top, ""
	case hasKeys(trimmed, "id", "name", "status", "incident_updates"):
		return apiLegacy, top, ""
	}
	list, ok := top["incidents"]
	if !ok {
		return apiNone, top, "no incident, incident_updates or incidents key"
	}
	var items []json.RawMessage
	if err := json.Unmarshal(list, &items); err != nil {
		return apiNone, top, "incidents is not an array"
	}
	for i, item := range items {
		if !hasKeys(item, "id", "name", "status", "incident_updates") {
			return apiNone, top, fmt.Sprintf("incidents[%d] is not a Statuspage incident (no id, name, status and incident_updates)", i)
		}
	}
	if !hasKeys(top["page"], "id", "name") {
		return apiNone, top, "no page object with id and name"
	}
	if isJSONObject(top["status"]) && hasKeys(top["status"], "indicator") && isJSONArray(top["components"]) {
		return apiSummary, top, ""
	}
	return apiList, top, ""
}

func isJSONObject(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '{'
}

func isJSONArray(raw json.RawMessage) bool {
	raw = bytes.TrimSpace(raw)
	return len(raw) > 0 && raw[0] == '['
}

// hasKeys reports whether raw is a JSON object holding every key.
func hasKeys(raw json.RawMessage, keys ...string) bool {
	if !isJSONObject(raw) {
		return false
	}
	var obj map[string]json.RawMessage
	if err := json.Unmarshal(raw, &obj); err != nil {
		return false
	}
	for _, k := range keys {
		if _, ok := obj[k]; !ok {
			return false
		}
	}
	return true
}

func sniffStatuspageAPI(doc Document) int {
	trimmed := bytes.TrimSpace(doc.Body)
	if len(trimmed) == 0 || trimmed[0] != '{' || !bytes.Contains(trimmed, []byte(`"incident`)) {
		return 0
	}
	if shape, _, _ := classifyAPI(trimmed); shape == apiNone {
		return 0
	}
	return 80
}

func parseStatuspageAPI(doc Document) (*Page, error) {
	shape, top, why := classifyAPI(doc.Body)
	if shape == apiNone {
		return nil, errNotStatuspage(why)
	}
	var page apiPage
	if raw, ok := top["page"]; ok && isJSONObject(raw) {
		if err := json.Unmarshal(raw, &page); err != nil {
			return nil, &ParseError{Source: doc.Source, URL: doc.URL, Field: "page", Err: err}
		}
	}
	origin := statuspageOrigin(doc.URL, page.URL)

	type field struct {
		name string
		raw  json.RawMessage
		many bool
	}
	var fields []field
	switch shape {
	case apiOne:
		fields = []field{{"incident", top["incident"], false}}
	case apiLegacy:
		fields = []field{{"incident", json.RawMessage(bytes.TrimSpace(doc.Body)), false}}
	case apiList, apiSummary:
		fields = []field{{"incidents", top["incidents"], true}}
		if raw, ok := top["scheduled_maintenances"]; ok && shape == apiSummary {
			fields = append(fields, field{"scheduled_maintenances", raw, true})
		}
	}
	out := &Page{Incidents: []Incident{}}
	for _, f := range fields {
		var items []apiIncident
		var err error
		if f.many {
			err = json.Unmarshal(f.raw, &items)
		} else {
			items = make([]apiIncident, 1)
			err = json.Unmarshal(f.raw, &items[0])
		}
		if err != nil {
			return nil, &ParseError{Source: doc.Source, URL: doc.URL, Field: f.name, Err: err}
		}
		for i, item := range items {
			in, err := item.incident(origin)
			if err != nil {
				where := f.name
				if f.many {
					where = fmt.Sprintf("%s[%d]", f.name, i)
				}
				return nil, &ParseError{Source: doc.Source, URL: doc.URL, Field: where, Err: err}
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
	if origin != "" && a.ID != "" {
		in.URL = origin + "/incidents/" + url.PathEscape(a.ID)
	}
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
	for i, u := range a.Updates {
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
		in.Components = affectedComponents(a.Updates)
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
