package parser

import (
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestOutageHistoryCheapTest: the cheap test before the text blocks never
// turns away a page the blocks would score, on every HTML page of the
// test data (the family's markups and every other platform's pages), and
// on phrasings that stretch it: a word split by tags, entities and
// non-ASCII white space, the long s that (?i) folds to s, text the blocks
// do not see (head, hidden, script).
func TestOutageHistoryCheapTest(t *testing.T) {
	type page struct {
		name string
		body []byte
	}
	var pages []page
	for _, dir := range []string{"testdata", filepath.Join("..", "fixtures")} {
		err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".html") {
				return err
			}
			b, err := os.ReadFile(path)
			pages = append(pages, page{path, b})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if len(pages) < 50 {
		t.Fatalf("found %d HTML pages in the test data, want at least 50", len(pages))
	}
	for _, tc := range []struct {
		name string
		body string
		may  bool
	}{
		{"label", `<div><h3>Outage</h3><p>Time<b>line</b> · 3 updates</p></div>`, true},
		{"claim with nbsp", `<p>Acme had 44 outages in&nbsp;the` + "\u00a0" + `last 2 years</p>`, true},
		{"long s", `<p>Acme had 4 outageſ in the laſt 2 years</p>`, true},
		{"heading", `<h2>UPDATE   TIMELINE</h2><dl><dt>Started</dt><dd>Jan 1</dd></dl>`, true},
		{"split by a block", `<div>in the</div><div>last 2 years</div><div>time</div><p>line · 3 updates</p>`, false},
		{"head only", `<html><head><title>Timeline · 3 updates</title></head><body><p>Hello</p></body></html>`, false},
		{"hidden", `<div hidden>Timeline · 3 updates</div><script>var s="outages in the last"</script><p>x</p>`, false},
		{"statuspage words", `<div class="incident"><p>Resolved - fixed at 14:00 UTC</p><small>Last updated</small></div>`, false},
	} {
		pages = append(pages, page{tc.name, []byte(tc.body)})
		doc := Document{Body: []byte(tc.body)}.shared()
		root, err := doc.html()
		if err != nil {
			t.Fatal(err)
		}
		if got := ohMayMatch(root); got != tc.may {
			t.Errorf("ohMayMatch(%s) = %v, want %v", tc.name, got, tc.may)
		}
	}
	scored := 0
	for _, p := range pages {
		doc := Document{Body: p.body}.shared()
		full := sniffOutageHistoryBlocks(doc)
		if full > 0 {
			scored++
		}
		if got := sniffOutageHistory(doc); got != full {
			t.Errorf("sniffOutageHistory(%s) = %d, want %d as from its text blocks", p.name, got, full)
		}
	}
	if scored == 0 {
		t.Error("no page scored: the comparison proves nothing")
	}
}
