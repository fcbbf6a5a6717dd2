package archive

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	bbolt "go.etcd.io/bbolt"

	"github.com/statusarchive/statusarchive/parser"
)

// TestBeginWithoutPageList begins a crawl on an archive written before
// sources listed their pages: Begin still finds the source's validators,
// by reading every source's, and no other source's.
func TestBeginWithoutPageList(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "archive.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	parse := func(doc parser.Document, _ parser.Format) (*parser.Page, error) {
		return &parser.Page{URL: doc.URL, Scope: parser.ScopeCurrent, Incidents: []parser.Incident{{
			ID: doc.Source + "-1", Kind: parser.KindIncident, Title: "Errors", Impact: parser.ImpactMinor, Status: parser.StatusResolved,
			Updates: []parser.Update{{Status: parser.StatusResolved, StatusRaw: "Resolved", Body: "Fixed.", At: parser.NewTime(at.Add(-time.Hour), "")}},
		}}}, nil
	}
	crawl := func(source, url string) {
		c, err := db.Begin(ctx, Plan{Source: source, URL: url, Started: at, Parse: parse})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.Visit(PageInput{URL: url, Status: http.StatusOK, Header: http.Header{"Etag": {`"1"`}}, Body: []byte(source)}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.Commit(ctx, db, Outcome{Finished: at}); err != nil {
			t.Fatal(err)
		}
	}
	crawl("acme", "https://acme.example/")
	crawl("other", "https://other.example/")
	// Forget the page lists, as an older archive never had them.
	err = db.bolt.Update(func(tx *bbolt.Tx) error {
		for _, s := range []string{"acme", "other"} {
			if err := tx.Bucket([]byte(bucketSources)).Bucket([]byte(s)).DeleteBucket([]byte(bucketSourcePages)); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	c, err := db.Begin(ctx, Plan{Source: "acme", URL: "https://acme.example/"})
	if err != nil {
		t.Fatal(err)
	}
	if got := len(c.conds); got != 1 || c.Conditional("https://acme.example/").ETag != `"1"` {
		t.Errorf("Begin without page lists found %d validators (%+v), want acme's one", got, c.conds)
	}
}
