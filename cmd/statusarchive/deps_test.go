package main

import (
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

// TestBinaryCarriesNoTestData checks that the program's own imports (tests
// apart) leave out the fixtures package, which embeds every real capture:
// the demo serves its two sites from their small packages.
func TestBinaryCarriesNoTestData(t *testing.T) {
	goTool := filepath.Join(runtime.GOROOT(), "bin", "go")
	out, err := exec.Command(goTool, "list", "-deps", "-f", "{{.ImportPath}}", ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	deps := strings.Fields(string(out))
	const fixtures = "github.com/statusarchive/statusarchive/fixtures"
	for _, d := range deps {
		if d == fixtures {
			t.Errorf("cmd/statusarchive imports %s outside its tests: the binary would carry every capture", fixtures)
		}
	}
	for _, want := range []string{fixtures + "/outagehistory", fixtures + "/statuspage"} {
		if !strings.Contains(string(out), want+"\n") {
			t.Errorf("cmd/statusarchive does not import %s: where does the demo get its site?", want)
		}
	}
}
