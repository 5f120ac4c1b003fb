package triage

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
)

// randomAnswers answers every question with a random valid value, so the
// batched path runs.
func randomAnswers(rng *rand.Rand, qs []*question) Answers {
	a := Answers{}
	for _, q := range qs {
		switch q.Type {
		case Boolean:
			a[q.ID] = rng.IntN(4) == 0 // mostly negative, so verdicts vary
		case Integer:
			a[q.ID] = int64(rng.IntN(15))
		case Number:
			a[q.ID] = rng.Float64() * 15
		case Choice:
			a[q.ID] = q.Choices[rng.IntN(len(q.Choices))].Value
		case MultiChoice:
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

// TestBatchAgreesWithRuleByRule checks that evaluating all rules as one CEL
// list gives exactly the verdict of evaluating them one at a time.
func TestBatchAgreesWithRuleByRule(t *testing.T) {
	eng, err := Load(rules.FS)
	require.NoError(t, err)
	require.NotNil(t, eng.batch, "the default rule set must take the batched path")
	single := *eng
	single.batch = nil

	rng := rand.New(rand.NewPCG(1, 2))
	outcomes := map[Outcome]int{}
	for range 2000 {
		a := randomAnswers(rng, eng.questions)
		got, err := eng.Evaluate(context.Background(), a)
		require.NoError(t, err)
		want, err := single.Evaluate(context.Background(), a)
		require.NoError(t, err)
		require.Equal(t, want, got, "answers: %v", a)
		outcomes[got.Outcome]++
	}
	require.Positive(t, outcomes[SelfCare], "the random answers must reach self-care too, or the comparison proves little")
	require.Positive(t, outcomes[SeeProfessional])
}
