package stats

import (
	"bytes"
	"fmt"
	"path"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/fixtures"
	"github.com/statusarchive/statusarchive/parser"

	"github.com/statusarchive/statusarchive/fixtures/golden"
)

// TestRealworldSpans runs SpanOf over every incident the parser reads from
// the real captures (pages this package was not written against) and
// checks each span against the rules in doc.go. The golden file lists the
// stated windows found, for review.
func TestRealworldSpans(t *testing.T) {
	names, err := fixtures.Glob("realworld/*/*")
	if err != nil {
		t.Fatal(err)
	}
	var listing bytes.Buffer
	counts := map[DurationSource]int{}
	for _, name := range names {
		if strings.HasSuffix(name, ".md") {
			continue
		}
		body, err := fixtures.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		page, err := parser.Parse(parser.Document{Source: path.Base(name), URL: "https://status.example/" + path.Base(name), Body: body}, parser.FormatAuto)
		if err != nil {
			continue // a page no parser reads yet is the parser's business
		}
		for _, in := range page.Incidents {
			sp := SpanOf(in)
			counts[sp.Source]++
			first, resolving := timeline(in)
			switch {
			case sp.HasDuration() && sp.Duration != sp.End.Sub(sp.Start):
				t.Errorf("%s %s: duration %v, want end - start %v", name, in.ID, sp.Duration, sp.End.Sub(sp.Start))
			case sp.HasDuration() && sp.Duration <= 0:
				t.Errorf("%s %s: duration %v, want positive", name, in.ID, sp.Duration)
			case sp.Open && (!sp.End.IsZero() || sp.Duration != 0):
				t.Errorf("%s %s: open span with end %v duration %v", name, in.ID, sp.End, sp.Duration)
			case sp.Source == SourceNone && sp.Duration != 0:
				t.Errorf("%s %s: source none with duration %v", name, in.ID, sp.Duration)
			case sp.Source == SourceStatedWindow && Resolved(in) && sp.End.After(resolving.Add(clockTolerance)):
				t.Errorf("%s %s: stated window ends %v after the resolving post %v", name, in.ID, sp.End, resolving)
			case sp.Source == SourceStatedWindow && sp.Start.Before(first.Add(-WindowLead)):
				t.Errorf("%s %s: stated window starts %v, over WindowLead before the first post %v", name, in.ID, sp.Start, first)
			}
			if sp.Source == SourceStatedWindow || sp.Rejected != "" {
				fmt.Fprintf(&listing, "%s %s\n  %s %s – %s %q\n", name, in.ID, sp.Source, orDash(sp.Start), orDash(sp.End), sp.Text)
				if sp.Rejected != "" {
					fmt.Fprintf(&listing, "  rejected: %s\n", sp.Rejected)
				}
			}
		}
	}
	t.Logf("duration sources over the real captures: %v", counts)
	if counts[SourceStatedWindow] == 0 {
		t.Errorf("no stated window found in the real captures, want some (they hold \"From 9:45pm to 2:55am PST\", \"Between 07:58 and 08:05 UTC\", ...)")
	}
	golden.Check(t, filepath.Join("testdata", "realworld-windows.txt"), listing.Bytes())
}

func orDash(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return stamp(t)
}
