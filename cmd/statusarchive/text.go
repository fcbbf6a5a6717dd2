package main

import "github.com/statusarchive/statusarchive/archive/diff"

// safe makes a scraped string harmless on a terminal: control characters,
// escape sequences and bidi overrides are shown escaped, never interpreted.
func safe(s string) string { return diff.SafeText(s) }
