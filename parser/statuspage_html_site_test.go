package parser

import (
	"io"
	"net/http"
	"net/http/httptest"
	"path"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/fixtures"
)

// fetchDoc GETs u from the loopback fixture site, as the crawler would.
func fetchDoc(t *testing.T, u, accept string) (Document, int) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", u, err)
	}
	return Document{Source: "acme", URL: u, ContentType: resp.Header.Get("Content-Type"), Body: body}, resp.StatusCode
}

// The home page of the fixture Statuspage site, served on loopback: every
// detail it asks for exists as API JSON and as an incident page, both parse
// to the same incident, and the home page's complete timelines agree with
// them.
func TestStatuspageHomeFollowsOnFixtureSite(t *testing.T) {
	srv := httptest.NewServer(fixtures.StatuspageSite(fixtures.StatuspageOptions{}))
	defer srv.Close()

	home, code := fetchDoc(t, srv.URL+"/", "")
	if code != http.StatusOK {
		t.Fatalf("GET / = %d", code)
	}
	page, err := Parse(home, FormatAuto)
	if err != nil {
		t.Fatal(err)
	}
	if page.Format != FormatStatuspageHome || len(page.Incidents) == 0 {
		t.Fatalf("home parsed as %s with %d incidents", page.Format, len(page.Incidents))
	}
	if f := page.Follow[0]; f.URL != srv.URL+"/history?page=1" || f.Accept != "application/json" || f.Reason != FollowNext {
		t.Errorf("first follow = %+v, want the history walk from page 1 as JSON", f)
	}
	history, code := fetchDoc(t, page.Follow[0].URL, page.Follow[0].Accept)
	if _, err := Parse(history, FormatAuto); code != http.StatusOK || err != nil {
		t.Errorf("history page 1: %d, %v", code, err)
	}

	byID := map[string]Incident{}
	for _, in := range page.Incidents {
		byID[in.ID] = in
	}
	details := 0
	for _, f := range page.Follow[1:] {
		if f.Reason != FollowDetail {
			t.Errorf("follow %+v: want a detail", f)
			continue
		}
		details++
		api, code := fetchDoc(t, f.URL, "")
		if code != http.StatusOK {
			t.Fatalf("GET %s = %d", f.URL, code)
		}
		apiPage, err := Parse(api, FormatAuto)
		if err != nil {
			t.Fatalf("%s: %v", f.URL, err)
		}
		htmlDoc, code := fetchDoc(t, f.Fallback, "")
		if code != http.StatusOK {
			t.Fatalf("GET %s = %d", f.Fallback, code)
		}
		htmlPage, err := Parse(htmlDoc, FormatAuto)
		if err != nil {
			t.Fatalf("%s: %v", f.Fallback, err)
		}
		if htmlPage.Format != FormatStatuspageIncident {
			t.Errorf("%s parsed as %s", f.Fallback, htmlPage.Format)
		}
		fromAPI, fromHTML := apiPage.Incidents[0], htmlPage.Incidents[0]
		sameIncident(t, "incident page vs API", fromHTML, fromAPI, time.Second)
		if home := byID[fromHTML.ID]; !home.Partial {
			sameIncident(t, "home page vs incident page", home, fromHTML, time.Minute)
		}
		if merged := Merge([]*Page{page, apiPage, htmlPage}); len(merged) != len(page.Incidents) {
			t.Errorf("merge of home, API and incident page: %d incidents, want %d", len(merged), len(page.Incidents))
		}
	}
	t.Logf("home page: %d incidents, %d checked against their API and incident pages", len(page.Incidents), details)
	if details != len(page.Incidents) {
		t.Errorf("%d detail follows for %d incidents", details, len(page.Incidents))
	}
}

// sameIncident reports where two renderings of one incident disagree;
// update times are compared to within prec (home pages show minutes).
func sameIncident(t *testing.T, what string, got, want Incident, prec time.Duration) {
	t.Helper()
	if got.ID != want.ID || got.Title != want.Title || got.URL != want.URL || got.Kind != want.Kind || got.Status != want.Status {
		t.Errorf("%s %s: %s %q %s %s %s, want %s %q %s %s %s", what, want.ID,
			got.ID, got.Title, got.URL, got.Kind, got.Status, want.ID, want.Title, want.URL, want.Kind, want.Status)
	}
	if got.Impact != want.Impact && got.Impact != ImpactUnknown && want.Impact != ImpactUnknown {
		t.Errorf("%s %s: impact %s, want %s", what, want.ID, got.Impact, want.Impact)
	}
	if len(got.Updates) != len(want.Updates) {
		t.Errorf("%s %s: %d updates, want %d", what, want.ID, len(got.Updates), len(want.Updates))
		return
	}
	for k, u := range got.Updates {
		w := want.Updates[k]
		status := u.Status == w.Status || u.Status == StatusUpdate || w.Status == StatusUpdate
		if !status || NormaliseText(u.Body) != NormaliseText(w.Body) || !u.At.At.Truncate(prec).Equal(w.At.At.Truncate(prec)) {
			t.Errorf("%s %s update %d: %s %v %q, want %s %v %q", what, want.ID, k, u.Status, u.At.At, u.Body, w.Status, w.At.At, w.Body)
		}
	}
}

// Every incident page of the fixture site parses to the incident its API
// JSON gives: maintenance and incidents, postmortems, every zone it uses.
func TestStatuspageIncidentPagesMatchAPIOnFixtureSite(t *testing.T) {
	srv := httptest.NewServer(fixtures.StatuspageSite(fixtures.StatuspageOptions{}))
	defer srv.Close()
	names, err := fixtures.Glob("statuspage/site/incidents/*.html")
	if err != nil || len(names) == 0 {
		t.Fatalf("no incident pages in the fixture site (%v)", err)
	}
	for _, name := range names {
		code := strings.TrimSuffix(path.Base(name), ".html")
		t.Run(code, func(t *testing.T) {
			htmlDoc, status := fetchDoc(t, srv.URL+"/incidents/"+code, "")
			apiDoc, apiStatus := fetchDoc(t, srv.URL+"/api/v2/incidents/"+code+".json", "")
			if status != http.StatusOK || apiStatus != http.StatusOK {
				t.Fatalf("GET = %d, %d", status, apiStatus)
			}
			htmlPage, err := Parse(htmlDoc, FormatAuto)
			if err != nil {
				t.Fatal(err)
			}
			apiPage, err := Parse(apiDoc, FormatAuto)
			if err != nil {
				t.Fatal(err)
			}
			if htmlPage.Format != FormatStatuspageIncident {
				t.Errorf("parsed as %s, want %s", htmlPage.Format, FormatStatuspageIncident)
			}
			got, want := htmlPage.Incidents[0], apiPage.Incidents[0]
			sameIncident(t, "incident page vs API", got, want, time.Second)
			g, w := componentNames(got.Components), componentNames(want.Components)
			slices.Sort(g)
			slices.Sort(w)
			if !slices.Equal(g, w) {
				t.Errorf("components %q, want the API's %q", g, w)
			}
		})
	}
}
