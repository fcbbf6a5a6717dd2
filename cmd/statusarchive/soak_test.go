package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"runtime"
	"testing"

	"github.com/rs/zerolog"
)

// TestDaemonSoak is RELIABILITY test 20's soak: 10,000 ticks of the
// daemon's run function (what each cron tick calls) over two loopback
// sources, one whose page never changes and one that changes every 50th
// tick, the archive lent to each run as the daemon lends it.
// It counts ticks, not time. After a warm-up of a tenth of the ticks,
// goroutines and the live heap are sampled every tenth of the ticks (after
// a GC): goroutines must stay within 2 of the warm-up count and the heap
// within 10% (or 256 KiB, whichever is larger: the heap is small) of it. At
// the end, goleak (noLeaks) finds no goroutine left behind. -short runs
// 1,000 ticks.
func TestDaemonSoak(t *testing.T) {
	ticks := 10000
	if testing.Short() {
		ticks = 1000
	}
	tr := noLeaks(t)
	steady, changing := newSite(t, 0), newSite(t, 0)
	original := bytes.Clone(changing.page)
	cfg := &Config{StaleAfter: 3, Concurrency: 2, Sources: []Source{
		testSource(t, "steady", steady.url(), "@every 1m"),
		testSource(t, "changing", changing.url(), "@every 1m"),
	}}
	d := newDaemon(testMain(tr), zerolog.Nop(), filepath.Join(t.TempDir(), "archive.db"), "", cfg)

	type sample struct {
		tick       int
		goroutines int
		heap       uint64
	}
	measure := func(tick int) sample {
		runtime.GC()
		runtime.GC() // the second empties sync.Pool's victim caches
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return sample{tick, runtime.NumGoroutine(), ms.HeapAlloc}
	}
	warm, every := ticks/10, ticks/10
	var base sample
	var samples []sample
	for tick := 1; tick <= ticks; tick++ {
		if tick%50 == 0 {
			// A new version of the changing source's incident: the page's
			// title text takes the tick number.
			changing.page = bytes.Replace(original, []byte("Incident with"), fmt.Appendf(nil, "Incident %d with", tick), 1)
		}
		name := "steady"
		if tick%2 == 0 {
			name = "changing"
		}
		d.runSource(t.Context(), name)
		switch {
		case tick == warm:
			base = measure(tick)
			samples = append(samples, base)
		case tick > warm && tick%every == 0:
			s := measure(tick)
			samples = append(samples, s)
			if s.goroutines > base.goroutines+2 {
				t.Errorf("tick %d: %d goroutines, more than 2 over the %d after warm-up (tick %d): something started per tick is not ending",
					tick, s.goroutines, base.goroutines, base.tick)
			}
			if limit := base.heap + max(base.heap/10, 256<<10); s.heap > limit {
				t.Errorf("tick %d: live heap %d bytes, more than 10%% (or 256 KiB) over the %d after warm-up (tick %d): something grows per tick",
					tick, s.heap, base.heap, base.tick)
			}
		}
	}
	for _, s := range samples {
		t.Logf("tick %5d: %3d goroutines, live heap %8d bytes", s.tick, s.goroutines, s.heap)
	}
	if hits := steady.hits.Load() + changing.hits.Load(); hits < int64(ticks) {
		t.Errorf("the servers saw %d requests over %d ticks: some ticks fetched nothing", hits, ticks)
	}
	t.Logf("%d ticks; server hits: steady %d, changing %d", ticks, steady.hits.Load(), changing.hits.Load())
}
