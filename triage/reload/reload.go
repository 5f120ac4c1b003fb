package reload

import (
	"context"
	"fmt"
	"io/fs"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/internal/ruleset"
)

// DefaultInterval is how often a Reloader looks for changed rule files.
// Reading a rule set of a few files takes microseconds, so polling is cheap
// and needs no file-system notification support.
const DefaultInterval = 2 * time.Second

// Option configures Watch. Options are applied in order; an option with an
// invalid value makes Watch fail.
type Option func(*config) error

type config struct {
	limits   triage.Limits
	hook     func(context.Context, triage.Decision)
	interval time.Duration
	onError  func(error)
	onReload func(*triage.Engine)
	// ticks returns the channel that triggers polls and a function that
	// stops it; polled, when set, is called with each poll's result once
	// the poll is over. Tests inject both to drive polls one at a time
	// (export_test.go).
	ticks  func(time.Duration) (<-chan time.Time, func())
	polled func(error)
}

// WithLimits sets the limits every load applies, as triage.WithLimits does
// for triage.Load (a negative one makes Watch fail as it makes Load fail);
// the files are read under the same limits.
func WithLimits(l triage.Limits) Option {
	return func(c *config) error {
		c.limits = l
		return nil
	}
}

// WithDecisionHook sets the decision hook of every Engine the Reloader
// loads, as triage.WithDecisionHook does for triage.Load: each evaluation
// on any of them calls hook once with its Decision, whose RuleSet names
// the rule set in service at the time. A nil hook sets none.
func WithDecisionHook(hook func(context.Context, triage.Decision)) Option {
	return func(c *config) error {
		c.hook = hook
		return nil
	}
}

// WithInterval sets how often the Reloader looks for changed rule files
// (DefaultInterval by default).
func WithInterval(d time.Duration) Option {
	return func(c *config) error {
		if d <= 0 {
			return fmt.Errorf("reload: WithInterval: the interval must be positive, not %v", d)
		}
		c.interval = d
		return nil
	}
}

// WithErrorHandler sets a function called with the error when changed rule
// files fail to load; the Reloader goes on serving the last good Engine. A
// broken edit found by polling is reported once, not at every poll; Reload
// reports it every time. The function runs on the Reloader's goroutine (or
// in Reload), one call at a time, and must not call Reload.
func WithErrorHandler(fn func(error)) Option {
	return func(c *config) error {
		c.onError = fn
		return nil
	}
}

// WithReloadHandler sets a function called with each newly loaded Engine,
// after it is in service. It is also called with the Engine in service when
// the files return to exactly its content after a broken edit was reported,
// so that a handler tracking the last error (a readiness check) can clear
// it. It runs on the Reloader's goroutine (or in
// Reload), one call at a time, and must not call Reload.
func WithReloadHandler(fn func(*triage.Engine)) Option {
	return func(c *config) error {
		c.onReload = fn
		return nil
	}
}

// Reloader serves the most recent rule set that loaded from a directory,
// for services that edit rules without restarting. Start it with Watch.
//
// Every evaluation uses one Engine from start to end: a new rule set is put
// in service by swapping a single pointer, so no evaluation ever sees half
// of one rule set and half of another, and the verdict's RuleSet (version
// and content hash) tells which rule set answered. When changed files fail
// to load, the last good Engine stays in service and the error goes to the
// WithErrorHandler function.
//
// A Reloader is safe for concurrent use.
type Reloader struct {
	fsys fs.FS
	cfg  config

	cur  atomic.Pointer[triage.Engine]
	done chan struct{}

	mu       sync.Mutex // serialises checks: the poller and Reload
	seen     string     // key of the files last built (loaded or tried)
	pending  string     // key read at the previous poll, not yet built
	havePend bool
}

// Watch loads the rule set in fsys (normally os.DirFS(dir)) as triage.Load
// does, and then polls it every WithInterval for changes until ctx is done.
// A change is a change in the content of the rule files (their
// triage.RuleSetInfo.Hash, a SHA-256 of their names and bytes), not in
// their times, so touching a file or rewriting it unchanged does nothing.
// Each poll reads every file once, and the Engine is built from exactly the
// bytes that were hashed.
//
// A change is loaded once two polls in a row read the same content, so that
// a rule set being written — several files saved one after another, a git
// checkout — is not loaded half-way; a file that changes while it is being
// read is never loaded, only read again at the next poll. An edit that
// spans several files is still safest made by renaming a new directory into
// place (as a Kubernetes ConfigMap volume does), or by writing each file
// elsewhere and renaming it.
//
// If the first load fails, Watch returns its error and no Reloader.
func Watch(ctx context.Context, fsys fs.FS, opts ...Option) (*Reloader, error) {
	c := config{interval: DefaultInterval, ticks: realTicks}
	for _, opt := range opts {
		if err := opt(&c); err != nil {
			return nil, err
		}
	}
	r := &Reloader{fsys: fsys, cfg: c, done: make(chan struct{})}
	snap := r.read(true)
	eng, err := r.build(snap)
	if err != nil {
		return nil, err
	}
	r.cur.Store(eng)
	r.seen = snap.Key()
	ticks, stop := c.ticks(c.interval)
	go r.poll(ctx, ticks, stop)
	return r, nil
}

// Engine returns the Engine in service. Hold on to it for a sequence of
// calls that must see the same rule set (Evaluate, then Rules to show the
// reasons); call Engine again for the next request.
func (r *Reloader) Engine() *triage.Engine { return r.cur.Load() }

// Done is closed when the Reloader has stopped polling, after the context
// given to Watch is done. The last Engine stays in service.
func (r *Reloader) Done() <-chan struct{} { return r.done }

// Reload reads the files now instead of at the next poll and, unless they
// are exactly those of the Engine in service, loads them without waiting
// for a second look (a service's "reload" signal means the edit is
// finished). It returns the load error, if any, after reporting it; the
// last good Engine then stays in service.
func (r *Reloader) Reload() error {
	return r.check(true)
}

func realTicks(d time.Duration) (<-chan time.Time, func()) {
	t := time.NewTicker(d)
	return t.C, t.Stop
}

func (r *Reloader) poll(ctx context.Context, ticks <-chan time.Time, stop func()) {
	defer close(r.done)
	defer stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticks:
			err := r.check(false) // reported through the handler
			if r.cfg.polled != nil {
				r.cfg.polled(err)
			}
		}
	}
}

// read reads the rule directory under the configured limits.
func (r *Reloader) read(settle bool) *ruleset.Snapshot {
	lim := ruleset.Limits{Files: r.cfg.limits.RuleFiles, FileSize: r.cfg.limits.RuleFileSize}
	if lim.Files == 0 {
		lim.Files = ruleset.DefaultFiles
	}
	if lim.FileSize == 0 {
		lim.FileSize = ruleset.DefaultFileSize
	}
	return ruleset.ReadRules(r.fsys, lim, settle)
}

// build loads the Engine from exactly the bytes in snap, as Load would
// have loaded them, problems included.
func (r *Reloader) build(snap *ruleset.Snapshot) (*triage.Engine, error) {
	return triage.Load(ruleset.NewSnapshotFS(snap), triage.WithLimits(r.cfg.limits), triage.WithDecisionHook(r.cfg.hook))
}

// check reads the files and builds an Engine from the bytes read if they
// differ from the Engine in service and, unless now is set, from what was
// last built, and were read the same by the previous check too.
func (r *Reloader) check(now bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	snap := r.read(now)
	if !now && snap.Changed {
		r.havePend = false // caught mid-write: still settling
		return nil
	}
	key := snap.Key()
	if key == r.Engine().RuleSet().Hash {
		// What is on disk is what is in service, built from these very
		// bytes. If a broken edit was tried since, it has been undone.
		recovered := r.seen != "" && r.seen != key
		r.seen, r.havePend = key, false
		if recovered && r.cfg.onReload != nil {
			r.cfg.onReload(r.Engine())
		}
		return nil
	}
	if !now && !r.settled(key) {
		return nil
	}
	r.havePend = false
	r.seen = key
	return r.put(snap)
}

// settled reports whether a poll should build key: it is new, and the
// previous poll read it too.
func (r *Reloader) settled(key string) bool {
	if key == r.seen {
		r.havePend = false // a broken edit already reported
		return false
	}
	if !r.havePend || r.pending != key {
		r.pending, r.havePend = key, true // still settling, or a new edit
		return false
	}
	return true
}

// put builds an Engine from snap and puts it in service, or reports why
// it cannot.
func (r *Reloader) put(snap *ruleset.Snapshot) error {
	eng, err := r.build(snap)
	if err != nil {
		if r.cfg.onError != nil {
			r.cfg.onError(err)
		}
		return err
	}
	r.cur.Store(eng)
	if r.cfg.onReload != nil {
		r.cfg.onReload(eng)
	}
	return nil
}
