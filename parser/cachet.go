package parser

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// FormatCachet is the incident list of Cachet's API, /api/v1/incidents:
// {"meta":{"pagination":{…,"links":{"next_page":…}}},"data":[…]}, each
// incident with a numeric status, its human_status, a message and, where
// the server embeds them, its updates. The list is paged, newest first; the
// walk follows next_page to the oldest.
//
// Cachet writes times without a zone ("2016-12-05 19:37:20") in its
// APP_TIMEZONE, which is UTC unless the operator changed it; they are read
// as UTC and the text is kept. An incident's own status can stay
// "Investigating" after an update fixed it, so the incident's state is its
// newest post's; its message is its first post, with the incident's status
// only when no update follows it.
const FormatCachet Format = "cachet"

func init() {
	register(format{name: FormatCachet, sniff: sniffCachet, parse: parseCachet})
	describeFormat(FormatInfo{Name: FormatCachet, Platform: "Cachet",
		Example: "https://status.example.com/api/v1/incidents",
		Reads:   "incident list JSON, paged to the oldest"})
}

// cachetStatus maps Cachet's status numbers (the numbers, as the API
// writes them; human_status is their English label).
var cachetStatus = statusWords("Cachet", "status", map[string]Status{
	"0": StatusScheduled,
	"1": StatusInvestigating,
	"2": StatusIdentified,
	"3": StatusMonitoring,
	"4": StatusResolved,
})

type cachetIncident struct {
	ID          json.Number    `json:"id"`
	Name        string         `json:"name"`
	Status      json.Number    `json:"status"`
	HumanStatus string         `json:"human_status"`
	Message     string         `json:"message"`
	Visible     *json.Number   `json:"visible"`
	ScheduledAt string         `json:"scheduled_at"`
	OccurredAt  string         `json:"occurred_at"`
	CreatedAt   string         `json:"created_at"`
	Updates     []cachetUpdate `json:"updates"`
	// Cachet 2.4 states the newest update's status beside the incident's.
	LatestStatus      *json.Number `json:"latest_status"`
	LatestHumanStatus string       `json:"latest_human_status"`
}

type cachetUpdate struct {
	Status      json.Number `json:"status"`
	HumanStatus string      `json:"human_status"`
	Message     string      `json:"message"`
	CreatedAt   string      `json:"created_at"`
}

type cachetDoc struct {
	Meta struct {
		Pagination *struct {
			Links struct {
				Next string `json:"next_page"`
			} `json:"links"`
		} `json:"pagination"`
	} `json:"meta"`
	Data []cachetIncident `json:"data"`
}

// cachetOf decodes doc once, however many times detection and the parse
// ask.
func cachetOf(doc Document) (*cachetDoc, error) {
	return decodeOnce(doc, "cachet", func() (*cachetDoc, error) {
		return cachetDecode(docMembers(doc), doc.trimmedBody())
	})
}

// cachetDecode decodes m (whose bytes are body, when known) as a Cachet
// incident list, or says why it is not one.
func cachetDecode(m map[string]json.RawMessage, body []byte) (*cachetDoc, error) {
	if !hasKeys(m, "meta", "data") || jsonKind(m["data"]) != '[' {
		return nil, errWrongPlatform("Cachet", "no meta and data list")
	}
	items, _ := jsonObjects(m["data"])
	for i, it := range items {
		if !hasKeys(it, "id", "name", "status", "message") {
			return nil, errWrongPlatform("Cachet", fmt.Sprintf("data[%d] has no id, name, status and message", i))
		}
	}
	var doc cachetDoc
	if err := decodeMembers(m, body, &doc); err != nil {
		return nil, errWrongPlatform("Cachet", err.Error())
	}
	if doc.Meta.Pagination == nil {
		return nil, errWrongPlatform("Cachet", "no meta.pagination")
	}
	return &doc, nil
}

func sniffCachet(doc Document) int {
	if !hasKeys(docMembers(doc), "meta", "data") {
		return 0
	}
	d, err := cachetOf(doc)
	switch {
	case err != nil:
		return 0
	case len(d.Data) > 0:
		return 85
	case strings.HasSuffix(feedURLPath(doc.URL), "/api/v1/incidents"):
		return 60
	}
	return 0
}

func parseCachet(doc Document) (*Page, error) {
	d, err := cachetOf(doc)
	if err != nil {
		return nil, err
	}
	origin := statuspageOrigin(doc.URL, "")
	page := &Page{Scope: ScopeListing, Incidents: []Incident{}}
	for i, c := range d.Data {
		in, err := c.incident(origin)
		if err != nil {
			return nil, &ParseError{Field: fmt.Sprintf("data[%d]", i), Err: err}
		}
		if in.ID == "" {
			continue // an invisible incident: see incident
		}
		page.Incidents = append(page.Incidents, in)
	}
	if next := strings.TrimSpace(d.Meta.Pagination.Links.Next); next != "" {
		page.Follow = append(page.Follow, Follow{URL: cachetURL(doc.URL, next), Reason: FollowNext})
	}
	return page, nil
}

// cachetURL resolves ref against base, or returns ref when either does
// not parse.
func cachetURL(base, ref string) string {
	b, err := url.Parse(base)
	if err != nil {
		return ref
	}
	r, err := url.Parse(ref)
	if err != nil {
		return ref
	}
	return b.ResolveReference(r).String()
}

// cachetTime reads a Cachet time: zone-less "2006-01-02 15:04:05" as UTC
// (see FormatCachet), or RFC 3339.
func cachetTime(text string) (Time, error) {
	s := strings.TrimSpace(text)
	if s == "" {
		return Time{}, nil
	}
	if at, err := time.Parse(time.DateTime, s); err == nil {
		return NewTime(at, text), nil
	}
	return apiTime(text)
}

// cachetWord returns a status's label: human_status when given, else the
// number.
func cachetWord(n json.Number, human string) (Status, string) {
	raw := strings.TrimSpace(human)
	if raw == "" {
		raw = n.String()
	}
	return cachetStatus.Status(n.String()), raw
}

// incident converts one Cachet incident; an incident marked invisible
// (visible 0) gives a zero Incident, left out by the caller.
func (c cachetIncident) incident(origin string) (Incident, error) {
	if c.Visible != nil && c.Visible.String() == "0" {
		return Incident{}, nil
	}
	id := c.ID.String()
	if _, err := strconv.ParseInt(id, 10, 64); err != nil {
		return Incident{}, fmt.Errorf("%w: incident id %q is not a number", ErrInvalidRecord, id)
	}
	in := Incident{ID: id, Kind: KindIncident, Title: c.Name, Updates: []Update{}}
	if origin != "" {
		in.URL = origin + "/incidents/" + id
	}
	var err error
	if in.ScheduledFor, err = cachetTime(c.ScheduledAt); err != nil {
		return in, fmt.Errorf("incident %s: scheduled_at: %w", id, err)
	}
	first := c.OccurredAt
	if strings.TrimSpace(first) == "" {
		first = c.CreatedAt
	}
	at, err := cachetTime(first)
	if err == nil && at.IsZero() {
		err = fmt.Errorf("%w: neither occurred_at nor created_at is set", ErrBadTime)
	}
	if err != nil {
		return in, fmt.Errorf("incident %s: %w", id, err)
	}
	// The incident's message is its first post. The incident's status is
	// its current one (or a stale one), not the first post's: with updates
	// beside it, the first post states no state of its own.
	st, raw := cachetWord(c.Status, c.HumanStatus)
	in.Status, in.StatusRaw = st, raw
	post := Update{Status: st, StatusRaw: raw, At: at, Body: c.Message}
	if len(c.Updates) > 0 {
		post.Status, post.StatusRaw = StatusUpdate, ""
	}
	in.Updates = append(in.Updates, post)
	for i, u := range c.Updates {
		at, err := cachetTime(u.CreatedAt)
		if err == nil && at.IsZero() {
			err = fmt.Errorf("%w: no created_at", ErrBadTime)
		}
		if err != nil {
			return in, fmt.Errorf("incident %s: updates[%d]: %w", id, i, err)
		}
		st, raw := cachetWord(u.Status, u.HumanStatus)
		in.Updates = append(in.Updates, Update{Status: st, StatusRaw: raw, At: at, Body: u.Message})
	}
	if c.LatestStatus != nil && len(c.Updates) == 0 {
		// Updates not embedded: the newest one's status, as stated.
		in.Status, in.StatusRaw = cachetWord(*c.LatestStatus, c.LatestHumanStatus)
	} else if st, raw, ok := latestStatus(in.Updates); ok {
		in.Status, in.StatusRaw = st, raw
	}
	if in.Status == StatusScheduled || !in.ScheduledFor.IsZero() {
		in.Kind, in.Impact = KindMaintenance, ImpactMaintenance
	}
	return in, nil
}
