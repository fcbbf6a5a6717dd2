package stats

import (
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/parser"
)

// FuzzSpanOf feeds arbitrary update text and times to SpanOf. Property:
// it never panics, and a window it accepts fits the rules it documents.
func FuzzSpanOf(f *testing.F) {
	seeds := []string{
		"From 13:35 UTC to 14:24 UTC users may have experienced errors.",
		"From 8:58 to 10:02 UTC SSO endpoints experienced increased latency.",
		"Sending delays occurred between 2:50pm – 5:18pm PT.",
		"Between 14:40 and 14:53 UTC, SSO endpoints experienced increased latency.",
		"Error rates and latencies returned to normal at 11:02am PT.",
		"from 23:40 to 00:20 UTC", "between 11:30 – 2pm ET", "From 99:99 to 12:00 UTC", "recovered at 0 UTC",
	}
	for _, s := range seeds {
		f.Add(s, int64(90), int64(30))
	}
	base := time.Date(2026, 6, 22, 14, 3, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, body string, resolveAfter, statedAfter int64) {
		first := base
		resolving := first.Add(time.Duration(resolveAfter%(7*24*60)) * time.Minute)
		stating := first.Add(time.Duration(statedAfter%(7*24*60)) * time.Minute)
		in := parser.Incident{Source: "f", ID: "f", Kind: parser.KindIncident, Title: "f", Status: parser.StatusResolved,
			Updates: []parser.Update{
				{Status: parser.StatusInvestigating, At: parser.NewTime(first, "")},
				{Status: parser.StatusMonitoring, At: parser.NewTime(stating, ""), Body: body},
				{Status: parser.StatusResolved, At: parser.NewTime(resolving, "")},
			}}
		in.ReadWindows()
		sp := SpanOf(in)
		if sp.Source != SourceStatedWindow {
			return
		}
		earliest, resolvedAt := timeline(in)
		switch {
		case !sp.End.After(sp.Start):
			t.Errorf("SpanOf(%q) = %v – %v, want end after start", body, sp.Start, sp.End)
		case sp.End.After(stating.Add(clockTolerance)):
			t.Errorf("SpanOf(%q) ends %v, after the post stating it %v", body, sp.End, stating)
		case sp.End.After(resolvedAt.Add(clockTolerance)):
			t.Errorf("SpanOf(%q) ends %v, after the resolving post %v", body, sp.End, resolvedAt)
		case sp.Start.Before(earliest.Add(-WindowLead)):
			t.Errorf("SpanOf(%q) starts %v, more than WindowLead before the first post", body, sp.Start)
		case sp.Start.Location() != time.UTC || sp.End.Location() != time.UTC:
			t.Errorf("SpanOf(%q) times not in UTC", body)
		case sp.Duration != sp.End.Sub(sp.Start):
			t.Errorf("SpanOf(%q) duration %v, want %v", body, sp.Duration, sp.End.Sub(sp.Start))
		}
	})
}
