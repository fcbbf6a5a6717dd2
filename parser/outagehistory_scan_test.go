package parser

import (
	"slices"
	"strings"
	"testing"

	"github.com/statusarchive/statusarchive/fixtures"
)

// TestOutageHistoryScansAgree: the scans that stand in for the item
// expressions (ohBullet, ohIsWord, ohMaybeStamp) answer as the expressions
// do, on every text block of every outage-history page of the fixtures and
// on texts made to sit at their edges.
func TestOutageHistoryScansAgree(t *testing.T) {
	texts := []string{
		"", "-", "- ", "-x", "• Resolved", "· 3", "— a", "– b", "12. x", "12) x", "12345. x", "1.", "*", "é",
		"investigating", "in progress", "a b c", "a b c d", "a  b", " a", "a ", "a_b-c", "_a", "a1", "Update-2 x",
		"Resolved · Jun 22, 2026, 02:03 PM UTC", "Jun 22, 2026, 02:03 PM UTC", "Jun 22 2026 02:03", "x, y", "x, y:", ":, ",
		"Resolved Jun 22, 2026, 14:03 UTC+02:00 tail", "resolved — Sept. 3, 2026 2:03 p.m. CET",
		"\u017ftarted: Jun 2, 2026", "STATUS: Resolved", "Detected by monitoring", "Impact", "x had 3 outages in the la\u017ft 2 years",
		"OUTAGES IN THE LAST", "outage in the lastly", "in the last",
		"Update timeline", "UPDATE TIMELINE:", "update  timeline", "Update timeline :", "Scheduled maintenance", "SCHEDULED", "Maintenance\u212a", "\u017fcheduled work", "unscheduled",
		"Ne-xt", "Older →", "« More incidents", "NEXT PAGE", "load  more", "mo\u00adre",
	}
	names, err := fixtures.Glob("outagehistory/*/*.html")
	if err != nil {
		t.Fatal(err)
	}
	more, err := fixtures.Glob("outagehistory/*/incidents/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range append(names, more...) {
		body, err := fixtures.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		w, err := ohBlocksOf(Document{Body: body, ContentType: "text/html"}.shared())
		if err != nil {
			t.Fatal(err)
		}
		for _, b := range w.blocks {
			texts = append(texts, b.text)
		}
	}
	for _, s := range texts {
		if got, want := ohBullet(s), ohBulletRE.FindStringIndex(s); !slices.Equal(got, want) {
			t.Errorf("ohBullet(%q) = %v, want %v", s, got, want)
		}
		if got, want := ohIsWord(s), ohWordRE.MatchString(s); got != want {
			t.Errorf("ohIsWord(%q) = %v, want %v", s, got, want)
		}
		if got, want := ohMaybeStamp(s, ohItemRE), ohItemRE.FindStringSubmatch(s); !slices.Equal(got, want) {
			t.Errorf("ohMaybeStamp(%q, ohItemRE) = %q, want %q", s, got, want)
		}
		if _, _, got := ohRow(s); got != (len(s) <= 256 && ohRowRE.MatchString(s)) {
			t.Errorf("ohRow(%q) ok = %v, ohRowRE says %v", s, got, !got)
		}
		if !ohHasFold(s, " in the last") && ohClaimRE.MatchString(s) {
			t.Errorf("ohHasFold(%q) false, but ohClaimRE matches", s)
		}
		if got, want := ohMaintenanceTitle(s), ohMaintenanceRE.MatchString(s); got != want {
			t.Errorf("ohMaintenanceTitle(%q) = %v, want %v", s, got, want)
		}
		if got, want := ohIsTimeline(s), len(s) < 32 && ohTimelineRE.MatchString(s); got != want {
			t.Errorf("ohIsTimeline(%q) = %v, want %v", s, got, want)
		}
		if !ohHasFold(s, "next") && !ohHasFold(s, "older") && !ohHasFold(s, "more") && ohNextTextRE.MatchString(ohLetters(s)) {
			t.Errorf("%q reads as a next link, but holds none of next, older, more", s)
		}
		if got, want := ohMaybeStamp(s, ohStampRE), ohStampRE.FindStringSubmatch(s); !slices.Equal(got, want) {
			t.Errorf("ohMaybeStamp(%q, ohStampRE) = %q, want %q", s, got, want)
		}
	}
	if len(texts) < 500 {
		t.Errorf("checked %d texts, want at least 500", len(texts))
	}
}

// TestOutageHistoryStampAgrees: wherever ohStampPrefix reads a stamp, its
// end and parts are what ohStampRE and ohStampPartsRE read, over every
// combination of the pieces the family's stamps are made of and of pieces
// that are not.
func TestOutageHistoryStampAgrees(t *testing.T) {
	months := []string{"Jun", "jun", "September", "Sept.", "Ju", "Septembers", "J1n"}
	days := []string{" 2", " 22", " 222", "22"}
	years := []string{", 2026", ", 226", ",2026", ", 20266"}
	seps := []string{", ", " ", ",", ",  "}
	clocks := []string{"02:03", "2:03", "14:03", "14:3", "14:034", "14:03:05", "114:03"}
	tails := []string{"", " ", "  ", " PM", " pm", " P", " A", " Pm UTC", " AM  UTC", " AMT", " p.m.", "PM", " Apr", " PST", " UTC", " utc",
		" UTC (2 hours ago)", " UTC+2", " ABCDEF", " ABCDE", " 5", " +0200", " -", " · 3 hours ago", " \xff"}
	read := 0
	for _, m := range months {
		for _, d := range days {
			for _, y := range years {
				for _, sep := range seps {
					for _, c := range clocks {
						for _, tail := range tails {
							s := m + d + y + sep + c + tail
							end, parts, ok := ohStampPrefix(s)
							if !ok {
								continue
							}
							read++
							if got, want := ohMaintenanceTitle(s), ohMaintenanceRE.MatchString(s); got != want {
								t.Errorf("ohMaintenanceTitle(%q) = %v, want %v", s, got, want)
							}
							if got, want := ohIsTimeline(s), len(s) < 32 && ohTimelineRE.MatchString(s); got != want {
								t.Errorf("ohIsTimeline(%q) = %v, want %v", s, got, want)
							}
							if !ohHasFold(s, "next") && !ohHasFold(s, "older") && !ohHasFold(s, "more") && ohNextTextRE.MatchString(ohLetters(s)) {
								t.Errorf("%q reads as a next link, but holds none of next, older, more", s)
							}
							if got, want := ohMaybeStamp(s, ohStampRE), ohStampRE.FindStringSubmatch(s); !slices.Equal(got, want) {
								t.Errorf("ohMaybeStamp(%q, ohStampRE) = %q, want %q", s, got, want)
							}
							if end == len(s) {
								if want := ohStampPartsRE.FindStringSubmatch(s); !slices.Equal(parts[:], want) {
									t.Errorf("ohStampPrefix(%q) parts = %q, ohStampPartsRE reads %q", s, parts, want)
								}
							}
						}
					}
				}
			}
		}
	}
	if read < 200 {
		t.Errorf("ohStampPrefix read %d stamps, want at least 200", read)
	}
}

// TestOutageHistoryLabel: ohLabel reads as ohLabelRE (behind ohMaybeLabel)
// every label-like text made of the pieces a label has and of pieces that
// are not one.
func TestOutageHistoryLabel(t *testing.T) {
	heads := []string{"Timeline", "TIMELINE", "timeline", "Timelines", "Title Timeline", "Timelin", "Timel\u0131ne"}
	seps := []string{"", " ", " · ", "·", " • ", ": ", " - ", " – ", " — ", " | ", " ·· ", "\t·\t", " / "}
	counts := []string{"3", "123456", "1234567", "", "3x", "03"}
	tails := []string{" updates", " update", " UPDATES", " update\u017f", "updates", "  updates", " updates.", " Update", " updatess"}
	n := 0
	for _, h := range heads {
		for _, sep := range seps {
			for _, c := range counts {
				for _, tail := range tails {
					s := h + sep + c + tail
					var want []string
					if ohMaybeLabel(s) {
						want = ohLabelRE.FindStringSubmatch(s)
					}
					if got := ohLabel(s); !slices.Equal(got, want) {
						t.Errorf("ohLabel(%q) = %q, want %q", s, got, want)
					}
					n++
				}
			}
		}
	}
	if n < 1000 {
		t.Errorf("checked %d texts, want at least 1000", n)
	}
}

// TestOutageHistoryItemScan: where ohItemScan is sure, it reads as
// ohItemRE, over texts made of words, separators, stamps and tails that
// sit at the expression's edges (hyphens, a month that reads as a word,
// words run into separators, stamps it does not read).
func TestOutageHistoryItemScan(t *testing.T) {
	words := []string{"resolved", "Resolved", "in progress", "in_progress", "a b c", "a b c d", "in-progress", "resolved Jun", "resolved  x", "2nd", "", "é"}
	seps := []string{" ", "  ", " · ", "·", ": ", " - ", "-", " — ", " | ", ",", "", " x "}
	stamps := []string{"Jun 22, 2026, 02:03 PM UTC", "Jun 22, 2026, 14:03", "Sept. 3, 2026 2:03 p.m. CET", "22, 2026", "Jun 22 2026 02:03", "Ju 22, 2026, 02:03"}
	tails := []string{"", " We are investigating.", " (2 hours ago)", "x"}
	sure := 0
	for _, w := range words {
		for _, sep := range seps {
			for _, st := range stamps {
				for _, tail := range tails {
					s := w + sep + st + tail
					m, ok := ohItemScan(s)
					if !ok {
						continue
					}
					sure++
					if want := ohItemRE.FindStringSubmatch(s); !slices.Equal(m, want) {
						t.Errorf("ohItemScan(%q) = %q, ohItemRE reads %q", s, m, want)
					}
				}
			}
		}
	}
	if sure < 300 {
		t.Errorf("ohItemScan was sure of %d texts, want at least 300", sure)
	}
}

// TestOhCollapseAgrees: ohCollapse folds as the replace, repair, split and
// join it is written as.
func TestOhCollapseAgrees(t *testing.T) {
	for _, s := range []string{"", " ", "a", " a  b\tc\n", "a\u00a0b\u2003 c\u0085", "\x00a", "a\xffb  c", "caf\u00e9 \u3000x ", "\n\nTimeline · 3 updates\n"} {
		want := strings.Join(strings.Fields(strings.ToValidUTF8(strings.ReplaceAll(s, "\x00", "\ufffd"), "\ufffd")), " ")
		if got := ohCollapse(s); got != want {
			t.Errorf("ohCollapse(%q) = %q, want %q", s, got, want)
		}
	}
}
