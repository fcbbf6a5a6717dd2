package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/fixtures"
)

// BenchmarkVsUrlwatch is `make loadtest-urlwatch`: 100 loopback copies of
// the fixture Statuspage site, watched by urlwatch (one job per site's home
// page, css filter on the incident blocks, then html2text) and archived by
// statusarchive (one scrape per site: home page, history, every incident),
// each as one process per cycle. Cycle 1 sees every site for the first
// time; cycle 2 ("settled") sees them again unchanged, as a daemon's
// later cycles do; in cycle 3 one site's open incident is retitled on
// every page; in cycle 4 nothing changes. After 40 quiet cycles of
// statusarchive alone ("quiet-mean": see below), the same site's incident
// is retitled anew in each of 8 more cycles ("changed-mean"): one changed
// cycle's storage growth is mostly where the file's free pages happened
// to be, the mean what a daemon's changed cycles add. statusarchive runs each cycle
// twice, into two archives: as one scrape command per site (as a crontab
// line per site would), and as one scrape command for all the sites
// ("one-command", as urlwatch runs its jobs). It reports each cycle's CPU
// (user+system of the process) for each, their ratios to urlwatch's, and
// how much each one's storage grew. It
// is skipped unless URLWATCH_COMPARE is set and urlwatch is installed.
func BenchmarkVsUrlwatch(b *testing.B) {
	if os.Getenv("URLWATCH_COMPARE") == "" {
		b.Skip("set URLWATCH_COMPARE=1 (make loadtest-urlwatch) to compare with urlwatch")
	}
	uw, err := exec.LookPath("urlwatch")
	if err != nil {
		b.Skip("urlwatch is not installed (apt-get install urlwatch)")
	}
	const sites = 100
	const title, retitled = "Increased error rates on file uploads", "Increased error rates on file uploads in the EU"
	// edit is how site 0 serves its pages: 0 as the fixture, then retitled
	// differently for each value.
	var edit atomic.Int32
	site := fixtures.StatuspageSite(fixtures.StatuspageOptions{})
	var urls []string
	for i := range sites {
		h := site
		if i == 0 {
			h = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				e := edit.Load()
				if e == 0 {
					site.ServeHTTP(w, r)
					return
				}
				rec := httptest.NewRecorder()
				site.ServeHTTP(rec, r)
				to := retitled
				if e > 1 {
					to = fmt.Sprintf("%s (edit %d)", retitled, e)
				}
				body := bytes.ReplaceAll(rec.Body.Bytes(), []byte(title), []byte(to))
				for k, v := range rec.Header() {
					if k != "Content-Length" {
						w.Header()[k] = v
					}
				}
				w.WriteHeader(rec.Code)
				_, _ = w.Write(body)
			})
		}
		srv := httptest.NewServer(h)
		defer srv.Close()
		urls = append(urls, srv.URL+"/")
	}

	dir := b.TempDir()
	var jobs strings.Builder
	for i, u := range urls {
		if i > 0 {
			jobs.WriteString("---\n")
		}
		fmt.Fprintf(&jobs, "name: site%03d\nurl: %s\nfilter:\n  - css: '.unresolved-incidents, .incidents-list, .status-day'\n  - html2text\n", i, u)
	}
	urlsFile, uwConfig, uwCache := filepath.Join(dir, "urls.yaml"), filepath.Join(dir, "urlwatch.yaml"), filepath.Join(dir, "cache.db")
	if err := os.WriteFile(urlsFile, []byte(jobs.String()), 0o600); err != nil {
		b.Fatal(err)
	}
	// urlwatch writes its default configuration when the file is missing;
	// only the stdout report is kept, and sent to /dev/null.
	if err := os.WriteFile(uwConfig, []byte("display:\n  new: true\n  error: true\n  unchanged: false\nreport:\n  text:\n    details: true\n    footer: false\n    line_length: 75\n  stdout:\n    color: false\n    enabled: true\n"), 0o600); err != nil {
		b.Fatal(err)
	}
	dbPath := filepath.Join(dir, "archive.db")
	var scrapes [][]string
	for i, u := range urls {
		scrapes = append(scrapes, []string{"--source", fmt.Sprintf("site%03d", i), u})
	}
	listFile := writeScrapes(b, dir, scrapes)
	// The same sites in one scrape command, as one cron job for all of them
	// would run it (and as urlwatch runs its jobs): the archive and the
	// scraper's host gate and robots.txt cache are shared by the sites.
	oneDir := filepath.Join(dir, "one")
	if err := os.Mkdir(oneDir, 0o700); err != nil {
		b.Fatal(err)
	}
	oneList, oneDB := writeScrapes(b, oneDir, [][]string{urls}), filepath.Join(oneDir, "archive.db")

	type cycle struct {
		name               string
		saCPU, uwCPU       time.Duration
		saGrowth, uwGrowth int64
		saRSS, uwRSS       float64
		oneCPU             time.Duration
		oneGrowth          int64
	}
	var cycles []cycle
	saUsed, uwSize, oneUsed := int64(0), int64(0), int64(0)
	b.ResetTimer()
	// After the four cycles, quiet cycles of statusarchive alone (urlwatch
	// would only repeat its unchanged cycle): each run of a site sweeps a
	// slice of its history again, and the entry its unchanged runs fold
	// into names every page they fetched, so its page list grows until the
	// sweep has been round once. The mean of the last 20 is what a quiet
	// cycle of sweeping sites keeps once it has. Then changed cycles, one
	// site retitled anew in each, for the means.
	const quiet, steady = 40, 8
	names := []string{"first", "settled", "one-changed", "unchanged"}
	for range quiet {
		names = append(names, "quiet")
	}
	for range steady {
		names = append(names, "changed")
	}
	for i, name := range names {
		switch {
		case i == 2:
			edit.Store(1)
		case name == "changed":
			edit.Store(int32(i))
		}
		c := cycle{name: name}

		cmd := scrapeMany(b, listFile, dbPath)
		c.saCPU, c.saRSS = childUsage(cmd)
		used := archiveUsed(b, dbPath)
		c.saGrowth, saUsed = used-saUsed, used

		cmd = scrapeMany(b, oneList, oneDB)
		c.oneCPU, _ = childUsage(cmd)
		used = archiveUsed(b, oneDB)
		c.oneGrowth, oneUsed = used-oneUsed, used

		if name != "quiet" {
			cmd = exec.CommandContext(b.Context(), uw, "--urls", urlsFile, "--config", uwConfig, "--cache", uwCache)
			cmd.Env = append(os.Environ(), "HOME="+dir)
			cmd.Stdout = nil
			var stderr bytes.Buffer
			cmd.Stderr = &stderr
			if err := cmd.Run(); err != nil {
				b.Fatalf("urlwatch cycle %s: %v\n%s", name, err, stderr.String())
			}
			c.uwCPU, c.uwRSS = childUsage(cmd)
			size := fileSize(uwCache)
			c.uwGrowth, uwSize = size-uwSize, size
		}
		cycles = append(cycles, c)
	}
	b.StopTimer()
	// The means of the quiet cycles and of the changed ones.
	meanOf := func(name string, cs []cycle) cycle {
		m := cycle{name: name}
		n := time.Duration(len(cs))
		for _, c := range cs {
			m.saCPU += c.saCPU / n
			m.uwCPU += c.uwCPU / n
			m.oneCPU += c.oneCPU / n
			m.saGrowth += c.saGrowth / int64(n)
			m.uwGrowth += c.uwGrowth / int64(n)
			m.oneGrowth += c.oneGrowth / int64(n)
			m.saRSS = max(m.saRSS, c.saRSS)
			m.uwRSS = max(m.uwRSS, c.uwRSS)
		}
		return m
	}
	quietMean := meanOf("quiet-mean", cycles[4+quiet-20:4+quiet])
	b.ReportMetric(quietMean.saCPU.Seconds(), quietMean.name+"-statusarchive-cpu-s")
	b.ReportMetric(float64(quietMean.saGrowth), quietMean.name+"-statusarchive-growth-bytes")
	b.ReportMetric(quietMean.oneCPU.Seconds(), quietMean.name+"-one-command-cpu-s")
	b.ReportMetric(float64(quietMean.oneGrowth), quietMean.name+"-one-command-growth-bytes")
	mean := meanOf("changed-mean", cycles[4+quiet:])
	for _, c := range append(cycles[:4], mean) {
		b.ReportMetric(c.saCPU.Seconds(), c.name+"-statusarchive-cpu-s")
		b.ReportMetric(c.uwCPU.Seconds(), c.name+"-urlwatch-cpu-s")
		b.ReportMetric(c.saCPU.Seconds()/c.uwCPU.Seconds(), c.name+"-x-urlwatch-cpu")
		b.ReportMetric(float64(c.saGrowth), c.name+"-statusarchive-growth-bytes")
		b.ReportMetric(float64(c.uwGrowth), c.name+"-urlwatch-growth-bytes")
		b.ReportMetric(c.oneCPU.Seconds(), c.name+"-one-command-cpu-s")
		b.ReportMetric(c.oneCPU.Seconds()/c.uwCPU.Seconds(), c.name+"-one-command-x-urlwatch-cpu")
		b.ReportMetric(float64(c.oneGrowth), c.name+"-one-command-growth-bytes")
		b.ReportMetric(c.saRSS, c.name+"-statusarchive-rss-MiB")
		b.ReportMetric(c.uwRSS, c.name+"-urlwatch-rss-MiB")
	}
}

// TestScrapeManyHelper is not a test: benchmarks run the test binary with
// STATUSARCHIVE_SCRAPE_MANY naming a JSON list of scrapes (each the
// arguments after "scrape --db DB --delay 0 --log-level warn") to run
// them all, one after another, in one process whose CPU they measure.
func TestScrapeManyHelper(t *testing.T) {
	listFile := os.Getenv("STATUSARCHIVE_SCRAPE_MANY")
	if listFile == "" {
		t.Skip("scrapes many sources for the benchmarks")
	}
	b, err := os.ReadFile(listFile)
	if err != nil {
		t.Fatal(err)
	}
	var scrapes [][]string
	if err := json.Unmarshal(b, &scrapes); err != nil {
		t.Fatal(err)
	}
	db := os.Getenv("STATUSARCHIVE_DB")
	for _, args := range scrapes {
		m := NewMain(os.Stdout, os.Stderr)
		full := append([]string{"scrape", "--db", db, "--delay", "0", "--log-level", "warn", "--log-format", "json"}, args...)
		if err := m.Run(context.Background(), full); err != nil {
			t.Fatalf("%v: %v", full, err)
		}
	}
}

// writeScrapes writes a list of scrapes for scrapeMany.
func writeScrapes(tb testing.TB, dir string, scrapes [][]string) string {
	tb.Helper()
	list, err := json.Marshal(scrapes)
	if err != nil {
		tb.Fatal(err)
	}
	name := filepath.Join(dir, "scrapes.json")
	if err := os.WriteFile(name, list, 0o600); err != nil {
		tb.Fatal(err)
	}
	return name
}

// scrapeMany runs the scrapes listed in listFile into the archive at db in
// a second process, and returns the finished command. With
// SCRAPE_CPUPROFILE_DIR set, the process writes its CPU profile there, as
// scrape-N.cpu for the Nth process of the benchmark.
func scrapeMany(tb testing.TB, listFile, db string) *exec.Cmd {
	tb.Helper()
	args := []string{"-test.run=^TestScrapeManyHelper$"}
	if dir := os.Getenv("SCRAPE_CPUPROFILE_DIR"); dir != "" {
		args = append(args, "-test.cpuprofile="+filepath.Join(dir, fmt.Sprintf("scrape-%d.cpu", scrapeProcesses.Add(1))))
	}
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "STATUSARCHIVE_SCRAPE_MANY="+listFile, "STATUSARCHIVE_DB="+db)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		tb.Fatalf("scrapes: %v\n%s", err, stderr.String())
	}
	return cmd
}

// scrapeProcesses counts scrapeMany's processes, to name their profiles.
var scrapeProcesses atomic.Int64

// childUsage is the CPU (user and system) and peak RSS of a finished
// command.
func childUsage(cmd *exec.Cmd) (time.Duration, float64) {
	ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	if !ok {
		return 0, 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano()), float64(ru.Maxrss) / 1024
}

// archiveUsed is how much of its file the closed archive at path uses:
// bbolt's high-water mark, which grows only when the free pages do not
// hold what a commit writes.
func archiveUsed(tb testing.TB, path string) int64 {
	tb.Helper()
	db, err := archive.Open(path, archive.Options{ReadOnly: true})
	if err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	u, err := db.Usage(context.Background())
	if err != nil {
		tb.Fatal(err)
	}
	return u.UsedBytes
}
