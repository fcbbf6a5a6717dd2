package main

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/fixtures"
)

// BenchmarkLargeStatuspage scrapes a generated Statuspage history of
// GitHub's size (3,000 incidents, 50 history pages, ETags) into a fresh
// archive, then scrapes it twice more unchanged, each scrape in its own
// process. It reports each run's pages fetched, 304 answers and CPU, and
// the unchanged run's CPU as a fraction of the first's.
func BenchmarkLargeStatuspage(b *testing.B) {
	const incidents, perPage = 3000, 60
	var requests, notModified atomic.Int64
	site := fixtures.LargeStatuspageSite(incidents, perPage)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		if r.Header.Get("If-None-Match") != "" {
			notModified.Add(1)
		}
		site.ServeHTTP(w, r)
	}))
	defer srv.Close()
	dir := b.TempDir()
	db := dir + "/archive.db"
	list := writeScrapes(b, dir, [][]string{{"--source", "gh", "--max-pages", "5000", srv.URL + "/history?page=1"}})
	var cpus []float64
	b.ResetTimer()
	for _, name := range []string{"first", "unchanged"} {
		requests.Store(0)
		notModified.Store(0)
		cmd := scrapeMany(b, list, db)
		cpu, rss := childUsage(cmd)
		b.ReportMetric(float64(requests.Load()), name+"-pages")
		b.ReportMetric(float64(notModified.Load()), name+"-conditional-requests")
		b.ReportMetric(cpu.Seconds(), name+"-cpu-s")
		b.ReportMetric(rss, name+"-rss-MiB")
		cpus = append(cpus, cpu.Seconds())
	}
	b.ReportMetric(cpus[1]/cpus[0], "x-unchanged-vs-first-cpu")
	b.StopTimer()
	a, err := archive.Open(db, archive.Options{ReadOnly: true})
	if err != nil {
		b.Fatal(err)
	}
	defer a.Close()
	runs, err := a.Runs(context.Background(), "gh", 2)
	if err != nil || len(runs) != 2 {
		b.Fatalf("runs = %v, %v", runs, err)
	}
	// The first run archives the whole history; the unchanged one after
	// it is incremental: it sees the newest page and the sweep's slice.
	if r := runs[1]; r.Incidents != incidents || r.Outcome != archive.OutcomeOK {
		b.Errorf("first run %d: %d incidents, %s (%s); want all %d, ok", r.ID, r.Incidents, r.Outcome, r.Error, incidents)
	}
	for _, r := range runs[:1] {
		if r.New+r.Changed+r.Deleted != 0 || r.Outcome != archive.OutcomeOK {
			b.Errorf("unchanged run %d: %+v; want nothing new, changed or deleted, ok", r.ID, r)
		}
	}
	b.ReportMetric(float64(runs[1].New), "first-new")
	b.ReportMetric(float64(runs[0].Unchanged), "unchanged-unchanged")
}
