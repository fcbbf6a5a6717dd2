package parser

import (
	"fmt"
	"html"
	"strings"
	"testing"
)

// historyShapes build history documents of about n bytes in the shapes a
// fuzzer grows: many incidents, one very long field, markup before the
// HistoryIndex element, many attributes on it, deep JSON nesting, and
// entities to decode.
var historyShapes = []struct {
	name  string
	build func(n int) string
}{
	{"incidents", func(n int) string {
		one := `{"code":"c%d","name":"API errors","message":"Resolved.","impact":"minor","timestamp":"May 2, 14:00 - 15:00 UTC"},`
		var b strings.Builder
		b.WriteString(`{"months":[{"name":"May","year":2021,"incidents":[`)
		for i := 0; b.Len() < n; i++ {
			fmt.Fprintf(&b, one, i)
		}
		return strings.TrimSuffix(b.String(), ",") + `]}]}`
	}},
	{"long-timestamp", func(n int) string {
		return `{"months":[{"name":"May","year":2021,"incidents":[{"code":"a","name":"b","message":"c","impact":"minor","timestamp":"May 2, 14:00 - 15:00 ` +
			strings.Repeat("U", n) + `"}]}]}`
	}},
	{"long-digits-timestamp", func(n int) string {
		return `{"months":[{"name":"May","year":2021,"incidents":[{"code":"a","name":"b","message":"c","impact":"minor","timestamp":"May 2, ` +
			strings.Repeat("14:00 - ", n/8) + `"}]}]}`
	}},
	{"markup-before", func(n int) string {
		return `<html><body>` + strings.Repeat(`<div class="x" data-react-class="Other" data-react-props="{}">`, n/60) +
			`<div data-react-class="HistoryIndex" data-react-props="{&#34;months&#34;:[]}"></div></body></html>`
	}},
	{"attributes", func(n int) string {
		return `<div data-react-class="HistoryIndex"` + strings.Repeat(` data-x="y"`, n/11) + ` data-react-props="{&#34;months&#34;:[]}"></div>`
	}},
	{"nesting", func(n int) string {
		d := min(n/2, 9000) // encoding/json refuses nesting deeper than 10,000
		return `{"months":[{"name":"May","year":2021,"incidents":[],"x":` + strings.Repeat("[", d) + strings.Repeat("]", d) + `}]}`
	}},
	{"entities", func(n int) string {
		msg := strings.Repeat("a&amp;b&lt;", n/24)
		props := `{"months":[{"name":"May","year":2021,"incidents":[{"code":"a","name":"b","message":"` + msg + `","impact":"minor","timestamp":"May 2, 14:00 - 15:00 UTC"}]}]}`
		return `<div data-react-class="HistoryIndex" data-react-props="` + html.EscapeString(props) + `"></div>`
	}},
}

// BenchmarkStatuspageHistoryScaling bounds the history parser's cost per
// byte: each shape at 4 KiB and at 256 KiB (64 times larger). Parsing is
// linear when the time per byte stays flat (ns/byte is reported); the
// benchmark fails when the large input costs more than 4 times as much per
// byte as the small one, which any quadratic step would exceed by far.
// It is a benchmark, never a test: timings belong to `make bench`.
func BenchmarkStatuspageHistoryScaling(b *testing.B) {
	const small, large = 4 << 10, 256 << 10
	for _, sh := range historyShapes {
		perByte := map[int]float64{}
		for _, size := range []int{small, large} {
			body := []byte(sh.build(size))
			b.Run(fmt.Sprintf("%s/%dKiB", sh.name, size>>10), func(b *testing.B) {
				b.SetBytes(int64(len(body)))
				for b.Loop() {
					Parse(Document{URL: "https://s.example.com/history?page=2", Body: body}, FormatStatuspageHistory)
				}
				ns := float64(b.Elapsed().Nanoseconds()) / float64(b.N) / float64(len(body))
				b.ReportMetric(ns, "ns/byte")
				perByte[size] = ns
			})
		}
		if s, l := perByte[small], perByte[large]; s > 0 && l > 4*s {
			b.Errorf("%s: %.1f ns/byte at %d KiB against %.1f at %d KiB: parsing is not linear", sh.name, l, large>>10, s, small>>10)
		}
	}
}
