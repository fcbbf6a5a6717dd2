package main

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/statusarchive/statusarchive/parser"
)

// TestFormatsListsEveryFormat: `formats` names every format --format
// accepts, each with its platform and an example URL.
func TestFormatsListsEveryFormat(t *testing.T) {
	run := func(args ...string) (string, string, error) {
		var stdout, stderr bytes.Buffer
		err := NewMain(&stdout, &stderr).Run(context.Background(), args)
		return stdout.String(), stderr.String(), err
	}
	var rows []formatRow
	out, errOut, err := run("formats", "--json")
	if err != nil {
		t.Fatalf("formats --json: %v\n%s", err, errOut)
	}
	if err := json.Unmarshal([]byte(out), &rows); err != nil {
		t.Fatalf("formats --json printed %q: %v", out, err)
	}
	want := parser.Formats()
	if len(rows) != len(want) {
		t.Fatalf("formats lists %d formats, parser has %d", len(rows), len(want))
	}
	for i, r := range rows {
		if r.Name != want[i] {
			t.Errorf("row %d is %q, want %q", i, r.Name, want[i])
		}
		if r.Platform == "" || r.Platform == "?" || !strings.Contains(r.Example, "/") {
			t.Errorf("format %s: platform %q, example %q; want both", r.Name, r.Platform, r.Example)
		}
	}
	table, _, err := run("formats")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range append(want, parser.FormatAuto) {
		if !strings.Contains(table, string(f)+" ") {
			t.Errorf("formats table has no row for %s:\n%s", f, table)
		}
	}
	if _, _, err := run("formats", "extra"); err == nil {
		t.Error("formats with an argument succeeded, want a usage error")
	}
}
