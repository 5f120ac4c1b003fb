package triage

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"testing/fstest"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"

	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
)

// randomAnswers answers every question with a random valid value, so every rule
// runs its plain program.
func randomAnswers(rng *rand.Rand, qs []*question) Answers {
	a := Answers{}
	for _, q := range qs {
		switch q.Type {
		case BooleanType:
			a[q.ID] = rng.IntN(4) == 0 // mostly negative, so verdicts vary
		case IntegerType:
			a[q.ID] = int64(rng.IntN(15))
		case NumberType:
			a[q.ID] = rng.Float64() * 15
		case ChoiceType:
			a[q.ID] = q.Choices[rng.IntN(len(q.Choices))].Value
		case MultiChoiceType:
			var l []string
			for _, c := range q.Choices {
				if rng.IntN(5) == 0 {
					l = append(l, c.Value)
				}
			}
			a[q.ID] = append([]string{}, l...)
		}
	}
	return a
}

// firedAlone returns the ids of the rules whose Fast program, run alone
// on the answers map (a fresh frame each, as a plain cel-go user would),
// is true: the reference for Evaluate's shared-frame evaluation.
func firedAlone(t *testing.T, eng *Engine, a Answers) []string {
	t.Helper()
	fired := []string{}
	for _, r := range eng.rules {
		out, _, err := r.when.Fast.Eval(map[string]any(a))
		require.NoError(t, err, r.ID)
		if out == types.True {
			fired = append(fired, r.ID)
		}
	}
	return fired
}

func reasonIDs(v *Verdict) []string {
	ids := []string{}
	for _, r := range v.Reasons {
		ids = append(ids, r.RuleID)
	}
	return ids
}

// TestSharedFrameAgreesWithFreshEvaluation checks that evaluating every
// rule over one shared CEL execution frame fires exactly the rules that
// evaluating each alone fires, on 2,000 random complete answer sets.
func TestSharedFrameAgreesWithFreshEvaluation(t *testing.T) {
	eng, err := Load(rules.FS)
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(1, 2))
	outcomes := map[Outcome]int{}
	for range 2000 {
		a := randomAnswers(rng, eng.questions)
		got, err := eng.Evaluate(context.Background(), a)
		require.NoError(t, err)
		require.Equal(t, firedAlone(t, eng, a), reasonIDs(got), "answers: %v", a)
		outcomes[got.Outcome]++
	}
	require.Positive(t, outcomes[SelfCare], "the random answers must reach self-care too, or the comparison proves little")
	require.Positive(t, outcomes[SeeProfessional])
}

// TestManyRulesEvaluate checks a rule set of 300 rules over one question:
// the one rule that holds, and only it, fires.
func TestManyRulesEvaluate(t *testing.T) {
	var src strings.Builder
	src.WriteString("name: many\nversion: 1.0.0\ntitle: Many rules\nsources: [{id: doc, title: D}]\n")
	src.WriteString("questions:\n  - {id: n, text: \"How many?\", type: integer}\nrules:\n")
	for i := range 300 {
		fmt.Fprintf(&src, "  - {id: r%d, title: T, when: 'n == %d || n == %d', action: refer, advice: A, cite: {source: doc, section: S}}\n", i, i, i+100000)
	}
	eng, err := Load(fstest.MapFS{"many.yaml": {Data: []byte(src.String())}})
	require.NoError(t, err)
	v, err := eng.Evaluate(context.Background(), Answers{"n": 100007})
	require.NoError(t, err)
	require.Equal(t, SeeProfessional, v.Outcome)
	require.Equal(t, []string{"r7"}, reasonIDs(v))
}

// FuzzSharedFrameAgreesWithFreshEvaluation derives complete answers for
// the default rule set from fuzz input and checks that Evaluate fires
// exactly the rules whose programs, run alone, are true.
func FuzzSharedFrameAgreesWithFreshEvaluation(f *testing.F) {
	eng, err := Load(rules.FS)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(uint64(0), uint64(0))
	f.Add(uint64(1), uint64(2))
	f.Add(uint64(0xffffffff), uint64(12345))
	f.Fuzz(func(t *testing.T, seed1, seed2 uint64) {
		a := randomAnswers(rand.New(rand.NewPCG(seed1, seed2)), eng.questions)
		got, err := eng.Evaluate(context.Background(), a)
		require.NoError(t, err)
		require.Equal(t, firedAlone(t, eng, a), reasonIDs(got), "answers: %v", a)
	})
}

// TestRuntimeLimitsBackTheEstimate shows the runtime cost limit and the
// interrupt check in place on a condition with a comprehension: given a
// list far longer than Evaluate would ever accept (the estimate assumed at
// most two items), evaluation stops on cost, and a cancelled context stops
// it too.
func TestRuntimeLimitsBackTheEstimate(t *testing.T) {
	src := `name: limits
version: 1.0.0
title: Limits
sources: [{id: doc, title: D}]
questions:
  - id: where
    text: Where?
    type: multichoice
    choices: [fingers, arms]
rules:
  - id: numb
    title: Numbness
    when: where.exists(x, x.startsWith("f"))
    action: refer
    advice: A.
    cite: {source: doc, section: S}
`
	eng, err := Load(fstest.MapFS{"r.yaml": {Data: []byte(src)}}, WithLimits(Limits{Cost: 50}))
	require.NoError(t, err)
	c := eng.rules[0].when
	require.True(t, c.NeedsCtx)

	huge := make([]string, 10_000)
	for i := range huge {
		huge[i] = "arms"
	}
	vars := map[string]any{"where": huge}
	for name, prg := range map[string]cel.Program{"fast": c.Fast, "partial": c.Partial} { // both are limited
		_, _, err := prg.ContextEval(context.Background(), vars)
		require.ErrorContains(t, err, "cost limit exceeded", "%s program", name)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	roomy, err := Load(fstest.MapFS{"r.yaml": {Data: []byte(src)}}, WithLimits(Limits{Cost: 1 << 40}))
	require.NoError(t, err)
	_, _, err = roomy.rules[0].when.Fast.ContextEval(ctx, vars)
	require.ErrorContains(t, err, "interrupted", "the interrupt check stops a long comprehension when ctx is done")

	_, err = eng.Evaluate(context.Background(), Answers{"where": huge[:3]})
	require.ErrorIs(t, err, ErrInvalidAnswers, "Evaluate never lets such a list through")
}
