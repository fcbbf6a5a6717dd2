package parser

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Kind tells an incident from a scheduled maintenance. Maintenance is never
// counted as an outage.
type Kind string

// Kinds of record.
const (
	KindIncident    Kind = "incident"
	KindMaintenance Kind = "maintenance"
)

// Impact is the normalised severity a page gives an incident.
type Impact string

// Impacts, following Statuspage's scale. ImpactUnknown means the page did
// not say.
const (
	ImpactUnknown     Impact = ""
	ImpactNone        Impact = "none"
	ImpactMinor       Impact = "minor"
	ImpactMajor       Impact = "major"
	ImpactCritical    Impact = "critical"
	ImpactMaintenance Impact = "maintenance"
)

// Status is the normalised state an update (or an incident, through its
// latest update) reports.
type Status string

// Statuses. StatusUpdate is a free-form progress post with no state change.
const (
	StatusUnknown       Status = ""
	StatusInvestigating Status = "investigating"
	StatusIdentified    Status = "identified"
	StatusMonitoring    Status = "monitoring"
	StatusResolved      Status = "resolved"
	StatusUpdate        Status = "update"
	StatusPostmortem    Status = "postmortem"
	StatusScheduled     Status = "scheduled"
	StatusInProgress    Status = "in_progress"
	StatusVerifying     Status = "verifying"
	StatusCompleted     Status = "completed"
)

// Time is an instant in UTC together with the text the page showed for it.
// The text is kept so that a parse can always be checked against its source.
type Time struct {
	At   time.Time `json:"at"`
	Text string    `json:"text,omitempty"`
}

// IsZero reports whether t holds no instant.
func (t Time) IsZero() bool { return t.At.IsZero() }

// NewTime returns t in UTC with its original text.
func NewTime(at time.Time, text string) Time {
	return Time{At: at.UTC(), Text: text}
}

// Component is a part of a vendor's service named by an incident.
type Component struct {
	Name      string `json:"name"`
	Status    string `json:"status,omitempty"`     // normalised: operational, degraded_performance, partial_outage, major_outage, under_maintenance
	StatusRaw string `json:"status_raw,omitempty"` // as the page wrote it
}

// Update is one post in an incident's timeline.
type Update struct {
	Status     Status   `json:"status"`
	StatusRaw  string   `json:"status_raw"`
	At         Time     `json:"at"`
	Body       string   `json:"body"`
	Components []string `json:"components,omitempty"`
	// Stated are the impact windows the body states, read by the parser
	// (see Window). Derived from Body and At, they are left out of Hash.
	// Nil means not read yet; empty means read, and none stated (see
	// ReadWindows).
	Stated []Window `json:"stated,omitzero"`
}

// Incident is one incident or maintenance as a status page presents it.
type Incident struct {
	Source     string      `json:"source"`
	ID         string      `json:"id"`
	Kind       Kind        `json:"kind"`
	Title      string      `json:"title"`
	URL        string      `json:"url,omitempty"`
	Impact     Impact      `json:"impact"`
	ImpactRaw  string      `json:"impact_raw,omitempty"`
	Status     Status      `json:"status"`
	StatusRaw  string      `json:"status_raw,omitempty"`
	Components []Component `json:"components,omitempty"`
	// Started and Resolved are the page's own stated start and end, when it
	// states them (a detail page's "Started" row, an API's started_at).
	Started  Time `json:"started,omitzero"`
	Resolved Time `json:"resolved,omitzero"`
	// ScheduledFor and ScheduledUntil bound a maintenance window.
	ScheduledFor   Time     `json:"scheduled_for,omitzero"`
	ScheduledUntil Time     `json:"scheduled_until,omitzero"`
	Updates        []Update `json:"updates"`
	// UpdatesClaimed is the number of updates the page says the incident
	// has ("Timeline · 11 updates"); 0 when it does not say.
	UpdatesClaimed int `json:"updates_claimed,omitempty"`
	// Partial marks a timeline known to be incomplete on this page (a list
	// that shows fewer updates than it claims, a history entry that carries
	// only the last message). A complete rendering replaces it on merge.
	Partial bool `json:"partial,omitempty"`
	// Truncated marks a record whose title or an update body was longer
	// than its cap (MaxTitle, MaxBody) and was cut, ending in
	// TruncationMarker.
	Truncated bool `json:"truncated,omitempty"`
	// Incomplete marks a record kept from a list page because the
	// incident's own page, which would have completed it, could not be
	// parsed (see DetailError and MarkIncomplete). It says how this crawl
	// went, not what the vendor states, so it is not hashed.
	Incomplete bool `json:"incomplete,omitempty"`
}

// Claims are what a page says about itself in prose: its own totals. They
// are kept apart from records so that our figures can be compared with them.
type Claims struct {
	Vendor       string        `json:"vendor,omitempty"`
	Outages      int           `json:"outages"`
	Window       string        `json:"window,omitempty"` // "2 years"
	Downtime     time.Duration `json:"downtime"`
	DowntimeText string        `json:"downtime_text,omitempty"`
	PerMonth     float64       `json:"per_month"`
	Since        Time          `json:"since,omitzero"`
	StatusText   string        `json:"status_text,omitempty"` // "WorkOS is up right now"
	Text         string        `json:"text,omitempty"`        // the sentence the figures came from
}

// FollowReason says why a page asks for another page.
type FollowReason string

// Reasons to follow a link.
const (
	FollowNext   FollowReason = "next"   // the next (older) page of a list
	FollowDetail FollowReason = "detail" // an incident's own page with its full timeline
)

// Follow is a page the parser asks the crawler to fetch next. It carries
// whatever state the parser needs back when that page is parsed, so that
// parsing stays a pure function of one document.
type Follow struct {
	URL    string       `json:"url"`
	Reason FollowReason `json:"reason"`
	// Accept is the Accept header to send, when the page has to be asked
	// for in a given representation (JSON props of a history page).
	Accept string `json:"accept,omitempty"`
	// Fallback is fetched instead when URL is refused (4xx).
	Fallback string `json:"fallback,omitempty"`
	// EmptyBefore counts the consecutive empty list pages before this one.
	EmptyBefore int `json:"empty_before,omitempty"`
	// Incident is the id of the record a detail page completes, so that a
	// failure of that page can mark the record Incomplete (DetailError).
	Incident string `json:"incident,omitempty"`
}

// Document is one fetched page handed to the parser.
type Document struct {
	Source      string // the source's name, used in records and errors
	URL         string // the final URL the body came from
	ContentType string // the response's Content-Type, possibly empty
	Body        []byte
	Via         Follow // the request that fetched it; zero for a start page

	// view is the parse of Body that detection and the parser share; Parse
	// and Detect make it, so that a document is parsed once.
	view *view
}

// Scope says what a page's list of incidents stands for, which decides what
// an incident's absence from it means.
type Scope string

// Scopes.
const (
	// ScopeUnknown makes no claim: an incident missing from the page says
	// nothing (a single incident's page).
	ScopeUnknown Scope = ""
	// ScopeListing lists every incident of the span of time it covers,
	// newest first (a history page, a list with older pages behind it, the
	// latest 50 of an API list, a feed). An incident missing from a
	// complete crawl of a listing, and newer than the oldest incident the
	// crawl saw, was deleted; an older one has merely scrolled away.
	ScopeListing Scope = "listing"
	// ScopeCurrent shows only what is open or upcoming now (a summary): an
	// incident's absence means it ended, and an empty page is normal.
	ScopeCurrent Scope = "current"
)

// Page is what one document parses to.
type Page struct {
	Format    Format     `json:"format"`
	URL       string     `json:"url"`
	Scope     Scope      `json:"scope,omitempty"`
	Incidents []Incident `json:"incidents"`
	Claims    *Claims    `json:"claims,omitempty"`
	Follow    []Follow   `json:"follow,omitempty"`
}

// canonical is the form of an incident that is hashed: only what the vendor
// said, normalised so that re-rendering the same content hashes the same.
type canonical struct {
	Kind           Kind        `json:"k"`
	Title          string      `json:"t"`
	URL            string      `json:"u,omitempty"`
	Impact         Impact      `json:"i"`
	ImpactRaw      string      `json:"ir,omitempty"`
	Status         Status      `json:"s"`
	StatusRaw      string      `json:"sr,omitempty"`
	Components     []Component `json:"c,omitempty"`
	Started        time.Time   `json:"st,omitzero"`
	Resolved       time.Time   `json:"re,omitzero"`
	ScheduledFor   time.Time   `json:"sf,omitzero"`
	ScheduledUntil time.Time   `json:"su,omitzero"`
	Updates        []canonUpd  `json:"up"`
}

type canonUpd struct {
	Status     Status    `json:"s"`
	StatusRaw  string    `json:"r,omitempty"`
	At         time.Time `json:"a"`
	Body       string    `json:"b"`
	Components []string  `json:"c,omitempty"`
}

// Hash returns a hex SHA-256 of the incident's normalised content. Two
// renderings of the same content hash the same: other white space, update
// or component order, Unicode normal form, invisible characters, tracking
// parameters in the URL, the original time text, how a page labels a state
// it agrees on ("Investigating" or "investigating", "In progress" or
// "in_progress", a free "Update" post or the unchanged state an API repeats
// for it), and the current status of the components it names. Any change a
// reader could see in what the vendor states hashes differently, including
// a status or impact word we do not recognise. A value cut at its cap is
// hashed as kept (see MaxTitle); Partial, Truncated and Incomplete are not
// hashed themselves.
func (in Incident) Hash() string {
	c := in.canonical()
	b, ok := c.appendJSON(make([]byte, 0, 1024))
	if !ok {
		var err error
		if b, err = json.Marshal(c); err != nil {
			// Marshal of plain strings, times and slices cannot fail.
			panic(fmt.Sprintf("parser: hash: %v", err))
		}
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// canonical returns the form of in that Hash hashes.
func (in Incident) canonical() canonical {
	c := canonical{
		Kind:           in.Kind,
		Title:          NormaliseText(in.Title),
		URL:            CanonicalURL(in.URL),
		Impact:         in.Impact,
		Status:         in.Status,
		Started:        in.Started.At,
		Resolved:       in.Resolved.At,
		ScheduledFor:   in.ScheduledFor.At,
		ScheduledUntil: in.ScheduledUntil.At,
	}
	if in.Impact == ImpactUnknown {
		c.ImpactRaw = strings.ToLower(NormaliseText(in.ImpactRaw))
	}
	if in.Status == StatusUnknown {
		c.StatusRaw = strings.ToLower(NormaliseText(in.StatusRaw))
	}
	// Which components an incident affected is the vendor's statement; a
	// component's status beside it is the component's state when the page
	// was rendered (the API gives today's), so it is left out.
	for _, comp := range in.Components {
		c.Components = append(c.Components, Component{Name: NormaliseText(comp.Name)})
	}
	slices.SortFunc(c.Components, func(a, b Component) int { return strings.Compare(a.Name, b.Name) })
	for _, u := range in.Updates {
		cu := canonUpd{Status: u.Status, At: u.At.At, Body: NormaliseText(u.Body)}
		if u.Status == StatusUnknown {
			cu.StatusRaw = strings.ToLower(NormaliseText(u.StatusRaw))
		}
		for _, name := range u.Components {
			cu.Components = append(cu.Components, NormaliseText(name))
		}
		slices.Sort(cu.Components)
		c.Updates = append(c.Updates, cu)
	}
	slices.SortStableFunc(c.Updates, compareCanonUpd)
	// A free "Update" post states no new state: it carries on the one
	// before it, which is what an API repeats for it.
	state := StatusUnknown
	for i := range c.Updates {
		if c.Updates[i].Status == StatusUpdate && state != StatusUnknown {
			c.Updates[i].Status = state
		}
		state = c.Updates[i].Status
	}
	return c
}

// appendJSON appends c as json.Marshal writes it (the bytes every stored
// hash was computed from), without reflection: Hash is a large part of
// archiving a version. It reports false for what it does not write the
// same way, a time json.Marshal refuses or writes otherwise (a year
// outside 0-9999, a zone offset with seconds); Hash then marshals c.
// TestCanonicalJSON and FuzzCanonicalJSON compare the two.
func (c *canonical) appendJSON(b []byte) ([]byte, bool) {
	ok := true
	str := func(key, s string, omitEmpty bool) {
		if omitEmpty && s == "" {
			return
		}
		b = appendJSONString(append(b, key...), s)
	}
	tm := func(key string, t time.Time, omitZero bool) {
		if omitZero && t.IsZero() {
			return
		}
		_, off := t.Zone()
		if y := t.Year(); y < 0 || y > 9999 || off%60 != 0 {
			ok = false
			return
		}
		b = append(t.AppendFormat(append(append(b, key...), '"'), time.RFC3339Nano), '"')
	}
	str(`{"k":`, string(c.Kind), false)
	str(`,"t":`, c.Title, false)
	str(`,"u":`, c.URL, true)
	str(`,"i":`, string(c.Impact), false)
	str(`,"ir":`, c.ImpactRaw, true)
	str(`,"s":`, string(c.Status), false)
	str(`,"sr":`, c.StatusRaw, true)
	if len(c.Components) > 0 {
		b = append(b, `,"c":[`...)
		for i, comp := range c.Components {
			if i > 0 {
				b = append(b, ',')
			}
			str(`{"name":`, comp.Name, false)
			str(`,"status":`, comp.Status, true)
			str(`,"status_raw":`, comp.StatusRaw, true)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	tm(`,"st":`, c.Started, true)
	tm(`,"re":`, c.Resolved, true)
	tm(`,"sf":`, c.ScheduledFor, true)
	tm(`,"su":`, c.ScheduledUntil, true)
	if c.Updates == nil {
		b = append(b, `,"up":null`...)
	} else {
		b = append(b, `,"up":[`...)
		for i := range c.Updates {
			u := &c.Updates[i]
			if i > 0 {
				b = append(b, ',')
			}
			str(`{"s":`, string(u.Status), false)
			str(`,"r":`, u.StatusRaw, true)
			tm(`,"a":`, u.At, false)
			str(`,"b":`, u.Body, false)
			if len(u.Components) > 0 {
				b = append(b, `,"c":[`...)
				for j, name := range u.Components {
					if j > 0 {
						b = append(b, ',')
					}
					b = appendJSONString(b, name)
				}
				b = append(b, ']')
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	return append(b, '}'), ok
}

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string the way encoding/json
// writes one: <, > and & escaped for HTML, control characters as \n, \r,
// \t, \b, \f or \u00XX, invalid UTF-8 as \ufffd, U+2028 and U+2029
// escaped.
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			b = append(append(b, s[start:i]...), `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			b = append(append(b, s[start:i]...), '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	return append(append(b, s[start:]...), '"')
}

func compareCanonUpd(a, b canonUpd) int {
	if c := a.At.Compare(b.At); c != 0 {
		return c
	}
	if c := strings.Compare(string(a.Status), string(b.Status)); c != 0 {
		return c
	}
	return strings.Compare(a.Body, b.Body)
}

// NormaliseText returns s in Unicode NFC with invisible format characters
// (zero-width spaces and joiners, bidi controls, byte-order marks) removed
// and every run of white space folded to one space, trimmed. It is the form
// used for dedupe keys; records themselves keep the text as the page had it.
func NormaliseText(s string) string {
	if normalASCII(s) {
		return s
	}
	return normaliseText(s)
}

// normaliseText is NormaliseText without its shortcut for text already
// normal.
func normaliseText(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Cf, r):
			continue
		case unicode.IsSpace(r):
			space = b.Len() > 0
			continue
		}
		if space {
			b.WriteByte(' ')
			space = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// normalASCII reports whether s is ASCII that NormaliseText leaves as it
// is: NFC already, no format characters, white space only as single
// spaces between words.
func normalASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= utf8.RuneSelf, c == '\t', c == '\n', c == '\v', c == '\f', c == '\r':
			return false
		case c == ' ' && (i == 0 || i == len(s)-1 || s[i-1] == ' '):
			return false
		}
	}
	return true
}

// trackingParams are query parameters that identify a visit, not a page.
var trackingParams = []string{"utm_", "fbclid", "gclid", "mc_cid", "mc_eid", "ref", "_ga"}

// CanonicalURL drops tracking parameters and the fragment from u. A string
// that does not parse as a URL is returned as it is.
func CanonicalURL(u string) string {
	if plainURL(u) {
		return u
	}
	return canonicalURL(u)
}

// plainURL reports whether u is an http(s) URL of letters, digits and
// - . _ ~ / alone: no query, fragment, port, user, escape or space, which
// CanonicalURL returns as it is.
func plainURL(u string) bool {
	rest, ok := strings.CutPrefix(u, "https://")
	if !ok {
		if rest, ok = strings.CutPrefix(u, "http://"); !ok {
			return false
		}
	}
	if rest == "" || rest[0] == '/' {
		return false
	}
	for i := 0; i < len(rest); i++ {
		switch c := rest[i]; {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9', c == '-', c == '.', c == '_', c == '~', c == '/':
		default:
			return false
		}
	}
	return true
}

// canonicalURL is CanonicalURL without its shortcut for plain URLs.
func canonicalURL(u string) string {
	p, err := url.Parse(strings.TrimSpace(u))
	if err != nil || u == "" {
		return u
	}
	p.Fragment = ""
	q := p.Query()
	for k := range q {
		for _, t := range trackingParams {
			if k == t || (strings.HasSuffix(t, "_") && strings.HasPrefix(k, t)) {
				q.Del(k)
			}
		}
	}
	p.RawQuery = q.Encode()
	return p.String()
}

// Sort orders the updates oldest first, keeping the page's order for
// updates posted at the same instant.
func (in *Incident) Sort() {
	slices.SortStableFunc(in.Updates, func(a, b Update) int { return a.At.At.Compare(b.At.At) })
}

// First returns the earliest update's time, or the zero Time.
func (in Incident) First() Time {
	var first Time
	for _, u := range in.Updates {
		if first.IsZero() || u.At.At.Before(first.At) {
			first = u.At
		}
	}
	return first
}

// Last returns the latest update's time, or the zero Time.
func (in Incident) Last() Time {
	var last Time
	for _, u := range in.Updates {
		if u.At.At.After(last.At) {
			last = u.At
		}
	}
	return last
}

// StableID derives an id for an incident whose page gives none, from what
// does not change when the vendor posts again: the source, the title and
// the time of the first update.
func StableID(source, title string, first time.Time) string {
	key := NormaliseText(source) + "\x00" + strings.ToLower(NormaliseText(title)) + "\x00" + first.UTC().Format(time.RFC3339)
	sum := sha256.Sum256([]byte(key))
	return "k-" + hex.EncodeToString(sum[:8])
}

// Limits on what a record may hold. Parse cuts a longer title or update
// body to its cap (Truncate); Validate refuses what is still over it.
//
// A cut value keeps its first bytes up to the cap, less the marker, at a
// character boundary, and ends in TruncationMarker. The hash covers the
// value as kept, marker included: an edit to the kept part (and a body
// growing past its cap, which gains the marker) makes a new version; an
// edit beyond the cap, which no reader of the archive could see, does not.
const (
	MaxTitle = 1 << 10   // bytes of UTF-8
	MaxBody  = 256 << 10 // bytes of UTF-8, per update
)

// TruncationMarker ends a value cut at its cap.
const TruncationMarker = " […truncated]"

// Truncate cuts a title longer than MaxTitle and update bodies longer than
// MaxBody, and sets Truncated when it cut anything. The other fields and
// the other incidents of a page are untouched.
func (in *Incident) Truncate() {
	if t, cut := truncate(in.Title, MaxTitle); cut {
		in.Title, in.Truncated = t, true
	}
	cloned := false
	for i := range in.Updates {
		if b, cut := truncate(in.Updates[i].Body, MaxBody); cut {
			if !cloned {
				// The updates may share their array with another record.
				in.Updates, cloned = slices.Clone(in.Updates), true
			}
			in.Updates[i].Body, in.Truncated = b, true
		}
	}
}

// truncate returns s cut to at most limit bytes, ending in the marker, and
// whether it cut. The cut falls on a character boundary.
func truncate(s string, limit int) (string, bool) {
	if len(s) <= limit {
		return s, false
	}
	keep := limit - len(TruncationMarker)
	for keep > 0 && !utf8.RuneStart(s[keep]) {
		keep--
	}
	return strings.TrimRightFunc(s[:keep], unicode.IsSpace) + TruncationMarker, true
}

// earliest is the oldest time a status page can plausibly show.
var earliest = time.Date(1995, 1, 1, 0, 0, 0, 0, time.UTC)

// Validate reports the first thing wrong with a record a parser produced:
// a missing id or title, an unknown status or impact, a time out of range,
// a field over its cap. now bounds times from above (one day of slack for
// clocks and zones); pass the zero time to skip that bound.
func (in Incident) Validate(now time.Time) error {
	switch {
	case strings.TrimSpace(in.ID) == "":
		return fmt.Errorf("%w: empty id", ErrInvalidRecord)
	case strings.TrimSpace(in.Title) == "":
		return fmt.Errorf("%w: incident %s: empty title", ErrInvalidRecord, in.ID)
	case len(in.Title) > MaxTitle:
		return fmt.Errorf("%w: incident %s: title longer than %d bytes", ErrInvalidRecord, in.ID, MaxTitle)
	case in.Kind != KindIncident && in.Kind != KindMaintenance:
		return fmt.Errorf("%w: incident %s: unknown kind %q", ErrInvalidRecord, in.ID, in.Kind)
	case !in.Impact.Known():
		return fmt.Errorf("%w: incident %s: unknown impact %q", ErrInvalidRecord, in.ID, in.Impact)
	case !in.Status.Known():
		return fmt.Errorf("%w: incident %s: unknown status %q", ErrInvalidRecord, in.ID, in.Status)
	}
	check := func(what string, t Time) error {
		if t.IsZero() {
			return nil
		}
		if t.At.Location() != time.UTC {
			return fmt.Errorf("%w: incident %s: %s %v not in UTC", ErrInvalidRecord, in.ID, what, t.At)
		}
		if t.At.Before(earliest) || (!now.IsZero() && t.At.After(now.Add(24*time.Hour))) {
			return fmt.Errorf("%w: incident %s: %s %v out of range", ErrInvalidRecord, in.ID, what, t.At)
		}
		return nil
	}
	for _, stated := range []struct {
		what string
		t    Time
	}{
		{"started", in.Started},
		{"resolved", in.Resolved},
		{"scheduled for", in.ScheduledFor},
		{"scheduled until", in.ScheduledUntil},
	} {
		if err := check(stated.what, stated.t); err != nil {
			return err
		}
	}
	for i, u := range in.Updates {
		switch {
		case !u.Status.Known():
			return fmt.Errorf("%w: incident %s: update %d: unknown status %q", ErrInvalidRecord, in.ID, i, u.Status)
		case u.At.IsZero():
			return fmt.Errorf("%w: incident %s: update %d: no time", ErrInvalidRecord, in.ID, i)
		case len(u.Body) > MaxBody:
			return fmt.Errorf("%w: incident %s: update %d: body longer than %d bytes", ErrInvalidRecord, in.ID, i, MaxBody)
		}
		if err := check(fmt.Sprintf("update %d", i), u.At); err != nil {
			return err
		}
	}
	return nil
}

// Known reports whether i is one of the defined impacts.
func (i Impact) Known() bool {
	switch i {
	case ImpactUnknown, ImpactNone, ImpactMinor, ImpactMajor, ImpactCritical, ImpactMaintenance:
		return true
	}
	return false
}

// Known reports whether s is one of the defined statuses.
func (s Status) Known() bool {
	switch s {
	case StatusUnknown, StatusInvestigating, StatusIdentified, StatusMonitoring, StatusResolved,
		StatusUpdate, StatusPostmortem, StatusScheduled, StatusInProgress, StatusVerifying, StatusCompleted:
		return true
	}
	return false
}

// statusSeparators and impactSeparators are built once: a replacer
// compiles its table on first use.
var (
	statusSeparators = strings.NewReplacer("_", " ", "-", " ")
	impactSeparators = strings.NewReplacer("_", "", " ", "", "-", "")
)

// NormaliseStatus maps a status word as pages write it ("Investigating",
// "In progress", "in_progress", "MONITORING", "Write-up published") to a
// Status. An unrecognised word gives StatusUnknown.
func NormaliseStatus(raw string) Status {
	w := strings.ToLower(NormaliseText(raw))
	w = statusSeparators.Replace(w)
	switch w {
	case "investigating", "investigation":
		return StatusInvestigating
	case "identified":
		return StatusIdentified
	case "monitoring":
		return StatusMonitoring
	case "resolved", "fixed", "completed incident":
		return StatusResolved
	case "update", "updated":
		return StatusUpdate
	case "postmortem", "post mortem", "write up published":
		return StatusPostmortem
	case "scheduled", "maintenance scheduled", "notstartedyet", "not started yet":
		return StatusScheduled
	case "in progress", "inprogress", "maintenance in progress":
		return StatusInProgress
	case "verifying":
		return StatusVerifying
	case "completed", "maintenance complete", "complete":
		return StatusCompleted
	}
	return StatusUnknown
}

// NormaliseImpact maps an impact word ("critical", "impact-major",
// "Minor", "Notice", "MAJOROUTAGE") to an Impact.
func NormaliseImpact(raw string) Impact {
	w := strings.ToLower(NormaliseText(raw))
	w = strings.TrimPrefix(w, "impact-")
	switch w {
	case "none", "notice", "informational", "info":
		return ImpactNone
	case "minor", "degraded", "degradedperformance", "degraded performance", "partialoutage", "partial outage", "partial":
		return ImpactMinor
	case "major", "majoroutage", "major outage", "outage":
		return ImpactMajor
	case "critical":
		return ImpactCritical
	case "maintenance", "undermaintenance":
		return ImpactMaintenance
	}
	return ImpactUnknown
}

// NormaliseComponentStatus maps a component status ("Degraded Performance",
// "PARTIALOUTAGE", "major_outage") to Statuspage's snake_case vocabulary,
// or "" when unknown.
func NormaliseComponentStatus(raw string) string {
	w := strings.ToLower(NormaliseText(raw))
	w = impactSeparators.Replace(w)
	switch w {
	case "operational", "up", "ok":
		return "operational"
	case "degradedperformance", "degraded":
		return "degraded_performance"
	case "partialoutage", "partialservicedisruption":
		return "partial_outage"
	case "majoroutage", "fulloutage", "servicedisruption", "down", "downtime":
		return "major_outage"
	case "undermaintenance", "maintenance":
		return "under_maintenance"
	}
	return ""
}
