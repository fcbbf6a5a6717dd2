package scraper

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"testing"

	"github.com/rs/zerolog"
)

// BenchmarkFetch fetches a 200 KB page from loopback: through the Fetcher,
// and with plain net/http for comparison.
func BenchmarkFetch(b *testing.B) {
	page := bytes.Repeat([]byte("<li class=incident>Elevated error rates</li>\n"), 200_000/45)
	srv := newServer(b, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write(page)
	}))
	b.Run("fetcher", func(b *testing.B) {
		o := testOptions(nil)
		f, err := New(o, zerolog.Nop())
		if err != nil {
			b.Fatal(err)
		}
		defer f.Close()
		ctx := context.Background()
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			p, err := f.Fetch(ctx, Request{URL: srv.URL + "/history"})
			if err != nil || len(p.Body) != len(page) {
				b.Fatalf("Fetch = %v", err)
			}
		}
	})
	b.Run("net/http", func(b *testing.B) {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		defer tr.CloseIdleConnections()
		c := &http.Client{Transport: tr}
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			resp, err := c.Get(srv.URL + "/history")
			if err != nil {
				b.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || len(body) != len(page) {
				b.Fatalf("read = %d bytes, %v", len(body), err)
			}
		}
	})
}
