// Package notify delivers the archive's notifications to webhooks over
// HTTP: a JSON body (the payload the archive rendered) or Slack's
// {"text": …}, signed with HMAC-SHA256 when the webhook has a secret.
// Announce decides, inside the archive's ingest transaction, what an
// incident's new version tells readers and writes its text. Round is one
// delivery round: it reads due notifications from the outbox, lets the
// archive go while Send posts them, and reports the outcomes back
// (Delivered, Retry at Backoff.Next, or Abandon once Backoff.Expired).
// The daemon runs a round on a ticker.
//
// # Requests
//
// Each delivery is one POST with these headers:
//
//	Content-Type               application/json
//	User-Agent                 Sender.UserAgent
//	X-Statusarchive-Event      the event: new_incident, new_update, edited,
//	                           deleted, restored, stale, recovered
//	X-Statusarchive-Delivery   DeliveryID: the notification's id and a hash
//	                           of its payload, the same on every retry and
//	                           never reused, even by an archive restored
//	                           from a backup; receivers dedupe on it
//	X-Statusarchive-Timestamp  Unix seconds when the request was signed
//	X-Statusarchive-Signature  sha256=<hex HMAC-SHA256(secret, timestamp
//	                           "." body)>, only when the webhook has a secret
//
// A receiver recomputes the signature over the timestamp header, a dot and
// the raw body, compares it in constant time, and refuses a timestamp more
// than a few minutes old (replay protection). Any 2xx answer acknowledges
// the delivery; anything else, a redirect included, or a network error is
// retried.
package notify

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/statusarchive/statusarchive/archive"
)

// Formats of a webhook's body.
const (
	FormatJSON  = "json"  // the notification's payload
	FormatSlack = "slack" // {"text": the notification's text}
)

// Header names of a delivery.
const (
	HeaderEvent     = "X-Statusarchive-Event"
	HeaderDelivery  = "X-Statusarchive-Delivery"
	HeaderTimestamp = "X-Statusarchive-Timestamp"
	HeaderSignature = "X-Statusarchive-Signature"
)

// maxErrorBody is how much of a failed answer's body an error quotes.
const maxErrorBody = 200

// Webhook is one receiver of notifications.
type Webhook struct {
	URL string
	// Secret, when set, signs every request (HeaderSignature).
	Secret string
	// Format is FormatJSON (also when empty) or FormatSlack.
	Format string
	// Events, when not empty, are the only events it receives.
	Events []string
}

// Key identifies the webhook in the outbox's list of those that have
// acknowledged a notification: a hash of its URL and format, so that the
// archive never stores the URL (Slack's carry a token).
func (w Webhook) Key() string {
	sum := sha256.Sum256([]byte(w.format() + " " + w.URL))
	return hex.EncodeToString(sum[:8])
}

// Wants reports whether the webhook receives event.
func (w Webhook) Wants(event string) bool {
	return len(w.Events) == 0 || slices.Contains(w.Events, event)
}

// Redacted is the webhook's URL without its path, query or credentials:
// what logs and errors may show.
func (w Webhook) Redacted() string {
	u, err := url.Parse(w.URL)
	if err != nil || u.Host == "" {
		return "(invalid webhook URL)"
	}
	return u.Scheme + "://" + u.Host + "/…"
}

func (w Webhook) format() string {
	if w.Format == "" {
		return FormatJSON
	}
	return w.Format
}

// Sender posts notifications to webhooks.
type Sender struct {
	// Client sends the requests; it should have a timeout and should not
	// follow redirects (NewClient). Nil means NewClient(nil, 10s).
	Client    *http.Client
	Webhooks  []Webhook
	UserAgent string
	// Now stamps signatures; default time.Now.
	Now func() time.Time
}

// NewClient returns a client for webhooks over transport (nil: the
// default) that gives up on a request after timeout and treats a redirect
// as an answer: a webhook that moved must be configured again, not
// followed with the signed body.
func NewClient(transport http.RoundTripper, timeout time.Duration) *http.Client {
	return &http.Client{
		Transport:     transport,
		Timeout:       timeout,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Error is one webhook's failure to take a delivery.
type Error struct {
	Webhook string // redacted URL
	Status  int    // the HTTP status, 0 for a network error
	// RetryAfter is what a 429 or 503 answer asked for; 0 when it did not.
	RetryAfter time.Duration
	Err        error
}

func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("webhook %s: answered %d: %v", e.Webhook, e.Status, e.Err)
	}
	return fmt.Sprintf("webhook %s: %v", e.Webhook, e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrRejected means a webhook answered with a status other than 2xx.
var ErrRejected = errors.New("delivery not acknowledged")

// Send posts n to every webhook that wants its event and has not
// acknowledged it yet (n.Acked), one after the other. It returns the keys
// of the webhooks that acknowledged it now, and an error joining an *Error
// for each that did not. A notification no webhook wants is done: no
// request, no error.
func (s *Sender) Send(ctx context.Context, n archive.Notification) (acked []string, err error) {
	var errs []error
	for _, w := range s.Webhooks {
		if !w.Wants(n.Event) || slices.Contains(n.Acked, w.Key()) {
			continue
		}
		if err := s.post(ctx, w, n); err != nil {
			errs = append(errs, err)
			continue
		}
		acked = append(acked, w.Key())
	}
	return acked, errors.Join(errs...)
}

// Pending reports whether some webhook still wants n.
func (s *Sender) Pending(n archive.Notification) bool {
	for _, w := range s.Webhooks {
		if w.Wants(n.Event) && !slices.Contains(n.Acked, w.Key()) {
			return true
		}
	}
	return false
}

// post makes one delivery of n to w.
func (s *Sender) post(ctx context.Context, w Webhook, n archive.Notification) error {
	fail := func(status int, err error) error { return &Error{Webhook: w.Redacted(), Status: status, Err: err} }
	body, err := Body(w.format(), n)
	if err != nil {
		return fail(0, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
	if err != nil {
		return fail(0, errors.New("invalid webhook URL"))
	}
	req.Header.Set("Content-Type", "application/json")
	if s.UserAgent != "" {
		req.Header.Set("User-Agent", s.UserAgent)
	}
	req.Header.Set(HeaderEvent, n.Event)
	req.Header.Set(HeaderDelivery, DeliveryID(n))
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	ts := now().Unix()
	req.Header.Set(HeaderTimestamp, strconv.FormatInt(ts, 10))
	if w.Secret != "" {
		req.Header.Set(HeaderSignature, Sign(w.Secret, ts, body))
	}
	client := s.Client
	if client == nil {
		client = NewClient(nil, 10*time.Second)
	}
	resp, err := client.Do(req)
	if err != nil {
		// A *url.Error repeats the URL, which may carry a token: keep
		// only what went wrong.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return fail(0, err)
	}
	defer resp.Body.Close()
	snippet, _ := io.ReadAll(io.LimitReader(resp.Body, maxErrorBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10)) // let the connection be reused
	if resp.StatusCode >= 200 && resp.StatusCode <= 299 {
		return nil
	}
	e := &Error{Webhook: w.Redacted(), Status: resp.StatusCode, Err: ErrRejected}
	if text := strings.Join(strings.Fields(strings.ToValidUTF8(string(snippet), "")), " "); text != "" {
		e.Err = fmt.Errorf("%w: %q", ErrRejected, text)
	}
	if resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode == http.StatusServiceUnavailable {
		e.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), now())
	}
	return e
}

// Body is the request body of n in format: the payload for FormatJSON,
// {"text": n.Text} for FormatSlack.
func Body(format string, n archive.Notification) ([]byte, error) {
	switch format {
	case FormatJSON, "":
		if len(n.Payload) == 0 {
			return nil, fmt.Errorf("notification %d has no payload", n.ID)
		}
		return n.Payload, nil
	case FormatSlack:
		return json.Marshal(map[string]string{"text": n.Text})
	}
	return nil, fmt.Errorf("unknown webhook format %q", format)
}

// DeliveryID is n's idempotency key, "<id>-<12 hex digits>": the outbox
// id and the start of the SHA-256 of the payload, which carries the time
// the archive saw the change. The id alone would repeat after a restore
// from a backup (the outbox's sequence goes back with it).
func DeliveryID(n archive.Notification) string {
	sum := sha256.Sum256(n.Payload)
	return strconv.FormatUint(n.ID, 10) + "-" + hex.EncodeToString(sum[:6])
}

// Sign is the HeaderSignature value of body sent at Unix time ts:
// "sha256=" and the hex HMAC-SHA256, keyed with secret, of the decimal
// timestamp, a dot and the body.
func Sign(secret string, ts int64, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(strconv.FormatInt(ts, 10)))
	mac.Write([]byte{'.'})
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// retryAfter reads a Retry-After value: seconds or an HTTP date.
func retryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return 0
	}
	if secs, err := strconv.ParseInt(v, 10, 64); err == nil {
		if secs <= 0 {
			return 0
		}
		return time.Duration(min(secs, int64(24*time.Hour/time.Second))) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// Backoff is when to try a failed delivery again: First after the first
// failure, doubling after each further one up to Max, each wait drawn at
// random from its upper half so that many retries do not arrive together;
// longer when the webhook's Retry-After asks for it. A notification older
// than MaxAge is given up on.
type Backoff struct {
	First, Max, MaxAge time.Duration
}

// DefaultBackoff waits 30s, 1m, 2m … up to 1h between attempts and gives
// up on a notification a day old.
var DefaultBackoff = Backoff{First: 30 * time.Second, Max: time.Hour, MaxAge: 24 * time.Hour}

// Next is when to try again after attempts failed attempts (1 after the
// first) ending with err at now.
func (b Backoff) Next(attempts int, err error, now time.Time) time.Time {
	wait := b.First
	for i := 1; i < attempts && wait < b.Max; i++ {
		wait *= 2
	}
	wait = min(wait, b.Max)
	if wait > 0 {
		wait = wait/2 + rand.N(wait/2+1)
	}
	var e *Error
	for _, one := range unjoin(err) {
		if errors.As(one, &e) && e.RetryAfter > wait {
			wait = min(e.RetryAfter, max(b.Max, b.First))
		}
	}
	return now.Add(wait)
}

// Expired reports whether n is older than MaxAge at now: a notification
// that late is news no more.
func (b Backoff) Expired(n archive.Notification, now time.Time) bool {
	return b.MaxAge > 0 && now.Sub(n.At) > b.MaxAge
}

// unjoin lists the errors errors.Join combined, or err itself.
func unjoin(err error) []error {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		return j.Unwrap()
	}
	if err == nil {
		return nil
	}
	return []error{err}
}
