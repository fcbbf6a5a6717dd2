package parser

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/statusarchive/statusarchive/fixtures"
)

// bodyTextRef is bodyText as it was written first, with a string per text
// node and a split of the whole text into lines: the reference the
// one-buffer bodyText must agree with.
func bodyTextRef(nodes []*html.Node) string {
	var b strings.Builder
	var walk func(n *html.Node, pre bool)
	walk = func(n *html.Node, pre bool) {
		switch n.Type {
		case html.TextNode:
			if pre {
				b.WriteString(n.Data)
				return
			}
			b.WriteString(strings.Join(strings.FieldsFunc(n.Data, isHTMLSpace), " "))
			if len(n.Data) > 0 && isHTMLSpace(rune(n.Data[len(n.Data)-1])) {
				b.WriteByte(' ')
			}
			return
		case html.ElementNode:
			switch n.Data {
			case "br":
				b.WriteByte('\n')
				return
			case "script", "style":
				return
			case "p", "div", "li", "ul", "ol", "pre", "blockquote", "h1", "h2", "h3", "h4", "h5", "h6", "table", "tr":
				b.WriteByte('\n')
				defer b.WriteByte('\n')
			}
			for _, c := range strings.Fields(attr(n, "class")) {
				if c == "whitespace-pre-wrap" {
					pre = true
				}
			}
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c, pre)
		}
	}
	for _, n := range nodes {
		walk(n, false)
	}
	lines := strings.Split(b.String(), "\n")
	for i, l := range lines {
		lines[i] = strings.TrimSpace(l)
	}
	return strings.Trim(strings.Join(lines, "\n"), "\n")
}

// TestBodyTextAgreesWithReference renders every element of every HTML page
// of the test data, and markup made to tell white space rules apart, with
// bodyText and with the reference, and wants the same text.
func TestBodyTextAgreesWithReference(t *testing.T) {
	var bodies [][]byte
	names, err := fixtures.Glob("realworld/*/*.html")
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		b, err := fixtures.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		bodies = append(bodies, b)
	}
	for _, s := range []string{
		"<div> a \f b\u00a0 <br> c\v d<p>\u00a0e \t</p>  f </div>",
		"<div class=\"x whitespace-pre-wrap\">  a \n\n b  <span> c\r\n</span></div> <p class=\"whitespace-pre-wrap\u00a0\">\u00a0x\u00a0</p>",
		"<ul><li> one</li><li>two </li></ul><script>x</script><style>y</style>\xff \xfe\n z",
		"", "<br><br>", "<p>\n\n</p>",
	} {
		bodies = append(bodies, []byte(s))
	}
	checked := 0
	for _, body := range bodies {
		root, err := html.Parse(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		var walk func(n *html.Node)
		walk = func(n *html.Node) {
			for ; n != nil; n = n.NextSibling {
				if n.Type == html.ElementNode {
					checked++
					nodes := []*html.Node{n}
					if n.PrevSibling != nil {
						nodes = append([]*html.Node{n.PrevSibling}, nodes...)
					}
					if got, want := bodyText(nodes), bodyTextRef(nodes); got != want {
						t.Fatalf("bodyText of <%s> = %q, want %q", n.Data, got, want)
					}
				}
				walk(n.FirstChild)
			}
		}
		walk(root)
	}
	if checked < 1000 {
		t.Errorf("checked %d elements, want at least 1000", checked)
	}
}
