package diff

import (
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/parser"
)

// body returns a status-update-like text of about n words, varied by seed.
func body(n, seed int) string {
	words := strings.Fields("we are investigating elevated error rates on the api for a small number of customers " +
		"in the eu region a fix has been deployed and we are monitoring the results closely")
	var b strings.Builder
	for i := range n {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(words[(i*7+seed*3)%len(words)])
	}
	return b.String()
}

func BenchmarkWordDiff(b *testing.B) {
	for _, n := range []int{50, 1000, 40000} {
		older := body(n, 1)
		// A few words edited in the middle: the common case.
		w := strings.Fields(older)
		w[n/2] = "edited"
		w[n/3] = "changed words here"
		newer := strings.Join(w, " ")
		b.Run(fmt.Sprintf("edit-%dw", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				WordDiff(older, newer)
			}
		})
	}
	// Every word different: the search runs to maxCost and gives up.
	for _, n := range []int{400, 40000} {
		older, newer := body(n, 1), strings.ToUpper(body(n, 2))
		b.Run(fmt.Sprintf("rewrite-%dw", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				WordDiff(older, newer)
			}
		})
	}
}

func BenchmarkIncidents(b *testing.B) {
	for _, n := range []int{10, 100, 400} {
		var from, to []parser.Update
		for i := range n {
			u := upd(i*10, parser.StatusUpdate, body(60, i))
			from = append(from, u)
			switch i % 3 {
			case 0: // edited
				u.Body += " edited"
			case 1: // moved
				u.At = parser.NewTime(u.At.At.Add(5*time.Minute), "")
			}
			to = append(to, u)
		}
		a, c := incident(from...), incident(to...)
		b.Run(fmt.Sprintf("%dupdates", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Incidents(a, c)
			}
		})
	}
}

func BenchmarkWriteReport(b *testing.B) {
	changes := play(&testing.T{})
	b.ReportAllocs()
	for b.Loop() {
		if err := WriteReport(io.Discard, changes, ReportOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}
