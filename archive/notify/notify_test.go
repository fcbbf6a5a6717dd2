package notify_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/diff"
	"github.com/statusarchive/statusarchive/archive/notify"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var t0 = time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)

// receiver is a loopback webhook that records what it gets and answers
// with the statuses it is given, then 200.
type receiver struct {
	mu       sync.Mutex
	srv      *httptest.Server
	answers  []int
	header   http.Header // sent with a non-2xx answer
	requests []*http.Request
	bodies   [][]byte
}

func newReceiver(t *testing.T, answers ...int) *receiver {
	r := &receiver{answers: answers, header: http.Header{}}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		r.requests = append(r.requests, req)
		r.bodies = append(r.bodies, body)
		status := http.StatusOK
		if len(r.answers) > 0 {
			status, r.answers = r.answers[0], r.answers[1:]
		}
		if status/100 == 3 {
			w.Header().Set("Location", "/elsewhere")
		}
		for k, v := range r.header {
			w.Header()[k] = v
		}
		w.WriteHeader(status)
		if status >= 400 {
			io.WriteString(w, "no thanks\x00\n")
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *receiver) got() ([]*http.Request, [][]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]*http.Request(nil), r.requests...), append([][]byte(nil), r.bodies...)
}

func note() archive.Notification {
	return archive.Notification{ID: 42, Event: archive.EventEdited, Source: "acme", IncidentID: "x1", At: t0,
		Payload: json.RawMessage(`{"id":42,"event":"edited","source":"acme"}`), Text: "[acme] Edited by the vendor: *API errors*"}
}

func sender(t *testing.T, hooks ...notify.Webhook) *notify.Sender {
	client := notify.NewClient(nil, 5*time.Second)
	t.Cleanup(client.CloseIdleConnections)
	return &notify.Sender{Client: client, Webhooks: hooks, UserAgent: "statusarchive-test", Now: func() time.Time { return t0 }}
}

// hmacHex is the signature scheme written out independently of Sign.
func hmacHex(secret, signed string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(signed))
	return hex.EncodeToString(m.Sum(nil))
}

func TestSendJSONSigned(t *testing.T) {
	r := newReceiver(t)
	hook := notify.Webhook{URL: r.srv.URL + "/hooks/T0KEN", Secret: "s3cret"}
	n := note()
	acked, err := sender(t, hook).Send(context.Background(), n)
	if err != nil || len(acked) != 1 || acked[0] != hook.Key() {
		t.Fatalf("Send = %q, %v; want [%s], nil", acked, err, hook.Key())
	}
	reqs, bodies := r.got()
	if len(reqs) != 1 {
		t.Fatalf("%d requests, want 1", len(reqs))
	}
	req, body := reqs[0], bodies[0]
	if string(body) != string(n.Payload) {
		t.Errorf("body = %s, want the payload %s", body, n.Payload)
	}
	ts := strconv.FormatInt(t0.Unix(), 10)
	payloadSum := sha256.Sum256(n.Payload)
	for name, want := range map[string]string{
		"Content-Type":              "application/json",
		"User-Agent":                "statusarchive-test",
		"X-Statusarchive-Event":     "edited",
		"X-Statusarchive-Delivery":  "42-" + hex.EncodeToString(payloadSum[:6]),
		"X-Statusarchive-Timestamp": ts,
		"X-Statusarchive-Signature": "sha256=" + hmacHex("s3cret", ts+"."+string(body)),
	} {
		if got := req.Header.Get(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
	if req.Method != http.MethodPost || req.URL.Path != "/hooks/T0KEN" {
		t.Errorf("request %s %s, want POST /hooks/T0KEN", req.Method, req.URL.Path)
	}
	if got := notify.Sign("s3cret", t0.Unix(), body); got != req.Header.Get(notify.HeaderSignature) {
		t.Errorf("Sign = %s, want what was sent", got)
	}
}

func TestSendSlackUnsigned(t *testing.T) {
	r := newReceiver(t)
	n := note()
	if _, err := sender(t, notify.Webhook{URL: r.srv.URL, Format: notify.FormatSlack}).Send(context.Background(), n); err != nil {
		t.Fatal(err)
	}
	reqs, bodies := r.got()
	var got map[string]string
	if err := json.Unmarshal(bodies[0], &got); err != nil || len(got) != 1 || got["text"] != n.Text {
		t.Errorf("slack body = %s (%v), want {\"text\": %q}", bodies[0], err, n.Text)
	}
	if sig := reqs[0].Header.Get(notify.HeaderSignature); sig != "" {
		t.Errorf("signature %q without a secret, want none", sig)
	}
}

// TestSendPerWebhook: the event filter, the webhooks that already
// acknowledged, and a failing webhook that does not stop the others.
func TestSendPerWebhook(t *testing.T) {
	ok, failing, staleOnly, done := newReceiver(t), newReceiver(t, 500), newReceiver(t), newReceiver(t)
	hooks := []notify.Webhook{
		{URL: ok.srv.URL},
		{URL: failing.srv.URL + "/secret-path"},
		{URL: staleOnly.srv.URL, Events: []string{archive.EventStale}},
		{URL: done.srv.URL, Format: notify.FormatSlack},
	}
	n := note()
	n.Acked = []string{hooks[3].Key()}
	s := sender(t, hooks...)
	acked, err := s.Send(context.Background(), n)
	if len(acked) != 1 || acked[0] != hooks[0].Key() {
		t.Errorf("acked = %q, want only the first webhook's %s", acked, hooks[0].Key())
	}
	var e *notify.Error
	if !errors.As(err, &e) || e.Status != 500 || !errors.Is(err, notify.ErrRejected) {
		t.Fatalf("Send error = %v, want a *notify.Error with status 500 wrapping ErrRejected", err)
	}
	if strings.Contains(err.Error(), "secret-path") || strings.Contains(err.Error(), "\x00") {
		t.Errorf("error %q shows the webhook's path or raw bytes", err)
	}
	for name, r := range map[string]*receiver{"ok": ok, "failing": failing, "stale only": staleOnly, "already acknowledged": done} {
		reqs, _ := r.got()
		want := map[string]int{"ok": 1, "failing": 1}[name]
		if len(reqs) != want {
			t.Errorf("%s webhook got %d requests, want %d", name, len(reqs), want)
		}
	}
	n.Acked = append(n.Acked, acked...)
	if !s.Pending(n) {
		t.Errorf("Pending = false with the failing webhook still owed it")
	}
	n.Acked = append(n.Acked, hooks[1].Key())
	if s.Pending(n) {
		t.Errorf("Pending = true once every webhook that wants it acknowledged it")
	}
}

func TestSendFailures(t *testing.T) {
	closed := httptest.NewServer(http.NotFoundHandler())
	closedURL := closed.URL + "/hooks/T0KEN"
	closed.Close()
	tests := []struct {
		name       string
		answers    []int
		retryAfter string
		url        string
		wantStatus int
		wantRetry  time.Duration
	}{
		{name: "server error", answers: []int{500}, wantStatus: 500},
		{name: "redirect is not followed", answers: []int{302}, wantStatus: 302},
		{name: "rate limited, seconds", answers: []int{429}, retryAfter: "120", wantStatus: 429, wantRetry: 2 * time.Minute},
		{name: "unavailable, http date", answers: []int{503}, retryAfter: t0.Add(90 * time.Second).Format(http.TimeFormat), wantStatus: 503, wantRetry: 90 * time.Second},
		{name: "retry-after ignored on 500", answers: []int{500}, retryAfter: "120", wantStatus: 500},
		{name: "connection refused", url: closedURL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := newReceiver(t, tt.answers...)
			if tt.retryAfter != "" {
				r.header.Set("Retry-After", tt.retryAfter)
			}
			url := r.srv.URL + "/hooks/T0KEN"
			if tt.url != "" {
				url = tt.url
			}
			acked, err := sender(t, notify.Webhook{URL: url}).Send(context.Background(), note())
			var e *notify.Error
			if len(acked) != 0 || !errors.As(err, &e) {
				t.Fatalf("Send = %q, %v; want no ack and a *notify.Error", acked, err)
			}
			if e.Status != tt.wantStatus || e.RetryAfter != tt.wantRetry {
				t.Errorf("error status %d, retry after %v; want %d, %v", e.Status, e.RetryAfter, tt.wantStatus, tt.wantRetry)
			}
			if strings.Contains(err.Error(), "T0KEN") {
				t.Errorf("error %q shows the webhook's token", err)
			}
		})
	}
}

func TestBackoff(t *testing.T) {
	b := notify.Backoff{First: 30 * time.Second, Max: time.Hour, MaxAge: 24 * time.Hour}
	tests := []struct {
		attempts int
		err      error
		min, max time.Duration
	}{
		{1, nil, 15 * time.Second, 30 * time.Second},
		{2, nil, 30 * time.Second, time.Minute},
		{3, nil, time.Minute, 2 * time.Minute},
		{8, nil, 30 * time.Minute, time.Hour},
		{50, nil, 30 * time.Minute, time.Hour},
		{1, &notify.Error{Status: 429, RetryAfter: 10 * time.Minute}, 10 * time.Minute, 10 * time.Minute},
		{1, errors.Join(errors.New("other"), &notify.Error{Status: 503, RetryAfter: 5 * time.Hour}), time.Hour, time.Hour},
		{8, &notify.Error{Status: 429, RetryAfter: time.Second}, 30 * time.Minute, time.Hour},
	}
	for _, tt := range tests {
		for range 50 {
			got := b.Next(tt.attempts, tt.err, t0).Sub(t0)
			if got < tt.min || got > tt.max {
				t.Fatalf("Next(%d, %v) = now+%v, want between %v and %v", tt.attempts, tt.err, got, tt.min, tt.max)
			}
		}
	}
	n := note()
	if b.Expired(n, t0.Add(24*time.Hour)) || !b.Expired(n, t0.Add(24*time.Hour+time.Second)) {
		t.Errorf("Expired: want false at exactly MaxAge, true after")
	}
}

// TestEventsAreDiffKinds checks that the archive's incident events are the
// names diff gives the same kinds of change, which Announce relies on.
func TestEventsAreDiffKinds(t *testing.T) {
	for _, c := range []struct {
		event string
		kind  diff.ChangeKind
	}{
		{archive.EventNewIncident, diff.ChangeNewIncident},
		{archive.EventNewUpdate, diff.ChangeNewUpdate},
		{archive.EventEdited, diff.ChangeEdited},
		{archive.EventDeleted, diff.ChangeDeleted},
		{archive.EventRestored, diff.ChangeRestored},
	} {
		if c.event != string(c.kind) {
			t.Errorf("event %q, want diff's %q", c.event, c.kind)
		}
	}
}
