package triage_test

import (
	"context"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// gatedCaution is a rule set whose only caution reads a follow-up (relief)
// gated on a question (pops) that no refer rule reads.
const gatedCaution = header + `questions:
  - {id: fever, text: "Fever?", type: boolean}
  - {id: grinding, text: "Grinding?", type: boolean}
  - {id: pops, text: "Do you pop your back?", type: boolean}
  - {id: relief, text: "Minutes of relief?", type: integer, min: 0, ask_if: pops}
rules:
  - id: fever
    title: Fever
    when: fever
    action: refer
    advice: See a professional.
    cite: {source: doc, section: S}
  - id: grinding
    title: Grinding
    when: grinding && !fever
    action: caution
    advice: Stop that movement.
    cite: {source: doc, section: S}
  - id: habit
    title: Popping habit
    when: pops && relief > 60
    action: caution
    advice: Pop less.
    cite: {source: doc, section: S}
`

// TestVerdictOptional pins what Verdict.Optional lists: once the outcome is
// self-care, the unanswered questions that could still add a caution and
// can be asked now, in questionnaire order; nothing for any other outcome.
func TestVerdictOptional(t *testing.T) {
	gated := mustLoad(t, mapFS(map[string]string{"r.yaml": gatedCaution}))
	def, err := triage.Load(rules.FS)
	require.NoError(t, err)
	// walked is what the default rules' Next leaves unanswered on a
	// self-care path: only the questions that cautions alone read.
	walked := func(kv ...any) triage.Answers {
		a := with(benchAnswers(), "pops_per_day", deleted, "grinding", deleted, "relief_minutes", int64(30))
		return with(a, kv...)
	}
	tests := []struct {
		name    string
		reason  string
		eng     *triage.Engine
		answers triage.Answers
		outcome triage.Outcome
		want    []string
	}{
		{"default walked", "self-care after Next: both caution-only questions, in questionnaire order", def,
			walked(), triage.SelfCare, []string{"grinding", "pops_per_day"}},
		{"default not popping", "self_pops no: pops_per_day cannot be asked, only grinding is left", def,
			walked("self_pops", false, "relief_minutes", deleted), triage.SelfCare, []string{"grinding"}},
		{"default one answered", "grinding answered: only pops_per_day is left", def,
			walked("grinding", false), triage.SelfCare, []string{"pops_per_day"}},
		{"default complete", "every question answered: nothing is optional, and the fast path runs", def,
			with(benchAnswers(), "relief_minutes", int64(30)), triage.SelfCare, []string{}},
		{"default referral", "a red flag: nothing more is asked, optional or not", def,
			walked("fever", true), triage.SeeProfessional, []string{}},
		{"default incomplete", "a referral is undecided: Missing comes first, Optional stays empty", def,
			walked("fever", deleted), triage.Incomplete, []string{}},
		{"gate represents follow-up", "relief waits for pops, which only a caution needs: pops stands for it", gated,
			triage.Answers{"fever": false}, triage.SelfCare, []string{"grinding", "pops"}},
		{"follow-up open", "pops yes: relief itself is optional now", gated,
			triage.Answers{"fever": false, "grinding": false, "pops": true}, triage.SelfCare, []string{"relief"}},
		{"follow-up not applicable", "pops no: the habit caution is decided (its guard is false), so relief is not offered", gated,
			triage.Answers{"fever": false, "grinding": false, "pops": false}, triage.SelfCare, []string{}},
		{"caution already decided", "fever no and grinding yes: the grinding caution fires; only the habit is open", gated,
			triage.Answers{"fever": false, "grinding": true, "pops": true}, triage.SelfCare, []string{"relief"}},
		{"referral in gated set", "fever yes decides the outcome and the grinding caution cannot fire", gated,
			triage.Answers{"fever": true}, triage.SeeProfessional, []string{}},
		{"nothing answered", "fever undecided: Incomplete, nothing optional", gated,
			nil, triage.Incomplete, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := tt.eng.Evaluate(context.Background(), tt.answers)
			require.NoError(t, err)
			require.Equal(t, tt.outcome, v.Outcome, tt.reason)
			assert.NotNil(t, v.Optional, "Optional is never nil, so JSON has [] rather than null")
			assert.Equal(t, tt.want, v.Optional, tt.reason)
			x, err := tt.eng.Explain(context.Background(), tt.answers)
			require.NoError(t, err)
			assert.Equal(t, tt.want, x.Verdict.Optional, "Explain's verdict is Evaluate's")
		})
	}
}

// TestOptionalQuestionsNeverChangeTheOutcome walks many random people on
// the default rules as an app would: Next until the outcome is decided,
// then, for self-care, Verdict.Optional until it is empty, some questions
// skipped. Answering optional questions must keep the outcome self-care
// with nothing missing, ask only askable, unanswered questions, and end
// with every caution that the person's full answers fire (those skipped
// aside).
func TestOptionalQuestionsNeverChangeTheOutcome(t *testing.T) {
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(11, 11))
	selfCare, optionalAsked, cautionsFound := 0, 0, 0
	for range 400 {
		all := person(rng, eng)
		// Mostly people with no red flag, so that most walks reach
		// self-care, and cautions often.
		for _, q := range eng.Questions() {
			if q.Type == triage.BooleanType {
				all[q.ID] = rng.IntN(60) == 0
			}
		}
		all["grinding"] = rng.IntN(4) == 0
		all["self_pops"] = rng.IntN(2) == 0
		all["pops_per_day"] = int64(rng.IntN(20))
		all["relief_minutes"] = int64(rng.IntN(60))
		all["pain_days"] = int64(rng.IntN(5))
		got := triage.Answers{}
		for {
			q, ok, err := eng.Next(ctx, got)
			require.NoError(t, err)
			if !ok {
				break
			}
			got[q.ID] = all[q.ID]
		}
		v, err := eng.Evaluate(ctx, got)
		require.NoError(t, err)
		if v.Outcome != triage.SelfCare {
			assert.Empty(t, v.Optional, "nothing optional after %s", v.Outcome)
			continue
		}
		selfCare++
		skipped := map[string]bool{}
		for step := 0; ; step++ {
			require.Less(t, step, len(all)+1, "the optional walk must end: %v", got)
			i := slices.IndexFunc(v.Optional, func(id string) bool { return !skipped[id] })
			if i < 0 {
				break
			}
			id := v.Optional[i]
			require.NotContains(t, got, id, "Optional lists an answered question")
			x, err := eng.Explain(ctx, got)
			require.NoError(t, err)
			require.Contains(t, x.Askable, id, "Optional lists a question that cannot be asked now")
			if rng.IntN(8) == 0 {
				skipped[id] = true
				continue
			}
			got[id] = all[id]
			optionalAsked++
			v, err = eng.Evaluate(ctx, got)
			require.NoError(t, err)
			require.Equal(t, triage.SelfCare, v.Outcome, "an optional answer changed the outcome: %v", got)
			require.Empty(t, v.Missing, "an optional answer made something missing: %v", got)
		}
		if len(skipped) > 0 {
			continue
		}
		full, err := eng.Evaluate(ctx, all)
		require.NoError(t, err)
		require.Equal(t, triage.SelfCare, full.Outcome)
		assert.Equal(t, ruleIDs(full), ruleIDs(v), "the walk with optional questions finds every caution: %v", got)
		cautionsFound += len(v.Reasons)
	}
	assert.Greater(t, selfCare, 150, "self-care walks")
	assert.Greater(t, optionalAsked, 150, "optional questions answered")
	assert.Greater(t, cautionsFound, 40, "cautions reached through optional questions")
}

// TestFrequentPopperIsCautioned is issue 11's person: twelve pops a day,
// nothing else wrong. Next alone never asks pops_per_day; the verdict
// offers it as optional, and answering it brings 000's caution.
func TestFrequentPopperIsCautioned(t *testing.T) {
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	ctx := context.Background()
	all := with(benchAnswers(), "relief_minutes", int64(30))
	got := triage.Answers{}
	for {
		q, ok, err := eng.Next(ctx, got)
		require.NoError(t, err)
		if !ok {
			break
		}
		got[q.ID] = all[q.ID]
	}
	require.NotContains(t, got, "pops_per_day", "Next asks only what can change the outcome")
	v, err := eng.Evaluate(ctx, got)
	require.NoError(t, err)
	require.Equal(t, triage.SelfCare, v.Outcome)
	require.Empty(t, v.Reasons)
	require.Contains(t, v.Optional, "pops_per_day")

	got["pops_per_day"] = int64(12)
	v, err = eng.Evaluate(ctx, got)
	require.NoError(t, err)
	assert.Equal(t, triage.SelfCare, v.Outcome, "a caution never changes the outcome")
	require.Len(t, v.Reasons, 1)
	assert.Equal(t, "frequent_popping", v.Reasons[0].RuleID)
	assert.Equal(t, triage.Caution, v.Reasons[0].Action)
}
