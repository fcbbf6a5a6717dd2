package notify

import (
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/diff"
	"github.com/statusarchive/statusarchive/parser"
)

// excerptRunes is how much of an update's body, or of a list of changes, a
// notification's text quotes.
const excerptRunes = 300

// eventWords are how a notification's text names its event.
var eventWords = map[string]string{
	archive.EventNewIncident: "New incident",
	archive.EventNewUpdate:   "New update",
	archive.EventEdited:      "Edited by the vendor",
	archive.EventDeleted:     "Deleted by the vendor",
	archive.EventRestored:    "Restored",
	archive.EventStale:       "Source stale",
	archive.EventRecovered:   "Source recovered",
}

// Announce is the archive's Announcer (archive.Options.Announce): it
// classifies an incident's new version against the one before it with
// diff.Classify, names the event, writes the text and carries the field
// diff in the payload. A change no reader would see, and a parser change,
// announce nothing.
func Announce(c archive.IncidentChange) (archive.Announcement, bool) {
	var prev *parser.Incident
	prevDeleted := false
	if c.Previous != nil {
		prev, prevDeleted = &c.Previous.Incident, c.Previous.Deleted
	}
	cur := c.Version
	kind, d := diff.Classify(prev, cur.Incident, cur.Deleted, prevDeleted, string(cur.Origin))
	if kind == diff.ChangeNone || kind == diff.ChangeParserChange {
		return archive.Announcement{}, false
	}
	a := archive.Announcement{Event: string(kind), Text: IncidentText(c.Source, string(kind), cur.Incident, d)}
	if d != nil {
		a.Detail = d
	}
	return a, true
}

// IncidentText is the Slack text of a notification about an incident: the
// source, the event and the title with its facts (diff.Facts); then, for a
// new incident or update, the start of the newest update, for an edit what
// changed; then a link.
func IncidentText(source, event string, inc parser.Incident, d *diff.Diff) string {
	var b strings.Builder
	fmt.Fprintf(&b, "[%s] %s: *%s*", slack(source), eventWords[event], slack(inc.Title))
	if facts := diff.Facts(inc); len(facts) > 0 {
		fmt.Fprintf(&b, " (%s)", slack(strings.Join(facts, ", ")))
	}
	switch event {
	case archive.EventNewIncident, archive.EventNewUpdate, archive.EventRestored:
		if u, ok := newest(inc); ok && u.Body != "" {
			b.WriteString("\n> " + slack(excerpt(u.Body, excerptRunes)))
		}
	case archive.EventEdited:
		if what := changedFields(d); what != "" {
			b.WriteString("\nChanged: " + slack(what))
		}
	}
	if inc.URL != "" && !strings.ContainsAny(inc.URL, "|<> \n") && (strings.HasPrefix(inc.URL, "https://") || strings.HasPrefix(inc.URL, "http://")) {
		b.WriteString("\n<" + inc.URL + "|View incident>")
	}
	return b.String()
}

// StatusText is the Slack text of a daemon notification about a source:
// archive.EventStale after failures failed runs in a row, or
// archive.EventRecovered.
func StatusText(event, source string, failures int) string {
	switch event {
	case archive.EventStale:
		return fmt.Sprintf("[%s] %s: its last %d runs all failed; its records stay as they were", slack(source), eventWords[event], failures)
	case archive.EventRecovered:
		return fmt.Sprintf("[%s] %s: a run archived its records again", slack(source), eventWords[event])
	}
	return fmt.Sprintf("[%s] %s", slack(source), slack(event))
}

// newest is the update with the latest time, else the last listed.
func newest(inc parser.Incident) (parser.Update, bool) {
	if len(inc.Updates) == 0 {
		return parser.Update{}, false
	}
	best := inc.Updates[len(inc.Updates)-1]
	for _, u := range inc.Updates {
		if u.At.At.After(best.At.At) {
			best = u
		}
	}
	return best, true
}

// changedFields names what an edit changed: "impact major → minor, an
// update's body".
func changedFields(d *diff.Diff) string {
	if d == nil {
		return ""
	}
	var parts []string
	for _, f := range d.Fields {
		parts = append(parts, fmt.Sprintf("%s %s → %s", f.Field, orNone(f.From), orNone(f.To)))
	}
	if c := d.Components; len(c.Added)+len(c.Removed)+len(c.Changed) > 0 {
		parts = append(parts, "components")
	}
	kinds := map[diff.UpdateKind]int{}
	for _, u := range d.Updates {
		kinds[u.Kind]++
	}
	for _, k := range []diff.UpdateKind{diff.UpdateAdded, diff.UpdateRemoved, diff.UpdateEdited, diff.UpdateMoved, diff.UpdateRestatused} {
		if n := kinds[k]; n > 0 {
			parts = append(parts, fmt.Sprintf("%d update%s %s", n, plural(n), k))
		}
	}
	return excerpt(strings.Join(parts, ", "), excerptRunes)
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// excerpt is s on one line, cut to at most max runes with an ellipsis.
func excerpt(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if utf8.RuneCountInString(s) <= max {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:max-1])) + "…"
}

// slack makes scraped text safe for a terminal and for Slack's mrkdwn,
// where &, < and > must be escaped.
func slack(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(diff.SafeText(s))
}
