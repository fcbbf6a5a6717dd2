package parser

import (
	"bytes"
	"encoding/xml"
	"net/url"
	"strings"
)

// FormatStatusIOFeed is a status.io page's RSS feed (/pages/<page_id>/rss).
// It is read for the incidents it links: each item's link is an incident
// page, which is asked for and gives the record. The items' own text is
// not read: we hold no capture of it to pin its shape.
const FormatStatusIOFeed Format = "statusio-feed"

func init() {
	register(format{name: FormatStatusIOFeed, sniff: sniffStatusIOFeed, parse: parseStatusIOFeed})
	describeFormat(FormatInfo{Name: FormatStatusIOFeed, Platform: "status.io",
		Example: "https://status.example.com/pages/<page_id>/rss",
		Reads:   "RSS: the incident pages its items link (the records come from those pages)"})
}

// statusIOFeedLinks returns the incident pages doc's items link, resolved
// against doc's URL; ok is false when doc is not an RSS document.
func statusIOFeedLinks(doc Document) (links []string, ok bool) {
	if doc.syntax() != syntaxXML {
		return nil, false
	}
	if root, _ := doc.xmlRoot(); root.Local != "rss" {
		return nil, false
	}
	// The feed every feed parser shares; a feed that is not strictly XML
	// is read leniently, on its own.
	feed, err := rssOf(doc)
	if err != nil {
		feed = &feedDoc{}
		dec := xml.NewDecoder(bytes.NewReader(doc.trimmedBody()))
		dec.Strict = false
		if dec.Decode(feed) != nil || feed.XMLName.Local != "rss" {
			return nil, false
		}
	}
	base, _ := url.Parse(doc.URL)
	seen := map[string]bool{}
	for _, item := range feed.Channel.Items {
		for _, raw := range []string{item.Link, item.GUID} {
			u, err := url.Parse(strings.TrimSpace(raw))
			if err != nil {
				continue
			}
			if base != nil {
				u = base.ResolveReference(u)
			}
			if (u.Scheme != "http" && u.Scheme != "https") || !statusIOIncidentPath.MatchString(u.Path) || seen[u.Path] {
				continue
			}
			seen[u.Path] = true
			links = append(links, (&url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}).String())
			break
		}
	}
	return links, true
}

func sniffStatusIOFeed(doc Document) int {
	if links, ok := statusIOFeedLinks(doc); ok && len(links) > 0 {
		return 80
	}
	return 0
}

func parseStatusIOFeed(doc Document) (*Page, error) {
	links, ok := statusIOFeedLinks(doc)
	if !ok {
		return nil, errWrongPlatform("status.io", "not an RSS feed")
	}
	out := &Page{Incidents: []Incident{}}
	for _, l := range links {
		out.Follow = append(out.Follow, Follow{URL: l, Reason: FollowDetail})
	}
	return out, nil
}
