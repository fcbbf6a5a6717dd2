package scraper

import (
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestDependencyFloor pins the module versions below which a known
// vulnerability reaches the scraper (RELIABILITY test 24; docs/reliability.md):
// colly and goquery on their own would pull in older ones.
func TestDependencyFloor(t *testing.T) {
	floors := map[string]string{
		"golang.org/x/net":         "v0.55.0", // CVE-2026-25680, cubic tree construction in x/net/html
		"github.com/antchfx/xpath": "v1.3.6",  // GO-2026-4526, an infinite loop reachable through colly
	}
	// go.mod lists every module the build selects (Go 1.17 module graph
	// pruning), at the version selected; test binaries carry no module list.
	mod, err := os.ReadFile("../go.mod")
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for line := range strings.Lines(string(mod)) {
		f := strings.Fields(strings.TrimPrefix(strings.TrimSpace(line), "require "))
		if len(f) < 2 {
			continue
		}
		floor, ok := floors[f[0]]
		if !ok {
			continue
		}
		seen[f[0]] = true
		if semverLess(f[1], floor) {
			t.Errorf("go.mod requires %s %s, want at least %s", f[0], f[1], floor)
		}
	}
	for path := range floors {
		if !seen[path] {
			t.Errorf("go.mod does not require %s any more: drop its floor here", path)
		}
	}
}

// semverLess compares vMAJOR.MINOR.PATCH versions, ignoring any
// pre-release or build suffix.
func semverLess(a, b string) bool {
	pa, pb := semverParts(a), semverParts(b)
	for i := range pa {
		if pa[i] != pb[i] {
			return pa[i] < pb[i]
		}
	}
	return false
}

func semverParts(v string) [3]int {
	var out [3]int
	v = strings.TrimPrefix(v, "v")
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		v = v[:i]
	}
	for i, s := range strings.SplitN(v, ".", 3) {
		out[i], _ = strconv.Atoi(s)
	}
	return out
}
