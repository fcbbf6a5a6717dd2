package main

import (
	"bufio"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/fixtures"
)

// BenchmarkDaemonLoad is `make loadtest`: it runs `statusarchive run` in a
// second process against LOADTEST_SOURCES loopback sources (default 1,000),
// each on the schedule LOADTEST_EVERY (default @every 1m), for LOADTEST_FOR
// (default 3m), and reports the daemon's CPU (as % of one core, overall and
// after every source's first run), its peak RSS, the runs done and skipped,
// and how much the archive grew per run once every source had its first
// run. Each source is a Statuspage API endpoint answering with an ETag and
// 304 to a matching If-None-Match; LOADTEST_CHANGE_EVERY=k makes every k-th
// source's incident change on each of its fetches. It is skipped unless
// LOADTEST_SOURCES is set, so that `make bench` does not run it.
func BenchmarkDaemonLoad(b *testing.B) {
	n, err := strconv.Atoi(os.Getenv("LOADTEST_SOURCES"))
	if err != nil || n <= 0 {
		b.Skip("set LOADTEST_SOURCES (make loadtest) to run the daemon load test")
	}
	every := cmpEnv("LOADTEST_EVERY", "@every 1m")
	dur, err := time.ParseDuration(cmpEnv("LOADTEST_FOR", "3m"))
	if err != nil {
		b.Fatalf("LOADTEST_FOR: %v", err)
	}
	changeEvery, _ := strconv.Atoi(os.Getenv("LOADTEST_CHANGE_EVERY"))

	page, err := fixtures.ReadFile("realworld/statuspage/githubstatus-incident-113cggyjrxpr.json")
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	fetches := map[int]int{}
	var requests, notModified int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var i int
		if _, err := fmt.Sscanf(r.URL.Path, "/s/%d/api/v2/incidents/113cggyjrxpr.json", &i); err != nil {
			http.NotFound(w, r)
			return
		}
		mu.Lock()
		fetches[i]++
		k := fetches[i]
		requests++
		mu.Unlock()
		body := page
		if changeEvery > 0 && i%changeEvery == 0 {
			body = []byte(strings.Replace(string(page), "Incident with", fmt.Sprintf("Incident %d with", k), 1))
		}
		sum := sha256.Sum256(body)
		etag := `"` + hex.EncodeToString(sum[:8]) + `"`
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			mu.Lock()
			notModified++
			mu.Unlock()
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(body)
	}))
	defer srv.Close()

	dir := b.TempDir()
	var cfg strings.Builder
	fmt.Fprintf(&cfg, "concurrency: 4\nsources:\n")
	for i := range n {
		fmt.Fprintf(&cfg, "  - name: s%05d\n    url: %s/s/%d/api/v2/incidents/113cggyjrxpr.json\n    schedule: '%s'\n    limits: {delay: 0s}\n", i, srv.URL, i, every)
	}
	cfgPath, db := filepath.Join(dir, "sources.yaml"), filepath.Join(dir, "archive.db")
	if err := os.WriteFile(cfgPath, []byte(cfg.String()), 0o600); err != nil {
		b.Fatal(err)
	}

	ctx, cancel := context.WithCancel(b.Context())
	defer cancel()
	cmd := statusarchive(ctx, "run", "--config", cfgPath, "--db", db, "--log-format", "json", "--allow-private-networks", "--grace", "10s")
	cmd.Cancel = func() error { return cmd.Process.Signal(syscall.SIGTERM) }
	stderr, err := cmd.StderrPipe()
	if err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	start := time.Now()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	var runs, skipped, failed int
	var firstCycle time.Duration
	var firstCPU time.Duration
	var firstSize int64
	// The second cycle's runs are a source's first unchanged ones: each
	// writes the run-log entry its later unchanged runs fold into.
	var secondSize int64
	secondRuns := 0
	scanned := make(chan struct{})
	go func() {
		defer close(scanned)
		sc := bufio.NewScanner(stderr)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			var l struct {
				Message, Outcome string
			}
			if json.Unmarshal(sc.Bytes(), &l) != nil {
				continue
			}
			switch {
			case l.Message == "run":
				runs++
				if l.Outcome != "ok" {
					failed++
				}
				if runs == n {
					firstCycle, firstCPU, firstSize = time.Since(start), procCPU(cmd.Process.Pid), fileSize(db)
				}
				if runs == 2*n {
					secondRuns, secondSize = runs, fileSize(db)
				}
			case strings.HasPrefix(l.Message, "skipped"):
				skipped++
			}
		}
	}()
	timer := time.NewTimer(dur)
	defer timer.Stop()
	select {
	case <-timer.C:
	case <-ctx.Done():
	}
	wall := time.Since(start)
	cpuTotal := procCPU(cmd.Process.Pid)
	endSize := fileSize(db)
	_ = cmd.Process.Signal(syscall.SIGTERM)
	<-scanned
	_ = cmd.Wait()
	b.StopTimer()
	var rss float64
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rss = float64(ru.Maxrss) / 1024 // KiB on Linux
	}

	b.ReportMetric(float64(n), "sources")
	b.ReportMetric(float64(runs), "runs")
	b.ReportMetric(float64(skipped), "skipped")
	b.ReportMetric(float64(failed), "not-ok")
	b.ReportMetric(float64(requests), "requests")
	b.ReportMetric(float64(notModified), "304s")
	b.ReportMetric(100*cpuTotal.Seconds()/wall.Seconds(), "cpu%")
	b.ReportMetric(rss, "peak-rss-MiB")
	b.ReportMetric(float64(endSize)/(1<<20), "archive-MiB")
	if firstCycle > 0 && runs > n {
		later := float64(runs - n)
		b.ReportMetric(firstCycle.Seconds(), "first-cycle-s")
		b.ReportMetric(float64(firstCPU.Milliseconds())/float64(n), "first-cpu-ms/run")
		b.ReportMetric(float64((cpuTotal-firstCPU).Milliseconds())/later, "later-cpu-ms/run")
		b.ReportMetric(100*(cpuTotal-firstCPU).Seconds()/(wall-firstCycle).Seconds(), "later-cpu%")
		b.ReportMetric(float64(endSize-firstSize)/later, "later-growth-bytes/run")
		if secondRuns > 0 && runs > secondRuns {
			// bbolt grows the file by 2 MiB at a time: run long enough for
			// this to mean much (0 is exact: not one step).
			b.ReportMetric(float64(endSize-secondSize)/float64(runs-secondRuns), "steady-growth-bytes/run")
		}
		// 10,000 sources every 5 minutes make 2,000 runs a minute.
		b.ReportMetric(100*(cpuTotal-firstCPU).Seconds()/later*2000/60, "10k-at-5m-cpu%")
	}
}

func cmpEnv(key, def string) string {
	if v := os.Getenv(key); v != "" {
		return v
	}
	return def
}

// procCPU is the user and system CPU that process pid has used so far,
// from /proc/<pid>/stat (Linux), or 0.
func procCPU(pid int) time.Duration {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0
	}
	// Fields after the command (in parentheses, which may hold spaces):
	// utime and stime are the 14th and 15th fields of the whole line.
	s := string(b)
	if i := strings.LastIndexByte(s, ')'); i >= 0 {
		s = s[i+1:]
	}
	f := strings.Fields(s)
	if len(f) < 13 {
		return 0
	}
	ut, _ := strconv.ParseInt(f[11], 10, 64)
	st, _ := strconv.ParseInt(f[12], 10, 64)
	const hz = 100 // USER_HZ on Linux
	return time.Duration(ut+st) * time.Second / hz
}

func fileSize(path string) int64 {
	fi, err := os.Stat(path)
	if err != nil {
		return 0
	}
	return fi.Size()
}
