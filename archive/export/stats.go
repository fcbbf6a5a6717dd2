package export

import (
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"

	"github.com/statusarchive/statusarchive/archive/stats"
)

// WriteStats writes r as CSV, one source a row, with an availability
// column per method r computed (r.Methods). Text cells are made safe for
// spreadsheets as SpreadsheetCell does.
func WriteStats(w io.Writer, r stats.Report) error {
	cw := csv.NewWriter(w)
	ms := r.Methods()
	header := []string{"source", "since", "until", "months_in_window", "incidents", "open", "maintenance", "per_month",
		"downtime_minutes", "downtime_union_minutes", "ttr_mean_minutes", "ttr_median_minutes", "ttr_p90_minutes", "longest_minutes", "longest_id", "window_covered"}
	for _, m := range ms {
		header = append(header, "availability_"+string(m))
	}
	if err := cw.Write(header); err != nil {
		return err
	}
	minutes := func(d time.Duration) string { return strconv.FormatFloat(math.Round(d.Minutes()*100)/100, 'f', -1, 64) }
	optMinutes := func(d stats.Distribution, v time.Duration) string {
		if d.N == 0 {
			return ""
		}
		return minutes(v)
	}
	for _, s := range r.Sources {
		longest, longestID := "", ""
		if s.Longest != nil {
			longest, longestID = minutes(s.Longest.Duration), SpreadsheetCell(s.Longest.ID)
		}
		rec := []string{SpreadsheetCell(s.Source), s.Since.Format(time.RFC3339), s.Until.Format(time.RFC3339),
			fmt.Sprintf("%.4f", s.MonthsInWindow), strconv.Itoa(s.Incidents), strconv.Itoa(s.Open), strconv.Itoa(s.Maintenance),
			fmt.Sprintf("%.4f", s.PerMonth), minutes(s.Downtime), minutes(s.DowntimeUnion),
			optMinutes(s.TimeToResolve, s.TimeToResolve.Mean), optMinutes(s.TimeToResolve, s.TimeToResolve.Median),
			optMinutes(s.TimeToResolve, s.TimeToResolve.P90), longest, longestID, strconv.FormatBool(s.Coverage.WindowCovered)}
		for _, m := range ms {
			cell := ""
			for _, a := range s.Availability {
				if a.Method == m {
					cell = fmt.Sprintf("%.4f", a.Percent)
				}
			}
			rec = append(rec, cell)
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}
