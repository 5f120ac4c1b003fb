package triage_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

const watchedQuestions = `questions:
  - id: fever
    text: Fever?
    type: boolean
  - id: pain_days
    text: Days?
    type: integer
    min: 0
`

// watchedRules is version 1.0.n of a rule set whose long_pain rule fires
// for pain_days > n. Version and threshold live in one file, so a verdict
// can be checked against the rule set it names.
func watchedRules(n int) string {
	return fmt.Sprintf(`name: watched
version: 1.0.%d
title: Watched rules
sources:
  - id: doc
    title: D
rules:
  - id: fever
    title: Fever
    when: fever
    action: refer
    advice: A.
    cite: {source: doc, section: S}
  - id: long_pain
    title: Long pain
    when: pain_days > %d
    action: refer
    advice: A.
    cite: {source: doc, section: S}
`, n, n)
}

// writeAtomically replaces dir/name by renaming a file written beside it
// under a name Load ignores.
func writeAtomically(t *testing.T, dir, name, data string) {
	t.Helper()
	tmp := filepath.Join(dir, ".tmp-"+name)
	require.NoError(t, os.WriteFile(tmp, []byte(data), 0o644))
	require.NoError(t, os.Rename(tmp, filepath.Join(dir, name)))
}

// TestReloaderUnderConcurrentEdits evaluates from several goroutines while
// the rule files go through a stream of good and broken edits. Every
// evaluation must succeed (or fail only for its invalid answers), and every
// verdict must agree with the rule set it names — its version and content
// hash — so no evaluation saw a half-loaded rule set or a broken one.
func TestReloaderUnderConcurrentEdits(t *testing.T) {
	const versions = 12
	// The hash of each good version, as Load computes it from the same
	// files.
	hashes := map[string]string{}
	for n := 1; n <= versions; n++ {
		eng := mustLoad(t, fstest.MapFS{
			"questions.yaml": {Data: []byte(watchedQuestions)},
			"rules.yaml":     {Data: []byte(watchedRules(n))},
		})
		hashes[eng.RuleSet().Version] = eng.RuleSet().Hash
	}

	dir := t.TempDir()
	writeAtomically(t, dir, "questions.yaml", watchedQuestions)
	writeAtomically(t, dir, "rules.yaml", watchedRules(1))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reported := make(chan error, 100)
	var reloads atomic.Int64
	r, err := triage.Watch(ctx, os.DirFS(dir),
		triage.WithPollInterval(2*time.Millisecond),
		triage.WithReloadErrorHandler(func(err error) {
			select {
			case reported <- err:
			default:
			}
		}),
		triage.WithReloadHandler(func(*triage.Engine) { reloads.Add(1) }),
	)
	require.NoError(t, err)

	var (
		wg       sync.WaitGroup
		stop     = make(chan struct{})
		failures = make(chan string, 16)
		evals    atomic.Int64
		mu       sync.Mutex
		seen     = map[string]bool{}
	)
	fail := func(format string, args ...any) {
		select {
		case failures <- fmt.Sprintf(format, args...):
		default:
		}
	}
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 7))
			for {
				select {
				case <-stop:
					return
				default:
				}
				days := rng.IntN(20)
				a := triage.Answers{"fever": false, "pain_days": days}
				switch rng.IntN(4) {
				case 0:
					delete(a, "fever") // incomplete unless long_pain fires
				case 1:
					a["fever"] = "no" // invalid
				}
				v, err := r.Evaluate(context.Background(), a)
				evals.Add(1)
				if a["fever"] == "no" {
					if v != nil || !errors.Is(err, triage.ErrInvalidAnswers) {
						fail("invalid answers gave %v, %v", v, err)
					}
					continue
				}
				if err != nil {
					fail("evaluation failed during reloads: %v", err)
					continue
				}
				info := v.RuleSet
				if hashes[info.Version] != info.Hash {
					fail("verdict from rule set %s %s, which is not a good version", info.Version, info.Hash)
					continue
				}
				n, _ := strconv.Atoi(strings.TrimPrefix(info.Version, "1.0."))
				want := triage.SelfCare
				switch {
				case days > n:
					want = triage.SeeProfessional
				case a["fever"] == nil:
					want = triage.Incomplete
				}
				if v.Outcome != want {
					fail("version %s, pain_days %d, fever %v: got %v, want %v", info.Version, days, a["fever"], v.Outcome, want)
				}
				mu.Lock()
				seen[info.Version] = true
				mu.Unlock()
			}
		}()
	}

	broken := []string{
		strings.Replace(watchedRules(0), "when: pain_days", "when: pain_dayz", 1), // CEL: unknown question
		"rules:\n  - id: x\n    title: [unclosed\n",                               // YAML syntax
		watchedRules(0)[:len(watchedRules(0))/2],                                  // a file cut short
		strings.Replace(watchedRules(0), "action: refer", "action: refre", 1),     // a bad value
	}
	errs := 0
	for n := 2; n <= versions; n++ {
		writeAtomically(t, dir, "rules.yaml", watchedRules(n))
		version := fmt.Sprintf("1.0.%d", n)
		require.Eventually(t, func() bool { return r.Engine().RuleSet().Version == version },
			10*time.Second, time.Millisecond, "version %s was never put in service", version)

		// A broken edit, written in place as an editor would.
		require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(broken[n%len(broken)]), 0o644))
		select {
		case err := <-reported:
			errs++
			require.ErrorIs(t, err, triage.ErrInvalidRuleSet)
			var list triage.ErrorList
			require.ErrorAs(t, err, &list)
			// The poller may catch the file empty, half-written or
			// complete: each is broken, and each error names its file.
			for _, e := range list {
				assert.NotEmpty(t, e.Pos.File, "%v", e)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("broken edit %d was never reported", n)
		}
		assert.Equal(t, version, r.Engine().RuleSet().Version, "the last good rule set stays in service after a broken edit")
	}
	time.Sleep(20 * time.Millisecond) // let the evaluators run against the last broken edit
	close(stop)
	wg.Wait()
	cancel()
	select {
	case <-r.Done():
	case <-time.After(10 * time.Second):
		t.Fatal("the Reloader did not stop when its context was cancelled")
	}
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	assert.GreaterOrEqual(t, errs, versions-1)
	assert.GreaterOrEqual(t, reloads.Load(), int64(versions-1), "every good version was loaded")
	assert.Greater(t, evals.Load(), int64(100), "the evaluators ran")
	assert.Greater(t, len(seen), 1, "the evaluators saw more than one rule set")
	t.Logf("%d evaluations, %d rule sets seen, %d reloads, %d broken edits reported", evals.Load(), len(seen), reloads.Load(), errs)
}

func TestWatchBasics(t *testing.T) {
	dir := t.TempDir()
	writeAtomically(t, dir, "questions.yaml", watchedQuestions)
	writeAtomically(t, dir, "rules.yaml", strings.Replace(watchedRules(1), "when: fever", "when: fevr", 1))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := triage.Watch(ctx, os.DirFS(dir))
	require.ErrorIs(t, err, triage.ErrInvalidRuleSet, "a rule set that does not load the first time is an error: there is nothing to serve")

	_, err = triage.Watch(ctx, os.DirFS(dir), triage.WithPollInterval(0))
	require.ErrorContains(t, err, "WithPollInterval")

	writeAtomically(t, dir, "rules.yaml", watchedRules(1))
	var reloads atomic.Int64
	// A long interval: only Reload looks at the files.
	r, err := triage.Watch(ctx, os.DirFS(dir), triage.WithPollInterval(time.Hour),
		triage.WithReloadHandler(func(*triage.Engine) { reloads.Add(1) }))
	require.NoError(t, err)
	first := r.Engine()

	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(watchedRules(1)), 0o644))
	require.NoError(t, r.Reload())
	assert.Same(t, first, r.Engine(), "rewriting a file unchanged does not reload")
	assert.Zero(t, reloads.Load())

	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte("rules: [\n"), 0o644))
	err = r.Reload()
	require.ErrorIs(t, err, triage.ErrInvalidRuleSet, "Reload returns the load error")
	assert.Same(t, first, r.Engine(), "and keeps the last good engine")
	require.NoError(t, r.Reload(), "an unchanged broken edit is not reported again")

	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(watchedRules(2)), 0o644))
	require.NoError(t, r.Reload())
	assert.Equal(t, "1.0.2", r.Engine().RuleSet().Version)
	assert.Equal(t, int64(1), reloads.Load())

	require.NoError(t, os.MkdirAll(filepath.Join(dir, "sub"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "sub", "more.yaml"), []byte(watchedQuestions), 0o644))
	require.ErrorContains(t, r.Reload(), "subdirectory", "a stray rule file is a change, refused like Load refuses it")

	cancel()
	select {
	case <-r.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the Reloader did not stop when its context was cancelled")
	}
	v, err := r.Evaluate(context.Background(), triage.Answers{"fever": true, "pain_days": 0})
	require.NoError(t, err, "a stopped Reloader still serves its last engine")
	assert.Equal(t, triage.SeeProfessional, v.Outcome)
}
