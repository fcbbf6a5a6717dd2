package parser

import (
	"bytes"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

// Format names a page family a parser understands. The names are what
// users pass to --format.
type Format string

// FormatAuto asks Parse to detect the format.
const FormatAuto Format = "auto"

// format is one page family: how to recognise it and how to parse it.
type format struct {
	name Format
	// sniff reports how sure it is that doc is of this family: 0 not at
	// all, higher is surer. It must be cheap: no full DOM parse.
	sniff func(doc Document) int
	parse func(doc Document) (*Page, error)
}

// formats is every page family, in no particular order: Detect picks the
// one that sniffs highest. Parsers register themselves in their own file's
// init, so that this list has no merge hot spot.
var formats []format

func register(f format) {
	if slices.ContainsFunc(formats, func(g format) bool { return g.name == f.name }) {
		panic("parser: format registered twice: " + string(f.name))
	}
	formats = append(formats, f)
}

// Formats lists the names accepted by Parse, sorted.
func Formats() []Format {
	names := make([]Format, 0, len(formats))
	for _, f := range formats {
		names = append(names, f.name)
	}
	slices.Sort(names)
	return names
}

// Detect returns the format that best fits doc. A bot challenge or login
// wall is ErrBlocked, whatever else the page holds, and an empty body is
// ErrUnknownFormat: neither is ever "zero incidents".
func Detect(doc Document) (Format, error) {
	doc, err := decodeCharset(doc)
	if err != nil {
		return "", &ParseError{Source: doc.Source, URL: doc.URL, Err: err}
	}
	if why := blocked(doc.Body); why != "" {
		return "", &ParseError{Source: doc.Source, URL: doc.URL, Err: fmt.Errorf("%w (%s)", ErrBlocked, why)}
	}
	return sniff(doc)
}

// sniff returns the format that sniffs highest for doc, which is not
// blocked.
func sniff(doc Document) (Format, error) {
	best, score := Format(""), 0
	for _, f := range formats {
		if s := f.sniff(doc); s > score {
			best, score = f.name, s
		}
	}
	if score == 0 {
		return "", &ParseError{Source: doc.Source, URL: doc.URL, Err: fmt.Errorf("%w (%s)", ErrUnknownFormat, describe(doc))}
	}
	return best, nil
}

// Parse parses doc as the named format, or as the detected one when name is
// empty or FormatAuto. Every record it returns has passed Validate (without
// an upper time bound: the parser has no clock) and carries doc.Source.
// Every error it returns for a page names the page's source and URL.
func Parse(doc Document, name Format) (*Page, error) {
	auto := name == "" || name == FormatAuto
	if auto {
		name = ""
	} else if !slices.ContainsFunc(formats, func(f format) bool { return f.name == name }) {
		return nil, fmt.Errorf("parse: %w: no format named %q (have %s)", ErrUnknownFormat, name, joinFormats())
	}
	// Every parser reads UTF-8: the body is decoded from its charset first.
	doc, err := decodeCharset(doc)
	if err != nil {
		return nil, &ParseError{Source: doc.Source, URL: doc.URL, Format: name, Err: err}
	}
	if why := blocked(doc.Body); why != "" {
		return nil, &ParseError{Source: doc.Source, URL: doc.URL, Format: name, Err: fmt.Errorf("%w (%s)", ErrBlocked, why)}
	}
	if auto {
		if name, err = sniff(doc); err != nil {
			return nil, err
		}
	}
	i := slices.IndexFunc(formats, func(f format) bool { return f.name == name })
	page, err := formats[i].parse(doc)
	if err != nil {
		return nil, locate(err, doc, name)
	}
	page.Format, page.URL = name, doc.URL
	for k := range page.Incidents {
		in := &page.Incidents[k]
		in.Source = doc.Source
		in.Sort()
		if err := in.Validate(time.Time{}); err != nil {
			return nil, &ParseError{Source: doc.Source, URL: doc.URL, Format: name, Err: err}
		}
	}
	return page, nil
}

// locate makes err say where it happened: the *ParseError in its chain, or
// a new one around it, gets whichever of doc's source and URL and the
// format it lacks.
func locate(err error, doc Document, name Format) error {
	var pe *ParseError
	if !errors.As(err, &pe) {
		pe = &ParseError{Err: err}
		err = pe
	}
	if pe.Source == "" {
		pe.Source = doc.Source
	}
	if pe.URL == "" {
		pe.URL = doc.URL
	}
	if pe.Format == "" {
		pe.Format = name
	}
	return err
}

func joinFormats() string {
	var names []string
	for _, f := range Formats() {
		names = append(names, string(f))
	}
	return strings.Join(names, ", ")
}

// describe says in a few words what a document looks like, for errors.
func describe(doc Document) string {
	ct := doc.ContentType
	if ct == "" {
		ct = "no content type"
	}
	head := bytes.TrimSpace(doc.Body)
	if len(head) > 40 {
		head = head[:40]
	}
	return fmt.Sprintf("%s, %d bytes, starting %q", ct, len(doc.Body), head)
}

// challengeMarks are what bot challenges and login walls put in a page
// instead of content: Cloudflare's "Just a moment...", its captcha and
// browser-check markers, other vendors' equivalents, a password field
// (status pages have none; a title saying "Login" may be an incident's).
var challengeMarks = []struct{ mark, why string }{
	{"<title>just a moment...</title>", "cloudflare challenge"},
	{"<title>attention required! | cloudflare</title>", "cloudflare block page"},
	{"cf-browser-verification", "cloudflare browser check"},
	{"challenges.cloudflare.com", "cloudflare challenge"},
	{"cf_chl_opt", "cloudflare challenge"},
	{"_incapsula_resource", "incapsula challenge"},
	{"<title>access denied</title>", "access denied page"},
	{"px-captcha", "perimeterx captcha"},
	{"g-recaptcha", "captcha"},
	{"h-captcha", "captcha"},
	{`type="password"`, "login form"},
	{`type='password'`, "login form"},
	{`type=password`, "login form"},
}

// blocked says why body looks like a challenge or login page, or "" when
// it does not. Only the head of a page is looked at: a status page whose
// incident text mentions a captcha is still a status page.
func blocked(body []byte) string {
	head := body
	if len(head) > 16<<10 {
		head = head[:16<<10]
	}
	lower := bytes.ToLower(head)
	for _, c := range challengeMarks {
		if bytes.Contains(lower, []byte(c.mark)) {
			return c.why
		}
	}
	return ""
}
