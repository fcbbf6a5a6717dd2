package parser

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// signals is what the bot-challenge check and the HTML sniffers ask of a
// whole tree, read in one walk per document (memoized in its view) instead
// of one walk or selector match over the tree each. Each field says which
// test it answers; each is read as that test reads (the selectors with
// cascadia's rules, the others as attrOf and classes read attributes).
type signals struct {
	// blocked is blocked's answer: why the page looks like a challenge,
	// or "".
	blocked string
	// statuspage holds the Statuspage class names (spClass bits) some
	// element carries, in any case, as classes() reads them.
	statuspage uint
	// history is the first element whose data-react-class is
	// HistoryIndex (historyElement).
	history *html.Node
	// nextData is the first script#__NEXT_DATA__.
	nextData *html.Node
	// Better Stack: .status-report-page .status-update, .status-history.
	bsReportUpdate, bsHistory bool
	// status.io: #statusio_incident .incident_update, #statusio_history,
	// h5 > a[href*="/pages/incident/"].
	sioIncidentUpdate, sioHistory, sioHistoryLink bool
	// Hund.io: aside.state-bar, section.groups section.group,
	// section.history, a[href^="https://hund.io"].
	hundStateBar, hundGroup, hundHistory, hundLink bool
}

// The Statuspage class names the sniffers ask about, as bits of
// signals.statuspage.
const (
	spIncidentUpdatesContainer uint = 1 << iota
	spUpdateRow
	spIncidentName
	spStatusDay
	spUnresolvedIncident
	spScheduledMaintenance
)

var spClassNames = []struct {
	name string
	bit  uint
}{
	{"incident-updates-container", spIncidentUpdatesContainer},
	{"update-row", spUpdateRow},
	{"incident-name", spIncidentName},
	{"status-day", spStatusDay},
	{"unresolved-incident", spUnresolvedIncident},
	{"scheduled-maintenance", spScheduledMaintenance},
}

// spClassBit is the bit of the Statuspage class tok names, lower-cased as
// strings.ToLower would (no name holds a k, the one ASCII letter a
// non-ASCII rune lower-cases to, so ASCII folding is the same), or 0.
func spClassBit(tok string) uint {
	for _, c := range spClassNames {
		if len(tok) == len(c.name) && asciiEqualFold(tok, c.name) {
			return c.bit
		}
	}
	return 0
}

// hasSPClass reports whether doc's tree has an element with the Statuspage
// class of bit.
func hasSPClass(doc Document, bit uint) bool {
	s := doc.signals()
	return s != nil && s.statuspage&bit != 0
}

// signals is doc's signals, read once per view; nil when doc is not an
// HTML document.
func (doc Document) signals() *signals {
	return memoize(doc, "signals", func() *signals {
		if doc.syntax() != syntaxHTML {
			return nil
		}
		root, err := doc.html()
		if err != nil {
			return nil
		}
		s := &signals{}
		s.walk(root, walkState{})
		return s
	})
}

// walkState is what signals' walk knows of a node's ancestors.
type walkState struct {
	reportPage, statusioIncident, sectionGroups bool
	parentH5                                    bool
}

func (s *signals) walk(n *html.Node, st walkState) {
	for ; n != nil; n = n.NextSibling {
		if n.Type != html.ElementNode {
			if n.FirstChild != nil {
				s.walk(n.FirstChild, walkState{reportPage: st.reportPage, statusioIncident: st.statusioIncident, sectionGroups: st.sectionGroups})
			}
			continue
		}
		below := s.element(n, st)
		if n.FirstChild != nil {
			s.walk(n.FirstChild, below)
		}
	}
}

// element reads one element's signals; st is what its ancestors hold. It
// returns what its children's ancestors hold.
func (s *signals) element(n *html.Node, st walkState) walkState {
	below := walkState{reportPage: st.reportPage, statusioIncident: st.statusioIncident, sectionGroups: st.sectionGroups, parentH5: n.Data == "h5"}
	why := ""
	if s.blocked == "" {
		why = blockedTag(n)
	}
	// Attributes as attrOf reads them: the first of each name, without
	// namespace, name in any case.
	haveClass, haveID, haveReact := false, false, false
	classWhy, idWhy := "", ""
	for i := range n.Attr {
		a := &n.Attr[i]
		// As cascadia reads them: every attribute of the exact name.
		cascadiaClass := false
		switch a.Key {
		case "class":
			cascadiaClass = true
		case "id":
			switch a.Val {
			case "statusio_history":
				s.sioHistory = true
			case "statusio_incident":
				below.statusioIncident = true
			case "__NEXT_DATA__":
				if n.Data == "script" && s.nextData == nil {
					s.nextData = n
				}
			}
		case "href":
			if n.Data == "a" && strings.TrimSpace(a.Val) != "" {
				if st.parentH5 && strings.Contains(a.Val, "/pages/incident/") {
					s.sioHistoryLink = true
				}
				if strings.HasPrefix(a.Val, "https://hund.io") {
					s.hundLink = true
				}
			}
		}
		attrClass := false
		if a.Namespace == "" {
			switch {
			case !haveClass && attrKeyIs(a.Key, "class"):
				haveClass, attrClass = true, true
			case !haveID && attrKeyIs(a.Key, "id"):
				haveID = true
				idWhy = blockToken(strings.TrimSpace(a.Val))
			case !haveReact && attrKeyIs(a.Key, "data-react-class"):
				haveReact = true
				if s.history == nil && strings.EqualFold(strings.TrimSpace(a.Val), "HistoryIndex") {
					s.history = n
				}
			}
		}
		if !cascadiaClass && !attrClass {
			continue
		}
		// The two readings split a class list alike unless it holds a
		// vertical tab or a non-ASCII byte (white space to strings.Fields
		// only): then each splits its own way.
		if !asciiNoVT(a.Val) {
			if cascadiaClass {
				s.classTokens(n, a.Val, st, &below, true, false, &classWhy)
			}
			if attrClass {
				for tok := range strings.FieldsSeq(a.Val) {
					s.classToken(n, tok, st, &below, false, true, &classWhy)
				}
			}
			continue
		}
		s.classTokens(n, a.Val, st, &below, cascadiaClass, attrClass, &classWhy)
	}
	if s.blocked != "" {
		return below
	}
	// A captcha bound to a form's button (the subscribe form's invisible
	// reCAPTCHA) guards that form, not the page; a challenge shows the
	// widget in a container of its own.
	if why == "" && n.DataAtom != atom.Input && n.DataAtom != atom.Button {
		why = classWhy
		if why == "" {
			why = idWhy
		}
	}
	s.blocked = why
	return below
}

// asciiNoVT reports whether s is ASCII without a vertical tab.
func asciiNoVT(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] == '\v' {
			return false
		}
	}
	return true
}

// classTokens reads each token of a class list split at " \t\r\n\f" (as
// cascadia splits it; strings.Fields splits a list without \v or non-ASCII
// bytes the same way).
func (s *signals) classTokens(n *html.Node, class string, st walkState, below *walkState, cascadia, attr bool, why *string) {
	start := -1
	for i := 0; i <= len(class); i++ {
		if i < len(class) && !isClassSpace(class[i]) {
			if start < 0 {
				start = i
			}
			continue
		}
		if start >= 0 {
			s.classToken(n, class[start:i], st, below, cascadia, attr, why)
			start = -1
		}
	}
}

func isClassSpace(c byte) bool {
	return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f'
}

// classToken reads one class token: as cascadia reads class selectors
// (cascadia), and as classes() and the challenge check read the class
// attribute (attr).
func (s *signals) classToken(n *html.Node, tok string, st walkState, below *walkState, cascadia, attr bool, why *string) {
	if attr {
		s.statuspage |= spClassBit(tok)
		if *why == "" {
			*why = blockToken(tok)
		}
	}
	if !cascadia {
		return
	}
	switch tok {
	case "status-update":
		s.bsReportUpdate = s.bsReportUpdate || st.reportPage
	case "status-history":
		s.bsHistory = true
	case "status-report-page":
		below.reportPage = true
	case "incident_update":
		s.sioIncidentUpdate = s.sioIncidentUpdate || st.statusioIncident
	case "state-bar":
		s.hundStateBar = s.hundStateBar || n.Data == "aside"
	case "groups":
		below.sectionGroups = below.sectionGroups || n.Data == "section"
	case "group":
		s.hundGroup = s.hundGroup || n.Data == "section" && st.sectionGroups
	case "history":
		s.hundHistory = s.hundHistory || n.Data == "section"
	}
}

// blockedTag says why an element's tag and what it holds look like a
// challenge's (a title, a password field, a challenge script or frame),
// or "".
func blockedTag(n *html.Node) string {
	switch n.DataAtom {
	case atom.Title:
		if w, ok := blockTitles[strings.ToLower(foldSpace(nodeText(n)))]; ok {
			return w
		}
	case atom.Input:
		if strings.EqualFold(strings.TrimSpace(attrOf(n, "type")), "password") {
			return "login form"
		}
	case atom.Script:
		return blockScript(n)
	case atom.Iframe:
		if containsFoldASCII(attrOf(n, "src"), "challenges.cloudflare.com") {
			return "cloudflare challenge"
		}
	}
	return ""
}
