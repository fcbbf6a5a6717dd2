package parser

import (
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// Statuspage prints times for people: "Jan 12, 16:04 UTC" on home pages and
// in feeds (no year), "May 08, 2025 - 14:07 BST" on incident pages, and
// maintenance windows as "Jan 23, 14:00-20:00 UTC" or "Jan 30, 22:00 -
// Jan 31, 06:00 CET". The zone is the abbreviation of the page's configured
// zone, with summer time. This file turns that text into instants.

// PostmortemSlack is how far after its reference instant a year-less date
// may lie and still be given the reference's year. A home page files an
// incident under the day of its last update but prints a postmortem posted
// days later in the same block (Box: filed Jan 8, postmortem Jan 14), and a
// home page shows 15 days, so no row is more than about 15 days after its
// day header; one more day absorbs the zone offset.
const PostmortemSlack = 16 * 24 * time.Hour

// InferYear returns the year that puts month/day nearest at or before ref,
// allowing PostmortemSlack after it: the year of a date a page prints
// without one, given the instant the date is known to precede (a day
// header, the page's render date, a feed entry's updated time). It rolls
// back across New Year: Dec 14 seen against Jan 12, 2021 is in 2020. Feb 29
// goes back to the latest leap year. The zero ref gives year 0.
func InferYear(month time.Month, day int, ref time.Time) int {
	return inferYear(month, day, ref, PostmortemSlack)
}

// inferYear is InferYear with the slack given: zero when ref is a hard upper
// bound (the render date of a page).
func inferYear(month time.Month, day int, ref time.Time, slack time.Duration) int {
	if ref.IsZero() {
		return 0
	}
	ref = ref.UTC()
	ly, lm, ld := ref.Add(slack).Date()
	for y := ref.Year() + 1; y >= ref.Year()-8; y-- {
		if month < time.January || month > time.December || day < 1 || day > daysIn(month, y) {
			continue // no such day that year (Feb 29)
		}
		// Compare calendar dates: a reading late on ref's own date is
		// still "at or before" it (midnight of month/day is not after
		// the limit exactly when its date is not after the limit's).
		if y < ly || y == ly && (month < lm || month == lm && day <= ld) {
			return y
		}
	}
	return ref.Year()
}

// daysIn is the number of days of month m in year y.
func daysIn(m time.Month, y int) int {
	switch m {
	case time.February:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// stampText returns a Statuspage time as plain folded text: tags (the
// <var data-var=...> wrappers) removed, entities decoded, runs of white
// space folded to one space, a leading "Posted" or "Posted on" dropped.
func stampText(s string) string {
	if strings.ContainsRune(s, '<') {
		s = stripTags(s)
	}
	if strings.ContainsRune(s, '&') {
		s = html.UnescapeString(s)
	}
	if !foldedASCII(s) {
		s = strings.Join(strings.Fields(s), " ")
	}
	for _, prefix := range []string{"Posted on ", "Posted "} {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			s = rest
			break
		}
	}
	return s
}

// foldedASCII reports whether s is ASCII with single spaces between words
// and none at either end: what folding white space leaves unchanged.
func foldedASCII(s string) bool {
	if s == "" {
		return true
	}
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 0x80, c == '\t', c == '\n', c == '\v', c == '\f', c == '\r':
			return false
		case c == ' ' && s[i+1] == ' ':
			return false
		}
	}
	return true
}

// stripTags removes anything between < and > from s. It is meant for the
// short time fragments pages print, not for whole documents.
func stripTags(s string) string {
	var b strings.Builder
	b.Grow(len(s))
	in := false
	for _, r := range s {
		switch {
		case r == '<':
			in = true
		case r == '>' && in:
			in = false
		case !in:
			b.WriteRune(r)
		}
	}
	return b.String()
}

const (
	reMonthDay = `([A-Za-z]{3,9})\.? (\d{1,2})(?:st|nd|rd|th)?,?`
	reClock    = `(\d{1,2}):(\d{2})(?::\d{2})? ?([AaPp][Mm])?`
)

// stampRE matches one time: month, day, optional year, clock, zone.
var stampRE = regexp.MustCompile(`^` + reMonthDay + `(?: (\d{4}))?(?: ?(?:-|–|,|at))? ?` + reClock + `(?: (.+))?$`)

// windowRE matches a window: start month/day/year/clock, then an end with
// an optional month/day/year of its own, then one zone.
var windowRE = regexp.MustCompile(`^` + reMonthDay + `(?: (\d{4}),?)? ?` + reClock +
	` ?(?:-|–|to) ?(?:` + reMonthDay + `(?: (\d{4}),?)? ?)?` + reClock + `(?: (.+))?$`)

// dayRE matches a day header: "Jan 22, 2021", "Nov 7, 2025".
var dayRE = regexp.MustCompile(`^` + reMonthDay + ` (\d{4})$`)

// parseMonth reads a month name or its abbreviation ("Jan", "Sept",
// "January").
func parseMonth(s string) (time.Month, bool) {
	s = strings.ToLower(s)
	if s == "sept" {
		return time.September, true
	}
	for k, full := range ohMonths {
		if s == full || (len(s) == 3 && strings.HasPrefix(full, s)) {
			return time.Month(k + 1), true
		}
	}
	return 0, false
}

// clock is a wall-clock reading before its year is known.
type clock struct {
	month        time.Month
	day          int
	year         int // 0 when the text has none
	hour, minute int
}

// readClock reads month, day, optional year and clock from regexp groups
// laid out as reMonthDay, year, reClock.
func readClock(g []string) (clock, error) {
	var c clock
	m, ok := parseMonth(g[0])
	if !ok {
		return c, fmt.Errorf("%w: unknown month %q", ErrBadTime, g[0])
	}
	c.month = m
	c.day, _ = strconv.Atoi(g[1])
	if g[2] != "" {
		c.year, _ = strconv.Atoi(g[2])
	}
	c.hour, _ = strconv.Atoi(g[3])
	c.minute, _ = strconv.Atoi(g[4])
	switch strings.ToLower(g[5]) {
	case "am":
		if c.hour < 1 || c.hour > 12 {
			return c, fmt.Errorf("%w: hour %d with am", ErrBadTime, c.hour)
		}
		if c.hour == 12 {
			c.hour = 0
		}
	case "pm":
		if c.hour < 1 || c.hour > 12 {
			return c, fmt.Errorf("%w: hour %d with pm", ErrBadTime, c.hour)
		}
		if c.hour != 12 {
			c.hour += 12
		}
	}
	if c.day < 1 || c.day > 31 || c.hour > 23 || c.minute > 59 {
		return c, fmt.Errorf("%w: %s %d %02d:%02d out of range", ErrBadTime, c.month, c.day, c.hour, c.minute)
	}
	if c.year != 0 && (c.year < 1970 || c.year >= 2200) {
		return c, fmt.Errorf("%w: year %d out of range", ErrBadTime, c.year)
	}
	if c.year != 0 && time.Date(c.year, c.month, c.day, 0, 0, 0, 0, time.UTC).Day() != c.day {
		return c, fmt.Errorf("%w: no %s %d in %d", ErrBadTime, c.month, c.day, c.year)
	}
	return c, nil
}

// instant resolves c in zone, taking the year from ref (with slack) when the
// text had none.
func (c clock) instant(zone string, ref time.Time, slack time.Duration) (time.Time, error) {
	y := c.year
	if y == 0 {
		if ref.IsZero() {
			return time.Time{}, fmt.Errorf("%w: no year and no reference date", ErrBadTime)
		}
		y = inferYear(c.month, c.day, ref, slack)
	}
	if zone == "" {
		return time.Time{}, fmt.Errorf("%w: none given", ErrUnknownZone)
	}
	return zoneTime(zone, y, c.month, c.day, c.hour, c.minute)
}

// ParseStatuspageStamp parses one time as Statuspage prints it: "Jan 12,
// 16:04 UTC", "Feb  8, 09:00 UTC", "May 08, 2025 - 14:07 BST", "Posted
// Jan 29, 2024 - 16:49 PST", or the same with its <var data-var=...>
// markup. A text without a year takes the one InferYear gives against ref
// (a day header, the page's render date, a feed entry's time); a text with
// a year ignores ref. The zone abbreviation goes through zoneTime.
//
// The result is in UTC and keeps the folded text. Text that does not read
// as a time gives ErrBadTime; a missing or unknown zone gives
// ErrUnknownZone (never a guess of UTC).
func ParseStatuspageStamp(text string, ref time.Time) (Time, error) {
	return parseStamp(text, ref, PostmortemSlack)
}

func parseStamp(text string, ref time.Time, slack time.Duration) (Time, error) {
	s := stampText(text)
	var fast [8]string
	g := fast[:]
	if !homeStampGroups(s, &fast) {
		if g = stampRE.FindStringSubmatch(s); g == nil {
			return Time{}, fmt.Errorf("%w: %q", ErrBadTime, s)
		}
	}
	c, err := readClock(g[1:7])
	if err != nil {
		return Time{}, fmt.Errorf("%q: %w", s, err)
	}
	at, err := c.instant(g[7], ref, slack)
	if err != nil {
		return Time{}, fmt.Errorf("%q: %w", s, err)
	}
	return NewTime(at, s), nil
}

// homeStampGroups reads s, folded as stampText folds, when it has a home
// page's shape, "Jan 12, 16:04 UTC" (month, day, comma, 24- or 12-hour
// clock, optional am/pm, optional zone), into the groups stampRE gives it
// (g[0] the whole text), and reports whether it did. It is stampRE's
// reading for that shape without the expression's cost; any other shape
// is left to stampRE (TestHomeStampGroupsAgree).
func homeStampGroups(s string, g *[8]string) bool {
	i := 0
	for i < len(s) && i < 10 && ('a' <= s[i]|0x20 && s[i]|0x20 <= 'z') {
		i++
	}
	if i < 3 || i > 9 || i >= len(s) || s[i] != ' ' {
		return false
	}
	month := s[:i]
	rest := s[i+1:]
	day, rest, ok := cutDigits(rest, 1, 2)
	if !ok || !strings.HasPrefix(rest, ", ") {
		return false
	}
	hour, rest, ok := cutDigits(rest[2:], 1, 2)
	if !ok || !strings.HasPrefix(rest, ":") {
		return false
	}
	minute, rest, ok := cutDigits(rest[1:], 2, 2)
	if !ok {
		return false
	}
	ampm, zone := "", ""
	switch {
	case rest == "":
	case rest[0] != ' ' || len(rest) == 1 || rest[1] == ' ' || strings.ContainsRune(rest, '\n'):
		return false
	default:
		x := rest[1:]
		if len(x) >= 2 && (x[0]|0x20 == 'a' || x[0]|0x20 == 'p') && x[1]|0x20 == 'm' && (len(x) == 2 || len(x) > 3 && x[2] == ' ') {
			ampm = x[:2]
			if len(x) > 3 {
				zone = x[3:]
			}
		} else {
			zone = x
		}
	}
	*g = [8]string{s, month, day, "", hour, minute, ampm, zone}
	return true
}

// cutDigits cuts a run of min to max ASCII digits off the front of s, and
// fails when the run is shorter or longer.
func cutDigits(s string, min, max int) (digits, rest string, ok bool) {
	i := 0
	for i < len(s) && '0' <= s[i] && s[i] <= '9' {
		i++
	}
	if i < min || i > max {
		return "", s, false
	}
	return s[:i], s[i:], true
}

// ParseStatuspageWindow parses a maintenance window or a history entry's
// span as Statuspage prints it: "Jan 23, 14:00-20:00 UTC", "Feb 29, 22:00 -
// 23:00 GMT", "Jan 30, 22:00 - Jan 31, 06:00 CET", with or without its
// <var> markup. The end takes the start's date when it has none, the next
// day when its clock is earlier than the start's, and the next year when
// its month is earlier (Dec 31 - Jan 1). Years come from InferYear against
// ref unless printed. Both times keep the whole folded text.
func ParseStatuspageWindow(text string, ref time.Time) (from, until Time, err error) {
	return parseWindow(text, ref, PostmortemSlack)
}

func parseWindow(text string, ref time.Time, slack time.Duration) (from, until Time, err error) {
	s := stampText(text)
	g := windowRE.FindStringSubmatch(s)
	if g == nil {
		return Time{}, Time{}, fmt.Errorf("%w: window %q", ErrBadTime, s)
	}
	start, err := readClock(g[1:7])
	if err != nil {
		return Time{}, Time{}, fmt.Errorf("%q: %w", s, err)
	}
	endGroups := append([]string{}, g[7:13]...)
	if endGroups[0] == "" {
		endGroups[0], endGroups[1] = g[1], g[2]
	}
	end, err := readClock(endGroups)
	if err != nil {
		return Time{}, Time{}, fmt.Errorf("%q: %w", s, err)
	}
	zone := g[13]
	a, err := start.instant(zone, ref, slack)
	if err != nil {
		return Time{}, Time{}, fmt.Errorf("%q: %w", s, err)
	}
	if end.year == 0 {
		// The start's year as a local date (its UTC year can differ).
		y := start.year
		if y == 0 {
			y = inferYear(start.month, start.day, ref, slack)
		}
		if end.month < start.month {
			y++
		}
		end.year = y
	}
	if g[7] == "" && end.hour*60+end.minute < start.hour*60+start.minute {
		end.day++ // "22:00-02:00": the end is on the next day
	}
	b, err := end.instant(zone, time.Time{}, 0)
	if err != nil {
		return Time{}, Time{}, fmt.Errorf("%q: %w", s, err)
	}
	if b.Before(a) {
		return Time{}, Time{}, fmt.Errorf("%w: window %q ends before it starts", ErrBadTime, s)
	}
	return NewTime(a, s), NewTime(b, s), nil
}

// parseDayHeader reads a day header such as "Jan 22, 2021" (with its <var>
// markup or without) and returns that date at midnight UTC.
func parseDayHeader(text string) (time.Time, error) {
	s := stampText(text)
	g := dayRE.FindStringSubmatch(s)
	if g == nil {
		return time.Time{}, fmt.Errorf("%w: day header %q", ErrBadTime, s)
	}
	m, ok := parseMonth(g[1])
	if !ok {
		return time.Time{}, fmt.Errorf("%w: day header %q: unknown month", ErrBadTime, s)
	}
	d, _ := strconv.Atoi(g[2])
	y, _ := strconv.Atoi(g[3])
	t := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	if t.Day() != d {
		return time.Time{}, fmt.Errorf("%w: day header %q: no such day", ErrBadTime, s)
	}
	return t, nil
}
