package diff

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode"

	"github.com/statusarchive/statusarchive/parser"
)

// Diff is what changed between two versions of one incident. A Diff is
// empty exactly when the two versions hash the same (parser.Incident.Hash):
// a change only in what the hash leaves out (a component's status, the raw
// impact label when the impact is known, an update's raw status label when
// its status is known, and the rest listed on Hash) gives the empty Diff.
// When the hashes differ for another reason, such changes are reported
// beside it (a component's new status in Components.Changed, say).
type Diff struct {
	Fields     []FieldChange    `json:"fields,omitempty"`
	Components ComponentChanges `json:"components,omitzero"`
	Updates    []UpdateChange   `json:"updates,omitempty"`
}

// Empty reports whether d records no change.
func (d Diff) Empty() bool {
	return len(d.Fields) == 0 && d.Components.empty() && len(d.Updates) == 0
}

// FieldChange is one scalar field that changed. Field names one of the
// incident's fields (see the Field constants), or a component's name inside
// ComponentChanges.Changed. From and To are the values as text: times in
// RFC 3339 UTC, "" for an absent value.
type FieldChange struct {
	Field string `json:"field"`
	From  string `json:"from"`
	To    string `json:"to"`
}

// Fields of an incident that Incidents compares, in the order it reports
// them.
const (
	FieldTitle          = "title"
	FieldKind           = "kind"
	FieldImpact         = "impact"
	FieldStatus         = "status"
	FieldURL            = "url"
	FieldStarted        = "started"
	FieldResolved       = "resolved"
	FieldScheduledFor   = "scheduled_for"
	FieldScheduledUntil = "scheduled_until"
)

// timeFields are the fields whose values are times.
var timeFields = []string{FieldStarted, FieldResolved, FieldScheduledFor, FieldScheduledUntil}

// ComponentChanges lists components named only by the newer version
// (Added), only by the older one (Removed), and those whose status changed
// (Changed, with the component's name as Field).
type ComponentChanges struct {
	Added   []string      `json:"added,omitempty"`
	Removed []string      `json:"removed,omitempty"`
	Changed []FieldChange `json:"changed,omitempty"`
}

func (c ComponentChanges) empty() bool {
	return len(c.Added) == 0 && len(c.Removed) == 0 && len(c.Changed) == 0
}

// UpdateKind says what happened to one update between two versions.
type UpdateKind string

// Kinds of update change.
const (
	UpdateAdded   UpdateKind = "added"   // only in the newer version
	UpdateRemoved UpdateKind = "removed" // only in the older version
	// UpdateEdited: same time and status; the body, the raw status text or
	// the update's components changed.
	UpdateEdited UpdateKind = "edited"
	// UpdateMoved: the update's time changed (Moved says by how much); its
	// body may have changed too.
	UpdateMoved UpdateKind = "moved"
	// UpdateRestatused: same time, other status; the body may have changed.
	UpdateRestatused UpdateKind = "restatused"
)

// UpdateChange is one update added, removed or changed. From is the update
// in the older version and To in the newer; one of them is nil for an
// addition or a removal. At is To's time (From's for a removal) and Index
// the update's position, oldest first, in that version's timeline.
// BodyDiff is set when the normalised bodies differ, Moved when the times
// do (To's time minus From's).
type UpdateChange struct {
	Kind     UpdateKind     `json:"kind"`
	Index    int            `json:"index"`
	At       time.Time      `json:"at"`
	From     *parser.Update `json:"from,omitempty"`
	To       *parser.Update `json:"to,omitempty"`
	BodyDiff []Edit         `json:"body_diff,omitempty"`
	Moved    time.Duration  `json:"moved_ns,omitempty"`
}

// MinSimilarity is the least token similarity (Jaccard index of the
// bodies' lower-cased word sets) at which an update of the older version
// and one of the newer, not matched by time and status, count as the same
// update edited or moved rather than one removed and another added.
const MinSimilarity = 0.5

// Incidents returns what changed from one version of an incident to
// another. Text is compared normalised (parser.NormaliseText), so that
// white space, Unicode normal form and invisible characters are no change;
// updates are compared as a set, so that reordering is no change. The Diff
// is empty exactly when the two versions hash the same: Incidents then
// returns at once, so a change the hash ignores (see parser.Incident.Hash)
// is no change here either.
//
// Updates are matched in three passes, each only among those still
// unmatched: first identical updates; then updates with the same time and
// status (an edit); then updates whose bodies are at least MinSimilarity
// alike, most alike first and, among equals, nearest in time (a move or a
// change of status). What is left is added or removed.
func Incidents(from, to parser.Incident) Diff {
	if from.Hash() == to.Hash() {
		return Diff{}
	}
	var d Diff
	d.Fields = fieldChanges(from, to)
	d.Components = componentChanges(from.Components, to.Components)
	d.Updates = updateChanges(from.Updates, to.Updates)
	return d
}

func fieldChanges(from, to parser.Incident) []FieldChange {
	var out []FieldChange
	add := func(field, a, b string) {
		if a != b {
			out = append(out, FieldChange{Field: field, From: a, To: b})
		}
	}
	if parser.NormaliseText(from.Title) != parser.NormaliseText(to.Title) {
		out = append(out, FieldChange{Field: FieldTitle, From: from.Title, To: to.Title})
	}
	add(FieldKind, string(from.Kind), string(to.Kind))
	fi, ti := string(from.Impact), string(to.Impact)
	if fi == ti && parser.NormaliseText(from.ImpactRaw) != parser.NormaliseText(to.ImpactRaw) {
		// Same scale, other wording: say so rather than hide it.
		fi, ti = withRaw(fi, from.ImpactRaw), withRaw(ti, to.ImpactRaw)
	}
	add(FieldImpact, fi, ti)
	add(FieldStatus, string(from.Status), string(to.Status))
	if parser.CanonicalURL(from.URL) != parser.CanonicalURL(to.URL) {
		out = append(out, FieldChange{Field: FieldURL, From: from.URL, To: to.URL})
	}
	fromTimes := []parser.Time{from.Started, from.Resolved, from.ScheduledFor, from.ScheduledUntil}
	toTimes := []parser.Time{to.Started, to.Resolved, to.ScheduledFor, to.ScheduledUntil}
	for i, field := range timeFields {
		add(field, timeText(fromTimes[i].At), timeText(toTimes[i].At))
	}
	return out
}

// withRaw appends a page's own wording to a normalised value.
func withRaw(value, raw string) string {
	raw = parser.NormaliseText(raw)
	if raw == "" {
		return value
	}
	return value + " (" + raw + ")"
}

// timeText is t in RFC 3339 UTC, or "" for the zero time.
func timeText(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

// componentChanges matches components by normalised name; a name listed
// twice matches occurrence by occurrence.
func componentChanges(from, to []parser.Component) ComponentChanges {
	keys := func(list []parser.Component) []string {
		seen := map[string]int{}
		out := make([]string, len(list))
		for i, c := range list {
			name := parser.NormaliseText(c.Name)
			out[i] = fmt.Sprintf("%s\x00%d", name, seen[name])
			seen[name]++
		}
		return out
	}
	status := func(c parser.Component) string {
		if c.Status != "" {
			return c.Status
		}
		return parser.NormaliseText(c.StatusRaw)
	}
	old := map[string]parser.Component{}
	for i, k := range keys(from) {
		old[k] = from[i]
	}
	var out ComponentChanges
	kept := map[string]bool{}
	for i, k := range keys(to) {
		c := to[i]
		o, ok := old[k]
		kept[k] = ok
		switch {
		case !ok:
			out.Added = append(out.Added, c.Name)
		case status(o) != status(c):
			out.Changed = append(out.Changed, FieldChange{Field: c.Name, From: status(o), To: status(c)})
		case parser.NormaliseText(o.StatusRaw) != parser.NormaliseText(c.StatusRaw):
			out.Changed = append(out.Changed, FieldChange{Field: c.Name,
				From: withRaw(status(o), o.StatusRaw), To: withRaw(status(c), c.StatusRaw)})
		}
	}
	for i, k := range keys(from) {
		if !kept[k] {
			out.Removed = append(out.Removed, from[i].Name)
		}
	}
	slices.Sort(out.Added)
	slices.Sort(out.Removed)
	slices.SortStableFunc(out.Changed, func(a, b FieldChange) int { return strings.Compare(a.Field, b.Field) })
	return out
}

// side is one version's updates, oldest first, with what the matcher
// compares precomputed.
type side struct {
	updates []parser.Update
	body    []string  // normalised body
	words   [][]int32 // distinct lower-cased words, edge punctuation trimmed, as sorted ids
	key     []string  // everything the hash sees, as one string
	matched []bool
}

func newSide(updates []parser.Update, ids map[string]int32) *side {
	s := &side{updates: slices.Clone(updates)}
	slices.SortStableFunc(s.updates, func(a, b parser.Update) int { return a.At.At.Compare(b.At.At) })
	for _, u := range s.updates {
		body := parser.NormaliseText(u.Body)
		s.body = append(s.body, body)
		s.words = append(s.words, wordSet(body, ids))
		s.key = append(s.key, updateKey(u, body))
	}
	s.matched = make([]bool, len(s.updates))
	return s
}

// updateKey identifies an update for the first matching pass: its time,
// status, raw status label, normalised body and components. It is stricter
// than the incident hash, which keeps the raw label only when the status is
// unknown.
func updateKey(u parser.Update, body string) string {
	comps := make([]string, 0, len(u.Components))
	for _, c := range u.Components {
		comps = append(comps, parser.NormaliseText(c))
	}
	slices.Sort(comps)
	return strings.Join([]string{
		u.At.At.UTC().Format(time.RFC3339Nano), string(u.Status), parser.NormaliseText(u.StatusRaw),
		body, strings.Join(comps, "\x1f"),
	}, "\x00")
}

// wordSet returns the distinct words of body, lower-cased and with edge
// punctuation trimmed, as sorted ids from ids (which it extends).
func wordSet(body string, ids map[string]int32) []int32 {
	var set []int32
	for _, w := range strings.Fields(strings.ToLower(body)) {
		w = strings.TrimFunc(w, func(r rune) bool { return unicode.IsPunct(r) || unicode.IsSymbol(r) })
		if w == "" {
			continue
		}
		id, ok := ids[w]
		if !ok {
			id = int32(len(ids))
			ids[w] = id
		}
		set = append(set, id)
	}
	slices.Sort(set)
	return slices.Compact(set)
}

// similarity is the Jaccard index of two word sets. Two empty bodies are
// alike only when nothing else tells the updates apart.
func similarity(a, b []int32) float64 {
	if len(a) == 0 && len(b) == 0 {
		return 1
	}
	both := 0
	for i, j := 0, 0; i < len(a) && j < len(b); {
		switch {
		case a[i] < b[j]:
			i++
		case a[i] > b[j]:
			j++
		default:
			both++
			i++
			j++
		}
	}
	return float64(both) / float64(len(a)+len(b)-both)
}

// pair is a candidate match between old update i and new update j.
type pair struct {
	i, j int
	sim  float64
	gap  time.Duration // absolute time distance
}

func updateChanges(from, to []parser.Update) []UpdateChange {
	ids := map[string]int32{}
	a, b := newSide(from, ids), newSide(to, ids)
	var out []UpdateChange

	// Pass 1: identical updates, wherever they sit in the list.
	byKey := map[string][]int{}
	for i, k := range a.key {
		byKey[k] = append(byKey[k], i)
	}
	for j, k := range b.key {
		if is := byKey[k]; len(is) > 0 {
			a.matched[is[0]], b.matched[j] = true, true
			byKey[k] = is[1:]
		}
	}

	// Pass 2: same time and status, whatever the bodies; pass 3: alike
	// bodies, whatever the time and status.
	sameSlot := func(i, j int) bool {
		ua, ub := a.updates[i], b.updates[j]
		return ua.At.At.Equal(ub.At.At) && ua.Status == ub.Status
	}
	alike := func(i, j int) bool {
		return len(a.words[i]) > 0 || len(b.words[j]) > 0 || a.updates[i].Status == b.updates[j].Status
	}
	for pass, accept := range []func(i, j int) bool{sameSlot, alike} {
		var cands []pair
		for i := range a.updates {
			if a.matched[i] {
				continue
			}
			for j := range b.updates {
				if b.matched[j] || !accept(i, j) {
					continue
				}
				p := pair{i: i, j: j, sim: similarity(a.words[i], b.words[j])}
				if pass == 1 && p.sim < MinSimilarity {
					continue
				}
				gap := b.updates[j].At.At.Sub(a.updates[i].At.At)
				p.gap = max(gap, -gap)
				cands = append(cands, p)
			}
		}
		// The order is total (i and j break ties), so no need for stability.
		slices.SortFunc(cands, func(x, y pair) int {
			return cmp.Or(cmp.Compare(y.sim, x.sim), cmp.Compare(x.gap, y.gap), cmp.Compare(x.i, y.i), cmp.Compare(x.j, y.j))
		})
		for _, p := range cands {
			if a.matched[p.i] || b.matched[p.j] {
				continue
			}
			a.matched[p.i], b.matched[p.j] = true, true
			out = append(out, changed(a, b, p.i, p.j))
		}
	}

	for i, ok := range a.matched {
		if !ok {
			u := a.updates[i]
			out = append(out, UpdateChange{Kind: UpdateRemoved, Index: i, At: u.At.At, From: &u})
		}
	}
	for j, ok := range b.matched {
		if !ok {
			u := b.updates[j]
			out = append(out, UpdateChange{Kind: UpdateAdded, Index: j, At: u.At.At, To: &u})
		}
	}
	slices.SortStableFunc(out, func(x, y UpdateChange) int {
		return cmp.Or(x.At.Compare(y.At), cmp.Compare(kindOrder(x.Kind), kindOrder(y.Kind)), cmp.Compare(x.Index, y.Index))
	})
	return out
}

// changed describes matched updates a.updates[i] and b.updates[j], which
// differ in something the hash sees.
func changed(a, b *side, i, j int) UpdateChange {
	ua, ub := a.updates[i], b.updates[j]
	c := UpdateChange{Kind: UpdateEdited, Index: j, At: ub.At.At, From: &ua, To: &ub}
	switch {
	case !ua.At.At.Equal(ub.At.At):
		c.Kind = UpdateMoved
		c.Moved = ub.At.At.Sub(ua.At.At)
	case ua.Status != ub.Status:
		c.Kind = UpdateRestatused
	}
	if a.body[i] != b.body[j] {
		// The bodies are already normalised: only cut them into words.
		c.BodyDiff = wordDiff(strings.Fields(a.body[i]), strings.Fields(b.body[j]))
	}
	return c
}

// kindOrder puts, at one instant, removals before the rest.
func kindOrder(k UpdateKind) int {
	switch k {
	case UpdateRemoved:
		return 0
	case UpdateAdded:
		return 2
	}
	return 1
}
