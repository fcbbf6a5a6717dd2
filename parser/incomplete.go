package parser

import "errors"

// DetailError is the failure of a page fetched to complete an incident (a
// Follow with Reason FollowDetail): it could not be detected, was blocked,
// or did not parse. The incident is not lost: the list page that asked for
// the page has its record, which the run keeps, marked Incomplete
// (MarkIncomplete), and the next run asks for the page again. Parse returns
// it around the usual *ParseError, so errors.As and errors.Is see both.
type DetailError struct {
	// Follow is the request that fetched the page: its URL, fallback and
	// the id of the incident it was to complete (Follow.Incident, when the
	// list page's parser knows it).
	Follow Follow
	URL    string // the page's final URL
	Err    error
}

func (e *DetailError) Error() string {
	what := "incident's own page"
	if e.Follow.Incident != "" {
		what = "page of incident " + e.Follow.Incident
	}
	return what + ": " + e.Err.Error()
}

func (e *DetailError) Unwrap() error { return e.Err }

// MarkIncomplete finds, among incidents (one crawl's records of one
// source, as Merge returns them), the one whose own page failed as err
// says, and marks it Incomplete: the list page's record stands in for it.
// The incident is found by the id the list page's follow carried, else by
// its URL (the follow's URL, its fallback, or the page's final URL). It
// reports whether err is a *DetailError and its incident was found; an
// incident is never invented.
func MarkIncomplete(incidents []Incident, err error) bool {
	var de *DetailError
	if !errors.As(err, &de) {
		return false
	}
	match := func(in Incident) bool {
		if de.Follow.Incident != "" {
			return in.ID == de.Follow.Incident
		}
		if in.URL == "" {
			return false
		}
		u := CanonicalURL(in.URL)
		for _, v := range []string{de.Follow.URL, de.Follow.Fallback, de.URL} {
			if v != "" && CanonicalURL(v) == u {
				return true
			}
		}
		return false
	}
	found := false
	for i := range incidents {
		if match(incidents[i]) {
			incidents[i].Incomplete, found = true, true
		}
	}
	return found
}
