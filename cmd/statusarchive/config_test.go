package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/notify"
	"github.com/statusarchive/statusarchive/parser"
)

func TestLoadConfigGood(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("testdata", "config", "good.yaml"))
	if err != nil {
		t.Fatalf("LoadConfig(good.yaml) = %v, want no error", err)
	}
	if cfg.StaleAfter != 4 || cfg.Concurrency != 2 {
		t.Errorf("stale_after, concurrency = %d, %d, want 4, 2", cfg.StaleAfter, cfg.Concurrency)
	}
	if len(cfg.Sources) != 3 {
		t.Fatalf("got %d sources, want 3", len(cfg.Sources))
	}
	workos, github, hourly := cfg.Sources[0], cfg.Sources[1], cfg.Sources[2]
	if workos.Name != "workos" || workos.Format != parser.FormatAuto || workos.Line != 5 {
		t.Errorf("workos = %q %q line %d, want workos auto line 5", workos.Name, workos.Format, workos.Line)
	}
	if got := strings.Join(workos.Components, "|"); got != "API|User Management" {
		t.Errorf("workos components = %q, want %q", got, "API|User Management")
	}
	if github.Name != "githubstatus.com" {
		t.Errorf("name derived from the URL = %q, want githubstatus.com", github.Name)
	}
	want := Limits{MaxPages: 10, Delay: 2 * time.Second, HasDelay: true, Timeout: 30 * time.Second, MaxBody: 8 << 20}
	if github.Limits != want {
		t.Errorf("github limits = %+v, want %+v", github.Limits, want)
	}
	if got := github.staleAfter(cfg); got != 6 {
		t.Errorf("github stale after = %d, want 6 (its own)", got)
	}
	if got := hourly.staleAfter(cfg); got != 4 {
		t.Errorf("hourly stale after = %d, want 4 (the file's)", got)
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	from := time.Date(2026, 6, 22, 14, 3, 0, 0, paris)
	if got, want := github.Schedule.Next(from), time.Date(2026, 6, 22, 14, 5, 0, 0, paris); !got.Equal(want) {
		t.Errorf("github next after %v = %v, want %v", from, got, want)
	}
	if got, want := workos.Schedule.Next(from), from.Add(15*time.Minute); !got.Equal(want) {
		t.Errorf("workos next after %v = %v, want %v", from, got, want)
	}
}

func TestParseConfigProblems(t *testing.T) {
	for _, tc := range []struct {
		name string
		yaml string
		// want is one "line:column phrase" per problem, in order.
		want []string
	}{
		{"unknown top-level key", "sources:\n  - url: https://a.example/\nretries: 3\n", []string{"3:1 unknown key \"retries\""}},
		{"unknown source key", "sources:\n  - url: https://a.example/\n    colour: blue\n", []string{"3:5 unknown key \"colour\""}},
		{"unknown limits key", "sources:\n  - url: https://a.example/\n    limits: {retries: 3}\n", []string{"3:14 unknown key \"retries\""}},
		{"bad cron spec", "sources:\n  - url: https://a.example/\n    schedule: '61 * * * *'\n", []string{"3:15 schedule"}},
		{"six fields", "sources:\n  - url: https://a.example/\n    schedule: '0 0 * * * *'\n", []string{"3:15 schedule"}},
		{"never fires", "sources:\n  - url: https://a.example/\n    schedule: '0 0 30 2 *'\n", []string{"3:15 never fires"}},
		{"zone without spec", "sources:\n  - url: https://a.example/\n    schedule: CRON_TZ=UTC\n", []string{"3:15 time zone"}},
		{"unknown zone", "sources:\n  - url: https://a.example/\n    schedule: CRON_TZ=Mars/Olympus 0 * * * *\n", []string{"3:15 schedule"}},
		{"every too short", "sources:\n  - url: https://a.example/\n    schedule: '@every 10ms'\n", []string{"3:15 @every"}},
		{"duplicate name", "sources:\n  - name: a\n    url: https://a.example/\n  - name: a\n    url: https://b.example/\n", []string{"4:5 duplicate name (first at line 2)"}},
		{"duplicate derived name", "sources:\n  - url: https://www.a.example/\n  - url: https://a.example/x\n", []string{"3:5 duplicate name"}},
		{"missing url", "sources:\n  - name: a\n", []string{"2:5 missing url"}},
		{"ftp url", "sources:\n  - url: ftp://a.example/\n", []string{"2:10 scheme \"ftp\""}},
		{"file url", "sources:\n  - url: file:///tmp/x.html\n", []string{"2:10 scheme \"file\""}},
		{"relative url", "sources:\n  - url: /history\n", []string{"2:10 scheme \"\""}},
		{"credentials", "sources:\n  - url: https://u:p@a.example/\n", []string{"2:10 credentials"}},
		{"bad name", "sources:\n  - name: a b\n    url: https://a.example/\n", []string{"2:11 character ' '"}},
		{"unknown format", "sources:\n  - url: https://a.example/\n    format: rss9\n", []string{"3:13 format \"rss9\""}},
		{"key twice", "sources:\n  - url: https://a.example/\n    url: https://b.example/\n", []string{"3:5 given twice"}},
		{"zero stale_after", "stale_after: 0\nsources:\n  - url: https://a.example/\n", []string{"1:14 stale_after"}},
		{"bad limits", "sources:\n  - url: https://a.example/\n    limits:\n      max_pages: -1\n      delay: soon\n      timeout: 0s\n      max_body: 10MB\n",
			[]string{"4:18 max_pages", "5:14 delay", "6:16 timeout", "7:17 max_body"}},
		{"from not an address", "from: the ops team\nsources:\n  - url: https://a.example/\n", []string{"1:7 from: want one e-mail address"}},
		{"from with a name", "from: Ops <ops@example.com>\nsources:\n  - url: https://a.example/\n", []string{"1:7 from: want one e-mail address"}},
		{"from with a newline", "from: \"ops@example.com\\r\\nX: y\"\nsources:\n  - url: https://a.example/\n", []string{"1:7 from: want one e-mail address"}},
		{"no sources", "stale_after: 3\n", []string{"1:1 no sources"}},
		{"empty sources", "sources: []\n", []string{"1:10 the list is empty"}},
		{"sources not a list", "sources: {a: 1}\n", []string{"1:10 want a list"}},
		{"not a mapping", "- a\n- b\n", []string{"1:1 want a mapping"}},
		{"empty file", "", []string{"1:1 empty file"}},
		{"syntax error", "sources:\n  - url: [\n", []string{"0:0 line"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := ParseConfig([]byte(tc.yaml))
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if len(got) != len(tc.want) {
				t.Fatalf("ParseConfig(%q) problems = %q, want %d like %q", tc.yaml, got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				pos, phrase, _ := strings.Cut(w, " ")
				var line, col int
				if _, err := fmt.Sscanf(pos, "%d:%d", &line, &col); err != nil {
					t.Fatal(err)
				}
				p := problems[i]
				if p.Line != line || p.Column != col || !strings.Contains(p.Msg, phrase) {
					t.Errorf("problem %d = %q, want %d:%d with %q", i, p, line, col, phrase)
				}
			}
		})
	}
}

// TestValidateReportsEveryProblem runs the command on a file with one of
// each problem the brief lists and checks that all come out in one go,
// each with its line, and that the exit status is 1.
func TestValidateReportsEveryProblem(t *testing.T) {
	var stdout, stderr bytes.Buffer
	m := NewMain(&stdout, &stderr)
	path := filepath.Join("testdata", "config", "bad.yaml")
	err := m.Run(t.Context(), []string{"validate", "--config", path})
	if !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("validate bad.yaml = %v, want ErrInvalidConfig", err)
	}
	if code := exitCode(err, devNull(t)); code != 1 {
		t.Errorf("exit status = %d, want 1", code)
	}
	want := []string{
		path + ":6:5: source: unknown key \"colour\"",
		path + ":9:15: schedule \"*/15 * * *\"",
		path + ":10:5: source \"workos\": duplicate name (first at line 4)",
		path + ":12:5: source: missing url",
		path + ":15:10: url \"ftp://status.example.com/\": scheme \"ftp\"",
		path + ":19:18: max_pages",
		path + ":20:14: delay",
		path + ":21:7: limits: unknown key \"retries\"",
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	if len(lines) != len(want) {
		t.Fatalf("validate printed %d lines:\n%s\nwant %d", len(lines), stdout.String(), len(want))
	}
	for i := range want {
		if !strings.HasPrefix(lines[i], want[i]) {
			t.Errorf("line %d = %q, want it to start with %q", i+1, lines[i], want[i])
		}
	}
}

func TestValidateGood(t *testing.T) {
	var stdout, stderr bytes.Buffer
	m := NewMain(&stdout, &stderr)
	if err := m.Run(t.Context(), []string{"validate", "--config", filepath.Join("testdata", "config", "good.yaml")}); err != nil {
		t.Fatalf("validate good.yaml = %v, want nil", err)
	}
	if got := stdout.String(); !strings.Contains(got, "3 sources, no problems") {
		t.Errorf("validate printed %q, want it to say 3 sources, no problems", got)
	}
}

func TestValidateUsage(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
	}{
		{"no config", []string{"validate"}},
		{"extra argument", []string{"validate", "--config", "x.yaml", "y"}},
		{"unknown flag", []string{"validate", "--confg", "x.yaml"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			err := NewMain(&out, &out).Run(t.Context(), tc.args)
			var ue *usageError
			if !errors.As(err, &ue) {
				t.Errorf("Run(%q) = %v, want a usage error", tc.args, err)
			}
		})
	}
	err := NewMain(&bytes.Buffer{}, &bytes.Buffer{}).Run(t.Context(), []string{"validate", "--config", filepath.Join(t.TempDir(), "missing.yaml")})
	if err == nil || errors.Is(err, ErrInvalidConfig) || !errors.Is(err, os.ErrNotExist) {
		t.Errorf("validate on a missing file = %v, want a not-exist error", err)
	}
}

func TestJitteredSchedule(t *testing.T) {
	a, b := defaultSchedule("workos"), defaultSchedule("githubstatus.com")
	if a == b {
		t.Errorf("two sources got the same slot %v", a)
	}
	if again := defaultSchedule("workos"); again != a {
		t.Errorf("defaultSchedule(workos) = %v then %v, want it stable", a, again)
	}
	from := time.Date(2026, 6, 22, 14, 3, 7, 0, time.UTC)
	prev := from
	for i := range 5 {
		next := a.Next(prev)
		if !next.After(prev) {
			t.Fatalf("Next(%v) = %v, want later", prev, next)
		}
		if i > 0 && next.Sub(prev) != defaultInterval {
			t.Errorf("Next(%v) = %v, %v apart, want %v", prev, next, next.Sub(prev), defaultInterval)
		}
		if off := time.Duration(next.UnixNano()) % defaultInterval; off != a.offset {
			t.Errorf("Next(%v) = %v at offset %v, want %v", prev, next, off, a.offset)
		}
		prev = next
	}
	if first := a.Next(from); first.Sub(from) > defaultInterval {
		t.Errorf("first slot after %v is %v, more than one interval away", from, first)
	}
	// Fifty sources spread over the interval: none of the 30 one-minute
	// buckets may hold more than a third of them.
	buckets := map[time.Duration]int{}
	for i := range 50 {
		buckets[defaultSchedule(strings.Repeat("s", i+1)).offset/time.Minute]++
	}
	for b, n := range buckets {
		if n > 16 {
			t.Errorf("%d of 50 sources fire in minute %d", n, b)
		}
	}
}

func TestParseSize(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"1024", 1024, true}, {"8MiB", 8 << 20, true}, {"512 KiB", 512 << 10, true}, {"1GiB", 1 << 30, true},
		{"0", 0, false}, {"-5", 0, false}, {"10MB", 0, false}, {"", 0, false}, {"99999999999GiB", 0, false},
	} {
		got, err := parseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v, want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func devNull(t *testing.T) *os.File {
	f, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// FuzzParseConfig: ParseConfig never panics, and a file it accepts gives
// sources that each have a unique valid name, an http(s) URL and a
// schedule that fires.
func FuzzParseConfig(f *testing.F) {
	for _, name := range []string{"good.yaml", "bad.yaml"} {
		b, err := os.ReadFile(filepath.Join("testdata", "config", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte("sources:\n  - url: https://a.example/\n    schedule: CRON_TZ=UTC\n"))
	f.Add([]byte("sources: &a\n  - *a\n"))
	f.Add([]byte("sources:\n  - url: https://a.example/\nnotify:\n  webhooks:\n    - url: https://h.example/x\n      secret: s\n      format: slack\n      events: [stale, edited]\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		cfg, problems := ParseConfig(b)
		if len(problems) > 0 {
			return
		}
		names := map[string]bool{}
		for _, s := range cfg.Sources {
			if err := checkSourceName(s.Name); err != nil || names[s.Name] {
				t.Errorf("accepted source name %q: %v (dup %v)", s.Name, err, names[s.Name])
			}
			names[s.Name] = true
			if err := checkSourceURL(s.URL); err != nil {
				t.Errorf("accepted url %q: %v", s.URL, err)
			}
			if s.Schedule == nil || s.Schedule.Next(time.Now()).IsZero() {
				t.Errorf("source %q has no usable schedule (spec %q)", s.Name, s.Spec)
			}
		}
		for _, w := range cfg.Notify.Webhooks {
			if err := checkWebhookURL(w.URL); err != nil || (w.Format != "" && w.Format != notify.FormatJSON && w.Format != notify.FormatSlack) {
				t.Errorf("accepted webhook %q format %q: %v", w.URL, w.Format, err)
			}
			for _, e := range w.Events {
				if !slices.Contains(archive.Events, e) {
					t.Errorf("accepted event %q", e)
				}
			}
		}
		if cfg.StaleAfter < 1 || cfg.Concurrency < 1 {
			t.Errorf("stale_after %d, concurrency %d", cfg.StaleAfter, cfg.Concurrency)
		}
	})
}

// TestExampleSourcesFile keeps the shipped example valid.
func TestExampleSourcesFile(t *testing.T) {
	cfg, err := LoadConfig(filepath.Join("..", "..", "docs", "sources.example.yaml"))
	if err != nil {
		t.Fatalf("docs/sources.example.yaml: %v", err)
	}
	if len(cfg.Sources) < 4 {
		t.Errorf("the example has %d sources, want a handful", len(cfg.Sources))
	}
}
