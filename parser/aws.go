package parser

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// FormatAWSHealth is the AWS Health Dashboard's public JSON,
// health.aws.amazon.com/public/currentevents: an array of the events open
// now, served in UTF-16 with a byte-order mark (decoded before parsing).
// Each event has an ARN, a region, a status code, epoch-second times
// written as strings, an event_log of posts and the services it impacts.
const FormatAWSHealth Format = "aws-health"

func init() {
	register(format{name: FormatAWSHealth, sniff: sniffAWSHealth, parse: parseAWSHealth})
	describeFormat(FormatInfo{Name: FormatAWSHealth, Platform: "AWS Health",
		Example: "https://health.aws.amazon.com/public/currentevents",
		Reads:   "open events JSON (UTF-16) with their event log"})
}

// awsImpact maps an event's status code, the dashboard's severity:
// 1 informational, 2 degraded, 3 disrupted. 0 is "operating normally".
var awsImpact = impactWords("AWS Health", "status code", map[string]Impact{
	"0": ImpactNone,
	"1": ImpactNone,
	"2": ImpactMinor,
	"3": ImpactMajor,
})

// awsStatus maps a status code to a state: only 0 (operating normally
// again) is one. The others rate severity and stay unknown (kept raw) on
// an event, or make a post a progress post.
var awsStatus = statusWords("AWS Health", "status code", map[string]Status{
	"0": StatusResolved,
})

type awsEvent struct {
	Date        string `json:"date"`
	ARN         string `json:"arn"`
	Region      string `json:"region_name"`
	Status      string `json:"status"`
	ServiceName string `json:"service_name"`
	Summary     string `json:"summary"`
	Log         []struct {
		Summary   string      `json:"summary"`
		Message   string      `json:"message"`
		Status    json.Number `json:"status"`
		Timestamp json.Number `json:"timestamp"`
	} `json:"event_log"`
	Impacted map[string]struct {
		ServiceName string `json:"service_name"`
		Current     string `json:"current"`
	} `json:"impacted_services"`
}

// awsShape says whether m is an AWS Health event.
func awsShape(m map[string]json.RawMessage) bool {
	if !hasKeys(m, "arn", "date", "status", "event_log") {
		return false
	}
	var arn string
	return json.Unmarshal(m["arn"], &arn) == nil && strings.HasPrefix(arn, "arn:aws:health:")
}

func awsDecode(body []byte) ([]awsEvent, error) {
	items, ok := vendorArray(body)
	if !ok {
		return nil, errWrongPlatform("AWS Health", "not a JSON array")
	}
	for i, it := range items {
		if !awsShape(it) {
			return nil, errWrongPlatform("AWS Health", fmt.Sprintf("element %d has no arn:aws:health ARN, date, status and event_log", i))
		}
	}
	var events []awsEvent
	if err := json.Unmarshal(body, &events); err != nil {
		return nil, errWrongPlatform("AWS Health", err.Error())
	}
	return events, nil
}

func sniffAWSHealth(doc Document) int {
	events, err := awsDecode(doc.Body)
	switch {
	case err != nil:
		return 0
	case len(events) > 0:
		return 90
	case strings.HasSuffix(feedURLPath(doc.URL), "/public/currentevents"):
		return 60 // [] : nothing open
	}
	return 0
}

func parseAWSHealth(doc Document) (*Page, error) {
	events, err := awsDecode(doc.Body)
	if err != nil {
		return nil, err
	}
	page := &Page{Scope: ScopeCurrent, Incidents: []Incident{}}
	for i, e := range events {
		in, err := e.incident()
		if err != nil {
			return nil, &ParseError{Field: fmt.Sprintf("events[%d]", i), Err: err}
		}
		page.Incidents = append(page.Incidents, in)
	}
	return page, nil
}

func (e awsEvent) incident() (Incident, error) {
	in := Incident{
		ID:        e.ARN,
		Kind:      KindIncident,
		Title:     e.Summary,
		Impact:    awsImpact.Impact(e.Status),
		ImpactRaw: e.Status,
		Status:    awsStatus.Status(e.Status),
		StatusRaw: e.Status,
		Updates:   []Update{},
	}
	var err error
	if in.Started, err = epochSeconds(e.Date); err != nil {
		return in, fmt.Errorf("event %s: date: %w", e.ARN, err)
	}
	for i, l := range e.Log {
		at, err := epochSeconds(l.Timestamp.String())
		if err != nil {
			return in, fmt.Errorf("event %s: event_log[%d]: %w", e.ARN, i, err)
		}
		code := l.Status.String()
		st := awsStatus.Status(code)
		if st == StatusUnknown {
			st = StatusUpdate
		}
		in.Updates = append(in.Updates, Update{Status: st, StatusRaw: code, At: at, Body: l.Message})
	}
	// The services it impacts, by name, each with its current code.
	for _, s := range e.Impacted {
		in.Components = append(in.Components, Component{Name: s.ServiceName, StatusRaw: s.Current})
	}
	slices.SortFunc(in.Components, func(a, b Component) int {
		return strings.Compare(a.Name+"\x00"+a.StatusRaw, b.Name+"\x00"+b.StatusRaw)
	})
	if len(in.Components) == 0 && e.ServiceName != "" {
		in.Components = []Component{{Name: e.ServiceName}}
	}
	return in, nil
}
