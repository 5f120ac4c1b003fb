package reload_test

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/reload"
)

// soakEdits and soakEvals bound TestSoak's work when it runs as a unit
// test: the editor makes soakEdits edits (every fifth one broken), and each
// worker makes at least soakEvals evaluations, so that the counts checked
// cannot depend on the machine's speed.
const soakEdits, soakEvals = 20, 500

// soakDuration is how long TestSoak runs when REDFLAG_SOAK is set to a Go
// duration (REDFLAG_SOAK=5m go test ./triage/reload -run TestSoak): the
// editor then goes on editing, past soakEdits, until that time is up. It is
// 0, a run of soakEdits edits, when REDFLAG_SOAK is not set.
func soakDuration(t *testing.T) time.Duration {
	s := os.Getenv("REDFLAG_SOAK")
	if s == "" {
		return 0
	}
	d, err := time.ParseDuration(s)
	require.NoError(t, err, "REDFLAG_SOAK must be a Go duration like 30s or 5m")
	require.Positive(t, d, "REDFLAG_SOAK must be a positive duration")
	return d
}

// TestOracleAgreesWithEvaluate checks the oracle itself, single-threaded,
// before the soak relies on it, and that the random answers reach every
// outcome.
func TestOracleAgreesWithEvaluate(t *testing.T) {
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	require.Len(t, eng.Questions(), len(oracleQuestions), "the oracle must cover every question")
	require.Len(t, eng.Rules(), len(oracleRules), "the oracle must cover every rule")
	rng := rand.New(rand.NewPCG(5, 5))
	outcomes := map[triage.Outcome]int{}
	invalid := 0
	for range 5000 {
		a, o, valid := genAnswers(rng)
		v, err := eng.Evaluate(context.Background(), a)
		if !valid {
			require.ErrorIs(t, err, triage.ErrInvalidAnswers, "answers: %v", a)
			invalid++
			continue
		}
		require.NoError(t, err, "answers: %v", a)
		require.Empty(t, agree(v, oracle(o)), "answers: %v", a)
		outcomes[v.Outcome]++
	}
	for _, o := range []triage.Outcome{triage.SelfCare, triage.SeeProfessional, triage.Incomplete} {
		assert.Greater(t, outcomes[o], 50, "outcome %v is exercised", o)
	}
	assert.Greater(t, invalid, 50, "invalid answer sets are exercised")
}

// TestSoak runs every core evaluating random valid and invalid answer sets
// against the default rule set while it is reloaded continually (a
// Reloader over a copy of rules/ in a temporary directory, edited with
// comment-only changes and every fifth edit a broken one). Every verdict
// is checked against the oracle; there must be no disagreement, no panic,
// no verdict from a rule set that was not loaded, and the heap must come
// back to where it started.
//
// The work is bounded, not the time: soakEdits edits, each put in service
// (or refused) before the next — by Reload or by two polls driven through
// an injected ticker, while a racing poller polls twice at the same time —
// and the editor moves on only once the workers have made a few
// evaluations since the last edit. So every good edit is loaded exactly once and every
// broken one is reported, however fast the machine. With REDFLAG_SOAK set,
// the editor goes on editing until that much time has passed, and the same
// checks hold.
func TestSoak(t *testing.T) {
	soak := soakDuration(t)
	dir := t.TempDir()
	require.NoError(t, fs.WalkDir(rules.FS, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil || de.IsDir() {
			return err
		}
		data, err := fs.ReadFile(rules.FS, p)
		if err != nil {
			return err
		}
		require.NoError(t, os.MkdirAll(filepath.Join(dir, filepath.Dir(p)), 0o755))
		return os.WriteFile(filepath.Join(dir, p), data, 0o644)
	}))
	header, err := fs.ReadFile(rules.FS, "ruleset.yaml")
	require.NoError(t, err)

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now() // for the log and REDFLAG_SOAK only; no check uses it

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		loaded   sync.Map // hash → true, for every rule set put in service
		unseen   sync.Map // hashes of verdicts seen before their reload was recorded
		reloads  atomic.Int64
		reported atomic.Int64
	)
	tk := reload.NewTicker()
	r, err := reload.Watch(ctx, os.DirFS(dir), reload.WithTicker(tk),
		reload.WithReloadHandler(func(e *triage.Engine) { loaded.Store(e.RuleSet().Hash, true); reloads.Add(1) }),
		reload.WithErrorHandler(func(error) { reported.Add(1) }))
	require.NoError(t, err)
	loaded.Store(r.Engine().RuleSet().Hash, true)

	var (
		workersWG, pollerWG sync.WaitGroup
		editing             = make(chan struct{}) // closed when the editor is done
		evals               atomic.Int64
		progress            = make(chan struct{}, 1) // a nudge after each evaluation
		good, broken        int
		problems            = make(chan string, 16)
		report              = func(format string, args ...any) {
			select {
			case problems <- fmt.Sprintf(format, args...):
			default:
			}
		}
	)
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		workersWG.Add(1)
		go func() {
			defer workersWG.Done()
			defer func() {
				if p := recover(); p != nil {
					report("panic: %v", p)
				}
			}()
			rng := rand.New(rand.NewPCG(uint64(w), 11))
			for n := 0; ; n++ {
				if n >= soakEvals {
					select {
					case <-editing:
						return
					default:
					}
				}
				a, o, valid := genAnswers(rng)
				v, err := r.Engine().Evaluate(context.Background(), a)
				evals.Add(1)
				select {
				case progress <- struct{}{}:
				default:
				}
				if !valid {
					if v != nil || !errors.Is(err, triage.ErrInvalidAnswers) {
						report("invalid answers %v: got %v, %v", a, v, err)
					}
					continue
				}
				if err != nil {
					report("answers %v: %v", a, err)
					continue
				}
				if _, ok := loaded.Load(v.RuleSet.Hash); !ok {
					// The reload handler runs just after the swap, so a
					// verdict can come from an engine it has not yet
					// recorded; check once the run is over.
					unseen.Store(v.RuleSet.Hash, true)
				}
				if diff := agree(v, oracle(o)); diff != "" {
					report("answers %v: %s", a, diff)
				}
			}
		}()
	}
	// The racing poller: at each edit it polls twice while the editor
	// puts the edit in service, so that polls and Reload contend for the
	// Reloader. What it loads or reports first, the editor's Reload or
	// polls then find done.
	edited, raced := make(chan struct{}), make(chan struct{})
	pollerWG.Add(1)
	go func() {
		defer pollerWG.Done()
		for range edited {
			_ = tk.Poll() // a broken edit's error goes to the handler
			_ = tk.Poll()
			raced <- struct{}{}
		}
	}()

	// The editor, on this goroutine: comment-only edits that change the
	// content hash and so cause a reload, and every fifth edit a broken
	// one. Even edits are put in service by Reload, odd ones by two polls.
	for i := 0; i < soakEdits || time.Since(start) < soak; i++ {
		// Let the workers evaluate against the rule set in service.
		for target := evals.Load() + int64(workers); evals.Load() < target; {
			<-progress
		}
		data := fmt.Appendf(append([]byte{}, header...), "# edit %d\n", i)
		isBroken := i%5 == 4
		if isBroken {
			data = append(data, "rules: [\n"...)
			broken++
		} else {
			good++
		}
		prev := r.Engine()
		tmp := filepath.Join(dir, ".tmp-ruleset")
		require.NoError(t, os.WriteFile(tmp, data, 0o644))
		require.NoError(t, os.Rename(tmp, filepath.Join(dir, "ruleset.yaml")))
		edited <- struct{}{}
		if i%2 == 0 {
			err := r.Reload()
			if isBroken {
				require.ErrorIs(t, err, triage.ErrInvalidRuleSet, "edit %d", i)
			} else {
				require.NoError(t, err, "edit %d", i)
			}
		} else {
			// Two polls that both began after the edit: the second loads
			// it, unless the racing poller already did (or reported it).
			_ = tk.Poll()
			_ = tk.Poll()
		}
		<-raced
		if isBroken {
			require.Same(t, prev, r.Engine(), "edit %d is broken: the last good rule set stays in service", i)
		} else {
			require.NotSame(t, prev, r.Engine(), "edit %d is in service", i)
		}
	}
	close(edited)
	pollerWG.Wait()
	close(editing)
	workersWG.Wait()
	cancel()
	<-r.Done()
	elapsed := time.Since(start)
	unseen.Range(func(h, _ any) bool {
		if _, ok := loaded.Load(h); !ok {
			report("verdict from rule set %s, which was never loaded", h)
		}
		return true
	})
	close(problems)
	for p := range problems {
		t.Error(p)
	}

	r = nil
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	growth := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	t.Logf("%s on %d workers: %d edits (%d broken), %d evaluations, %d reloads, %d broken edits reported; heap %d → %d bytes",
		elapsed.Round(time.Millisecond), workers, good+broken, broken, evals.Load(), reloads.Load(), reported.Load(), before.HeapAlloc, after.HeapAlloc)
	assert.GreaterOrEqual(t, evals.Load(), int64(workers*soakEvals), "every worker made its evaluations")
	assert.Equal(t, int64(good), reloads.Load(), "each good edit was loaded exactly once")
	assert.GreaterOrEqual(t, reported.Load(), int64(broken), "each broken edit was reported")
	// A broken edit is reported by at most the racing poller and Reload:
	// polling reports an edit once, not at every poll.
	assert.LessOrEqual(t, reported.Load(), int64(2*broken), "a broken edit is not reported at every poll")
	// One engine for the default rules takes about 2 MB to build and far
	// less to keep; everything else is per evaluation. 8 MiB of growth
	// would mean engines or verdicts are being retained.
	assert.Less(t, growth, int64(8<<20), "heap grew by %d bytes", growth)
}
