package main

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"

	"github.com/statusarchive/statusarchive/fixtures"
)

// cafePage is the fixture site's incident page retitled "Café outage",
// declaring meta as its charset and encoded in enc.
func cafePage(t *testing.T, meta string, enc encoding.Encoding) []byte {
	t.Helper()
	page, err := fixtures.ReadFile("statuspage/site/incidents/b3n8w5z2h6ge.html")
	if err != nil {
		t.Fatal(err)
	}
	h1 := regexp.MustCompile(`(<h1 class="[^"]*incident-name[^"]*">)[^<]*`)
	s := h1.ReplaceAllString(string(page), "${1}Café outage")
	s = strings.Replace(s, `<meta charset="utf-8">`, meta, 1)
	b, err := encoding.HTMLEscapeUnsupported(enc.NewEncoder()).Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A page in another charset is archived with its text intact, from HTTP
// (charset in the page only, or in the header only) and from a file.
func TestScrapeCharsets(t *testing.T) {
	utf16 := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM)
	tests := []struct {
		name, meta, header string
		enc                encoding.Encoding
		file               bool
	}{
		{"windows-1252 meta over HTTP", `<meta charset="windows-1252">`, "text/html", charmap.Windows1252, false},
		{"windows-1252 header over HTTP", "", "text/html; charset=windows-1252", charmap.Windows1252, false},
		{"UTF-16 with BOM over HTTP", "", "text/html", utf16, false},
		{"windows-1252 meta in a file", `<meta charset="windows-1252">`, "", charmap.Windows1252, true},
		{"UTF-16 with BOM in a file", "", "", utf16, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := cafePage(t, tt.meta, tt.enc)
			if strings.Contains(string(body), "Café") {
				t.Fatal("the page is still UTF-8")
			}
			target := ""
			if tt.file {
				target = filepath.Join(t.TempDir(), "b3n8w5z2h6ge.html")
				if err := os.WriteFile(target, body, 0o644); err != nil {
					t.Fatal(err)
				}
			} else {
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					if r.URL.Path != "/incidents/b3n8w5z2h6ge" {
						http.NotFound(w, r)
						return
					}
					w.Header().Set("Content-Type", tt.header)
					_, _ = w.Write(body)
				}))
				defer srv.Close()
				target = srv.URL + "/incidents/b3n8w5z2h6ge"
			}
			c := newCLI(t)
			sum, err := c.scrape("cafe", target, "--format", "statuspage-incident")
			if err != nil {
				t.Fatalf("scrape: %v", err)
			}
			if sum.Outcome != "ok" {
				t.Errorf("outcome %q, want ok", sum.Outcome)
			}
			got := c.export()
			if len(got) != 1 || got[0].Title != "Café outage" {
				var titles []string
				for _, in := range got {
					titles = append(titles, in.Title)
				}
				t.Errorf("archived titles %q, want [\"Café outage\"]", titles)
			}
			// A reparse reads the stored bytes with the stored Content-Type
			// and decodes them the same way.
			if out := c.must("reparse"); !strings.Contains(out, "0 changed by the parser, 1 unchanged") {
				t.Errorf("reparse of the stored page:\n%s", out)
			}
		})
	}
}
