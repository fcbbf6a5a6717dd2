package parser

import "testing"

// TestHundioEmptyTimeKeepsStamp: an update whose <time> element has no text
// keeps its datetime attribute as the page's text beside the UTC time.
func TestHundioEmptyTimeKeepsStamp(t *testing.T) {
	body := `<html><body><section class="history">
<div class="event"><div class="title"><a href="/issues/abc">Slow API</a></div>
<div class="update"><span class="label">Resolved</span><time datetime="2021-03-04T10:20:00+01:00"></time><div class="body">Fixed.</div></div>
</div><a href="https://hund.io">Hund</a></section></body></html>`
	page, err := Parse(Document{URL: "https://status.example.com/history", ContentType: "text/html", Body: []byte(body)}, FormatHundio)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(page.Incidents) != 1 || len(page.Incidents[0].Updates) != 1 {
		t.Fatalf("got %d incidents, want 1 with 1 update", len(page.Incidents))
	}
	got := page.Incidents[0].Updates[0].At
	if got.Text != "2021-03-04T10:20:00+01:00" || got.At.Location().String() != "UTC" || got.At.Hour() != 9 {
		t.Errorf("got %q at %s, want text %q at 09:20 UTC", got.Text, got.At, "2021-03-04T10:20:00+01:00")
	}
}

// TestBetterStackEmptyTimeKeepsStamp: a Better Stack report whose <time>
// elements have no text keeps their datetime attributes as the page's text.
func TestBetterStackEmptyTimeKeepsStamp(t *testing.T) {
	body := `<html><body><main class="status-report-page" data-kind="incident" data-state="resolved"><h1 class="status-report-title">Hub down</h1>
<p>Started <time class="status-report-starts" datetime="2026-06-16T08:30:00.000Z"></time></p>
<ul><li class="status-update"><time datetime="2026-06-16T10:07:00.000Z"></time><div class="status-update-message">Back.</div><ul class="status-update-resources"><li data-state="resolved">Hub</li></ul></li></ul>
</main></body></html>`
	page, err := Parse(Document{URL: "https://status.example.com/incidents/1", ContentType: "text/html", Body: []byte(body)}, FormatBetterStackHTML)
	if err != nil {
		t.Fatalf("parse: %v", err)
	}
	if len(page.Incidents) != 1 || len(page.Incidents[0].Updates) != 1 {
		t.Fatalf("got %d incidents, want 1 with 1 update", len(page.Incidents))
	}
	in := page.Incidents[0]
	if got, want := in.Updates[0].At.Text, "2026-06-16T10:07:00.000Z"; got != want {
		t.Errorf("update text: got %q, want %q", got, want)
	}
	if got, want := in.Started.Text, "2026-06-16T08:30:00.000Z"; got != want {
		t.Errorf("started text: got %q, want %q", got, want)
	}
}
