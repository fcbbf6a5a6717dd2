package parser

import (
	"slices"
	"testing"
	"time"
)

// TestHomeStampGroupsAgree: wherever homeStampGroups reads a stamp, it
// reads the groups stampRE reads, over every combination of the pieces a
// home page stamp is made of and of pieces that are not (ordinals, years,
// seconds, dots, stray spaces, three-digit runs).
func TestHomeStampGroupsAgree(t *testing.T) {
	months := []string{"Jan", "jan", "JANUARY", "Sept", "Ja", "Septembers", "Jan.", "J4n", "Déc"}
	days := []string{" 1", " 12", " 123", " 12th", "12", " 1,"}
	seps := []string{", ", ",", " ", ", 2021 ", ", 2021 - ", ",  "}
	clocks := []string{"16:04", "4:04", "16:4", "16:045", "164:04", "16:04:05", "16:04pm", "1604"}
	tails := []string{"", " UTC", " am", " PM", " pm UTC", " am  x", " amx", " PMT", " am ", " ", "  UTC", " UTC+02:00", " \xff", " p.m. CET", "\n UTC", " UTC\n"}
	agreed, read := 0, 0
	for _, m := range months {
		for _, d := range days {
			for _, sep := range seps {
				for _, c := range clocks {
					for _, tail := range tails {
						s := m + d + sep + c + tail
						var g [8]string
						if !homeStampGroups(s, &g) {
							continue
						}
						read++
						want := stampRE.FindStringSubmatch(s)
						if want == nil {
							t.Errorf("homeStampGroups(%q) = %q, stampRE does not match", s, g)
							continue
						}
						if !slices.Equal(g[:], want) {
							t.Errorf("homeStampGroups(%q) = %q, stampRE reads %q", s, g, want)
							continue
						}
						agreed++
					}
				}
			}
		}
	}
	if read < 100 {
		t.Errorf("homeStampGroups read %d stamps, want at least 100", read)
	}
	t.Logf("%d stamps read, %d agreeing", read, agreed)
}

// inferYearRef is inferYear as first written, with a time.Date per year
// tried.
func inferYearRef(month time.Month, day int, ref time.Time, slack time.Duration) int {
	if ref.IsZero() {
		return 0
	}
	ref = ref.UTC()
	limit := ref.Add(slack)
	for y := ref.Year() + 1; y >= ref.Year()-8; y-- {
		d := time.Date(y, month, day, 0, 0, 0, 0, time.UTC)
		if d.Month() != month || d.Day() != day {
			continue
		}
		if !d.After(limit) {
			return y
		}
	}
	return ref.Year()
}

// TestInferYearAgrees: inferYear gives the reference's year for every
// month and day (and some that do not exist) against references around
// New Year, leap days and midnight, with and without slack.
func TestInferYearAgrees(t *testing.T) {
	refs := []time.Time{
		time.Date(2021, 1, 12, 0, 0, 0, 0, time.UTC), time.Date(2020, 12, 31, 23, 59, 59, 0, time.UTC),
		time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC), time.Date(2025, 3, 1, 0, 0, 0, 1, time.UTC),
		time.Date(2100, 2, 28, 0, 0, 0, 0, time.UTC), time.Date(2026, 7, 4, 1, 0, 0, 0, time.FixedZone("x", -5*3600)),
	}
	n := 0
	for _, ref := range refs {
		for _, slack := range []time.Duration{0, 24 * time.Hour, PostmortemSlack, -time.Hour} {
			for m := time.Month(0); m <= 13; m++ {
				for d := -1; d <= 32; d++ {
					if got, want := inferYear(m, d, ref, slack), inferYearRef(m, d, ref, slack); got != want {
						t.Errorf("inferYear(%v, %d, %v, %v) = %d, want %d", m, d, ref, slack, got, want)
					}
					n++
				}
			}
		}
	}
	if n < 1000 {
		t.Errorf("checked %d dates, want at least 1000", n)
	}
}
