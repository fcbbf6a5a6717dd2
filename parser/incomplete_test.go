package parser

import (
	"errors"
	"testing"
)

// A detail page that cannot be read is a *DetailError naming the incident
// it was to complete; MarkIncomplete then flags the list page's record of
// that incident, and only that one.
func TestDetailFailureMarksListRecordIncomplete(t *testing.T) {
	list := ohParse(t, ohDoc(t, "semantic", "outages-1.html"))
	unreadable := map[string][]byte{
		"unknown markup": []byte(`<html><body><p>Something else entirely</p></body></html>`),
		"bad stamp":      []byte(`<html><body><h1>Authkit and Admin Portal Errors</h1><p>Started: Jun 31, 2026, 02:03 PM UTC</p><h2>Update timeline</h2></body></html>`),
		"blocked":        []byte(`<html><head><title>Just a moment...</title></head><body></body></html>`),
	}
	for name, body := range unreadable {
		t.Run(name, func(t *testing.T) {
			var follows int
			incidents := Merge([]*Page{list})
			for _, f := range list.Follow {
				if f.Reason != FollowDetail {
					continue
				}
				follows++
				_, err := Parse(Document{Source: "workos", URL: f.URL, ContentType: "text/html", Body: body, Via: f}, FormatAuto)
				var de *DetailError
				var pe *ParseError
				if !errors.As(err, &de) || !errors.As(err, &pe) || pe.URL != f.URL || de.Follow != f {
					t.Fatalf("Parse of %s = %v, want a DetailError for that follow around a ParseError", f.URL, err)
				}
				if !MarkIncomplete(incidents, err) {
					t.Errorf("MarkIncomplete(%v) found no incident", err)
				}
			}
			if follows == 0 {
				t.Fatal("the list page asks for no detail page")
			}
			marked := 0
			for _, in := range incidents {
				if in.Incomplete {
					marked++
					if !in.Partial || in.URL == "" {
						t.Errorf("incident %s marked incomplete, but the list asked for no page of it", in.ID)
					}
				}
			}
			if marked != follows {
				t.Errorf("%d incidents marked incomplete, want %d", marked, follows)
			}
		})
	}
}

// Without an id on the follow (platform parsers that do not set one), the
// incident is found by its URL; other errors mark nothing.
func TestMarkIncompleteByURL(t *testing.T) {
	incidents := []Incident{
		{ID: "a", URL: "https://status.example.com/incidents/a"},
		{ID: "b", URL: "https://status.example.com/incidents/b?utm_source=x"},
	}
	err := &DetailError{Follow: Follow{URL: "https://status.example.com/api/v2/incidents/b.json", Fallback: "https://status.example.com/incidents/b", Reason: FollowDetail}, Err: ErrUnknownFormat}
	if !MarkIncomplete(incidents, err) || incidents[0].Incomplete || !incidents[1].Incomplete {
		t.Errorf("MarkIncomplete by fallback URL: %+v", incidents)
	}
	if MarkIncomplete(incidents, ErrUnknownFormat) {
		t.Error("MarkIncomplete(a plain error) = true")
	}
	if MarkIncomplete(incidents, &DetailError{Follow: Follow{Incident: "zzz"}, Err: ErrNotHTML}) {
		t.Error("MarkIncomplete for an incident not in the crawl = true")
	}
	// A page fetched for another reason fails as before.
	_, err2 := Parse(Document{URL: "https://x.example/", Body: []byte("<p>x</p>"), Via: Follow{Reason: FollowNext}}, FormatAuto)
	var de *DetailError
	if errors.As(err2, &de) {
		t.Errorf("a next page's failure is a DetailError: %v", err2)
	}
}
