package parser

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// FormatSlack is Slack's status API: /api/v2.0.0/current (the open
// incidents, under active_incidents) and /api/v2.0.0/history (every
// incident, a JSON array). An incident has a type (incident, notice,
// outage, maintenance), a status, the services it touched and its notes,
// which carry no state of their own. Times carry a US Pacific offset.
const FormatSlack Format = "slack-status"

func init() {
	register(format{name: FormatSlack, sniff: sniffSlack, parse: parseSlack})
	describeFormat(FormatInfo{Name: FormatSlack, Platform: "Slack",
		Example: "https://slack-status.com/api/v2.0.0/current (leads to /api/v2.0.0/history)",
		Reads:   "status API JSON: open incidents, and the history"})
}

// slackImpact maps an incident's type, Slack's only statement of severity.
var slackImpact = impactWords("Slack", "type", map[string]Impact{
	"notice":      ImpactNone,
	"incident":    ImpactMinor,
	"outage":      ImpactMajor,
	"maintenance": ImpactMaintenance,
})

// slackStatus maps an incident's status. "active" says only that it is not
// over, which none of our states says, and "cancelled" (a maintenance that
// did not happen) has no state of ours either: both stay unknown, kept raw.
// scheduled, completed and cancelled are maintenance states.
var slackStatus = statusWords("Slack", "status", map[string]Status{
	"resolved":  StatusResolved,
	"scheduled": StatusScheduled,
	"completed": StatusCompleted,
})

type slackIncident struct {
	ID       json.Number `json:"id"`
	Created  string      `json:"date_created"`
	Title    string      `json:"title"`
	Type     string      `json:"type"`
	Status   string      `json:"status"`
	URL      string      `json:"url"`
	Services []string    `json:"services"`
	Notes    []struct {
		Created string `json:"date_created"`
		Body    string `json:"body"`
	} `json:"notes"`
}

// slackShape says whether m is a Slack incident.
func slackShape(m map[string]json.RawMessage) bool {
	return hasKeys(m, "id", "date_created", "title", "type", "status", "notes")
}

// slackDoc is a Slack document read: its incidents, and whether it is the
// current status (not the history).
type slackDoc struct {
	incidents []slackIncident
	current   bool
}

// slackOf decodes doc once, however many times detection and the parse
// ask.
func slackOf(doc Document) (slackDoc, error) {
	return decodeOnce(doc, "slack", func() (slackDoc, error) {
		items, ok := docObjects(doc)
		return slackDecode(docMembers(doc), items, ok, doc.trimmedBody())
	})
}

// slackDecode decodes a Slack document: the current status, an object whose
// members are m, or the history, a JSON array (ok) whose objects are items
// and whose bytes are body.
func slackDecode(m map[string]json.RawMessage, items []map[string]json.RawMessage, ok bool, body []byte) (slackDoc, error) {
	current := false
	if m != nil {
		if !hasKeys(m, "status", "active_incidents", "date_created") || jsonKind(m["active_incidents"]) != '[' {
			return slackDoc{}, errWrongPlatform("Slack status", "an object without status, date_created and an active_incidents list")
		}
		items, _ = jsonObjects(m["active_incidents"])
		body, current = m["active_incidents"], true
	} else if !ok {
		return slackDoc{}, errWrongPlatform("Slack status", "neither a JSON object nor an array")
	}
	for i, it := range items {
		if !slackShape(it) {
			return slackDoc{}, errWrongPlatform("Slack status", fmt.Sprintf("incident %d has no id, date_created, title, type, status and notes", i))
		}
	}
	d := slackDoc{current: current}
	if err := json.Unmarshal(body, &d.incidents); err != nil {
		return slackDoc{}, errWrongPlatform("Slack status", err.Error())
	}
	return d, nil
}

func sniffSlack(doc Document) int {
	if _, history := docObjects(doc); docMembers(doc)["active_incidents"] == nil && !history {
		return 0
	}
	d, err := slackOf(doc)
	switch {
	case err != nil:
		return 0
	case len(d.incidents) > 0 || d.current:
		return 85
	case strings.HasSuffix(feedURLPath(doc.URL), "/api/v2.0.0/history"):
		return 60
	}
	return 0
}

func parseSlack(doc Document) (*Page, error) {
	d, err := slackOf(doc)
	if err != nil {
		return nil, err
	}
	page := &Page{Scope: ScopeListing, Incidents: []Incident{}}
	if d.current {
		page.Scope = ScopeCurrent
		// The history holds every incident; the current status only the
		// open ones.
		if path := feedURLPath(doc.URL); strings.HasSuffix(path, "/current") {
			if origin := statuspageOrigin(doc.URL, ""); origin != "" {
				page.Follow = append(page.Follow, Follow{URL: origin + strings.TrimSuffix(path, "current") + "history", Reason: FollowNext})
			}
		}
	}
	for i, s := range d.incidents {
		in, err := s.incident()
		if err != nil {
			return nil, &ParseError{Field: fmt.Sprintf("incidents[%d]", i), Err: err}
		}
		page.Incidents = append(page.Incidents, in)
	}
	return page, nil
}

func (s slackIncident) incident() (Incident, error) {
	id := s.ID.String()
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return Incident{}, fmt.Errorf("%w: incident id %q is not a number", ErrInvalidRecord, id)
	}
	in := Incident{
		ID:        id,
		Kind:      KindIncident,
		Title:     s.Title,
		URL:       s.URL,
		Impact:    slackImpact.Impact(s.Type),
		ImpactRaw: s.Type,
		Status:    slackStatus.Status(s.Status),
		StatusRaw: s.Status,
		Updates:   []Update{},
	}
	switch {
	case in.Impact == ImpactMaintenance:
		in.Kind = KindMaintenance
	case s.Status == "scheduled" || s.Status == "completed" || s.Status == "cancelled":
		// Slack's documented types are incident, notice and outage; its
		// maintenance shows in the status.
		in.Kind, in.Impact = KindMaintenance, ImpactMaintenance
	}
	for _, name := range s.Services {
		in.Components = append(in.Components, Component{Name: name})
	}
	for i, n := range s.Notes {
		at, err := apiTime(n.Created)
		if err == nil && at.IsZero() {
			err = fmt.Errorf("%w: no date_created", ErrBadTime)
		}
		if err != nil {
			return in, fmt.Errorf("incident %s: notes[%d]: %w", id, i, err)
		}
		// A note states no state: it is a progress post.
		in.Updates = append(in.Updates, Update{Status: StatusUpdate, At: at, Body: n.Body})
	}
	return in, nil
}
