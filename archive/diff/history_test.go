package diff

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/parser"

	"github.com/statusarchive/statusarchive/fixtures/golden"
)

// step is one new version in a scripted history.
type step struct {
	name    string
	seen    time.Duration // after t0
	origin  string
	deleted bool
	edit    func(*parser.Incident)
	want    ChangeKind
}

// history is what a vendor did to one incident, version by version.
var history = []step{
	{"added", 5 * time.Minute, OriginVendor, false, func(in *parser.Incident) {
		*in = parser.Incident{
			Source: "acme", ID: "inc-1042", Kind: parser.KindIncident, Title: "Elevated API error rates",
			URL:    "https://status.acme.example/incidents/inc-1042",
			Impact: parser.ImpactMajor, ImpactRaw: "Major outage", Status: parser.StatusInvestigating, StatusRaw: "Investigating",
			Components: []parser.Component{{Name: "API", Status: "major_outage", StatusRaw: "Major Outage"}},
			Started:    parser.NewTime(t0, "Jun 22, 12:00 UTC"),
			Updates:    []parser.Update{upd(0, parser.StatusInvestigating, "We are investigating elevated error rates on the API.")},
		}
	}, ChangeNewIncident},
	{"update-added", 40 * time.Minute, OriginVendor, false, func(in *parser.Incident) {
		in.Status, in.StatusRaw = parser.StatusIdentified, "Identified"
		in.Updates = append(in.Updates, upd(35, parser.StatusIdentified, "The issue has been identified: a faulty cache node. A fix is being rolled out."))
	}, ChangeNewUpdate},
	{"impact-downgraded", 70 * time.Minute, OriginVendor, false, func(in *parser.Incident) {
		in.Impact, in.ImpactRaw = parser.ImpactMinor, "Minor"
	}, ChangeEdited},
	{"body-edited", 100 * time.Minute, OriginVendor, false, func(in *parser.Incident) {
		in.Updates[0].Body = "We are investigating elevated error rates on the API for a small number of customers."
	}, ChangeEdited},
	{"time-moved", 130 * time.Minute, OriginVendor, false, func(in *parser.Incident) {
		in.Started = parser.NewTime(t0.Add(-2*time.Hour), "Jun 22, 10:00 UTC")
		in.Updates[0].At = parser.NewTime(t0.Add(-2*time.Hour), "Jun 22, 10:00 UTC")
	}, ChangeEdited},
	{"resolved", 160 * time.Minute, OriginVendor, false, func(in *parser.Incident) {
		in.Status, in.StatusRaw = parser.StatusResolved, "Resolved"
		in.Resolved = parser.NewTime(t0.Add(150*time.Minute), "Jun 22, 14:30 UTC")
		in.Components[0].Status, in.Components[0].StatusRaw = "operational", "Operational"
		in.Updates = append(in.Updates, upd(150, parser.StatusResolved, "This incident has been resolved."))
	}, ChangeNewUpdate},
	{"postmortem-added", 74 * time.Hour, OriginVendor, false, func(in *parser.Incident) {
		in.Updates = append(in.Updates, upd(72*60, parser.StatusPostmortem,
			"A configuration change sent 40% of API traffic to a cache node that was being drained. "+
				"We have added a check that refuses such changes."))
	}, ChangeNewUpdate},
	{"deleted", 100 * time.Hour, OriginVendor, true, func(*parser.Incident) {}, ChangeDeleted},
	{"restored", 124 * time.Hour, OriginVendor, false, func(*parser.Incident) {}, ChangeRestored},
	{"reparsed", 130 * time.Hour, OriginParser, false, func(in *parser.Incident) {
		for i := range in.Updates {
			in.Updates[i].Components = []string{"API"}
		}
	}, ChangeParserChange},
}

// play runs the scripted history and returns the change each version makes.
func play(t *testing.T) []Change {
	t.Helper()
	var (
		changes     []Change
		cur         parser.Incident
		prev        *parser.Incident
		prevDeleted bool
		prevSeen    time.Time
	)
	for i, s := range history {
		next := clone(cur)
		s.edit(&next)
		kind, d := Classify(prev, next, s.deleted, prevDeleted, s.origin)
		if kind != s.want {
			t.Errorf("step %d %s: Classify = %q, want %q", i+1, s.name, kind, s.want)
		}
		c := Change{
			Source: next.Source, ID: next.ID, Title: next.Title, Kind: kind,
			Version: i + 1, PrevVersion: i, At: t0.Add(s.seen), Origin: s.origin, Diff: d,
		}
		if kind == ChangeNewIncident {
			first := clone(next)
			c.Incident = &first
		}
		if kind == ChangeDeleted {
			c.LastSeen = prevSeen
		}
		changes = append(changes, c)
		p := clone(next)
		prev, prevDeleted, cur, prevSeen = &p, s.deleted, next, t0.Add(s.seen)
	}
	return changes
}

func clone(in parser.Incident) parser.Incident {
	in.Components = slices.Clone(in.Components)
	in.Updates = slices.Clone(in.Updates)
	for i := range in.Updates {
		in.Updates[i].Components = slices.Clone(in.Updates[i].Components)
	}
	return in
}

// TestHistoryGolden pins each step's diff, as text and as JSON.
func TestHistoryGolden(t *testing.T) {
	changes := play(t)
	for i, c := range changes {
		name := fmt.Sprintf("history/%02d-%s", i+1, history[i].name)
		t.Run(name, func(t *testing.T) {
			var d Diff
			if c.Diff != nil {
				d = *c.Diff
			}
			// The text file holds what `statusarchive diff` shows for the
			// step, when it has a diff, then the step's report block.
			var text bytes.Buffer
			if c.Diff != nil {
				h := Header{Source: c.Source, ID: c.ID, Title: c.Title, FromVersion: c.PrevVersion, ToVersion: c.Version,
					FromSeen: t0.Add(history[max(i-1, 0)].seen), ToSeen: c.At, Origin: c.Origin}
				if err := WriteText(&text, d, h); err != nil {
					t.Fatal(err)
				}
				text.WriteString("\n")
			}
			if err := WriteReport(&text, []Change{c}, ReportOptions{}); err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", name+".txt"), text.Bytes())
			js, err := json.MarshalIndent(struct {
				Kind ChangeKind `json:"kind"`
				Diff *Diff      `json:"diff"`
			}{c.Kind, c.Diff}, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			golden.Check(t, filepath.Join("testdata", name+".json"), append(js, '\n'))
		})
	}
}

// TestHistoryContent checks the facts the golden files hold, so that a
// careless -update cannot bless a wrong diff.
func TestHistoryContent(t *testing.T) {
	changes := play(t)
	at := func(name string) Change {
		for i, s := range history {
			if s.name == name {
				return changes[i]
			}
		}
		t.Fatalf("no step %s", name)
		return Change{}
	}
	if d := at("impact-downgraded").Diff; d == nil || !slices.Equal(d.Fields, []FieldChange{{FieldImpact, "major", "minor"}}) || len(d.Updates) != 0 {
		t.Errorf("impact-downgraded diff = %+v, want impact major → minor only", d)
	}
	if d := at("body-edited").Diff; d == nil || len(d.Updates) != 1 || d.Updates[0].Kind != UpdateEdited ||
		Unified(d.Updates[0].BodyDiff, -1) != "We are investigating elevated error rates on the [-API.-]{+API for a small number of customers.+}" {
		t.Errorf("body-edited diff = %+v, want one edited update", d)
	}
	if d := at("time-moved").Diff; d == nil || len(d.Updates) != 1 || d.Updates[0].Kind != UpdateMoved || d.Updates[0].Moved != -2*time.Hour ||
		!slices.Equal(d.Fields, []FieldChange{{FieldStarted, "2026-06-22T12:00:00Z", "2026-06-22T10:00:00Z"}}) {
		t.Errorf("time-moved diff = %+v, want started and one update moved by -2h", d)
	}
	if d := at("restored").Diff; d != nil {
		t.Errorf("restored unchanged gives diff %+v, want nil", d)
	}
	if d := at("reparsed").Diff; d == nil || len(d.Updates) != 4 {
		t.Errorf("reparsed diff = %+v, want 4 updates edited", d)
	}
}

// TestReportGolden pins the changes report over the scripted history and
// two more incidents from other sources, one with hostile text.
func TestReportGolden(t *testing.T) {
	changes := play(t)
	other := incident(upd(24*60, parser.StatusInvestigating, "Logins fail for some users."))
	other.Source, other.ID, other.Title = "betaco", "b-7", "Login failures"
	changes = append(changes, Change{Source: "betaco", ID: "b-7", Title: other.Title, Kind: ChangeNewIncident,
		Version: 1, At: t0.Add(24*time.Hour + 3*time.Minute), Origin: OriginVendor, Incident: &other})
	hostile := incident(upd(30, parser.StatusInvestigating, "ok\rFAKE \x1b]8;;http://evil.example/\x07click\x1b]8;;\x07"))
	hostile.Title = "\x1b[2J\x1b[HDegraded \u202etxt.exe"
	hostileNext := clone(hostile)
	hostileNext.Updates[0].Body = "ok \x1b]0;PWNED\x07 now"
	kind, d := Classify(&hostile, hostileNext, false, false, OriginVendor)
	changes = append(changes, Change{Source: "acme", ID: "inc-\x9b1", Title: hostile.Title, Kind: kind,
		Version: 2, PrevVersion: 1, At: t0.Add(time.Hour), Origin: OriginVendor, Diff: d})

	opts := ReportOptions{Since: t0.Add(-24 * time.Hour)}
	var text bytes.Buffer
	if err := WriteReport(&text, changes, opts); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "report.txt"), text.Bytes())
	if bad := rawControl(text.String()); bad != "" {
		t.Errorf("report holds %s:\n%s", bad, text.String())
	}
	var js bytes.Buffer
	if err := WriteReportJSON(&js, changes, opts); err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "report.json"), js.Bytes())
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatalf("report JSON does not read back: %v", err)
	}
	if back.Count != len(changes) || len(back.Changes) != len(changes) {
		t.Errorf("report JSON holds %d changes (count %d), want %d", len(back.Changes), back.Count, len(changes))
	}
	// The order is the text report's: by source, then newest first.
	for i := 1; i < len(back.Changes); i++ {
		a, b := back.Changes[i-1], back.Changes[i]
		if a.Source > b.Source || (a.Source == b.Source && a.ID == b.ID && a.At.Before(b.At)) {
			t.Errorf("changes %d and %d out of order: %s/%s %v then %s/%s %v", i-1, i, a.Source, a.ID, a.At, b.Source, b.ID, b.At)
		}
	}
}

func TestWriteReportEmpty(t *testing.T) {
	tests := []struct {
		name string
		opts ReportOptions
		want string
	}{
		{"since the previous run", ReportOptions{}, "no changes since the previous run\n"},
		{"since a time", ReportOptions{Since: t0}, "no changes since 2026-06-22 12:00 UTC\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := WriteReport(&b, nil, tt.opts); err != nil {
				t.Fatal(err)
			}
			if b.String() != tt.want {
				t.Errorf("WriteReport(nil) = %q, want %q", b.String(), tt.want)
			}
			b.Reset()
			if err := WriteReportJSON(&b, nil, tt.opts); err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(b.String(), `"changes": []`) {
				t.Errorf("WriteReportJSON(nil) = %s, want an empty changes list", b.String())
			}
		})
	}
}

// failWriter fails every write.
type failWriter struct{}

func (failWriter) Write([]byte) (int, error) { return 0, os.ErrClosed }

func TestWritersReturnErrors(t *testing.T) {
	changes := play(t)
	if err := WriteReport(failWriter{}, changes, ReportOptions{}); err == nil {
		t.Error("WriteReport to a failing writer returned nil")
	}
	if err := WriteReportJSON(failWriter{}, changes, ReportOptions{}); err == nil {
		t.Error("WriteReportJSON to a failing writer returned nil")
	}
	if err := WriteText(failWriter{}, *changes[1].Diff, Header{ID: "x"}); err == nil {
		t.Error("WriteText to a failing writer returned nil")
	}
}
