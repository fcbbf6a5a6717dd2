package diff

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/parser"
)

// t0 is the start of the incidents used in these tests.
var t0 = time.Date(2026, 6, 22, 12, 0, 0, 0, time.UTC)

func upd(minutes int, status parser.Status, body string) parser.Update {
	at := t0.Add(time.Duration(minutes) * time.Minute)
	return parser.Update{Status: status, StatusRaw: string(status), At: parser.NewTime(at, at.Format("Jan 2, 15:04 MST")), Body: body}
}

func incident(updates ...parser.Update) parser.Incident {
	return parser.Incident{
		Source: "acme", ID: "inc-1", Kind: parser.KindIncident, Title: "Elevated API errors",
		Impact: parser.ImpactMajor, Status: parser.StatusInvestigating, Updates: updates,
	}
}

// summary is one line per update change: kind, indexes, moved and the
// unified body diff; enough to compare matcher results in a table.
func summary(changes []UpdateChange) []string {
	var out []string
	for _, c := range changes {
		s := fmt.Sprintf("%s %d", c.Kind, c.Index)
		if c.Moved != 0 {
			s += " " + shift(c.Moved)
		}
		if c.From != nil && c.To != nil && c.From.Status != c.To.Status {
			s += fmt.Sprintf(" %s>%s", c.From.Status, c.To.Status)
		}
		if len(c.BodyDiff) > 0 {
			s += ": " + Unified(c.BodyDiff, -1)
		}
		out = append(out, s)
	}
	return out
}

func TestIncidentsUpdateMatching(t *testing.T) {
	inv := upd(0, parser.StatusInvestigating, "We are investigating elevated error rates on the API.")
	idf := upd(30, parser.StatusIdentified, "The issue has been identified and a fix is being rolled out.")
	mon := upd(60, parser.StatusMonitoring, "A fix has been deployed. We are monitoring the results.")
	res := upd(90, parser.StatusResolved, "This incident has been resolved.")
	with := func(u parser.Update, f func(*parser.Update)) parser.Update { f(&u); return u }
	tests := []struct {
		name     string
		from, to []parser.Update
		want     []string
	}{
		{"same updates", []parser.Update{inv, idf}, []parser.Update{inv, idf}, nil},
		{"reordered updates are no change", []parser.Update{inv, idf, mon}, []parser.Update{mon, inv, idf}, nil},
		{"white space only is no change",
			[]parser.Update{inv},
			[]parser.Update{with(inv, func(u *parser.Update) { u.Body = "  We are investigating\n elevated   error rates on the API. " })},
			nil},
		{"invisible characters are no change",
			[]parser.Update{inv},
			[]parser.Update{with(inv, func(u *parser.Update) { u.Body = "\ufeffWe are investigating elevated error\u200b rates on the API." })},
			nil},
		{"update added", []parser.Update{inv}, []parser.Update{inv, idf}, []string{"added 1"}},
		{"update removed", []parser.Update{inv, idf, mon}, []parser.Update{inv, mon}, []string{"removed 1"}},
		{"body edited is one edit, not remove and add",
			[]parser.Update{inv, idf},
			[]parser.Update{inv, with(idf, func(u *parser.Update) { u.Body = "The cause has been identified and a fix is being rolled out." })},
			[]string{"edited 1: The [-issue-]{+cause+} has been identified and a fix is being rolled out."}},
		{"body rewritten entirely at the same time and status is an edit",
			[]parser.Update{inv},
			[]parser.Update{with(inv, func(u *parser.Update) { u.Body = "Something else." })},
			[]string{"edited 0: [-We are investigating elevated error rates on the API.-]{+Something else.+}"}},
		{"time moved by 2h",
			[]parser.Update{inv, idf},
			[]parser.Update{inv, with(idf, func(u *parser.Update) { u.At = parser.NewTime(idf.At.At.Add(2*time.Hour), "") })},
			[]string{"moved 1 +2h"}},
		{"time moved back and body edited",
			[]parser.Update{inv, idf, mon},
			[]parser.Update{inv, idf, with(mon, func(u *parser.Update) {
				u.At = parser.NewTime(mon.At.At.Add(-45*time.Minute), "")
				u.Body = "A fix has been deployed. We are monitoring the results closely."
			})},
			[]string{"moved 1 -45m: A fix has been deployed. We are monitoring the [-results.-]{+results closely.+}"}},
		{"status changed at the same time",
			[]parser.Update{inv, idf},
			[]parser.Update{inv, with(idf, func(u *parser.Update) { u.Status, u.StatusRaw = parser.StatusMonitoring, "Monitoring" })},
			[]string{"restatused 1 identified>monitoring"}},
		{"dissimilar body at another time is remove and add",
			[]parser.Update{inv, idf},
			[]parser.Update{inv, upd(40, parser.StatusIdentified, "Root cause: a bad deploy of the billing service.")},
			[]string{"removed 1", "added 1"}},
		{"the nearest of equally alike updates is the one moved",
			[]parser.Update{upd(0, parser.StatusUpdate, "We are continuing to monitor."), upd(60, parser.StatusUpdate, "We are continuing to monitor.")},
			[]parser.Update{upd(0, parser.StatusUpdate, "We are continuing to monitor."), upd(70, parser.StatusUpdate, "We are continuing to monitor.")},
			[]string{"moved 1 +10m"}},
		{"the most alike update wins over a nearer one",
			[]parser.Update{upd(0, parser.StatusUpdate, "Database failover completed, replication catching up now."),
				upd(100, parser.StatusUpdate, "Database failover started, replication catching up soon.")},
			[]parser.Update{upd(90, parser.StatusUpdate, "Database failover completed, replication catching up now and then.")},
			[]string{"moved 0 +1h30m: Database failover completed, replication catching up [-now.-]{+now and then.+}", "removed 1"}},
		{"two edits at one instant pair by likeness",
			[]parser.Update{upd(0, parser.StatusUpdate, "EU customers see slow page loads."), upd(0, parser.StatusUpdate, "US customers can log in again.")},
			[]parser.Update{upd(0, parser.StatusUpdate, "US customers can log in again now."), upd(0, parser.StatusUpdate, "EU customers see slow page loads today.")},
			[]string{"edited 0: US customers can log in [-again.-]{+again now.+}", "edited 1: EU customers see slow page [-loads.-]{+loads today.+}"}},
		{"empty bodies of other statuses do not match",
			[]parser.Update{upd(0, parser.StatusInvestigating, "")},
			[]parser.Update{upd(10, parser.StatusResolved, "")},
			[]string{"removed 0", "added 0"}},
		{"postmortem added late", []parser.Update{inv, res}, []parser.Update{inv, res, upd(3*24*60, parser.StatusPostmortem, "Root cause analysis ...")}, []string{"added 2"}},
		{"components of an update changed",
			[]parser.Update{inv},
			[]parser.Update{with(inv, func(u *parser.Update) { u.Components = []string{"API"} })},
			[]string{"edited 0"}},
		{"duplicate updates counted", []parser.Update{inv, inv}, []parser.Update{inv}, []string{"removed 1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Incidents(incident(tt.from...), incident(tt.to...))
			if got := summary(d.Updates); !slices.Equal(got, tt.want) {
				t.Errorf("update changes:\n got %q\nwant %q", got, tt.want)
			}
			if len(d.Fields) > 0 || !d.Components.empty() {
				t.Errorf("fields or components changed: %+v", d)
			}
		})
	}
}

func TestIncidentsFields(t *testing.T) {
	base := incident(upd(0, parser.StatusInvestigating, "Investigating."))
	base.URL = "https://status.acme.example/incidents/1"
	base.Components = []parser.Component{{Name: "API", Status: "major_outage"}, {Name: "Dashboard", Status: "degraded_performance"}}
	base.Started = parser.NewTime(t0, "")
	tests := []struct {
		name   string
		change func(*parser.Incident)
		want   []string
	}{
		{"nothing", func(*parser.Incident) {}, nil},
		{"title re-spaced", func(in *parser.Incident) { in.Title = " Elevated  API\terrors " }, nil},
		{"tracking parameter on the URL", func(in *parser.Incident) { in.URL += "?utm_source=x#top" }, nil},
		{"component order", func(in *parser.Incident) { slices.Reverse(in.Components) }, nil},
		{"update time text only", func(in *parser.Incident) { in.Updates[0].At.Text = "other text" }, nil},
		{"title", func(in *parser.Incident) { in.Title = "Elevated API latency" },
			[]string{"title Elevated API errors → Elevated API latency"}},
		{"impact downgraded", func(in *parser.Incident) { in.Impact = parser.ImpactMinor },
			[]string{"impact major → minor"}},
		// The same impact in other words ("Major", "Major outage") is how a
		// page labels it, not a change.
		{"impact wording only", func(in *parser.Incident) { base.ImpactRaw = "Major"; in.ImpactRaw = "Major outage" }, nil},
		{"status and kind", func(in *parser.Incident) { in.Status = parser.StatusResolved; in.Kind = parser.KindMaintenance },
			[]string{"kind incident → maintenance", "status investigating → resolved"}},
		{"URL", func(in *parser.Incident) { in.URL = "https://status.acme.example/incidents/2" },
			[]string{"url https://status.acme.example/incidents/1 → https://status.acme.example/incidents/2"}},
		{"start moved and resolved set", func(in *parser.Incident) {
			in.Started = parser.NewTime(t0.Add(-2*time.Hour), "")
			in.Resolved = parser.NewTime(t0.Add(3*time.Hour), "")
		}, []string{"started 2026-06-22T12:00:00Z → 2026-06-22T10:00:00Z", "resolved  → 2026-06-22T15:00:00Z"}},
		{"maintenance window", func(in *parser.Incident) {
			in.ScheduledFor = parser.NewTime(t0, "")
			in.ScheduledUntil = parser.NewTime(t0.Add(time.Hour), "")
		}, []string{"scheduled_for  → 2026-06-22T12:00:00Z", "scheduled_until  → 2026-06-22T13:00:00Z"}},
		{"components added, removed, changed", func(in *parser.Incident) {
			in.Components = []parser.Component{{Name: "API", Status: "operational"}, {Name: "Webhooks", Status: "partial_outage"}}
		}, []string{"component+ Webhooks", "component- Dashboard", "component~ API major_outage → operational"}},
		{"component listed twice, second copy changed", func(in *parser.Incident) {
			in.Components = append(in.Components, parser.Component{Name: "API", Status: "major_outage"})
		}, []string{"component+ API"}},
		// A component's status beside an incident is the component's state
		// when the page was rendered, not the vendor's statement about the
		// incident: it makes no version, so no diff either.
		{"component status wording only", func(in *parser.Incident) { in.Components[1].StatusRaw = "Degraded" }, nil},
		{"component status now", func(in *parser.Incident) { in.Components[1].Status = "operational" }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from := base
			from.Components = slices.Clone(base.Components)
			from.Updates = slices.Clone(base.Updates)
			to := from
			to.Components = slices.Clone(from.Components)
			to.Updates = slices.Clone(from.Updates)
			tt.change(&to)
			from.ImpactRaw = base.ImpactRaw
			base.ImpactRaw = ""
			d := Incidents(from, to)
			var got []string
			for _, f := range d.Fields {
				got = append(got, fmt.Sprintf("%s %s → %s", f.Field, f.From, f.To))
			}
			for _, c := range d.Components.Added {
				got = append(got, "component+ "+c)
			}
			for _, c := range d.Components.Removed {
				got = append(got, "component- "+c)
			}
			for _, c := range d.Components.Changed {
				got = append(got, fmt.Sprintf("component~ %s %s → %s", c.Field, c.From, c.To))
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("changes:\n got %q\nwant %q", got, tt.want)
			}
			if len(d.Updates) > 0 {
				t.Errorf("updates changed: %q", summary(d.Updates))
			}
			if same := from.Hash() == to.Hash(); same != d.Empty() {
				t.Errorf("hashes equal = %v but Diff.Empty() = %v: %+v", same, d.Empty(), d)
			}
		})
	}
}

// TestIncidentsLarge bounds the matcher's cost on a long timeline whose
// every update changed.
func TestIncidentsLarge(t *testing.T) {
	var from, to []parser.Update
	for i := range 400 {
		body := fmt.Sprintf("Update number %d: we are still working on the issue affecting region %d. %s", i, i%7, strings.Repeat("More detail. ", 20))
		from = append(from, upd(i*10, parser.StatusUpdate, body))
		to = append(to, upd(i*10+5, parser.StatusUpdate, body+" Edited."))
	}
	start := time.Now()
	d := Incidents(incident(from...), incident(to...))
	elapsed := time.Since(start)
	moved := 0
	for _, c := range d.Updates {
		if c.Kind == UpdateMoved && c.Moved == 5*time.Minute {
			moved++
		}
	}
	if moved != 400 {
		t.Errorf("%d of 400 updates matched as moved by 5m, want 400", moved)
	}
	t.Logf("400 × 400 updates matched in %v", elapsed)
}

// fuzzUpdates turns fuzz text into updates, one per line: the line's first
// byte picks the time (in quarter hours) and the status, the rest is the
// body. Few times and statuses make collisions, which the matcher must
// handle.
func fuzzUpdates(s string) []parser.Update {
	statuses := []parser.Status{parser.StatusInvestigating, parser.StatusIdentified, parser.StatusUpdate}
	var out []parser.Update
	for line := range strings.SplitSeq(s, "\n") {
		if line == "" {
			continue
		}
		c := int(line[0])
		out = append(out, upd(15*(c%8), statuses[(c/8)%3], line[1:]))
	}
	return out
}

// FuzzIncidents checks the matcher's invariants on arbitrary timelines:
// every update is accounted for exactly once, kinds agree with what
// changed, a Diff is empty exactly when the hashes are equal, and the
// rendering is terminal-safe.
func FuzzIncidents(f *testing.F) {
	f.Add("\x00We are investigating.\n\x09Identified the cause.", "\x00We are investigating now.\n\x11Identified the cause.")
	f.Add("\x00a b c\n\x00a b c", "\x00a b c")
	f.Add("\x01x\n\x02y\n\x03z", "\x03z\n\x02y\n\x01x")
	f.Add("\x00ok\rFAKE \x1b[2J", "\x05ok\u202e FAKE")
	f.Fuzz(func(t *testing.T, older, newer string) {
		a, b := incident(fuzzUpdates(older)...), incident(fuzzUpdates(newer)...)
		if d := Incidents(a, a); !d.Empty() {
			t.Fatalf("Incidents(x, x) = %+v, want empty", d)
		}
		d := Incidents(a, b)
		if (a.Hash() == b.Hash()) != d.Empty() {
			t.Fatalf("hashes equal = %v, Diff empty = %v: %q", a.Hash() == b.Hash(), d.Empty(), summary(d.Updates))
		}
		added, removed := 0, 0
		for _, c := range d.Updates {
			switch c.Kind {
			case UpdateAdded:
				added++
				if c.From != nil || c.To == nil {
					t.Fatalf("added change with from %v, to %v", c.From, c.To)
				}
			case UpdateRemoved:
				removed++
				if c.From == nil || c.To != nil {
					t.Fatalf("removed change with from %v, to %v", c.From, c.To)
				}
			default:
				if c.From == nil || c.To == nil {
					t.Fatalf("%s change with from %v, to %v", c.Kind, c.From, c.To)
				}
				moved := !c.From.At.At.Equal(c.To.At.At)
				if moved != (c.Kind == UpdateMoved) || c.Moved != c.To.At.At.Sub(c.From.At.At) {
					t.Fatalf("%s change from %v to %v moved %v", c.Kind, c.From.At.At, c.To.At.At, c.Moved)
				}
				if !moved && (c.From.Status != c.To.Status) != (c.Kind == UpdateRestatused) {
					t.Fatalf("%s change from %s to %s", c.Kind, c.From.Status, c.To.Status)
				}
				if (len(c.BodyDiff) > 0) != (parser.NormaliseText(c.From.Body) != parser.NormaliseText(c.To.Body)) {
					t.Fatalf("%s change %q → %q has body diff %v", c.Kind, c.From.Body, c.To.Body, c.BodyDiff)
				}
			}
		}
		// Whatever is not removed from the older version is matched to
		// something not added in the newer one, and the other way round.
		if len(a.Updates)-removed != len(b.Updates)-added {
			t.Fatalf("%d updates, %d removed; %d updates, %d added: %q", len(a.Updates), removed, len(b.Updates), added, summary(d.Updates))
		}
		var text bytes.Buffer
		if err := WriteText(&text, d, Header{ID: "x"}); err != nil {
			t.Fatal(err)
		}
		if bad := rawControl(text.String()); bad != "" {
			t.Fatalf("WriteText output holds %s: %q", bad, text.String())
		}
	})
}
