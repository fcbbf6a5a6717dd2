package parser

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
)

// FormatBetterStack is a Better Stack (Better Uptime) status page's
// /index.json: a JSON:API document whose data is the status_page and whose
// included array holds its resources, status_reports and status_updates.
// The reports it includes are the page's recent ones, resolved included.
//
// Better Stack states no progress word per update: an update sets the state
// of the resources it names (degraded, downtime, maintenance, resolved). An
// update whose every resource is resolved is a "resolved" post; one that
// names no resource states nothing new (an "update" post); any other keeps
// its state word raw with status unknown. The report's impact is the worst
// state any of its updates gave a resource.
const FormatBetterStack Format = "betterstack"

func init() {
	register(format{name: FormatBetterStack, sniff: sniffBetterStack, parse: parseBetterStack})
	describeFormat(FormatInfo{Name: FormatBetterStack, Platform: "Better Stack",
		Example: "https://status.example.com/index.json",
		Reads:   "JSON:API status page: status_reports with their status_updates and affected resources"})
	closeCalls = append(closeCalls, closeToBetterStack)
}

var (
	betterStackImpact = impactWords("Better Stack", "resource status (impact)", map[string]Impact{
		"operational": ImpactNone,
		"resolved":    ImpactNone,
		"degraded":    ImpactMinor,
		"downtime":    ImpactMajor,
		"maintenance": ImpactMaintenance,
	})
	betterStackStatus = statusWords("Better Stack", "aggregate_state (incident report)", map[string]Status{
		"resolved":    StatusResolved,
		"operational": StatusResolved,
	})
	betterStackMaintStatus = statusWords("Better Stack", "aggregate_state (maintenance report)", map[string]Status{
		"resolved":    StatusCompleted,
		"operational": StatusCompleted,
		"maintenance": StatusInProgress,
	})
	// betterStackUpdate maps the one state every resource an update names
	// shares; an update naming none is a free "update" post.
	betterStackUpdate = statusWords("Better Stack", "update (state of its resources)", map[string]Status{
		"resolved": StatusResolved,
	})
	betterStackMaintUpdate = statusWords("Better Stack", "maintenance update (state of its resources)", map[string]Status{
		"resolved":    StatusCompleted,
		"maintenance": StatusInProgress,
	})
)

type bsRef struct {
	ID   string `json:"id"`
	Type string `json:"type"`
}

type bsAffected struct {
	ResourceID json.Number `json:"status_page_resource_id"`
	Status     string      `json:"status"`
}

type bsResource struct {
	ID         string `json:"id"`
	Type       string `json:"type"`
	Attributes struct {
		// status_page_resource
		PublicName string `json:"public_name"`
		// status_report
		Title          string       `json:"title"`
		ReportType     string       `json:"report_type"`
		StartsAt       string       `json:"starts_at"`
		EndsAt         string       `json:"ends_at"`
		AggregateState string       `json:"aggregate_state"`
		Affected       []bsAffected `json:"affected_resources"`
		// status_update
		Message     string `json:"message"`
		PublishedAt string `json:"published_at"`
	} `json:"attributes"`
	Relationships struct {
		Updates struct {
			Data []bsRef `json:"data"`
		} `json:"status_updates"`
	} `json:"relationships"`
}

type bsDoc struct {
	Data struct {
		ID         string `json:"id"`
		Type       string `json:"type"`
		Attributes struct {
			CompanyName  string `json:"company_name"`
			CustomDomain string `json:"custom_domain"`
		} `json:"attributes"`
	} `json:"data"`
	Included *[]bsResource `json:"included"`
}

// betterStackOf decodes doc once, however many times detection and the
// parse ask.
func betterStackOf(doc Document) (bsDoc, error) {
	return decodeOnce(doc, "betterstack", func() (bsDoc, error) {
		return decodeBetterStack(docMembers(doc), doc.trimmedBody())
	})
}

// decodeBetterStack decodes the document whose members are m (and whose
// bytes are body, when known), or says why it is not an index.json.
func decodeBetterStack(m map[string]json.RawMessage, body []byte) (bsDoc, error) {
	var d bsDoc
	if m == nil {
		return d, errWrongPlatform("Better Stack", "not a JSON object")
	}
	var head struct {
		Type string `json:"type"`
	}
	if raw, ok := m["data"]; !ok || json.Unmarshal(raw, &head) != nil || head.Type != "status_page" {
		return d, errWrongPlatform("Better Stack", fmt.Sprintf("data.type is %q, not status_page", head.Type))
	}
	if err := decodeMembers(m, body, &d); err != nil {
		return d, errWrongPlatform("Better Stack", err.Error())
	}
	switch {
	case d.Data.Type != "status_page":
		return d, errWrongPlatform("Better Stack", fmt.Sprintf("data.type is %q, not status_page", d.Data.Type))
	case d.Included == nil:
		return d, errWrongPlatform("Better Stack", "has no included array")
	}
	return d, nil
}

func sniffBetterStack(doc Document) int {
	if docMembers(doc)["data"] == nil {
		return 0
	}
	if _, err := betterStackOf(doc); err != nil {
		return 0
	}
	return 80
}

func parseBetterStack(doc Document) (*Page, error) {
	d, err := betterStackOf(doc)
	if err != nil {
		return nil, err
	}
	origin := originOf(doc.URL)
	if origin == "" && d.Data.Attributes.CustomDomain != "" {
		origin = "https://" + d.Data.Attributes.CustomDomain
	}
	names := map[string]string{}
	updates := map[string]bsResource{}
	for _, r := range *d.Included {
		switch r.Type {
		case "status_page_resource":
			names[r.ID] = r.Attributes.PublicName
		case "status_update":
			updates[r.ID] = r
		}
	}
	out := &Page{Incidents: []Incident{}, Scope: ScopeListing}
	var oldest time.Time
	for i, r := range *d.Included {
		if r.Type != "status_report" {
			continue
		}
		in, err := betterStackReport(r, origin, names, updates)
		if err != nil {
			return nil, &ParseError{Field: fmt.Sprintf("included[%d]", i), Err: err}
		}
		out.Incidents = append(out.Incidents, in)
		if first := firstTime(in.Started, in.ScheduledFor, in.First()); !first.IsZero() && (oldest.IsZero() || first.At.Before(oldest)) {
			oldest = first.At
		}
	}
	// The history goes on from the months of the oldest report shown here.
	if originOf(doc.URL) != "" && !oldest.IsZero() {
		out.Follow = append(out.Follow, Follow{URL: originOf(doc.URL) + betterStackRangePath(oldest), Reason: FollowNext})
	}
	return out, nil
}

// betterStackReport converts one status_report. A relationship to an update
// the document does not include makes the record Partial.
func betterStackReport(r bsResource, origin string, names map[string]string, updates map[string]bsResource) (Incident, error) {
	a := r.Attributes
	if r.ID == "" || strings.TrimSpace(a.Title) == "" {
		return Incident{}, fmt.Errorf("%w: status_report without id or title", ErrInvalidRecord)
	}
	in := Incident{
		ID:        r.ID,
		Kind:      KindIncident,
		Title:     a.Title,
		Status:    betterStackStatus.Status(a.AggregateState),
		StatusRaw: a.AggregateState,
		Updates:   []Update{},
	}
	if origin != "" {
		in.URL = origin + "/incidents/" + r.ID
	}
	name := func(id json.Number) string {
		if n := names[id.String()]; n != "" {
			return n
		}
		return id.String()
	}
	starts, err := platformTime("starts_at", a.StartsAt)
	if err != nil {
		return in, fmt.Errorf("status_report %s: %w", r.ID, err)
	}
	ends, err := platformTime("ends_at", a.EndsAt)
	if err != nil {
		return in, fmt.Errorf("status_report %s: %w", r.ID, err)
	}
	worst := ""
	consider := func(word string) {
		if worst == "" || impactRank(betterStackImpact.Impact(word)) > impactRank(betterStackImpact.Impact(worst)) {
			worst = word
		}
	}
	if a.ReportType == "maintenance" {
		in.Kind, in.Impact, in.ImpactRaw = KindMaintenance, ImpactMaintenance, a.ReportType
		in.ScheduledFor, in.ScheduledUntil = starts, ends
		in.Status = betterStackMaintStatus.Status(a.AggregateState)
	} else {
		// ends_at stays null on resolved reports: only a stated end is kept.
		in.Started, in.Resolved = starts, ends
	}
	seen := map[string]bool{}
	for _, c := range a.Affected {
		if n := name(c.ResourceID); !seen[n] {
			seen[n] = true
			in.Components = append(in.Components, Component{Name: n, Status: NormaliseComponentStatus(c.Status), StatusRaw: c.Status})
		}
	}
	for i, ref := range r.Relationships.Updates.Data {
		u, ok := updates[ref.ID]
		if !ok {
			in.Partial = true
			continue
		}
		at, err := platformTime(fmt.Sprintf("status_updates[%d].published_at", i), u.Attributes.PublishedAt)
		if err == nil && at.IsZero() {
			err = fmt.Errorf("status_updates[%d]: %w: no published_at", i, ErrBadTime)
		}
		if err != nil {
			return in, fmt.Errorf("status_report %s: %w", r.ID, err)
		}
		upd := Update{At: at, Body: u.Attributes.Message}
		var states []string
		for _, c := range u.Attributes.Affected {
			upd.Components = append(upd.Components, name(c.ResourceID))
			if !slices.Contains(states, c.Status) {
				states = append(states, c.Status)
			}
			consider(c.Status)
		}
		upd.Status, upd.StatusRaw = betterStackUpdateStatus(in.Kind, states)
		in.Updates = append(in.Updates, upd)
	}
	if in.Kind == KindIncident {
		if worst == "" {
			for _, c := range a.Affected {
				consider(c.Status)
			}
		}
		in.Impact, in.ImpactRaw = betterStackImpact.Impact(worst), worst
	}
	return in, nil
}

func closeToBetterStack(m map[string]json.RawMessage) string {
	raw, ok := m["data"]
	if !ok {
		return ""
	}
	var data struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(raw, &data) != nil || data.Type != "status_page" {
		return ""
	}
	if _, err := decodeBetterStack(m, nil); err != nil {
		return "looks like a Better Stack index.json but " + strings.TrimPrefix(err.Error(), ErrWrongPlatform.Error()+": Better Stack: ")
	}
	return ""
}

// betterStackUpdateStatus maps the states an update gave its resources: none
// is a plain update, one is mapped by the incident's kind, and several stay
// unknown with every state kept in the raw word.
func betterStackUpdateStatus(kind Kind, states []string) (Status, string) {
	raw := strings.Join(states, ", ")
	switch {
	case len(states) == 0:
		return StatusUpdate, raw
	case len(states) == 1 && kind == KindMaintenance:
		return betterStackMaintUpdate.Status(states[0]), raw
	case len(states) == 1:
		return betterStackUpdate.Status(states[0]), raw
	}
	return StatusUnknown, raw
}
