package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
)

// growing is a vendor whose incident list gains one incident on every
// request, so that every scrape writes.
type growing struct {
	mu sync.Mutex
	n  int
}

func (g *growing) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/robots.txt" {
		http.NotFound(w, r)
		return
	}
	g.mu.Lock()
	g.n++
	n := g.n
	g.mu.Unlock()
	list := make([]apiIncident, 0, n)
	for i := n; i >= 1; i-- {
		at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Hour).Format(time.RFC3339)
		id := fmt.Sprintf("inc%09d", i)
		list = append(list, apiIncident{ID: id, Name: "Incident " + id, Status: "resolved", Impact: "minor", Created: at,
			Updates: []apiUpdate{{ID: id + "u", Status: "resolved", Body: "Resolved.", Display: at, Created: at}}})
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"page": map[string]string{"id": "p", "name": "Acme"}, "incidents": list})
}

// TestKilledMidScrape kills `statusarchive scrape` with SIGKILL at random
// points while it scrapes and commits run after run. After every kill the
// archive opens, checks clean, and holds every run the process reported
// as done, with the incidents it reported new.
func TestKilledMidScrape(t *testing.T) {
	trials := 50
	if testing.Short() {
		trials = 10
	}
	srv := httptest.NewServer(&growing{})
	defer srv.Close()
	db := filepath.Join(t.TempDir(), "archive.db")
	args := []string{"scrape", "--db", db, "--json", "--delay", "0", "--source", "acme", "--log-level", "error"}
	for range 40 {
		args = append(args, srv.URL+"/api/v2/incidents.json")
	}
	acked := 0
	start := time.Now()
	for trial := range trials {
		var stdout bytes.Buffer
		cmd := statusarchive(context.Background(), args...)
		cmd.Stdout, cmd.Stderr = &stdout, os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Duration(30+rand.IntN(370)) * time.Millisecond)
		_ = cmd.Process.Signal(syscall.SIGKILL)
		_ = cmd.Wait()

		// Every complete line is a run the process reported done.
		var done []scrapeSummary
		sc := bufio.NewScanner(bytes.NewReader(stdout.Bytes()))
		for sc.Scan() {
			var sum scrapeSummary
			if json.Unmarshal(sc.Bytes(), &sum) == nil && sum.Outcome == "ok" {
				done = append(done, sum)
			}
		}
		acked += len(done)

		if _, err := os.Stat(db); errors.Is(err, fs.ErrNotExist) && len(done) == 0 {
			continue // killed before it created the archive: nothing to check
		}
		opened := time.Now()
		a, err := archive.Open(db, archive.Options{ReadOnly: true})
		if err != nil {
			t.Fatalf("trial %d: the archive does not open after SIGKILL: %v", trial, err)
		}
		if waited := time.Since(opened); waited > time.Second {
			t.Errorf("trial %d: opening took %v", trial, waited)
		}
		if err := a.Check(context.Background()); err != nil {
			t.Fatalf("trial %d: check after SIGKILL: %v", trial, err)
		}
		for _, sum := range done {
			run, err := a.Run(context.Background(), sum.Run)
			if err != nil || run.Outcome != "ok" || run.New != sum.New {
				t.Errorf("trial %d: reported run %d (%d new) is %+v, %v in the archive", trial, sum.Run, sum.New, run, err)
				continue
			}
			for _, id := range run.NewIDs {
				if _, err := a.Incident(context.Background(), "acme/"+id); err != nil {
					t.Errorf("trial %d: run %d reported %s new, but: %v", trial, sum.Run, id, err)
				}
			}
		}
		if err := a.Close(); err != nil {
			t.Fatal(err)
		}
	}
	if acked == 0 {
		t.Fatalf("no run completed in %d trials: the kills came too early to test anything", trials)
	}
	t.Logf("%d trials in %v: %d runs reported done, all present, every check clean", trials, time.Since(start).Round(time.Millisecond), acked)
}
