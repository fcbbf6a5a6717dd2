package archive_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/parser"
)

// TestChildProcess is not a test: the lock and crash tests re-run this
// binary with ARCHIVE_CHILD set, and this is what the child does.
func TestChildProcess(t *testing.T) {
	mode, path := os.Getenv("ARCHIVE_CHILD"), os.Getenv("ARCHIVE_CHILD_PATH")
	if mode == "" {
		t.Skip("helper for the tests that need a second process")
	}
	if mode == "compact" {
		compactChild(t, path, os.Getenv("ARCHIVE_CHILD_DST"))
		return
	}
	if mode == "flip" {
		flipChild(t, path, strings.Split(os.Getenv("ARCHIVE_CHILD_FLIPS"), ","))
		return
	}
	db, err := archive.Open(path, archive.Options{Strict: true, Logger: quiet()})
	if err != nil {
		t.Fatalf("child open: %v", err)
	}
	defer db.Close()
	switch mode {
	case "hold":
		fmt.Println("held")
		_, _ = bufio.NewReader(os.Stdin).ReadString('\n') // until the parent closes stdin
	case "ingest":
		// Ingest until killed, printing an ack after each commit.
		fmt.Println("ready")
		for i := 1; ; i++ {
			run, err := db.Ingest(context.Background(), crashRun(i), crashIncidents(i))
			if err != nil {
				t.Fatalf("child ingest %d: %v", i, err)
			}
			fmt.Printf("ack %d %d\n", run.ID, i)
		}
	default:
		t.Fatalf("unknown child mode %q", mode)
	}
}

// crashIncidents is run i's view of the source: ten stable incidents, one
// that changes every run, and one new one per run.
func crashIncidents(i int) []parser.Incident {
	out := history(10)
	out = append(out, incident("churn", 5, "We are investigating.", fmt.Sprintf("Update number %d. %s", i, strings.Repeat("x", 2000))))
	out = append(out, incident(fmt.Sprintf("new-%d", i), 3))
	return out
}

func crashRun(i int) archive.RunInput {
	return scrape(false, fmt.Sprintf("<html>page of run %d</html>", i))
}

// TestCrashDurability SIGKILLs a child that ingests runs in a loop at a
// random point 50-300ms after it opened the archive, then reopens the archive: it must open at
// once, pass Check, and hold every run the child acknowledged, with the
// version each made. It mirrors RELIABILITY test 1 (a process crash, not
// a power cut).
func TestCrashDurability(t *testing.T) {
	trials := 50
	if testing.Short() {
		trials = 10
	}
	seed := time.Now().UnixNano()
	t.Logf("seed %d", seed)
	rng := rand.New(rand.NewPCG(uint64(seed), 1))
	dir := t.TempDir()
	totalAcks, maxAcks := 0, 0
	start := time.Now()
	for trial := range trials {
		path := filepath.Join(dir, fmt.Sprintf("trial-%02d.db", trial))
		acks := crashTrial(t, path, 50*time.Millisecond+time.Duration(rng.Int64N(int64(250*time.Millisecond))))
		totalAcks += len(acks)
		maxAcks = max(maxAcks, len(acks))
		verifyAcks(t, path, acks)
		if t.Failed() {
			t.Fatalf("trial %d failed", trial)
		}
	}
	t.Logf("%d trials in %v: %d acknowledged runs (at most %d in one trial), 0 lost, every Check clean",
		trials, time.Since(start).Round(time.Millisecond), totalAcks, maxAcks)
}

type ack struct {
	run uint64
	i   int
}

// crashTrial runs the ingesting child, kills it after wait and returns the
// runs it acknowledged.
func crashTrial(t *testing.T, path string, wait time.Duration) []ack {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildProcess$")
	cmd.Env = append(os.Environ(), "ARCHIVE_CHILD=ingest", "ARCHIVE_CHILD_PATH="+path)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var acks []ack
	var wg sync.WaitGroup
	ready := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		lines := bufio.NewScanner(stdout)
		for lines.Scan() {
			if lines.Text() == "ready" {
				close(ready)
				continue
			}
			f := strings.Fields(lines.Text())
			if len(f) != 3 || f[0] != "ack" {
				continue
			}
			run, err1 := strconv.ParseUint(f[1], 10, 64)
			i, err2 := strconv.Atoi(f[2])
			if err1 == nil && err2 == nil {
				acks = append(acks, ack{run, i})
			}
		}
	}()
	// The clock starts once the child has opened the archive, so that the
	// kill lands among commits rather than in process start-up.
	select {
	case <-ready:
	case <-time.After(10 * time.Second):
		t.Errorf("the child did not open the archive within 10s")
	}
	time.Sleep(wait)
	_ = cmd.Process.Kill() // SIGKILL
	wg.Wait()
	_ = cmd.Wait()
	return acks
}

func verifyAcks(t *testing.T, path string, acks []ack) {
	t.Helper()
	start := time.Now()
	db, err := archive.Open(path, archive.Options{Strict: true, Logger: quiet()})
	if took := time.Since(start); took > time.Second {
		t.Errorf("reopen after the kill took %v, want under 1s", took)
	}
	if err != nil {
		if len(acks) == 0 && errors.Is(err, fs.ErrNotExist) {
			return
		}
		t.Fatalf("reopen after the kill (%d acks): %v", len(acks), err)
	}
	defer db.Close()
	ctx := context.Background()
	if err := db.Check(ctx); err != nil {
		t.Errorf("Check after the kill: %v", err)
	}
	runs, err := db.Runs(ctx, src, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) < len(acks) || len(runs) > len(acks)+1 {
		t.Errorf("%d runs in the archive, %d acknowledged: want the acknowledged ones and at most one unacknowledged", len(runs), len(acks))
	}
	if len(acks) == 0 {
		return
	}
	churn := mustRecord(t, db, src+"/churn")
	byRun := map[uint64]archive.Version{}
	for _, v := range churn.Versions {
		byRun[v.RunID] = v
	}
	for _, a := range acks {
		r, err := db.Run(ctx, a.run)
		if err != nil {
			t.Errorf("acknowledged run %d (iteration %d): %v", a.run, a.i, err)
			continue
		}
		if r.Outcome != archive.OutcomeOK || r.Incidents != 12 {
			t.Errorf("acknowledged run %d: outcome %s with %d incidents, want ok with 12", a.run, r.Outcome, r.Incidents)
		}
		v, ok := byRun[a.run]
		if !ok || !strings.Contains(v.Incident.Updates[1].Body, fmt.Sprintf("Update number %d.", a.i)) {
			t.Errorf("acknowledged run %d: no version of churn with update %d", a.run, a.i)
		}
		if _, err := db.Incident(ctx, fmt.Sprintf("%s/new-%d", src, a.i)); err != nil {
			t.Errorf("acknowledged run %d: %v", a.run, err)
		}
	}
}
