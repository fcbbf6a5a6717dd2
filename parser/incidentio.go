package parser

import (
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
)

// incident.io status pages. Their Statuspage-compatible /api/v2/*.json is
// read by FormatStatuspageAPI; these two formats read the platform's own
// shape, which names the components each update changed:
//
//	FormatIncidentIO      the JSON behind the page: /proxy/<host> (the
//	                      summary), /proxy/<host>/incidents?start_at=&end_at=
//	                      (a window of incidents), or one {"incident":…}
//	FormatIncidentIOHTML  the Next.js pages (/, /incidents/<id>), whose
//	                      __NEXT_DATA__ props hold the same objects
//
// Both give an incident the id and URL the compatible API gives it (its
// ULID, <origin>/incidents/<ULID>), so that renderings merge.
const (
	FormatIncidentIO     Format = "incidentio"
	FormatIncidentIOHTML Format = "incidentio-html"
)

func init() {
	register(format{name: FormatIncidentIO, sniff: sniffIncidentIO, parse: parseIncidentIO})
	register(format{name: FormatIncidentIOHTML, sniff: sniffIncidentIOHTML, parse: parseIncidentIOHTML})
	describeFormat(FormatInfo{Name: FormatIncidentIO, Platform: "incident.io",
		Example: "https://status.example.com/proxy/status.example.com/incidents?start_at=…&end_at=…",
		Reads:   "native JSON: summary, incident windows, one incident"})
	describeFormat(FormatInfo{Name: FormatIncidentIOHTML, Platform: "incident.io",
		Example: "https://status.example.com/ (or /incidents/<ULID>)",
		Reads:   "Next.js page data (__NEXT_DATA__): summary, recent incidents, one incident"})
	closeCalls = append(closeCalls, closeToIncidentIO)
}

// incident.io's words. Impact is the worst component status an incident
// states; statuses are the incident's and each update's to_status.
var (
	incidentIOImpact = impactWords("incident.io", "impact (worst component status)", map[string]Impact{
		"operational":          ImpactNone,
		"degraded_performance": ImpactMinor,
		"partial_outage":       ImpactMajor,
		"full_outage":          ImpactCritical,
		"under_maintenance":    ImpactMaintenance,
	})
	incidentIOStatus = statusWords("incident.io", "status", map[string]Status{
		"investigating":           StatusInvestigating,
		"identified":              StatusIdentified,
		"monitoring":              StatusMonitoring,
		"resolved":                StatusResolved,
		"maintenance_scheduled":   StatusScheduled,
		"maintenance_in_progress": StatusInProgress,
		"maintenance_complete":    StatusCompleted,
	})
)

type ioComponent struct {
	ID            string `json:"id"`
	ComponentID   string `json:"component_id"`
	Name          string `json:"name"`
	Status        string `json:"status"`
	CurrentStatus string `json:"current_status"`
}

func (c ioComponent) key() string {
	if c.ComponentID != "" {
		return c.ComponentID
	}
	return c.ID
}

type ioUpdate struct {
	ID          string        `json:"id"`
	PublishedAt string        `json:"published_at"`
	Message     string        `json:"message_string"`
	ToStatus    string        `json:"to_status"`
	Components  []ioComponent `json:"component_statuses"`
}

type ioWindow struct {
	StartAt string `json:"start_at"`
	EndAt   string `json:"end_at"`
	Worst   string `json:"worst_component_status"`
}

type ioIncident struct {
	ID          string        `json:"id"`
	Name        string        `json:"name"`
	Status      string        `json:"status"`
	Type        string        `json:"type"`
	PublishedAt string        `json:"published_at"`
	Updates     *[]ioUpdate   `json:"updates"`
	Affected    []ioComponent `json:"affected_components"`
	Summaries   []ioWindow    `json:"status_summaries"`
}

type ioSummary struct {
	Name       string        `json:"name"`
	PublicURL  string        `json:"public_url"`
	Components []ioComponent `json:"components"`
	Ongoing    []ioIncident  `json:"ongoing_incidents"`
	Scheduled  []ioIncident  `json:"scheduled_maintenances"`
}

// ioDoc is every incident.io document: the summary, a list of incidents,
// or one incident; a Next.js page's props may hold a summary beside either.
type ioDoc struct {
	Summary   *ioSummary    `json:"summary"`
	Incidents *[]ioIncident `json:"incidents"`
	Incident  *ioIncident   `json:"incident"`
}

// decodeIncidentIO decodes members as an incident.io document, or says why
// it is not one. A JSON document holds nothing but its summary, incidents
// or incident; a Next.js page's props (page) always hold the summary, with
// the page's components, beside whatever else.
func decodeIncidentIO(m map[string]json.RawMessage, page bool) (ioDoc, error) {
	var doc ioDoc
	if m == nil {
		return doc, errWrongPlatform("incident.io", "not a JSON object")
	}
	for key := range m {
		if !page && key != "summary" && key != "incidents" && key != "incident" {
			return doc, errWrongPlatform("incident.io", fmt.Sprintf("has a %s key beside summary, incidents and incident", key))
		}
	}
	if _, ok := m["summary"]; page && !ok {
		return doc, errWrongPlatform("incident.io", "page data has no summary")
	}
	for key, dst := range map[string]any{"summary": &doc.Summary, "incidents": &doc.Incidents, "incident": &doc.Incident} {
		raw, ok := m[key]
		if !ok {
			continue
		}
		if err := json.Unmarshal(raw, dst); err != nil {
			return doc, errWrongPlatform("incident.io", fmt.Sprintf("%s: %v", key, err))
		}
	}
	switch {
	case doc.Summary == nil && doc.Incidents == nil && doc.Incident == nil:
		return doc, errWrongPlatform("incident.io", "no summary, incidents or incident key")
	case doc.Summary != nil && doc.Summary.Name == "" && doc.Summary.Components == nil:
		return doc, errWrongPlatform("incident.io", "summary has no name and no components")
	}
	var all []ioIncident
	if doc.Incidents != nil {
		all = append(all, *doc.Incidents...)
	}
	if doc.Incident != nil {
		all = append(all, *doc.Incident)
	}
	for i, in := range all {
		if in.ID == "" || in.Name == "" || in.Updates == nil || in.PublishedAt == "" {
			return doc, errWrongPlatform("incident.io", fmt.Sprintf("incident %d has no id, name, published_at and updates", i))
		}
	}
	// The summary's open incidents may come without their updates (the
	// shape of those is unverified): an id and a name are enough, and
	// the incident's own page gives the rest.
	if doc.Summary != nil {
		for i, in := range append(append([]ioIncident{}, doc.Summary.Ongoing...), doc.Summary.Scheduled...) {
			if in.ID == "" || in.Name == "" {
				return doc, errWrongPlatform("incident.io", fmt.Sprintf("summary incident %d has no id and name", i))
			}
		}
	}
	return doc, nil
}

// incidentIOKeys reports whether m has nothing but the keys of an
// incident.io document (summary, incidents, incident) and one of them:
// what decodeIncidentIO asks first of a JSON document.
func incidentIOKeys(m map[string]json.RawMessage) bool {
	for key := range m {
		if key != "summary" && key != "incidents" && key != "incident" {
			return false
		}
	}
	return len(m) > 0
}

// incidentIOOf decodes doc's JSON once, however many times detection and
// the parse ask.
func incidentIOOf(doc Document) (ioDoc, error) {
	return decodeOnce(doc, "incidentio", func() (ioDoc, error) {
		return decodeIncidentIO(docMembers(doc), false)
	})
}

// ioKeys holds the keys every incident.io incident has and Checkly's and
// Statuspage's have not. They match in any case and may be null, so a list
// they refuse decodeIncidentIO refuses too.
type ioKeys struct {
	PublishedAt json.RawMessage `json:"published_at"`
	Updates     json.RawMessage `json:"updates"`
}

// sniffIncidentIO claims a document only for what is incident.io's own: a
// summary, an incident, or a list of incidents with published_at and
// updates. An empty list alone is what Checkly's open incidents say too:
// only the URL of incident.io's window (/proxy/<host>/incidents) makes it
// incident.io's.
func sniffIncidentIO(doc Document) int {
	m := docMembers(doc)
	if !incidentIOKeys(m) {
		return 0
	}
	if raw, ok := m["incidents"]; ok && len(m) == 1 {
		var list []ioKeys
		if json.Unmarshal(raw, &list) != nil || slices.ContainsFunc(list, func(k ioKeys) bool { return k.PublishedAt == nil || k.Updates == nil }) {
			return 0
		}
		if len(list) == 0 && !incidentIOWindowURL(doc.URL) {
			return 0
		}
	}
	if _, err := incidentIOOf(doc); err != nil {
		return 0
	}
	return 80
}

func parseIncidentIO(doc Document) (*Page, error) {
	d, err := incidentIOOf(doc)
	if err != nil {
		return nil, err
	}
	return incidentIOPage(doc, d)
}

// incidentIOPropsOf decodes doc's Next.js page data once, however many
// times detection and the parse ask.
func incidentIOPropsOf(doc Document) (ioDoc, error) {
	return decodeOnce(doc, "incidentio-props", func() (ioDoc, error) {
		props, ok := nextData(doc)
		if !ok {
			return ioDoc{}, errWrongPlatform("incident.io", "not a Next.js page (no __NEXT_DATA__ script)")
		}
		return decodeIncidentIO(props, true)
	})
}

func sniffIncidentIOHTML(doc Document) int {
	if _, ok := nextData(doc); !ok {
		return 0
	}
	if _, err := incidentIOPropsOf(doc); err != nil {
		return 0
	}
	return 80
}

func parseIncidentIOHTML(doc Document) (*Page, error) {
	d, err := incidentIOPropsOf(doc)
	if err != nil {
		return nil, err
	}
	return incidentIOPage(doc, d)
}

// incidentIOPage converts a decoded document. Components are named from the
// document's component list; an incident naming a component the document
// does not list (a window of the JSON list, which carries only ids) is
// Partial, and its own page is asked for.
func incidentIOPage(doc Document, d ioDoc) (*Page, error) {
	origin := originOf(doc.URL)
	names := map[string]string{}
	if d.Summary != nil {
		if origin == "" {
			origin = originOf(d.Summary.PublicURL)
		}
		for _, c := range d.Summary.Components {
			names[c.key()] = c.Name
		}
	}
	out := &Page{Incidents: []Incident{}}
	add := func(field string, items []ioIncident) error {
		for i, item := range items {
			in, complete, err := item.incident(origin, names)
			if err != nil {
				return &ParseError{Field: fmt.Sprintf("%s[%d]", field, i), Err: err}
			}
			if !complete && origin != "" {
				in.Partial = true
				out.Follow = append(out.Follow, Follow{URL: in.URL, Reason: FollowDetail})
			}
			out.Incidents = append(out.Incidents, in)
		}
		return nil
	}
	switch {
	case d.Incident != nil:
		if err := add("incident", []ioIncident{*d.Incident}); err != nil {
			return nil, err
		}
	case d.Incidents != nil:
		out.Scope = ScopeListing
		if err := add("incidents", *d.Incidents); err != nil {
			return nil, err
		}
	default:
		out.Scope = ScopeCurrent
	}
	if d.Summary != nil {
		if err := add("summary.ongoing_incidents", d.Summary.Ongoing); err != nil {
			return nil, err
		}
		if err := add("summary.scheduled_maintenances", d.Summary.Scheduled); err != nil {
			return nil, err
		}
	}
	if d.Incidents != nil && origin != "" {
		out.Follow = append(out.Follow, incidentIOFollows(doc, origin, *d.Incidents)...)
	}
	return out, nil
}

// incidentIOWindow is the span of one request for older incidents.
const incidentIOWindow = 90 * 24 * time.Hour

// incidentIOWindowURL reports whether raw is the URL of an incident.io
// window of incidents, /proxy/<host>/incidents.
func incidentIOWindowURL(raw string) bool {
	path := feedURLPath(raw)
	return strings.Contains(path, "/proxy/") && strings.HasSuffix(path, "/incidents")
}

// incidentIOFollows plans the walk back through an incident.io page's
// history. A page that lists recent incidents (the home page's props) asks
// for the compatible API's list, another rendering of the latest incidents,
// and for the window of incidents before its oldest one; a window asks for
// the window before it. The walk ends after two empty windows in a row or
// before the earliest plausible time.
func incidentIOFollows(doc Document, origin string, items []ioIncident) []Follow {
	u, err := url.Parse(doc.URL)
	if err != nil {
		return nil
	}
	var follows []Follow
	window := incidentIOWindowURL(doc.URL)
	if !window {
		follows = append(follows, Follow{URL: origin + "/api/v2/incidents.json", Reason: FollowDetail})
	}
	var end time.Time
	for _, item := range items {
		if t, err := time.Parse(time.RFC3339Nano, item.PublishedAt); err == nil && (end.IsZero() || t.Before(end)) {
			end = t
		}
	}
	emptyBefore := 0
	if len(items) == 0 {
		if !window || doc.Via.EmptyBefore >= 1 {
			return follows
		}
		emptyBefore = doc.Via.EmptyBefore + 1
		t, err := time.Parse(time.RFC3339, u.Query().Get("start_at"))
		if err != nil {
			return follows
		}
		end = t
	}
	if end.IsZero() || end.Before(earliest) {
		return follows
	}
	end = end.UTC().Truncate(time.Second)
	q := url.Values{}
	q.Set("start_at", end.Add(-incidentIOWindow).Format(time.RFC3339))
	q.Set("end_at", end.Format(time.RFC3339))
	next := origin + "/proxy/" + u.Host + "/incidents?" + q.Encode()
	return append(follows, Follow{URL: next, Reason: FollowNext, EmptyBefore: emptyBefore})
}

// incident converts one incident.io incident; complete is false when it
// names a component the document gives no name for (the record then names
// it by id).
func (a ioIncident) incident(origin string, names map[string]string) (Incident, bool, error) {
	complete := true
	name := func(c ioComponent) string {
		if n := names[c.key()]; n != "" {
			return n
		}
		if c.Name != "" {
			return c.Name
		}
		complete = false
		return c.key()
	}
	in := Incident{
		ID:        a.ID,
		Kind:      KindIncident,
		Title:     a.Name,
		Status:    incidentIOStatus.Status(a.Status),
		StatusRaw: a.Status,
		Updates:   []Update{},
	}
	if origin != "" {
		in.URL = origin + "/incidents/" + a.ID
	}
	if a.Type == "maintenance" {
		in.Kind = KindMaintenance
	}
	// The worst component status any window or component states.
	worst := ""
	consider := func(word string) {
		if word == "" {
			return
		}
		if worst == "" || impactRank(incidentIOImpact.Impact(word)) > impactRank(incidentIOImpact.Impact(worst)) {
			worst = word
		}
	}
	for _, w := range a.Summaries {
		consider(w.Worst)
	}
	for _, c := range a.Affected {
		consider(c.Status)
	}
	in.Impact, in.ImpactRaw = incidentIOImpact.Impact(worst), worst
	if in.Kind == KindMaintenance {
		in.Impact = ImpactMaintenance
	}
	var starts, ends []Time
	openEnded := false
	for i, w := range a.Summaries {
		s, err := platformTime(fmt.Sprintf("status_summaries[%d].start_at", i), w.StartAt)
		if err != nil {
			return in, false, err
		}
		e, err := platformTime(fmt.Sprintf("status_summaries[%d].end_at", i), w.EndAt)
		if err != nil {
			return in, false, err
		}
		starts, ends = append(starts, s), append(ends, e)
		openEnded = openEnded || e.IsZero()
	}
	if in.Kind == KindMaintenance {
		in.ScheduledFor = firstTime(starts...)
		if !openEnded {
			in.ScheduledUntil = lastTime(ends...)
		}
	} else {
		in.Started = firstTime(starts...)
		if !openEnded && in.Status == StatusResolved {
			in.Resolved = lastTime(ends...)
		}
	}
	seen := map[string]bool{}
	for _, c := range a.Affected {
		if seen[c.key()] {
			continue
		}
		seen[c.key()] = true
		in.Components = append(in.Components, Component{Name: name(c), Status: NormaliseComponentStatus(c.Status), StatusRaw: c.Status})
	}
	if a.Updates == nil {
		// A summary entry without its timeline: its page has it.
		complete = false
		return in, complete, nil
	}
	for i, u := range *a.Updates {
		at, err := platformTime(fmt.Sprintf("updates[%d].published_at", i), u.PublishedAt)
		if err == nil && at.IsZero() {
			err = fmt.Errorf("updates[%d]: %w: no published_at", i, ErrBadTime)
		}
		if err != nil {
			return in, false, fmt.Errorf("incident %s: %w", a.ID, err)
		}
		upd := Update{Status: incidentIOStatus.Status(u.ToStatus), StatusRaw: u.ToStatus, At: at, Body: u.Message}
		for _, c := range u.Components {
			upd.Components = append(upd.Components, name(c))
		}
		in.Updates = append(in.Updates, upd)
	}
	return in, complete, nil
}

// closeToIncidentIO says how a JSON object that is nearly an incident.io
// document falls short.
func closeToIncidentIO(m map[string]json.RawMessage) string {
	if items, ok := jsonObjects(m["incidents"]); ok && len(items) == 0 && len(m) == 1 {
		return "an empty incidents list, which incident.io's incident windows (/proxy/<host>/incidents) and Checkly's open incidents (/api/status-page/<slug>/…) both write: only their URLs tell them apart, and this URL is neither's"
	}
	if _, ok := m["ongoing_incidents"]; ok {
		return "looks like an incident.io summary but has no summary object around ongoing_incidents"
	}
	for _, key := range []string{"summary", "incidents", "incident"} {
		if raw, ok := m[key]; ok && strings.Contains(string(raw), `"to_status"`) {
			if _, err := decodeIncidentIO(m, false); err != nil {
				return "looks like an incident.io page but " + strings.TrimPrefix(err.Error(), ErrWrongPlatform.Error()+": incident.io: ")
			}
		}
	}
	return ""
}
