package parser

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t.UTC()
}

func TestLookupZone(t *testing.T) {
	tests := []struct {
		abbrev string
		want   string // IANA name, or "" for a fixed zone
		offset int    // for fixed zones, seconds east of UTC
	}{
		{"UTC", "UTC", 0},
		{"GMT", "UTC", 0},
		{"BST", "Europe/London", 0},
		{"cest", "Europe/Berlin", 0},
		{"(PST)", "America/Los_Angeles", 0},
		{"JST", "Asia/Tokyo", 0},
		{"KST", "Asia/Seoul", 0},
		{"IST", "Asia/Kolkata", 0},
		{"AEDT", "Australia/Sydney", 0},
		{"NZDT", "Pacific/Auckland", 0},
		{"PT", "America/Los_Angeles", 0},
		{"+07", "", 7 * 3600},
		{"UTC+2", "", 2 * 3600},
		{"GMT+0", "", 0},
		{"GMT-03:30", "", -(3*3600 + 1800)},
		{"+0530", "", 5*3600 + 1800},
	}
	for _, tt := range tests {
		t.Run(tt.abbrev, func(t *testing.T) {
			loc, err := lookupZone(tt.abbrev)
			if err != nil {
				t.Fatalf("lookupZone(%q): %v", tt.abbrev, err)
			}
			if tt.want != "" {
				if loc.String() != tt.want {
					t.Errorf("lookupZone(%q) = %s, want %s", tt.abbrev, loc, tt.want)
				}
				return
			}
			_, off := time.Date(2021, 1, 1, 0, 0, 0, 0, loc).Zone()
			if off != tt.offset {
				t.Errorf("lookupZone(%q) offset = %d, want %d", tt.abbrev, off, tt.offset)
			}
		})
	}
}

// Every named abbreviation is produced by its own zone's rule at some
// instant of 2021 (either side of summer time), or has the fixed offset its
// zone keeps: the table is not mistyped.
func TestZoneAbbrevsMatchTheirZones(t *testing.T) {
	for abbrev, a := range zoneAbbrevs {
		if a.generic {
			continue
		}
		loc, err := lookupZone(abbrev)
		if err != nil {
			t.Fatalf("lookupZone(%q): %v", abbrev, err)
		}
		found := false
		for m := time.January; m <= time.December; m++ {
			if _, off := time.Date(2021, m, 15, 12, 0, 0, 0, loc).Zone(); time.Duration(off)*time.Second == a.offset {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: zone %s never has offset %v in 2021", abbrev, a.zone, a.offset)
		}
	}
}

func TestLookupZoneUnknown(t *testing.T) {
	for _, abbrev := range []string{"XYZ", "", "Mars", "UTC+99", "Europe/Nowhere"} {
		_, err := lookupZone(abbrev)
		if !errors.Is(err, ErrUnknownZone) {
			t.Errorf("lookupZone(%q) error = %v, want ErrUnknownZone", abbrev, err)
			continue
		}
		if !strings.Contains(err.Error(), `"`+abbrev+`"`) {
			t.Errorf("lookupZone(%q) error %q does not name the abbreviation", abbrev, err)
		}
	}
}

func TestParseStatuspageStampDST(t *testing.T) {
	tests := []struct {
		name, text string
		want       string
	}{
		// London, spring 2020: 01:00 GMT becomes 02:00 BST on Mar 29.
		{"GMT before spring change", "Mar 29, 2020 - 00:59 GMT", "2020-03-29T00:59:00Z"},
		{"BST after spring change", "Mar 29, 2020 - 02:00 BST", "2020-03-29T01:00:00Z"},
		// London, autumn 2020: 01:00-02:00 happens twice on Oct 25.
		{"BST in repeated hour", "Oct 25, 2020 - 01:30 BST", "2020-10-25T00:30:00Z"},
		{"GMT in repeated hour", "Oct 25, 2020 - 01:30 GMT", "2020-10-25T01:30:00Z"},
		{"GOV.UK incident page", "May 08, 2025 - 14:07 BST", "2025-05-08T13:07:00Z"},
		// Berlin, Mar 28 2021: 02:00 CET becomes 03:00 CEST.
		{"CET before", "Mar 28, 2021 - 01:59 CET", "2021-03-28T00:59:00Z"},
		{"CEST after", "Mar 28, 2021 - 03:00 CEST", "2021-03-28T01:00:00Z"},
		{"CEST autumn repeated hour", "Oct 31, 2021 - 02:30 CEST", "2021-10-31T00:30:00Z"},
		{"CET autumn repeated hour", "Oct 31, 2021 - 02:30 CET", "2021-10-31T01:30:00Z"},
		// Los Angeles, Mar 14 2021: 02:00 PST becomes 03:00 PDT.
		{"PST before", "Mar 14, 2021 - 01:59 PST", "2021-03-14T09:59:00Z"},
		{"PDT after", "Mar 14, 2021 - 03:00 PDT", "2021-03-14T10:00:00Z"},
		// Los Angeles, Mar 9 2025: 02:00-03:00 never happens; the label
		// still says the offset.
		{"PST in skipped hour", "Mar 9, 2025 - 02:30 PST", "2025-03-09T10:30:00Z"},
		{"PDT in skipped hour", "Mar 9, 2025 - 02:30 PDT", "2025-03-09T09:30:00Z"},
		{"BST in skipped hour", "Mar 30, 2025 - 01:30 BST", "2025-03-30T00:30:00Z"},
		{"GMT in skipped hour", "Mar 30, 2025 - 01:30 GMT", "2025-03-30T01:30:00Z"},
		{"PST autumn repeated hour", "Nov 7, 2021 - 01:30 PST", "2021-11-07T09:30:00Z"},
		{"PDT autumn repeated hour", "Nov 7, 2021 - 01:30 PDT", "2021-11-07T08:30:00Z"},
		// The quirk: PST printed in July keeps PST's offset.
		{"PST in July", "Jul 4, 2021 - 10:00 PST", "2021-07-04T18:00:00Z"},
		{"generic PT in July", "Jul 4, 2021 - 10:00 PT", "2021-07-04T17:00:00Z"},
		{"generic PT in January", "Jan 4, 2021 - 10:00 PT", "2021-01-04T18:00:00Z"},
		// Sydney, Apr 4 2021: 03:00 AEDT becomes 02:00 AEST.
		{"AEDT repeated hour", "Apr 4, 2021 - 02:30 AEDT", "2021-04-03T15:30:00Z"},
		{"AEST repeated hour", "Apr 4, 2021 - 02:30 AEST", "2021-04-03T16:30:00Z"},
		{"AEDT in January", "Jan 12, 2021 - 10:00 AEDT", "2021-01-11T23:00:00Z"},
		// Auckland, Sep 27 2020: 02:00 NZST becomes 03:00 NZDT.
		{"NZST before", "Sep 27, 2020 - 01:59 NZST", "2020-09-26T13:59:00Z"},
		{"NZDT after", "Sep 27, 2020 - 03:00 NZDT", "2020-09-26T14:00:00Z"},
		{"NZDT in January", "Jan 12, 2021 - 10:00 NZDT", "2021-01-11T21:00:00Z"},
		{"EST", "Jan 20, 2021 - 09:15 EST", "2021-01-20T14:15:00Z"},
		{"MST", "Jan 20, 2021 - 09:15 MST", "2021-01-20T16:15:00Z"},
		{"JST", "Jan 20, 2021 - 09:15 JST", "2021-01-20T00:15:00Z"},
		{"KST", "Jan 20, 2021 - 09:15 KST", "2021-01-20T00:15:00Z"},
		{"IST", "Jan 20, 2021 - 09:15 IST", "2021-01-20T03:45:00Z"},
		{"numeric offset", "Jan 20, 2021 - 09:15 +07", "2021-01-20T02:15:00Z"},
		{"UTC+2", "Jan 20, 2021 - 09:15 UTC+2", "2021-01-20T07:15:00Z"},
		{"twelve-hour clock", "Jan 29, 2024 - 4:49 PM PST", "2024-01-30T00:49:00Z"},
		{"midnight am", "Jan 29, 2024 - 12:05 AM UTC", "2024-01-29T00:05:00Z"},
		{"posted prefix", "Posted Feb 05, 2024 - 08:47 PST", "2024-02-05T16:47:00Z"},
		{"markup", `Posted <span class="ago" data-datetime-unix="1746709641000"></span>May <var data-var="date">08</var>, <var data-var="year">2025</var> - <var data-var="time">14:07</var> BST`, "2025-05-08T13:07:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatuspageStamp(tt.text, time.Time{})
			if err != nil {
				t.Fatalf("ParseStatuspageStamp(%q): %v", tt.text, err)
			}
			if want := utc(tt.want); !got.At.Equal(want) || got.At.Location() != time.UTC {
				t.Errorf("ParseStatuspageStamp(%q) = %v, want %v", tt.text, got.At, want)
			}
			if got.Text == "" || strings.ContainsAny(got.Text, "<>\n") {
				t.Errorf("ParseStatuspageStamp(%q).Text = %q, want the folded visible text", tt.text, got.Text)
			}
		})
	}
}

func TestParseStatuspageStampYearless(t *testing.T) {
	tests := []struct {
		name, text, ref, want string
	}{
		{"same day", "Jan 12, 16:04 UTC", "2021-01-12T23:59:59Z", "2021-01-12T16:04:00Z"},
		{"space-padded day in markup", "Jan <var data-var='date'> 8</var>, <var data-var='time'>09:00</var> UTC", "2021-01-22T00:00:00Z", "2021-01-08T09:00:00Z"},
		{"rolls back across New Year", "Dec <var data-var='date'>14</var>, <var data-var='time'>18:30</var> UTC", "2021-01-12T23:59:59Z", "2020-12-14T18:30:00Z"},
		{"Dec 31 late against Jan 1", "Dec 31, 23:30 PST", "2021-01-01T12:00:00Z", "2021-01-01T07:30:00Z"},
		{"postmortem after its header", "Jan 14, 11:30 PST", "2021-01-08T23:59:59Z", "2021-01-14T19:30:00Z"},
		{"Fastly's Mar 16 notice on a Jan page", "Mar 16, 15:00 UTC", "2021-01-22T00:00:00Z", "2020-03-16T15:00:00Z"},
		{"Feb 29 goes to a leap year", "Feb 29, 22:00 GMT", "2023-03-10T00:00:00Z", "2020-02-29T22:00:00Z"},
		{"printed year wins over ref", "Dec 14, 2019 - 18:30 UTC", "2021-01-12T00:00:00Z", "2019-12-14T18:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatuspageStamp(tt.text, utc(tt.ref))
			if err != nil {
				t.Fatalf("ParseStatuspageStamp(%q, %s): %v", tt.text, tt.ref, err)
			}
			if want := utc(tt.want); !got.At.Equal(want) {
				t.Errorf("ParseStatuspageStamp(%q, %s) = %v, want %v", tt.text, tt.ref, got.At, want)
			}
		})
	}
}

func TestParseStatuspageStampErrors(t *testing.T) {
	ref := utc("2021-01-22T00:00:00Z")
	tests := []struct {
		name, text string
		ref        time.Time
		want       error
	}{
		{"unknown zone", "Jan 12, 16:04 XYZ", ref, ErrUnknownZone},
		{"no zone", "Jan 12, 16:04", ref, ErrUnknownZone},
		{"no year and no ref", "Jan 12, 16:04 UTC", time.Time{}, ErrBadTime},
		{"not a time", "yesterday", ref, ErrBadTime},
		{"unknown month", "Foo 12, 16:04 UTC", ref, ErrBadTime},
		{"hour out of range", "Jan 12, 25:04 UTC", ref, ErrBadTime},
		{"no such day", "Feb 30, 2021 - 10:00 UTC", ref, ErrBadTime},
		{"year out of range", "Dec 31, 9999 - 23:00 PST", ref, ErrBadTime},
		{"empty", "", ref, ErrBadTime},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseStatuspageStamp(tt.text, tt.ref)
			if !errors.Is(err, tt.want) {
				t.Errorf("ParseStatuspageStamp(%q) = %v, %v; want error %v", tt.text, got, err, tt.want)
			}
		})
	}
}

func TestInferYear(t *testing.T) {
	tests := []struct {
		name  string
		month time.Month
		day   int
		ref   string
		want  int
	}{
		{"same date", time.January, 12, "2021-01-12T10:00:00Z", 2021},
		{"earlier this year", time.January, 2, "2021-01-12T10:00:00Z", 2021},
		{"December against January", time.December, 14, "2021-01-12T10:00:00Z", 2020},
		{"a week after ref", time.January, 19, "2021-01-12T10:00:00Z", 2021},
		{"two months after ref", time.March, 16, "2021-01-22T10:00:00Z", 2020},
		{"January against December", time.January, 2, "2020-12-28T10:00:00Z", 2021},
		{"Feb 29", time.February, 29, "2022-06-01T00:00:00Z", 2020},
		{"zero ref", time.January, 2, "0001-01-01T00:00:00Z", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := InferYear(tt.month, tt.day, utc(tt.ref)); got != tt.want {
				t.Errorf("InferYear(%s, %d, %s) = %d, want %d", tt.month, tt.day, tt.ref, got, tt.want)
			}
		})
	}
}

func TestParseStatuspageWindow(t *testing.T) {
	tests := []struct {
		name, text, ref, from, until string
	}{
		{"same day", `Jan <var data-var="date">23</var>, <var data-var="time">14:00</var>-<var data-var="time">20:00</var> UTC`, "2021-01-23T14:00:00Z", "2021-01-23T14:00:00Z", "2021-01-23T20:00:00Z"},
		{"cross midnight with dates", `Jan <var data-var="date">30</var>, <var data-var="time">22:00</var> - Jan <var data-var="date">31</var>, <var data-var="time">06:00</var> CET`, "2021-01-30T21:00:00Z", "2021-01-30T21:00:00Z", "2021-01-31T05:00:00Z"},
		{"cross midnight without end date", "Jan 30, 22:00 - 02:00 CET", "2021-01-22T00:00:00Z", "2021-01-30T21:00:00Z", "2021-01-31T01:00:00Z"},
		{"history leap day", `Feb <var data-var='date'>29</var>, <var data-var='time'>22:00</var> - <var data-var='time'>23:00</var> GMT`, "2024-02-29T23:59:59Z", "2024-02-29T22:00:00Z", "2024-02-29T23:00:00Z"},
		{"across New Year", "Dec 31, 23:00 - Jan 1, 01:00 UTC", "2020-12-31T23:59:59Z", "2020-12-31T23:00:00Z", "2021-01-01T01:00:00Z"},
		{"history cross-day", "Feb 25, 23:44 - Feb 26, 20:27 UTC", "2024-02-29T00:00:00Z", "2024-02-25T23:44:00Z", "2024-02-26T20:27:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			from, until, err := ParseStatuspageWindow(tt.text, utc(tt.ref))
			if err != nil {
				t.Fatalf("ParseStatuspageWindow(%q): %v", tt.text, err)
			}
			if !from.At.Equal(utc(tt.from)) || !until.At.Equal(utc(tt.until)) {
				t.Errorf("ParseStatuspageWindow(%q) = %v - %v, want %s - %s", tt.text, from.At, until.At, tt.from, tt.until)
			}
		})
	}
	for _, bad := range []string{"Jan 30, 22:00 UTC", "Jan 30, 22:00 - 23:00 XYZ", "Jan 31, 22:00 - Jan 30, 06:00 UTC"} {
		if _, _, err := ParseStatuspageWindow(bad, utc("2021-01-22T00:00:00Z")); err == nil {
			t.Errorf("ParseStatuspageWindow(%q) = nil error, want one", bad)
		}
	}
}

func BenchmarkParseStatuspageStamp(b *testing.B) {
	ref := utc("2021-01-22T00:00:00Z")
	text := "Jan <var data-var='date'>12</var>, <var data-var='time'>16:04</var> UTC"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseStatuspageStamp(text, ref); err != nil {
			b.Fatal(err)
		}
	}
}
