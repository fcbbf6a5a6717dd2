package archive_test

import (
	"context"
	"fmt"
	"runtime"
	"syscall"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/archivetest"
	"github.com/statusarchive/statusarchive/parser"
)

// cpuTime is the CPU time this process has used. On a shared machine it
// says more about our cost than the wall clock does.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// benchHistory is n incidents of a realistic size: four updates of a
// couple of hundred bytes each. variant changes the last update's body.
func benchHistory(n, variant int) []parser.Incident {
	out := make([]parser.Incident, n)
	for i := range out {
		out[i] = incident(fmt.Sprintf("inc-%06d", i), 24*(i%3000+1),
			"We are investigating elevated error rates on the API in the EU region. Some requests may fail.",
			"We have identified the cause: a configuration change to the load balancers. A rollback is in progress.",
			"The rollback has completed and error rates are back to normal. We are monitoring.",
			fmt.Sprintf("This incident has been resolved (variant %d). We will publish a postmortem.", variant))
		// As Parse returns it: its windows read.
		out[i].ReadWindows()
	}
	return out
}

// BenchmarkIngest10k ingests one scrape of 10,000 new incidents into a
// fresh archive per iteration: one transaction, one fsync pair.
func BenchmarkIngest10k(b *testing.B) {
	incidents := benchHistory(10_000, 0)
	ctx := context.Background()
	b.ReportAllocs()
	var total, cpu time.Duration
	var used, live int64
	for b.Loop() {
		b.StopTimer()
		db := archivetest.MustOpenWith(b, archive.Options{Now: func() time.Time { return t0 }})
		b.StartTimer()
		start, cpuStart := time.Now(), cpuTime()
		run, err := db.Ingest(ctx, scrape(true, "page"), incidents)
		total, cpu = total+time.Since(start), cpu+cpuTime()-cpuStart
		if err != nil || run.New != len(incidents) {
			b.Fatalf("Ingest = %d new, %v", run.New, err)
		}
		b.StopTimer()
		if u, err := db.Usage(ctx); err == nil {
			used = u.UsedBytes
		}
		db.Close()
		live = mustLiveBytes(b, db.Path())
		b.StartTimer()
	}
	b.ReportMetric(float64(len(incidents)*b.N)/total.Seconds(), "incidents/s")
	b.ReportMetric(float64(len(incidents)*b.N)/cpu.Seconds(), "incidents/cpu-s")
	b.ReportMetric(float64(used)/float64(len(incidents)), "used-bytes/incident")
	// Every key and value (the run's page and log included): what the
	// encoding stores, without bbolt's pages around it.
	b.ReportMetric(float64(live)/float64(len(incidents)), "live-bytes/incident")
}

// BenchmarkIngestUnchanged10k re-ingests 10,000 unchanged incidents: the
// steady state of a scheduled scrape.
func BenchmarkIngestUnchanged10k(b *testing.B) {
	incidents := benchHistory(10_000, 0)
	ctx := context.Background()
	clock := archivetest.NewClock(t0)
	db := archivetest.MustOpenWith(b, archive.Options{Now: clock.Now})
	if _, err := db.Ingest(ctx, scrape(true, "page"), incidents); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpuStart := cpuTime()
	for b.Loop() {
		clock.Advance(time.Minute)
		run, err := db.Ingest(ctx, scrape(true, "page"), incidents)
		if err != nil || run.Unchanged != len(incidents) {
			b.Fatalf("Ingest = %d unchanged, %v", run.Unchanged, err)
		}
	}
	b.ReportMetric(float64(len(incidents)*b.N)/b.Elapsed().Seconds(), "incidents/s")
	b.ReportMetric(float64(len(incidents)*b.N)/(cpuTime()-cpuStart).Seconds(), "incidents/cpu-s")
}

// BenchmarkRows streams the latest versions out of an archive holding
// 100,000 versions (25,000 incidents, four versions each), and reports the
// rate, the allocations per row and the heap growth over a scan, which
// must not depend on the archive's size.
func BenchmarkRows(b *testing.B) {
	const incidents, versions = 25_000, 4
	ctx := context.Background()
	clock := archivetest.NewClock(t0)
	db := archivetest.MustOpenWith(b, archive.Options{Now: clock.Now})
	for v := range versions {
		clock.Advance(time.Hour)
		if _, err := db.Ingest(ctx, scrape(true, fmt.Sprintf("page %d", v)), benchHistory(incidents, v)); err != nil {
			b.Fatal(err)
		}
	}
	for _, bc := range []struct {
		name string
		f    archive.Filter
	}{
		{"latest", archive.Filter{}},
		{"as-of", archive.Filter{AsOf: t0.Add(150 * time.Minute)}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			var peak uint64
			rowsSeen := 0
			b.ReportAllocs()
			cpuStart := cpuTime()
			for b.Loop() {
				n := 0
				for row, err := range db.Rows(ctx, bc.f) {
					if err != nil {
						b.Fatal(err)
					}
					if row.Version == 0 {
						b.Fatal("row without a version")
					}
					n++
					if n%5000 == 0 {
						var m runtime.MemStats
						runtime.ReadMemStats(&m)
						peak = max(peak, m.HeapInuse)
					}
				}
				if n != incidents {
					b.Fatalf("%d rows, want %d", n, incidents)
				}
				rowsSeen += n
			}
			cpu := cpuTime() - cpuStart
			runtime.ReadMemStats(&after)
			b.ReportMetric(float64(rowsSeen)/b.Elapsed().Seconds(), "rows/s")
			b.ReportMetric(float64(rowsSeen)/cpu.Seconds(), "rows/cpu-s")
			b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(rowsSeen), "allocs/row")
			b.ReportMetric(float64(peak-min(peak, before.HeapInuse))/(1<<20), "heap-growth-MiB")
		})
	}
}

// BenchmarkOpenClose opens an archive for writing and closes it, as a
// writer that does not hold the file does for each write: the archive
// holds 1,000 incidents from 20 runs (cpu-us/op is CPU time).
func BenchmarkOpenClose(b *testing.B) {
	path := b.TempDir() + "/archive.db"
	clock := archivetest.NewClock(t0)
	db, err := archive.Open(path, archive.Options{Now: clock.Now, Logger: quiet()})
	if err != nil {
		b.Fatal(err)
	}
	for v := range 20 {
		clock.Advance(time.Hour)
		in := scrape(true, fmt.Sprintf("page %d", v))
		if _, err := db.Ingest(context.Background(), in, benchHistory(1000, v%2)); err != nil {
			b.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	cpu := cpuTime()
	for b.Loop() {
		db, err := archive.Open(path, archive.Options{Now: clock.Now, Logger: quiet()})
		if err != nil {
			b.Fatal(err)
		}
		if err := db.Close(); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((cpuTime()-cpu).Microseconds())/float64(b.N), "cpu-us/op")
}
