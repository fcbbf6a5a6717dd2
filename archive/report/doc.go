// Package report renders an archive's reliability figures as one
// self-contained HTML file: a monthly downtime chart per source, an incident
// timeline, the side-by-side comparison table with each figure's method
// named, coverage notes and how the numbers are computed.
//
// The page needs nothing else: its CSS is inline, its charts are inline SVG
// drawn by this package, and it has no JavaScript. Everything a status page
// wrote (titles, identifiers, notes, links) goes through html/template, so
// page text can never become markup, an event handler or a javascript: URL.
//
// The package is pure: no storage, no network, no clock. The caller passes
// the figures (a stats.Report), the incidents to draw and the instant the
// report was generated.
package report
