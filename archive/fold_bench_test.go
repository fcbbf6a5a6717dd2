package archive_test

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/archivetest"
	"github.com/statusarchive/statusarchive/parser"
)

// BenchmarkOneOfHundredChanged is a daemon's cycle over 100 sources of
// three pages and 12 incidents each with ETags, in which one source has
// changed: its pages come back with new bodies and one incident with a
// new title; the other 99 answer 304. Each iteration is one cycle, a
// different source changing each time, after two unchanged cycles (the
// steady state: the 99 fold). It reports the growth of the file's used
// part and the live bytes (every key and value) per cycle, and, apart,
// what one cycle with no change at all adds.
func BenchmarkOneOfHundredChanged(b *testing.B) {
	const sites, pages = 100, 3
	ctx := context.Background()
	clock := archivetest.NewClock(t0)
	path := filepath.Join(b.TempDir(), "archive.db")
	opts := archive.Options{Now: clock.Now, Logger: quiet()}
	db, err := archive.Open(path, opts)
	if err != nil {
		b.Fatal(err)
	}
	variant := make([]int, sites)
	incidents := func(site int) []parser.Incident {
		out := benchHistory(12, 0)
		for i := range out {
			out[i].Source = ""
		}
		out[0].Title = fmt.Sprintf("Elevated errors (variant %d)", variant[site])
		return out
	}
	filler := strings.Repeat("<div class=\"update\">an update of the history page</div>\n", 40)
	run := func(site int, changed bool) {
		name := fmt.Sprintf("site%03d", site)
		start := "https://" + name + ".example/history"
		in := archive.RunInput{Source: name, URL: start, Started: clock.Now(), Finished: clock.Now(), Format: "test", Complete: true}
		if changed {
			variant[site]++
		}
		for p := range pages {
			page := archive.PageInput{URL: fmt.Sprintf("%s?page=%d", start, p), Status: http.StatusNotModified, FetchedAt: clock.Now(),
				Header: http.Header{"Etag": {fmt.Sprintf(`"%d-%d"`, p, variant[site])}, "Content-Type": {"text/html"}}}
			if changed || variant[site] == 0 && clock.Now().Equal(t0) {
				page.Status = http.StatusOK
				page.Body = fmt.Appendf(nil, "<html>%s page %d variant %d\n%s</html>", name, p, variant[site], filler)
			}
			in.Pages = append(in.Pages, page)
		}
		r, err := db.Ingest(ctx, in, incidents(site))
		if err != nil || r.Outcome != archive.OutcomeOK {
			b.Fatalf("%s: %+v, %v", name, r, err)
		}
	}
	cycle := func(changed int) {
		for s := range sites {
			run(s, s == changed)
		}
		clock.Advance(5 * time.Minute)
	}
	usage := func() int64 {
		u, err := db.Usage(ctx)
		if err != nil {
			b.Fatal(err)
		}
		return u.UsedBytes
	}
	live := func() int64 {
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
		n := mustLiveBytes(b, path)
		if db, err = archive.Open(path, opts); err != nil {
			b.Fatal(err)
		}
		return n
	}
	cycle(-1) // first
	cycle(-1) // settled: each source's first unchanged run
	cycle(-1)
	live0, used0 := live(), usage()
	cycle(-1)
	live1, used1 := live(), usage()
	i := 0
	for b.Loop() {
		cycle(i % sites)
		i++
	}
	live2, used2 := live(), usage()
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	cycles := float64(b.N)
	b.ReportMetric(float64(used2-used1)/cycles, "used-bytes/cycle")
	b.ReportMetric(float64(live2-live1)/cycles, "live-bytes/cycle")
	b.ReportMetric(float64(used1-used0), "unchanged-cycle-used-bytes")
	b.ReportMetric(float64(live1-live0), "unchanged-cycle-live-bytes")
}
