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
	"github.com/redflagkit/redflag/triage/internal/compile"
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
// (complete answers over the shared frame, rule by rule, partial
// evaluation), and checks
// that Evaluate returns an error and no verdict, whatever the other answers
// say. TestEvaluateFailsClosed shows the same for a real run-time failure
// (a division by zero) written in a rule file.
//
// A rule that reads nothing answered is not evaluated at all: its
// undecided state was computed at load (Condition.Blank), where any of
// these failures makes Load refuse the rule set. So the broken rule's
// precomputed state is dropped here (Blank nil, as for a condition
// without one), which sends every path through the broken programs;
// TestCorruptBlankStateFailsClosed covers a corrupt precomputed state.
func TestEvaluateFailsClosedOnInjectedFailures(t *testing.T) {
	base, err := Load(rules.FS)
	require.NoError(t, err)
	negative := negativeAnswers(t, base)
	answerSets := map[string]Answers{
		"complete, all negative (batched path)": negative,
		"complete, with a referral firing":      with(negative, "fever", true),
		"one answer missing (partial path)":     with(negative, "night_pain", nil),
		"the broken rule's own answer missing":  with(negative, "fever", nil),
		"nothing answered":                      {},
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
				eng := withBrokenFever(t, base, func(c *compile.Condition) {
					c.Fast, c.Partial, c.Blank = broken, broken, nil
				})
				requireEvalError(t, eng, answers)
			})
		}
	}
}

// TestCorruptBlankStateFailsClosed checks the precomputed undecided state
// of a rule that reads nothing answered: a state naming no question fails
// like a live unknown that names none, and an intact one gives the same
// verdict as partial evaluation would, even when the live programs are
// broken (showing that it is the state, not the program, that is used).
func TestCorruptBlankStateFailsClosed(t *testing.T) {
	base, err := Load(rules.FS)
	require.NoError(t, err)
	negative := negativeAnswers(t, base)
	for name, answers := range map[string]Answers{
		"the rule's own answer missing": with(negative, "fever", nil),
		"nothing answered":              {},
	} {
		t.Run(name, func(t *testing.T) {
			eng := withBrokenFever(t, base, func(c *compile.Condition) { c.Blank = []int{} })
			requireEvalError(t, eng, answers)

			want, err := base.Evaluate(context.Background(), answers)
			require.NoError(t, err)
			broken := brokenProgram{err: errors.New("injected failure")}
			eng = withBrokenFever(t, base, func(c *compile.Condition) { c.Partial = broken })
			got, err := eng.Evaluate(context.Background(), answers)
			require.NoError(t, err, "the precomputed state stands in for partial evaluation")
			assert.Equal(t, want, got)
		})
	}
}

// negativeAnswers answers every question of the default rule set so that
// no rule fires.
func negativeAnswers(t *testing.T, base *Engine) Answers {
	t.Helper()
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
	return negative
}

// withBrokenFever returns a copy of base whose "fever" rule has its
// compiled condition changed by breakIt; base's rules stay intact.
func withBrokenFever(t *testing.T, base *Engine, breakIt func(*compile.Condition)) *Engine {
	t.Helper()
	eng := *base
	eng.rules = make([]*rule, len(base.rules))
	copy(eng.rules, base.rules)
	i := ruleIndex(t, &eng, "fever")
	r := *eng.rules[i]
	c := *r.when
	cc := *c.Condition
	breakIt(&cc)
	c.Condition = &cc
	r.when = &c
	eng.rules[i] = &r
	return &eng
}

// requireEvalError checks that evaluating answers gives no verdict and an
// EvalError naming the fever rule.
func requireEvalError(t *testing.T, eng *Engine, answers Answers) {
	t.Helper()
	v, err := eng.Evaluate(context.Background(), answers)
	require.Nil(t, v, "a broken rule never yields a verdict, not even see-professional")
	require.Error(t, err)
	if !errors.Is(err, ErrEvaluation) {
		t.Fatalf("error does not wrap ErrEvaluation: %v", err)
	}
	var ee *EvalError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "fever", ee.ID, "the error names the broken rule")
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
