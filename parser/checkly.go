package parser

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// FormatCheckly is a Checkly status page's public incident JSON,
// /api/status-page/<slug>/unresolved-incidents: {"incidents":[…]}, each
// incident with a severity, lastUpdateStatus, services and incidentUpdates.
// A single incident object (the same fields, not wrapped) reads too.
// Checkly publishes no incident history in public JSON that we know of, so
// the list is what is open now.
const FormatCheckly Format = "checkly"

func init() {
	register(format{name: FormatCheckly, sniff: sniffCheckly, parse: parseCheckly})
	describeFormat(FormatInfo{Name: FormatCheckly, Platform: "Checkly",
		Example: "https://status.example.com/api/status-page/<slug>/unresolved-incidents",
		Reads:   "incidents JSON: open incidents with their updates"})
}

// checklySeverity maps Checkly's four severities. MEDIUM is the one
// Checkly uses for a degraded service ("Audio API Degraded"), so it joins
// MINOR; CRITICAL, MAJOR and MINOR map to their names.
var checklySeverity = impactWords("Checkly", "severity", map[string]Impact{
	"MINOR":    ImpactMinor,
	"MEDIUM":   ImpactMinor,
	"MAJOR":    ImpactMajor,
	"CRITICAL": ImpactCritical,
})

// checklyStatus maps Checkly's incident update states.
var checklyStatus = statusWords("Checkly", "status", map[string]Status{
	"INVESTIGATING": StatusInvestigating,
	"IDENTIFIED":    StatusIdentified,
	"MONITORING":    StatusMonitoring,
	"RESOLVED":      StatusResolved,
})

type checklyIncident struct {
	ID               string `json:"id"`
	Name             string `json:"name"`
	Severity         string `json:"severity"`
	CreatedAt        string `json:"created_at"`
	LastUpdateStatus string `json:"lastUpdateStatus"`
	Services         []struct {
		Name string `json:"name"`
	} `json:"services"`
	Updates *[]struct {
		Status      string `json:"status"`
		Description string `json:"description"`
		Published   string `json:"publicIncidentUpdateDate"`
		CreatedAt   string `json:"created_at"`
	} `json:"incidentUpdates"`
}

// checklyShape says whether m is a Checkly incident (it has what every one
// has: an id, a severity and lastUpdateStatus or incidentUpdates).
func checklyShape(m map[string]json.RawMessage) bool {
	return hasKeys(m, "id", "name", "severity") && (hasKeys(m, "lastUpdateStatus") || hasKeys(m, "incidentUpdates"))
}

// checklyDoc is a Checkly document read: its incidents, and whether it is
// the list of open incidents (not one incident).
type checklyDoc struct {
	incidents []checklyIncident
	list      bool
}

// checklyOf decodes doc once, however many times detection and the parse
// ask.
func checklyOf(doc Document) (checklyDoc, error) {
	return decodeOnce(doc, "checkly", func() (checklyDoc, error) {
		return checklyDecode(docMembers(doc), doc.trimmedBody())
	})
}

// checklyDecode decodes m (whose bytes are body, when known) as a Checkly
// document, or says why it is not one.
func checklyDecode(m map[string]json.RawMessage, body []byte) (checklyDoc, error) {
	if m == nil {
		return checklyDoc{}, errWrongPlatform("Checkly", "not a JSON object")
	}
	if checklyShape(m) {
		var in checklyIncident
		if err := decodeMembers(m, body, &in); err != nil {
			return checklyDoc{}, errWrongPlatform("Checkly", err.Error())
		}
		return checklyDoc{incidents: []checklyIncident{in}}, nil
	}
	raw, ok := m["incidents"]
	if !ok || jsonKind(raw) != '[' {
		return checklyDoc{}, errWrongPlatform("Checkly", "no incidents list")
	}
	items, _ := jsonObjects(raw)
	for i, it := range items {
		if !checklyShape(it) {
			return checklyDoc{}, errWrongPlatform("Checkly", fmt.Sprintf("incidents[%d] has no id, name, severity and lastUpdateStatus or incidentUpdates", i))
		}
	}
	d := checklyDoc{list: true}
	if err := json.Unmarshal(raw, &d.incidents); err != nil {
		return checklyDoc{}, errWrongPlatform("Checkly", err.Error())
	}
	return d, nil
}

// checklyKeys holds, of an object, the keys only Checkly's incidents have
// of those checklyShape asks for. Decoding a list into them costs next to
// nothing where decoding it into members costs every key and value: the
// sniffer's first look at a list of another platform's incidents. Its keys
// match in any case and are fewer, so it refuses no object that
// checklyShape accepts.
type checklyKeys struct {
	Severity         json.RawMessage `json:"severity"`
	LastUpdateStatus json.RawMessage `json:"lastUpdateStatus"`
	IncidentUpdates  json.RawMessage `json:"incidentUpdates"`
}

func (k checklyKeys) shape() bool {
	return k.Severity != nil && (k.LastUpdateStatus != nil || k.IncidentUpdates != nil)
}

// sniffCheckly claims a Checkly incident, or a list of them. An empty list
// is what incident.io's windows say too: only a Checkly URL
// (/api/status-page/…) makes it Checkly's.
func sniffCheckly(doc Document) int {
	m := docMembers(doc)
	if !checklyShape(m) {
		var list []checklyKeys
		if jsonKind(m["incidents"]) != '[' || json.Unmarshal(m["incidents"], &list) != nil || slices.ContainsFunc(list, func(k checklyKeys) bool { return !k.shape() }) {
			return 0
		}
		if len(list) == 0 && !strings.Contains(feedURLPath(doc.URL), "/api/status-page/") {
			return 0
		}
	}
	if _, err := checklyOf(doc); err != nil {
		return 0
	}
	return 85
}

func parseCheckly(doc Document) (*Page, error) {
	d, err := checklyOf(doc)
	if err != nil {
		return nil, err
	}
	page := &Page{Incidents: []Incident{}}
	if d.list && strings.HasSuffix(feedURLPath(doc.URL), "/unresolved-incidents") {
		page.Scope = ScopeCurrent
	}
	for i, c := range d.incidents {
		in, err := c.incident()
		if err != nil {
			return nil, &ParseError{Field: fmt.Sprintf("incidents[%d]", i), Err: err}
		}
		page.Incidents = append(page.Incidents, in)
	}
	return page, nil
}

func (c checklyIncident) incident() (Incident, error) {
	in := Incident{
		ID:        c.ID,
		Kind:      KindIncident,
		Title:     c.Name,
		Impact:    checklySeverity.Impact(c.Severity),
		ImpactRaw: c.Severity,
		Status:    checklyStatus.Status(c.LastUpdateStatus),
		StatusRaw: c.LastUpdateStatus,
		Updates:   []Update{},
	}
	for _, s := range c.Services {
		in.Components = append(in.Components, Component{Name: s.Name})
	}
	if c.Updates == nil {
		return in, nil
	}
	for i, u := range *c.Updates {
		text := u.Published
		if strings.TrimSpace(text) == "" {
			text = u.CreatedAt
		}
		at, err := apiTime(text)
		if err == nil && at.IsZero() {
			err = fmt.Errorf("%w: neither publicIncidentUpdateDate nor created_at is set", ErrBadTime)
		}
		if err != nil {
			return in, fmt.Errorf("incident %s: incidentUpdates[%d]: %w", c.ID, i, err)
		}
		in.Updates = append(in.Updates, Update{Status: checklyStatus.Status(u.Status), StatusRaw: u.Status, At: at, Body: u.Description})
	}
	if in.StatusRaw == "" {
		in.Status, in.StatusRaw, _ = latestStatus(in.Updates)
	}
	return in, nil
}
