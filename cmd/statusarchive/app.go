package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/mattn/go-isatty"
	"github.com/rs/zerolog"

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
}

// NewMain returns a Main wired to the process's environment.
func NewMain(stdout, stderr io.Writer) *Main {
	return &Main{Stdout: stdout, Stderr: stderr, Getenv: os.Getenv, Now: time.Now}
}

// command is one subcommand: its name, a line of help, and how to run it.
type command struct {
	name    string
	summary string
	run     func(m *Main, ctx context.Context, args []string) error
}

func commands() []command {
	return []command{
		{"scrape", "fetch status pages, parse them and archive what changed", (*Main).scrape},
		{"list", "list archived incidents", (*Main).list},
		{"show", "show one incident, its timeline and its versions", (*Main).show},
		{"export", "export incidents or updates as CSV, JSON or NDJSON", (*Main).export},
		{"stats", "compare sources' reliability: incidents, downtime, time to resolve, availability", (*Main).stats},
		{"report", "write a self-contained HTML report: charts, timeline, comparison, coverage", (*Main).report},
		{"diff", "show what changed between two versions of an incident", (*Main).diff},
		{"changes", "report every change since a time or since the previous run", (*Main).changes},
		{"reparse", "re-derive records from the stored raw pages with this version's parser", (*Main).reparse},
		{"sources", "show each source's coverage: runs, failures, how far back it reaches", (*Main).sources},
		{"check", "verify the archive file and every record's checksum", (*Main).check},
		{"backup", "write a consistent copy of the archive while it is in use", (*Main).backup},
		{"compact", "reclaim the space old pages left in the archive file", (*Main).compact},
		{"demo", "scrape the bundled fixture site offline into a fresh archive", (*Main).demo},
		{"run", "run as a daemon: scrape every source of a sources file on its schedule", (*Main).run},
		{"validate", "check a sources file and report every problem with its line", (*Main).validate},
	}
}

// Run runs the subcommand named by args[0].
func (m *Main) Run(ctx context.Context, args []string) error {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		m.usage()
		if len(args) == 0 {
			return &usageError{}
		}
		return nil
	}
	cmds := commands()
	i := slices.IndexFunc(cmds, func(c command) bool { return c.name == args[0] })
	if i < 0 {
		m.usage()
		return &usageError{msg: fmt.Sprintf("unknown command %q", args[0])}
	}
	return cmds[i].run(m, ctx, args[1:])
}

func (m *Main) usage() {
	fmt.Fprintln(m.Stderr, "usage: statusarchive <command> [flags] [args]\n\ncommands:")
	for _, c := range commands() {
		fmt.Fprintf(m.Stderr, "  %-9s %s\n", c.name, c.summary)
	}
	fmt.Fprintln(m.Stderr, "\nRun 'statusarchive <command> -h' for a command's flags.")
}

// silentError ends the program with an exit code and no message: the
// message was already printed (by a child process).
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit status %d", e.code) }

// usageError is a mistake in how the command was called: exit status 2.
type usageError struct{ msg string }

func (e *usageError) Error() string { return "usage: " + e.msg }

// flags is what every subcommand accepts besides its own flags.
type flags struct {
	db        string
	logLevel  string
	logFormat string
}

// newFlagSet returns a FlagSet for a subcommand with the common flags, a
// usage text that shows an example, and errors printed to stderr.
func (m *Main) newFlagSet(name, args, example string, withDB bool) (*flag.FlagSet, *flags) {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(m.Stderr)
	f := &flags{}
	if withDB {
		fs.StringVar(&f.db, "db", "", "archive file (default $STATUSARCHIVE_DB, else $XDG_DATA_HOME/statusarchive/archive.db)")
	}
	fs.StringVar(&f.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	fs.StringVar(&f.logFormat, "log-format", "", "log format: json or console (default: console on a terminal, json otherwise)")
	fs.Usage = func() {
		fmt.Fprintf(m.Stderr, "usage: statusarchive %s %s\n\nexample:\n  %s\n\nflags:\n", name, args, example)
		fs.PrintDefaults()
	}
	return fs, f
}

// parse parses args into fs, mapping flag errors to usage errors. -h is not
// an error. Flags may follow arguments ("show ID --json"); "--" ends flags.
func parse(fs *flag.FlagSet, args []string) error {
	var positional []string
	for {
		err := fs.Parse(args)
		if errors.Is(err, flag.ErrHelp) {
			return errHelp
		}
		if err != nil {
			return &usageError{}
		}
		rest := fs.Args()
		if len(rest) == 0 {
			break
		}
		if len(args) > len(rest) && args[len(args)-len(rest)-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	// Leave the positional arguments where fs.Args finds them.
	return fs.Parse(append([]string{"--"}, positional...))
}

// errHelp ends a command that only printed its help.
var errHelp = errors.New("help requested")

// handled turns errHelp into success.
func handled(err error) error {
	if errors.Is(err, errHelp) {
		return nil
	}
	return err
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
