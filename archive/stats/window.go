package stats

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	// Zone rules are compiled in so that a stated "PT" gives the same
	// instant on every machine, whatever tzdata it has.
	_ "time/tzdata"
)

// proseZones maps the zone words vendors write in update prose to IANA
// zones. A generic name ("PT") and both its seasonal forms ("PST", "PDT")
// map to the same zone, whose rules decide the offset on the stated date:
// vendors write "PST" all year round far more often than they mean a fixed
// UTC-8 in July. Ambiguous words (IST, AST) are left out on purpose: a
// window in an unknown zone is rejected, never guessed.
var proseZones = map[string]string{
	"UTC": "UTC", "GMT": "UTC", "Z": "UTC",
	"PT": "America/Los_Angeles", "PST": "America/Los_Angeles", "PDT": "America/Los_Angeles",
	"MT": "America/Denver", "MST": "America/Denver", "MDT": "America/Denver",
	"CT": "America/Chicago", "CST": "America/Chicago", "CDT": "America/Chicago",
	"ET": "America/New_York", "EST": "America/New_York", "EDT": "America/New_York",
	"BST": "Europe/London", "WET": "Europe/Lisbon", "WEST": "Europe/Lisbon",
	"CET": "Europe/Berlin", "CEST": "Europe/Berlin",
	"EET": "Europe/Helsinki", "EEST": "Europe/Helsinki",
	"JST": "Asia/Tokyo", "KST": "Asia/Seoul", "SGT": "Asia/Singapore",
	"AEST": "Australia/Sydney", "AEDT": "Australia/Sydney",
	"NZST": "Pacific/Auckland", "NZDT": "Pacific/Auckland",
}

// zoneLocations loads every zone of proseZones once.
var zoneLocations = sync.OnceValue(func() map[string]*time.Location {
	locs := make(map[string]*time.Location, len(proseZones))
	for abbrev, name := range proseZones {
		loc, err := time.LoadLocation(name)
		if err != nil {
			// time/tzdata is linked in: every name above loads.
			panic(fmt.Sprintf("stats: load zone %s: %v", name, err))
		}
		locs[abbrev] = loc
	}
	return locs
})

// The vocabulary of stated windows. A clock is "13:35", "8:58", "2:50pm",
// "11:02 a.m." or "5pm"; a bare number ("2") is not a clock unless it
// borrows a meridiem from the other end of a range ("2 – 5pm PT"). A date
// may be written just before the window ("on 2026-07-30 between ...", "On
// June 3, from ...") or just after it ("... 14:24 UTC on Jun 22").
const (
	// zoneWord is any short word after a clock; zoneName decides whether
	// it is a zone. Listing the zones here made SpanOf 40 % slower.
	zoneWord = `[A-Za-z]{1,5}`
	datePat  = `\d{4}-\d{2}-\d{2}|(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*\.?\s+\d{1,2}(?:st|nd|rd|th)?(?:,?\s+\d{4})?`
	sepPat   = `\s*(?:to|and|until|till|through|thru|-|–|—)\s*`
)

// clockPat is a clock whose groups are named h<n>, m<n>, ap<n>, z<n>.
func clockPat(n string) string {
	return `(?P<h` + n + `>\d{1,2})(?::(?P<m` + n + `>[0-5]\d))?(?:\s?(?P<ap` + n + `>[ap])\.?\s?m\b\.?)?` +
		`(?:\s*\(?\b(?P<z` + n + `>` + zoneWord + `)\b\)?)?`
}

var (
	dateBefore = `(?:\bon\s+(?P<d1>` + datePat + `)[,\s]+)?`
	dateAfter  = `(?:,?\s+on\s+(?P<d2>` + datePat + `)\b)?`
	// rangeRE: "From 13:35 UTC to 14:24 UTC", "Between 14:40 and 14:53 UTC",
	// "between 2:50pm – 5:18pm PT".
	rangeRE = regexp.MustCompile(`(?i)` + dateBefore + `\b(?:from|between)\s+` + clockPat("1") + sepPat + clockPat("2") + dateAfter)
	// endRE: "returned to normal at 11:02am PT", "recovered at 14:10 UTC".
	endRE = regexp.MustCompile(`(?i)` + dateBefore + `\b(?:returned to normal|back to normal|recovered|resolved|restored|mitigated|subsided|ended)\s+(?:at|as of|by)\s+(?:(?:approximately|about|around)\s+)?` + clockPat("2") + dateAfter)
)

// group returns the named group of m, a match of re.
func group(re *regexp.Regexp, m []string, name string) string {
	if i := re.SubexpIndex(name); i >= 0 {
		return m[i]
	}
	return ""
}

// clock is a time of day as written, before a date and zone are known.
type clock struct {
	hour, minute int
	meridiem     byte // 'a', 'p' or 0 for a 24-hour clock
	minutes      bool // the minutes were written
}

func readClock(hour, minute, meridiem string) clock {
	c := clock{minutes: minute != ""}
	c.hour, _ = strconv.Atoi(hour)
	c.minute, _ = strconv.Atoi(minute)
	if meridiem != "" {
		c.meridiem = strings.ToLower(meridiem)[0]
	}
	return c
}

// isClock reports whether c reads as a time of day rather than a count.
func (c clock) isClock() bool { return c.minutes || c.meridiem != 0 }

// hour24 returns the hour on a 24-hour clock, or false when the hour does
// not exist on the clock it was written on.
func (c clock) hour24() (int, bool) {
	switch c.meridiem {
	case 0:
		return c.hour, c.hour <= 23
	case 'a':
		return c.hour % 12, c.hour >= 1 && c.hour <= 12
	default:
		return c.hour%12 + 12, c.hour >= 1 && c.hour <= 12
	}
}

// on returns c on the given calendar day in loc.
func (c clock) on(y int, m time.Month, d int, loc *time.Location) (time.Time, bool) {
	h, ok := c.hour24()
	if !ok {
		return time.Time{}, false
	}
	return time.Date(y, m, d, h, c.minute, 0, 0, loc), true
}

// dateLayouts read the dates datePat matches, after ordinal suffixes and
// abbreviation dots are removed.
var dateLayouts = []string{"2006-01-02", "January 2, 2006", "January 2 2006", "Jan 2, 2006", "Jan 2 2006", "January 2", "Jan 2"}

var ordinalRE = regexp.MustCompile(`(?i)(\d)(?:st|nd|rd|th)\b`)

// statedDate reads a date written with a window. A date without a year
// takes the post's year, or the year before when that would put it more
// than a day after the post.
func statedDate(s string, posted time.Time) (int, time.Month, int, error) {
	s = ordinalRE.ReplaceAllString(strings.Join(strings.Fields(strings.ReplaceAll(s, ".", "")), " "), "$1")
	if len(s) > 0 {
		s = strings.ToUpper(s[:1]) + strings.ToLower(s[1:])
	}
	for _, layout := range dateLayouts {
		t, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if !strings.Contains(layout, "2006") {
			t = t.AddDate(posted.Year(), 0, 0)
			if t.After(posted.AddDate(0, 0, 1)) {
				t = t.AddDate(-1, 0, 0)
			}
		}
		y, m, d := t.Date()
		return y, m, d, nil
	}
	return 0, 0, 0, fmt.Errorf("unreadable date %q", s)
}

// statement is one window a post states, read but not yet checked against
// the incident.
type statement struct {
	text     string
	from     clock
	hasFrom  bool // false for end-only phrasings
	to       clock
	fromZone string
	toZone   string
	date     string // a date written with the window, if any
}

// statements returns every window body states, in the order written.
func statements(body string) []statement {
	// The expressions are slow next to a substring search; most posts
	// state no window.
	if !strings.ContainsAny(body, "0123456789") {
		return nil
	}
	lower := strings.ToLower(body)
	var out []statement
	if !strings.Contains(lower, "from") && !strings.Contains(lower, "between") {
		return endStatements(body, lower, out)
	}
	for _, m := range rangeRE.FindAllStringSubmatch(body, -1) {
		g := func(name string) string { return group(rangeRE, m, name) }
		s := statement{
			text:     m[0],
			from:     readClock(g("h1"), g("m1"), g("ap1")),
			hasFrom:  true,
			fromZone: g("z1"),
			to:       readClock(g("h2"), g("m2"), g("ap2")),
			toZone:   g("z2"),
			date:     g("d1") + g("d2"),
		}
		s.text = trimWord(s.text, s.toZone, g("d2"))
		// "2:50 – 5:18pm": the start borrows the end's meridiem, or the
		// other one when that would put it after the end ("11:30 – 2pm").
		if s.from.meridiem == 0 && s.to.meridiem != 0 && s.from.hour >= 1 && s.from.hour <= 12 {
			s.from.meridiem = s.to.meridiem
			if s.to.meridiem == 'p' && s.from.hour%12*60+s.from.minute > s.to.hour%12*60+s.to.minute {
				s.from.meridiem = 'a'
			}
		}
		if !s.from.isClock() || !s.to.isClock() {
			continue
		}
		out = append(out, s)
	}
	return endStatements(body, lower, out)
}

// endWords are the words endRE starts with.
var endWords = []string{"normal", "recovered", "resolved", "restored", "mitigated", "subsided", "ended"}

// endStatements appends the end-only windows of body to out.
func endStatements(body, lower string, out []statement) []statement {
	if !slices.ContainsFunc(endWords, func(w string) bool { return strings.Contains(lower, w) }) {
		return out
	}
	for _, m := range endRE.FindAllStringSubmatch(body, -1) {
		g := func(name string) string { return group(endRE, m, name) }
		s := statement{text: m[0], to: readClock(g("h2"), g("m2"), g("ap2")), toZone: g("z2"), date: g("d1") + g("d2")}
		s.text = trimWord(s.text, s.toZone, g("d2"))
		if !s.to.isClock() {
			continue
		}
		out = append(out, s)
	}
	return out
}

// zoneName returns the zone a word after a clock names: a known zone
// word in any case, an unknown word in capitals (refused later), or ""
// for an ordinary word ("users", "on").
func zoneName(word string) string {
	up := strings.ToUpper(word)
	if _, ok := proseZones[up]; ok || (word == up && len(word) >= 2) {
		return up
	}
	return ""
}

// zones returns the locations of s's ends. A zone written at one end
// applies to both.
func (s statement) zones() (from, to *time.Location, err error) {
	fz, tz := zoneName(s.fromZone), zoneName(s.toZone)
	if fz == "" {
		fz = tz
	}
	if tz == "" {
		tz = fz
	}
	if tz == "" {
		return nil, nil, fmt.Errorf("no time zone stated")
	}
	locs := zoneLocations()
	for _, z := range []string{fz, tz} {
		if locs[z] == nil {
			return nil, nil, fmt.Errorf("unknown time zone %q", z)
		}
	}
	return locs[fz], locs[tz], nil
}

// trimWord drops from a window's text a final word that is not a zone
// ("... to 14:24 users").
func trimWord(text, word, dateAfter string) string {
	if word == "" || dateAfter != "" || zoneName(word) != "" {
		return text
	}
	return strings.TrimRight(strings.TrimSuffix(text, word), " (")
}
