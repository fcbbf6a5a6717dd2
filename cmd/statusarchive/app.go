package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/parser"
	"github.com/statusarchive/statusarchive/scraper"
)

// Main is the program with its environment injected, so that tests can run
// it on a temporary archive and loopback servers.
type Main struct {
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Now    func() time.Time
	// Transport, when set, replaces the scraper's HTTP transport (and with
	// it the private-network guard).
	Transport http.RoundTripper
	// Resolver, when set, resolves host names for the private-network
	// guard: tests send names to loopback with it.
	Resolver scraper.Resolver
	// LogFormat forces "json" or "console" logs; "" decides by terminal.
	LogFormat string
	// Parse parses a fetched page; nil means parser.Parse. Tests count
	// parse work through it.
	Parse func(parser.Document, parser.Format) (*parser.Page, error)
	// Terminal reports whether w is a terminal; nil means a check of the
	// file descriptor. Export escapes control characters on a terminal.
	Terminal func(w io.Writer) bool
	// Prog is how a user runs this program again, for the commands its
	// hints suggest ("statusarchive", "./bin/statusarchive").
	Prog string
}

// NewMain returns a Main wired to the process's environment.
func NewMain(stdout, stderr io.Writer) *Main {
	return &Main{Stdout: stdout, Stderr: stderr, Getenv: os.Getenv, Now: time.Now, Prog: "statusarchive"}
}

// progName is how to run the program started as arg0 (os.Args[0]) again
// from the same shell: a name found on $PATH as it is, a path as typed
// (make demo runs ./bin/statusarchive), and a binary `go run` built in a
// temporary directory as the `go run` command.
func progName(arg0 string) string {
	switch {
	case arg0 == "":
		return "statusarchive"
	case !strings.ContainsRune(arg0, os.PathSeparator) && !strings.ContainsRune(arg0, '/'):
		return shellQuote(arg0)
	case strings.Contains(arg0, string(os.PathSeparator)+"go-build"):
		return "go run ./cmd/statusarchive"
	}
	return shellQuote(arg0)
}

// shellQuote quotes s for a POSIX shell when it needs quoting.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

func init() {
	// Commands are listed in the order of a session: scrape, then reading.
	cobra.EnableCommandSorting = false
}

// Command returns the statusarchive command tree wired to m. Run executes
// it; tests may also drive it directly with SetArgs and SetOut.
//
// Help and usage go to m.Stderr: they are not data. Data, and the shell
// completion protocol, go to m.Stdout.
func (m *Main) Command() *cobra.Command {
	root := &cobra.Command{
		Use:   "statusarchive",
		Short: "an honest, versioned archive of what vendors say on their status pages",
		// Errors and usage are printed once, by Run and main, as before
		// cobra: a usage error prints the usage, then the message.
		SilenceErrors:     true,
		SilenceUsage:      true,
		CompletionOptions: cobra.CompletionOptions{DisableDefaultCmd: true},
		Args: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				return nil
			}
			msg := fmt.Sprintf("unknown command %q", args[0])
			if s := cmd.SuggestionsFor(args[0]); len(s) > 0 {
				msg += fmt.Sprintf(" (did you mean %s?)", strings.Join(s, " or "))
			}
			return &usageError{msg: msg, usage: true}
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			return &usageError{usage: true}
		},
	}
	root.SuggestionsMinimumDistance = 2
	root.SetOut(m.Stderr)
	root.SetErr(m.Stderr)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error {
		return &usageError{msg: err.Error(), usage: true}
	})
	root.AddCommand(
		m.scrapeCommand(),
		m.listCommand(),
		m.showCommand(),
		m.exportCommand(),
		m.statsCommand(),
		m.reportCommand(),
		m.diffCommand(),
		m.changesCommand(),
		m.reparseCommand(),
		m.sourcesCommand(),
		m.checkCommand(),
		m.backupCommand(),
		m.compactCommand(),
		m.demoCommand(),
		m.runCommand(),
		m.validateCommand(),
		m.formatsCommand(),
		m.completionCommand(root),
	)
	return root
}

// Run runs the subcommand named by args[0].
func (m *Main) Run(ctx context.Context, args []string) error {
	root := m.Command()
	if len(args) > 0 && (args[0] == cobra.ShellCompRequestCmd || args[0] == cobra.ShellCompNoDescRequestCmd) {
		// The completion scripts read their answers from stdout.
		root.SetOut(m.Stdout)
	}
	root.SetArgs(doubleDash(root, args))
	cmd, err := root.ExecuteContextC(ctx)
	var ue *usageError
	if errors.As(err, &ue) && ue.usage && cmd != nil {
		cmd.Usage()
	}
	return err
}

// doubleDash rewrites "-name" and "-name=value" to "--name" forms when name
// is a long flag of the command args call: the command line used Go's flag
// package before cobra, which takes one dash or two, and scripts written
// then keep working. Values of flags and everything after "--" are left
// alone.
func doubleDash(root *cobra.Command, args []string) []string {
	cmd, _, err := root.Find(args)
	if err != nil || cmd == root {
		return args
	}
	cmd.InitDefaultHelpFlag()
	out := make([]string, 0, len(args))
	value := false // the previous argument was a flag that takes this one
	for i, a := range args {
		if a == "--" {
			return append(out, args[i:]...)
		}
		if value {
			out, value = append(out, a), false
			continue
		}
		long := strings.HasPrefix(a, "--")
		if !long && len(a) > 2 && a[0] == '-' {
			name, _, _ := strings.Cut(a[1:], "=")
			if f := cmd.Flags().Lookup(name); f != nil && len(f.Name) > 1 {
				a, long = "-"+a, true
			}
		}
		switch {
		case long:
			name, _, inline := strings.Cut(a[2:], "=")
			f := cmd.Flags().Lookup(name)
			value = f != nil && !inline && f.NoOptDefVal == ""
		case len(a) == 2 && a[0] == '-':
			f := cmd.Flags().ShorthandLookup(a[1:])
			value = f != nil && f.NoOptDefVal == ""
		}
		out = append(out, a)
	}
	return out
}

// newCommand returns a subcommand with a line of help, an example, and the
// flags every command takes (--db only where the command opens the
// archive).
func (m *Main) newCommand(use, summary, example string, withDB bool) (*cobra.Command, *flags) {
	cmd := &cobra.Command{
		Use:     use,
		Short:   summary,
		Example: "  " + example,
	}
	fs := cmd.Flags()
	fs.SortFlags = false
	f := &flags{}
	if withDB {
		fs.StringVar(&f.db, "db", "", "archive file (default $STATUSARCHIVE_DB, else $XDG_DATA_HOME/statusarchive/archive.db)")
	}
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&f.logFormat, "log-format", "", "log format: json or console (default: console on a terminal, json otherwise)")
	_ = cmd.RegisterFlagCompletionFunc("log-level", fixedCompletion("debug", "info", "warn", "error"))
	_ = cmd.RegisterFlagCompletionFunc("log-format", fixedCompletion("json", "console"))
	return cmd, f
}

// fixedCompletion completes a flag's value from a fixed list.
func fixedCompletion(values ...string) cobra.CompletionFunc {
	return cobra.FixedCompletions(values, cobra.ShellCompDirectiveNoFileComp)
}

// completionCommand writes a shell's completion script for the whole tree.
func (m *Main) completionCommand(root *cobra.Command) *cobra.Command {
	return &cobra.Command{
		Use:   "completion bash|zsh|fish",
		Short: "write the shell completion script for bash, zsh or fish",
		Long: `Write the shell completion script for bash, zsh or fish to stdout.

  bash:  source <(statusarchive completion bash)
         or save it as /etc/bash_completion.d/statusarchive
  zsh:   statusarchive completion zsh > "${fpath[1]}/_statusarchive"
  fish:  statusarchive completion fish > ~/.config/fish/completions/statusarchive.fish`,
		Example:   "  statusarchive completion bash > /etc/bash_completion.d/statusarchive",
		ValidArgs: []string{"bash", "zsh", "fish"},
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) != 1 {
				return &usageError{msg: "completion takes one shell: bash, zsh or fish", usage: true}
			}
			switch args[0] {
			case "bash":
				return root.GenBashCompletionV2(m.Stdout, true)
			case "zsh":
				return root.GenZshCompletion(m.Stdout)
			case "fish":
				return root.GenFishCompletion(m.Stdout, true)
			}
			return &usageError{msg: fmt.Sprintf("completion %q: want bash, zsh or fish", args[0]), usage: true}
		},
	}
}

// silentError ends the program with an exit code and no message: the
// message was already printed (by a child process).
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// usageError is a mistake in how the command was called: exit status 2.
// With usage set, Run prints the command's usage before the message.
type usageError struct {
	msg   string
	usage bool
}

func (e *usageError) Error() string { return "usage: " + e.msg }

// flags is what every subcommand accepts besides its own flags.
type flags struct {
	db        string
	logLevel  string
	logFormat string
	// acceptRollback is --accept-rollback, which commands that write the
	// archive take (addAcceptRollback).
	acceptRollback bool
}

// addAcceptRollback adds --accept-rollback to a command that writes the
// archive.
func addAcceptRollback(cmd *cobra.Command, f *flags) {
	cmd.Flags().BoolVar(&f.acceptRollback, "accept-rollback", false,
		"write to an archive that is behind its last recorded commit (check reports it), accepting the file as it is")
}

// rollbackHint adds what to do to a refusal to write a rolled-back
// archive.
func (m *Main) rollbackHint(err error, path string) error {
	if !errors.Is(err, archive.ErrRolledBack) {
		return err
	}
	return fmt.Errorf("%w (look with '%s check --db %s'; accept the file as it is with '%s check --repair --db %s', or --accept-rollback)",
		err, m.Prog, shellQuote(path), m.Prog, shellQuote(path))
}

// dbPath resolves the archive path: the flag, $STATUSARCHIVE_DB, then the
// user's data directory.
func (m *Main) dbPath(flagValue string) (string, error) {
	if flagValue != "" {
		return flagValue, nil
	}
	if p := m.Getenv("STATUSARCHIVE_DB"); p != "" {
		return p, nil
	}
	dir := m.Getenv("XDG_DATA_HOME")
	if dir == "" {
		home := m.Getenv("HOME")
		if home == "" {
			var err error
			if home, err = os.UserHomeDir(); err != nil {
				return "", fmt.Errorf("locate the archive: set --db or STATUSARCHIVE_DB: %w", err)
			}
		}
		dir = filepath.Join(home, ".local", "share")
	}
	return filepath.Join(dir, "statusarchive", "archive.db"), nil
}

// logger builds the zerolog logger every component receives: stderr,
// console format on a terminal, JSON otherwise or when asked.
func (m *Main) logger(f *flags) (zerolog.Logger, error) {
	level, err := zerolog.ParseLevel(strings.ToLower(f.logLevel))
	if err != nil || level == zerolog.NoLevel {
		return zerolog.Nop(), &usageError{msg: fmt.Sprintf("--log-level %q: want debug, info, warn or error", f.logLevel)}
	}
	format := f.logFormat
	if format == "" {
		format = m.LogFormat
	}
	if format == "" {
		format = "json"
		if file, ok := m.Stderr.(*os.File); ok && isatty.IsTerminal(file.Fd()) {
			format = "console"
		}
	}
	var w io.Writer
	switch format {
	case "json":
		w = m.Stderr
	case "console":
		w = zerolog.ConsoleWriter{Out: m.Stderr, TimeFormat: time.TimeOnly}
	default:
		return zerolog.Nop(), &usageError{msg: fmt.Sprintf("--log-format %q: want json or console", format)}
	}
	return zerolog.New(w).Level(level).With().Timestamp().Logger(), nil
}

// isTerminal reports whether w is a terminal.
func (m *Main) isTerminal(w io.Writer) bool {
	if m.Terminal != nil {
		return m.Terminal(w)
	}
	f, ok := w.(*os.File)
	return ok && (isatty.IsTerminal(f.Fd()) || isatty.IsCygwinTerminal(f.Fd()))
}

// escapingWriter escapes control characters, escape sequences and bidi
// overrides (as safe does) in what it passes on, a line at a time, so that
// a rune or a sequence split across two writes is still seen whole. Close
// writes what is left after the last newline.
type escapingWriter struct {
	w    io.Writer
	line []byte
}

func (e *escapingWriter) Write(p []byte) (int, error) {
	e.line = append(e.line, p...)
	if i := bytes.LastIndexByte(e.line, '\n'); i >= 0 {
		if _, err := io.WriteString(e.w, safe(string(e.line[:i+1]))); err != nil {
			return 0, err
		}
		e.line = append(e.line[:0], e.line[i+1:]...)
	}
	return len(p), nil
}

func (e *escapingWriter) Close() error {
	if len(e.line) == 0 {
		return nil
	}
	_, err := io.WriteString(e.w, safe(string(e.line)))
	e.line = e.line[:0]
	return err
}
