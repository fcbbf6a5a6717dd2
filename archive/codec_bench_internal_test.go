package archive

import (
	"bytes"
	"testing"

	"github.com/statusarchive/statusarchive/fixtures"
)

// BenchmarkCompress stores a 130 KB Statuspage home page the way a scrape
// stores each new raw page, and reads it back.
func BenchmarkCompress(b *testing.B) {
	page, err := fixtures.ReadFile("realworld/statuspage/fastly-home-2021.html")
	if err != nil {
		b.Fatal(err)
	}
	b.Run("compress", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			compress(page)
		}
	})
	z := compress(page)
	b.Run("decompress", func(b *testing.B) {
		b.SetBytes(int64(len(page)))
		b.ReportAllocs()
		for b.Loop() {
			got, err := decompress(z)
			if err != nil || !bytes.Equal(got, page) {
				b.Fatalf("decompress = %d bytes, %v; want the page back", len(got), err)
			}
		}
	})
}
