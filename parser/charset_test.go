package parser

import (
	"bytes"
	"errors"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

// incidentPageTitled returns the fixture site's incident page with its
// title replaced by title and its <meta charset> by meta ("" drops it).
func incidentPageTitled(t *testing.T, title, meta string) string {
	t.Helper()
	page := string(readStatuspageFixture(t, "statuspage/site/incidents/b3n8w5z2h6ge.html"))
	h1 := regexp.MustCompile(`(<h1 class="[^"]*incident-name[^"]*">)[^<]*`)
	if !h1.MatchString(page) || !strings.Contains(page, `<meta charset="utf-8">`) {
		t.Fatal("the fixture incident page has no incident-name h1 or no meta charset")
	}
	page = h1.ReplaceAllString(page, "${1}"+title)
	return strings.Replace(page, `<meta charset="utf-8">`, meta, 1)
}

func encode(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	// What the charset cannot hold is written as a character reference,
	// as servers do.
	b, err := encoding.HTMLEscapeUnsupported(enc.NewEncoder()).Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %d bytes: %v", len(s), err)
	}
	return b
}

func TestCharsets(t *testing.T) {
	const cafe, jp = "Café outage", "決済サービスの障害"
	utf16le := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	utf16be := unicode.UTF16(unicode.BigEndian, unicode.UseBOM)
	tests := []struct {
		name        string
		title       string
		meta        string // the page's <meta>
		enc         encoding.Encoding
		contentType string
		url         string
	}{
		{"windows-1252 from meta charset", cafe, `<meta charset="windows-1252">`, charmap.Windows1252, "text/html", ""},
		{"windows-1252 from header", cafe, "", charmap.Windows1252, "text/html; charset=windows-1252", ""},
		{"header beats meta", cafe, `<meta charset="utf-8">`, charmap.Windows1252, "text/html; charset=Windows-1252", ""},
		{"ISO-8859-1 from http-equiv", cafe, `<meta http-equiv="Content-Type" content="text/html; charset=ISO-8859-1">`, charmap.ISO8859_1, "", ""},
		{"ISO-8859-1 from header", cafe, "", charmap.ISO8859_1, "text/html; charset=iso-8859-1", ""},
		{"Shift_JIS from meta", jp, `<meta charset='Shift_JIS'>`, japanese.ShiftJIS, "text/html", ""},
		{"Shift_JIS from header", jp, "", japanese.ShiftJIS, "text/html; charset=shift_jis", ""},
		{"UTF-16LE with BOM", cafe, "", utf16le, "text/html", ""},
		{"UTF-16BE with BOM", jp, "", utf16be, "text/html", ""},
		{"UTF-16LE BOM beats a utf-8 header", cafe, `<meta charset="utf-8">`, utf16le, "text/html; charset=utf-8", ""},
		{"UTF-8 with BOM", cafe, "", unicode.UTF8BOM, "text/html", ""},
		{"plain UTF-8, nothing said", jp, "", encoding.Nop, "text/html", ""},
		// A file's content type is guessed from its name ("charset=utf-8"
		// for .html): the page's own meta decides.
		{"file: meta beats the guessed header", cafe, `<meta charset="windows-1252">`, charmap.Windows1252, "text/html; charset=utf-8", "file:///tmp/page.html"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := encode(t, tt.enc, incidentPageTitled(t, tt.title, tt.meta))
			url := tt.url
			if url == "" {
				url = "https://status.acme.test/incidents/b3n8w5z2h6ge"
			}
			doc := Document{Source: "charset", URL: url, ContentType: tt.contentType, Body: body}
			if f, err := Detect(doc); err != nil || f != FormatStatuspageIncident {
				t.Fatalf("Detect = %q, %v; want %q", f, err, FormatStatuspageIncident)
			}
			page, err := Parse(doc, FormatAuto)
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			if len(page.Incidents) != 1 {
				t.Fatalf("%d incidents, want 1", len(page.Incidents))
			}
			if got := page.Incidents[0].Title; got != tt.title {
				t.Errorf("title = %q, want %q", got, tt.title)
			}
		})
	}
}

// The Atom feed in ISO-8859-1, saying so only in its XML declaration: the
// declaration is honoured and the XML decoder is not told a charset it
// cannot read.
func TestCharsetXMLDeclaration(t *testing.T) {
	feed := string(readStatuspageFixture(t, "statuspage/site/history.atom"))
	feed = strings.Replace(feed, `encoding="UTF-8"`, `encoding="ISO-8859-1"`, 1)
	feed = strings.Replace(feed, "<title>Search indexing delayed</title>", "<title>Café search delayed</title>", 1)
	body := encode(t, charmap.ISO8859_1, feed)
	if bytes.Contains(body, []byte("Café")) {
		t.Fatal("the encoded feed is still UTF-8")
	}
	page, err := Parse(Document{URL: "https://status.acme.test/history.atom", ContentType: "application/atom+xml", Body: body}, FormatAuto)
	if err != nil {
		t.Fatalf("Parse: %v", err)
	}
	found := false
	for _, in := range page.Incidents {
		found = found || in.Title == "Café search delayed"
	}
	if !found {
		t.Errorf("no incident titled %q among %d", "Café search delayed", len(page.Incidents))
	}
}

func TestCharsetUnknown(t *testing.T) {
	body := []byte(incidentPageTitled(t, "x", `<meta charset="klingon-1">`))
	_, err := Parse(Document{URL: "https://status.acme.test/incidents/b3n8w5z2h6ge", ContentType: "text/html", Body: body}, FormatAuto)
	var pe *ParseError
	if !errors.Is(err, ErrCharset) || !errors.As(err, &pe) || pe.URL == "" {
		t.Errorf("Parse = %v, want a located ParseError wrapping ErrCharset", err)
	}
}

func FuzzCharset(f *testing.F) {
	f.Add([]byte{0xFF, 0xFE, 'a', 0}, "text/html")
	f.Add([]byte{0xFE, 0xFF, 0, 'a', 0}, "")
	f.Add([]byte(`<?xml version="1.0" encoding="shift_jis"?><rss/>`), "")
	f.Add([]byte(`<meta charset="windows-1252">Caf`+"\xe9"), "text/html")
	f.Fuzz(func(t *testing.T, body []byte, ct string) {
		in := Document{Body: body, ContentType: ct}
		enc, _, encErr := documentEncoding(in)
		doc, err := decodeCharset(in)
		if err != nil {
			if !errors.Is(err, ErrCharset) {
				t.Errorf("error %v does not wrap ErrCharset", err)
			}
			return
		}
		if encErr != nil {
			t.Errorf("documentEncoding failed (%v) but decodeCharset did not", encErr)
		}
		if enc != nil && !utf8.Valid(doc.Body) {
			t.Errorf("decoded from %v, the body is not UTF-8", enc)
		}
		if enc == nil && !bytes.Equal(doc.Body, body) {
			t.Errorf("a body in UTF-8 was changed")
		}
	})
}
