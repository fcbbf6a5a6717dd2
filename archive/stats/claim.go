package stats

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/statusarchive/statusarchive/archive/diff"
	"github.com/statusarchive/statusarchive/parser"
)

// ClaimSentence says what s says in the words an outage-history page uses
// for its own claim: "WorkOS had 44 outages in the last 2 years totaling
// 122h 18m of downtime — averaging 1.8 incidents per month." The downtime
// is the plain sum, as such pages add it up; window is the page's own
// wording ("2 years").
func ClaimSentence(vendor string, s Summary, window string) string {
	return sentence(vendor, s.Incidents, window, s.Downtime, s.PerMonth)
}

// sentence writes a claim in an outage-history page's words, "outage" in
// the singular for one.
func sentence(vendor string, outages int, window string, downtime time.Duration, perMonth float64) string {
	noun := "outages"
	if outages == 1 {
		noun = "outage"
	}
	return fmt.Sprintf("%s had %d %s in the last %s totaling %s of downtime — averaging %.1f incidents per month.",
		vendor, outages, noun, window, HoursMinutes(downtime), perMonth)
}

// HoursMinutes writes d as pages do: "122h 18m", rounded to the minute.
func HoursMinutes(d time.Duration) string {
	m := int64(d.Round(time.Minute) / time.Minute)
	return fmt.Sprintf("%dh %dm", m/60, m%60)
}

// Comparison sets a page's claim about itself beside the same figures
// computed from the archive.
type Comparison struct {
	Vendor  string `json:"vendor"`
	Window  string `json:"window"`
	Page    string `json:"page"`    // the page's sentence
	Archive string `json:"archive"` // ours, in the same words

	OutagesClaimed  int           `json:"outages_claimed"`
	Outages         int           `json:"outages"`
	DowntimeClaimed time.Duration `json:"downtime_claimed"`
	Downtime        time.Duration `json:"downtime"`
	PerMonthClaimed float64       `json:"per_month_claimed"`
	PerMonth        float64       `json:"per_month"`
	// Agree reports whether both say the same to the precision the page
	// writes: the count, the minute, one decimal.
	Agree    bool     `json:"agree"`
	Coverage Coverage `json:"coverage"`
}

// Compare sets the page's claim c beside s, the source's summary over the
// window the claim names.
func Compare(c parser.Claims, s Summary) Comparison {
	cmp := Comparison{
		Vendor: c.Vendor, Window: c.Window, Page: c.Text,
		Archive:        ClaimSentence(c.Vendor, s, c.Window),
		OutagesClaimed: c.Outages, Outages: s.Incidents,
		DowntimeClaimed: c.Downtime, Downtime: s.Downtime,
		PerMonthClaimed: c.PerMonth, PerMonth: s.PerMonth,
		Coverage: s.Coverage,
	}
	if cmp.Page == "" {
		cmp.Page = sentence(c.Vendor, c.Outages, c.Window, c.Downtime, c.PerMonth)
	}
	cmp.Agree = c.Outages == s.Incidents &&
		c.Downtime.Round(time.Minute) == s.Downtime.Round(time.Minute) &&
		fmt.Sprintf("%.1f", c.PerMonth) == fmt.Sprintf("%.1f", s.PerMonth)
	return cmp
}

// String prints the two sentences one above the other, for a terminal:
// control characters, escape sequences and bidi controls a page may have
// put in its text are shown escaped as diff.SafeText writes them (\x1b,
// \u202e), and so are new lines and tabs (\n, \t), never sent raw.
func (c Comparison) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "page:    %s\narchive: %s\n", printable(c.Page), printable(c.Archive))
	if !c.Coverage.WindowCovered && c.Coverage.Note != "" {
		fmt.Fprintf(&b, "note:    %s\n", c.Coverage.Note)
	}
	return b.String()
}

// lineBreaks escapes what diff.SafeText keeps but a one-line sentence
// must not contain.
var lineBreaks = strings.NewReplacer("\n", `\n`, "\t", `\t`)

// printable returns s safe to print on one line of a terminal.
func printable(s string) string {
	return lineBreaks.Replace(diff.SafeText(s))
}

var windowRE = regexp.MustCompile(`^\s*(\d+)\s*(years?|months?|weeks?|days?|y|m|w|d)\s*$`)

// WindowSince returns the start of a window that ends at until, as a page
// names it ("2 years", "90 days", "1 month") or in short ("2y", "24m",
// "3w", "90d").
func WindowSince(window string, until time.Time) (time.Time, error) {
	m := windowRE.FindStringSubmatch(strings.ToLower(window))
	if m == nil {
		return time.Time{}, fmt.Errorf("%w: window %q: want a count and years, months, weeks or days", ErrBadOptions, window)
	}
	n, err := strconv.Atoi(m[1])
	if err != nil || n <= 0 {
		return time.Time{}, fmt.Errorf("%w: window %q: bad count", ErrBadOptions, window)
	}
	switch m[2][0] {
	case 'y':
		return until.AddDate(-n, 0, 0), nil
	case 'm':
		return until.AddDate(0, -n, 0), nil
	case 'w':
		return until.AddDate(0, 0, -7*n), nil
	}
	return until.AddDate(0, 0, -n), nil
}

// ClaimWindow is the window a page's claims speak of, for setting the
// archive's figures beside them: from the claim's own start date, else its
// window back from seen (when the run saw the claim), to seen, or to
// opts.Until when that is earlier. ok is false when the claim names no
// window that can be read.
func ClaimWindow(c parser.Claims, seen time.Time, opts Options) (window Options, ok bool) {
	window = opts
	window.By = ""
	if window.Until.IsZero() || seen.Before(window.Until) {
		window.Until = seen
	}
	window.Since = c.Since.At
	if window.Since.IsZero() {
		var err error
		if window.Since, err = WindowSince(c.Window, seen); err != nil {
			return window, false
		}
	}
	return window, true
}
