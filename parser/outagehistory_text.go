package parser

// The outage-history parser's readers of single texts: timestamps, the
// summary's claims, durations.

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
)

// ohStampPartsRE splits a stamp into month, day, year, hour, minute,
// second, AM/PM letter and zone.
var ohStampPartsRE = regexp.MustCompile(`^([A-Za-z]{3,9})\.? (\d{1,2}), (\d{4}),? (\d{1,2}):(\d{2})(?::(\d{2}))?(?: ?([AaPp])\.?[Mm]\.?)?(?: (\S+))?$`)

// A relative time a page may print beside a timestamp ("(3 hours ago)",
// "· 2 days ago", "just now") changes with every render, so it is read
// neither as part of the stamp nor as body text.
const ohRelativePat = `(?:(?:about|almost|over|nearly|less than) )?(?:(?:\d+|an?|one) (?:second|sec|minute|min|hour|hr|day|week|month|year)s?(?:,? and (?:\d+|an?|one) (?:second|sec|minute|min|hour|hr|day|week|month|year)s?)? ago|just now|yesterday|today)`

var (
	ohRelativeStartRE = regexp.MustCompile(`(?i)^[\s(\[·•–—-]*` + ohRelativePat + `[\s)\]]*`)
	ohRelativeEndRE   = regexp.MustCompile(`(?i)[\s(\[·•–—-]*` + ohRelativePat + `[\s)\]]*$`)
)

// ohAfterStamp drops a relative time that follows a stamp at the start of
// the text after it; the vendor's own words ("errors began 2 hours ago")
// further on are kept.
func ohAfterStamp(s string) string {
	if s == "" {
		return ""
	}
	return strings.TrimSpace(ohRelativeStartRE.ReplaceAllString(s, ""))
}

// ohStampOnly drops a relative time from the end of a value that is a
// stamp and nothing else (a detail page's Started row).
func ohStampOnly(s string) string {
	return strings.TrimSpace(ohRelativeEndRE.ReplaceAllString(s, ""))
}

var ohMonths = [...]string{"january", "february", "march", "april", "may", "june", "july", "august", "september", "october", "november", "december"}

// ohParseStamp reads "Jun 22, 2026, 02:03 PM UTC" (12- or 24-hour, any
// month spelling from three letters up, optional seconds). The zone is
// required; see ohZoneTime.
func ohParseStamp(text string) (Time, error) {
	var m []string
	if end, parts, ok := ohStampPrefix(text); ok && end == len(text) {
		m = parts[:]
	} else {
		m = ohStampPartsRE.FindStringSubmatch(text)
	}
	if m == nil {
		return Time{}, fmt.Errorf("%w: %q is not a month-day-year time", ErrBadTime, text)
	}
	month := time.Month(0)
	name := strings.ToLower(m[1])
	for k, full := range ohMonths {
		if len(name) >= 3 && strings.HasPrefix(full, name) {
			month = time.Month(k + 1)
		}
	}
	day, _ := strconv.Atoi(m[2])
	year, _ := strconv.Atoi(m[3])
	hour, _ := strconv.Atoi(m[4])
	minute, _ := strconv.Atoi(m[5])
	sec := 0
	if m[6] != "" {
		sec, _ = strconv.Atoi(m[6])
	}
	bad := func(why string) (Time, error) {
		return Time{}, fmt.Errorf("%w: %q: %s", ErrBadTime, text, why)
	}
	switch {
	case month == 0:
		return bad("unknown month " + strconv.Quote(m[1]))
	case day < 1 || day > time.Date(year, month+1, 0, 0, 0, 0, 0, time.UTC).Day():
		return bad("no such day")
	case minute > 59 || sec > 59:
		return bad("minute or second out of range")
	}
	switch strings.ToLower(m[7]) {
	case "":
		if hour > 23 {
			return bad("hour out of range")
		}
	case "a", "p":
		if hour < 1 || hour > 12 {
			return bad("hour out of range for a 12-hour clock")
		}
		hour %= 12
		if strings.EqualFold(m[7], "p") {
			hour += 12
		}
	}
	at, err := ohZoneTime(m[8], year, month, day, hour, minute)
	if err != nil {
		return Time{}, fmt.Errorf("%q: %w", text, err)
	}
	return NewTime(at.Add(time.Duration(sec)*time.Second), text), nil
}

// ohZoneTime turns a wall-clock reading and its zone label into an instant.
// This family prints UTC; every label goes through the shared zone table
// (zoneTime), which refuses what it does not know with ErrUnknownZone. A
// reading with no zone is refused: we never guess UTC.
func ohZoneTime(zone string, year int, month time.Month, day, hour, minute int) (time.Time, error) {
	if zone == "" {
		return time.Time{}, fmt.Errorf("%w: no time zone", ErrBadTime)
	}
	return zoneTime(zone, year, month, day, hour, minute)
}

var (
	ohHadRE = regexp.MustCompile(`(?i)\bhad (\d[\d,]*) outages? in the last ((?:\d+ )?(?:years?|months?|weeks?|days?))` +
		`(?: totaling (.+?) of downtime)?(?:\s*[—–,\-]*\s*averaging ([\d.]+) (?:incidents?|outages?) (?:per|a|each) month)?\.?`)
	ohThereRE = regexp.MustCompile(`(?i)\bthere (?:were|was) (\d[\d,]*) (.+?) outages? since ([A-Za-z]{3,9}\.? \d{1,2}, \d{4})(?: totaling (.+?) of downtime)?`)
	ohHeadRE  = regexp.MustCompile(`(?i)^(.+?) outage history$`)
	ohNowRE   = regexp.MustCompile(`(?i)\bright now\.?$`)
	ohSpanRE  = regexp.MustCompile(`(?i)(\d+(?:\.\d+)?)\s*(d|days?|h|hrs?|hours?|m|mins?|minutes?|s|secs?|seconds?)\b`)
)

// ohClaims reads the page's own figures from its summary sentences; nil
// when it states none.
func ohClaims(blocks []ohBlock) *Claims {
	var c Claims
	found := false
	vendor := ""
	for _, b := range blocks {
		if m := ohHeadRE.FindStringSubmatch(b.text); m != nil && vendor == "" {
			vendor = m[1]
		}
		if m := ohThereRE.FindStringSubmatch(b.text); m != nil {
			found = true
			if vendor == "" {
				vendor = m[2]
			}
			if c.Outages == 0 {
				c.Outages = ohAtoi(m[1])
			}
			if t, err := ohParseDay(m[3]); err == nil {
				c.Since = t
			}
			if m[4] != "" && c.DowntimeText == "" {
				c.DowntimeText, c.Downtime = m[4], ohSpan(m[4])
			}
		}
	}
	for _, b := range blocks {
		loc := ohHadRE.FindStringSubmatchIndex(b.text)
		if loc == nil {
			continue
		}
		found = true
		m := func(k int) string {
			if loc[2*k] < 0 {
				return ""
			}
			return b.text[loc[2*k]:loc[2*k+1]]
		}
		prefix := strings.TrimSpace(b.text[:loc[0]])
		who := prefix
		if vendor != "" && strings.HasSuffix(prefix, vendor) {
			who = vendor
		} else if k := strings.LastIndex(prefix, ". "); k >= 0 {
			who = strings.TrimSpace(prefix[k+2:])
		}
		if status := strings.TrimSpace(strings.TrimSuffix(prefix, who)); status != "" {
			c.StatusText = status
		}
		if c.Vendor == "" {
			c.Vendor = who
		}
		c.Outages = ohAtoi(m(1))
		c.Window = m(2)
		if m(3) != "" {
			c.DowntimeText, c.Downtime = m(3), ohSpan(m(3))
		}
		if m(4) != "" {
			c.PerMonth, _ = strconv.ParseFloat(m(4), 64)
		}
		start := loc[0]
		if who != "" {
			start = max(strings.LastIndex(b.text[:loc[0]], who), 0)
		}
		c.Text = strings.TrimSpace(b.text[start:loc[1]])
		break
	}
	if !found {
		return nil
	}
	if c.Vendor == "" {
		c.Vendor = vendor
	}
	if c.StatusText == "" {
		for _, b := range blocks {
			if ohNowRE.MatchString(b.text) && len(b.text) < 120 {
				c.StatusText = b.text
				break
			}
		}
	}
	return &c
}

func ohAtoi(s string) int {
	n, _ := strconv.Atoi(strings.ReplaceAll(s, ",", ""))
	return n
}

// ohSpan reads "122h 18m", "45m", "2 days 3 hours" as a duration.
func ohSpan(s string) time.Duration {
	var d time.Duration
	for _, m := range ohSpanRE.FindAllStringSubmatch(s, -1) {
		v, err := strconv.ParseFloat(m[1], 64)
		if err != nil {
			continue
		}
		unit := time.Second
		switch m[2][0] {
		case 'd', 'D':
			unit = 24 * time.Hour
		case 'h', 'H':
			unit = time.Hour
		case 'm', 'M':
			unit = time.Minute
		}
		d += time.Duration(v * float64(unit))
	}
	return d
}

// ohParseDay reads "February 28, 2025" as midnight UTC.
func ohParseDay(s string) (Time, error) {
	for _, layout := range []string{"January 2, 2006", "Jan 2, 2006", "Jan. 2, 2006"} {
		if t, err := time.Parse(layout, s); err == nil {
			return NewTime(t, s), nil
		}
	}
	return Time{}, fmt.Errorf("%w: %q", ErrBadTime, s)
}
