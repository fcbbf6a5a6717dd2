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

// TestBeginReadsWhatTheCrawlAsks: once a source's backfill is done, Begin
// plans the crawl inside its read and reads the validators of the pages
// the plan may ask for (the start page and the incident pages it leads
// to), not every page's; a Backfill written before it counted each list
// page's incident pages (no Own) is read as before, every validator, and
// the next commit counts them.
func TestBeginReadsWhatTheCrawlAsks(t *testing.T) {
	db, err := Open(filepath.Join(t.TempDir(), "archive.db"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	at := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	const home = "https://acme.example/"
	ids := []string{"a", "b", "c"}
	record := func(id string, partial bool) parser.Incident {
		return parser.Incident{ID: id, Kind: parser.KindIncident, Title: "Errors " + id, Impact: parser.ImpactMinor, Status: parser.StatusResolved, Partial: partial,
			Updates: []parser.Update{{Status: parser.StatusResolved, StatusRaw: "Resolved", Body: "Fixed.", At: parser.NewTime(at.Add(-30*24*time.Hour), "")}}}
	}
	parse := func(doc parser.Document, _ parser.Format) (*parser.Page, error) {
		if doc.URL != home {
			return &parser.Page{URL: doc.URL, Incidents: []parser.Incident{record(doc.URL[len(home):], false)}}, nil
		}
		p := &parser.Page{URL: doc.URL, Scope: parser.ScopeListing}
		for _, id := range ids {
			p.Incidents = append(p.Incidents, record(id, true))
			p.Follow = append(p.Follow, parser.Follow{URL: home + id, Reason: parser.FollowDetail, Incident: id})
		}
		return p, nil
	}
	crawl := func() *Crawl {
		t.Helper()
		at = at.Add(time.Hour)
		c, err := db.Begin(ctx, Plan{Source: "acme", URL: home, Started: at, Parse: parse})
		if err != nil {
			t.Fatal(err)
		}
		queue := []string{home}
		for len(queue) > 0 {
			u := queue[0]
			queue = queue[1:]
			follow, err := c.Visit(PageInput{URL: u, Status: http.StatusOK, Header: http.Header{"Etag": {`"` + u + `"`}}, Body: []byte(u)})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range follow {
				queue = append(queue, f.URL)
			}
		}
		if _, err := c.Commit(ctx, db, Outcome{Finished: at}); err != nil {
			t.Fatal(err)
		}
		return c
	}
	crawl()
	c := crawl()
	if !c.planned || c.Conditional(home+"a").ETag == "" || c.Conditional(home).ETag == "" {
		t.Errorf("incremental Begin: planned in its read %v, validators %+v; want planned, the start page's and its incidents' pages'", c.planned, c.conds)
	}
	bf, err := db.Backfill(ctx, "acme")
	if err != nil || len(bf.Own) != 1 || bf.Own[0] != len(ids) {
		t.Fatalf("backfill %+v, %v; want Own [%d]", bf, err, len(ids))
	}
	// The Backfill as archives kept it before Own.
	bf.Own = nil
	err = db.bolt.Update(func(tx *bbolt.Tx) error {
		return root(tx, bucketSources).sub("acme").put([]byte(keyBackfill), bf)
	})
	if err != nil {
		t.Fatal(err)
	}
	c = crawl()
	if c.planned || len(c.conds) != len(ids)+1 || c.Conditional(home+"c").ETag == "" {
		t.Errorf("Begin on a Backfill without Own: planned %v, %d validators; want every one read, %d", c.planned, len(c.conds), len(ids)+1)
	}
	if bf, err := db.Backfill(ctx, "acme"); err != nil || len(bf.Own) != 1 || bf.Own[0] != len(ids) {
		t.Errorf("backfill after that run %+v, %v; want Own counted again", bf, err)
	}
}
