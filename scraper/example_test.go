package scraper_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"

	"github.com/rs/zerolog"

	"github.com/statusarchive/statusarchive/scraper"
)

// A run crawls a vendor's history: the visit function is where the caller
// parses each page and says which pages to fetch next.
func ExampleFetcher_Crawl() {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/history":
			fmt.Fprint(w, "next: /history/2")
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	opts := scraper.DefaultOptions()
	opts.UserAgent = scraper.UserAgent("1.0.0")
	opts.Delay, opts.RandomDelay = 0, 0 // a loopback demo; keep the defaults for real sites
	f, err := scraper.New(opts, zerolog.Nop())
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()

	res, err := f.Crawl(context.Background(), scraper.Request{URL: srv.URL + "/history"},
		func(p *scraper.Page) ([]scraper.Request, error) {
			if next, ok := strings.CutPrefix(string(p.Body), "next: "); ok {
				return []scraper.Request{{URL: next}}, nil
			}
			return nil, nil
		})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("pages:", len(res.Pages), "failures:", len(res.Failures))
	fmt.Println(strings.Replace(res.Failures[0].Err.Error(), srv.URL, "SERVER", 1))
	// Output:
	// pages: 1 failures: 1
	// fetch SERVER/history/2: http status 404 not found
}
