package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
)

// gatedVendor serves a Statuspage incidents API whose answers, once gated,
// wait until the test opens the gate: a scrape in another process is then
// mid-fetch for as long as the test likes. Every answer lists one incident
// more than the one before, so that the run that got it has data the
// earlier runs did not see.
type gatedVendor struct {
	mu      sync.Mutex
	served  int
	gated   bool
	entered chan int      // the number of each gated request, as it arrives
	release chan struct{} // closed to let gated requests answer
}

func newGatedVendor() *gatedVendor {
	return &gatedVendor{entered: make(chan int, 8), release: make(chan struct{})}
}

func (g *gatedVendor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/robots.txt" {
		http.NotFound(w, r)
		return
	}
	g.mu.Lock()
	g.served++
	n, gated := g.served, g.gated
	g.mu.Unlock()
	if gated {
		g.entered <- n
		select {
		case <-g.release:
		case <-r.Context().Done():
			return
		}
	}
	inc := func(id string, hour int) apiIncident {
		at := time.Date(2026, 1, 1, hour, 0, 0, 0, time.UTC).Format(time.RFC3339)
		return apiIncident{ID: id, Name: "Incident " + id, Status: "resolved", Impact: "minor", Created: at,
			Updates: []apiUpdate{{ID: id + "u", Status: "resolved", Body: "Resolved.", Display: at, Created: at}}}
	}
	// Each answer adds an incident older than the ones before: whichever
	// of two runs commits last, it covers no incident it did not see, so
	// neither tombstones the other's.
	list := []apiIncident{inc("base", 12)}
	for i := 2; i <= n; i++ {
		list = append(list, inc(fmt.Sprintf("own%d", i), 12-i))
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"page": map[string]string{"id": "p", "name": "Acme"}, "incidents": list})
}

// TestReadersAndWritersDuringScrape runs `scrape` in other processes and
// holds them mid-fetch: meanwhile list, show and export from this process
// work, because a scrape holds the archive only to begin and to commit;
// and two scrapes of one source fetching at once both commit, neither
// losing its run or its incidents.
func TestReadersAndWritersDuringScrape(t *testing.T) {
	vendor := newGatedVendor()
	srv := httptest.NewServer(vendor)
	defer srv.Close()
	c := newCLI(t)
	c.db = filepath.Join(t.TempDir(), "archive.db")
	url := srv.URL + "/api/v2/incidents.json"
	if _, err := c.scrape("acme", url); err != nil {
		t.Fatalf("baseline scrape: %v", err)
	}

	vendor.mu.Lock()
	vendor.gated = true
	vendor.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	type child struct {
		stdout, stderr bytes.Buffer
		done           chan error
	}
	start := func() *child {
		ch := &child{done: make(chan error, 1)}
		cmd := statusarchive(ctx, "scrape", "--db", c.db, "--json", "--delay", "0", "--source", "acme", "--log-level", "error", url)
		cmd.Stdout, cmd.Stderr = &ch.stdout, &ch.stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { ch.done <- cmd.Wait() }()
		return ch
	}
	children := []*child{start(), start()}
	var own []string
	for range children {
		select {
		case n := <-vendor.entered:
			own = append(own, fmt.Sprintf("own%d", n))
		case <-ctx.Done():
			t.Fatal("the scrapes never reached the vendor")
		}
	}

	// Both scrapes are waiting on the vendor: read from this process.
	for _, args := range [][]string{
		{"list", "--source", "acme"},
		{"show", "acme/base"},
		{"export", "--format", "csv", "--source", "acme"},
	} {
		out, errOut, err := c.run(args...)
		if err != nil || !strings.Contains(out, "base") {
			t.Errorf("%s during a scrape: %v, output %q\nstderr: %s", args[0], err, out, errOut)
		}
	}

	close(vendor.release)
	for i, ch := range children {
		if err := <-ch.done; err != nil {
			t.Errorf("scrape %d: %v\nstdout: %s\nstderr: %s", i, err, ch.stdout.String(), ch.stderr.String())
		}
	}
	db, err := archive.Open(c.db, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	runs, err := db.Runs(context.Background(), "acme", 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 {
		t.Errorf("the run log has %d runs of acme, want the baseline and both scrapes", len(runs))
	}
	for _, r := range runs {
		if r.Outcome != archive.OutcomeOK {
			t.Errorf("run %d: outcome %s (%s), want ok", r.ID, r.Outcome, r.Error)
		}
	}
	for _, id := range append(own, "base") {
		rec, err := db.Incident(context.Background(), "acme/"+id)
		if err != nil {
			t.Errorf("incident %s: %v; a concurrent scrape lost it", id, err)
			continue
		}
		if rec.Latest().Deleted {
			t.Errorf("incident %s: deleted by the other scrape", id)
		}
	}
}
