package parser

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
)

// Window is an impact window an update states in words: "From 13:35 UTC to
// 14:24 UTC", "between 2:50pm – 5:18pm PT", "returned to normal at 11:02am
// PT". The parser reads it once, when the page is parsed, and places it on
// the calendar with the post's date and the zone the words name. Whether
// it fits the incident (its posts, its started and resolved fields) is for
// the reader of the record to judge: archive/stats does.
//
// A Window is derived from the update's body and time, so it is not part
// of the record's hash: reading windows better never makes a new version.
type Window struct {
	// Text is the words the window was read from.
	Text string `json:"text"`
	// Start and End are the window in UTC. Start is zero for an end alone
	// ("recovered at 14:10 UTC"); both are zero when Problem is set.
	Start time.Time `json:"start,omitzero"`
	End   time.Time `json:"end,omitzero"`
	// Future means the post announces the window ahead ("tonight from
	// 22:00 - 22:20 PST", "will be performed between ..."), or is a
	// scheduled post: a plan, not what happened.
	Future bool `json:"future,omitempty"`
	// Problem says why the words could not be placed on the calendar (no
	// zone, a zone we do not guess, no such time of day).
	Problem string `json:"problem,omitempty"`
}

// MidnightCross is the longest window read as crossing midnight when its
// end clock is earlier than its start clock ("22:40 to 00:15").
const MidnightCross = 12 * time.Hour

// clockTolerance absorbs posts stamped to the minute.
const clockTolerance = time.Minute

// ReadWindows fills every update's Stated from its body and time. Parse
// calls it for every record it returns; call it for a record built by
// other means. An update whose body states no window gets an empty,
// non-nil Stated, which encodes as "stated":[]: read, and none stated.
func (in *Incident) ReadWindows() {
	for i := range in.Updates {
		in.Updates[i].readWindows()
	}
}

// ReadMissingWindows reads the windows of the updates not read yet (a nil
// Stated: a record archived before windows were read, or built by other
// means) and keeps those already read. A reader of stored records calls it
// after decoding one; decoding does not read windows itself, so that
// reading an archive neither runs the window expressions on every record
// nor decodes each update twice.
func (in *Incident) ReadMissingWindows() {
	for i := range in.Updates {
		if in.Updates[i].Stated == nil {
			in.Updates[i].readWindows()
		}
	}
}

func (u *Update) readWindows() {
	u.Stated = statedWindows(u.Body, u.At.At, u.Status)
	if u.Stated == nil {
		u.Stated = []Window{}
	}
}

// statedWindows returns the windows body states, in the order written,
// placed against the post's time. A post without a time states none.
func statedWindows(body string, posted time.Time, status Status) []Window {
	if posted.IsZero() {
		return nil
	}
	sts := statements(body)
	if len(sts) == 0 {
		return nil
	}
	out := make([]Window, 0, len(sts))
	for _, st := range sts {
		st.future = st.future || status == StatusScheduled
		out = append(out, st.place(posted.UTC()))
	}
	return out
}

// proseZones are the zone words a vendor's prose may use in a stated
// window, read as zoneTime reads them: a named standard or summer
// abbreviation fixes its own offset (PST is UTC-8 even in July), a generic
// one (PT, MT, CT, ET) takes the offset its zone's rules give on the date.
// The list is narrower than zoneAbbrevs on purpose: words that are
// ambiguous in prose (IST, AST) are left out, and a window in a zone not
// listed here is refused, never guessed.
var proseZones = map[string]bool{
	"UTC": true, "GMT": true, "Z": true,
	"PT": true, "PST": true, "PDT": true,
	"MT": true, "MST": true, "MDT": true,
	"CT": true, "CST": true, "CDT": true,
	"ET": true, "EST": true, "EDT": true,
	"BST": true, "WET": true, "WEST": true,
	"CET": true, "CEST": true,
	"EET": true, "EEST": true,
	"JST": true, "KST": true, "SGT": true,
	"AEST": true, "AEDT": true,
	"NZST": true, "NZDT": true,
}

// The vocabulary of stated windows. A clock is "13:35", "8:58", "2:50pm",
// "11:02 a.m." or "5pm"; a bare number ("2") is not a clock unless it
// borrows a meridiem from the other end of a range ("2 – 5pm PT"). A date
// may be written just before the window ("on 2026-07-30 between ...", "On
// June 3, from ...") or just after it ("... 14:24 UTC on Jun 22").
const (
	// zoneWord is any short word after a clock; zoneName decides whether
	// it is a zone. Listing the zones here made reading 40 % slower.
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

// proseClock is a time of day as written, before a date and zone are known.
type proseClock struct {
	hour, minute int
	meridiem     byte // 'a', 'p' or 0 for a 24-hour clock
	minutes      bool // the minutes were written
}

func readProseClock(hour, minute, meridiem string) proseClock {
	c := proseClock{minutes: minute != ""}
	c.hour, _ = strconv.Atoi(hour)
	c.minute, _ = strconv.Atoi(minute)
	if meridiem != "" {
		c.meridiem = strings.ToLower(meridiem)[0]
	}
	return c
}

// isClock reports whether c reads as a time of day rather than a count.
func (c proseClock) isClock() bool { return c.minutes || c.meridiem != 0 }

// hour24 returns the hour on a 24-hour clock, or false when the hour does
// not exist on the clock it was written on.
func (c proseClock) hour24() (int, bool) {
	switch c.meridiem {
	case 0:
		return c.hour, c.hour <= 23
	case 'a':
		return c.hour % 12, c.hour >= 1 && c.hour <= 12
	default:
		return c.hour%12 + 12, c.hour >= 1 && c.hour <= 12
	}
}

// in returns c on the given calendar day (normalised, so day may be 0 or
// one past the month's end) in zone, a word of proseZones.
func (c proseClock) in(zone string, y int, m time.Month, day int) (time.Time, bool) {
	h, ok := c.hour24()
	if !ok {
		return time.Time{}, false
	}
	t, err := zoneTime(zone, y, m, day, h, c.minute)
	return t, err == nil
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

// statement is one window a post states, read but not yet placed.
type statement struct {
	text     string
	from     proseClock
	hasFrom  bool // false for end-only phrasings
	to       proseClock
	fromZone string
	toZone   string
	date     string // a date written with the window, if any
	// day is a day word of the window's sentence: "today", "tonight",
	// "tomorrow", "yesterday", or "".
	day string
	// future: the sentence announces the window ahead.
	future bool
}

// statements returns every window body states, in the order written.
func statements(body string) []statement {
	// The expressions are slow next to a substring search; most posts
	// state no window.
	if !hasClock(body) {
		return nil
	}
	return readStatements(body)
}

// readStatements is statements without the hasClock filter.
//
// Each expression runs only on a body holding the words it cannot match
// without (rangeMayMatch, endMayMatch): a scan that costs a fraction of
// the expression, which otherwise tries every position of the body.
func readStatements(body string) []statement {
	ranges, ends := rangeMayMatch(body), endMayMatch(body)
	if !ranges && !ends {
		return nil
	}
	lower := strings.ToLower(body)
	var out []statement
	if !ranges || !strings.Contains(lower, "from") && !strings.Contains(lower, "between") {
		if !ends {
			return out
		}
		return endStatements(body, lower, out)
	}
	for _, m := range findAllAt(rangeRE, body, rangeStarts) {
		g := func(name string) string { return group(rangeRE, body, m, name) }
		s := statement{
			text:     body[m[0]:m[1]],
			from:     readProseClock(g("h1"), g("m1"), g("ap1")),
			hasFrom:  true,
			fromZone: g("z1"),
			to:       readProseClock(g("h2"), g("m2"), g("ap2")),
			toZone:   g("z2"),
			date:     g("d1") + g("d2"),
		}
		s.text = trimWord(s.text, s.toZone, s.fromZone, g("d2"))
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
		s.day, s.future = cues(body, m[0], m[1])
		out = append(out, s)
	}
	if !ends {
		return out
	}
	return endStatements(body, lower, out)
}

// findAllAt is re.FindAllStringSubmatchIndex(body, -1) for an expression
// whose every match starts where starts(body, i) holds (at a word
// boundary, so after a byte that is not a word character): each match is
// looked for from the next such place on, not from every byte of the
// body. The search from a place p runs on body[p:], which reads the word
// boundary at p as the whole body does, since body[p-1] is no word
// character; and no match starts between the last match's end and p.
func findAllAt(re *regexp.Regexp, body string, starts func(body string, i int) bool) [][]int {
	if strings.Contains(body, "\u017f") || strings.Contains(body, "\u212a") {
		// A match may start with a letter (?i) folds from outside ASCII,
		// which is no word character to \b: search the whole body.
		return re.FindAllStringSubmatchIndex(body, -1)
	}
	var out [][]int
	for pos := 0; pos < len(body); {
		p := pos
		for p < len(body) && !(starts(body, p) && (p == 0 || !isWordByte(body[p-1]))) {
			p++
		}
		if p == len(body) {
			break
		}
		m := re.FindStringSubmatchIndex(body[p:])
		if m == nil {
			break
		}
		for k := range m {
			if m[k] >= 0 {
				m[k] += p
			}
		}
		out = append(out, m)
		pos = m[1]
		if m[1] == m[0] {
			pos++ // as FindAll steps past an empty match (these have none)
		}
	}
	return out
}

// isWordByte is \b's word character: ASCII letter, digit or underscore.
func isWordByte(c byte) bool {
	return c == '_' || '0' <= c && c <= '9' || 'a' <= c|0x20 && c|0x20 <= 'z'
}

// rangeStarts is where a match of rangeRE may start: a date's "on" and
// white space, or "from" or "between", white space and a digit.
func rangeStarts(body string, i int) bool {
	switch body[i] | 0x20 {
	case 'o':
		j := foldAt(body, i, "on")
		return j >= 0 && spaces(body, j) > j
	case 'f':
		j := foldAt(body, i, "from")
		return j >= 0 && digitAfterSpace(body, j)
	case 'b':
		j := foldAt(body, i, "between")
		return j >= 0 && digitAfterSpace(body, j)
	}
	return false
}

// endStarts is where a match of endRE may start: a date's "on" and white
// space, or one of its phrases.
func endStarts(body string, i int) bool {
	if c := body[i] | 0x20; c == 'o' {
		j := foldAt(body, i, "on")
		return j >= 0 && spaces(body, j) > j
	}
	for _, p := range endPhrases {
		if foldAt(body, i, p) >= 0 {
			return true
		}
	}
	return false
}

// rangeMayMatch reports whether body holds what every match of rangeRE
// holds: "from" or "between" (in any case), white space, a digit.
func rangeMayMatch(body string) bool {
	for i := 0; i < len(body); i++ {
		var j int
		switch body[i] | 0x20 {
		case 'f':
			j = foldAt(body, i, "from")
		case 'b':
			j = foldAt(body, i, "between")
		default:
			continue
		}
		if j >= 0 && digitAfterSpace(body, j) {
			return true
		}
	}
	return false
}

// endPhrases are the words endRE's windows begin with, and endLinks the
// words between them and the clock.
var (
	endPhrases = []string{"returned to normal", "back to normal", "recovered", "resolved", "restored", "mitigated", "subsided", "ended"}
	endLinks   = []string{"at", "as of", "by"}
	endApprox  = []string{"approximately", "about", "around"}
)

// endMayMatch reports whether body holds what every match of endRE holds:
// one of its phrases, white space, "at", "as of" or "by", white space, and
// a digit, optionally after "approximately", "about" or "around" and white
// space; letters in any case, as (?i) matches them.
func endMayMatch(body string) bool {
	for i := 0; i < len(body); i++ {
		if c := body[i] | 0x20; c != 'r' && c != 'b' && c != 'm' && c != 's' && c != 'e' && body[i] != 0xc5 {
			continue
		}
		for _, p := range endPhrases {
			if c := body[i] | 0x20; c != p[0] && !(p[0] == 's' && body[i] == 0xc5) {
				continue
			}
			j := foldAt(body, i, p)
			if j < 0 || spaces(body, j) == j {
				continue
			}
			j = spaces(body, j)
			for _, l := range endLinks {
				k := foldAt(body, j, l)
				if k < 0 || spaces(body, k) == k {
					continue
				}
				k = spaces(body, k)
				if k < len(body) && body[k] >= '0' && body[k] <= '9' {
					return true
				}
				for _, a := range endApprox {
					if m := foldAt(body, k, a); m >= 0 && digitAfterSpace(body, m) {
						return true
					}
				}
			}
		}
	}
	return false
}

// foldAt matches phrase, lower-case ASCII, at body[i:] as a (?i)
// expression does: ASCII letters in either case, and s and k also as
// U+017F and U+212A, which fold to them. It returns the end of the match,
// or -1.
func foldAt(body string, i int, phrase string) int {
	for k := 0; k < len(phrase); k++ {
		if i >= len(body) {
			return -1
		}
		c, p := body[i], phrase[k]
		switch {
		case c == p || 'a' <= p && p <= 'z' && c == p-'a'+'A':
			i++
		case p == 's' && strings.HasPrefix(body[i:], "\u017f"):
			i += len("\u017f")
		case p == 'k' && strings.HasPrefix(body[i:], "\u212a"):
			i += len("\u212a")
		default:
			return -1
		}
	}
	return i
}

// spaces returns the index after the run of \s ([\t\n\f\r ]) at body[i:].
func spaces(body string, i int) int {
	for i < len(body) && strings.IndexByte("\t\n\f\r ", body[i]) >= 0 {
		i++
	}
	return i
}

// digitAfterSpace reports whether body[i:] is one or more \s and a digit.
func digitAfterSpace(body string, i int) bool {
	j := spaces(body, i)
	return j > i && j < len(body) && body[j] >= '0' && body[j] <= '9'
}

// hasClock reports whether body holds something every window the
// expressions accept has: a clock with minutes ("8:58") or a meridiem
// ("5pm", "11:02 a.m."). Most posts have none, and this scan costs a
// fraction of the expressions; it also runs for every update decoded
// without windows.
func hasClock(body string) bool {
	space := func(j int) int { // skips one \s, as the expressions do
		if j < len(body) && strings.IndexByte("\t\n\f\r ", body[j]) >= 0 {
			return j + 1
		}
		return j
	}
	for i := 0; i+1 < len(body); i++ {
		if body[i] < '0' || body[i] > '9' {
			continue
		}
		if body[i+1] == ':' && i+2 < len(body) && body[i+2] >= '0' && body[i+2] <= '9' {
			return true
		}
		j := space(i + 1)
		if j < len(body) && (body[j]|0x20 == 'a' || body[j]|0x20 == 'p') {
			j++
			if j < len(body) && body[j] == '.' {
				j++
			}
			if j = space(j); j < len(body) && body[j]|0x20 == 'm' {
				return true
			}
		}
	}
	return false
}

// group returns the named group of match m of re in s.
func group(re *regexp.Regexp, s string, m []int, name string) string {
	if i := re.SubexpIndex(name); i >= 0 && m[2*i] >= 0 {
		return s[m[2*i]:m[2*i+1]]
	}
	return ""
}

// endWords are the words endRE starts with.
var endWords = []string{"normal", "recovered", "resolved", "restored", "mitigated", "subsided", "ended"}

// endStatements appends the end-only windows of body to out.
func endStatements(body, lower string, out []statement) []statement {
	if !slices.ContainsFunc(endWords, func(w string) bool { return strings.Contains(lower, w) }) {
		return out
	}
	for _, m := range findAllAt(endRE, body, endStarts) {
		g := func(name string) string { return group(endRE, body, m, name) }
		s := statement{text: body[m[0]:m[1]], to: readProseClock(g("h2"), g("m2"), g("ap2")), toZone: g("z2"), date: g("d1") + g("d2")}
		s.text = trimWord(s.text, s.toZone, "", g("d2"))
		if !s.to.isClock() {
			continue
		}
		s.day, s.future = cues(body, m[0], m[1])
		out = append(out, s)
	}
	return out
}

// dayWords name the day of a window relative to the post's local date.
var dayWords = map[string]int{"today": 0, "tonight": 0, "tomorrow": 1, "yesterday": -1}

// futureWords, written before a window in its sentence, announce it ahead.
var futureWords = []string{"will", "we'll", "tonight", "tomorrow", "upcoming", "planned", "going to"}

// cues reads the sentence around body[start:end], a window: the day word
// it names anywhere, and whether the words before the window announce it
// ahead ("Maintenance will take place tonight from 22:00 - 22:20 PST"; not
// "Between 14:40 and 14:53 UTC requests failed; we will publish a
// review").
func cues(body string, start, end int) (day string, future bool) {
	from := strings.LastIndexAny(body[:start], ".!?\n") + 1
	to := len(body)
	for i := end; i < len(body); i++ {
		// A period ends the sentence unless it is one of "a.m." or "p.m.".
		if c := body[i]; c == '!' || c == '?' || c == '\n' || c == '.' && !strings.ContainsRune("aApPmM", rune(body[i-1])) {
			to = i
			break
		}
	}
	// The words as words() reads them, without building them: a day word
	// anywhere in the sentence (the last one counts), a future word or
	// "going to" before the window.
	prev := ""
	for w := range strings.FieldsFuncSeq(body[from:start], notWordRune) {
		if d := dayWordOf(w); d != "" {
			day = d
		}
		for _, f := range futureWords {
			if first, second, two := strings.Cut(f, " "); two {
				future = future || lowerIs(prev, first) && lowerIs(w, second)
			} else {
				future = future || lowerIs(w, f)
			}
		}
		prev = w
	}
	for w := range strings.FieldsFuncSeq(body[start:to], notWordRune) {
		if d := dayWordOf(w); d != "" {
			day = d
		}
	}
	return day, future
}

// notWordRune separates the words of words() and cues.
func notWordRune(r rune) bool { return !unicode.IsLetter(r) && r != '\'' && r != '’' }

// dayWordOf is the key of dayWords that w, read as words() reads it, is,
// or "".
func dayWordOf(w string) string {
	for d := range dayWords {
		if lowerIs(w, d) {
			return d
		}
	}
	return ""
}

// lowerIs reports whether w, with ’ made ' and lower-cased as words()
// does, is target (lower-case ASCII).
func lowerIs(w, target string) bool {
	i := 0
	for _, r := range w {
		if r == '’' {
			r = '\''
		}
		if i >= len(target) || unicode.ToLower(r) != rune(target[i]) {
			return false
		}
		i++
	}
	return i == len(target)
}

// words splits s into lower-case words of letters and apostrophes.
func words(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' && r != '’' })
	for i := range f {
		f[i] = strings.ToLower(strings.ReplaceAll(f[i], "’", "'"))
	}
	return f
}

// zoneName returns the zone a word after a clock names: a word of
// proseZones in any case, an unknown word in capitals ("IST", "API": a zone
// we refuse, or plain text), or "" for an ordinary word ("users", "on").
func zoneName(word string) string {
	up := strings.ToUpper(word)
	if proseZones[up] || (word == up && len(word) >= 2) {
		return up
	}
	return ""
}

// known reports whether zone, as zoneName returns it, is one of proseZones.
func known(zone string) bool { return proseZones[zone] }

// zones returns the zone words of s's ends, upper-cased. A zone written at
// one end applies to both. When one end has a known zone, an unknown word
// at the other is plain text ("From 13:35 UTC to 14:24 API calls failed");
// with no known zone at either end the window is refused.
func (s statement) zones() (from, to string, err error) {
	fz, tz := zoneName(s.fromZone), zoneName(s.toZone)
	switch {
	case known(fz) && known(tz):
	case known(fz):
		tz = fz
	case known(tz):
		fz = tz
	case fz != "":
		return "", "", fmt.Errorf("unknown time zone %q", fz)
	case tz != "":
		return "", "", fmt.Errorf("unknown time zone %q", tz)
	default:
		return "", "", fmt.Errorf("no time zone stated")
	}
	return fz, tz, nil
}

// trimWord drops from a window's text a final word that is not a zone
// ("... to 14:24 users", "... to 14:24 API" after a known zone at the
// start). An unknown word in capitals is kept when the start names no
// known zone: the window is then refused for it.
func trimWord(text, word, fromWord, dateAfter string) string {
	z := zoneName(word)
	if word == "" || dateAfter != "" || known(z) || (z != "" && !known(zoneName(fromWord))) {
		return text
	}
	return strings.TrimRight(strings.TrimSuffix(text, word), " (")
}

// place puts st on the calendar against posted, the time of the post
// stating it. The date is, in this order: a date written with the window;
// a day word's day ("tomorrow" is the day after the post's local date);
// else the post's local date in the window's zone. With no written date,
// a window announced ahead that would end before the post is moved a day
// forward ("tonight from 01:00 to 02:00" posted at 23:00), and one that
// reports what happened that would end after the post is moved a day back
// (a night's window posted the next morning); "today" and "tonight" pin
// the day for a report.
func (st statement) place(posted time.Time) Window {
	w := Window{Text: st.text, Future: st.future || st.day == "tonight" || st.day == "tomorrow"}
	fail := func(err error) Window {
		w.Problem = err.Error()
		return w
	}
	fromZone, toZone, err := st.zones()
	if err != nil {
		return fail(err)
	}
	// The post's calendar date in the zone's place (the zone's own rules).
	loc, err := lookupZone(toZone)
	if err != nil {
		return fail(err)
	}
	y, mo, d := posted.In(loc).Date()
	if st.date != "" {
		if y, mo, d, err = statedDate(st.date, posted); err != nil {
			return fail(err)
		}
	} else {
		d += dayWords[st.day]
	}
	at := func(days int) (start, end time.Time, err error) {
		var ok bool
		if end, ok = st.to.in(toZone, y, mo, d+days); !ok {
			return start, end, fmt.Errorf("no such time of day")
		}
		if !st.hasFrom {
			return start, end, nil
		}
		if start, ok = st.from.in(fromZone, y, mo, d+days); !ok {
			return start, end, fmt.Errorf("no such time of day")
		}
		if end.Before(start) {
			end, _ = st.to.in(toZone, y, mo, d+days+1)
			if end.Sub(start) > MidnightCross {
				return start, end, fmt.Errorf("ends before it starts")
			}
		}
		return start, end, nil
	}
	start, end, err := at(0)
	if err != nil {
		return fail(err)
	}
	if st.date == "" {
		switch {
		case w.Future && end.Before(posted.Add(-clockTolerance)):
			start, end, _ = at(1)
		case !w.Future && st.day == "" && end.After(posted.Add(clockTolerance)):
			start, end, _ = at(-1)
		}
	}
	if st.hasFrom {
		w.Start = start.UTC()
	}
	w.End = end.UTC()
	return w
}
