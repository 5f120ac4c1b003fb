package reload_test

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
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/reload"
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
// the rule files go through a stream of good and broken edits, polled one
// poll at a time. Every evaluation must succeed (or fail only for its
// invalid answers), and every verdict must agree with the rule set it names
// — its version and content hash — so no evaluation saw a half-loaded rule
// set or a broken one. Nothing depends on the machine's speed: polls are
// driven by the test, and the editor moves on only once an evaluator has
// had a verdict from the version just put in service.
func TestReloaderUnderConcurrentEdits(t *testing.T) {
	const versions = 12
	// The hash of each good version, as Load computes it from the same
	// files.
	hashes := map[string]string{}
	// served[v] is closed at the first verdict from version v.
	served := map[string]chan struct{}{}
	for n := 1; n <= versions; n++ {
		eng := mustLoad(t, fstest.MapFS{
			"questions.yaml": {Data: []byte(watchedQuestions)},
			"rules.yaml":     {Data: []byte(watchedRules(n))},
		})
		hashes[eng.RuleSet().Version] = eng.RuleSet().Hash
		served[eng.RuleSet().Version] = make(chan struct{})
	}

	dir := t.TempDir()
	writeAtomically(t, dir, "questions.yaml", watchedQuestions)
	writeAtomically(t, dir, "rules.yaml", watchedRules(1))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var reloads, reported atomic.Int64
	tk := reload.NewTicker()
	r, err := reload.Watch(ctx, os.DirFS(dir), reload.WithTicker(tk),
		reload.WithErrorHandler(func(error) { reported.Add(1) }),
		reload.WithReloadHandler(func(*triage.Engine) { reloads.Add(1) }),
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
				v, err := r.Engine().Evaluate(context.Background(), a)
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
				if !seen[info.Version] {
					seen[info.Version] = true
					close(served[info.Version])
				}
				mu.Unlock()
			}
		}()
	}
	// awaitVerdict waits for an evaluator to have had a verdict from
	// version; the guard fails the test rather than hang it, and is no
	// bound on speed.
	awaitVerdict := func(version string) {
		t.Helper()
		select {
		case <-served[version]:
		case <-time.After(time.Minute):
			t.Fatalf("no evaluator had a verdict from version %s", version)
		}
	}

	broken := []string{
		strings.Replace(watchedRules(0), "when: pain_days", "when: pain_dayz", 1), // CEL: unknown question
		"rules:\n  - id: x\n    title: [unclosed\n",                               // YAML syntax
		watchedRules(0)[:len(watchedRules(0))/2],                                  // a file cut short
		strings.Replace(watchedRules(0), "action: refer", "action: refre", 1),     // a bad value
	}
	poll := func() error { return within(t, "a poll", tk.Poll) }
	awaitVerdict("1.0.1")
	for n := 2; n <= versions; n++ {
		writeAtomically(t, dir, "rules.yaml", watchedRules(n))
		version := fmt.Sprintf("1.0.%d", n)
		require.NoError(t, poll())
		assert.Equal(t, fmt.Sprintf("1.0.%d", n-1), r.Engine().RuleSet().Version, "one poll sees the change; it is loaded once a second poll reads the same")
		require.NoError(t, poll())
		require.Equal(t, version, r.Engine().RuleSet().Version, "two polls that read version %s put it in service", version)
		awaitVerdict(version)

		// A broken edit, written in place as an editor would.
		require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(broken[n%len(broken)]), 0o644))
		require.NoError(t, poll())
		err := poll()
		require.ErrorIs(t, err, triage.ErrInvalidRuleSet, "the second poll that reads the broken edit builds and reports it")
		var list triage.ErrorList
		require.ErrorAs(t, err, &list)
		for _, e := range list {
			assert.NotEmpty(t, e.Pos.File, "every error names its file: %v", e)
		}
		require.NoError(t, poll(), "a broken edit is reported once, not at every poll")
		assert.Equal(t, version, r.Engine().RuleSet().Version, "the last good rule set stays in service after a broken edit")
	}
	close(stop)
	wg.Wait()
	cancel()
	select {
	case <-r.Done():
	case <-time.After(time.Minute): // a guard against hanging, not a bound on speed
		t.Fatal("the Reloader did not stop when its context was cancelled")
	}
	close(failures)
	for f := range failures {
		t.Error(f)
	}
	assert.Equal(t, int64(versions-1), reported.Load(), "each broken edit was reported once")
	assert.Equal(t, int64(versions-1), reloads.Load(), "each good version was loaded once")
	assert.Len(t, seen, versions, "the evaluators had verdicts from every version")
	t.Logf("%d evaluations, %d reloads, %d broken edits reported", evals.Load(), reloads.Load(), reported.Load())
}

func TestWatchBasics(t *testing.T) {
	dir := t.TempDir()
	writeAtomically(t, dir, "questions.yaml", watchedQuestions)
	writeAtomically(t, dir, "rules.yaml", strings.Replace(watchedRules(1), "when: fever", "when: fevr", 1))

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, err := reload.Watch(ctx, os.DirFS(dir))
	require.ErrorIs(t, err, triage.ErrInvalidRuleSet, "a rule set that does not load the first time is an error: there is nothing to serve")

	_, err = reload.Watch(ctx, os.DirFS(dir), reload.WithInterval(0))
	require.ErrorContains(t, err, "WithInterval")

	writeAtomically(t, dir, "rules.yaml", watchedRules(1))
	var reloads atomic.Int64
	// A long interval: only Reload looks at the files.
	r, err := reload.Watch(ctx, os.DirFS(dir), reload.WithInterval(time.Hour),
		reload.WithReloadHandler(func(*triage.Engine) { reloads.Add(1) }))
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
	require.ErrorIs(t, r.Reload(), triage.ErrInvalidRuleSet, "Reload loads what is on disk every time: an unchanged broken edit is reported again")
	assert.Same(t, first, r.Engine())

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
	case <-time.After(time.Minute): // a guard against hanging, not a bound on speed
		t.Fatal("the Reloader did not stop when its context was cancelled")
	}
	v, err := r.Engine().Evaluate(context.Background(), triage.Answers{"fever": true, "pain_days": 0})
	require.NoError(t, err, "a stopped Reloader still serves its last engine")
	assert.Equal(t, triage.SeeProfessional, v.Outcome)
}

// within runs f in a goroutine and fails the test, rather than hanging it,
// if f does not return. The guard is far beyond anything f takes on a
// loaded machine: it bounds nothing about speed.
func within(t *testing.T, what string, f func() error) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- f() }()
	select {
	case err := <-done:
		return err
	case <-time.After(30 * time.Second):
		t.Fatalf("%s blocked", what)
		return nil
	}
}

// TestWatchNamedPipe: a FIFO named like a rule file wedged the poller, and
// Reload with it, for good. It is an error naming the file, and the next
// good edit loads.
func TestWatchNamedPipe(t *testing.T) {
	dir := t.TempDir()
	writeAtomically(t, dir, "questions.yaml", watchedQuestions)
	writeAtomically(t, dir, "rules.yaml", watchedRules(1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tk := reload.NewTicker()
	r, err := reload.Watch(ctx, os.DirFS(dir), reload.WithTicker(tk))
	require.NoError(t, err)

	require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644))
	require.NoError(t, within(t, "a poll", tk.Poll))
	err = within(t, "a poll", tk.Poll)
	require.ErrorIs(t, err, triage.ErrInvalidRuleSet, "the poller reports the named pipe")
	assert.ErrorContains(t, err, "pipe.yaml: not a regular file: it is a named pipe")
	err = within(t, "Reload", r.Reload)
	require.ErrorIs(t, err, triage.ErrInvalidRuleSet)
	assert.ErrorContains(t, err, "pipe.yaml: not a regular file: it is a named pipe")
	assert.Equal(t, "1.0.1", r.Engine().RuleSet().Version, "the last good rule set stays in service")

	require.NoError(t, os.Remove(filepath.Join(dir, "pipe.yaml")))
	writeAtomically(t, dir, "rules.yaml", watchedRules(2))
	require.NoError(t, within(t, "a poll", tk.Poll))
	require.NoError(t, within(t, "a poll", tk.Poll))
	assert.Equal(t, "1.0.2", r.Engine().RuleSet().Version, "the poller goes on after the named pipe")
}

// configMap lays out dir as a Kubernetes ConfigMap volume does: each file is
// a link into ..data, itself a link to a hidden timestamped directory
// holding the real files. An update writes a new timestamped directory,
// renames a new ..data link over the old one, and removes the old
// directory.
type configMap struct {
	t   *testing.T
	dir string
	cur string
	n   int
}

func newConfigMap(t *testing.T, files map[string]string) *configMap {
	c := &configMap{t: t, dir: t.TempDir()}
	c.update(files)
	for name := range files {
		require.NoError(t, os.Symlink(filepath.Join("..data", name), filepath.Join(c.dir, name)))
	}
	return c
}

func (c *configMap) update(files map[string]string) {
	c.n++
	ts := fmt.Sprintf("..2026_12_01_10_00_%02d.%03d", c.n, c.n)
	require.NoError(c.t, os.Mkdir(filepath.Join(c.dir, ts), 0o755))
	for name, data := range files {
		require.NoError(c.t, os.WriteFile(filepath.Join(c.dir, ts, name), []byte(data), 0o644))
	}
	require.NoError(c.t, os.Symlink(ts, filepath.Join(c.dir, "..data_tmp")))
	require.NoError(c.t, os.Rename(filepath.Join(c.dir, "..data_tmp"), filepath.Join(c.dir, "..data")))
	if c.cur != "" {
		require.NoError(c.t, os.RemoveAll(filepath.Join(c.dir, c.cur)))
	}
	c.cur = ts
}

// TestWatchConfigMapVolume watches a rule directory laid out like a
// Kubernetes ConfigMap volume through its atomic updates.
func TestWatchConfigMapVolume(t *testing.T) {
	cm := newConfigMap(t, map[string]string{"questions.yaml": watchedQuestions, "rules.yaml": watchedRules(1)})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := reload.Watch(ctx, os.DirFS(cm.dir), reload.WithInterval(time.Hour))
	require.NoError(t, err)
	assert.Equal(t, "1.0.1", r.Engine().RuleSet().Version)

	for n := 2; n <= 4; n++ {
		cm.update(map[string]string{"questions.yaml": watchedQuestions, "rules.yaml": watchedRules(n)})
		require.NoError(t, r.Reload())
		fresh, err := triage.Load(os.DirFS(cm.dir))
		require.NoError(t, err)
		assert.Equal(t, fresh.RuleSet(), r.Engine().RuleSet(), "update %d is in service", n)
		assert.Equal(t, fmt.Sprintf("1.0.%d", n), r.Engine().RuleSet().Version)
	}

	cm.update(map[string]string{"questions.yaml": watchedQuestions, "rules.yaml": "rules: [\n"})
	require.ErrorContains(t, r.Reload(), "rules.yaml:", "a broken update is refused, named by the file's own name")
	assert.Equal(t, "1.0.4", r.Engine().RuleSet().Version)
}

// TestWatchInPlaceRewritesStress races in-place rewrites (truncate, write
// half, yield, write the rest) against a poller polling as fast as it can,
// in bounded rounds. After each round, two more polls must settle the
// Reloader on exactly what a fresh Load of the files gives: never on a
// half-written file whose complete version it mistook for loaded.
func TestWatchInPlaceRewritesStress(t *testing.T) {
	const rounds, writes = 20, 15
	dir := t.TempDir()
	writeAtomically(t, dir, "questions.yaml", watchedQuestions)
	writeAtomically(t, dir, "rules.yaml", watchedRules(1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tk := reload.NewTicker()
	r, err := reload.Watch(ctx, os.DirFS(dir), reload.WithTicker(tk))
	require.NoError(t, err)

	rewrite := func(data string) {
		f, err := os.OpenFile(filepath.Join(dir, "rules.yaml"), os.O_WRONLY|os.O_TRUNC, 0)
		require.NoError(t, err)
		half := len(data) / 2
		_, err = f.WriteString(data[:half])
		require.NoError(t, err)
		time.Sleep(50 * time.Microsecond) // a pause mid-write, as a slow editor makes
		_, err = f.WriteString(data[half:])
		require.NoError(t, err)
		require.NoError(t, f.Close())
	}
	var polls atomic.Int64
	for round := range rounds {
		// The racing poller: it polls without pause until the round's
		// writes are done. How many of its polls catch a file half-written
		// depends on scheduling; what the Reloader settles on must not.
		done := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-done:
					return
				default:
				}
				_ = tk.Poll() // the writes are all good; a cut file may fail to load
				polls.Add(1)
			}
		}()
		for w := range writes {
			rewrite(watchedRules(2 + (round*writes+w)%5))
		}
		close(done)
		wg.Wait()

		fresh, err := triage.Load(os.DirFS(dir))
		require.NoError(t, err)
		require.NoError(t, within(t, "a poll", tk.Poll))
		require.NoError(t, within(t, "a poll", tk.Poll))
		require.Equal(t, fresh.RuleSet(), r.Engine().RuleSet(),
			"round %d: two polls of the files at rest did not settle the Reloader on them (%s)", round, fresh.RuleSet().Version)
	}
	require.NoError(t, r.Reload())
	t.Logf("%d racing polls", polls.Load())
}

func mustLoad(t testing.TB, fsys fstest.MapFS) *triage.Engine {
	t.Helper()
	eng, err := triage.Load(fsys)
	require.NoError(t, err)
	return eng
}

// WithDecisionHook reaches every Engine the Reloader loads: each Decision
// names the rule set that decided.
func TestWatchDecisionHook(t *testing.T) {
	dir := t.TempDir()
	writeAtomically(t, dir, "questions.yaml", watchedQuestions)
	writeAtomically(t, dir, "rules.yaml", watchedRules(1))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var (
		mu  sync.Mutex
		got []triage.Decision
	)
	r, err := reload.Watch(ctx, os.DirFS(dir), reload.WithInterval(time.Hour),
		reload.WithDecisionHook(func(_ context.Context, d triage.Decision) {
			mu.Lock()
			defer mu.Unlock()
			got = append(got, d)
		}))
	require.NoError(t, err)
	a := triage.Answers{"fever": false, "pain_days": 2}
	_, err = r.Engine().Evaluate(ctx, a)
	require.NoError(t, err)
	writeAtomically(t, dir, "rules.yaml", watchedRules(5))
	require.NoError(t, r.Reload())
	_, err = r.Engine().Evaluate(ctx, a)
	require.NoError(t, err)

	mu.Lock()
	defer mu.Unlock()
	require.Len(t, got, 2)
	assert.Equal(t, "1.0.1", got[0].RuleSet.Version)
	assert.Equal(t, triage.SeeProfessional, got[0].Outcome)
	assert.Equal(t, []string{"long_pain"}, got[0].Refer)
	assert.Equal(t, "1.0.5", got[1].RuleSet.Version)
	assert.Equal(t, triage.SelfCare, got[1].Outcome)
	assert.Equal(t, got[0].AnswersDigest, got[1].AnswersDigest, "the same answers")
}

// TestRevertAfterBrokenEditIsReported: undoing a broken edit returns the
// files to exactly the rule set in service. Nothing needs loading, but a
// handler that recorded the error (a readiness check) must hear that it is
// over, or it reports a stale rule set for good.
func TestRevertAfterBrokenEditIsReported(t *testing.T) {
	dir := t.TempDir()
	writeAtomically(t, dir, "questions.yaml", watchedQuestions)
	writeAtomically(t, dir, "rules.yaml", watchedRules(1))
	var reloaded []*triage.Engine
	var failures int
	r, err := reload.Watch(t.Context(), os.DirFS(dir), reload.WithInterval(time.Hour),
		reload.WithErrorHandler(func(error) { failures++ }),
		reload.WithReloadHandler(func(e *triage.Engine) { reloaded = append(reloaded, e) }))
	require.NoError(t, err)
	first := r.Engine()

	require.NoError(t, r.Reload())
	assert.Empty(t, reloaded, "the files in service, unchanged: nothing to report")

	writeAtomically(t, dir, "rules.yaml", "rules: [\n")
	require.ErrorIs(t, r.Reload(), triage.ErrInvalidRuleSet)
	assert.Equal(t, 1, failures)

	writeAtomically(t, dir, "rules.yaml", watchedRules(1))
	require.NoError(t, r.Reload())
	assert.Same(t, first, r.Engine(), "nothing is rebuilt: the files are those in service")
	require.Len(t, reloaded, 1, "the revert is reported to the reload handler")
	assert.Same(t, first, reloaded[0])

	require.NoError(t, r.Reload())
	assert.Len(t, reloaded, 1, "and only once")
}
