package parser

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
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

// awsOf decodes doc once, however many times detection and the parse ask.
func awsOf(doc Document) ([]awsEvent, error) {
	return decodeOnce(doc, "aws-health", func() ([]awsEvent, error) {
		return decodeArray[awsEvent](doc, "AWS Health", awsShape, "has no arn:aws:health ARN, date, status and event_log")
	})
}

func sniffAWSHealth(doc Document) int {
	if items, ok := docObjects(doc); !ok || len(items) > 0 && !awsShape(items[0]) {
		return 0
	}
	events, err := awsOf(doc)
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
	events, err := awsOf(doc)
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

// FormatAWSHealthRSS is the AWS Health Dashboard's RSS feeds
// (status.aws.amazon.com/rss/all.rss and one per service and region):
// one item per post, newest first, its kind as a title prefix
// ("Informational message:", "Service is operating normally: [RESOLVED]
// …"), a pubDate in US Pacific time labelled PST or PDT (both in one feed,
// as the season changes), and a guid "#<service>-<region>_<epoch>". Posts
// of one event share their service and title; they are grouped into one
// incident, identified by its first post's guid.
const FormatAWSHealthRSS Format = "aws-health-rss"

func init() {
	register(format{name: FormatAWSHealthRSS, sniff: sniffAWSHealthRSS, parse: parseAWSHealthRSS})
	describeFormat(FormatInfo{Name: FormatAWSHealthRSS, Platform: "AWS Health",
		Example: "https://status.aws.amazon.com/rss/all.rss (or /rss/<service>-<region>.rss)",
		Reads:   "status RSS: one item per post, grouped into events"})
}

// awsPrefixImpact maps a post's title prefix to the severity it states.
var awsPrefixImpact = impactWords("AWS Health", "RSS title prefix", map[string]Impact{
	"Informational message":         ImpactNone,
	"Service is operating normally": ImpactNone,
	"Performance issues":            ImpactMinor,
	"Service degradation":           ImpactMinor,
	"Service impact":                ImpactMajor,
	"Service disruption":            ImpactMajor,
})

// awsPrefixStatus: "Service is operating normally" (and a [RESOLVED]
// marker or "Resolved:" prefix) ends an event; the others are progress.
var awsPrefixStatus = statusWords("AWS Health", "RSS title prefix", map[string]Status{
	"Service is operating normally": StatusResolved,
	"Resolved":                      StatusResolved,
	"Informational message":         StatusUpdate,
	"Performance issues":            StatusUpdate,
	"Service degradation":           StatusUpdate,
	"Service impact":                StatusUpdate,
	"Service disruption":            StatusUpdate,
})

func awsRSSDecode(doc Document) (*feedDoc, error) {
	feed, err := rssOf(doc)
	if err != nil {
		return nil, errWrongPlatform("AWS Health RSS", "not an RSS feed: "+err.Error())
	}
	gen := strings.TrimSpace(feed.Channel.Generator)
	if gen != "AWS Service Health Dashboard RSS Generator" {
		return nil, errWrongPlatform("AWS Health RSS", fmt.Sprintf("generator %q is not the AWS Service Health Dashboard's", gen))
	}
	return feed, nil
}

func sniffAWSHealthRSS(doc Document) int {
	if !isRSS(doc) {
		return 0
	}
	if _, err := awsRSSDecode(doc); err != nil {
		return 0
	}
	return 90
}

// awsPost is one RSS item read.
type awsPost struct {
	key    string // the service part of the guid and the event title
	id     string // the guid's fragment
	prefix string
	upd    Update
	impact Impact
}

// awsTitle splits an item title into its prefix (or "") and the event
// title, and says whether it marks the event resolved.
func awsTitle(title string) (prefix, event string, resolved bool) {
	event = strings.TrimSpace(title)
	for {
		p, rest, ok := strings.Cut(event, ":")
		p = strings.TrimSpace(p)
		if !ok || (awsPrefixImpact.Impact(p) == ImpactUnknown && awsPrefixStatus.Status(p) == StatusUnknown) {
			break
		}
		if prefix == "" || awsPrefixImpact.Impact(p) != ImpactUnknown {
			prefix = p
		}
		resolved = resolved || awsPrefixStatus.Status(p) == StatusResolved
		event = strings.TrimSpace(rest)
	}
	if after, ok := strings.CutPrefix(event, "[RESOLVED]"); ok {
		event, resolved = strings.TrimSpace(after), true
	}
	return prefix, event, resolved
}

// awsPubDate reads "Tue, 03 Mar 2026 08:40:00 PST": the clock at the
// offset its label names.
func awsPubDate(text string) (Time, error) {
	f := strings.Fields(text)
	if len(f) != 6 {
		return Time{}, fmt.Errorf("%w: pubDate %q", ErrBadTime, text)
	}
	wall, err := time.Parse("2 Jan 2006 15:04:05", strings.Join(f[1:5], " "))
	if err != nil {
		return Time{}, fmt.Errorf("%w: pubDate %q: %w", ErrBadTime, text, err)
	}
	at, err := zoneTime(f[5], wall.Year(), wall.Month(), wall.Day(), wall.Hour(), wall.Minute())
	if err != nil {
		return Time{}, fmt.Errorf("pubDate %q: %w", text, err)
	}
	return NewTime(at.Add(time.Duration(wall.Second())*time.Second), text), nil
}

func parseAWSHealthRSS(doc Document) (*Page, error) {
	feed, err := awsRSSDecode(doc)
	if err != nil {
		return nil, err
	}
	component := strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(feed.Channel.Title), "Service Status"))
	if component == "Amazon Web Services" {
		component = ""
	}
	var posts []awsPost
	for i, it := range feed.Channel.Items {
		at, err := awsPubDate(it.PubDate)
		if err != nil {
			return nil, &ParseError{Field: fmt.Sprintf("item[%d]", i), Err: err}
		}
		_, frag, _ := strings.Cut(strings.TrimSpace(it.GUID), "#")
		if frag == "" {
			return nil, &ParseError{Field: fmt.Sprintf("item[%d]", i), Err: fmt.Errorf("%w: guid %q has no #<service>_<time> part", ErrInvalidRecord, it.GUID)}
		}
		service, _, _ := strings.Cut(frag, "_")
		prefix, event, resolved := awsTitle(it.Title)
		if event == "" {
			return nil, &ParseError{Field: fmt.Sprintf("item %s", frag), Err: fmt.Errorf("%w: empty title", ErrInvalidRecord)}
		}
		body, err := htmlText(it.Description)
		if err != nil {
			return nil, &ParseError{Field: fmt.Sprintf("item %s", frag), Err: err}
		}
		st := StatusUpdate
		if resolved {
			st = StatusResolved
		}
		if prefix == "" {
			st = StatusUnknown
		}
		posts = append(posts, awsPost{key: service + "\x00" + NormaliseText(event), id: frag, prefix: prefix,
			impact: awsPrefixImpact.Impact(prefix),
			upd:    Update{Status: st, StatusRaw: prefix, At: at, Body: body}})
	}
	// Oldest first, then one incident per run of posts with one key that
	// a resolving post ends.
	slices.SortStableFunc(posts, func(a, b awsPost) int { return a.upd.At.At.Compare(b.upd.At.At) })
	page := &Page{Scope: ScopeListing, Incidents: []Incident{}}
	open := map[string]int{} // key: index in page.Incidents
	for _, p := range posts {
		k, ok := open[p.key]
		if !ok {
			_, event, _ := strings.Cut(p.key, "\x00")
			in := Incident{ID: p.id, Kind: KindIncident, Title: event, Updates: []Update{}}
			if component != "" {
				in.Components = []Component{{Name: component}}
			}
			page.Incidents = append(page.Incidents, in)
			k = len(page.Incidents) - 1
			open[p.key] = k
		}
		in := &page.Incidents[k]
		in.Updates = append(in.Updates, p.upd)
		if impactRank(p.impact) > impactRank(in.Impact) {
			in.Impact, in.ImpactRaw = p.impact, p.prefix
		}
		in.StatusRaw = p.prefix
		in.Status = StatusUnknown
		if p.upd.Status == StatusResolved {
			in.Status = StatusResolved
			delete(open, p.key)
		}
	}
	// Newest first, as the feed lists them.
	slices.Reverse(page.Incidents)
	return page, nil
}
