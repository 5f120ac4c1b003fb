package triage_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// person answers every question of eng with a random valid value: the
// answers a person would give if asked everything. Booleans are mostly
// false so that self-care paths are common too.
func person(rng *rand.Rand, eng *triage.Engine) triage.Answers {
	a := triage.Answers{}
	for _, q := range eng.Questions() {
		switch q.Type {
		case triage.BooleanType:
			a[q.ID] = rng.IntN(20) == 0
		case triage.IntegerType:
			a[q.ID] = int64(rng.IntN(15))
		case triage.NumberType:
			a[q.ID] = rng.Float64() * 15
		case triage.ChoiceType:
			a[q.ID] = q.Choices[rng.IntN(len(q.Choices))].Value
		case triage.MultiChoiceType:
			l := []string{}
			for _, c := range q.Choices {
				if rng.IntN(12) == 0 {
					l = append(l, c.Value)
				}
			}
			a[q.ID] = l
		}
	}
	return a
}

// TestNextWalksToADecidedOutcome follows Next for many random people on the
// default rules, answering only what Next asks. Every walk must end decided,
// with the outcome that evaluating all of the person's answers gives, and
// Next must never ask an answered question or one whose ask_if is not true.
func TestNextWalksToADecidedOutcome(t *testing.T) {
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(4, 4))
	outcomes := map[triage.Outcome]int{}
	asked := 0
	for range 1500 {
		all := person(rng, eng)
		full, err := eng.Evaluate(ctx, all)
		require.NoError(t, err)

		got := triage.Answers{}
		// Start some walks part-way, as an app resuming a saved session.
		for id, v := range all {
			if rng.IntN(4) == 0 {
				got[id] = v
			}
		}
		for step := 0; ; step++ {
			require.Less(t, step, len(all)+1, "Next must not loop: answers %v", got)
			q, ok, err := eng.Next(ctx, got)
			require.NoError(t, err)
			if !ok {
				break
			}
			require.NotContains(t, got, q.ID, "Next asked an answered question; answers %v", got)
			x, err := eng.Explain(ctx, got)
			require.NoError(t, err)
			assert.Contains(t, x.Askable, q.ID, "Next asked %s, which cannot be asked now; answers %v", q.ID, got)
			got[q.ID] = all[q.ID]
			asked++
		}
		v, err := eng.Evaluate(ctx, got)
		require.NoError(t, err)
		require.NotEqual(t, triage.Incomplete, v.Outcome, "Next stopped before the outcome was decided: %v", got)
		require.Equal(t, full.Outcome, v.Outcome, "a decided outcome cannot change with the remaining answers: %v", got)
		outcomes[v.Outcome]++
	}
	// The walk must have covered both outcomes, or the test proves little.
	assert.Greater(t, outcomes[triage.SelfCare], 100, "self-care walks")
	assert.Greater(t, outcomes[triage.SeeProfessional], 100, "referral walks")
	assert.Greater(t, asked, 1500, "questions asked across all walks")
}

func TestNext(t *testing.T) {
	eng := mustLoad(t, demoFS())
	tests := []struct {
		name    string
		reason  string
		answers triage.Answers
		want    string // "" when nothing is left to ask
	}{
		{name: "empty", reason: "nothing answered: the first question of the questionnaire", answers: nil, want: "fever"},
		{name: "questionnaire order", reason: "fever answered no: the next question still needed", answers: triage.Answers{"fever": false}, want: "where"},
		{name: "referral decides", reason: "once a refer rule fires nothing can change the outcome", answers: triage.Answers{"fever": true}, want: ""},
		{name: "skips what is decided", reason: "temp 36 settles the temp-and-side rule, so side is never needed", answers: with(negative(), "side", deleted), want: ""},
		{name: "conjunction open", reason: "temp 39 leaves the rule waiting for side", answers: with(negative(), "side", deleted, "temp", 39.0), want: "side"},
		{name: "follow-up after its gate", reason: "pops yes makes relief askable and needed", answers: with(negative(), "relief", deleted), want: "relief"},
		{name: "gate first", reason: "relief waits for pops: ask pops, never relief", answers: with(negative(), "relief", deleted, "pops", deleted), want: "pops"},
		{name: "follow-up not applicable", reason: "pops no: relief is not asked and nothing is left", answers: with(negative(), "relief", deleted, "pops", false), want: ""},
		{name: "complete", reason: "every question answered: nothing to ask", answers: negative(), want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, ok, err := eng.Next(context.Background(), tt.answers)
			require.NoError(t, err)
			if tt.want == "" {
				assert.False(t, ok, tt.reason)
				assert.Empty(t, q.ID, tt.reason)
				return
			}
			require.True(t, ok, tt.reason)
			assert.Equal(t, tt.want, q.ID, tt.reason)
			i := slices.IndexFunc(eng.Questions(), func(q triage.Question) bool { return q.ID == tt.want })
			require.GreaterOrEqual(t, i, 0)
			assert.Equal(t, eng.Questions()[i], q, "Next returns the whole question")
		})
	}
}

// TestNextIgnoresUndecidedCautions pins the documented choice: a caution
// rule that is still open never makes Next ask, because a caution cannot
// change the outcome.
func TestNextIgnoresUndecidedCautions(t *testing.T) {
	eng := mustLoad(t, mapFS(map[string]string{"r.yaml": header + `questions:
  - {id: fever, text: "Fever?", type: boolean}
  - {id: grinding, text: "Grinding?", type: boolean}
rules:
  - id: fever
    title: Fever
    when: fever
    action: refer
    advice: See a professional.
    cite: {source: doc, section: S}
  - id: grinding
    title: Grinding
    when: grinding
    action: caution
    advice: Stop that movement.
    cite: {source: doc, section: S}
`}))
	ctx := context.Background()
	q, ok, err := eng.Next(ctx, nil)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, "fever", q.ID, "the refer rule's question comes first")

	_, ok, err = eng.Next(ctx, triage.Answers{"fever": false})
	require.NoError(t, err)
	assert.False(t, ok, "only a caution is open: the outcome is decided, so nothing is asked")
	v, err := eng.Evaluate(ctx, triage.Answers{"fever": false})
	require.NoError(t, err)
	assert.Equal(t, []string{"grinding"}, v.Optional, "the verdict offers the caution's question as optional instead")

	x, err := eng.Explain(ctx, triage.Answers{"fever": false})
	require.NoError(t, err)
	assert.Equal(t, triage.SelfCare, x.Verdict.Outcome)
	assert.Contains(t, x.Askable, "grinding", "Explain still shows the caution's question as askable, for apps that want it")
	assert.Equal(t, triage.Undecided, x.Rules[1].State)
}

func TestNextInvalidAnswersAreAnError(t *testing.T) {
	eng := mustLoad(t, demoFS())
	q, ok, err := eng.Next(context.Background(), triage.Answers{"fever": "yes", "fevr": true})
	require.Error(t, err, "invalid answers must never read as 'nothing left to ask'")
	assert.False(t, ok)
	assert.Empty(t, q.ID)
	assert.True(t, errors.Is(err, triage.ErrInvalidAnswers))
	var aerrs triage.AnswerErrors
	require.ErrorAs(t, err, &aerrs)
	assert.Len(t, aerrs, 2, "every offending question is named")
}

func TestNextHonoursContext(t *testing.T) {
	eng := mustLoad(t, demoFS())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, ok, err := eng.Next(ctx, nil)
	assert.ErrorIs(t, err, context.Canceled)
	assert.False(t, ok)
	_, err = eng.Explain(ctx, nil)
	assert.ErrorIs(t, err, context.Canceled)
}
