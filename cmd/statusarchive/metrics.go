package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/common/expfmt"
)

// metrics are the daemon's figures, kept in a private Prometheus registry
// (never the global one) and served on /metrics. The per-source series
// live in bySource, a few hundred bytes a source: Prometheus vectors cost
// about 6 KB for a source's ten series, 60 MB at 10,000 sources.
type metrics struct {
	registry   *prometheus.Registry
	bySource   *sourceCollector
	inProgress prometheus.Gauge
}

// durationBuckets are the upper bounds, in seconds, of the run duration
// histogram: from a one-page fetch to a long paginated crawl.
var durationBuckets = [...]float64{0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}

var (
	runsDesc = prometheus.NewDesc("statusarchive_runs_total",
		"Runs finished, by source and outcome (ok, partial, failed, suspect, error, panic, cancelled).", []string{"source", "outcome"}, nil)
	failuresDesc = prometheus.NewDesc("statusarchive_run_failures_total",
		"Runs that archived nothing: failed or blocked fetches, refused or broken runs.", []string{"source"}, nil)
	skippedDesc = prometheus.NewDesc("statusarchive_runs_skipped_total",
		"Scheduled runs skipped because the previous run of the source was still going.", []string{"source"}, nil)
	followedDesc = prometheus.NewDesc("statusarchive_followed_changes_total",
		"New, changed or restored incidents that name a component the source follows.", []string{"source"}, nil)
	lastSuccessDesc = prometheus.NewDesc("statusarchive_last_success_timestamp_seconds",
		"When the source's last run that archived its records finished, in Unix seconds.", []string{"source"}, nil)
	staleDesc = prometheus.NewDesc("statusarchive_source_stale",
		"1 when the source's last stale_after runs all failed, else 0.", []string{"source"}, nil)
	durationsDesc = prometheus.NewDesc("statusarchive_run_duration_seconds",
		"How long runs took, fetch to commit.", []string{"source"}, nil)
)

// outcomes are the run outcomes a source's series count in place; the
// first four exist at zero from the source's start.
var outcomes = [...]string{"ok", "partial", "failed", "suspect", "error", "panic", "cancelled"}

const precreated = 4

// Which of a source's series exist (sourceSeries.has): a series appears
// when first touched, or at zero when the source is added.
const (
	hasFailures = 1 << iota
	hasSkipped
	hasFollowed
	hasLastSuccess
	hasStale
	hasDurations
)

// sourceSeries is one source's figures.
type sourceSeries struct {
	has                         uint8
	runsHas                     uint8 // bit i: outcomes[i]'s series exists
	runs                        [len(outcomes)]uint64
	otherRuns                   map[string]uint64 // outcomes not in outcomes
	failures, skipped, followed uint64
	lastSuccess, stale          float64
	buckets                     [len(durationBuckets)]uint64 // not cumulative
	durSum                      float64
	durCount                    uint64
}

// sourceCollector is a prometheus.Collector of every source's series.
type sourceCollector struct {
	mu      sync.Mutex
	sources map[string]*sourceSeries
}

// get returns name's series, made on first use. c.mu is held.
func (c *sourceCollector) get(name string) *sourceSeries {
	s := c.sources[name]
	if s == nil {
		s = &sourceSeries{}
		c.sources[name] = s
	}
	return s
}

func (c *sourceCollector) update(name string, fn func(s *sourceSeries)) {
	c.mu.Lock()
	defer c.mu.Unlock()
	fn(c.get(name))
}

func (c *sourceCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{runsDesc, failuresDesc, skippedDesc, followedDesc, lastSuccessDesc, staleDesc, durationsDesc} {
		ch <- d
	}
}

func (c *sourceCollector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	for name, s := range c.sources {
		for i, o := range outcomes {
			if s.runsHas&(1<<i) != 0 {
				counter(runsDesc, s.runs[i], name, o)
			}
		}
		for o, n := range s.otherRuns {
			counter(runsDesc, n, name, o)
		}
		if s.has&hasFailures != 0 {
			counter(failuresDesc, s.failures, name)
		}
		if s.has&hasSkipped != 0 {
			counter(skippedDesc, s.skipped, name)
		}
		if s.has&hasFollowed != 0 {
			counter(followedDesc, s.followed, name)
		}
		if s.has&hasLastSuccess != 0 {
			ch <- prometheus.MustNewConstMetric(lastSuccessDesc, prometheus.GaugeValue, s.lastSuccess, name)
		}
		if s.has&hasStale != 0 {
			ch <- prometheus.MustNewConstMetric(staleDesc, prometheus.GaugeValue, s.stale, name)
		}
		if s.has&hasDurations != 0 {
			cumulative := make(map[float64]uint64, len(durationBuckets))
			var n uint64
			for i, le := range durationBuckets {
				n += s.buckets[i]
				cumulative[le] = n
			}
			ch <- prometheus.MustNewConstHistogram(durationsDesc, s.durCount, s.durSum, cumulative, name)
		}
	}
}

func newMetrics(archivePath string, started time.Time) *metrics {
	m := &metrics{
		registry:   prometheus.NewRegistry(),
		bySource:   &sourceCollector{sources: map[string]*sourceSeries{}},
		inProgress: prometheus.NewGauge(prometheus.GaugeOpts{Name: "statusarchive_runs_in_progress", Help: "Runs going now."}),
	}
	m.registry.MustRegister(m.bySource, m.inProgress,
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "statusarchive_archive_size_bytes", Help: "Size of the archive file."},
			func() float64 {
				fi, err := os.Stat(archivePath)
				if err != nil {
					return 0
				}
				return float64(fi.Size())
			}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "statusarchive_start_time_seconds", Help: "When the daemon started, in Unix seconds."},
			func() float64 { return float64(started.UnixNano()) / 1e9 }),
	)
	return m
}

// addSource makes a source's series exist at zero, so that rate() and
// absence alerts work from the first scrape.
func (m *metrics) addSource(source string) {
	m.bySource.update(source, func(s *sourceSeries) {
		s.runsHas |= 1<<precreated - 1
		s.has |= hasFailures | hasSkipped | hasFollowed | hasStale | hasDurations
	})
}

// removeSource drops a source's series, when the daemon stops watching it.
func (m *metrics) removeSource(source string) {
	m.bySource.mu.Lock()
	defer m.bySource.mu.Unlock()
	delete(m.bySource.sources, source)
}

// observeRun counts a finished run.
func (m *metrics) observeRun(source, outcome string, failed bool, d time.Duration, finished time.Time) {
	m.bySource.update(source, func(s *sourceSeries) {
		if i := slices.Index(outcomes[:], outcome); i >= 0 {
			s.runs[i]++
			s.runsHas |= 1 << i
		} else {
			if s.otherRuns == nil {
				s.otherRuns = map[string]uint64{}
			}
			s.otherRuns[outcome]++
		}
		if failed {
			s.failures++
			s.has |= hasFailures
		} else {
			s.setLastSuccess(finished)
		}
		secs := d.Seconds()
		if i, _ := slices.BinarySearch(durationBuckets[:], secs); i < len(durationBuckets) {
			s.buckets[i]++
		}
		s.durSum += secs
		s.durCount++
		s.has |= hasDurations
	})
}

// setLastSuccess moves a source's last success forward, never back.
func (m *metrics) setLastSuccess(source string, at time.Time) {
	m.bySource.update(source, func(s *sourceSeries) { s.setLastSuccess(at) })
}

func (s *sourceSeries) setLastSuccess(at time.Time) {
	if t := float64(at.UnixNano()) / 1e9; t > s.lastSuccess {
		s.lastSuccess = t
	}
	s.has |= hasLastSuccess
}

func (m *metrics) skip(source string) {
	m.bySource.update(source, func(s *sourceSeries) { s.skipped++; s.has |= hasSkipped })
}

func (m *metrics) followedChange(source string) {
	m.bySource.update(source, func(s *sourceSeries) { s.followed++; s.has |= hasFollowed })
}

func (m *metrics) running(delta int) { m.inProgress.Add(float64(delta)) }

func (m *metrics) setStale(source string, stale bool) {
	v := 0.0
	if stale {
		v = 1
	}
	m.bySource.update(source, func(s *sourceSeries) { s.stale = v; s.has |= hasStale })
}

// WriteTo writes every metric in the Prometheus text exposition format.
func (m *metrics) WriteTo(w io.Writer) (int64, error) {
	families, err := m.registry.Gather()
	if err != nil {
		return 0, fmt.Errorf("gather metrics: %w", err)
	}
	var buf bytes.Buffer
	for _, f := range families {
		if _, err := expfmt.MetricFamilyToText(&buf, f); err != nil {
			return 0, fmt.Errorf("encode metrics: %w", err)
		}
	}
	return buf.WriteTo(w)
}

// handler serves /metrics and /healthz. /healthz answers 200 while the
// daemon schedules runs and 503 once it is shutting down; it says nothing
// about the vendors (a stale source is a metric, not ill health).
func (d *daemon) handler() http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.metrics.registry, promhttp.HandlerOpts{}))
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
