package parser

import (
	"path"
	"strings"
	"testing"

	"github.com/statusarchive/statusarchive/fixtures"
)

// TestDetectionDecodesOnce: auto-detecting a platform's page costs about
// what parsing it as its format costs, at most half as much again: every
// sniffer reads the document's one decoded JSON value, XML feed or HTML
// tree and looks at its keys or root before it decodes more, and what a
// sniffer decodes the parse reuses. A sniffer that decoded the body for
// itself would cost another whole decode, and a parse that decoded it again
// after the sniffer another. The one decode allowed beyond that is the
// document's shared JSON object, which the sniffers read and a parse by
// name of a format that reads the bytes straight (statuspage-api, which
// incident.io's compatible summaries are) does not build. The pages are
// every real capture of the platforms other than Statuspage, and the
// fixture sites' pages of the formats no real capture shows.
func TestDetectionDecodesOnce(t *testing.T) {
	type page struct {
		name string
		doc  Document
	}
	var pages []page
	names, err := fixtures.Glob("realworld/*/*")
	if err != nil {
		t.Fatal(err)
	}
	urls := map[string]string{ // where each capture's platform serves it
		"betterstack": "https://status.huggingface.co/index.json",
		"checkly":     "https://status.mistral.ai/api/status-page/mistral-ai/unresolved-incidents",
		"hundio":      "https://appsstatus.indeed.com/",
		"incidentio":  "https://status.openai.com/api/v2/summary.json",
		"instatus":    "https://status.perplexity.com/summary.json",
		"statusio":    "https://status.nintex.com/1.0/status/566925105401bb333d000014",
	}
	for _, name := range names {
		dir := path.Base(path.Dir(name))
		if dir == "statuspage" || strings.HasSuffix(name, ".md") {
			continue
		}
		doc := Document{Source: "x", URL: urls[dir], Body: readStatuspageFixture(t, name)}
		for _, tt := range vendorCaptures {
			if tt.file == name {
				doc.URL, doc.ContentType = tt.url, tt.contentType
			}
		}
		pages = append(pages, page{name, doc})
	}
	for _, v := range []struct{ platform, path string }{
		{fixtures.VendorGCP, "/incidents.json"},
		{fixtures.VendorSlack, "/api/v2.0.0/current"},
		{fixtures.VendorSlack, "/api/v2.0.0/history"},
		{fixtures.VendorCachet, "/api/v1/incidents?page=1"},
		{fixtures.VendorAWSRSS, "/rss/all.rss"},
	} {
		_, doc := renderVendor(t, v.platform, v.path)
		pages = append(pages, page{v.platform + v.path, doc})
	}
	for _, p := range []struct{ file, url string }{
		{"incidentio/site/index.html", "https://status.incidentio.test/"},
		{"incidentio/site/proxy/incidents.json", "https://status.incidentio.test/proxy/status.incidentio.test/incidents"},
		{"instatus/site/history/1.html", "https://status.instatus.test/history"},
		{"betterstack/site/incidents/970001.html", "https://status.betterstack.test/incidents/970001"},
		{"statusio/site/pages/incident/5f00000000000000000000aa/6a0000000000000000000001.html", "https://status.statusio.test/pages/incident/5f00000000000000000000aa/6a0000000000000000000001"},
	} {
		b, err := fixtures.PlatformReadFile(p.file)
		if err != nil {
			t.Fatal(err)
		}
		pages = append(pages, page{p.file, Document{Source: "x", URL: p.url, Body: b}})
	}
	checked := 0
	for _, p := range pages {
		got, err := Parse(p.doc, FormatAuto)
		if err != nil {
			continue // refused captures are other tests' business
		}
		checked++
		byName := testing.AllocsPerRun(3, func() { _, _ = Parse(p.doc, got.Format) })
		auto := testing.AllocsPerRun(3, func() { _, _ = Parse(p.doc, FormatAuto) })
		shared := testing.AllocsPerRun(3, func() { _ = jsonMembers(p.doc.Body) })
		t.Logf("%s as %s: %.0f allocations detected, %.0f by name (%.2fx), %.0f the shared JSON object", p.name, got.Format, auto, byName, auto/byName, shared)
		if auto > 1.5*byName+shared {
			t.Errorf("%s: detecting it costs %.0f allocations, parsing it as %s %.0f (%.2fx, want at most 1.5x and the shared object's %.0f): a sniffer decodes the page for itself",
				p.name, auto, got.Format, byName, auto/byName, shared)
		}
	}
	if checked < 15 {
		t.Errorf("checked %d pages, want at least 15", checked)
	}
}
