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
