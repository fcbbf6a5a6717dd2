package main

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/notify"
)

// delivery is one request a webhook received.
type delivery struct {
	event, id, timestamp, signature string
	status                          int // what the webhook answered
	body                            []byte
}

// webhook is a loopback receiver that records every delivery and answers
// the statuses it is given in turn, then 200. When hold is set, the first
// request hangs until it is closed.
type webhook struct {
	srv     *httptest.Server
	mu      sync.Mutex
	answers []int
	hold    chan struct{}
	got     []delivery
}

func newWebhook(t *testing.T, answers ...int) *webhook {
	t.Helper()
	w := &webhook{answers: answers}
	w.srv = httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.mu.Lock()
		status := http.StatusOK
		if len(w.answers) > 0 {
			status, w.answers = w.answers[0], w.answers[1:]
		}
		w.got = append(w.got, delivery{event: r.Header.Get(notify.HeaderEvent), id: r.Header.Get(notify.HeaderDelivery),
			timestamp: r.Header.Get(notify.HeaderTimestamp), signature: r.Header.Get(notify.HeaderSignature), status: status, body: body})
		hold := w.hold
		if len(w.got) > 1 {
			hold = nil
		}
		w.mu.Unlock()
		if hold != nil {
			select {
			case <-hold:
			case <-r.Context().Done():
			}
		}
		rw.WriteHeader(status)
	}))
	t.Cleanup(w.srv.Close)
	return w
}

// deliveries returns what was received; acknowledged only, when ok.
func (w *webhook) deliveries(ok bool) []delivery {
	w.mu.Lock()
	defer w.mu.Unlock()
	var out []delivery
	for _, d := range w.got {
		if !ok || d.status/100 == 2 {
			out = append(out, d)
		}
	}
	return out
}

// events lists the acknowledged deliveries' events.
func (w *webhook) events() []string {
	var out []string
	for _, d := range w.deliveries(true) {
		out = append(out, d.event)
	}
	return out
}

// verify checks a delivery's signature the way a receiver would.
func verify(secret string, d delivery) bool {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(d.timestamp + "." + string(d.body)))
	return hmac.Equal([]byte(d.signature), []byte("sha256="+hex.EncodeToString(m.Sum(nil))))
}

// notifyingDaemon is a daemon over a fresh archive with one source and
// the given webhooks, for tests that call runSource and deliverDue
// themselves.
func notifyingDaemon(t *testing.T, tr http.RoundTripper, src Source, hooks ...notify.Webhook) (*daemon, *syncBuffer, *http.Client) {
	t.Helper()
	cfg := &Config{StaleAfter: 3, Concurrency: 1, Sources: []Source{src}, Notify: Notify{Webhooks: hooks}}
	logs := &syncBuffer{}
	d := newDaemon(testMain(tr), zerolog.New(logs), filepath.Join(t.TempDir(), "archive.db"), "", cfg)
	client := notify.NewClient(tr, 5*time.Second)
	return d, logs, client
}

func mustDeliver(t *testing.T, d *daemon, client *http.Client) {
	t.Helper()
	if _, err := d.deliverDue(t.Context(), client); err != nil {
		t.Fatalf("deliverDue: %v", err)
	}
}

func pending(t *testing.T, path string) []archive.Notification {
	t.Helper()
	db, err := archive.Open(path, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ns, err := db.Outbox(t.Context(), time.Now().Add(1000*time.Hour), 0)
	if err != nil {
		t.Fatal(err)
	}
	return ns
}

// TestNotifyNewAndEdited: the first scrape is a baseline and notifies
// nothing; a new incident and an edit each reach each webhook exactly
// once, however often delivery runs; the JSON webhook's signature
// verifies; the Slack webhook gets only the events it asked for, as text.
func TestNotifyNewAndEdited(t *testing.T) {
	tr := noLeaks(t)
	site := &scripted{incidents: baseline()}
	srv := httptest.NewServer(site)
	defer srv.Close()
	jsonHook, slackHook := newWebhook(t), newWebhook(t)
	const secret = "s3cret"
	d, logs, client := notifyingDaemon(t, tr, testSource(t, "acme", srv.URL+"/api/v2/incidents.json", "@hourly"),
		notify.Webhook{URL: jsonHook.srv.URL + "/hook", Secret: secret},
		notify.Webhook{URL: slackHook.srv.URL + "/services/T0/B0/TOKEN", Format: notify.FormatSlack, Events: []string{archive.EventEdited}})
	defer client.CloseIdleConnections()

	steps := []struct {
		name      string
		edit      func(s *scripted)
		wantJSON  []string // every event the JSON webhook has acknowledged so far
		wantSlack []string
	}{
		{"baseline", func(*scripted) {}, nil, nil},
		{"unchanged", func(*scripted) {}, nil, nil},
		{"incident added", func(s *scripted) {
			s.incidents = append(s.incidents, apiIncident{ID: "cccccccccccc", Name: "Dashboard <slow> & failing", Status: "investigating", Impact: "minor",
				Created: stamp("10", "08:00"), Updates: []apiUpdate{upd("c1", "investigating", "The dashboard is slow to load.", "10", "08:00")}})
		}, []string{"new_incident"}, nil},
		{"body edited", func(s *scripted) {
			s.find("aaaaaaaaaaaa").Updates[1].Body = "A faulty load balancer in one zone was taken out of rotation."
		}, []string{"new_incident", "edited"}, []string{"edited"}},
		{"unchanged again", func(*scripted) {}, []string{"new_incident", "edited"}, []string{"edited"}},
	}
	for _, step := range steps {
		site.edit(step.edit)
		d.runSource(t.Context(), "acme")
		mustDeliver(t, d, client)
		mustDeliver(t, d, client) // a second round must not repeat anything
		if got := jsonHook.events(); !slices.Equal(got, step.wantJSON) {
			t.Errorf("%s: JSON webhook got %q, want %q", step.name, got, step.wantJSON)
		}
		if got := slackHook.events(); !slices.Equal(got, step.wantSlack) {
			t.Errorf("%s: Slack webhook got %q, want %q", step.name, got, step.wantSlack)
		}
	}
	if n := pending(t, d.path); len(n) != 0 {
		t.Errorf("%d notifications left in the outbox, want 0", len(n))
	}

	got := jsonHook.deliveries(true)
	if len(got) != 2 {
		t.Fatalf("JSON webhook: %d deliveries, want 2", len(got))
	}
	for _, dl := range got {
		if !verify(secret, dl) {
			t.Errorf("%s delivery %s: signature %q does not verify with the secret", dl.event, dl.id, dl.signature)
		}
		if verify("wrong", dl) {
			t.Errorf("signature verifies with the wrong secret")
		}
	}
	if got[0].id == got[1].id {
		t.Errorf("both deliveries have id %s, want one each", got[0].id)
	}
	var body struct {
		Event    string `json:"event"`
		Source   string `json:"source"`
		Incident struct {
			ID    string `json:"id"`
			Title string `json:"title"`
		} `json:"incident"`
	}
	if err := json.Unmarshal(got[0].body, &body); err != nil || body.Event != "new_incident" || body.Source != "acme" ||
		body.Incident.ID != "cccccccccccc" || body.Incident.Title != "Dashboard <slow> & failing" {
		t.Errorf("new incident payload = %s (%v), want event, source and the incident", got[0].body, err)
	}
	var slack map[string]string
	sd := slackHook.deliveries(true)
	if err := json.Unmarshal(sd[0].body, &slack); err != nil || !strings.Contains(slack["text"], "[acme] Edited by the vendor: *API errors in eu-west*") {
		t.Errorf("Slack body = %s (%v), want text naming the edit", sd[0].body, err)
	}
	if sd[0].signature != "" {
		t.Errorf("Slack webhook without a secret got signature %q", sd[0].signature)
	}
	if n := logs.count(t, "notification delivered", "acme"); n != 2 {
		t.Errorf("%d 'notification delivered' lines, want 2", n)
	}
}

// TestNotifyStaleOnce: three failures in a row make a source stale:
// exactly one stale notification, however many failures follow; the
// first good run after them, exactly one recovered.
func TestNotifyStaleOnce(t *testing.T) {
	tr := noLeaks(t)
	s := newSite(t, 0)
	hook := newWebhook(t)
	d, _, client := notifyingDaemon(t, tr, testSource(t, "flaky", s.url(), "@hourly"), notify.Webhook{URL: hook.srv.URL})
	defer client.CloseIdleConnections()

	run := func(n int, failing bool) {
		s.failing.Store(failing)
		for range n {
			d.runSource(t.Context(), "flaky")
			mustDeliver(t, d, client)
		}
	}
	run(1, false)
	run(2, true)
	if got := hook.events(); len(got) != 0 {
		t.Errorf("after 2 failures: %q, want nothing yet", got)
	}
	run(4, true)
	if got, want := hook.events(), []string{"stale"}; !slices.Equal(got, want) {
		t.Errorf("after 6 failures: %q, want %q", got, want)
	}
	run(3, false)
	if got, want := hook.events(), []string{"stale", "recovered"}; !slices.Equal(got, want) {
		t.Errorf("after recovery: %q, want %q", got, want)
	}
	var body struct {
		Event    string `json:"event"`
		Source   string `json:"source"`
		Failures int    `json:"failures"`
		Text     string `json:"text"`
	}
	if err := json.Unmarshal(hook.deliveries(true)[0].body, &body); err != nil || body.Source != "flaky" || body.Failures != 3 || !strings.Contains(body.Text, "last 3 runs all failed") {
		t.Errorf("stale payload = %+v (%v), want source flaky, 3 failures", body, err)
	}
}

// TestNotifyGivesUp: a notification older than the backoff's MaxAge is
// not sent; it moves to the dead letters with one error line.
func TestNotifyGivesUp(t *testing.T) {
	tr := noLeaks(t)
	hook := newWebhook(t)
	d, logs, client := notifyingDaemon(t, tr, testSource(t, "acme", "https://acme.example/", "@hourly"), notify.Webhook{URL: hook.srv.URL})
	defer client.CloseIdleConnections()
	now := d.m.Now()
	err := d.withDB(func(db *archive.DB) error {
		for _, at := range []time.Time{now.Add(-25 * time.Hour), now.Add(-23 * time.Hour)} {
			if _, err := db.Notify(t.Context(), archive.Notification{Event: archive.EventStale, Source: "acme", At: at, Text: "stale"}); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	mustDeliver(t, d, client)
	mustDeliver(t, d, client)
	if got := hook.deliveries(false); len(got) != 1 || !strings.HasPrefix(got[0].id, "2-") {
		t.Errorf("deliveries %+v, want only the 23 h old notification (id 2)", got)
	}
	if n := logs.count(t, "notification given up: not delivered in time; kept with the dead letters", "acme"); n != 1 {
		t.Errorf("%d give-up lines, want 1", n)
	}
	db, err := archive.Open(d.path, archive.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	dead, err := db.DeadLetters(t.Context(), 0)
	if err != nil || len(dead) != 1 || dead[0].ID != 1 {
		t.Errorf("dead letters = %+v (%v), want notification 1", dead, err)
	}
}

// TestNotifyRetriesWithoutBlocking runs the daemon with a webhook that
// hangs on the first attempt and answers 500 to it and the next two, then
// 200: while the webhook hangs the other source goes on being scraped and
// archived on its schedule, and the notification arrives once, after
// three retries.
func TestNotifyRetriesWithoutBlocking(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the daemon for a few seconds")
	}
	tr := noLeaks(t)
	site := &scripted{incidents: baseline()}
	srv := httptest.NewServer(site)
	defer srv.Close()
	other := newSite(t, 0)
	hook := newWebhook(t, 500, 500, 500)
	hook.hold = make(chan struct{})
	var release sync.Once
	defer release.Do(func() { close(hook.hold) })
	cfg := &Config{StaleAfter: 3, Concurrency: 2, Notify: Notify{Webhooks: []notify.Webhook{{URL: hook.srv.URL}}}, Sources: []Source{
		testSource(t, "watched", srv.URL+"/api/v2/incidents.json", "@every 1s"),
		testSource(t, "other", other.url(), "@every 1s"),
	}}
	logs := &syncBuffer{}
	d := newDaemon(testMain(tr), zerolog.New(logs), filepath.Join(t.TempDir(), "archive.db"), "", cfg)
	d.grace = 5 * time.Second
	d.notes.every = 100 * time.Millisecond
	d.notes.backoff = notify.Backoff{First: 200 * time.Millisecond, Max: 400 * time.Millisecond, MaxAge: time.Hour}
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- d.serve(ctx, nil) }()

	waitFor(t, "the baseline run", func() bool { return logs.count(t, "run", "watched") > 0 })
	site.edit(func(s *scripted) {
		s.incidents = append(s.incidents, apiIncident{ID: "cccccccccccc", Name: "Dashboard slow", Status: "investigating", Impact: "minor",
			Created: stamp("10", "08:00"), Updates: []apiUpdate{upd("c1", "investigating", "The dashboard is slow to load.", "10", "08:00")}})
	})
	waitFor(t, "the first attempt", func() bool { return len(hook.deliveries(false)) > 0 })
	hung := time.Now()
	runsAtFirst := logs.count(t, "run", "other")
	waitFor(t, "two runs of the other source while the webhook hangs", func() bool { return logs.count(t, "run", "other") >= runsAtFirst+2 })
	t.Logf("the other source ran twice in the %v the webhook hung", time.Since(hung))
	release.Do(func() { close(hook.hold) })
	waitFor(t, "the delivery", func() bool { return len(hook.deliveries(true)) > 0 })
	time.Sleep(1500 * time.Millisecond) // time enough for a wrong second delivery
	cancel()
	if err := <-served; err != nil {
		t.Fatalf("serve = %v, want nil", err)
	}

	all := hook.deliveries(false)
	var attempts []string
	for _, dl := range all {
		attempts = append(attempts, dl.event+":"+dl.id+":"+strconv.Itoa(dl.status))
	}
	if len(all) != 4 || len(hook.deliveries(true)) != 1 {
		t.Errorf("attempts %q, want 3 refused then 1 acknowledged", attempts)
	}
	for _, dl := range all {
		if dl.id != all[0].id || dl.event != "new_incident" {
			t.Errorf("attempt %s/%s, want every attempt to be new_incident %s: one notification, retried", dl.event, dl.id, all[0].id)
		}
	}
	if n := logs.count(t, "notification not delivered: will retry", "watched"); n != 3 {
		t.Errorf("%d retry warnings, want 3", n)
	}
}

// TestNotifyHelperProcess is not a test: TestNotifyAfterCrash runs the
// daemon in a child process through it, and has the child kill itself
// right after the run that committed its Nth batch of changes, before
// delivery could start.
func TestNotifyHelperProcess(t *testing.T) {
	if os.Getenv("STATUSARCHIVE_NOTIFY_HELPER") != "1" {
		t.Skip("runs the daemon for TestNotifyAfterCrash")
	}
	killAt, _ := strconv.Atoi(os.Getenv("STATUSARCHIVE_KILL_AT"))
	cfgPath, dbPath := os.Getenv("STATUSARCHIVE_CONFIG"), os.Getenv("STATUSARCHIVE_DB")
	cfg, err := LoadConfig(cfgPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(3)
	}
	m := NewMain(os.Stdout, os.Stderr)
	m.Transport = loopbackTransport()
	d := newDaemon(m, zerolog.New(os.Stderr), dbPath, cfgPath, cfg)
	d.notes.every = time.Hour // only runs wake delivery
	changed := 0
	d.notes.afterCommit = func(run archive.Run) {
		if run.Good() && run.New+run.Changed+run.Deleted+run.Restored > 0 {
			changed++
			if changed == killAt {
				fmt.Fprintln(os.Stderr, `{"message":"killing myself after the commit"}`)
				_ = syscall.Kill(os.Getpid(), syscall.SIGKILL)
				select {}
			}
		}
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := d.serve(ctx, nil); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// TestNotifyAfterCrash kills the daemon between the commit of a run that
// added one incident and edited another and the delivery of their
// notifications; the next daemon delivers each exactly once.
func TestNotifyAfterCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	site := &scripted{incidents: baseline()}
	srv := httptest.NewServer(site)
	defer srv.Close()
	hook := newWebhook(t)
	dir := t.TempDir()
	cfgPath, dbPath := filepath.Join(dir, "sources.yaml"), filepath.Join(dir, "archive.db")
	cfg := fmt.Sprintf("sources:\n  - name: acme\n    url: %s/api/v2/incidents.json\n    schedule: '@every 1s'\n    limits: {delay: 0s}\n"+
		"notify:\n  webhooks:\n    - url: %s/hook\n      secret_env: STATUSARCHIVE_TEST_SECRET\n", srv.URL, hook.srv.URL)
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	daemon := func(killAt int) (*exec.Cmd, *syncBuffer) {
		cmd := exec.CommandContext(t.Context(), os.Args[0], "-test.run=^TestNotifyHelperProcess$")
		cmd.Env = append(os.Environ(), "STATUSARCHIVE_NOTIFY_HELPER=1", "STATUSARCHIVE_KILL_AT="+strconv.Itoa(killAt),
			"STATUSARCHIVE_CONFIG="+cfgPath, "STATUSARCHIVE_DB="+dbPath, "STATUSARCHIVE_TEST_SECRET=s3cret")
		logs := &syncBuffer{}
		cmd.Stderr = logs
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd, logs
	}

	// The first daemon: the baseline, then the run with the changes, and
	// it dies.
	first, logs := daemon(2)
	waitFor(t, "the baseline run", func() bool { return logs.count(t, "run", "acme") > 0 })
	site.edit(func(s *scripted) {
		s.incidents = append(s.incidents, apiIncident{ID: "cccccccccccc", Name: "Dashboard slow", Status: "investigating", Impact: "minor",
			Created: stamp("10", "08:00"), Updates: []apiUpdate{upd("c1", "investigating", "The dashboard is slow to load.", "10", "08:00")}})
		s.find("aaaaaaaaaaaa").Updates[1].Body = "A faulty load balancer in one zone was taken out of rotation."
	})
	err := first.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ProcessState.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("first daemon ended with %v, want killed by SIGKILL; stderr:\n%s", err, logs.buf.String())
	}
	if got := hook.deliveries(false); len(got) != 0 {
		t.Fatalf("%d deliveries before the crash, want 0: the child died before delivering", len(got))
	}
	var queued []string
	for _, n := range pending(t, dbPath) {
		queued = append(queued, n.Event+" "+n.IncidentID)
	}
	slices.Sort(queued)
	if want := []string{"edited aaaaaaaaaaaa", "new_incident cccccccccccc"}; !slices.Equal(queued, want) {
		t.Fatalf("outbox after the crash = %q, want %q", queued, want)
	}

	// The second daemon delivers them, once each, and keeps scraping.
	second, logs := daemon(0)
	waitFor(t, "two deliveries", func() bool { return len(hook.deliveries(true)) >= 2 })
	waitFor(t, "two more runs", func() bool { return logs.count(t, "run", "acme") >= 2 })
	if err := second.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := second.Wait(); err != nil {
		t.Errorf("second daemon after SIGTERM = %v, want exit 0; stderr:\n%s", err, logs.buf.String())
	}
	var events []string
	for _, dl := range hook.deliveries(false) {
		events = append(events, dl.event)
		if !verify("s3cret", dl) {
			t.Errorf("delivery %s: the signature does not verify", dl.id)
		}
	}
	slices.Sort(events)
	if want := []string{"edited", "new_incident"}; !slices.Equal(events, want) {
		t.Errorf("deliveries after the restart = %q, want exactly %q", events, want)
	}
	if n := pending(t, dbPath); len(n) != 0 {
		t.Errorf("%d notifications left in the outbox, want 0", len(n))
	}
}

// TestNotifyConfig reads the notify section: every kind of webhook entry,
// and each problem at its line and column.
func TestNotifyConfig(t *testing.T) {
	t.Setenv("STATUSARCHIVE_TEST_HOOK_SECRET", "from-env")
	t.Setenv("STATUSARCHIVE_TEST_EMPTY", "")
	const head = "sources:\n  - url: https://a.example/\nnotify:\n  webhooks:\n"
	good := head +
		"    - url: https://hooks.example/x\n      secret: inline\n" +
		"    - url: https://hooks.slack.example/services/T/B/C\n      format: slack\n      events: [stale, recovered]\n" +
		"    - url: http://127.0.0.1:9/h\n      secret_env: STATUSARCHIVE_TEST_HOOK_SECRET\n      format: json\n"
	cfg, problems := ParseConfig([]byte(good))
	if len(problems) != 0 {
		t.Fatalf("good notify section: %v", problems)
	}
	want := []notify.Webhook{
		{URL: "https://hooks.example/x", Secret: "inline"},
		{URL: "https://hooks.slack.example/services/T/B/C", Format: "slack", Events: []string{"stale", "recovered"}},
		{URL: "http://127.0.0.1:9/h", Secret: "from-env", Format: "json"},
	}
	if got := fmt.Sprintf("%+v", cfg.Notify.Webhooks); got != fmt.Sprintf("%+v", want) {
		t.Errorf("webhooks = %s, want %+v", got, want)
	}

	for _, tc := range []struct {
		name, yaml string
		want       []string // "line:column phrase"
	}{
		{"unknown notify key", "sources:\n  - url: https://a.example/\nnotify:\n  email: me@example.com\n", []string{"4:3 unknown key \"email\""}},
		{"webhooks not a list", head[:len(head)-1] + " https://hooks.example/\n", []string{"4:13 webhooks: want a list"}},
		{"unknown webhook key", head + "    - url: https://hooks.example/\n      retries: 3\n", []string{"6:7 unknown key \"retries\""}},
		{"missing url", head + "    - format: json\n", []string{"5:7 missing url"}},
		{"bad scheme", head + "    - url: ftp://hooks.example/\n", []string{"5:12 scheme \"ftp\""}},
		{"credentials", head + "    - url: https://u:p@hooks.example/\n", []string{"5:12 credentials"}},
		{"bad format", head + "    - url: https://hooks.example/\n      format: xml\n", []string{"6:15 format \"xml\""}},
		{"unknown event", head + "    - url: https://hooks.example/\n      events: [new_incident, exploded]\n", []string{"6:30 event \"exploded\""}},
		{"empty events", head + "    - url: https://hooks.example/\n      events: []\n", []string{"6:15 the list is empty"}},
		{"both secrets", head + "    - url: https://hooks.example/\n      secret: a\n      secret_env: STATUSARCHIVE_TEST_HOOK_SECRET\n", []string{"7:19 not both"}},
		{"unset secret_env", head + "    - url: https://hooks.example/\n      secret_env: STATUSARCHIVE_TEST_EMPTY\n", []string{"6:19 not set or empty"}},
		{"duplicate", head + "    - url: https://hooks.example/\n    - url: https://hooks.example/\n", []string{"6:7 the same url and format as the one at line 5"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, problems := ParseConfig([]byte(tc.yaml))
			var got []string
			for _, p := range problems {
				got = append(got, p.String())
			}
			if len(got) != len(tc.want) {
				t.Fatalf("problems = %q, want %d: %q", got, len(tc.want), tc.want)
			}
			for i, w := range tc.want {
				pos, phrase, _ := strings.Cut(w, " ")
				if !strings.HasPrefix(got[i], pos+": ") || !strings.Contains(got[i], phrase) {
					t.Errorf("problem %d = %q, want at %s containing %q", i, got[i], pos, phrase)
				}
				if strings.Contains(got[i], "u:p@") {
					t.Errorf("problem %q repeats the URL's credentials", got[i])
				}
			}
		})
	}
}
