package parser

import "slices"

// Merge folds the incidents of several pages of one crawl into one record
// per id. A complete rendering (not Partial) wins over a partial one; among
// equals the one with more updates wins, then the later page. Fields the
// winner lacks (URL, impact, components, stated times) are filled from the
// others. The result keeps the order in which ids were first seen.
func Merge(pages []*Page) []Incident {
	var order []string
	byID := map[string]Incident{}
	for _, p := range pages {
		if p == nil {
			continue
		}
		for _, in := range p.Incidents {
			old, seen := byID[in.ID]
			if !seen {
				order = append(order, in.ID)
				byID[in.ID] = in
				continue
			}
			byID[in.ID] = mergeTwo(old, in)
		}
	}
	out := make([]Incident, 0, len(order))
	for _, id := range order {
		out = append(out, byID[id])
	}
	return out
}

// mergeTwo returns the better of two renderings of one incident, with gaps
// filled from the other.
func mergeTwo(a, b Incident) Incident {
	win, other := b, a
	switch {
	case a.Partial != b.Partial:
		if b.Partial {
			win, other = a, b
		}
	case len(a.Updates) > len(b.Updates):
		win, other = a, b
	}
	win.FillUnknown(other)
	if win.UpdatesClaimed == 0 {
		win.UpdatesClaimed = other.UpdatesClaimed
	}
	return win
}

// FillUnknown fills what this rendering of an incident leaves unsaid from
// another record of the same incident: a feed states no impact, a list page
// no components, a history entry no stated start. What a page does not say
// is not a change; what it says differently is, and is kept. It reports
// whether it filled in anything that shows in the record's hash: when it
// did not, the incident hashes as it did before.
func (in *Incident) FillUnknown(other Incident) (filled bool) {
	if in.URL == "" {
		filled = filled || other.URL != ""
		in.URL = other.URL
	}
	if in.Impact == ImpactUnknown && in.ImpactRaw == "" {
		filled = filled || other.Impact != in.Impact || other.ImpactRaw != ""
		in.Impact, in.ImpactRaw = other.Impact, other.ImpactRaw
	}
	if in.Status == StatusUnknown && in.StatusRaw == "" {
		filled = filled || other.Status != in.Status || other.StatusRaw != ""
		in.Status, in.StatusRaw = other.Status, other.StatusRaw
	}
	if len(in.Components) == 0 {
		filled = filled || len(other.Components) > 0
		in.Components = other.Components
	}
	if in.Started.IsZero() {
		filled = filled || other.Started != in.Started
		in.Started = other.Started
	}
	if in.Resolved.IsZero() {
		filled = filled || other.Resolved != in.Resolved
		in.Resolved = other.Resolved
	}
	if in.ScheduledFor.IsZero() && in.ScheduledUntil.IsZero() {
		filled = filled || other.ScheduledFor != in.ScheduledFor || other.ScheduledUntil != in.ScheduledUntil
		in.ScheduledFor, in.ScheduledUntil = other.ScheduledFor, other.ScheduledUntil
	}
	// Updates the two renderings share (same instant, same status) keep the
	// components one of them names.
	if len(in.Updates) == len(other.Updates) {
		in.Updates = slices.Clone(in.Updates)
		for i := range in.Updates {
			u, o := &in.Updates[i], other.Updates[i]
			if len(u.Components) == 0 && u.At.At.Equal(o.At.At) && u.Status == o.Status {
				filled = filled || len(o.Components) > 0
				u.Components = o.Components
			}
		}
	}
	return filled
}
