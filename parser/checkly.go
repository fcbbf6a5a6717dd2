package parser

import (
	"encoding/json"
	"fmt"
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

// checklyDecode returns the incidents of a Checkly document and whether
// it is the list of open incidents.
func checklyDecode(body []byte) ([]checklyIncident, bool, error) {
	m := vendorObject(body)
	if m == nil {
		return nil, false, errWrongPlatform("Checkly", "not a JSON object")
	}
	if checklyShape(m) {
		var in checklyIncident
		if err := json.Unmarshal(body, &in); err != nil {
			return nil, false, errWrongPlatform("Checkly", err.Error())
		}
		return []checklyIncident{in}, false, nil
	}
	raw, ok := m["incidents"]
	if !ok || jsonKind(raw) != '[' {
		return nil, false, errWrongPlatform("Checkly", "no incidents list")
	}
	items, _ := vendorArray(raw)
	for i, it := range items {
		if !checklyShape(it) {
			return nil, false, errWrongPlatform("Checkly", fmt.Sprintf("incidents[%d] has no id, name, severity and lastUpdateStatus or incidentUpdates", i))
		}
	}
	var doc struct {
		Incidents []checklyIncident `json:"incidents"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, false, errWrongPlatform("Checkly", err.Error())
	}
	return doc.Incidents, true, nil
}

func sniffCheckly(doc Document) int {
	incidents, list, err := checklyDecode(doc.Body)
	switch {
	case err != nil:
		return 0
	case len(incidents) > 0:
		return 85
	case list && strings.Contains(feedURLPath(doc.URL), "/api/status-page/"):
		return 85 // {"incidents":[]} from a Checkly path: nothing open
	}
	return 0
}

func parseCheckly(doc Document) (*Page, error) {
	incidents, list, err := checklyDecode(doc.Body)
	if err != nil {
		return nil, err
	}
	page := &Page{Incidents: []Incident{}}
	if list && strings.HasSuffix(feedURLPath(doc.URL), "/unresolved-incidents") {
		page.Scope = ScopeCurrent
	}
	for i, c := range incidents {
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
