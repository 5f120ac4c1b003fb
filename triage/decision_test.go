package triage_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// decisions collects what a hook is called with.
type decisions struct {
	mu   sync.Mutex
	got  []triage.Decision
	ctxs []context.Context
}

func (d *decisions) hook(ctx context.Context, dec triage.Decision) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.got = append(d.got, dec)
	d.ctxs = append(d.ctxs, ctx)
}

// take returns the decisions so far and forgets them.
func (d *decisions) take() []triage.Decision {
	d.mu.Lock()
	defer d.mu.Unlock()
	got := d.got
	d.got, d.ctxs = nil, nil
	return got
}

type ctxKey struct{}

func TestDecisionHookOncePerEvaluation(t *testing.T) {
	var rec decisions
	eng, err := triage.Load(rules.FS, triage.WithDecisionHook(rec.hook))
	require.NoError(t, err)
	ctx := context.WithValue(context.Background(), ctxKey{}, "request-7")
	info := eng.RuleSet()

	v, err := eng.Evaluate(ctx, benchAnswers())
	require.NoError(t, err)
	got := rec.take()
	require.Len(t, got, 1)
	d := got[0]
	assert.Equal(t, info, d.RuleSet)
	assert.Equal(t, triage.SeeProfessional, d.Outcome)
	var refer, caution []string
	for _, r := range v.Reasons {
		if r.Action == triage.Refer {
			refer = append(refer, r.RuleID)
		} else {
			caution = append(caution, r.RuleID)
		}
	}
	assert.Equal(t, refer, d.Refer)
	assert.Equal(t, caution, d.Caution)
	assert.Equal(t, []string{}, d.Missing)
	assert.NoError(t, d.Err)
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, d.AnswersDigest)
	assert.GreaterOrEqual(t, d.Duration, time.Duration(0))

	// The caller's context reaches the hook.
	_, err = eng.Evaluate(ctx, benchMissing())
	require.NoError(t, err)
	rec.mu.Lock()
	require.Len(t, rec.ctxs, 1)
	assert.Equal(t, "request-7", rec.ctxs[0].Value(ctxKey{}))
	rec.mu.Unlock()
	got = rec.take()
	assert.Equal(t, triage.Incomplete, got[0].Outcome)
	want, err := eng.Evaluate(ctx, benchMissing())
	require.NoError(t, err)
	rec.take()
	assert.Equal(t, want.Missing, got[0].Missing)
	assert.NotEmpty(t, got[0].Missing)

	// Next and Explain: one call each, the Decision of the same pass.
	_, ok, err := eng.Next(ctx, benchMissing())
	require.NoError(t, err)
	require.True(t, ok)
	next := rec.take()
	require.Len(t, next, 1)
	_, err = eng.Explain(ctx, benchMissing())
	require.NoError(t, err)
	explain := rec.take()
	require.Len(t, explain, 1)
	for _, d := range []triage.Decision{next[0], explain[0]} {
		assert.Equal(t, got[0].Outcome, d.Outcome)
		assert.Equal(t, got[0].Missing, d.Missing)
		assert.Equal(t, got[0].AnswersDigest, d.AnswersDigest)
	}
}

// A failed evaluation is logged too: with its error, and no outcome, rule
// or question.
func TestDecisionHookSeesFailures(t *testing.T) {
	var rec decisions
	eng, err := triage.Load(rules.FS, triage.WithDecisionHook(rec.hook))
	require.NoError(t, err)

	_, err = eng.Evaluate(context.Background(), triage.Answers{"fever": "yes"})
	require.Error(t, err)
	got := rec.take()
	require.Len(t, got, 1)
	assert.Equal(t, err, got[0].Err)
	var ae triage.AnswerErrors
	assert.True(t, errors.As(got[0].Err, &ae))
	assert.Zero(t, got[0].Outcome)
	assert.Nil(t, got[0].Refer)
	assert.Nil(t, got[0].Caution)
	assert.Nil(t, got[0].Missing)
	assert.Empty(t, got[0].AnswersDigest, "refused answers have no digest")
	assert.Equal(t, eng.RuleSet(), got[0].RuleSet)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, call := range []func() error{
		func() error { _, err := eng.Evaluate(ctx, benchAnswers()); return err },
		func() error { _, _, err := eng.Next(ctx, benchAnswers()); return err },
		func() error { _, err := eng.Explain(ctx, benchAnswers()); return err },
	} {
		require.ErrorIs(t, call(), context.Canceled)
		got := rec.take()
		require.Len(t, got, 1)
		assert.ErrorIs(t, got[0].Err, context.Canceled)
		assert.Zero(t, got[0].Outcome)
	}
}

// The digest is of the answers' meaning: the same answers in other Go
// types, from JSON, or with a list in another order have the same digest;
// other answers have another.
func TestDecisionDigest(t *testing.T) {
	var rec decisions
	eng, err := triage.Load(rules.FS, triage.WithDecisionHook(rec.hook))
	require.NoError(t, err)
	ctx := context.Background()
	digest := func(a triage.Answers) string {
		t.Helper()
		_, err := eng.Evaluate(ctx, a)
		require.NoError(t, err)
		got := rec.take()
		require.Len(t, got, 1)
		return got[0].AnswersDigest
	}
	base := digest(triage.Answers{"fever": false, "pops_per_day": int64(12), "numbness_tingling": []string{"arms", "chest"}})
	fromJSON, err := eng.DecodeAnswers(strings.NewReader(`{"numbness_tingling": ["chest", "arms"], "pops_per_day": 12.0, "fever": false, "night_pain": null}`))
	require.NoError(t, err)
	assert.Equal(t, base, digest(fromJSON))
	assert.Equal(t, base, digest(triage.Answers{"fever": false, "pops_per_day": 12, "numbness_tingling": []any{"chest", "arms"}}))
	assert.NotEqual(t, base, digest(triage.Answers{"fever": false, "pops_per_day": int64(13), "numbness_tingling": []string{"arms", "chest"}}))
	assert.NotEqual(t, base, digest(triage.Answers{"fever": false, "pops_per_day": int64(12), "numbness_tingling": []string{"arms"}}))
	// The canonical form of no answers is {}.
	assert.Equal(t, "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", digest(triage.Answers{}))
}

// Without a hook nothing changes: WithDecisionHook(nil) is no hook.
func TestDecisionHookNil(t *testing.T) {
	eng, err := triage.Load(rules.FS, triage.WithDecisionHook(nil))
	require.NoError(t, err)
	_, err = eng.Evaluate(context.Background(), benchAnswers())
	require.NoError(t, err)
}
