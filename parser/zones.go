package parser

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	// The zone rules are compiled into the binary so that parsing gives the
	// same instants on every machine, whatever tzdata it has (or lacks).
	_ "time/tzdata"
)

// zoneAbbrev is what a time-zone abbreviation printed on a status page
// stands for: the IANA zone whose rules produce it, and the UTC offset the
// abbreviation itself denotes. Generic abbreviations ("PT", "ET") name a
// zone without saying whether summer time is in force: the zone's rule
// decides, and offset is unused.
type zoneAbbrev struct {
	zone    string
	offset  time.Duration
	generic bool
}

// zoneAbbrevs maps the abbreviations status pages print to zones. Where an
// abbreviation is shared, the choice follows what Statuspage (a Rails
// application using Rails' zone list) prints for its configurable zones:
//
//   - CST is US Central Standard Time, not China Standard Time (Rails
//     prints "CST" for both; US pages are by far the more common).
//   - IST is India Standard Time, not Irish Summer Time or Israel Standard
//     Time (Dublin pages print "IST" in summer, but Statuspage's Dublin
//     customers are few; the choice is documented in lookupZone).
//   - AST is Atlantic Standard Time (Halifax), not Arabia Standard Time
//     (modern tzdata prints "+03" for Riyadh, which we parse as an offset).
//   - BST is British Summer Time.
//   - GST is Gulf Standard Time (Dubai), not South Georgia Time.
//
// GMT and UTC denote offset zero and carry no summer time.
var zoneAbbrevs = map[string]zoneAbbrev{
	"UTC": {"UTC", 0, false},
	"UT":  {"UTC", 0, false},
	"Z":   {"UTC", 0, false},
	"GMT": {"UTC", 0, false},

	// Europe.
	"BST":  {"Europe/London", 1 * time.Hour, false},
	"WET":  {"Europe/Lisbon", 0, false},
	"WEST": {"Europe/Lisbon", 1 * time.Hour, false},
	"CET":  {"Europe/Berlin", 1 * time.Hour, false},
	"CEST": {"Europe/Berlin", 2 * time.Hour, false},
	"MET":  {"Europe/Berlin", 1 * time.Hour, false},
	"MEST": {"Europe/Berlin", 2 * time.Hour, false},
	"EET":  {"Europe/Athens", 2 * time.Hour, false},
	"EEST": {"Europe/Athens", 3 * time.Hour, false},
	"MSK":  {"Europe/Moscow", 3 * time.Hour, false},

	// Africa and the Middle East.
	"WAT":  {"Africa/Lagos", 1 * time.Hour, false},
	"CAT":  {"Africa/Maputo", 2 * time.Hour, false},
	"SAST": {"Africa/Johannesburg", 2 * time.Hour, false},
	"EAT":  {"Africa/Nairobi", 3 * time.Hour, false},
	"IDT":  {"Asia/Jerusalem", 3 * time.Hour, false},

	// Asia.
	"GST": {"Asia/Dubai", 4 * time.Hour, false}, // Gulf Standard Time
	"PKT": {"Asia/Karachi", 5 * time.Hour, false},
	"IST": {"Asia/Kolkata", 5*time.Hour + 30*time.Minute, false},
	"NPT": {"Asia/Kathmandu", 5*time.Hour + 45*time.Minute, false},
	"ICT": {"Asia/Bangkok", 7 * time.Hour, false},
	"WIB": {"Asia/Jakarta", 7 * time.Hour, false},
	"SGT": {"Asia/Singapore", 8 * time.Hour, false},
	"HKT": {"Asia/Hong_Kong", 8 * time.Hour, false},
	"MYT": {"Asia/Kuala_Lumpur", 8 * time.Hour, false},
	"PHT": {"Asia/Manila", 8 * time.Hour, false},
	"JST": {"Asia/Tokyo", 9 * time.Hour, false},
	"KST": {"Asia/Seoul", 9 * time.Hour, false},

	// Australia and the Pacific.
	"AWST": {"Australia/Perth", 8 * time.Hour, false},
	"ACST": {"Australia/Adelaide", 9*time.Hour + 30*time.Minute, false},
	"ACDT": {"Australia/Adelaide", 10*time.Hour + 30*time.Minute, false},
	"AEST": {"Australia/Sydney", 10 * time.Hour, false},
	"AEDT": {"Australia/Sydney", 11 * time.Hour, false},
	"NZST": {"Pacific/Auckland", 12 * time.Hour, false},
	"NZDT": {"Pacific/Auckland", 13 * time.Hour, false},
	"HST":  {"Pacific/Honolulu", -10 * time.Hour, false},

	// The Americas.
	"AKST": {"America/Anchorage", -9 * time.Hour, false},
	"AKDT": {"America/Anchorage", -8 * time.Hour, false},
	"PST":  {"America/Los_Angeles", -8 * time.Hour, false},
	"PDT":  {"America/Los_Angeles", -7 * time.Hour, false},
	"MST":  {"America/Denver", -7 * time.Hour, false},
	"MDT":  {"America/Denver", -6 * time.Hour, false},
	"CST":  {"America/Chicago", -6 * time.Hour, false},
	"CDT":  {"America/Chicago", -5 * time.Hour, false},
	"EST":  {"America/New_York", -5 * time.Hour, false},
	"EDT":  {"America/New_York", -4 * time.Hour, false},
	"AST":  {"America/Halifax", -4 * time.Hour, false},
	"ADT":  {"America/Halifax", -3 * time.Hour, false},
	"NST":  {"America/St_Johns", -(3*time.Hour + 30*time.Minute), false},
	"NDT":  {"America/St_Johns", -(2*time.Hour + 30*time.Minute), false},
	"COT":  {"America/Bogota", -5 * time.Hour, false},
	"PET":  {"America/Lima", -5 * time.Hour, false},
	"CLT":  {"America/Santiago", -4 * time.Hour, false},
	"CLST": {"America/Santiago", -3 * time.Hour, false},
	"BRT":  {"America/Sao_Paulo", -3 * time.Hour, false},
	"ART":  {"America/Argentina/Buenos_Aires", -3 * time.Hour, false},

	// Generic abbreviations: the zone's rule decides summer time.
	"PT": {"America/Los_Angeles", 0, true},
	"MT": {"America/Denver", 0, true},
	"CT": {"America/Chicago", 0, true},
	"ET": {"America/New_York", 0, true},
}

// loadZones loads every zone named in zoneAbbrevs, once. The locations are
// immutable after loading and shared by every caller.
var loadZones = sync.OnceValues(func() (map[string]*time.Location, error) {
	zones := map[string]*time.Location{}
	for _, a := range zoneAbbrevs {
		if _, ok := zones[a.zone]; ok {
			continue
		}
		loc, err := time.LoadLocation(a.zone)
		if err != nil {
			return nil, fmt.Errorf("load zone %s: %w", a.zone, err)
		}
		zones[a.zone] = loc
	}
	return zones, nil
})

// offsetZone matches a numeric zone: "+07", "-0330", "+05:30", "UTC+2",
// "GMT-03:00", "GMT+0", "UTC".
var offsetZone = regexp.MustCompile(`^(?:UTC|GMT)?([+\-−])(\d{1,2})(?::?(\d{2}))?$`)

// parseOffsetZone returns the offset a numeric zone denotes.
func parseOffsetZone(s string) (time.Duration, bool) {
	m := offsetZone.FindStringSubmatch(s)
	if m == nil {
		return 0, false
	}
	h, _ := strconv.Atoi(m[2])
	mins := 0
	if m[3] != "" {
		mins, _ = strconv.Atoi(m[3])
	}
	if h > 14 || mins > 59 {
		return 0, false
	}
	off := time.Duration(h)*time.Hour + time.Duration(mins)*time.Minute
	if m[1] != "+" {
		off = -off
	}
	return off, true
}

// canonicalZone returns the upper-case form of a zone abbreviation as pages
// print it, without surrounding spaces, brackets or a trailing period.
func canonicalZone(abbrev string) string {
	s := strings.TrimSpace(abbrev)
	s = strings.Trim(s, "().")
	return strings.ToUpper(strings.TrimSpace(s))
}

// lookupZone returns the zone a time-zone abbreviation printed on a status
// page stands for. Named abbreviations (PST, CEST, AEDT, ...) give the IANA
// zone whose rules produce them, loaded once from the tzdata compiled into
// the binary; generic ones (PT, ET, CT, MT) give the zone whose rule decides
// summer time; numeric ones ("+07", "UTC+2", "GMT-03:30") give a fixed zone
// with that offset. Ambiguous abbreviations follow Statuspage's usage: CST
// is US Central, IST is India, AST is Atlantic (Halifax), BST is British
// Summer Time. Case and surrounding brackets are ignored.
//
// An abbreviation it does not know is an error wrapping ErrUnknownZone that
// names it: a time is never silently taken as UTC.
//
// Note that a named abbreviation fixes the offset by itself: use zoneTime to
// turn a wall-clock reading into an instant.
func lookupZone(abbrev string) (*time.Location, error) {
	s := canonicalZone(abbrev)
	if a, ok := zoneAbbrevs[s]; ok {
		zones, err := loadZones()
		if err != nil {
			return nil, err
		}
		return zones[a.zone], nil
	}
	if off, ok := parseOffsetZone(s); ok {
		return time.FixedZone(s, int(off/time.Second)), nil
	}
	return nil, fmt.Errorf("%w %q", ErrUnknownZone, strings.TrimSpace(abbrev))
}

// zoneTime returns the instant a wall-clock reading labelled with a zone
// abbreviation denotes, in UTC.
//
// A named abbreviation denotes a fixed offset (PST is always UTC-8, PDT
// always UTC-7), and the page's label says which: the reading is taken at
// that offset whatever the zone's rule gives. Pages do print "PST" in July
// (a vendor that hard-codes the label, or Arizona's MST all year); since the
// page literally says PST, the reading is taken at PST's standard offset.
// The label also settles readings in the repeated hour of an autumn change
// ("01:30 BST" and "01:30 GMT" on the last Sunday of October are an hour
// apart) and in the hour a spring change skips ("02:30 PST" and "02:30 PDT"
// on 2025-03-09 are 10:30 and 09:30 UTC).
//
// A generic abbreviation (PT, ET) takes whatever offset its zone's rule
// gives at that reading; a numeric one ("+07", "UTC+2") its own offset.
// Unknown abbreviations give ErrUnknownZone.
func zoneTime(abbrev string, year int, month time.Month, day, hour, minute int) (time.Time, error) {
	s := canonicalZone(abbrev)
	var off time.Duration
	var fixed bool
	if a, ok := zoneAbbrevs[s]; ok {
		if a.generic {
			loc, err := lookupZone(s)
			if err != nil {
				return time.Time{}, err
			}
			return time.Date(year, month, day, hour, minute, 0, 0, loc).UTC(), nil
		}
		off, fixed = a.offset, true
	} else {
		off, fixed = parseOffsetZone(s)
	}
	if !fixed {
		return time.Time{}, fmt.Errorf("%w %q", ErrUnknownZone, strings.TrimSpace(abbrev))
	}
	// The reading at a fixed offset, without a Location per call: the
	// same instant as time.Date in time.FixedZone(s, off), in UTC.
	return time.Date(year, month, day, hour, minute, 0, 0, time.UTC).Add(-off.Truncate(time.Second)), nil
}
