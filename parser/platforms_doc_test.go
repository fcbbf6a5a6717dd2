package parser

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/statusarchive/statusarchive/fixtures/golden"
)

const (
	mappingsBegin = "<!-- mappings:begin -->"
	mappingsEnd   = "<!-- mappings:end -->"
)

// mappingsTable renders Mappings() as the Markdown table docs/platforms.md
// holds.
func mappingsTable() string {
	var b strings.Builder
	b.WriteString("| platform | what the word is | word | impact | status |\n|---|---|---|---|---|\n")
	for _, m := range Mappings() {
		cell := func(s string) string {
			if s == "" {
				return ""
			}
			return "`" + s + "`"
		}
		fmt.Fprintf(&b, "| %s | %s | `%s` | %s | %s |\n", m.Platform, m.Field, m.Word, cell(string(m.Impact)), cell(string(m.Status)))
	}
	b.WriteString("| any | any word not above | (kept raw) | unknown | unknown |\n")
	return b.String()
}

// TestPlatformsDocMappings: the word table in docs/platforms.md is the
// parsers' own, row for row (-update rewrites it).
func TestPlatformsDocMappings(t *testing.T) {
	file := filepath.Join("..", "docs", "platforms.md")
	doc, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	begin, end := bytes.Index(doc, []byte(mappingsBegin)), bytes.Index(doc, []byte(mappingsEnd))
	if begin < 0 || end < begin {
		t.Fatalf("%s has no %s ... %s section", file, mappingsBegin, mappingsEnd)
	}
	want := mappingsBegin + "\n" + mappingsTable() + mappingsEnd
	got := string(doc[begin : end+len(mappingsEnd)])
	if got == want {
		return
	}
	if golden.Update() {
		out := append(append(append([]byte{}, doc[:begin]...), want...), doc[end+len(mappingsEnd):]...)
		if err := os.WriteFile(file, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("the word table in %s differs from parser.Mappings() (run go test ./parser -run TestPlatformsDocMappings -update)\n%s",
		file, golden.FirstDiff([]byte(got), []byte(want)))
}
