package parser

import (
	"bytes"
	"testing"
	"time"

	"github.com/PuerkitoBio/goquery"

	"github.com/statusarchive/statusarchive/fixtures"
)

// BenchmarkParseVsGoquery parses the same bytes twice per iteration: once
// into a bare goquery document (the floor any DOM parser pays) and once
// with Parse, by name and by detection. It reports the ratio of the two
// times, taken in one run so that a loaded machine slows both alike:
// x-goquery is bare time / Parse time, 1 when parsing costs no more than
// building the DOM. x-goquery-min is the same ratio of the fastest
// iteration of each, less disturbed by a shared machine.
func BenchmarkParseVsGoquery(b *testing.B) {
	type page struct {
		name   string
		doc    Document
		format Format
	}
	pages := []page{{"fastly-home", statuspageHTMLDoc(b, "fastly-home-2021.html"), FormatStatuspageHome}}
	for _, markup := range fixtures.Markups() {
		pages = append(pages, page{"outagehistory-" + markup, ohDoc(b, markup, "outages-1.html"), FormatOutageHistory})
	}
	for _, p := range pages {
		for _, auto := range []bool{false, true} {
			name := p.name + "/by-name"
			format := p.format
			if auto {
				name, format = p.name+"/auto-detect", FormatAuto
			}
			b.Run(name, func(b *testing.B) {
				b.SetBytes(int64(len(p.doc.Body)))
				b.ReportAllocs()
				var bare, full time.Duration
				minBare, minFull := time.Duration(1<<62), time.Duration(1<<62)
				for b.Loop() {
					start := time.Now()
					if _, err := goquery.NewDocumentFromReader(bytes.NewReader(p.doc.Body)); err != nil {
						b.Fatal(err)
					}
					mid := time.Now()
					got, err := Parse(p.doc, format)
					if err != nil {
						b.Fatal(err)
					}
					if got.Format != p.format {
						b.Fatalf("Parse detected %s, want %s", got.Format, p.format)
					}
					f, g := time.Since(mid), mid.Sub(start)
					full, bare = full+f, bare+g
					minFull, minBare = min(minFull, f), min(minBare, g)
				}
				b.ReportMetric(bare.Seconds()/full.Seconds(), "x-goquery")
				// The fastest of each is what the code costs with the least
				// interference from the machine's other work.
				b.ReportMetric(minBare.Seconds()/minFull.Seconds(), "x-goquery-min")
				b.ReportMetric(float64(full.Nanoseconds())/float64(b.N), "parse-ns/op")
				b.ReportMetric(float64(bare.Nanoseconds())/float64(b.N), "goquery-ns/op")
			})
		}
	}
}
