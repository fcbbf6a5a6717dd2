package main

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/rs/zerolog"
	"go.yaml.in/yaml/v3"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/notify"
	"github.com/statusarchive/statusarchive/scraper"
)

const (
	// deliveryEvery is how often the daemon looks for due notifications
	// while some wait for a retry, besides being woken after each run that
	// wrote some.
	deliveryEvery = 5 * time.Second
	// deliveryIdle is how often it looks when the outbox was empty: only
	// another process (a one-shot scrape) can have queued something
	// without waking it.
	deliveryIdle = time.Minute
	// webhookTimeout bounds one delivery request.
	webhookTimeout = 10 * time.Second
)

// Notify is the notify section of a sources file.
type Notify struct {
	Webhooks []notify.Webhook
	// PrivateHosts are the hosts of webhooks with allow_private_networks:
	// they may be on loopback, private or link-local addresses.
	PrivateHosts []string
}

// notifier is the daemon's delivery state. The zero value is not usable:
// newNotifier makes one.
type notifier struct {
	wake    chan struct{} // a run wrote notifications: deliver now
	every   time.Duration
	idle    time.Duration
	backoff notify.Backoff
	batch   int
	// afterCommit, when set, is called after each run that wrote to the
	// archive and before delivery is woken: a test kills the process
	// there.
	afterCommit func(run archive.Run)
}

func newNotifier() notifier {
	return notifier{wake: make(chan struct{}, 1), every: deliveryEvery, idle: deliveryIdle, backoff: notify.DefaultBackoff, batch: notify.DefaultBatch}
}

// committed is called after each run: a run that wrote to the archive
// may have queued notifications.
func (d *daemon) committed(run archive.Run) {
	if run.ID == 0 {
		return
	}
	if d.notes.afterCommit != nil {
		d.notes.afterCommit(run)
	}
	if run.Good() {
		d.pokeDelivery()
	}
}

// pokeDelivery wakes the delivery loop without waiting for it.
func (d *daemon) pokeDelivery() {
	select {
	case d.notes.wake <- struct{}{}:
	default:
	}
}

// startDelivery starts the delivery loop: a round at once (for what a
// previous process left), then one whenever a run wrote notifications,
// at the first tick after a retry is due, and every minute in any case
// (for what a one-shot scrape in another process queued). It holds the archive only to read and to record, never
// while posting, so that a slow or failing webhook delays nothing but
// notifications. The returned stop ends the loop and waits for it; a
// post cut short by it is retried by the next process.
func (d *daemon) startDelivery(ctx context.Context) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	client := notify.NewClient(d.webhookTransport(), webhookTimeout)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(d.notes.every)
		defer tick.Stop()
		woken := true
		var last, next time.Time // the last round; the earliest retry it left, zero for none
		for {
			if woken || (!next.IsZero() && !d.m.Now().Before(next)) || time.Since(last) >= d.notes.idle {
				var err error
				next, err = d.deliverDue(ctx, client)
				last = time.Now()
				if err != nil && ctx.Err() == nil {
					next = d.m.Now() // try again at the next tick
					d.lg.Error().Err(err).Msg("notifications: cannot read or update the outbox")
				}
			}
			woken = false
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			case <-d.notes.wake:
				woken = true
			}
		}
	}()
	return func() {
		cancel()
		<-done
		client.CloseIdleConnections()
	}
}

// sender is a Sender for the current sources file's webhooks.
func (d *daemon) sender(client *http.Client) *notify.Sender {
	d.mu.Lock()
	hooks := d.cfg.Notify.Webhooks
	d.mu.Unlock()
	return &notify.Sender{Client: client, Webhooks: hooks, UserAgent: scraper.DefaultOptions().UserAgent, Now: d.m.Now}
}

// deliverDue runs one delivery round (notify.Round) over the outbox with
// the current sources file's webhooks.
func (d *daemon) deliverDue(ctx context.Context, client *http.Client) (next time.Time, err error) {
	r := notify.Round{Sender: d.sender(client), Backoff: d.notes.backoff, Batch: d.notes.batch, Now: d.m.Now, Logger: d.base}
	return r.Run(ctx, d.withDB)
}

// notifyHealth queues a stale or recovered notification for source. It is
// called once per transition, never while the archive is lent.
func (d *daemon) notifyHealth(ctx context.Context, lg zerolog.Logger, source, event string, failures int) {
	n := archive.Notification{Event: event, Source: source, Failures: failures, At: d.m.Now().UTC(),
		Text: notify.StatusText(event, source, failures)}
	err := d.withDB(func(db *archive.DB) error {
		_, err := db.Notify(context.WithoutCancel(ctx), n)
		return err
	})
	if err != nil {
		lg.Error().Err(err).Str("event", event).Msg("cannot queue the notification")
		return
	}
	d.pokeDelivery()
}

var (
	notifyKeys  = []string{"webhooks"}
	webhookKeys = []string{"url", "secret", "secret_env", "format", "events", "allow_private_networks"}
)

// notify reads the notify section of a sources file.
func (c *configParser) notify(n *yaml.Node) Notify {
	var out Notify
	c.fields(n, "notify", notifyKeys, func(key string, v *yaml.Node) {
		if v.Kind != yaml.SequenceNode {
			c.addf(v, "webhooks: want a list, got %s", kindName(v))
			return
		}
		seen := map[string]int{}
		for _, item := range v.Content {
			w, private, ok := c.webhook(item)
			if !ok {
				continue
			}
			if u, err := url.Parse(w.URL); err == nil && private {
				out.PrivateHosts = append(out.PrivateHosts, strings.ToLower(u.Hostname()))
			}
			if first, dup := seen[w.Key()]; dup {
				c.addf(item, "webhook: the same url and format as the one at line %d", first)
				continue
			}
			seen[w.Key()] = item.Line
			out.Webhooks = append(out.Webhooks, w)
		}
	})
	return out
}

// webhook reads one entry of notify.webhooks. ok is false when the entry
// is unusable; its problems have been added.
func (c *configParser) webhook(n *yaml.Node) (w notify.Webhook, private, ok bool) {
	before := len(c.problems)
	var urlNode, secretNode, envNode *yaml.Node
	c.fields(n, "webhook", webhookKeys, func(key string, v *yaml.Node) {
		switch key {
		case "url":
			w.URL, urlNode = c.str(v, key), v
		case "secret":
			w.Secret, secretNode = c.str(v, key), v
		case "secret_env":
			envNode = v
			name := c.str(v, key)
			if name == "" {
				return
			}
			w.Secret = os.Getenv(name)
			if w.Secret == "" {
				c.addf(v, "secret_env %q: the environment variable is not set or empty", name)
			}
		case "allow_private_networks":
			private = c.boolean(v, key)
		case "format":
			w.Format = c.str(v, key)
			if w.Format != "" && w.Format != notify.FormatJSON && w.Format != notify.FormatSlack {
				c.addf(v, "format %q: want json or slack", w.Format)
			}
		case "events":
			if v.Kind != yaml.SequenceNode {
				c.addf(v, "events: want a list of events, got %s", kindName(v))
				return
			}
			if len(v.Content) == 0 {
				c.addf(v, "events: the list is empty: leave it out to receive every event")
			}
			for _, item := range v.Content {
				e := c.str(item, key)
				switch {
				case e == "":
				case !slices.Contains(archive.Events, e):
					c.addf(item, "event %q: want one of %s", e, strings.Join(archive.Events, ", "))
				case !slices.Contains(w.Events, e):
					w.Events = append(w.Events, e)
				}
			}
		}
	})
	if n.Kind != yaml.MappingNode {
		return w, false, false
	}
	switch {
	case urlNode == nil:
		c.addf(n, "webhook: missing url")
	case w.URL != "":
		if err := checkWebhookURL(w.URL); err != nil {
			c.addf(urlNode, "url: %v", err)
		} else {
			c.checkNetwork(urlNode, w.URL, private)
		}
	}
	if secretNode != nil && envNode != nil {
		c.addf(envNode, "webhook: give secret or secret_env, not both")
	}
	return w, private, len(c.problems) == before
}

// checkWebhookURL accepts absolute http and https URLs with a host.
func checkWebhookURL(raw string) error {
	return checkHTTPURL(raw, "credentials in the URL are not allowed: use secret or secret_env")
}
