package main

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
)

// metrics are the daemon's figures, kept in a private Prometheus registry
// (never the global one) and served on /metrics.
type metrics struct {
	registry    *prometheus.Registry
	runs        *prometheus.CounterVec
	failures    *prometheus.CounterVec
	skipped     *prometheus.CounterVec
	followed    *prometheus.CounterVec
	lastSuccess *prometheus.GaugeVec
	stale       *prometheus.GaugeVec
	durations   *prometheus.HistogramVec
	inProgress  prometheus.Gauge
}

// durationBuckets are the upper bounds, in seconds, of the run duration
// histogram: from a one-page fetch to a long paginated crawl.
var durationBuckets = []float64{0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300}

func newMetrics(archivePath string, started time.Time) *metrics {
	bySource := []string{"source"}
	m := &metrics{
		registry: prometheus.NewRegistry(),
		runs: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "statusarchive_runs_total",
			Help: "Runs finished, by source and outcome (ok, partial, failed, suspect, error, panic, cancelled)."}, []string{"source", "outcome"}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "statusarchive_run_failures_total",
			Help: "Runs that archived nothing: failed or blocked fetches, refused or broken runs."}, bySource),
		skipped: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "statusarchive_runs_skipped_total",
			Help: "Scheduled runs skipped because the previous run of the source was still going."}, bySource),
		followed: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "statusarchive_followed_changes_total",
			Help: "New, changed or restored incidents that name a component the source follows."}, bySource),
		lastSuccess: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "statusarchive_last_success_timestamp_seconds",
			Help: "When the source's last run that archived its records finished, in Unix seconds."}, bySource),
		stale: prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: "statusarchive_source_stale",
			Help: "1 when the source's last stale_after runs all failed, else 0."}, bySource),
		durations: prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: "statusarchive_run_duration_seconds",
			Help: "How long runs took, fetch to commit.", Buckets: durationBuckets}, bySource),
		inProgress: prometheus.NewGauge(prometheus.GaugeOpts{Name: "statusarchive_runs_in_progress", Help: "Runs going now."}),
	}
	m.registry.MustRegister(m.runs, m.failures, m.skipped, m.followed, m.lastSuccess, m.stale, m.durations, m.inProgress,
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
	for _, o := range []string{"ok", "partial", "failed", "suspect"} {
		m.runs.WithLabelValues(source, o)
	}
	m.failures.WithLabelValues(source)
	m.skipped.WithLabelValues(source)
	m.followed.WithLabelValues(source)
	m.stale.WithLabelValues(source)
	m.durations.WithLabelValues(source)
}

// removeSource drops a source's series, when the daemon stops watching it.
func (m *metrics) removeSource(source string) {
	labels := prometheus.Labels{"source": source}
	for _, v := range []interface{ DeletePartialMatch(prometheus.Labels) int }{
		m.runs, m.failures, m.skipped, m.followed, m.lastSuccess, m.stale, m.durations,
	} {
		v.DeletePartialMatch(labels)
	}
}

// observeRun counts a finished run.
func (m *metrics) observeRun(source, outcome string, failed bool, d time.Duration, finished time.Time) {
	m.runs.WithLabelValues(source, outcome).Inc()
	if failed {
		m.failures.WithLabelValues(source).Inc()
	} else {
		m.setLastSuccess(source, finished)
	}
	m.durations.WithLabelValues(source).Observe(d.Seconds())
}

// setLastSuccess moves a source's last success forward, never back.
func (m *metrics) setLastSuccess(source string, at time.Time) {
	g := m.lastSuccess.WithLabelValues(source)
	if t := float64(at.UnixNano()) / 1e9; t > gaugeValue(g) {
		g.Set(t)
	}
}

func gaugeValue(g prometheus.Gauge) float64 {
	var out dto.Metric
	if err := g.Write(&out); err != nil || out.Gauge == nil {
		return 0
	}
	return out.Gauge.GetValue()
}

func (m *metrics) skip(source string)           { m.skipped.WithLabelValues(source).Inc() }
func (m *metrics) followedChange(source string) { m.followed.WithLabelValues(source).Inc() }
func (m *metrics) running(delta int)            { m.inProgress.Add(float64(delta)) }

func (m *metrics) setStale(source string, stale bool) {
	v := 0.0
	if stale {
		v = 1
	}
	m.stale.WithLabelValues(source).Set(v)
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
