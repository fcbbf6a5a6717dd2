package main

import (
	"fmt"
	"strings"
	"time"

	"github.com/statusarchive/statusarchive/parser"
)

// stringList is a flag that may be repeated or given comma-separated.
type stringList []string

func (s *stringList) String() string { return strings.Join(*s, ",") }

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
