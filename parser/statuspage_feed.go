package parser

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/PuerkitoBio/goquery"
	"golang.org/x/net/html"
)

// FormatStatuspageFeed is Statuspage's incident feed, /history.atom or
// /history.rss. Each entry is one incident; its HTML content holds one <p>
// per update, newest first, each with a year-less time, a status word and
// the body. The feed does not give impact, and holds a recent window of
// the history, not all of it.
const FormatStatuspageFeed Format = "statuspage-feed"

func init() {
	register(format{name: FormatStatuspageFeed, sniff: sniffStatuspageFeed, parse: parseStatuspageFeed})
}

// feedDoc decodes both feed dialects: an Atom <feed> or an RSS <rss>.
// The vendors' RSS parsers (Azure, AWS Health) read it too: what only they
// read is marked so.
type feedDoc struct {
	XMLName xml.Name
	// Atom.
	ID      string      `xml:"id"`
	Entries []atomEntry `xml:"entry"`
	// RSS.
	Channel struct {
		Link      string    `xml:"link"`
		Title     string    `xml:"title"`     // vendors
		Generator string    `xml:"generator"` // vendors
		Items     []rssItem `xml:"item"`
	} `xml:"channel"`
}

type atomEntry struct {
	ID        string `xml:"id"`
	Published string `xml:"published"`
	Updated   string `xml:"updated"`
	Links     []struct {
		Rel  string `xml:"rel,attr"`
		Href string `xml:"href,attr"`
	} `xml:"link"`
	Title   string `xml:"title"`
	Content string `xml:"content"`
}

type rssItem struct {
	Title       string `xml:"title"`
	Description string `xml:"description"`
	PubDate     string `xml:"pubDate"`
	Link        string `xml:"link"`
	GUID        string `xml:"guid"`
	// Vendors.
	Categories []string `xml:"category"`
}

// feedEntry is an Atom entry or RSS item reduced to what both carry.
type feedEntry struct {
	link    string
	title   string
	content string
	ref     time.Time // the latest time the feed gives the entry
	refText string
}

// sniffStatuspageFeed reads the decoded feed (kept for the parse): an Atom
// feed whose entries have Statuspage ids ("tag:…,2005:Incident/…") and
// incident links, a feed whose entries link to incidents and whose content
// marks its times with <var data-var>, an empty Statuspage history feed,
// or an RSS /history.rss whose items link to incidents.
func sniffStatuspageFeed(doc Document) int {
	if doc.syntax() != syntaxXML {
		return 0
	}
	root, _ := doc.xmlRoot()
	isAtom, isRSS := root.Local == "feed", root.Local == "rss"
	if !isAtom && !isRSS {
		return 0
	}
	feed, err := decodeFeed(doc)
	if err != nil {
		return 0
	}
	hasIncidents, statuspageIDs := false, false
	var content string
	for _, e := range feed.Entries {
		for _, l := range e.Links {
			hasIncidents = hasIncidents || incidentCode(l.Href) != ""
		}
		statuspageIDs = statuspageIDs || strings.Contains(e.ID, ",2005:Incident/")
		if content == "" {
			content = e.Content
		}
	}
	for _, it := range feed.Channel.Items {
		hasIncidents = hasIncidents || incidentCode(it.Link) != "" || incidentCode(it.GUID) != ""
		if content == "" {
			content = it.Description
		}
	}
	switch {
	case isAtom && hasIncidents && statuspageIDs:
		return 85
	case hasIncidents && hasDataVar(content):
		return 85
	case isAtom && len(feed.Entries) == 0 && strings.HasSuffix(strings.TrimSpace(feed.ID), ",2005:/history"):
		return 60 // a Statuspage feed with nothing in it yet
	case isRSS && hasIncidents && strings.HasSuffix(feedURLPath(doc.URL), "/history.rss"):
		return 80
	}
	return 0
}

// decodeFeed decodes doc as an Atom or RSS feed, once per view.
func decodeFeed(doc Document) (*feedDoc, error) {
	feed, err := xmlFeedOf(doc)
	if err != nil {
		return nil, errNotStatuspage("not an XML feed: " + err.Error())
	}
	return feed, nil
}

// xmlFeedOf decodes doc strictly as an Atom or RSS feed, once per view
// however many parsers ask.
func xmlFeedOf(doc Document) (*feedDoc, error) {
	return decodeOnce(doc, "xml-feed", func() (*feedDoc, error) {
		var feed feedDoc
		dec := xml.NewDecoder(bytes.NewReader(doc.Body))
		dec.Strict = true
		if err := dec.Decode(&feed); err != nil {
			return nil, err
		}
		return &feed, nil
	})
}

// hasDataVar reports whether the HTML of an entry's content has an element
// with a data-var attribute (Statuspage's <var data-var="time">).
func hasDataVar(content string) bool {
	if content == "" {
		return false
	}
	root, err := html.Parse(strings.NewReader(content))
	if err != nil {
		return false
	}
	found := false
	var walk func(n *html.Node)
	walk = func(n *html.Node) {
		for ; n != nil && !found; n = n.NextSibling {
			if n.Type == html.ElementNode {
				for _, a := range n.Attr {
					found = found || strings.EqualFold(a.Key, "data-var")
				}
			}
			walk(n.FirstChild)
		}
	}
	walk(root)
	return found
}

// feedURLPath returns the path of a URL, or "" when it does not parse.
func feedURLPath(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Path
}

func parseStatuspageFeed(doc Document) (*Page, error) {
	feed, err := decodeFeed(doc)
	if err != nil {
		return nil, err
	}
	var entries []feedEntry
	switch feed.XMLName.Local {
	case "feed":
		if len(feed.Entries) == 0 && !strings.HasSuffix(feed.ID, ",2005:/history") {
			return nil, errNotStatuspage("an Atom feed with no entries and no Statuspage history id")
		}
		for _, e := range feed.Entries {
			fe := feedEntry{title: e.Title, content: e.Content, refText: e.Updated}
			for _, l := range e.Links {
				if l.Rel == "" || l.Rel == "alternate" {
					fe.link = strings.TrimSpace(l.Href)
					break
				}
			}
			if strings.TrimSpace(fe.refText) == "" {
				fe.refText = e.Published
			}
			if at, err := time.Parse(time.RFC3339, strings.TrimSpace(fe.refText)); err == nil {
				fe.ref = at
			}
			entries = append(entries, fe)
		}
	case "rss":
		if len(feed.Channel.Items) == 0 && !strings.HasSuffix(feedURLPath(doc.URL), "/history.rss") {
			return nil, errNotStatuspage("an RSS feed with no items, not from /history.rss")
		}
		for _, it := range feed.Channel.Items {
			fe := feedEntry{title: it.Title, content: it.Description, link: strings.TrimSpace(it.Link), refText: it.PubDate}
			if fe.link == "" {
				fe.link = strings.TrimSpace(it.GUID)
			}
			for _, layout := range []string{time.RFC1123Z, time.RFC1123, "Mon, 2 Jan 2006 15:04:05 -0700"} {
				if at, err := time.Parse(layout, strings.TrimSpace(it.PubDate)); err == nil {
					fe.ref = at
					break
				}
			}
			entries = append(entries, fe)
		}
	default:
		return nil, errNotStatuspage(fmt.Sprintf("XML root <%s> is neither an Atom feed nor RSS", feed.XMLName.Local))
	}

	out := &Page{Incidents: []Incident{}, Scope: ScopeListing}
	for i, e := range entries {
		in, err := e.incident(statuspageOrigin(doc.URL, e.link))
		if err != nil {
			return nil, &ParseError{Field: fmt.Sprintf("entry %d", i+1), Err: err}
		}
		out.Incidents = append(out.Incidents, in)
	}
	return out, nil
}

// incident converts one entry; origin, when known, gives the incident its
// /incidents/<code> URL. Update times have no year: each takes the year
// that puts it at or before the entry's latest time (updated in Atom,
// pubDate in RSS), with InferYear's slack, so an incident that spans New
// Year gets its December updates in the earlier year.
func (e feedEntry) incident(origin string) (Incident, error) {
	code := incidentCode(e.link)
	if code == "" {
		return Incident{}, errNotStatuspage(fmt.Sprintf("entry link %q is not a Statuspage incident URL", e.link))
	}
	if e.ref.IsZero() {
		return Incident{}, fmt.Errorf("%w: entry time %q", ErrBadTime, e.refText)
	}
	in := Incident{
		ID:      code,
		Kind:    KindIncident,
		Title:   strings.TrimSpace(e.title),
		URL:     incidentPageURL(origin, code),
		Updates: []Update{},
	}
	root, err := html.Parse(strings.NewReader("<body>" + e.content))
	if err != nil {
		return in, fmt.Errorf("incident %s: content: %w", in.ID, err)
	}
	var parseErr error
	goquery.NewDocumentFromNode(root).Find("p").EachWithBreak(func(k int, p *goquery.Selection) bool {
		small := p.Find("small").First()
		strong := p.Find("strong").First()
		if small.Length() == 0 || strong.Length() == 0 {
			parseErr = fmt.Errorf("incident %s: update %d: no <small> time or <strong> status", in.ID, k+1)
			return false
		}
		at, err := ParseStatuspageStamp(small.Text(), e.ref)
		if err != nil {
			parseErr = fmt.Errorf("incident %s: update %d: %w", in.ID, k+1, err)
			return false
		}
		raw := strings.TrimSpace(strong.Text())
		in.Updates = append(in.Updates, Update{Status: NormaliseStatus(raw), StatusRaw: raw, At: at, Body: feedBody(p, strong)})
		return true
	})
	if parseErr != nil {
		return in, parseErr
	}
	if len(in.Updates) == 0 {
		// Every Statuspage entry has at least one post: an empty one means
		// the content's markup has changed.
		return in, fmt.Errorf("incident %s: no <p> update in the entry's content", in.ID)
	}
	// Oldest first, so that posts at the same instant keep their real order
	// when Parse sorts by time; then status and kind as the HTML pages get
	// them (the latest stated status; maintenance by its status words).
	slices.Reverse(in.Updates)
	finishStatuspage(&in)
	return in, nil
}

// feedBody renders what follows the status element in p as the HTML
// pages' update bodies are rendered (bodyText), without the " - "
// separator.
func feedBody(p, status *goquery.Selection) string {
	top := status.Get(0)
	for top.Parent != nil && top.Parent != p.Get(0) {
		top = top.Parent
	}
	var body []*html.Node
	for n := top.NextSibling; n != nil; n = n.NextSibling {
		body = append(body, n)
	}
	return strings.TrimSpace(strings.TrimPrefix(bodyText(body), "-"))
}
