package archive_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/rs/zerolog"
	"go.uber.org/goleak"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/archivetest"
	"github.com/statusarchive/statusarchive/parser"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// t0 is the fixed clock tests start from; incidents happened before it.
var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

const (
	src     = "acme"
	histURL = "https://status.acme.example/history"
)

// incident returns a valid incident with one update per body, an hour
// apart, starting start hours before t0.
func incident(id string, start int, bodies ...string) parser.Incident {
	in := parser.Incident{
		Source: src, ID: id, Kind: parser.KindIncident, Title: "Elevated errors on " + id,
		Impact: parser.ImpactMinor, Status: parser.StatusResolved,
		URL: "https://status.acme.example/incidents/" + id,
	}
	if len(bodies) == 0 {
		bodies = []string{"We are investigating.", "Resolved."}
	}
	for i, b := range bodies {
		in.Updates = append(in.Updates, parser.Update{
			Status: parser.StatusUpdate, StatusRaw: "Update", Body: b,
			At: parser.NewTime(t0.Add(time.Duration(i-start)*time.Hour), ""),
		})
	}
	return in
}

// history returns n distinct incidents, ids inc-000 onwards.
func history(n int) []parser.Incident {
	out := make([]parser.Incident, n)
	for i := range out {
		out[i] = incident(fmt.Sprintf("inc-%03d", i), 24*(i+1))
	}
	return out
}

// scrape is a run of the acme history page with body as its only page.
func scrape(complete bool, body string) archive.RunInput {
	return archive.RunInput{
		Source: src, URL: histURL, Started: t0, Finished: t0, Format: "test", Complete: complete,
		Pages: []archive.PageInput{{
			URL: histURL, Status: http.StatusOK, FetchedAt: t0, Body: []byte(body),
			Header: http.Header{"Content-Type": {"text/html"}, "Etag": {`"v1"`}, "Set-Cookie": {"secret=1"}},
		}},
	}
}

// open returns an archive on a clock that tests move.
func open(t *testing.T) (*archive.DB, *archivetest.Clock) {
	t.Helper()
	clock := archivetest.NewClock(t0)
	return archivetest.MustOpenWith(t, archive.Options{Now: clock.Now, Logger: archivetest.TestLogger(t)}), clock
}

func mustIngest(t testing.TB, db *archive.DB, in archive.RunInput, incidents []parser.Incident) archive.Run {
	t.Helper()
	run, err := db.Ingest(context.Background(), in, incidents)
	if err != nil {
		t.Fatalf("Ingest: %v", err)
	}
	return run
}

func mustRecord(t testing.TB, db *archive.DB, ref string) archive.Record {
	t.Helper()
	rec, err := db.Incident(context.Background(), ref)
	if err != nil {
		t.Fatalf("Incident(%q): %v", ref, err)
	}
	return rec
}

// rows collects Rows(f) as "id vN" strings, with "(deleted)" marks.
func rows(t testing.TB, db *archive.DB, f archive.Filter) []string {
	t.Helper()
	var out []string
	for row, err := range db.Rows(context.Background(), f) {
		if err != nil {
			t.Fatalf("Rows: %v", err)
		}
		s := fmt.Sprintf("%s v%d", row.Incident.ID, row.Version)
		if row.Deleted {
			s += " (deleted)"
		}
		out = append(out, s)
	}
	return out
}

func fileSize(t testing.TB, path string) int64 {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Size()
}

func tempPath(t testing.TB, name string) string { return filepath.Join(t.TempDir(), name) }

func quiet() zerolog.Logger { return zerolog.Nop() }

func equalJSON(a, b any) bool {
	ja, err1 := json.Marshal(a)
	jb, err2 := json.Marshal(b)
	return err1 == nil && err2 == nil && string(ja) == string(jb)
}
