package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/statusarchive/statusarchive/archive/stats"
	"github.com/statusarchive/statusarchive/parser"
)

// stringList is a flag that may be repeated or given comma-separated.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

func (s *stringList) Type() string { return "list" }

func (s *stringList) Set(v string) error {
	for _, part := range strings.Split(v, ",") {
		if part = strings.TrimSpace(part); part != "" {
			*s = append(*s, part)
		}
	}
	return nil
}

// timeFlag is an instant given on the command line: RFC 3339, a date
// (YYYY-MM-DD, midnight UTC) or a month (YYYY-MM). Zero when not set.
type timeFlag struct{ t time.Time }

func (f *timeFlag) String() string {
	if f.t.IsZero() {
		return ""
	}
	return f.t.Format(time.RFC3339)
}

func (f *timeFlag) Type() string { return "time" }

func (f *timeFlag) Set(v string) error {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04", "2006-01-02", "2006-01"} {
		if t, err := time.Parse(layout, v); err == nil {
			f.t = t.UTC()
			return nil
		}
	}
	return fmt.Errorf("%q is not a time: use RFC 3339 (2026-06-22T14:03:00Z), a date (2026-06-22) or a month (2026-06)", v)
}

// parseKind maps --kind to a record kind; "all" is the empty Kind.
func parseKind(v string) (parser.Kind, error) {
	switch v {
	case "all", "":
		return "", nil
	case string(parser.KindIncident), string(parser.KindMaintenance):
		return parser.Kind(v), nil
	}
	return "", &usageError{msg: fmt.Sprintf("--kind %q: want incident, maintenance or all", v)}
}

// kindCompletion completes --kind.
var kindCompletion = fixedCompletion("incident", "maintenance", "all")

// windowFlags are the flags that choose a stats window and method, shared
// by stats and report.
type windowFlags struct {
	sources        stringList
	since, until   timeFlag
	window, method string
	weights        string
	openUntil      string
}

func addWindowFlags(fs *pflag.FlagSet) *windowFlags {
	w := &windowFlags{}
	fs.Var(&w.sources, "source", "sources to compare (repeat or comma-separate; default all)")
	fs.Var(&w.since, "since", "start of the window (default: each source's oldest incident)")
	fs.Var(&w.until, "until", "end of the window (default: now)")
	fs.StringVar(&w.window, "window", "", "window length back from --until: 24m (months), 90d (days), 2y (years); excludes --since")
	fs.StringVar(&w.method, "method", "", "availability method: unweighted, statuspage or custom (default: unweighted and statuspage)")
	fs.StringVar(&w.weights, "weights", "", "custom method's weight per impact, e.g. critical=1,major=1,minor=0.5,none=0")
	fs.StringVar(&w.openUntil, "open-until", string(stats.OpenUntilLastSeen), "an unresolved incident counts until last-seen (the archive's last sighting of it) or now")
	return w
}

// registerWindowCompletions completes the window flags' fixed values.
func registerWindowCompletions(cmd *cobra.Command) {
	_ = cmd.RegisterFlagCompletionFunc("method", fixedCompletion("unweighted", "statuspage", "custom"))
	_ = cmd.RegisterFlagCompletionFunc("window", fixedCompletion("12m", "24m", "90d", "2y"))
	_ = cmd.RegisterFlagCompletionFunc("open-until", fixedCompletion(string(stats.OpenUntilLastSeen), string(stats.OpenUntilNow)))
}

// options turns the flags into stats options, with now the archive's
// clock.
func (w *windowFlags) options(now time.Time) (stats.Options, error) {
	opts := stats.Options{Since: w.since.t, Until: w.until.t, Now: now, Method: stats.Method(w.method), OpenUntil: stats.OpenUntil(w.openUntil)}
	switch opts.OpenUntil {
	case stats.OpenUntilLastSeen, stats.OpenUntilNow:
	default:
		return opts, &usageError{msg: fmt.Sprintf("--open-until %q: want last-seen or now", w.openUntil)}
	}
	if w.window != "" {
		if !w.since.t.IsZero() {
			return opts, &usageError{msg: "give --window or --since, not both"}
		}
		end := w.until.t
		if end.IsZero() {
			end = now
		}
		start, err := windowStart(w.window, end)
		if err != nil {
			return opts, err
		}
		opts.Since, opts.Until = start, end
	}
	if w.weights != "" {
		weights, err := parseWeights(w.weights)
		if err != nil {
			return opts, err
		}
		opts.Weights = weights
		if opts.Method == "" {
			opts.Method = stats.MethodCustom
		}
	}
	if opts.Method == stats.MethodCustom && opts.Weights == nil {
		return opts, &usageError{msg: "--method custom needs --weights"}
	}
	return opts, nil
}
