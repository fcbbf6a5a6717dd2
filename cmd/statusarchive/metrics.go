package main

import (
	"bytes"
	"cmp"
	"fmt"
	"io"
	"maps"
	"math"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// metrics are the daemon's figures, served on /metrics in the Prometheus
// text exposition format (version 0.0.4).
//
// They are kept here rather than in a client_golang registry because the
// modules client_golang needs (client_model, common, procfs, perks,
// xxhash) are not in go.sum, and this file may not run go get. The names,
// types and labels are the ones a private prometheus.NewRegistry would
// serve, so swapping this for client_golang later changes no dashboard.
type metrics struct {
	archivePath string
	started     time.Time

	mu          sync.Mutex
	runs        map[runKey]float64 // by source and outcome
	failures    map[string]float64
	skipped     map[string]float64
	lastSuccess map[string]time.Time
	stale       map[string]bool
	durations   map[string]*histogram
	followed    map[string]float64
	inProgress  int
}

type runKey struct{ source, outcome string }

// durationBuckets are the upper bounds, in seconds, of the run duration
// histogram: from a one-page fetch to a long paginated crawl.
var durationBuckets = []float64{0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}

type histogram struct {
	counts []uint64 // per bucket, not cumulative
	sum    float64
	count  uint64
}

func newMetrics(archivePath string, started time.Time) *metrics {
	return &metrics{
		archivePath: archivePath,
		started:     started,
		runs:        map[runKey]float64{},
		failures:    map[string]float64{},
		skipped:     map[string]float64{},
		lastSuccess: map[string]time.Time{},
		stale:       map[string]bool{},
		durations:   map[string]*histogram{},
		followed:    map[string]float64{},
	}
}

// addSource makes a source's series exist at zero, so that rate() and
// absence alerts work from the first scrape.
func (m *metrics) addSource(source string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range []string{"ok", "partial", "failed", "suspect"} {
		k := runKey{source, o}
		m.runs[k] += 0
	}
	m.failures[source] += 0
	m.skipped[source] += 0
	m.followed[source] += 0
	if _, ok := m.stale[source]; !ok {
		m.stale[source] = false
	}
	if m.durations[source] == nil {
		m.durations[source] = &histogram{counts: make([]uint64, len(durationBuckets))}
	}
}

// observeRun counts a finished run.
func (m *metrics) observeRun(source, outcome string, failed bool, d time.Duration, finished time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.runs[runKey{source, outcome}]++
	if failed {
		m.failures[source]++
	} else {
		m.lastSuccess[source] = finished
	}
	h := m.durations[source]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(durationBuckets))}
		m.durations[source] = h
	}
	s := d.Seconds()
	if i, _ := slices.BinarySearch(durationBuckets, s); i < len(durationBuckets) {
		h.counts[i]++
	}
	h.sum += s
	h.count++
}

func (m *metrics) setLastSuccess(source string, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if at.After(m.lastSuccess[source]) {
		m.lastSuccess[source] = at
	}
}

func (m *metrics) skip(source string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.skipped[source]++
}

func (m *metrics) followedChange(source string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.followed[source]++
}

func (m *metrics) setStale(source string, stale bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.stale[source] = stale
}

func (m *metrics) running(delta int) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.inProgress += delta
}

// WriteTo writes every metric in the text exposition format, families and
// series in a stable order. It renders into memory first, so that a slow
// reader never holds the lock that runs need to count themselves.
func (m *metrics) WriteTo(w io.Writer) (int64, error) {
	cw := &bytes.Buffer{}
	m.mu.Lock()
	family(cw, "statusarchive_runs_total", "counter", "Runs finished, by source and outcome (ok, partial, failed, suspect, error, panic, cancelled).")
	for _, k := range slices.SortedFunc(maps.Keys(m.runs), func(a, b runKey) int {
		return cmp.Or(strings.Compare(a.source, b.source), strings.Compare(a.outcome, b.outcome))
	}) {
		sample(cw, "statusarchive_runs_total", m.runs[k], "source", k.source, "outcome", k.outcome)
	}
	bySource(cw, "statusarchive_run_failures_total", "counter", "Runs that archived nothing: failed or blocked fetches, refused or broken runs.", m.failures)
	bySource(cw, "statusarchive_runs_skipped_total", "counter", "Scheduled runs skipped because the previous run of the source was still going.", m.skipped)
	bySource(cw, "statusarchive_followed_changes_total", "counter", "New, changed or restored incidents that name a component the source follows.", m.followed)
	last := map[string]float64{}
	for s, t := range m.lastSuccess {
		last[s] = float64(t.UnixNano()) / 1e9
	}
	bySource(cw, "statusarchive_last_success_timestamp_seconds", "gauge", "When the source's last run that archived its records finished, in Unix seconds.", last)
	stale := map[string]float64{}
	for s, v := range m.stale {
		stale[s] = 0
		if v {
			stale[s] = 1
		}
	}
	bySource(cw, "statusarchive_source_stale", "gauge", "1 when the source's last stale_after runs all failed, else 0.", stale)
	family(cw, "statusarchive_run_duration_seconds", "histogram", "How long runs took, fetch to commit.")
	for _, s := range slices.Sorted(maps.Keys(m.durations)) {
		h := m.durations[s]
		var cum uint64
		for i, le := range durationBuckets {
			cum += h.counts[i]
			sample(cw, "statusarchive_run_duration_seconds_bucket", float64(cum), "source", s, "le", formatFloat(le))
		}
		sample(cw, "statusarchive_run_duration_seconds_bucket", float64(h.count), "source", s, "le", "+Inf")
		sample(cw, "statusarchive_run_duration_seconds_sum", h.sum, "source", s)
		sample(cw, "statusarchive_run_duration_seconds_count", float64(h.count), "source", s)
	}
	family(cw, "statusarchive_runs_in_progress", "gauge", "Runs going now.")
	sample(cw, "statusarchive_runs_in_progress", float64(m.inProgress))
	m.mu.Unlock()

	family(cw, "statusarchive_archive_size_bytes", "gauge", "Size of the archive file.")
	if fi, err := os.Stat(m.archivePath); err == nil {
		sample(cw, "statusarchive_archive_size_bytes", float64(fi.Size()))
	}
	family(cw, "statusarchive_start_time_seconds", "gauge", "When the daemon started, in Unix seconds.")
	sample(cw, "statusarchive_start_time_seconds", float64(m.started.UnixNano())/1e9)
	return cw.WriteTo(w)
}

func family(w io.Writer, name, typ, help string) {
	fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func bySource(w io.Writer, name, typ, help string, values map[string]float64) {
	family(w, name, typ, help)
	for _, s := range slices.Sorted(maps.Keys(values)) {
		sample(w, name, values[s], "source", s)
	}
}

// sample writes one series: name{k="v",...} value. labels alternate names
// and values.
func sample(w io.Writer, name string, v float64, labels ...string) {
	var b strings.Builder
	b.WriteString(name)
	if len(labels) > 0 {
		b.WriteByte('{')
		for i := 0; i+1 < len(labels); i += 2 {
			if i > 0 {
				b.WriteByte(',')
			}
			b.WriteString(labels[i])
			b.WriteString(`="`)
			b.WriteString(labelEscaper.Replace(labels[i+1]))
			b.WriteByte('"')
		}
		b.WriteByte('}')
	}
	b.WriteByte(' ')
	b.WriteString(formatFloat(v))
	b.WriteByte('\n')
	io.WriteString(w, b.String())
}

// labelEscaper escapes a label value as the text format wants.
var labelEscaper = strings.NewReplacer(`\`, `\\`, `"`, `\"`, "\n", `\n`)

func formatFloat(v float64) string {
	switch {
	case math.IsInf(v, 1):
		return "+Inf"
	case math.IsInf(v, -1):
		return "-Inf"
	case math.IsNaN(v):
		return "NaN"
	}
	return strconv.FormatFloat(v, 'g', -1, 64)
}

// handler serves /metrics and /healthz. /healthz answers 200 while the
// daemon schedules runs and 503 once it is shutting down; it says nothing
// about the vendors (a stale source is a metric, not ill health).
func (d *daemon) handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metrics", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		if _, err := d.metrics.WriteTo(w); err != nil {
			d.lg.Debug().Err(err).Msg("write metrics")
		}
	})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		select {
		case <-d.stopping:
			w.WriteHeader(http.StatusServiceUnavailable)
			io.WriteString(w, "stopping\n")
			return
		default:
		}
		stale := d.staleSources()
		fmt.Fprintf(w, "ok\nsources %d\nstale %d\n", len(d.sourceNames()), len(stale))
		for _, s := range stale {
			fmt.Fprintf(w, "stale %s\n", s)
		}
	})
	return mux
}
