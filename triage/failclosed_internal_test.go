package triage

import (
	"context"
	"errors"
	"testing"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
)

// brokenProgram stands in for a compiled condition that misbehaves: it
// fails, or returns something other than a boolean. It is how a bug in
// cel-go, a runtime limit or a future rule feature would look to Evaluate.
type brokenProgram struct {
	cel.Program // nil: only Eval and ContextEval are used by Evaluate
	out         ref.Val
	err         error
}

func (p brokenProgram) Eval(any) (ref.Val, *cel.EvalDetails, error) { return p.out, nil, p.err }
func (p brokenProgram) ContextEval(context.Context, any) (ref.Val, *cel.EvalDetails, error) {
	return p.out, nil, p.err
}

// TestEvaluateFailsClosedOnInjectedFailures breaks one rule of the default
// rule set in each way a condition can misbehave, on every evaluation path
// (batched complete answers, rule by rule, partial evaluation), and checks
// that Evaluate returns an error and no verdict, whatever the other answers
// say. TestEvaluateFailsClosed shows the same for a real run-time failure
// (a division by zero) written in a rule file.
func TestEvaluateFailsClosedOnInjectedFailures(t *testing.T) {
	base, err := Load(rules.FS)
	require.NoError(t, err)
	negative := Answers{}
	for _, q := range base.questions {
		switch q.Type {
		case BooleanType:
			negative[q.ID] = false
		case IntegerType:
			negative[q.ID] = int64(30)
		case MultiChoiceType:
			negative[q.ID] = []string{}
		}
	}
	negative["pain_days"] = int64(1)
	v, err := base.Evaluate(context.Background(), negative)
	require.NoError(t, err)
	require.Equal(t, SelfCare, v.Outcome, "the reference answers are all negative")

	answerSets := map[string]Answers{
		"complete, all negative (batched path)": negative,
		"complete, with a referral firing":      with(negative, "fever", true),
		"one answer missing (partial path)":     with(negative, "night_pain", nil),
		"the broken rule's own answer missing":  with(negative, "fever", nil),
	}
	failures := map[string]brokenProgram{
		"an error":                       {err: errors.New("injected failure")},
		"a string instead of a boolean":  {out: types.String("yes")},
		"an error value as a result":     {out: types.NewErr("injected error value")},
		"an unknown that names no input": {out: types.NewUnknown(1, nil)},
	}
	for fname, broken := range failures {
		for aname, answers := range answerSets {
			t.Run(fname+"/"+aname, func(t *testing.T) {
				eng := *base
				eng.batch = broken // the batch fails too; rule-by-rule must catch it
				eng.rules = make([]*rule, len(base.rules))
				copy(eng.rules, base.rules)
				i := ruleIndex(t, &eng, "fever")
				r := *eng.rules[i]
				c := *r.when
				cc := *c.Condition // a copy: base's rules stay intact
				cc.Fast, cc.Partial = broken, broken
				c.Condition = &cc
				r.when = &c
				eng.rules[i] = &r

				v, err := eng.Evaluate(context.Background(), answers)
				require.Nil(t, v, "a broken rule never yields a verdict, not even see-professional")
				require.Error(t, err)
				if !errors.Is(err, ErrEvaluation) {
					t.Fatalf("error does not wrap ErrEvaluation: %v", err)
				}
				var ee *EvalError
				require.ErrorAs(t, err, &ee)
				assert.Equal(t, "fever", ee.ID, "the error names the broken rule")
			})
		}
	}
}

// TestBrokenBatchFallsBackToRuleByRule checks that when only the batched
// program misbehaves, Evaluate does not trust it: it evaluates rule by rule
// and returns the same verdict as an intact engine.
func TestBrokenBatchFallsBackToRuleByRule(t *testing.T) {
	base, err := Load(rules.FS)
	require.NoError(t, err)
	a := Answers{}
	for _, q := range base.questions {
		switch q.Type {
		case BooleanType:
			a[q.ID] = q.ID == "grinding" // a caution only: self-care
		case IntegerType:
			a[q.ID] = int64(30)
		case MultiChoiceType:
			a[q.ID] = []string{}
		}
	}
	a["pain_days"] = int64(1)
	want, err := base.Evaluate(context.Background(), a)
	require.NoError(t, err)
	require.Equal(t, SelfCare, want.Outcome)
	for name, broken := range map[string]brokenProgram{
		"error":          {err: errors.New("injected")},
		"wrong type":     {out: types.True},
		"short list":     {out: types.NewDynamicList(types.DefaultTypeAdapter, []bool{false})},
		"non-bool items": {out: types.NewDynamicList(types.DefaultTypeAdapter, make([]string, len(base.rules)))},
	} {
		eng := *base
		eng.batch = broken
		got, err := eng.Evaluate(context.Background(), a)
		require.NoError(t, err, name)
		assert.Equal(t, want, got, "%s: a broken batch is ignored, never trusted", name)
	}
}

func ruleIndex(t *testing.T, e *Engine, id string) int {
	t.Helper()
	for i, r := range e.rules {
		if r.ID == id {
			return i
		}
	}
	t.Fatalf("no rule %q", id)
	return -1
}

func with(a Answers, kv ...any) Answers {
	out := Answers{}
	for k, v := range a {
		out[k] = v
	}
	for i := 0; i < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}
