package parser

import (
	"fmt"
	"net/url"
	"strings"
	"time"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// FormatAzure is the Azure status RSS feed (azure.status.microsoft/en-us/
// status/feed/): one item per issue open now, its services and regions as
// <category> elements, an HTML description that is rewritten as the issue
// goes on, and a pubDate with a literal "Z" for its zone. An empty channel
// means all is well: it parses to no incidents, not to an error. The feed
// states neither severity nor state, so both stay unknown.
const FormatAzure Format = "azure-status"

func init() {
	register(format{name: FormatAzure, sniff: sniffAzure, parse: parseAzure})
	describeFormat(FormatInfo{Name: FormatAzure, Platform: "Azure",
		Example: "https://azure.status.microsoft/en-us/status/feed/",
		Reads:   "status RSS: open issues; an empty channel is all clear"})
}

func azureDecode(doc Document) (*feedDoc, error) {
	feed, err := rssOf(doc)
	if err != nil {
		return nil, errWrongPlatform("Azure status feed", "not an RSS feed: "+err.Error())
	}
	if !azureChannel(feed.Channel.Title, feed.Channel.Link) {
		return nil, errWrongPlatform("Azure status feed", fmt.Sprintf("channel %q at %q is not Azure Status", feed.Channel.Title, feed.Channel.Link))
	}
	return feed, nil
}

// azureChannel reports whether a channel's title or link is Azure
// Status's.
func azureChannel(title, link string) bool {
	if strings.EqualFold(strings.TrimSpace(title), "Azure Status") {
		return true
	}
	u, err := url.Parse(strings.TrimSpace(link))
	if err != nil {
		return false
	}
	host := strings.ToLower(u.Hostname())
	azure := strings.Contains(host, "azure") || strings.HasSuffix(host, "status.microsoft")
	return azure && strings.Contains(strings.ToLower(u.Path), "/status")
}

func sniffAzure(doc Document) int {
	if !isRSS(doc) {
		return 0
	}
	if _, err := azureDecode(doc); err != nil {
		return 0
	}
	return 85
}

// azureDateLayouts are the pubDate forms seen: RFC 1123 with a numeric
// zone, with a named zone, and with the literal "Z" Azure writes.
var azureDateLayouts = []string{time.RFC1123Z, "Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 02 Jan 2006 15:04:05 Z", "Mon, 2 Jan 2006 15:04:05 Z", time.RFC1123}

func azureTime(text string) (Time, error) {
	s := strings.TrimSpace(text)
	for _, layout := range azureDateLayouts {
		at, err := time.Parse(layout, s)
		if err != nil {
			continue
		}
		if layout == time.RFC1123 && at.Location() != time.UTC {
			if name, off := at.Zone(); off == 0 && name != "UTC" && name != "GMT" {
				return Time{}, fmt.Errorf("%w: %q", ErrUnknownZone, text)
			}
		}
		return NewTime(at, text), nil
	}
	return Time{}, fmt.Errorf("%w: pubDate %q", ErrBadTime, text)
}

func parseAzure(doc Document) (*Page, error) {
	feed, err := azureDecode(doc)
	if err != nil {
		return nil, err
	}
	page := &Page{Scope: ScopeCurrent, Incidents: []Incident{}}
	for i, it := range feed.Channel.Items {
		id := strings.TrimSpace(it.GUID)
		if id == "" {
			return nil, &ParseError{Field: fmt.Sprintf("item[%d]", i), Err: fmt.Errorf("%w: item has no guid", ErrInvalidRecord)}
		}
		at, err := azureTime(it.PubDate)
		if err != nil {
			return nil, &ParseError{Field: fmt.Sprintf("item %s", id), Err: err}
		}
		body, err := htmlText(it.Description)
		if err != nil {
			return nil, &ParseError{Field: fmt.Sprintf("item %s", id), Err: err}
		}
		in := Incident{
			ID:      id,
			Kind:    KindIncident,
			Title:   strings.TrimSpace(it.Title),
			URL:     strings.TrimSpace(it.Link),
			Updates: []Update{{At: at, Body: body}},
		}
		for _, c := range it.Categories {
			if c = strings.TrimSpace(c); c != "" {
				in.Components = append(in.Components, Component{Name: c})
			}
		}
		page.Incidents = append(page.Incidents, in)
	}
	return page, nil
}

// htmlText returns the text of an HTML fragment, one paragraph (or <br>)
// per line.
func htmlText(fragment string) (string, error) {
	nodes, err := html.ParseFragment(strings.NewReader(fragment), &html.Node{Type: html.ElementNode, Data: "div", DataAtom: atom.Div})
	if err != nil {
		return "", fmt.Errorf("description: %w", err)
	}
	return strings.TrimSpace(bodyText(nodes)), nil
}
