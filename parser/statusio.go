package parser

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
)

// FormatStatusIO is status.io's public status API, /1.0/status/<page_id>:
// {"result":{"status_overall", "status" (components with their containers,
// the locations), "incidents" (open ones), "maintenance":{"active",
// "upcoming"}}}. Statuses are numeric codes. The result object is also read
// without its envelope.
const FormatStatusIO Format = "statusio"

func init() {
	register(format{name: FormatStatusIO, sniff: sniffStatusIO, parse: parseStatusIO})
	describeFormat(FormatInfo{Name: FormatStatusIO, Platform: "status.io",
		Example: "https://status.example.com/1.0/status/<page_id>",
		Reads:   "public status API: open incidents, active and upcoming maintenance"})
	closeCalls = append(closeCalls, closeToStatusIO)
}

var (
	// statusIOImpact maps a message's status code (the state it gave the
	// components) to an impact.
	statusIOImpact = impactWords("status.io", "status_code (impact)", map[string]Impact{
		"100": ImpactNone,        // Operational
		"200": ImpactMaintenance, // Under Maintenance
		"300": ImpactMinor,       // Degraded Performance
		"400": ImpactMajor,       // Partial Service Disruption
		"500": ImpactCritical,    // Service Disruption
		"600": ImpactCritical,    // Security Event
	})
	statusIOState = statusWords("status.io", "state (incident message)", map[string]Status{
		"100": StatusInvestigating,
		"200": StatusIdentified,
		"300": StatusMonitoring,
		"400": StatusResolved,
	})
)

type sioNamed struct {
	ID   string `json:"_id"`
	Name string `json:"name"`
}

type sioMessage struct {
	ID       string      `json:"_id"`
	Datetime string      `json:"datetime"`
	Status   json.Number `json:"status"`
	State    json.Number `json:"state"`
	Details  string      `json:"details"`
}

type sioIncident struct {
	ID                 string        `json:"_id"`
	Name               string        `json:"name"`
	DatetimeOpen       string        `json:"datetime_open"`
	PlannedStart       string        `json:"datetime_planned_start"`
	PlannedEnd         string        `json:"datetime_planned_end"`
	ComponentsAffected []sioNamed    `json:"components_affected"`
	ContainersAffected []sioNamed    `json:"containers_affected"`
	Messages           *[]sioMessage `json:"messages"`
	// What an archiver's own incident shape has instead.
	Title    string          `json:"title"`
	Timeline json.RawMessage `json:"timeline"`
}

type sioResult struct {
	StatusOverall *struct {
		Status     string      `json:"status"`
		StatusCode json.Number `json:"status_code"`
	} `json:"status_overall"`
	Incidents   *[]sioIncident `json:"incidents"`
	Maintenance *struct {
		Active   []sioIncident `json:"active"`
		Upcoming []sioIncident `json:"upcoming"`
	} `json:"maintenance"`
}

// statusIOOf decodes doc once, however many times detection and the parse
// ask.
func statusIOOf(doc Document) (sioResult, error) {
	return decodeOnce(doc, "statusio", func() (sioResult, error) {
		return decodeStatusIO(docMembers(doc), doc.trimmedBody())
	})
}

// decodeStatusIO decodes m (whose bytes are body, when known) as a
// status.io status document, with or without its result envelope, or says
// why it is not one.
func decodeStatusIO(m map[string]json.RawMessage, body []byte) (sioResult, error) {
	var r sioResult
	if m == nil {
		return r, errWrongPlatform("status.io", "not a JSON object")
	}
	if raw, ok := m["result"]; ok {
		if m = jsonMembers(raw); m == nil {
			return r, errWrongPlatform("status.io", "result is not an object")
		}
		body = raw
	}
	if _, ok := m["status_overall"]; !ok {
		return r, errWrongPlatform("status.io", "no status_overall with a status_code")
	}
	if err := decodeMembers(m, body, &r); err != nil {
		return r, errWrongPlatform("status.io", err.Error())
	}
	switch {
	case r.StatusOverall == nil || r.StatusOverall.StatusCode == "":
		return r, errWrongPlatform("status.io", "no status_overall with a status_code")
	case r.Incidents == nil:
		return r, errWrongPlatform("status.io", "no incidents list")
	}
	check := func(field string, items []sioIncident) error {
		for i, in := range items {
			if in.ID == "" && in.Name == "" && in.Messages == nil && (in.Title != "" || len(in.Timeline) > 0) {
				return errWrongPlatform("status.io", fmt.Sprintf(
					"%s[%d] has title and timeline, not status.io's _id, name and messages: an archiver's own shape, not the vendor's", field, i))
			}
			if in.ID == "" || in.Name == "" || in.Messages == nil {
				return errWrongPlatform("status.io", fmt.Sprintf("%s[%d] has no _id, name and messages", field, i))
			}
		}
		return nil
	}
	if err := check("incidents", *r.Incidents); err != nil {
		return r, err
	}
	if r.Maintenance != nil {
		if err := check("maintenance.active", r.Maintenance.Active); err != nil {
			return r, err
		}
		if err := check("maintenance.upcoming", r.Maintenance.Upcoming); err != nil {
			return r, err
		}
	}
	return r, nil
}

// statusIOAPIPath matches the API's /1.0/status/<page_id>.
var statusIOAPIPath = regexp.MustCompile(`/1\.0/status/([0-9A-Za-z]+)/?(?:[?#].*)?$`)

func sniffStatusIO(doc Document) int {
	if m := docMembers(doc); m["result"] == nil && m["status_overall"] == nil {
		return 0
	}
	if _, err := statusIOOf(doc); err != nil {
		return 0
	}
	return 80
}

func parseStatusIO(doc Document) (*Page, error) {
	r, err := statusIOOf(doc)
	if err != nil {
		return nil, err
	}
	out := &Page{Incidents: []Incident{}, Scope: ScopeCurrent}
	// The API shows open incidents only; the history page links them all.
	// Incident pages hang from the page id the API's URL names.
	base := ""
	if m := statusIOAPIPath.FindStringSubmatch(doc.URL); m != nil && originOf(doc.URL) != "" {
		origin := originOf(doc.URL)
		base = origin + "/pages/incident/" + m[1] + "/"
		out.Follow = append(out.Follow, Follow{URL: origin + "/pages/history/" + m[1], Reason: FollowNext})
	}
	lists := []struct {
		field string
		items []sioIncident
		maint Status
	}{{"incidents", *r.Incidents, StatusUnknown}}
	if r.Maintenance != nil {
		lists = append(lists,
			struct {
				field string
				items []sioIncident
				maint Status
			}{"maintenance.active", r.Maintenance.Active, StatusInProgress},
			struct {
				field string
				items []sioIncident
				maint Status
			}{"maintenance.upcoming", r.Maintenance.Upcoming, StatusScheduled})
	}
	for _, l := range lists {
		for i, item := range l.items {
			in, err := item.incident(base, l.maint)
			if err != nil {
				return nil, &ParseError{Field: fmt.Sprintf("%s[%d]", l.field, i), Err: err}
			}
			out.Incidents = append(out.Incidents, in)
		}
	}
	return out, nil
}

// incident converts one status.io incident, or a maintenance when maint is
// the state its list gives it; base, when known, is the URL its page hangs
// from.
func (a sioIncident) incident(base string, maint Status) (Incident, error) {
	in := Incident{ID: a.ID, Kind: KindIncident, Title: a.Name, Updates: []Update{}}
	if base != "" {
		in.URL = base + a.ID
	}
	var err error
	if in.Started, err = platformTime("datetime_open", a.DatetimeOpen); err != nil {
		return in, fmt.Errorf("incident %s: %w", a.ID, err)
	}
	if maint != StatusUnknown {
		in.Kind, in.Impact, in.Status = KindMaintenance, ImpactMaintenance, maint
		in.StatusRaw = map[Status]string{StatusInProgress: "active", StatusScheduled: "upcoming"}[maint]
		if in.ScheduledFor, err = platformTime("datetime_planned_start", a.PlannedStart); err != nil {
			return in, fmt.Errorf("maintenance %s: %w", a.ID, err)
		}
		if in.ScheduledUntil, err = platformTime("datetime_planned_end", a.PlannedEnd); err != nil {
			return in, fmt.Errorf("maintenance %s: %w", a.ID, err)
		}
	}
	var names []string
	for _, c := range a.ComponentsAffected {
		if !slices.Contains(names, c.Name) {
			names = append(names, c.Name)
			in.Components = append(in.Components, Component{Name: c.Name})
		}
	}
	worst := ""
	var latest Time
	for i, msg := range *a.Messages {
		at, err := platformTime(fmt.Sprintf("messages[%d].datetime", i), msg.Datetime)
		if err == nil && at.IsZero() {
			err = fmt.Errorf("messages[%d]: %w: no datetime", i, ErrBadTime)
		}
		if err != nil {
			return in, fmt.Errorf("incident %s: %w", a.ID, err)
		}
		state := msg.State.String()
		upd := Update{Status: statusIOState.Status(state), StatusRaw: state, At: at, Body: msg.Details, Components: names}
		if maint != StatusUnknown {
			// Maintenance messages carry no incident state.
			upd.Status, upd.StatusRaw = StatusUpdate, ""
		}
		in.Updates = append(in.Updates, upd)
		if code := msg.Status.String(); worst == "" || impactRank(statusIOImpact.Impact(code)) > impactRank(statusIOImpact.Impact(worst)) {
			worst = code
		}
		if latest.IsZero() || !at.At.Before(latest.At) {
			latest = at
			if maint == StatusUnknown {
				in.Status, in.StatusRaw = upd.Status, upd.StatusRaw
			}
		}
	}
	if maint == StatusUnknown {
		in.Impact, in.ImpactRaw = statusIOImpact.Impact(worst), worst
	}
	for _, c := range a.ContainersAffected {
		if c.Name != "" {
			in.Components = append(in.Components, Component{Name: "location: " + strings.TrimSpace(c.Name)})
		}
	}
	return in, nil
}

func closeToStatusIO(m map[string]json.RawMessage) string {
	if raw, ok := m["result"]; ok {
		if inner := jsonMembers(raw); inner != nil {
			m = inner
		}
	}
	if _, ok := m["status_overall"]; !ok {
		return ""
	}
	if _, err := decodeStatusIO(m, nil); err != nil {
		return "looks like a status.io status document but " + strings.TrimPrefix(err.Error(), ErrWrongPlatform.Error()+": status.io: ")
	}
	return ""
}
