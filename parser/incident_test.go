package parser

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func sample() Incident {
	at := func(h int) Time {
		return NewTime(time.Date(2026, 6, 22, h, 0, 0, 0, time.UTC), "Jun 22, 2026")
	}
	return Incident{
		Source: "acme", ID: "abc", Kind: KindIncident, Title: "API errors", URL: "https://status.acme.test/incidents/abc",
		Impact: ImpactMajor, ImpactRaw: "major", Status: StatusResolved, StatusRaw: "resolved",
		Components: []Component{{Name: "API", Status: "major_outage"}, {Name: "Dashboard", Status: "operational"}},
		Updates: []Update{
			{Status: StatusInvestigating, StatusRaw: "investigating", At: at(14), Body: "We are investigating."},
			{Status: StatusInvestigating, StatusRaw: "investigating", At: at(15), Body: "Still on it."},
			{Status: StatusResolved, StatusRaw: "resolved", At: at(16), Body: "Resolved."},
		},
	}
}

func TestHashIgnoresRendering(t *testing.T) {
	base := sample().Hash()
	cases := []struct {
		name string
		edit func(in *Incident)
	}{
		{"white space", func(in *Incident) { in.Title = "  API \t errors\n"; in.Updates[0].Body = "We are\n\ninvestigating. " }},
		{"invisible characters", func(in *Incident) { in.Title = "API\u200b errors" }},
		{"update order", func(in *Incident) { in.Updates[0], in.Updates[2] = in.Updates[2], in.Updates[0] }},
		{"component order and status", func(in *Incident) {
			in.Components = []Component{{Name: "Dashboard"}, {Name: "API", Status: "operational"}}
		}},
		{"status label case", func(in *Incident) { in.Updates[0].StatusRaw = "Investigating"; in.ImpactRaw = "impact-major" }},
		{"free Update post for an unchanged state", func(in *Incident) {
			in.Updates[1].Status, in.Updates[1].StatusRaw = StatusUpdate, "Update"
		}},
		{"tracking parameters", func(in *Incident) { in.URL += "?utm_source=x#frag" }},
		{"time text", func(in *Incident) { in.Updates[0].At.Text = "2026-06-22T14:00:00Z" }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := sample()
			tc.edit(&in)
			if got := in.Hash(); got != base {
				t.Errorf("Hash changed under a re-rendering: %s, want %s", got, base)
			}
		})
	}
}

func TestHashIgnoresUnicodeForm(t *testing.T) {
	nfc, nfd, zw := sample(), sample(), sample()
	nfc.Title, nfd.Title, zw.Title = "Caf\u00e9 outage", "Cafe\u0301 outage", "Caf\u00e9\u200b outage"
	if nfc.Hash() != nfd.Hash() || nfc.Hash() != zw.Hash() {
		t.Errorf("NFC, NFD and zero-width variants of one title hash differently")
	}
}

func TestHashSeesChanges(t *testing.T) {
	base := sample().Hash()
	cases := []struct {
		name string
		edit func(in *Incident)
	}{
		{"title", func(in *Incident) { in.Title = "API errors in EU" }},
		{"impact downgraded", func(in *Incident) { in.Impact, in.ImpactRaw = ImpactMinor, "minor" }},
		{"body edited", func(in *Incident) { in.Updates[1].Body = "Still on it, with a fix." }},
		{"time moved", func(in *Incident) { in.Updates[0].At.At = in.Updates[0].At.At.Add(-2 * time.Hour) }},
		{"update removed", func(in *Incident) { in.Updates = in.Updates[1:] }},
		{"state relabelled", func(in *Incident) { in.Updates[1].Status, in.Updates[1].StatusRaw = StatusIdentified, "Identified" }},
		{"component added", func(in *Incident) { in.Components = append(in.Components, Component{Name: "Webhooks"}) }},
		{"kind", func(in *Incident) { in.Kind = KindMaintenance }},
		{"started stated", func(in *Incident) { in.Started = NewTime(time.Date(2026, 6, 22, 13, 35, 0, 0, time.UTC), "") }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			in := sample()
			tc.edit(&in)
			if in.Hash() == base {
				t.Errorf("Hash did not change")
			}
		})
	}
}

// An incident status we do not recognise is hashed by its word: a new word
// is a change, another rendering of the same word is not.
func TestHashSeesUnrecognisedStatus(t *testing.T) {
	word := func(raw string) string {
		in := sample()
		in.Status, in.StatusRaw = StatusUnknown, raw
		return in.Hash()
	}
	if word("Degraded") == word("Restoring") {
		t.Errorf("two unrecognised status words hash the same")
	}
	if word("Degraded") != word(" degraded ") {
		t.Errorf("one unrecognised status word in other case and spacing hashes differently")
	}
}

func TestFillUnknownKeepsWhatIsStated(t *testing.T) {
	old := sample()
	feed := sample()
	feed.Impact, feed.ImpactRaw, feed.Components = ImpactUnknown, "", nil
	for i := range feed.Updates {
		feed.Updates[i].Components = nil
	}
	feed.FillUnknown(old)
	if feed.Hash() != old.Hash() {
		t.Errorf("a rendering that leaves impact and components unsaid should equal the archived record once filled")
	}
	edited := sample()
	edited.Impact = ImpactMinor
	edited.FillUnknown(old)
	if edited.Impact != ImpactMinor {
		t.Errorf("FillUnknown overwrote a stated impact: %q", edited.Impact)
	}
}

func TestValidateStatedTimes(t *testing.T) {
	early := NewTime(time.Date(1990, 1, 1, 0, 0, 0, 0, time.UTC), "")
	local := Time{At: time.Date(2026, 6, 22, 12, 0, 0, 0, time.FixedZone("CEST", 2*3600))}
	cases := []struct {
		name string
		edit func(in *Incident)
		want string // the field the error names
	}{
		{"scheduled for out of range", func(in *Incident) { in.ScheduledFor = early }, "scheduled for"},
		{"scheduled until not in UTC", func(in *Incident) { in.ScheduledUntil = local }, "scheduled until"},
		// With every stated time wrong, the first in field order is named,
		// on every run.
		{"first of several", func(in *Incident) {
			in.Started, in.Resolved, in.ScheduledFor, in.ScheduledUntil = early, early, early, early
		}, "started"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for range 20 {
				in := sample()
				tc.edit(&in)
				err := in.Validate(time.Time{})
				if !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), ": "+tc.want+" ") {
					t.Fatalf("Validate = %v, want ErrInvalidRecord naming %q", err, tc.want)
				}
			}
		})
	}
}

// TestFillUnknownReportsWhatItFilled: whenever FillUnknown says it filled
// nothing, the incident hashes as before, for every combination of what
// the rendering and the other record leave unsaid; and what it fills from a
// record that states it is reported.
func TestFillUnknownReportsWhatItFilled(t *testing.T) {
	// Each blank leaves one thing FillUnknown may fill unsaid.
	blanks := []func(in *Incident){
		func(in *Incident) { in.URL = "" },
		func(in *Incident) { in.Impact, in.ImpactRaw = ImpactUnknown, "" },
		func(in *Incident) { in.Status, in.StatusRaw = StatusUnknown, "" },
		func(in *Incident) { in.Components = nil },
		func(in *Incident) { in.Started = Time{} },
		func(in *Incident) { in.Resolved = Time{} },
		func(in *Incident) { in.ScheduledFor, in.ScheduledUntil = Time{}, Time{} },
		func(in *Incident) {
			for i := range in.Updates {
				in.Updates[i].Components = nil
			}
		},
	}
	full := func() Incident {
		in := sample()
		in.Started = NewTime(time.Date(2026, 6, 22, 14, 0, 0, 0, time.UTC), "14:00 UTC")
		in.Resolved = NewTime(time.Date(2026, 6, 22, 16, 0, 0, 0, time.UTC), "16:00 UTC")
		in.ScheduledFor = NewTime(time.Date(2026, 6, 22, 13, 0, 0, 0, time.UTC), "13:00 UTC")
		in.Updates[0].Components = []string{"API"}
		return in
	}
	withBlanks := func(mask int) Incident {
		in := full()
		in.Updates = append([]Update(nil), in.Updates...)
		for i, blank := range blanks {
			if mask&(1<<i) != 0 {
				blank(&in)
			}
		}
		return in
	}
	for inMask := range 1 << len(blanks) {
		for otherMask := range 1 << len(blanks) {
			in, other := withBlanks(inMask), withBlanks(otherMask)
			before := in.Hash()
			filled := in.FillUnknown(other)
			if !filled && in.Hash() != before {
				t.Fatalf("rendering blanks %08b, other blanks %08b: FillUnknown reported nothing filled, but the hash changed", inMask, otherMask)
			}
			if filled != (inMask&^otherMask != 0) {
				t.Fatalf("rendering blanks %08b, other blanks %08b: FillUnknown reported filled = %v, want %v", inMask, otherMask, filled, !filled)
			}
		}
	}
}
