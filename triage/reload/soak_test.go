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

// soakDuration is how long TestSoak runs: two seconds by default, or the
// duration in REDFLAG_SOAK (REDFLAG_SOAK=5m go test ./triage -run TestSoak).
func soakDuration(t *testing.T) time.Duration {
	if s := os.Getenv("REDFLAG_SOAK"); s != "" {
		d, err := time.ParseDuration(s)
		require.NoError(t, err, "REDFLAG_SOAK must be a Go duration like 30s or 5m")
		return d
	}
	return 2 * time.Second
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
// comment-only changes and the occasional broken edit). Every verdict is
// checked against the oracle; there must be no disagreement, no panic, no
// verdict from a rule set that was not loaded, and the heap must come back
// to where it started.
func TestSoak(t *testing.T) {
	d := soakDuration(t)
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

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		loaded   sync.Map // hash → true, for every rule set put in service
		unseen   sync.Map // hashes of verdicts seen before their reload was recorded
		reloads  atomic.Int64
		reported atomic.Int64
	)
	r, err := reload.Watch(ctx, os.DirFS(dir),
		reload.WithInterval(time.Millisecond),
		reload.WithReloadHandler(func(e *triage.Engine) { loaded.Store(e.RuleSet().Hash, true); reloads.Add(1) }),
		reload.WithErrorHandler(func(error) { reported.Add(1) }))
	require.NoError(t, err)
	loaded.Store(r.Engine().RuleSet().Hash, true)

	var (
		wg       sync.WaitGroup
		deadline = time.Now().Add(d)
		evals    atomic.Int64
		problems = make(chan string, 16)
		report   = func(format string, args ...any) {
			select {
			case problems <- fmt.Sprintf(format, args...):
			default:
			}
		}
	)
	// The editor: comment-only edits that change the content hash and so
	// cause a reload, and every fifth edit a broken one.
	wg.Add(1)
	go func() {
		defer wg.Done()
		for i := 0; time.Now().Before(deadline); i++ {
			data := fmt.Appendf(append([]byte{}, header...), "# edit %d\n", i)
			if i%5 == 4 {
				data = append(data, "rules: [\n"...)
			}
			tmp := filepath.Join(dir, ".tmp-ruleset")
			if err := os.WriteFile(tmp, data, 0o644); err != nil {
				report("writing: %v", err)
				return
			}
			if err := os.Rename(tmp, filepath.Join(dir, "ruleset.yaml")); err != nil {
				report("renaming: %v", err)
				return
			}
			time.Sleep(5 * time.Millisecond)
		}
	}()
	workers := runtime.GOMAXPROCS(0)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer func() {
				if p := recover(); p != nil {
					report("panic: %v", p)
				}
			}()
			rng := rand.New(rand.NewPCG(uint64(w), uint64(time.Now().UnixNano())))
			for time.Now().Before(deadline) {
				a, o, valid := genAnswers(rng)
				v, err := r.Engine().Evaluate(context.Background(), a)
				evals.Add(1)
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
	wg.Wait()
	cancel()
	<-r.Done()
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
	t.Logf("%s on %d workers: %d evaluations, %d reloads, %d broken edits reported; heap %d → %d bytes",
		d, workers, evals.Load(), reloads.Load(), reported.Load(), before.HeapAlloc, after.HeapAlloc)
	assert.Greater(t, evals.Load(), int64(1000), "the workers ran")
	assert.Greater(t, reloads.Load(), int64(2), "the rules were reloaded during the soak")
	assert.Greater(t, reported.Load(), int64(0), "broken edits were reported")
	// One engine for the default rules takes about 2 MB to build and far
	// less to keep; everything else is per evaluation. 8 MiB of growth
	// would mean engines or verdicts are being retained.
	assert.Less(t, growth, int64(8<<20), "heap grew by %d bytes", growth)
}
