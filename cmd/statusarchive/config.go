package main

import (
	"bytes"
	"errors"
	"fmt"
	"hash/fnv"
	"net/mail"
	"net/url"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/robfig/cron/v3"
	"go.yaml.in/yaml/v3"

	"github.com/statusarchive/statusarchive/parser"
	"github.com/statusarchive/statusarchive/scraper"
)

// The defaults of a sources file.
const (
	// defaultInterval is how often a source without a schedule runs.
	defaultInterval = 30 * time.Minute
	// defaultStaleAfter is how many failed runs in a row mark a source stale.
	defaultStaleAfter = 3
	// defaultConcurrency is how many sources the daemon scrapes at once.
	defaultConcurrency = 4
)

// ErrInvalidConfig means a sources file has problems; ConfigError lists
// them with their lines.
var ErrInvalidConfig = errors.New("invalid sources file")

// Config is a sources file: what the daemon scrapes and when.
type Config struct {
	// StaleAfter is how many failed runs in a row mark a source stale.
	StaleAfter int
	// Concurrency is the most runs the daemon lets go at once.
	Concurrency int
	Sources     []Source
	// Notify is where the daemon sends notifications; none when empty.
	Notify Notify
	// From is the contact sent as the From header of every request (RFC
	// 9110 §10.1.2), so that a vendor's operator can reach whoever runs
	// this daemon. Every source carries it too.
	From string
	// Notes are things worth saying about a valid file, such as a source
	// on a loopback address, allowed because it is written explicitly.
	Notes []Problem
}

// Source is one entry of a sources file.
type Source struct {
	Name   string
	URL    string
	Format parser.Format
	// Spec is the schedule as written; "" means the default: every 30
	// minutes at an offset derived from the name.
	Spec string
	// Schedule is Spec parsed.
	Schedule cron.Schedule
	// Components, when not empty, are the components the user follows:
	// each new or changed incident that names one gets a log line and a
	// count. Every incident is archived all the same.
	Components []string
	// StaleAfter overrides the file's stale_after when above zero.
	StaleAfter int
	Limits     Limits
	// From is the sources file's contact, sent as the From header.
	From string
	// AllowPrivateNetworks lets this source's requests reach loopback,
	// private and link-local addresses (allow_private_networks: true).
	AllowPrivateNetworks bool
	// Line is where the entry starts in the file.
	Line int
}

// Limits are a source's scraper settings; zero values keep the scraper's
// defaults.
type Limits struct {
	MaxPages int
	// Delay is the pause between two requests to one host; it counts only
	// when HasDelay is set, since 0 is a valid delay.
	Delay    time.Duration
	HasDelay bool
	Timeout  time.Duration
	MaxBody  int64
	// SweepPeriod is how long the re-verification sweep takes to re-check
	// the source's whole history (sweep_period); 0 is 7 days.
	SweepPeriod time.Duration
}

// staleAfter is the number of failed runs in a row that marks s stale.
func (s Source) staleAfter(c *Config) int {
	if s.StaleAfter > 0 {
		return s.StaleAfter
	}
	return c.StaleAfter
}

// Problem is one thing wrong in a sources file, at a line and column
// (both 1-based; 0 when the problem has no place, such as a YAML syntax
// error, whose message carries the line).
type Problem struct {
	Line, Column int
	Msg          string
}

func (p Problem) String() string {
	if p.Line == 0 {
		return p.Msg
	}
	return fmt.Sprintf("%d:%d: %s", p.Line, p.Column, p.Msg)
}

// ConfigError is every problem found in one sources file.
type ConfigError struct {
	Path     string
	Problems []Problem
}

func (e *ConfigError) Error() string {
	var b strings.Builder
	if len(e.Problems) == 1 {
		fmt.Fprintf(&b, "%s: 1 problem", e.Path)
	} else {
		fmt.Fprintf(&b, "%s: %d problems", e.Path, len(e.Problems))
	}
	for _, p := range e.Problems {
		fmt.Fprintf(&b, "\n  %s:%s", e.Path, p)
	}
	return b.String()
}

func (e *ConfigError) Unwrap() error { return ErrInvalidConfig }

// LoadConfig reads and checks the sources file at path. A file with
// problems returns a *ConfigError that lists all of them.
func LoadConfig(path string) (*Config, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read sources file: %w", err)
	}
	cfg, problems := ParseConfig(b)
	if len(problems) > 0 {
		return nil, &ConfigError{Path: path, Problems: problems}
	}
	return cfg, nil
}

// ParseConfig parses a sources file and returns every problem it finds,
// sorted by line. The config is usable only when there are none.
//
// The file is walked as a yaml.Node tree rather than decoded into structs
// so that every problem, unknown keys included, carries its line, and so
// that one problem does not hide the next.
func ParseConfig(b []byte) (*Config, []Problem) {
	c := &configParser{cfg: &Config{StaleAfter: defaultStaleAfter, Concurrency: defaultConcurrency}}
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return nil, []Problem{{Msg: syntaxError(b, err)}}
	}
	if doc.Kind == 0 || len(doc.Content) == 0 {
		return nil, []Problem{{Line: 1, Column: 1, Msg: "empty file: want a mapping with a sources list"}}
	}
	c.top(doc.Content[0])
	slices.SortStableFunc(c.problems, func(a, b Problem) int {
		if a.Line != b.Line {
			return a.Line - b.Line
		}
		return a.Column - b.Column
	})
	return c.cfg, c.problems
}

// configParser collects a Config and the problems found on the way.
type configParser struct {
	cfg      *Config
	problems []Problem
}

func (c *configParser) addf(n *yaml.Node, format string, args ...any) {
	c.problems = append(c.problems, Problem{Line: n.Line, Column: n.Column, Msg: fmt.Sprintf(format, args...)})
}

// fields walks a mapping node, calling set for each known key and
// reporting unknown and repeated keys.
func (c *configParser) fields(n *yaml.Node, what string, known []string, set func(key string, v *yaml.Node)) {
	if n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind != yaml.MappingNode {
		c.addf(n, "%s: want a mapping, got %s", what, kindName(n))
		return
	}
	seen := map[string]bool{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			c.addf(k, "%s: keys must be plain names", what)
			continue
		}
		if k.Value == "<<" {
			c.addf(k, "%s: merge keys (<<) are not supported", what)
			continue
		}
		if !slices.Contains(known, k.Value) {
			c.addf(k, "%s: unknown key %q (known: %s)", what, k.Value, strings.Join(known, ", "))
			continue
		}
		if seen[k.Value] {
			c.addf(k, "%s: key %q given twice", what, k.Value)
			continue
		}
		seen[k.Value] = true
		if v.Kind == yaml.AliasNode {
			v = v.Alias
		}
		set(k.Value, v)
	}
}

func (c *configParser) top(n *yaml.Node) {
	var sources *yaml.Node
	c.fields(n, "sources file", []string{"stale_after", "concurrency", "from", "sources", "notify"}, func(key string, v *yaml.Node) {
		switch key {
		case "from":
			c.cfg.From = c.mailbox(v, key)
		case "notify":
			c.cfg.Notify = c.notify(v)
		case "stale_after":
			c.cfg.StaleAfter = c.positiveInt(v, key)
		case "concurrency":
			c.cfg.Concurrency = c.positiveInt(v, key)
		case "sources":
			sources = v
		}
	})
	if n.Kind != yaml.MappingNode {
		return
	}
	if sources == nil {
		c.addf(n, "no sources: add a sources list")
		return
	}
	if sources.Kind != yaml.SequenceNode {
		c.addf(sources, "sources: want a list, got %s", kindName(sources))
		return
	}
	if len(sources.Content) == 0 {
		c.addf(sources, "sources: the list is empty")
	}
	names := map[string]int{}
	for _, item := range sources.Content {
		s, ok := c.source(item)
		if s.Name != "" {
			if first, dup := names[s.Name]; dup {
				c.addf(item, "source %q: duplicate name (first at line %d)", s.Name, first)
				continue
			}
			names[s.Name] = s.Line
		}
		if ok {
			c.cfg.Sources = append(c.cfg.Sources, s)
		}
	}
	for i := range c.cfg.Sources {
		c.cfg.Sources[i].From = c.cfg.From
	}
}

var sourceKeys = []string{"name", "url", "format", "schedule", "components", "stale_after", "limits", "allow_private_networks"}

// source reads one entry of the sources list. ok is false when the entry
// is unusable; its problems have been added.
func (c *configParser) source(n *yaml.Node) (s Source, ok bool) {
	before := len(c.problems)
	s = Source{Format: parser.FormatAuto, Line: n.Line}
	var urlNode, nameNode, specNode *yaml.Node
	c.fields(n, "source", sourceKeys, func(key string, v *yaml.Node) {
		switch key {
		case "name":
			s.Name, nameNode = c.str(v, key), v
		case "url":
			s.URL, urlNode = c.str(v, key), v
		case "format":
			s.Format = parser.Format(c.str(v, key))
			if s.Format != "" && checkFormat(string(s.Format)) != nil {
				c.addf(v, "format %q: want auto or one of %s", s.Format, formatList())
			}
		case "schedule":
			s.Spec, specNode = c.str(v, key), v
		case "components":
			s.Components = c.strList(v, key)
		case "stale_after":
			s.StaleAfter = c.positiveInt(v, key)
		case "limits":
			s.Limits = c.limits(v)
		case "allow_private_networks":
			s.AllowPrivateNetworks = c.boolean(v, key)
		}
	})
	if n.Kind != yaml.MappingNode {
		return s, false
	}
	urlOK := false
	switch {
	case urlNode == nil:
		c.addf(n, "source: missing url")
	case s.URL != "":
		if err := checkSourceURL(s.URL); err != nil {
			c.addf(urlNode, "url %q: %v", s.URL, err)
		} else if c.checkNetwork(urlNode, s.URL, s.AllowPrivateNetworks) {
			urlOK = true
		}
	}
	switch {
	case nameNode != nil:
		if err := checkSourceName(s.Name); err != nil {
			c.addf(nameNode, "name %q: %v", s.Name, err)
		}
	case urlOK:
		s.Name = sourceName(s.URL)
		if err := checkSourceName(s.Name); err != nil {
			c.addf(urlNode, "name %q derived from the url: %v: give the source a name", s.Name, err)
		}
	}
	if specNode != nil {
		sched, err := parseSchedule(s.Spec)
		if err != nil {
			c.addf(specNode, "schedule %q: %v", s.Spec, err)
		}
		s.Schedule = sched
	} else {
		s.Schedule = defaultSchedule(s.Name)
	}
	return s, len(c.problems) == before
}

var limitKeys = []string{"max_pages", "delay", "timeout", "max_body", "sweep_period"}

func (c *configParser) limits(n *yaml.Node) Limits {
	var l Limits
	c.fields(n, "limits", limitKeys, func(key string, v *yaml.Node) {
		switch key {
		case "max_pages":
			l.MaxPages = c.positiveInt(v, key)
		case "delay":
			l.Delay, l.HasDelay = c.duration(v, key, true), true
		case "timeout":
			l.Timeout = c.duration(v, key, false)
		case "max_body":
			l.MaxBody = c.size(v, key)
		case "sweep_period":
			l.SweepPeriod = c.duration(v, key, false)
		}
	})
	return l
}

func (c *configParser) str(v *yaml.Node, key string) string {
	if v.Kind != yaml.ScalarNode || v.Tag == "!!null" {
		c.addf(v, "%s: want a string, got %s", key, kindName(v))
		return ""
	}
	if strings.TrimSpace(v.Value) == "" {
		c.addf(v, "%s: empty", key)
	}
	return strings.TrimSpace(v.Value)
}

// mailbox reads a contact for the From header: one e-mail address, such
// as ops@example.com (RFC 9110 §10.1.2 asks for a mailbox).
func (c *configParser) mailbox(v *yaml.Node, key string) string {
	s := c.str(v, key)
	if s == "" {
		return ""
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Name != "" || strings.ContainsAny(s, "\r\n<>") {
		c.addf(v, "%s: want one e-mail address such as ops@example.com, got %q", key, s)
		return ""
	}
	return a.Address
}

func (c *configParser) boolean(v *yaml.Node, key string) bool {
	var b bool
	if v.Kind != yaml.ScalarNode || v.Tag != "!!bool" || v.Decode(&b) != nil {
		c.addf(v, "%s: want true or false, got %q", key, v.Value)
	}
	return b
}

// checkNetwork refuses a URL whose host is an internal IP address, in any
// spelling, unless allowPrivate; a loopback address written plainly is
// allowed with a note. Host names are checked when they are dialed. It
// reports whether the URL passed.
func (c *configParser) checkNetwork(n *yaml.Node, raw string, allowPrivate bool) bool {
	u, err := url.Parse(raw)
	if err != nil {
		return false
	}
	explicit, err := scraper.CheckHost(u.Hostname(), allowPrivate)
	if err != nil {
		c.addf(n, "url: %v", err)
		return false
	}
	if explicit {
		c.cfg.Notes = append(c.cfg.Notes, Problem{Line: n.Line, Column: n.Column,
			Msg: fmt.Sprintf("note: %s is a loopback address written in the URL: allowed", u.Host)})
	}
	return true
}

func (c *configParser) strList(v *yaml.Node, key string) []string {
	if v.Kind != yaml.SequenceNode {
		c.addf(v, "%s: want a list of strings, got %s", key, kindName(v))
		return nil
	}
	var out []string
	for _, item := range v.Content {
		if s := c.str(item, key); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func (c *configParser) positiveInt(v *yaml.Node, key string) int {
	var i int
	if v.Kind != yaml.ScalarNode || v.Tag != "!!int" || v.Decode(&i) != nil || i < 1 {
		c.addf(v, "%s: want a whole number of 1 or more, got %q", key, v.Value)
		return 0
	}
	return i
}

func (c *configParser) duration(v *yaml.Node, key string, zeroOK bool) time.Duration {
	d, err := time.ParseDuration(v.Value)
	if v.Kind != yaml.ScalarNode || err != nil || d < 0 || (d == 0 && !zeroOK) {
		c.addf(v, "%s: want a duration such as 2s or 1m30s, got %q", key, v.Value)
		return 0
	}
	return d
}

// size reads a byte count: a whole number, or one with a KiB, MiB or GiB
// suffix.
func (c *configParser) size(v *yaml.Node, key string) int64 {
	n, err := parseSize(v.Value)
	if v.Kind != yaml.ScalarNode || err != nil {
		c.addf(v, "%s: want a size in bytes such as 10485760 or 10MiB, got %q", key, v.Value)
		return 0
	}
	return n
}

func parseSize(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}} {
		if rest, ok := strings.CutSuffix(s, u.suffix); ok {
			s, mult = strings.TrimSpace(rest), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		return 0, err
	}
	if n < 1 || n > (1<<62)/mult {
		return 0, fmt.Errorf("size %d out of range", n)
	}
	return n * mult, nil
}

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		if n.Tag == "!!null" {
			return "nothing"
		}
		return fmt.Sprintf("%q", n.Value)
	}
	return "something else"
}

// checkSourceURL accepts absolute http and https URLs with a host.
func checkSourceURL(raw string) error {
	return checkHTTPURL(raw, "credentials in the URL are not allowed")
}

// checkHTTPURL accepts absolute http and https URLs with a host and no
// credentials; credentials is what to say when it has some. Its errors
// never quote the URL: a Slack webhook's path is its token.
func checkHTTPURL(raw, credentials string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme %q: want http or https", u.Scheme)
	}
	if u.Host == "" || u.Hostname() == "" {
		return errors.New("no host")
	}
	if u.User != nil {
		return errors.New(credentials)
	}
	return nil
}

// checkSourceName accepts names that are safe as archive keys, metric
// labels and log fields: letters, digits and . _ - :, at most 64 of them.
func checkSourceName(name string) error {
	if name == "" {
		return errors.New("empty: give the source a name")
	}
	if len(name) > 64 {
		return errors.New("longer than 64 characters")
	}
	for _, r := range name {
		if r > unicode.MaxASCII || !(unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-:", r)) {
			return fmt.Errorf("character %q: use letters, digits and . _ - : only", r)
		}
	}
	return nil
}

// parseSchedule parses a cron spec in the standard 5-field form, a
// descriptor (@hourly, @every 30m) or either after CRON_TZ=Zone.
func parseSchedule(spec string) (sched cron.Schedule, err error) {
	spec = strings.TrimSpace(spec)
	if strings.HasPrefix(spec, "TZ=") || strings.HasPrefix(spec, "CRON_TZ=") {
		// cron v3.0.1 slices out of range on a zone with nothing after it.
		if !strings.Contains(spec, " ") {
			return nil, errors.New("a time zone must be followed by a schedule")
		}
	}
	if rest, ok := strings.CutPrefix(spec, "@every "); ok {
		d, err := time.ParseDuration(strings.TrimSpace(rest))
		if err != nil || d < time.Second {
			return nil, errors.New("@every wants a duration of 1s or more, such as @every 30m")
		}
	}
	sched, err = cron.ParseStandard(spec)
	if err != nil {
		return nil, err
	}
	// A spec such as "0 0 30 2 *" parses but never fires.
	if sched.Next(time.Now()).IsZero() {
		return nil, errors.New("never fires")
	}
	return sched, nil
}

// jittered is the default schedule: every interval, at an offset within
// the interval that is fixed per source, so that many sources do not fire
// together and a restart does not move a source's slot.
type jittered struct {
	every, offset time.Duration
}

func defaultSchedule(name string) jittered {
	h := fnv.New64a()
	h.Write([]byte(name))
	offset := time.Duration(h.Sum64()%uint64(defaultInterval/time.Second)) * time.Second
	return jittered{every: defaultInterval, offset: offset}
}

// Next returns the first slot after t: a time whose distance from the Unix
// epoch, less the offset, is a multiple of every.
func (j jittered) Next(t time.Time) time.Time {
	since := t.Sub(time.Unix(0, 0).Add(j.offset))
	slots := since / j.every
	next := time.Unix(0, 0).Add(j.offset + (slots+1)*j.every)
	if !next.After(t) {
		next = next.Add(j.every)
	}
	return next.In(t.Location())
}

// yamlLine is the "line N: " the YAML parser puts in its syntax errors.
var yamlLine = regexp.MustCompile(`\bline (\d+): `)

// syntaxError is the YAML parser's message for err with the line of the
// problem. For some errors (a key indented one space short, an unclosed
// flow collection) the parser names the line where the enclosing block
// began, counted from 0: "line 1" for a problem on line 4. The problem's
// line is the first at which the file's beginning fails to parse with the
// same message.
func syntaxError(b []byte, err error) string {
	msg := err.Error()
	loc := yamlLine.FindStringSubmatchIndex(msg)
	if loc == nil {
		return msg
	}
	want := msg[loc[1]:]
	lines := bytes.SplitAfter(b, []byte("\n"))
	for k := 1; k <= len(lines) && k <= 10_000; k++ {
		var doc yaml.Node
		perr := yaml.Unmarshal(bytes.Join(lines[:k], nil), &doc)
		if perr == nil {
			continue
		}
		if pm := perr.Error(); yamlLine.MatchString(pm) && pm[yamlLine.FindStringIndex(pm)[1]:] == want {
			return msg[:loc[2]] + strconv.Itoa(k) + msg[loc[3]:]
		}
	}
	return msg
}
