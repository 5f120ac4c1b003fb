package triage

import (
	"context"
	"fmt"
	"io/fs"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultPollInterval is how often a Reloader looks for changed rule files.
// Reading a rule set of a few files takes microseconds, so polling is cheap
// and needs no file-system notification support.
const DefaultPollInterval = 2 * time.Second

// WithPollInterval sets how often Watch looks for changed rule files. Load
// ignores it.
func WithPollInterval(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return fmt.Errorf("triage: WithPollInterval: the interval must be positive")
		}
		o.pollInterval = d
		return nil
	}
}

// WithReloadErrorHandler sets a function Watch calls with the error when
// changed rule files fail to load; the Reloader goes on serving the last
// good Engine. A broken edit is reported once, not at every poll. The
// function runs on the Reloader's goroutine (or in Reload), one call at a
// time, and must not call Reload. Load ignores it.
func WithReloadErrorHandler(fn func(error)) Option {
	return func(o *options) error {
		o.onReloadError = fn
		return nil
	}
}

// WithReloadHandler sets a function Watch calls with each newly loaded
// Engine, after it is in service. It runs on the Reloader's goroutine (or
// in Reload), one call at a time, and must not call Reload. Load ignores
// it.
func WithReloadHandler(fn func(*Engine)) Option {
	return func(o *options) error {
		o.onReload = fn
		return nil
	}
}

// Reloader serves the most recent rule set that loaded from a directory,
// for services that edit rules without restarting. Start it with Watch.
//
// Every Evaluate uses one Engine from start to end: a new rule set is put
// in service by swapping a single pointer, so no evaluation ever sees half
// of one rule set and half of another, and the verdict's RuleSet (version
// and content hash) tells which rule set answered. When changed files fail
// to load, the last good Engine stays in service and the errors are
// reported to the WithReloadErrorHandler function.
//
// A Reloader is safe for concurrent use.
type Reloader struct {
	fsys     fs.FS
	opts     options
	interval time.Duration

	cur  atomic.Pointer[Engine]
	done chan struct{}

	mu       sync.Mutex // serialises checks: the poller and Reload
	seen     string     // key of the files last built (loaded or tried)
	pending  string     // key read at the previous poll, not yet built
	havePend bool
}

// Watch loads the rule set in fsys (normally os.DirFS(dir)) like Load, and
// then polls it every WithPollInterval (DefaultPollInterval by default) for
// changes until ctx is done. A change is a change in the content of the
// rule files (their RuleSetInfo.Hash, a SHA-256 of their names and bytes),
// not in their times, so touching a file or rewriting it unchanged does
// nothing. Each poll reads every file once and builds the Engine from
// exactly the bytes it hashed.
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
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	r := &Reloader{fsys: fsys, opts: o, interval: o.pollInterval, done: make(chan struct{})}
	files := readRuleSetSettled(fsys, &o)
	eng, err := build(files, o)
	if err != nil {
		return nil, err
	}
	r.cur.Store(eng)
	r.seen = files.key()
	go r.poll(ctx)
	return r, nil
}

// Engine returns the Engine in service. Hold on to it for a sequence of
// calls that must see the same rule set (Evaluate, then Rules to show the
// reasons); call Engine again for the next request.
func (r *Reloader) Engine() *Engine { return r.cur.Load() }

// Evaluate evaluates answers with the Engine in service; see
// Engine.Evaluate. Verdict.RuleSet names the rule set that answered.
func (r *Reloader) Evaluate(ctx context.Context, answers Answers) (*Verdict, error) {
	return r.Engine().Evaluate(ctx, answers)
}

// Done is closed when the Reloader has stopped polling, after the context
// given to Watch is done. The last Engine stays in service.
func (r *Reloader) Done() <-chan struct{} { return r.done }

// Reload reads the files now instead of at the next poll and, unless they
// are exactly those of the Engine in service, loads them without waiting
// for a second look (a service's "reload" signal means the edit is
// finished). It returns the load error, if any, after reporting it; the
// last good Engine then stays in service. Files that are broken are
// reported at every Reload, not only the first time.
func (r *Reloader) Reload() error {
	return r.check(true)
}

func (r *Reloader) poll(ctx context.Context) {
	defer close(r.done)
	t := time.NewTicker(r.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = r.check(false) // reported through the handler
		}
	}
}

// check reads the files and builds an Engine from the bytes read if they
// differ from the Engine in service and, unless now is set, from what was
// last built, and were read the same by the previous check too.
func (r *Reloader) check(now bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	var files *ruleSetFiles
	if now {
		files = readRuleSetSettled(r.fsys, &r.opts)
	} else if files = readRuleSet(r.fsys, &r.opts); files.changed {
		r.havePend = false // caught mid-write: still settling
		return nil
	}
	key := files.key()
	if key == r.Engine().RuleSet().Hash {
		// What is on disk is what is in service, built from these very
		// bytes.
		r.seen, r.havePend = key, false
		return nil
	}
	if !now {
		if key == r.seen {
			r.havePend = false // a broken edit already reported
			return nil
		}
		if !r.havePend || r.pending != key {
			r.pending, r.havePend = key, true // still settling, or a new edit
			return nil
		}
	}
	r.havePend = false
	r.seen = key
	eng, err := build(files, r.opts)
	if err != nil {
		if r.opts.onReloadError != nil {
			r.opts.onReloadError(err)
		}
		return err
	}
	r.cur.Store(eng)
	if r.opts.onReload != nil {
		r.opts.onReload(eng)
	}
	return nil
}
