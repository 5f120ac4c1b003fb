package triage

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"path"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redflagkit/redflag/triage/internal/ruleset"
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
	opts     []Option
	interval time.Duration
	onError  func(error)
	onReload func(*Engine)
	maxFile  int // WithMaxRuleFileSize: digest reads no more than Load

	cur  atomic.Pointer[Engine]
	done chan struct{}

	mu       sync.Mutex // serialises checks: the poller and Reload
	seen     [32]byte   // digest of the files last loaded or tried
	pending  [32]byte   // digest seen at the previous poll, not yet loaded
	havePend bool
}

// Watch loads the rule set in fsys (normally os.DirFS(dir)) like Load, and
// then polls it every WithPollInterval (DefaultPollInterval by default) for
// changes until ctx is done. A change is a change in the content of the
// rule files (a SHA-256 of their names and bytes), not in their times, so
// touching a file or rewriting it unchanged does nothing.
//
// A change is loaded once two polls in a row see the same content, so that
// a rule set being written — several files saved one after another, a git
// checkout — is not loaded half-way. An edit that spans several files is
// still safest made by renaming a new directory into place, or by writing
// each file elsewhere and renaming it.
//
// If the first load fails, Watch returns its error and no Reloader.
func Watch(ctx context.Context, fsys fs.FS, opts ...Option) (*Reloader, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	r := &Reloader{
		fsys: fsys, opts: opts, interval: o.pollInterval,
		onError: o.onReloadError, onReload: o.onReload, maxFile: o.maxRuleFileSize,
		done: make(chan struct{}),
	}
	digest := r.digest()
	eng, err := Load(fsys, opts...)
	if err != nil {
		return nil, err
	}
	r.cur.Store(eng)
	r.seen = digest
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

// Reload looks at the files now instead of at the next poll, and loads
// them if they changed, without waiting for a second look (a service's
// "reload" signal means the edit is finished). It returns the load error,
// if any, after reporting it; the last good Engine then stays in service.
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

// check loads the files if their content differs from what was last
// loaded or tried. Unless now is set, a new content must be seen by two
// checks in a row first.
func (r *Reloader) check(now bool) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	d := r.digest()
	if d == r.seen {
		r.havePend = false
		return nil
	}
	if !now && (!r.havePend || r.pending != d) {
		r.pending, r.havePend = d, true // still settling, or a new edit
		return nil
	}
	r.havePend = false
	r.seen = d
	eng, err := Load(r.fsys, r.opts...)
	if err != nil {
		if r.onError != nil {
			r.onError(err)
		}
		return err
	}
	r.cur.Store(eng)
	if r.onReload != nil {
		r.onReload(eng)
	}
	return nil
}

// digest hashes what Load would read: the names and contents of the rule
// files at the root, and the names of YAML files elsewhere (which Load
// refuses). A file that cannot be read contributes its error, so that a
// change in readability is a change too.
func (r *Reloader) digest() [32]byte {
	h := sha256.New()
	_ = fs.WalkDir(r.fsys, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil {
			fmt.Fprintf(h, "error\x00%s\x00%v\x00", p, err)
			return nil
		}
		if de.IsDir() {
			if p != "." && (strings.HasPrefix(de.Name(), ".") || de.Name() == "testdata") {
				return fs.SkipDir
			}
			return nil
		}
		lower := strings.ToLower(path.Ext(p))
		if lower != ".yaml" && lower != ".yml" {
			return nil
		}
		fmt.Fprintf(h, "file\x00%s\x00", p)
		if path.Dir(p) != "." || !ruleset.IsRuleFile(de.Name()) {
			return nil
		}
		src, rerr := readRuleFile(r.fsys, p, r.maxFile)
		if rerr != nil {
			fmt.Fprintf(h, "error\x00%v\x00", rerr)
			return nil
		}
		fmt.Fprintf(h, "%d\x00", len(src))
		h.Write(src)
		return nil
	})
	var out [32]byte
	h.Sum(out[:0])
	return out
}
