package main

import (
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/statusarchive/statusarchive/fixtures"
	"github.com/statusarchive/statusarchive/parser"
)

func TestReparseMarksParserChanges(t *testing.T) {
	srv := httptest.NewServer(&scripted{incidents: baseline()})
	defer srv.Close()
	c := newCLI(t)
	if _, err := c.scrape("acme", srv.URL+"/api/v2/incidents.json"); err != nil {
		t.Fatal(err)
	}
	if out := c.must("reparse"); !strings.Contains(out, "0 changed by the parser, 2 unchanged") {
		t.Fatalf("reparse with the same parser:\n%s", out)
	}

	// A parser change that reads one incident's title differently.
	c.parse = func(doc parser.Document, f parser.Format) (*parser.Page, error) {
		page, err := parser.Parse(doc, f)
		if err == nil {
			for i := range page.Incidents {
				if page.Incidents[i].ID == "bbbbbbbbbbbb" {
					page.Incidents[i].Title += " (EU)"
				}
			}
		}
		return page, err
	}
	if out := c.must("reparse", "--source", "acme"); !strings.Contains(out, "1 changed by the parser, 1 unchanged") {
		t.Fatalf("reparse with a changed parser:\n%s", out)
	}
	var rec struct {
		Versions []struct {
			N      int    `json:"n"`
			Origin string `json:"origin"`
		}
	}
	for id, want := range map[string][]string{"bbbbbbbbbbbb": {"vendor", "parser"}, "aaaaaaaaaaaa": {"vendor"}} {
		if err := json.Unmarshal([]byte(c.must("show", "--json", "acme/"+id)), &rec); err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, v := range rec.Versions {
			got = append(got, v.Origin)
		}
		if strings.Join(got, ",") != strings.Join(want, ",") {
			t.Errorf("%s versions by origin %v, want %v", id, got, want)
		}
	}
	report := c.must("changes")
	if !strings.Contains(report, "parser change [re-parse, not a vendor change]") || strings.Contains(report, "aaaaaaaaaaaa") {
		t.Errorf("changes after the reparse should show one parser change:\n%s", report)
	}
}

// TestReparseAfterNotModified reparses a run whose every page was answered
// 304 Not Modified: the bodies the validators were kept with stand in, so
// the whole run is parsed again.
func TestReparseAfterNotModified(t *testing.T) {
	site := &etagged{h: fixtures.StatuspageSite(fixtures.StatuspageOptions{})}
	srv := httptest.NewServer(site)
	defer srv.Close()
	c := newCLI(t)
	first, err := c.scrape("acme", srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	c.sweepPeriodLater() // a run that re-checks every page
	if _, err := c.scrape("acme", srv.URL); err != nil || site.notModified.Load() == 0 {
		t.Fatalf("rescrape: %v, %d answers 304; want conditional GETs answered 304", err, site.notModified.Load())
	}
	want := fmt.Sprintf(": %d incidents, 0 changed by the parser, %d unchanged (ok)", first.Incidents, first.Incidents)
	if out := c.must("reparse"); !strings.Contains(out, want) {
		t.Errorf("reparse of a run of 304s:\n%s\nwant %q", out, want)
	}
}
