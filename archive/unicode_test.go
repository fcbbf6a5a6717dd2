package archive_test

import (
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/parser"
)

// TestUnicodeVariantsOneVersion is RELIABILITY test 29's dedupe figure,
// through the archive: one title sent in NFC, in NFD, with a zero-width
// space, with a zero-width joiner, with a byte-order mark and with bidi
// controls, run after run, makes 1 version, and the archive keeps the text
// as the first run gave it, invisible characters included (they are
// escaped on display, not dropped).
func TestUnicodeVariantsOneVersion(t *testing.T) {
	variants := []string{
		"Caf\u00e9 \u200bAPI outage",       // NFC, with a zero-width space kept as stored
		"Cafe\u0301 API outage",            // NFD
		"Caf\u00e9 API\u200d outage",       // zero-width joiner
		"\ufeffCaf\u00e9 API outage",       // byte-order mark in front
		"Caf\u00e9 \u2066API\u2069 outage", // bidi isolate
		"Caf\u00e9 API \u202eoutage\u202c", // right-to-left override
	}
	db, clock := open(t)
	for i, title := range variants {
		in := incident("inc-uni", 5)
		in.Title = title
		run := mustIngest(t, db, scrape(true, title), []parser.Incident{in})
		if want := min(i, 1); run.New+run.Unchanged != 1 || run.Changed != 0 || run.New != 1-want {
			t.Errorf("run %d (%q): new %d, changed %d, unchanged %d; want it seen as the same incident, unchanged", i, title, run.New, run.Changed, run.Unchanged)
		}
		clock.Advance(time.Hour)
	}
	rec := mustRecord(t, db, "acme/inc-uni")
	if len(rec.Versions) != 1 {
		t.Fatalf("%d versions of one title in %d Unicode spellings, want 1", len(rec.Versions), len(variants))
	}
	if got := rec.Latest().Incident.Title; got != variants[0] {
		t.Errorf("stored title %q, want the first run's text %q kept as given", got, variants[0])
	}
}
