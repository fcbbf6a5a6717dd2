package diff

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/parser"
)

func TestClassify(t *testing.T) {
	base := incident(upd(0, parser.StatusInvestigating, "We are investigating."))
	base.Components = []parser.Component{{Name: "API", Status: "major_outage"}}
	edit := func(f func(*parser.Incident)) parser.Incident {
		in := clone(base)
		f(&in)
		return in
	}
	posted := edit(func(in *parser.Incident) {
		in.Updates = append(in.Updates, upd(30, parser.StatusMonitoring, "A fix is out."))
		in.Status = parser.StatusMonitoring
	})
	resolved := edit(func(in *parser.Incident) {
		in.Updates = append(in.Updates, upd(30, parser.StatusResolved, "Resolved."))
		in.Status = parser.StatusResolved
		in.Resolved = parser.NewTime(t0.Add(30*time.Minute), "")
		in.Components[0].Status = "operational"
	})
	postedAndDowngraded := edit(func(in *parser.Incident) {
		in.Updates = append(in.Updates, upd(30, parser.StatusMonitoring, "A fix is out."))
		in.Impact = parser.ImpactMinor
	})
	postedAndComponentAdded := edit(func(in *parser.Incident) {
		in.Updates = append(in.Updates, upd(30, parser.StatusMonitoring, "A fix is out."))
		in.Components = append(in.Components, parser.Component{Name: "Dashboard"})
	})
	resolvedMoved := edit(func(in *parser.Incident) {
		in.Resolved = parser.NewTime(t0.Add(time.Hour), "")
	})
	reworded := edit(func(in *parser.Incident) { in.Updates[0].Body = "We are looking into it." })
	respaced := edit(func(in *parser.Incident) { in.Title = "  Elevated API\n errors" })
	resolvedLater := clone(resolved)
	resolvedLater.Resolved = parser.NewTime(t0.Add(2*time.Hour), "")

	tests := []struct {
		name                 string
		prev                 *parser.Incident
		cur                  parser.Incident
		deleted, prevDeleted bool
		origin               string
		want                 ChangeKind
		wantDiff             bool
	}{
		{"first version", nil, base, false, false, OriginVendor, ChangeNewIncident, false},
		{"first version found by a re-parse", nil, base, false, false, OriginParser, ChangeNewIncident, false},
		{"tombstone", &base, base, true, false, OriginVendor, ChangeDeleted, false},
		{"back after a tombstone, unchanged", &base, base, false, true, OriginVendor, ChangeRestored, false},
		{"back after a tombstone, edited", &base, reworded, false, true, OriginVendor, ChangeRestored, true},
		{"nothing changed", &base, base, false, false, OriginVendor, ChangeNone, false},
		{"only white space changed", &base, respaced, false, false, OriginVendor, ChangeNone, false},
		{"an update posted", &base, posted, false, false, OriginVendor, ChangeNewUpdate, true},
		{"resolved: update, status, resolution time, component status", &base, resolved, false, false, OriginVendor, ChangeNewUpdate, true},
		{"an update posted and the impact lowered", &base, postedAndDowngraded, false, false, OriginVendor, ChangeEdited, true},
		{"an update posted and a component added", &base, postedAndComponentAdded, false, false, OriginVendor, ChangeEdited, true},
		{"resolution time moved", &resolved, resolvedLater, false, false, OriginVendor, ChangeEdited, true},
		{"resolution time set without an update", &base, resolvedMoved, false, false, OriginVendor, ChangeEdited, true},
		{"an update reworded", &base, reworded, false, false, OriginVendor, ChangeEdited, true},
		{"a re-parse reads more", &base, posted, false, false, OriginParser, ChangeParserChange, true},
		{"a re-parse reads the same", &base, base, false, false, OriginParser, ChangeNone, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, d := Classify(tt.prev, tt.cur, tt.deleted, tt.prevDeleted, tt.origin)
			if got != tt.want {
				t.Errorf("Classify = %q, want %q (diff %+v)", got, tt.want, d)
			}
			if (d != nil) != tt.wantDiff {
				t.Errorf("Classify diff = %+v, want a diff: %v", d, tt.wantDiff)
			}
			if d != nil && d.Empty() {
				t.Errorf("Classify returned an empty non-nil diff")
			}
		})
	}
}

func TestWriteJSONEscapesTerminalRunes(t *testing.T) {
	titles := []string{
		"\u009b31m", "\u202etxt.exe", "\u2066x\u2069", "a\u2028b", "\ufeffstart", "tag\U000e0041", "\x1b]0;PWNED\x07", "Café ✓",
	}
	for _, title := range titles {
		var b bytes.Buffer
		c := Change{Source: "acme", ID: "1", Title: title, Kind: ChangeEdited}
		if err := WriteJSON(&b, c); err != nil {
			t.Fatal(err)
		}
		if bad := rawControl(b.String()); bad != "" {
			t.Errorf("WriteJSON(title %q) = %s, holds %s", title, b.String(), bad)
		}
		var back Change
		if err := json.Unmarshal(b.Bytes(), &back); err != nil {
			t.Fatalf("WriteJSON(title %q) does not decode: %v", title, err)
		}
		if back.Title != title {
			t.Errorf("WriteJSON(title %q) decodes to %q", title, back.Title)
		}
		if !strings.HasSuffix(b.String(), "}\n") {
			t.Errorf("WriteJSON output does not end in a newline: %q", b.String())
		}
	}
}
