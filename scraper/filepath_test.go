package scraper

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// A plain local path comes back as Requested unchanged, so that the
// validators a run keeps under it are found by the next run, which asks for
// the same path: the second fetch with them is a 304 (issue 11: a plain
// file path never got one, its validators being kept under the file:// URL).
func TestPlainPathConditional(t *testing.T) {
	name := filepath.Join(t.TempDir(), "history.html")
	if err := os.WriteFile(name, []byte("<html>saved page</html>"), 0o600); err != nil {
		t.Fatal(err)
	}
	old := time.Now().Add(-time.Hour)
	if err := os.Chtimes(name, old, old); err != nil {
		t.Fatal(err)
	}
	f := newFetcher(t, testOptions(newFakeClock()))
	for _, target := range []string{name, "file://" + filepath.ToSlash(name)} {
		first, err := f.Fetch(context.Background(), Request{URL: target})
		if err != nil {
			t.Fatalf("Fetch(%s): %v", target, err)
		}
		if first.Requested != target {
			t.Errorf("Fetch(%s).Requested = %q, want %q", target, first.Requested, target)
		}
		lm := first.Header.Get("Last-Modified")
		if lm == "" {
			t.Fatalf("Fetch(%s) has no Last-Modified", target)
		}
		again, err := f.Fetch(context.Background(), Request{URL: first.Requested, LastModified: lm})
		if err != nil {
			t.Fatalf("conditional Fetch(%s): %v", target, err)
		}
		if !again.NotModified || again.Status != 304 || len(again.Body) != 0 {
			t.Errorf("conditional Fetch(%s) = status %d, not modified %v, %d bytes; want a 304", target, again.Status, again.NotModified, len(again.Body))
		}
	}
}
