package diff

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/parser"
)

func TestWriteText(t *testing.T) {
	inv := upd(0, parser.StatusInvestigating, "Looking into it.")
	restatused := inv
	restatused.Status, restatused.StatusRaw = parser.StatusIdentified, "Found it"
	tests := []struct {
		name string
		d    Diff
		h    Header
		want []string // lines, in order
	}{
		{"no change", Diff{}, Header{Source: "acme", ID: "1", Title: "Outage"},
			[]string{`incident acme/1 "Outage"`, "no changes"}},
		{"versions and origin", Diff{Fields: []FieldChange{{FieldStatus, "investigating", "resolved"}}},
			Header{ID: "1", FromVersion: 2, ToVersion: 3, FromSeen: t0, ToSeen: t0.Add(time.Hour), Origin: OriginParser},
			[]string{"incident 1",
				"v2 (seen 2026-06-22 12:00 UTC) → v3 (seen 2026-06-22 13:00 UTC), changed by our parser (re-parse), not by the vendor",
				"~ status investigating → resolved"}},
		{"first version", Diff{}, Header{ID: "1", ToVersion: 1, ToSeen: t0, Origin: OriginVendor},
			[]string{"incident 1", "v1 (seen 2026-06-22 12:00 UTC), first version", "no changes"}},
		{"times set, cleared, moved", Diff{Fields: []FieldChange{
			{FieldResolved, "", "2026-06-22T13:00:00Z"},
			{FieldScheduledFor, "2026-06-22T13:00:00Z", ""},
			{FieldStarted, "2026-06-22T13:00:00Z", "2026-06-23T14:30:00Z"},
		}}, Header{ID: "1"}, []string{"incident 1",
			"+ resolved 2026-06-22 13:00 UTC",
			"- scheduled_for (was 2026-06-22 13:00 UTC)",
			"~ started 2026-06-22 13:00 UTC → 2026-06-23 14:30 UTC (+1d1h30m)"}},
		{"impact from unknown, title to empty", Diff{Fields: []FieldChange{{FieldImpact, "", "minor"}, {FieldTitle, "Old", ""}}},
			Header{ID: "1"}, []string{"incident 1", "~ impact (none) → minor", `~ title "Old" → (none)`}},
		{"restatused with a new label", Diff{Updates: []UpdateChange{{Kind: UpdateRestatused, At: inv.At.At, From: &inv, To: &restatused}}},
			Header{ID: "1"}, []string{"incident 1",
				"~ update 2026-06-22 12:00 UTC identified: status investigating → identified",
				`    status label "investigating" → "Found it"`}},
		{"hostile header", Diff{}, Header{Source: "a\x1b[2J", ID: "1\r2", Title: "t\u202e\nx"},
			[]string{`incident a\x1b[2J/1\x0d2 "t\u202e x"`, "no changes"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteText(&b, tt.d, tt.h); err != nil {
				t.Fatal(err)
			}
			got := strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Errorf("WriteText:\n got %q\nwant %q", got, tt.want)
			}
		})
	}
}

func TestShift(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "+0s"},
		{2 * time.Hour, "+2h"},
		{-45 * time.Minute, "-45m"},
		{26*time.Hour + 30*time.Second, "+1d2h30s"},
		{1500 * time.Millisecond, "+1s500ms"},
	}
	for _, tt := range tests {
		if got := shift(tt.d); got != tt.want {
			t.Errorf("shift(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
