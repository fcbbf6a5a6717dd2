package main

import (
	"bytes"
	"errors"
	"slices"
	"strings"
	"testing"
)

// TestCommandTree checks that the cobra tree keeps every subcommand the
// hand-written parser had, and adds completion.
func TestCommandTree(t *testing.T) {
	root := NewMain(&bytes.Buffer{}, &bytes.Buffer{}).Command()
	var got []string
	for _, c := range root.Commands() {
		got = append(got, c.Name())
	}
	for _, want := range []string{"scrape", "list", "show", "export", "stats", "report", "diff", "changes", "reparse", "sources",
		"check", "backup", "compact", "demo", "run", "validate", "completion"} {
		if !slices.Contains(got, want) {
			t.Errorf("subcommands %q lack %q", got, want)
		}
	}
}

// TestCommandLine runs the tree with SetArgs and checks what each call
// returns and where its words go.
func TestCommandLine(t *testing.T) {
	for _, tc := range []struct {
		name       string
		args       []string
		usage      bool   // want a usage error (exit status 2)
		out        string // in what the command's output writer got
		usagePrint bool   // want the usage printed on stderr
	}{
		{name: "no command", args: nil, usage: true, usagePrint: true},
		{name: "unknown command", args: []string{"lsit"}, usage: true, usagePrint: true},
		{name: "help flag", args: []string{"-h"}, out: "scrape"},
		{name: "help command", args: []string{"help", "export"}, out: "--as-of"},
		{name: "command help", args: []string{"list", "--help"}, out: "--kind"},
		{name: "go-style help", args: []string{"list", "-help"}, out: "--kind"},
		{name: "unknown flag", args: []string{"list", "--colour"}, usage: true, usagePrint: true},
		{name: "missing argument", args: []string{"show"}, usage: true, usagePrint: true},
		{name: "extra argument", args: []string{"list", "x"}, usage: true},
		{name: "bad kind", args: []string{"list", "--kind", "outage"}, usage: true},
		{name: "completion without shell", args: []string{"completion"}, usage: true, usagePrint: true},
		{name: "completion for an unknown shell", args: []string{"completion", "tcsh"}, usage: true, usagePrint: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr, out bytes.Buffer
			m := NewMain(&stdout, &stderr)
			m.Getenv = func(string) string { return "" }
			root := m.Command()
			root.SetArgs(doubleDash(root, tc.args)) // as Run does
			root.SetOut(&out)
			_, err := root.ExecuteContextC(t.Context())
			var ue *usageError
			if got := errors.As(err, &ue); got != tc.usage {
				t.Fatalf("error %v: usage error %v, want %v", err, got, tc.usage)
			}
			if !tc.usage && err != nil {
				t.Fatalf("error %v, want none", err)
			}
			if tc.usage && ue.usage != tc.usagePrint {
				t.Errorf("usage error %q asks to print the usage: %v, want %v", ue.msg, ue.usage, tc.usagePrint)
			}
			if !strings.Contains(out.String(), tc.out) {
				t.Errorf("output %q, want it to contain %q", out.String(), tc.out)
			}
			if stdout.Len() > 0 {
				t.Errorf("stdout got %q, want nothing: help is not data", stdout.String())
			}
		})
	}
}

// TestRunPrintsUsage checks that Run prints a command's usage on stderr,
// and nothing on stdout, when it was called wrongly.
func TestRunPrintsUsage(t *testing.T) {
	var stdout, stderr bytes.Buffer
	err := NewMain(&stdout, &stderr).Run(t.Context(), []string{"show"})
	var ue *usageError
	if !errors.As(err, &ue) {
		t.Fatalf("show without an id: %v, want a usage error", err)
	}
	if got := stderr.String(); !strings.Contains(got, "statusarchive show [flags] ID|SOURCE/ID") {
		t.Errorf("stderr %q, want the usage of show", got)
	}
	if stdout.Len() > 0 {
		t.Errorf("stdout %q, want nothing", stdout.String())
	}
	if code := exitCode(err, devNull(t)); code != 2 {
		t.Errorf("exit status %d, want 2", code)
	}
}

// TestDoubleDash checks that flags written with one dash, as Go's flag
// package took them before cobra, still reach cobra as long flags, and
// that values and arguments are never rewritten.
func TestDoubleDash(t *testing.T) {
	root := NewMain(&bytes.Buffer{}, &bytes.Buffer{}).Command()
	for _, tc := range []struct {
		args, want []string
	}{
		{[]string{"list", "-db", "a.db", "-json"}, []string{"list", "--db", "a.db", "--json"}},
		{[]string{"list", "-db=a.db", "--json"}, []string{"list", "--db=a.db", "--json"}},
		{[]string{"export", "-o", "x.csv", "-format", "json"}, []string{"export", "-o", "x.csv", "--format", "json"}},
		{[]string{"report", "--title", "-json", "--html", "-"}, []string{"report", "--title", "-json", "--html", "-"}},
		{[]string{"run", "--grace", "-1s"}, []string{"run", "--grace", "-1s"}},
		{[]string{"show", "--", "-json"}, []string{"show", "--", "-json"}},
		{[]string{"show", "-nosuchflag"}, []string{"show", "-nosuchflag"}},
		{[]string{"list", "-help"}, []string{"list", "--help"}},
		{[]string{"-h"}, []string{"-h"}},
	} {
		if got := doubleDash(root, tc.args); !slices.Equal(got, tc.want) {
			t.Errorf("doubleDash(%q)\n got %q\nwant %q", tc.args, got, tc.want)
		}
	}
}

// TestCompletion writes each shell's completion script and asks the tree
// for completions the way those scripts do.
func TestCompletion(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "__start_statusarchive",
		"zsh":  "#compdef statusarchive",
		"fish": "complete -c statusarchive",
	} {
		var stdout, stderr bytes.Buffer
		if err := NewMain(&stdout, &stderr).Run(t.Context(), []string{"completion", shell}); err != nil {
			t.Fatalf("completion %s: %v\n%s", shell, err, stderr.String())
		}
		if !strings.Contains(stdout.String(), want) {
			t.Errorf("completion %s: script lacks %q", shell, want)
		}
	}
	// Shells filter values by what was typed; the tree offers them all.
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"__complete", "sc"}, []string{"scrape"}},
		{[]string{"__complete", "completion", ""}, []string{"bash", "zsh", "fish"}},
		{[]string{"__complete", "export", "--format", ""}, []string{"csv", "json", "ndjson"}},
		{[]string{"__complete", "list", "--kind", ""}, []string{"incident", "maintenance", "all"}},
		{[]string{"__complete", "scrape", "--format", ""}, []string{"auto", "outage-history", "statuspage-api", "statuspage-feed", "statuspage-history", "statuspage-home", "statuspage-incident"}},
	} {
		var stdout, stderr bytes.Buffer
		if err := NewMain(&stdout, &stderr).Run(t.Context(), tc.args); err != nil {
			t.Fatalf("%q: %v", tc.args, err)
		}
		var got []string
		for _, line := range strings.Split(strings.TrimSpace(stdout.String()), "\n") {
			if !strings.HasPrefix(line, ":") {
				got = append(got, strings.SplitN(line, "\t", 2)[0])
			}
		}
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("%q completes to %q, want %q among them", tc.args, got, w)
			}
		}
		if tc.args[1] == "sc" && len(got) != 1 {
			t.Errorf("%q completes to %q, want scrape alone", tc.args, got)
		}
	}
}

func TestProgName(t *testing.T) {
	for _, tc := range []struct{ arg0, want string }{
		{"statusarchive", "statusarchive"},
		{"./bin/statusarchive", "./bin/statusarchive"},
		{"/usr/local/bin/statusarchive", "/usr/local/bin/statusarchive"},
		{"/tmp/go-build123/b001/exe/statusarchive", "go run ./cmd/statusarchive"},
		{"/home/a b/statusarchive", "'/home/a b/statusarchive'"},
		{"", "statusarchive"},
	} {
		if got := progName(tc.arg0); got != tc.want {
			t.Errorf("progName(%q) = %q, want %q", tc.arg0, got, tc.want)
		}
	}
}
