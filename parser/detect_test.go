package parser

import (
	"errors"
	"testing"
)

func TestBlockedPagesAreNeverParsed(t *testing.T) {
	cases := []struct {
		name string
		body string
	}{
		{"cloudflare challenge", `<!DOCTYPE html><html><head><title>Just a moment...</title></head><body><div id="cf-browser-verification">Checking your browser</div></body></html>`},
		{"cloudflare block", `<html><head><title>Attention Required! | Cloudflare</title></head><body>Sorry, you have been blocked</body></html>`},
		{"captcha", `<html><body><div class="g-recaptcha" data-sitekey="x"></div></body></html>`},
		{"login wall", `<html><body><h1>WorkOS had 44 outages</h1><form><input name="user"><input type="password" name="pw"></form></body></html>`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := Document{Source: "v", URL: "https://status.example/", ContentType: "text/html", Body: []byte(tc.body)}
			if f, err := Detect(doc); !errors.Is(err, ErrBlocked) {
				t.Errorf("Detect = %q, %v, want ErrBlocked", f, err)
			}
			for _, name := range Formats() {
				if _, err := Parse(doc, name); !errors.Is(err, ErrBlocked) {
					t.Errorf("Parse as %s: %v, want ErrBlocked", name, err)
				}
			}
		})
	}
}

func TestDetectNamesWhatItSaw(t *testing.T) {
	doc := Document{Source: "v", URL: "https://status.example/x", ContentType: "text/plain", Body: []byte("hello")}
	_, err := Detect(doc)
	var pe *ParseError
	if !errors.Is(err, ErrUnknownFormat) || !errors.As(err, &pe) || pe.Source != "v" || pe.URL != doc.URL {
		t.Fatalf("Detect(text/plain) = %v, want a ParseError naming source and URL wrapping ErrUnknownFormat", err)
	}
	if _, err := Parse(doc, "no-such-format"); !errors.Is(err, ErrUnknownFormat) {
		t.Errorf("Parse with an unknown format name: %v, want ErrUnknownFormat", err)
	}
}

func TestParseErrorsNameTheirPage(t *testing.T) {
	cases := []struct {
		name   string
		format Format
		body   string
	}{
		{"incident page without a code", FormatStatuspageIncident, `<html><body><h1 class="incident-name">Outage</h1></body></html>`},
		{"not a feed", FormatStatuspageFeed, `<html><body>hello</body></html>`},
		{"not an API document", FormatStatuspageAPI, `{"incidents": 3}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			doc := Document{Source: "v", URL: "https://status.example/somewhere", ContentType: "text/html", Body: []byte(tc.body)}
			_, err := Parse(doc, tc.format)
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Source != doc.Source || pe.URL != doc.URL || pe.Format != tc.format {
				t.Fatalf("Parse as %s = %v, want a ParseError naming source %q, URL %q and format", tc.format, err, doc.Source, doc.URL)
			}
		})
	}
}
