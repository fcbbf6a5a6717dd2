package archive

import (
	"testing"

	"github.com/statusarchive/statusarchive/parser"
)

// TestWalkEndNeedsChain: only a walk that went from the start page through
// walked next links to the last list page shows every list page was seen.
// A swept page that leads past the known end of the history makes its next
// page walked, but that page's having no next does not end the walk: the
// run must not count as complete and infer deletions from it.
func TestWalkEndNeedsChain(t *testing.T) {
	list := func(ids []string, next string) *parser.Page {
		p := &parser.Page{}
		for _, id := range ids {
			p.Incidents = append(p.Incidents, parser.Incident{ID: id})
		}
		if next != "" {
			p.Follow = []parser.Follow{{URL: next, Reason: parser.FollowNext}}
		}
		return p
	}
	newCrawl := func() *Crawl {
		return &Crawl{
			asked:     map[string]parser.Follow{},
			inHistory: map[string]bool{},
			roles:     map[string]role{"p1": roleWalk | roleChain, "p7": roleSweep},
			known:     map[string]bool{"a": true, "b": true, "g": true},
			bf:        Backfill{History: []parser.Follow{{URL: "p2"}, {URL: "p7"}}},
		}
	}

	t.Run("swept page leads past the end", func(t *testing.T) {
		c := newCrawl()
		c.asked["p7"] = parser.Follow{URL: "p7"}
		// The start page shows nothing new: the walk stops there.
		c.follows("p1", false, false, list([]string{"a"}, "p2"))
		// The swept p7 now leads to p8, a page past the known end.
		out := c.follows("p7", false, false, list([]string{"g"}, "p8"))
		if len(out) != 1 || out[0].URL != "p8" {
			t.Fatalf("swept page follows %v, want p8, the new last page", out)
		}
		c.asked["p8"] = out[0]
		c.follows("p8", false, false, list([]string{"h"}, ""))
		if c.walkEnded {
			t.Error("walkEnded after a page a swept page led to, want it only at the end of the walk from the start page")
		}
	})

	t.Run("walk from the start page reaches the end", func(t *testing.T) {
		c := newCrawl()
		out := c.follows("p1", false, false, list([]string{"new1", "a"}, "p2"))
		if len(out) != 1 || out[0].URL != "p2" {
			t.Fatalf("start page with a new incident follows %v, want p2", out)
		}
		c.asked["p2"] = out[0]
		c.follows("p2", false, false, list([]string{"b"}, ""))
		if !c.walkEnded {
			t.Error("the walk from the start page reached the last page, want walkEnded")
		}
	})
}
