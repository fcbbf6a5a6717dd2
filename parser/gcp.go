package parser

import (
	"encoding/json"
	"fmt"
	"strings"
)

// FormatGCP is Google Cloud's status.cloud.google.com/incidents.json: the
// whole incident history in one JSON array, newest first. Each incident
// has begin and end, a status_impact and severity, the affected products,
// and its updates (the last one is often a long "Incident Report" in
// Markdown).
const FormatGCP Format = "gcp-incidents"

func init() {
	register(format{name: FormatGCP, sniff: sniffGCP, parse: parseGCP})
	describeFormat(FormatInfo{Name: FormatGCP, Platform: "Google Cloud",
		Example: "https://status.cloud.google.com/incidents.json",
		Reads:   "the whole incident history in one JSON file"})
}

// gcpImpact maps status_impact, Google's statement of how bad it was.
// The severity beside it (low, medium, high) is Google's internal rating
// and is kept in ImpactRaw.
var gcpImpact = impactWords("Google Cloud", "status_impact", map[string]Impact{
	"SERVICE_INFORMATION": ImpactNone,
	"SERVICE_DISRUPTION":  ImpactMinor,
	"SERVICE_OUTAGE":      ImpactMajor,
})

// gcpUpdateStatus maps an update's status, which is the state of the
// service when it was posted, not a step of a workflow: AVAILABLE is the
// post that ends the incident; the others are progress posts.
var gcpUpdateStatus = statusWords("Google Cloud", "update status", map[string]Status{
	"AVAILABLE":           StatusResolved,
	"SERVICE_INFORMATION": StatusUpdate,
	"SERVICE_DISRUPTION":  StatusUpdate,
	"SERVICE_OUTAGE":      StatusUpdate,
})

type gcpIncident struct {
	ID           string      `json:"id"`
	Begin        string      `json:"begin"`
	End          string      `json:"end"`
	Desc         string      `json:"external_desc"`
	Severity     string      `json:"severity"`
	StatusImpact string      `json:"status_impact"`
	URI          string      `json:"uri"`
	Updates      []gcpUpdate `json:"updates"`
	MostRecent   *gcpUpdate  `json:"most_recent_update"`
	Products     []struct {
		Title string `json:"title"`
	} `json:"affected_products"`
}

type gcpUpdate struct {
	Created string `json:"created"`
	When    string `json:"when"`
	Status  string `json:"status"`
	Text    string `json:"text"`
}

// gcpShape says whether m is a Google Cloud incident.
func gcpShape(m map[string]json.RawMessage) bool {
	return hasKeys(m, "id", "begin", "external_desc") && (hasKeys(m, "updates") || hasKeys(m, "most_recent_update"))
}

// gcpOf decodes doc once, however many times detection and the parse ask.
func gcpOf(doc Document) ([]gcpIncident, error) {
	return decodeOnce(doc, "gcp", func() ([]gcpIncident, error) {
		return decodeArray[gcpIncident](doc, "Google Cloud incidents.json", gcpShape, "has no id, begin, external_desc and updates")
	})
}

func sniffGCP(doc Document) int {
	if items, ok := docObjects(doc); !ok || len(items) > 0 && !gcpShape(items[0]) {
		return 0
	}
	incidents, err := gcpOf(doc)
	switch {
	case err != nil:
		return 0
	case len(incidents) > 0:
		return 85
	case strings.HasSuffix(feedURLPath(doc.URL), "/incidents.json") && !strings.Contains(feedURLPath(doc.URL), "/api/"):
		return 40 // [] at Google's path: no incidents yet
	}
	return 0
}

func parseGCP(doc Document) (*Page, error) {
	incidents, err := gcpOf(doc)
	if err != nil {
		return nil, err
	}
	origin := statuspageOrigin(doc.URL, "")
	page := &Page{Scope: ScopeListing, Incidents: []Incident{}}
	for i, g := range incidents {
		in, err := g.incident(origin)
		if err != nil {
			return nil, &ParseError{Field: fmt.Sprintf("incidents[%d]", i), Err: err}
		}
		page.Incidents = append(page.Incidents, in)
	}
	return page, nil
}

func (g gcpIncident) incident(origin string) (Incident, error) {
	in := Incident{
		ID:        g.ID,
		Kind:      KindIncident,
		Title:     g.Desc,
		Impact:    gcpImpact.Impact(g.StatusImpact),
		ImpactRaw: g.StatusImpact,
		Updates:   []Update{},
	}
	if g.Severity != "" {
		in.ImpactRaw = strings.TrimSpace(g.StatusImpact + " (severity " + g.Severity + ")")
	}
	if origin != "" && strings.HasPrefix(g.URI, "incidents/") {
		in.URL = origin + "/" + g.URI
	}
	var err error
	if in.Started, err = apiTime(g.Begin); err != nil {
		return in, fmt.Errorf("incident %s: begin: %w", g.ID, err)
	}
	if in.Resolved, err = apiTime(g.End); err != nil {
		return in, fmt.Errorf("incident %s: end: %w", g.ID, err)
	}
	for _, p := range g.Products {
		in.Components = append(in.Components, Component{Name: p.Title})
	}
	updates := g.Updates
	if len(updates) == 0 && g.MostRecent != nil {
		updates = []gcpUpdate{*g.MostRecent}
	}
	for i, u := range updates {
		text := u.When
		if strings.TrimSpace(text) == "" {
			text = u.Created
		}
		at, err := apiTime(text)
		if err == nil && at.IsZero() {
			err = fmt.Errorf("%w: neither when nor created is set", ErrBadTime)
		}
		if err != nil {
			return in, fmt.Errorf("incident %s: updates[%d]: %w", g.ID, i, err)
		}
		in.Updates = append(in.Updates, Update{Status: gcpUpdateStatus.Status(u.Status), StatusRaw: u.Status, At: at, Body: u.Text})
	}
	// The incident's state: resolved once Google states an end, else the
	// service state of its newest post, which is no workflow step.
	if g.MostRecent != nil {
		in.StatusRaw = g.MostRecent.Status
	}
	switch {
	case !in.Resolved.IsZero():
		in.Status = StatusResolved
	case gcpUpdateStatus.Status(in.StatusRaw) == StatusResolved:
		in.Status = StatusResolved
	}
	return in, nil
}
