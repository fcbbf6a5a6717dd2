package parser

import (
	"errors"
	"time"
)

var timeZero time.Time

func asParseError(err error, target **ParseError) bool { return errors.As(err, target) }

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
	if win.URL == "" {
		win.URL = other.URL
	}
	if win.Impact == ImpactUnknown {
		win.Impact, win.ImpactRaw = other.Impact, other.ImpactRaw
	}
	if win.Status == StatusUnknown {
		win.Status, win.StatusRaw = other.Status, other.StatusRaw
	}
	if len(win.Components) == 0 {
		win.Components = other.Components
	}
	if win.Started.IsZero() {
		win.Started = other.Started
	}
	if win.Resolved.IsZero() {
		win.Resolved = other.Resolved
	}
	if win.ScheduledFor.IsZero() {
		win.ScheduledFor, win.ScheduledUntil = other.ScheduledFor, other.ScheduledUntil
	}
	if win.UpdatesClaimed == 0 {
		win.UpdatesClaimed = other.UpdatesClaimed
	}
	return win
}
