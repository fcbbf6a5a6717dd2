package parser

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
)

// FormatHundio is a Hund.io status page: the home page (components in
// section.groups, the overall state in aside.state-bar, recent events in
// section.history) and its /history pages. Times are <time datetime> in
// UTC with the page-zone text beside them ("Jan 23, 2021 2:50 AM CST").
//
// Only an empty home page was captured ("Nothing has happened recently.");
// the markup of an event (div.event with a title link to /issues/<id>, a
// state span, and div.update posts of a label, a <time> and a body) is
// reconstructed from Hund's component markup and is documented in
// fixtures/README.md.
const FormatHundio Format = "hundio"

func init() {
	register(format{name: FormatHundio, sniff: sniffHundio, parse: parseHundio})
	describeFormat(FormatInfo{Name: FormatHundio, Platform: "Hund.io",
		Example: "https://status.example.com/ (and /history?page=N)",
		Reads:   "home page and history pages (HTML)"})
}

// hundImpact maps an event's state class, the words Hund uses for states.
var hundImpact = impactWords("Hund.io", "state class", map[string]Impact{
	"operational": ImpactNone,
	"degraded":    ImpactMinor,
	"outage":      ImpactMajor,
	"maintenance": ImpactMaintenance,
})

// hundStatus maps an update's label.
var hundStatus = statusWords("Hund.io", "update label", map[string]Status{
	"Investigating": StatusInvestigating,
	"Identified":    StatusIdentified,
	"Monitoring":    StatusMonitoring,
	"Resolved":      StatusResolved,
	"Update":        StatusUpdate,
	"Scheduled":     StatusScheduled,
	"In Progress":   StatusInProgress,
	"Completed":     StatusCompleted,
})

// hundDOM parses body and says whether it is a Hund.io page: a home page
// (state bar and component groups) or a history page (section.history and
// the "Powered By Hund.io" link).
func hundDOM(doc Document) (*goquery.Document, bool) {
	dom, ok := docDOM(doc)
	if !ok {
		return nil, false
	}
	// aside.state-bar with section.groups section.group, or
	// section.history with a[href^="https://hund.io"]: read by the shared
	// walk.
	s := doc.signals()
	ok = s != nil && (s.hundStateBar && s.hundGroup || s.hundHistory && s.hundLink)
	return dom, ok
}

func sniffHundio(doc Document) int {
	if _, ok := hundDOM(doc); ok {
		return 75
	}
	return 0
}

func parseHundio(doc Document) (*Page, error) {
	dom, ok := hundDOM(doc)
	if !ok {
		return nil, errWrongPlatform("Hund.io", "no state bar with component groups and no history section")
	}
	base, _ := url.Parse(doc.URL)
	page := &Page{Incidents: []Incident{}}
	if strings.HasSuffix(feedURLPath(doc.URL), "/history") {
		page.Scope = ScopeListing
	}
	var err error
	dom.Find("section.history div.event").EachWithBreak(func(i int, ev *goquery.Selection) bool {
		var in Incident
		if in, err = hundEvent(ev, base); err != nil {
			err = &ParseError{Field: fmt.Sprintf("event %d", i), Err: err}
			return false
		}
		page.Incidents = append(page.Incidents, in)
		return true
	})
	if err != nil {
		return nil, err
	}
	// The home page links to the history; a history page to the next
	// (older) one.
	link := dom.Find(`section.history a[rel~="next"]`).First()
	if page.Scope != ScopeListing {
		link = dom.Find(`section.history a.history-link`).First()
	}
	if href, ok := link.Attr("href"); ok && base != nil {
		if ref, perr := url.Parse(strings.TrimSpace(href)); perr == nil {
			page.Follow = append(page.Follow, Follow{URL: base.ResolveReference(ref).String(), Reason: FollowNext})
		}
	}
	return page, nil
}

func hundEvent(ev *goquery.Selection, base *url.URL) (Incident, error) {
	a := ev.Find(".title a").First()
	href, _ := a.Attr("href")
	in := Incident{Kind: KindIncident, Title: strings.TrimSpace(a.Text()), Updates: []Update{}}
	if i := strings.LastIndex(href, "/issues/"); i >= 0 {
		in.ID = strings.Trim(href[i+len("/issues/"):], "/")
	}
	if in.ID == "" {
		return in, fmt.Errorf("%w: event %q has no /issues/<id> link", ErrInvalidRecord, in.Title)
	}
	if ref, err := url.Parse(href); err == nil && base != nil {
		in.URL = base.ResolveReference(ref).String()
	}
	state := ev.Find("span.state").First()
	in.ImpactRaw, _ = state.Attr("title")
	for _, class := range strings.Fields(state.AttrOr("class", "")) {
		if imp := hundImpact.Impact(class); imp != ImpactUnknown {
			in.Impact = imp
		}
	}
	if in.Impact == ImpactMaintenance {
		in.Kind = KindMaintenance
	}
	ev.Find(".title ~ .components li, ul.components li").Each(func(_ int, li *goquery.Selection) {
		in.Components = append(in.Components, Component{Name: strings.TrimSpace(li.Text())})
	})
	var err error
	ev.Find("div.update").EachWithBreak(func(k int, u *goquery.Selection) bool {
		label := strings.TrimSpace(u.Find(".label").First().Text())
		tm := u.Find("time[datetime]").First()
		stamp, _ := tm.Attr("datetime")
		at, perr := time.Parse(time.RFC3339, strings.TrimSpace(stamp))
		if perr != nil {
			err = fmt.Errorf("event %s: update %d: %w: datetime %q", in.ID, k, ErrBadTime, stamp)
			return false
		}
		body := strings.TrimSpace(bodyText(u.Find(".body").Nodes))
		// An empty <time> element leaves the attribute as the page's text.
		text := strings.TrimSpace(tm.Text())
		if text == "" {
			text = strings.TrimSpace(stamp)
		}
		in.Updates = append(in.Updates, Update{
			Status:    hundStatus.Status(label),
			StatusRaw: label,
			At:        NewTime(at, text),
			Body:      body,
		})
		return true
	})
	if err != nil {
		return in, err
	}
	in.Status, in.StatusRaw, _ = latestStatus(in.Updates)
	return in, nil
}
