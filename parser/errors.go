package parser

import (
	"errors"
	"fmt"
)

// Sentinel errors say what went wrong; ParseError says where.
var (
	// ErrUnknownFormat means no parser recognises the page.
	ErrUnknownFormat = errors.New("unrecognised page format")
	// ErrNoIncidents means a page that should list incidents lists none: the
	// markup has probably changed.
	ErrNoIncidents = errors.New("page parses to zero incidents where the format expects some")
	// ErrNotStatuspage means a page given to a Statuspage parser is not one.
	ErrNotStatuspage = errors.New("not a Statuspage page")
	// ErrUnknownZone means a time carries a zone abbreviation we cannot map.
	// We never guess UTC.
	ErrUnknownZone = errors.New("unknown time zone abbreviation")
	// ErrBadTime means a time's text does not parse.
	ErrBadTime = errors.New("unparseable time")
	// ErrInvalidRecord means a parsed record fails validation.
	ErrInvalidRecord = errors.New("invalid record")
	// ErrNotHTML means a page expected to be HTML is something else.
	ErrNotHTML = errors.New("not an HTML page")
	// ErrCharset means a document names a character set that is not known,
	// or its bytes cannot be decoded from the one it names.
	ErrCharset = errors.New("undecodable character set")
	// ErrBlocked means the page is a bot challenge or a login wall, not content.
	ErrBlocked = errors.New("page is a bot challenge or login page")
)

// ParseError locates a parse failure: which source, which page, which part.
type ParseError struct {
	Source string
	URL    string
	Format Format
	Field  string // the part of the page that failed, if known
	Err    error
}

func (e *ParseError) Error() string {
	msg := "parse"
	if e.Source != "" {
		msg += " " + e.Source
	}
	if e.URL != "" {
		msg += " " + e.URL
	}
	if e.Format != "" {
		msg += fmt.Sprintf(" as %s", e.Format)
	}
	if e.Field != "" {
		msg += ": " + e.Field
	}
	return msg + ": " + e.Err.Error()
}

func (e *ParseError) Unwrap() error { return e.Err }
