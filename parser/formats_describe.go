package parser

// The descriptions of the formats whose files predate FormatInfo: the
// Atlassian Statuspage family and the outage-history aggregator pages.
func init() {
	for _, info := range []FormatInfo{
		{Name: FormatStatuspageHome, Platform: "Atlassian Statuspage",
			Example: "https://status.example.com/",
			Reads:   "home page: open incidents, past incidents by day, upcoming maintenance; leads to the history"},
		{Name: FormatStatuspageIncident, Platform: "Atlassian Statuspage",
			Example: "https://status.example.com/incidents/<code>",
			Reads:   "an incident's page with its full timeline and postmortem"},
		{Name: FormatStatuspageHistory, Platform: "Atlassian Statuspage",
			Example: "https://status.example.com/history?page=1",
			Reads:   "history pages (HTML with props, or the props as JSON), walked to the oldest"},
		{Name: FormatStatuspageAPI, Platform: "Atlassian Statuspage, incident.io",
			Example: "https://status.example.com/api/v2/incidents.json (or summary.json, incidents/<code>.json)",
			Reads:   "the public JSON API, also served Statuspage-compatible by incident.io"},
		{Name: FormatStatuspageFeed, Platform: "Atlassian Statuspage",
			Example: "https://status.example.com/history.atom (or history.rss)",
			Reads:   "Atom and RSS feeds of recent incidents"},
		{Name: FormatOutageHistory, Platform: "outage-history aggregators",
			Example: "https://outages.example/providers/<vendor>/outages",
			Reads:   "an aggregator's list and detail pages for one vendor, with its claims"},
	} {
		describeFormat(info)
	}
}
