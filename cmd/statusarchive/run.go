package main

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"slices"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/robfig/cron/v3"
	"github.com/rs/zerolog"
	"github.com/spf13/cobra"

	"github.com/statusarchive/statusarchive/archive"
	"github.com/statusarchive/statusarchive/archive/notify"
	"github.com/statusarchive/statusarchive/parser"
	"github.com/statusarchive/statusarchive/scraper"
)

const (
	// defaultGrace is how long shutdown waits for running scrapes.
	defaultGrace = 30 * time.Second
	// writeLockWait is how long a daemon write waits for the archive's
	// lock when a reader in another process holds it: long enough for an
	// export, short enough that a wedged reader shows up as failed runs.
	writeLockWait = 10 * time.Second
	// abortWait is how long shutdown waits, after the grace period, for
	// cancelled runs to return before giving up on them.
	abortWait = 5 * time.Second
	// runLogDepth is how many runs per source the daemon reads at start to
	// find the last good one and the current failure streak.
	runLogDepth = 100
)

// errRunsStuck means runs did not return even after being cancelled.
var errRunsStuck = errors.New("runs still going after cancellation")

func (m *Main) runCommand() *cobra.Command {
	cmd, f := m.newCommand("run --config FILE [flags]", "run as a daemon: scrape every source of a sources file on its schedule",
		"statusarchive run --config /etc/statusarchive/sources.yaml --db /var/lib/statusarchive/archive.db --listen 127.0.0.1:9090", true)
	o := &runFlags{flags: f}
	fs := cmd.Flags()
	fs.StringVar(&o.configPath, "config", "", "sources file (see docs/sources.example.yaml)")
	fs.DurationVar(&o.grace, "grace", defaultGrace, "on SIGINT or SIGTERM, how long running scrapes may take to finish")
	fs.StringVar(&o.listen, "listen", "", "loopback address to serve /metrics and /healthz on, such as 127.0.0.1:9090 (default: none)")
	fs.BoolVar(&o.allowPrivate, "allow-private-networks", false, "let every source and webhook reach loopback, private and link-local addresses")
	_ = cmd.MarkFlagFilename("config", "yaml", "yml")
	cmd.RunE = func(cmd *cobra.Command, args []string) error { return m.run(cmd.Context(), o, args) }
	return cmd
}

type runFlags struct {
	*flags
	configPath, listen string
	grace              time.Duration
	allowPrivate       bool
}

func (m *Main) run(ctx context.Context, o *runFlags, args []string) error {
	f, configPath, grace, listen, allowPrivate := o.flags, &o.configPath, &o.grace, &o.listen, &o.allowPrivate
	if len(args) > 0 {
		return &usageError{msg: "run takes no arguments"}
	}
	if *configPath == "" {
		return &usageError{msg: "run needs --config FILE", usage: true}
	}
	if *grace < 0 {
		return &usageError{msg: fmt.Sprintf("--grace %v: want 0 or more", *grace)}
	}
	if *listen != "" {
		if err := checkLoopback(*listen); err != nil {
			return &usageError{msg: fmt.Sprintf("--listen %q: %v", *listen, err)}
		}
	}
	lg, err := m.logger(f)
	if err != nil {
		return err
	}
	cfg, err := LoadConfig(*configPath)
	if err != nil {
		return err
	}
	path, err := m.dbPath(f.db)
	if err != nil {
		return err
	}
	d := newDaemon(m, lg, path, *configPath, cfg)
	d.grace = *grace
	d.fetching.allowPrivate = *allowPrivate
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	d.hup = hup
	var ln net.Listener
	if *listen != "" {
		if ln, err = net.Listen("tcp", *listen); err != nil {
			return fmt.Errorf("listen for metrics: %w", err)
		}
	}
	return d.serve(ctx, ln)
}

// checkLoopback accepts host:port addresses whose host is a loopback IP or
// localhost: the metrics carry no secrets, but the daemon has no business
// listening on a public interface.
func checkLoopback(addr string) error {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return err
	}
	if host == "localhost" {
		return nil
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return errors.New("want a loopback address such as 127.0.0.1:9090 or [::1]:9090")
	}
	return nil
}

// daemon schedules every source of a sources file with cron, one run per
// source at a time, and lends each run the archive to begin and to commit,
// never across the network.
type daemon struct {
	m *Main
	// base is the logger handed to the pipeline and the archive, which
	// tag their own component; lg is the daemon's.
	base       zerolog.Logger
	lg         zerolog.Logger
	path       string // the archive
	configPath string
	grace      time.Duration
	metrics    *metrics
	// hup delivers SIGHUP: reload the sources file. Nil means never.
	hup <-chan os.Signal
	// beforeRun, when set, is called at the start of each run inside the
	// cron job, so that a test can make one source panic.
	beforeRun func(source string)
	// notes delivers the archive's notifications (notify.go).
	notes notifier

	// fetching is what every run's fetcher shares (fetch.go).
	fetching *fetchShared

	// lender lends the archive to one use at a time (withDB).
	lender *archive.Lender

	// cron and cancelJobs are set by serve before the first run.
	cron       *cron.Cron
	cancelJobs context.CancelFunc
	// stopping is closed when shutdown begins: queued runs do not start.
	stopping chan struct{}
	// launches counts the runs serve started itself (overdue at launch or
	// after a reload), which cron's Stop does not wait for.
	launches sync.WaitGroup

	mu      sync.Mutex // guards what follows
	cfg     *Config
	entries map[string]entry
	health  map[string]*health
	busy    map[string]bool
	sem     chan struct{}
}

// entry is a source's place in the cron table.
type entry struct {
	id   cron.EntryID
	spec string
	job  cron.Job // wrapped: skip if still running, then recover
}

// health is a source's fetch health: how many runs in a row archived
// nothing, and whether that made it stale.
type health struct {
	failures int
	stale    bool
}

func newDaemon(m *Main, lg zerolog.Logger, path, configPath string, cfg *Config) *daemon {
	d := &daemon{
		m:          m,
		base:       lg,
		lg:         lg.With().Str("component", "daemon").Logger(),
		path:       path,
		configPath: configPath,
		grace:      defaultGrace,
		lender:     archive.NewLender(path, archive.Options{Timeout: writeLockWait, Now: m.Now, Logger: lg}, archive.LendOptions{}),
		metrics:    newMetrics(path, m.Now()),
		fetching:   newFetchShared(),
		stopping:   make(chan struct{}),
		cfg:        cfg,
		entries:    map[string]entry{},
		health:     map[string]*health{},
		busy:       map[string]bool{},
		sem:        make(chan struct{}, cfg.Concurrency),
		notes:      newNotifier(),
	}
	d.metrics.registry.MustRegister(holdCollector{gate: d.fetching.gate, now: m.Now})
	return d
}

// withDB is the daemon's way of lending the archive: one use at a time in
// this process, on a handle the lender holds while uses follow each other
// closely and releases at short intervals (archive.Lender), so that read
// commands in other processes get the lock between writes.
func (d *daemon) withDB(fn func(db *archive.DB) error) error {
	// Notifications are queued only when there is a webhook to send them to.
	var announce archive.Announcer
	d.mu.Lock()
	if len(d.cfg.Notify.Webhooks) > 0 {
		announce = notify.Announce
	}
	d.mu.Unlock()
	return d.m.rollbackHint(d.lender.Use(announce, fn), d.path)
}

// serve runs the daemon until ctx ends, then stops scheduling, gives
// running scrapes the grace period to finish and returns. ln, when not
// nil, serves /metrics and /healthz.
func (d *daemon) serve(ctx context.Context, ln net.Listener) error {
	// Runs outlive ctx by the grace period: shutdown cancels jobs.
	jobs, cancelJobs := context.WithCancel(context.WithoutCancel(ctx))
	d.cancelJobs = cancelJobs
	defer cancelJobs()
	defer func() {
		if err := d.lender.Close(); err != nil {
			d.lg.Error().Err(err).Msg("close the archive")
		}
	}()
	d.cron = cron.New(cron.WithLogger(cronLogger{lg: d.lg}))
	d.restoreHolds(ctx)

	d.mu.Lock()
	cfg := d.cfg
	d.mu.Unlock()
	names := make([]string, 0, len(cfg.Sources))
	for _, s := range cfg.Sources {
		names = append(names, s.Name)
	}
	overdue, err := d.seed(ctx, cfg, names)
	if err != nil {
		if ln != nil {
			ln.Close()
		}
		return err
	}
	d.mu.Lock()
	for _, s := range cfg.Sources {
		d.schedule(jobs, s)
	}
	d.mu.Unlock()

	var srv *http.Server
	served := make(chan struct{})
	if ln != nil {
		srv = &http.Server{Handler: d.handler(), ReadHeaderTimeout: 5 * time.Second}
		go func() {
			defer close(served)
			if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				d.lg.Error().Err(err).Msg("metrics listener stopped")
			}
		}()
		d.lg.Info().Str("addr", ln.Addr().String()).Msg("serving /metrics and /healthz")
	} else {
		close(served)
	}

	d.cron.Start()
	d.lg.Info().Int("sources", len(cfg.Sources)).Int("overdue", len(overdue)).Str("archive", d.path).Msg("daemon started")
	stopDelivery := d.startDelivery(context.WithoutCancel(ctx))
	d.launch(overdue)

	for {
		select {
		case <-ctx.Done():
			err := d.shutdown()
			stopDelivery() // after the last runs, so that what they queued goes out
			if srv != nil {
				sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				if serr := srv.Shutdown(sctx); serr != nil {
					srv.Close()
				}
				cancel()
			}
			<-served
			return err
		case <-d.hup:
			d.reload(ctx, jobs)
		}
	}
}

// schedule adds s to the cron table. Each entry gets its own chain, in the
// order that matters: SkipIfStillRunning outside Recover. The other way
// round, cron v3.0.1 never releases the skip after a panic and the source
// never runs again (robfig/cron#366). The chain's logger names the source,
// so that a skip or a panic says whose it was. Runs get ctx. d.mu is held.
func (d *daemon) schedule(ctx context.Context, s Source) {
	name := s.Name
	cl := cronLogger{lg: d.lg, source: name, d: d}
	job := cron.NewChain(cron.SkipIfStillRunning(cl), cron.Recover(cl)).Then(cron.FuncJob(func() { d.runSource(ctx, name) }))
	id := d.cron.Schedule(s.Schedule, job)
	d.entries[name] = entry{id: id, spec: s.Spec, job: job}
	d.metrics.addSource(name)
}

// launch starts the named sources' runs now, through their cron chains.
func (d *daemon) launch(names []string) {
	for _, name := range names {
		d.mu.Lock()
		e, ok := d.entries[name]
		d.mu.Unlock()
		if !ok {
			continue
		}
		d.launches.Add(1)
		go func() {
			defer d.launches.Done()
			e.job.Run()
		}()
	}
}

// seed reads the run log of the named sources: their failure streaks
// (so that a source already stale stays stale without a second warning
// storm), their last good run (for the metrics) and whether they are
// overdue, which they are when a scheduled time has passed since their
// last good run or they never had one.
func (d *daemon) seed(ctx context.Context, cfg *Config, names []string) (overdue []string, err error) {
	now := d.m.Now()
	err = d.withDB(func(db *archive.DB) error {
		for _, name := range names {
			i := slices.IndexFunc(cfg.Sources, func(s Source) bool { return s.Name == name })
			src := cfg.Sources[i]
			runs, err := db.Runs(ctx, name, runLogDepth)
			if err != nil {
				return err
			}
			h := &health{}
			for _, r := range runs {
				if r.Good() {
					break
				}
				h.failures++
			}
			h.stale = h.failures >= src.staleAfter(cfg)
			d.mu.Lock()
			d.health[name] = h
			d.mu.Unlock()
			d.metrics.setStale(name, h.stale)
			if h.stale {
				d.lg.Warn().Str("source", name).Int("failures", h.failures).Msg("source is stale: its recent runs all failed")
			}
			good := slices.IndexFunc(runs, archive.Run.Good)
			if good < 0 {
				overdue = append(overdue, name)
				continue
			}
			latest := runs[good].Latest() // the last of the runs folded into it, if any
			last := cmp.Or(latest.Finished, latest.Recorded)
			d.metrics.setLastSuccess(name, last)
			if !src.Schedule.Next(last).After(now) {
				overdue = append(overdue, name)
			}
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read the run log: %w", err)
	}
	return overdue, nil
}

// source returns the current config's entry for name.
func (d *daemon) source(name string) (Source, *Config, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	i := slices.IndexFunc(d.cfg.Sources, func(s Source) bool { return s.Name == name })
	if i < 0 {
		return Source{}, d.cfg, false
	}
	return d.cfg.Sources[i], d.cfg, true
}

// runSource is one scheduled run of one source. Cron starts it for every
// source due, and at a shared tick thousands wait here for one of the
// concurrency slots: a waiting run holds a shallow stack and nothing else
// (runNow looks the source up and does the work once it has a slot).
func (d *daemon) runSource(ctx context.Context, name string) {
	if d.beforeRun != nil {
		d.beforeRun(name)
	}
	// Cron skips a tick while the same entry runs; this also covers a run
	// launched before a reload replaced the entry.
	d.mu.Lock()
	if d.busy[name] {
		d.mu.Unlock()
		d.metrics.skip(name)
		d.lg.Info().Str("source", name).Msg("skipped: the previous run is still going")
		return
	}
	d.busy[name] = true
	sem := d.sem
	d.mu.Unlock()
	defer func() {
		d.mu.Lock()
		delete(d.busy, name)
		d.mu.Unlock()
	}()

	select {
	case sem <- struct{}{}:
		defer func() { <-sem }()
	case <-d.stopping:
		return
	}
	select {
	case <-d.stopping:
		return
	default:
	}
	d.runNow(ctx, name)
}

// runNow runs the source name, holding one of the concurrency slots.
func (d *daemon) runNow(ctx context.Context, name string) {
	src, cfg, ok := d.source(name)
	if !ok {
		return // removed by a reload since this tick was due
	}
	lg := d.lg.With().Str("source", name).Logger()
	if until, held := d.heldBack(src.URL); held {
		d.metrics.skip(name)
		lg.Debug().Time("until", until).Msg("skipped: the source's host asked us to wait (retry-after)")
		return
	}
	d.metrics.running(1)
	defer d.metrics.running(-1)
	j := job{source: name, url: src.URL, format: src.Format, fetch: src.fetchOptions(d.m, d.fetching), sweep: src.Limits.SweepPeriod}
	start := time.Now()
	run, err := d.m.runJob(ctx, d.withDB, d.base.With().Str("source", name).Logger(), j)
	d.committed(run)
	d.finished(ctx, lg, src, cfg, run, err, time.Since(start))
	if len(src.Components) > 0 && run.Good() {
		d.followed(ctx, lg, src, run)
	}
}

// followed logs one line for each incident of the run, new, changed or
// back after a deletion, that names a component the source follows. The
// archive keeps every incident either way: leaving the others out of a
// complete run would make the archive infer that they were deleted.
func (d *daemon) followed(ctx context.Context, lg zerolog.Logger, src Source, run archive.Run) {
	changes := map[string][]string{"new": run.NewIDs, "changed": run.ChangedIDs, "restored": run.RestoredIDs}
	if len(run.NewIDs)+len(run.ChangedIDs)+len(run.RestoredIDs) == 0 {
		return
	}
	err := d.withDB(func(db *archive.DB) error {
		for _, change := range []string{"new", "changed", "restored"} {
			for _, id := range changes[change] {
				rec, err := db.Incident(ctx, src.Name+"/"+id)
				if err != nil {
					return err
				}
				inc := rec.Latest().Incident
				matched := followedComponents(inc, src.Components)
				if len(matched) == 0 {
					continue
				}
				d.metrics.followedChange(src.Name)
				lg.Info().Str("change", change).Str("incident", id).Str("title", safe(inc.Title)).
					Str("status", string(inc.Status)).Str("impact", string(inc.Impact)).Strs("components", matched).
					Msg("followed component")
			}
		}
		return nil
	})
	if err != nil {
		lg.Error().Err(err).Msg("look up incidents of followed components")
	}
}

// followedComponents returns the followed components that inc names, in
// the order they are followed. Names match after NormaliseText and case
// folding.
func followedComponents(inc parser.Incident, follow []string) []string {
	named := map[string]bool{}
	for _, c := range inc.Components {
		named[strings.ToLower(parser.NormaliseText(c.Name))] = true
	}
	for _, u := range inc.Updates {
		for _, c := range u.Components {
			named[strings.ToLower(parser.NormaliseText(c))] = true
		}
	}
	var out []string
	for _, f := range follow {
		if named[strings.ToLower(parser.NormaliseText(f))] {
			out = append(out, f)
		}
	}
	return out
}

// fetchOptions are the scraper settings for a source: the defaults, its
// limits, the injected transport and what the daemon's fetchers share.
func (s Source) fetchOptions(m *Main, shared *fetchShared) scraper.Options {
	d := scraper.DefaultOptions()
	o := fetchOptions{maxPages: defaultBudget, delay: d.Delay, timeout: d.RequestTimeout, maxBody: d.MaxBodyBytes}
	if s.Limits.MaxPages > 0 {
		o.maxPages = s.Limits.MaxPages
	}
	if s.Limits.HasDelay {
		o.delay = s.Limits.Delay
	}
	if s.Limits.Timeout > 0 {
		o.timeout = s.Limits.Timeout
	}
	if s.Limits.MaxBody > 0 {
		o.maxBody = s.Limits.MaxBody
	}
	o.allowPrivate = s.AllowPrivateNetworks || shared.allowPrivate
	opts := o.options(m)
	opts.Robots, opts.Gate = shared.robots, shared.gate
	opts.From = s.From
	return opts
}

// finished logs a run's one line, counts it and updates the source's
// health.
func (d *daemon) finished(ctx context.Context, lg zerolog.Logger, src Source, cfg *Config, run archive.Run, err error, took time.Duration) {
	outcome := run.Outcome
	switch {
	case outcome != "":
	case ctx.Err() != nil:
		outcome = "cancelled" // by shutdown, after the grace period
	default:
		outcome = "error" // the run log has no entry: the archive could not be written
	}
	good := run.Good()
	ev := lg.Info()
	switch outcome {
	case "error":
		ev = lg.Error()
	case "cancelled":
		ev = lg.Warn()
	}
	ev = ev.Str("outcome", outcome).Int("pages", run.Pages).Int("incidents", run.Incidents).
		Int("new", run.New).Int("changed", run.Changed).Dur("duration", took).Uint64("run", run.ID)
	if run.Left > 0 {
		ev = ev.Int("backfill_left", run.Left) // a partial run that made progress: not a failure
	}
	if err != nil {
		ev = ev.Err(err)
	}
	ev.Msg("run")
	d.metrics.observeRun(src.Name, outcome, !good, took, d.m.Now())
	if outcome != "cancelled" {
		d.trackHealth(ctx, lg, src, cfg, good)
	}
}

// trackHealth moves a source's failure streak on by one run, and logs only
// the moments it turns stale and fresh again.
func (d *daemon) trackHealth(ctx context.Context, lg zerolog.Logger, src Source, cfg *Config, good bool) {
	d.mu.Lock()
	h := d.health[src.Name]
	if h == nil {
		h = &health{}
		d.health[src.Name] = h
	}
	wasStale := h.stale
	if good {
		h.failures, h.stale = 0, false
	} else {
		h.failures++
		h.stale = h.failures >= src.staleAfter(cfg)
	}
	failures, stale := h.failures, h.stale
	d.mu.Unlock()
	switch {
	case stale && !wasStale:
		d.metrics.setStale(src.Name, true)
		lg.Warn().Int("failures", failures).Msg("source is stale: its last runs all failed; its records stay as they were")
		d.notifyHealth(ctx, lg, src.Name, archive.EventStale, failures)
	case !stale && wasStale:
		d.metrics.setStale(src.Name, false)
		lg.Info().Msg("source recovered: a run archived its records again")
		d.notifyHealth(ctx, lg, src.Name, archive.EventRecovered, 0)
	}
}

// panicked counts a run that cron's Recover caught.
func (d *daemon) panicked(name string) {
	src, cfg, ok := d.source(name)
	if !ok {
		return
	}
	d.metrics.observeRun(name, "panic", true, 0, d.m.Now())
	d.trackHealth(context.Background(), d.lg.With().Str("source", name).Logger(), src, cfg, false)
}

// shutdown stops scheduling and waits for running scrapes: up to the grace
// period, then it cancels them and waits a little more.
func (d *daemon) shutdown() error {
	d.lg.Info().Dur("grace", d.grace).Msg("stopping: no new runs, waiting for running ones")
	close(d.stopping)
	stopped := d.cron.Stop()
	done := make(chan struct{})
	go func() {
		<-stopped.Done()
		d.launches.Wait()
		close(done)
	}()
	grace := time.NewTimer(d.grace)
	defer grace.Stop()
	select {
	case <-done:
		d.lg.Info().Msg("stopped")
		return nil
	case <-grace.C:
	}
	d.lg.Warn().Dur("grace", d.grace).Msg("grace period over: cancelling running scrapes")
	d.cancelJobs()
	abort := time.NewTimer(abortWait)
	defer abort.Stop()
	select {
	case <-done:
		d.lg.Info().Msg("stopped")
		return nil
	case <-abort.C:
		return fmt.Errorf("stop: %w %v after the grace period", errRunsStuck, abortWait)
	}
}

// reload re-reads the sources file. A file with problems is logged and
// the running configuration kept. Sources whose schedule changed get a new
// cron entry; every other setting is read at each run's start, so it
// applies from the next run.
func (d *daemon) reload(ctx, jobs context.Context) {
	cfg, err := LoadConfig(d.configPath)
	if err != nil {
		d.lg.Error().Err(err).Msg("reload refused: keeping the running sources")
		return
	}
	d.mu.Lock()
	old := d.cfg
	d.cfg = cfg
	if cap(d.sem) != cfg.Concurrency {
		d.sem = make(chan struct{}, cfg.Concurrency)
	}
	var added []string
	for name, e := range d.entries {
		if !slices.ContainsFunc(cfg.Sources, func(s Source) bool { return s.Name == name }) {
			d.cron.Remove(e.id)
			delete(d.entries, name)
			// A source no longer watched is neither stale nor healthy.
			delete(d.health, name)
			d.metrics.removeSource(name)
		}
	}
	for _, s := range cfg.Sources {
		e, ok := d.entries[s.Name]
		if ok && e.spec == s.Spec {
			continue
		}
		if ok {
			d.cron.Remove(e.id)
		} else {
			added = append(added, s.Name)
		}
		d.schedule(jobs, s)
	}
	d.mu.Unlock()
	overdue, err := d.seed(ctx, cfg, added)
	if err != nil {
		d.lg.Error().Err(err).Msg("reload: new sources wait for their first tick")
	}
	d.lg.Info().Int("sources", len(cfg.Sources)).Int("before", len(old.Sources)).Int("added", len(added)).Msg("sources file reloaded")
	d.launch(overdue)
}

func (d *daemon) sourceNames() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	names := make([]string, 0, len(d.cfg.Sources))
	for _, s := range d.cfg.Sources {
		names = append(names, s.Name)
	}
	return names
}

func (d *daemon) staleSources() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	var stale []string
	for name, h := range d.health {
		if h.stale {
			stale = append(stale, name)
		}
	}
	slices.Sort(stale)
	return stale
}

// cronLogger passes cron's log lines to zerolog: its routine Info lines
// (every wake and run) at debug, a skipped tick at info, an error (a
// recovered panic, with its stack) at error. With a source, it also counts
// skips and panics.
type cronLogger struct {
	lg     zerolog.Logger
	source string // named in each line; a logger of its own per source would cost 500 bytes each
	d      *daemon
}

// at adds the source, if any, to e.
func (l cronLogger) at(e *zerolog.Event) *zerolog.Event {
	if l.source == "" {
		return e
	}
	return e.Str("source", l.source)
}

func (l cronLogger) Info(msg string, kv ...any) {
	if msg == "skip" && l.d != nil {
		l.d.metrics.skip(l.source)
		l.at(l.lg.Info()).Fields(kv).Msg("skipped: the previous run is still going")
		return
	}
	l.at(l.lg.Debug()).Fields(kv).Msg("cron: " + msg)
}

func (l cronLogger) Error(err error, msg string, kv ...any) {
	l.at(l.lg.Error()).Err(err).Fields(kv).Msg("cron: " + msg)
	if msg == "panic" && l.d != nil {
		l.d.panicked(l.source)
	}
}
