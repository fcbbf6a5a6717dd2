package parser

import (
	"testing"

	"github.com/statusarchive/statusarchive/fixtures"
)

// BenchmarkPlatformParsers parses one page of each platform format, with
// detection, as a crawl does.
func BenchmarkPlatformParsers(b *testing.B) {
	pages := []struct{ name, file, url string }{
		{"betterstack", "realworld/betterstack/huggingface-index-downtime-20260719.json", "https://status.huggingface.co/index.json"},
		{"instatus", "realworld/instatus/perplexity-summary-major-20260723.json", "https://status.perplexity.com/summary.json"},
		{"statusio", "realworld/statusio/nintex-api-envelope-20260420.json", "https://status.nintex.com/1.0/status/566925105401bb333d000014"},
		{"incidentio-html", "incidentio/site/index.html", "https://status.incidentio.test/"},
		{"instatus-html", "instatus/site/history/1.html", "https://status.instatus.test/history"},
		{"betterstack-html", "betterstack/site/incidents/2026-04/2026-06.html", "https://status.betterstack.test/incidents/2026-04/2026-06"},
		{"statusio-html", "statusio/site/pages/incident/5f00000000000000000000aa/6a0000000000000000000002.html", "https://status.statusio.test/pages/incident/5f00000000000000000000aa/6a0000000000000000000002"},
	}
	for _, p := range pages {
		body, err := fixtures.ReadFile(p.file)
		if err != nil {
			body, err = fixtures.PlatformReadFile(p.file)
		}
		if err != nil {
			b.Fatal(err)
		}
		b.Run(p.name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Parse(Document{URL: p.url, Body: body}, FormatAuto); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
