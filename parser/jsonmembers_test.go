package parser

import (
	"bytes"
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// splitAgrees fails when splitJSONObject and json.Unmarshal into a map
// of raw values disagree about b.
func splitAgrees(t *testing.T, b []byte) {
	t.Helper()
	var want map[string]json.RawMessage
	wantOK := len(bytes.TrimLeft(b, " \t\r\n")) > 0 && bytes.TrimLeft(b, " \t\r\n")[0] == '{' && json.Unmarshal(b, &want) == nil
	got, ok := splitJSONObject(b)
	if ok != wantOK {
		t.Fatalf("splitJSONObject(%q) ok = %v, json.Unmarshal says %v", b, ok, wantOK)
	}
	if !ok {
		return
	}
	if len(got) != len(want) {
		t.Fatalf("splitJSONObject(%q) = %d members, json.Unmarshal %d", b, len(got), len(want))
	}
	for k, v := range want {
		if g, found := got[k]; !found || !bytes.Equal(g, v) {
			t.Fatalf("splitJSONObject(%q)[%q] = %q (%v), json.Unmarshal %q", b, k, g, found, v)
		}
	}
}

// TestSplitJSONObjectAgrees: on every JSON page of the parser's testdata and
// the fixtures, and on objects written to trip a splitter (escapes in
// keys and strings, nesting, repeated keys, whitespace everywhere,
// invalid UTF-8), splitJSONObject gives what json.Unmarshal gives.
func TestSplitJSONObjectAgrees(t *testing.T) {
	for _, s := range splitSeeds {
		splitAgrees(t, []byte(s))
	}
	n := 0
	for _, root := range []string{"testdata", filepath.Join("..", "fixtures")} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			n++
			splitAgrees(t, b)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	if n < 10 {
		t.Errorf("only %d JSON files compared", n)
	}
}

var splitSeeds = []string{
	`{}`, ` { } `, `{"a":1}`, "\ufeff{\"a\":1}", `{"a":1,"a":2}`, `{"a" : [1, {"b":"}"}, "]"] , "c":{"d":[[]]}}`,
	`{"k\"ey":"v\\","k\u00e9":"\u0041","k\/":true,"n":null,"f":false,"x":-1.5e+3}`,
	"{\"bad\xff\":1,\"ok\":\"\xfe\"}", `{"a":1`, `{"a":1}}`, `[{"a":1}]`, `"str"`, `{"a":1,}`, "{\t\"a\"\r\n:\n1\t}",
	`{"":""}`, `{"a":"\\\""}`,
}

// FuzzSplitJSONObject: splitJSONObject agrees with json.Unmarshal on anything.
func FuzzSplitJSONObject(f *testing.F) {
	for _, s := range splitSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) { splitAgrees(t, b) })
}
