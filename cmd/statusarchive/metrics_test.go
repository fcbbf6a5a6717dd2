package main

import (
	"bytes"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"
)

func TestMetricsExposition(t *testing.T) {
	path := filepath.Join(t.TempDir(), "archive.db")
	if err := os.WriteFile(path, make([]byte, 4096), 0o600); err != nil {
		t.Fatal(err)
	}
	start := time.Unix(1782136980, 0)
	m := newMetrics(path, start)
	m.addSource("b")
	m.addSource(`a"\` + "\n")
	m.observeRun("b", "ok", false, 300*time.Millisecond, start.Add(time.Minute))
	m.observeRun("b", "ok", false, 1*time.Second, start.Add(2*time.Minute))
	m.observeRun("b", "failed", true, 400*time.Second, start.Add(3*time.Minute))
	m.skip("b")
	m.setStale("b", true)
	m.followedChange("b")
	m.running(1)

	var buf bytes.Buffer
	n, err := m.WriteTo(&buf)
	if err != nil || n != int64(buf.Len()) {
		t.Fatalf("WriteTo = %d, %v; wrote %d bytes", n, err, buf.Len())
	}
	got := buf.String()
	checkExposition(t, got)
	for _, want := range []string{
		`statusarchive_runs_total{outcome="ok",source="a\"\\\n"} 0`,
		`statusarchive_runs_total{outcome="failed",source="b"} 1`,
		`statusarchive_runs_total{outcome="ok",source="b"} 2`,
		`statusarchive_run_failures_total{source="b"} 1`,
		`statusarchive_runs_skipped_total{source="b"} 1`,
		`statusarchive_followed_changes_total{source="b"} 1`,
		`statusarchive_last_success_timestamp_seconds{source="b"} 1.7821371e+09`,
		`statusarchive_source_stale{source="b"} 1`,
		`statusarchive_source_stale{source="a\"\\\n"} 0`,
		`statusarchive_run_duration_seconds_bucket{source="b",le="0.25"} 0`,
		`statusarchive_run_duration_seconds_bucket{source="b",le="0.5"} 1`,
		`statusarchive_run_duration_seconds_bucket{source="b",le="1"} 2`,
		`statusarchive_run_duration_seconds_bucket{source="b",le="300"} 2`,
		`statusarchive_run_duration_seconds_bucket{source="b",le="+Inf"} 3`,
		`statusarchive_run_duration_seconds_sum{source="b"} 401.3`,
		`statusarchive_run_duration_seconds_count{source="b"} 3`,
		`statusarchive_runs_in_progress 1`,
		`statusarchive_archive_size_bytes 4096`,
		`statusarchive_start_time_seconds 1.78213698e+09`,
	} {
		if !strings.Contains(got, want+"\n") {
			t.Errorf("exposition has no line %q; got:\n%s", want, got)
		}
	}
	// Series of one family come sorted, so that two scrapes diff cleanly.
	if a, b := strings.Index(got, `skipped_total{source="a`), strings.Index(got, `skipped_total{source="b`); a < 0 || a > b {
		t.Errorf("series not sorted by source: a at %d, b at %d", a, b)
	}
}

// TestMetricsPerSourceSmall: a source's series cost well under 1 KB of
// live heap, so that 10,000 sources keep their metrics in a few MB
// (Prometheus vectors took about 6 KB a source: 60 MB).
func TestMetricsPerSourceSmall(t *testing.T) {
	const n = 10000
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("source-%05d", i)
	}
	live := func() int64 {
		runtime.GC()
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	// The heap with the metrics less the heap once they are dropped; the
	// smallest of three trials, as other tests' leftovers may be freed
	// meanwhile.
	perSource := math.Inf(1)
	for range 3 {
		m := newMetrics(filepath.Join(t.TempDir(), "archive.db"), time.Unix(0, 0))
		for i, name := range names {
			m.addSource(name)
			m.observeRun(name, "ok", false, time.Duration(i)*time.Millisecond, time.Unix(int64(i), 0))
			m.setStale(name, false)
		}
		with := live()
		runtime.KeepAlive(m)
		perSource = min(perSource, float64(with-live())/n)
	}
	t.Logf("%.0f bytes of live heap per source", perSource)
	if perSource > 1024 {
		t.Errorf("%.0f bytes of live heap per source, want under 1 KB", perSource)
	}
}
