package archive_test

import (
	"context"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/archivetest"
	"github.com/statusarchive/statusarchive/archive/export"
)

// BenchmarkExportArchive exports every incident of an archive holding 100k
// and then 1M incident versions (a quarter as many incidents, four
// versions each) as CSV, straight from bbolt through the exporter. It
// reports rows/s, the live heap before the export, and what the export adds
// to it at its peak (sampled after a collection every 25k rows): the latter
// should not grow with the archive.
func BenchmarkExportArchive(b *testing.B) {
	for _, versions := range []int{100_000, 1_000_000} {
		b.Run(fmt.Sprintf("%dk-versions", versions/1000), func(b *testing.B) {
			const perIncident, chunk = 4, 10_000
			incidents := versions / perIncident
			ctx := context.Background()
			clock := archivetest.NewClock(t0)
			db := archivetest.MustOpenWith(b, archive.Options{Now: clock.Now, Logger: quiet()})
			for v := range perIncident {
				history := benchHistory(incidents, v)
				for start := 0; start < incidents; start += chunk {
					clock.Advance(time.Minute)
					// Runs that see part of the source: incomplete, so
					// they infer no deletions.
					if _, err := db.Ingest(ctx, scrape(false, fmt.Sprintf("page %d/%d", v, start)), history[start:min(start+chunk, incidents)]); err != nil {
						b.Fatal(err)
					}
				}
			}
			base := liveHeap()
			var peak uint64
			rows := 0
			b.ResetTimer()
			for b.Loop() {
				sample := func(yield func(archive.Row, error) bool) {
					n := 0
					for row, err := range db.Rows(ctx, archive.Filter{}) {
						if n++; n%25_000 == 0 {
							peak = max(peak, liveHeap())
						}
						if !yield(row, err) {
							return
						}
					}
					rows += n
				}
				if err := export.Write(io.Discard, export.TableIncidents, export.FormatCSV, sample, export.Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(rows)/b.Elapsed().Seconds(), "rows/s")
			// base holds what the open archive keeps regardless of the
			// export (bbolt's freelist grows with the file); the export's
			// own footprint is what it adds on top.
			b.ReportMetric(float64(base)/(1<<20), "base-live-heap-MiB")
			b.ReportMetric(float64(peak-min(peak, base))/(1<<20), "export-added-heap-MiB")
		})
	}
}

// liveHeap collects garbage and returns the heap still live: what the
// export holds, not garbage waiting for the collector.
func liveHeap() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
