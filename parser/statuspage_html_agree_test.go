package parser

import (
	"html"
	"strings"
	"testing"
	"time"
)

// The GOV.UK Notify incident 2wryjrq3v9mt as Statuspage serves it in its two
// other renderings, written by hand from the incident page we hold
// (fixtures/realworld/statuspage/govuknotify-incident.html): the API JSON
// (display_at = the page's data-datetime-unix) and an Atom feed entry (the
// page's zone, BST, year-less).
const notifyIncidentJSON = `{"page":{"id":"x0m6nn3vt7xk","name":"GOV.UK Notify","url":"https://status.notifications.service.gov.uk","time_zone":"Europe/London"},
"incident":{"id":"2wryjrq3v9mt","name":"Errors when attempting csv uploads","status":"resolved","impact":"critical",
"created_at":"2025-05-08T12:12:54.000Z","resolved_at":"2025-05-08T13:07:21.000Z","shortlink":"https://stspg.io/abc",
"components":[{"id":"c1","name":"File uploads","status":"operational"}],
"incident_updates":[
{"id":"u3","status":"resolved","body":"We are confident the fix we deployed was successful, and csv uploads are working as expected.","display_at":"2025-05-08T13:07:21.000Z","created_at":"2025-05-08T13:07:21.000Z","affected_components":null},
{"id":"u2","status":"monitoring","body":"A fix has been implemented and we are monitoring the results.","display_at":"2025-05-08T12:35:03.000Z","created_at":"2025-05-08T12:35:03.000Z","affected_components":null},
{"id":"u1","status":"identified","body":"People trying to use our csv upload feature since 5pm on 7 May will have experienced errors if your service had international text messaging switched on. We are deploying a fix which should address the issue.","display_at":"2025-05-08T12:12:54.000Z","created_at":"2025-05-08T12:12:54.000Z","affected_components":[{"code":"c1","name":"File uploads","old_status":"operational","new_status":"major_outage"}]}]}}`

func notifyIncidentAtom() string {
	p := func(day, clock, status, body string) string {
		return "<p><small>May <var data-var='date'>" + day + "</var>, <var data-var='time'>" + clock + "</var> BST</small><br><strong>" +
			status + "</strong> - " + body + "</p>"
	}
	content := p(" 8", "14:07", "Resolved", "We are confident the fix we deployed was successful, and csv uploads are working as expected.") +
		p(" 8", "13:35", "Monitoring", "A fix has been implemented and we are monitoring the results.") +
		p(" 8", "13:12", "Identified", "People trying to use our csv upload feature since 5pm on 7 May will have experienced errors if your service had international text messaging switched on. We are deploying a fix which should address the issue.")
	return `<?xml version="1.0" encoding="UTF-8"?>
<feed xml:lang="en-US" xmlns="http://www.w3.org/2005/Atom">
  <id>tag:status.notifications.service.gov.uk,2005:/history</id>
  <link rel="alternate" type="text/html" href="https://status.notifications.service.gov.uk"/>
  <title>GOV.UK Notify Status - Incident History</title>
  <updated>2025-05-08T13:07:21Z</updated>
  <entry>
    <id>tag:status.notifications.service.gov.uk,2005:Incident/25000001</id>
    <published>2025-05-08T13:12:54+01:00</published>
    <updated>2025-05-08T14:07:21+01:00</updated>
    <link rel="alternate" type="text/html" href="https://status.notifications.service.gov.uk/incidents/2wryjrq3v9mt"/>
    <title>Errors when attempting csv uploads</title>
    <content type="html">` + html.EscapeString(content) + `</content>
  </entry>
</feed>
`
}

func TestStatuspageRenderingsAgree(t *testing.T) {
	const origin = "https://status.notifications.service.gov.uk"
	docs := []Document{
		{Source: "notify", URL: origin + "/incidents/2wryjrq3v9mt", Body: readStatuspageFixture(t, "realworld/statuspage/govuknotify-incident.html")},
		{Source: "notify", URL: origin + "/api/v2/incidents/2wryjrq3v9mt.json", Body: []byte(notifyIncidentJSON)},
		{Source: "notify", URL: origin + "/history.atom", Body: []byte(notifyIncidentAtom())},
	}
	want := []Format{FormatStatuspageIncident, FormatStatuspageAPI, FormatStatuspageFeed}
	var pages []*Page
	for i, doc := range docs {
		page, err := Parse(doc, FormatAuto)
		if err != nil {
			t.Fatalf("%s: %v", doc.URL, err)
		}
		if page.Format != want[i] || len(page.Incidents) != 1 {
			t.Fatalf("%s: parsed as %s with %d incidents, want %s with 1", doc.URL, page.Format, len(page.Incidents), want[i])
		}
		pages = append(pages, page)
	}
	ref := pages[0].Incidents[0]
	for i, p := range pages[1:] {
		got := p.Incidents[0]
		name := want[i+1]
		if got.ID != ref.ID || got.URL != ref.URL || got.Title != ref.Title || got.Kind != ref.Kind || got.Status != ref.Status {
			t.Errorf("%s: %s %s %q %s %s, want %s %s %q %s %s as the incident page", name,
				got.ID, got.URL, got.Title, got.Kind, got.Status, ref.ID, ref.URL, ref.Title, ref.Kind, ref.Status)
		}
		if len(got.Updates) != len(ref.Updates) {
			t.Errorf("%s: %d updates, want %d", name, len(got.Updates), len(ref.Updates))
			continue
		}
		for k, u := range got.Updates {
			r := ref.Updates[k]
			if u.Status != r.Status || NormaliseText(u.Body) != NormaliseText(r.Body) ||
				!u.At.At.Truncate(time.Minute).Equal(r.At.At.Truncate(time.Minute)) {
				t.Errorf("%s update %d: %s %v %q, want %s %v %q", name, k, u.Status, u.At.At, u.Body, r.Status, r.At.At, r.Body)
			}
		}
	}
	merged := Merge(pages)
	if len(merged) != 1 || merged[0].ID != "2wryjrq3v9mt" {
		t.Fatalf("merge gave %d incidents, want the one 2wryjrq3v9mt", len(merged))
	}
	if m := merged[0]; m.Impact != ImpactCritical || len(m.Updates) != 3 || !strings.Contains(m.Title, "csv uploads") {
		t.Errorf("merged = %+v", m)
	}
}
