package stats

import (
	"encoding/json"
	"errors"
	"math"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/parser"

	"github.com/statusarchive/statusarchive/fixtures/golden"
)

// handIncident builds an incident with stated started/resolved fields and
// one post firstPost after its start (a zero resolved leaves it open).
func handIncident(t testing.TB, source, id string, impact parser.Impact, started, resolved string, firstPost time.Duration) parser.Incident {
	s := at(t, started)
	in := parser.Incident{Source: source, ID: id, Kind: parser.KindIncident, Title: "incident " + id, Impact: impact,
		Started: parser.NewTime(s, "")}
	in.Updates = []parser.Update{{Status: parser.StatusInvestigating, At: parser.NewTime(s.Add(firstPost), ""), Body: "Investigating."}}
	if resolved == "" {
		in.Status = parser.StatusInvestigating
		return in
	}
	in.Status = parser.StatusResolved
	in.Resolved = parser.NewTime(at(t, resolved), "")
	in.Updates = append(in.Updates, parser.Update{Status: parser.StatusResolved, At: in.Resolved, Body: "Resolved."})
	return in
}

// handFixture is checked by hand in TestComputeHandChecked.
func handFixture(t testing.TB) []parser.Incident {
	maint := handIncident(t, "acme", "E", parser.ImpactMaintenance, "2026-02-07T00:00:00Z", "2026-02-07T04:00:00Z", 0)
	maint.Kind = parser.KindMaintenance
	single := parser.Incident{Source: "acme", ID: "G", Kind: parser.KindIncident, Title: "incident G", Impact: parser.ImpactMinor,
		Status: parser.StatusResolved, Updates: []parser.Update{{Status: parser.StatusResolved, At: parser.NewTime(at(t, "2026-02-10T12:00:00Z"), ""), Body: "Fixed."}}}
	undated := parser.Incident{Source: "acme", ID: "U", Kind: parser.KindIncident, Title: "incident U", Status: parser.StatusResolved, UpdatesClaimed: 3, Partial: true}
	beta := parser.Incident{Source: "beta", ID: "b1", Kind: parser.KindIncident, Title: "beta outage", Impact: parser.ImpactMajor, Status: parser.StatusResolved,
		Updates: []parser.Update{
			{Status: parser.StatusInvestigating, At: parser.NewTime(at(t, "2026-02-01T10:00:00Z"), ""), Body: "Investigating."},
			{Status: parser.StatusResolved, At: parser.NewTime(at(t, "2026-02-01T11:00:00Z"), ""), Body: "Resolved."},
		}}
	return []parser.Incident{
		handIncident(t, "acme", "A", parser.ImpactMajor, "2026-01-10T10:00:00Z", "2026-01-10T12:00:00Z", 15*time.Minute),
		handIncident(t, "acme", "B", parser.ImpactMinor, "2026-01-10T11:00:00Z", "2026-01-10T14:00:00Z", 30*time.Minute),
		handIncident(t, "acme", "C", parser.ImpactCritical, "2026-02-05T00:00:00Z", "2026-02-05T01:00:00Z", 5*time.Minute),
		handIncident(t, "acme", "D", parser.ImpactNone, "2026-02-06T00:00:00Z", "2026-02-06T00:30:00Z", 10*time.Minute),
		maint,
		handIncident(t, "acme", "F", parser.ImpactMajor, "2026-02-28T22:00:00Z", "", 20*time.Minute),
		single,
		handIncident(t, "acme", "H", parser.ImpactMajor, "2025-12-20T10:00:00Z", "2025-12-20T11:00:00Z", 0),
		undated,
		beta,
	}
}

func handOptions(t testing.TB) Options {
	return Options{
		Since: at(t, "2026-01-01T00:00:00Z"),
		Until: at(t, "2026-03-01T00:00:00Z"),
		Now:   at(t, "2026-03-01T00:00:00Z"),
		// The hand-checked figures run the open incident F to Now;
		// TestComputeOpenUntil checks the default, its last sighting.
		OpenUntil: OpenUntilNow,
		Weights: map[parser.Impact]float64{
			parser.ImpactCritical: 1, parser.ImpactMajor: 0.5, parser.ImpactMinor: 0.5, parser.ImpactNone: 0.1,
		},
		By: "month",
	}
}

// TestComputeHandChecked checks figures worked out by hand.
//
// Source acme, window 2026-01-01 to 2026-03-01: 59 days = 1416 h, so
// 59 / 30.4375 = 1.938398 months.
//
//	A major    Jan 10 10:00-12:00  2h    first post +15m
//	B minor    Jan 10 11:00-14:00  3h    first post +30m (overlaps A 11:00-12:00)
//	C critical Feb 05 00:00-01:00  1h    first post +5m
//	D none     Feb 06 00:00-00:30  30m   first post +10m
//	E maintenance Feb 07, 4h: counted apart
//	F major    Feb 28 22:00, open: runs to Now (Mar 1 00:00) = 2h, first post +20m
//	G minor    Feb 10, one update: counted, no duration
//	H major    Dec 20 2025: before the window (but sets coverage)
//	U          no time at all: undated
//
// Incidents A B C D F G = 6; per month 6 / 1.938398 = 3.095339.
// Downtime sum = 2 + 3 + 1 + 0.5 + 2 = 8.5h. Union: A∪B = 10:00-14:00 = 4h,
// + 1 + 0.5 + 2 = 7.5h.
// Unweighted: 100 × (1 − 7.5/1416) = 99.470339 %.
// Statuspage: Jan 10 10-12 max(1, 0.3) = 2h, 12-14 0.3 × 2h = 0.6h; C 1h;
// D 0; F 2h: 5.6h → 100 × (1 − 5.6/1416) = 99.604520 %.
// Custom (critical 1, major 0.5, minor 0.5, none 0.1): Jan 10 10-14 0.5 ×
// 4h = 2h; C 1h; D 0.05h; F 1h: 4.05h → 100 × (1 − 4.05/1416) = 99.713983 %.
// Time to resolve (A B C D; F open, G none): 0.5 1 2 3 h: mean 1.625h,
// median (1 + 2)/2 = 1.5h, p90 rank ceil(3.6) = 4 → 3h. Longest B, 3h.
// Impact to first post (A B C D F state a start): 15 30 5 10 20 m: mean
// 16m, median 15m, p90 rank ceil(4.5) = 5 → 30m.
// Months: 2026-01: 2 incidents, 5h; 2026-02: 4 incidents, 1 maintenance,
// 1 + 0.5 + 2 = 3.5h.
func TestComputeHandChecked(t *testing.T) {
	rep, err := Compute(slices.Values(handFixture(t)), handOptions(t))
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	if len(rep.Sources) != 2 || rep.Sources[0].Source != "acme" || rep.Sources[1].Source != "beta" {
		t.Fatalf("Compute sources = %v, want acme, beta", rep.Sources)
	}
	s := rep.Sources[0]
	ints := []struct {
		name      string
		got, want int
	}{
		{"incidents", s.Incidents, 6},
		{"maintenance", s.Maintenance, 1},
		{"open", s.Open, 1},
		{"undated", s.Undated, 1},
		{"unknown impact", s.UnknownImpact, 0},
		{"started-resolved", s.DurationSources[SourceStartedResolved], 5},
		{"none", s.DurationSources[SourceNone], 1},
		{"ttr n", s.TimeToResolve.N, 4},
		{"lag n", s.ImpactToFirstPost.N, 5},
	}
	for _, c := range ints {
		if c.got != c.want {
			t.Errorf("%s = %d, want %d", c.name, c.got, c.want)
		}
	}
	durations := []struct {
		name      string
		got, want time.Duration
	}{
		{"downtime", s.Downtime, 8*time.Hour + 30*time.Minute},
		{"downtime union", s.DowntimeUnion, 7*time.Hour + 30*time.Minute},
		{"ttr mean", s.TimeToResolve.Mean, time.Hour + 37*time.Minute + 30*time.Second},
		{"ttr median", s.TimeToResolve.Median, 90 * time.Minute},
		{"ttr p90", s.TimeToResolve.P90, 3 * time.Hour},
		{"lag mean", s.ImpactToFirstPost.Mean, 16 * time.Minute},
		{"lag median", s.ImpactToFirstPost.Median, 15 * time.Minute},
		{"lag p90", s.ImpactToFirstPost.P90, 30 * time.Minute},
	}
	for _, c := range durations {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	floats := []struct {
		name      string
		got, want float64
	}{
		{"months in window", s.MonthsInWindow, 1.938398},
		{"per month", s.PerMonth, 3.095339},
	}
	wantAvail := map[Method]float64{MethodUnweighted: 99.470339, MethodStatuspage: 99.604520, MethodCustom: 99.713983}
	if len(s.Availability) != len(wantAvail) {
		t.Errorf("availability methods = %v, want 3", s.Availability)
	}
	for _, a := range s.Availability {
		floats = append(floats, struct {
			name      string
			got, want float64
		}{"availability " + string(a.Method), a.Percent, wantAvail[a.Method]})
	}
	for _, c := range floats {
		if math.Abs(c.got-c.want) > 5e-6 {
			t.Errorf("%s = %.6f, want %.6f", c.name, c.got, c.want)
		}
	}
	if s.Longest == nil || s.Longest.ID != "B" || s.Longest.Duration != 3*time.Hour {
		t.Errorf("longest = %+v, want B, 3h", s.Longest)
	}
	wantMonths := []Month{
		{Month: "2026-01", Incidents: 2, Downtime: 5 * time.Hour},
		{Month: "2026-02", Incidents: 4, Maintenance: 1, Downtime: 3*time.Hour + 30*time.Minute},
	}
	if !slices.Equal(s.Months, wantMonths) {
		t.Errorf("months = %+v, want %+v", s.Months, wantMonths)
	}
	if !s.Coverage.WindowCovered {
		t.Errorf("acme coverage = %+v, want covered (H is older than the window)", s.Coverage)
	}
	if b := rep.Sources[1]; b.Coverage.WindowCovered || b.Coverage.Note == "" {
		t.Errorf("beta coverage = %+v, want not covered with a note", b.Coverage)
	}

	got, err := json.MarshalIndent(rep, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	golden.Check(t, filepath.Join("testdata", "hand-report.json"), append(got, '\n'))
}

func TestComputeOptions(t *testing.T) {
	in := handFixture(t)
	base := handOptions(t)
	tests := []struct {
		name    string
		edit    func(*Options)
		wantErr bool
		check   func(t *testing.T, rep Report)
	}{
		{name: "custom without weights", edit: func(o *Options) { o.Method, o.Weights = MethodCustom, nil }, wantErr: true},
		{name: "weight out of range", edit: func(o *Options) { o.Weights = map[parser.Impact]float64{parser.ImpactMajor: 1.5} }, wantErr: true},
		{name: "unknown method", edit: func(o *Options) { o.Method = "uptime" }, wantErr: true},
		{name: "until before since", edit: func(o *Options) { o.Until = o.Since.Add(-time.Hour) }, wantErr: true},
		{name: "by week", edit: func(o *Options) { o.By = "week" }, wantErr: true},
		{
			name: "one method", edit: func(o *Options) { o.Method = MethodStatuspage },
			check: func(t *testing.T, rep Report) {
				if a := rep.Sources[0].Availability; len(a) != 1 || a[0].Method != MethodStatuspage {
					t.Errorf("availability = %+v, want statuspage only", a)
				}
			},
		},
		{
			// Without Now, the open incident F adds no downtime: 8.5h - 2h.
			name: "no now", edit: func(o *Options) { o.Now = time.Time{} },
			check: func(t *testing.T, rep Report) {
				if s := rep.Sources[0]; s.Downtime != 6*time.Hour+30*time.Minute || s.Open != 1 {
					t.Errorf("downtime = %v open = %d, want 6h30m, 1", s.Downtime, s.Open)
				}
			},
		},
		{
			// Until before Now cuts the open incident F (from Feb 28 22:00)
			// at Until: 1h instead of 2h.
			name: "open incident cut at until", edit: func(o *Options) { o.Until = at(t, "2026-02-28T23:00:00Z") },
			check: func(t *testing.T, rep Report) {
				if s := rep.Sources[0]; s.Downtime != 7*time.Hour+30*time.Minute {
					t.Errorf("downtime = %v, want 7h30m", s.Downtime)
				}
			},
		},
		{
			name: "stated complete history decides coverage", edit: func(o *Options) {
				o.CompleteSince = map[string]time.Time{"beta": at(t, "2025-06-01T00:00:00Z"), "acme": at(t, "2026-02-01T00:00:00Z")}
			},
			check: func(t *testing.T, rep Report) {
				if a, b := rep.Sources[0].Coverage, rep.Sources[1].Coverage; a.WindowCovered || !b.WindowCovered {
					t.Errorf("coverage acme %+v beta %+v, want acme not covered, beta covered", a, b)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := base
			tt.edit(&opts)
			rep, err := Compute(slices.Values(in), opts)
			if tt.wantErr {
				if !errors.Is(err, ErrBadOptions) {
					t.Fatalf("Compute error = %v, want ErrBadOptions", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("Compute: %v", err)
			}
			tt.check(t, rep)
		})
	}
}

func TestWeightedUnion(t *testing.T) {
	t0 := at(t, "2026-01-01T00:00:00Z")
	h := func(n float64) time.Time { return t0.Add(time.Duration(n * float64(time.Hour))) }
	tests := []struct {
		name string
		ivs  []interval
		want time.Duration
	}{
		{"empty", nil, 0},
		{"disjoint", []interval{{h(0), h(1), 1}, {h(2), h(3), 1}}, 2 * time.Hour},
		{"nested", []interval{{h(0), h(4), 1}, {h(1), h(2), 1}}, 4 * time.Hour},
		{"touching", []interval{{h(0), h(1), 1}, {h(1), h(2), 1}}, 2 * time.Hour},
		{"identical", []interval{{h(0), h(1), 1}, {h(0), h(1), 1}}, time.Hour},
		{"heavier wins inside lighter", []interval{{h(0), h(4), 0.5}, {h(1), h(2), 1}}, 2*time.Hour + 30*time.Minute},
		{"zero weight", []interval{{h(0), h(4), 0}}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := weightedUnion(tt.ivs); got != tt.want {
				t.Errorf("weightedUnion = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestComputeUntilNewest: with neither Until nor Now the window ends at the
// newest post and includes it, so the incident posted last is counted, in
// its month.
func TestComputeUntilNewest(t *testing.T) {
	older := handIncident(t, "acme", "A", parser.ImpactMajor, "2026-01-10T10:00:00Z", "2026-01-10T12:00:00Z", 0)
	last := parser.Incident{Source: "acme", ID: "Z", Kind: parser.KindIncident, Title: "incident Z", Impact: parser.ImpactMinor,
		Status: parser.StatusResolved, Updates: []parser.Update{{Status: parser.StatusResolved, At: parser.NewTime(at(t, "2026-02-01T00:00:00Z"), ""), Body: "Fixed."}}}
	rep, err := Compute(slices.Values([]parser.Incident{older, last}), Options{By: "month"})
	if err != nil {
		t.Fatalf("Compute: %v", err)
	}
	s := rep.Sources[0]
	if !s.Until.Equal(at(t, "2026-02-01T00:00:00Z")) {
		t.Errorf("until = %v, want the newest post 2026-02-01T00:00:00Z", s.Until)
	}
	if s.Incidents != 2 {
		t.Errorf("incidents = %d, want 2 (the one at the newest post included)", s.Incidents)
	}
	var months []string
	for _, m := range s.Months {
		months = append(months, m.Month)
	}
	if want := []string{"2026-01", "2026-02"}; !slices.Equal(months, want) || s.Months[1].Incidents != 1 {
		t.Errorf("months = %v (%+v), want %v with one incident in 2026-02", months, s.Months, want)
	}
}

// TestComputeOpenUntil: an unresolved incident counts until the archive
// last saw it open, not until now. The demo's case: an incident last seen
// open months before the report's now added 5,817 h of downtime and showed
// 52.8 % availability.
func TestComputeOpenUntil(t *testing.T) {
	open := handIncident(t, "acme", "F", parser.ImpactMajor, "2026-01-10T10:00:00Z", "", 20*time.Minute)
	done := handIncident(t, "acme", "A", parser.ImpactMajor, "2026-01-05T10:00:00Z", "2026-01-05T12:00:00Z", 15*time.Minute)
	lastSeen := at(t, "2026-01-10T16:00:00Z")
	obs := []Observed{{Incident: done, LastSeen: at(t, "2026-01-06T00:00:00Z")}, {Incident: open, LastSeen: lastSeen}}
	now := at(t, "2026-09-01T00:00:00Z")
	base := Options{Since: at(t, "2026-01-01T00:00:00Z"), Now: now}
	tests := []struct {
		name         string
		obs          []Observed
		edit         func(*Options)
		wantOpenUtil OpenUntil
		wantDowntime time.Duration
		wantOpen     time.Duration
	}{
		{name: "default: last seen", obs: obs, wantOpenUtil: OpenUntilLastSeen, wantDowntime: 2*time.Hour + 6*time.Hour, wantOpen: 6 * time.Hour},
		{name: "last seen, named", obs: obs, edit: func(o *Options) { o.OpenUntil = OpenUntilLastSeen }, wantOpenUtil: OpenUntilLastSeen,
			wantDowntime: 8 * time.Hour, wantOpen: 6 * time.Hour},
		{name: "now", obs: obs, edit: func(o *Options) { o.OpenUntil = OpenUntilNow }, wantOpenUtil: OpenUntilNow,
			wantDowntime: 2*time.Hour + now.Sub(at(t, "2026-01-10T10:00:00Z")), wantOpen: now.Sub(at(t, "2026-01-10T10:00:00Z"))},
		{name: "last seen after the window's end is cut there", obs: obs, edit: func(o *Options) { o.Until = at(t, "2026-01-10T13:00:00Z") },
			wantOpenUtil: OpenUntilLastSeen, wantDowntime: 5 * time.Hour, wantOpen: 3 * time.Hour},
		{name: "sighting unknown: the latest post", obs: []Observed{{Incident: done}, {Incident: open}}, wantOpenUtil: OpenUntilLastSeen,
			wantDowntime: 2*time.Hour + 20*time.Minute, wantOpen: 20 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := base
			if tt.edit != nil {
				tt.edit(&opts)
			}
			rep, err := ComputeObserved(slices.Values(tt.obs), opts)
			if err != nil {
				t.Fatal(err)
			}
			s := rep.Sources[0]
			if rep.OpenUntil != tt.wantOpenUtil || s.Downtime != tt.wantDowntime || s.OpenDowntime != tt.wantOpen || s.Open != 1 {
				t.Errorf("open until %q, downtime %v, of it open %v, open %d; want %q, %v, %v, 1",
					rep.OpenUntil, s.Downtime, s.OpenDowntime, s.Open, tt.wantOpenUtil, tt.wantDowntime, tt.wantOpen)
			}
		})
	}
	if _, err := ComputeObserved(slices.Values(obs), Options{OpenUntil: "forever"}); !errors.Is(err, ErrBadOptions) {
		t.Errorf("OpenUntil forever: error %v, want ErrBadOptions", err)
	}
}
