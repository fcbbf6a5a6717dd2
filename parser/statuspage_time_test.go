package parser

import (
	"slices"
	"testing"
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
