package triagetest

import (
	"context"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// recordT records what NoLostReferrals reports.
type recordT struct {
	errors, fatals []string
}

func (r *recordT) Helper() {}
func (r *recordT) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}
func (r *recordT) Fatalf(format string, args ...any) {
	r.fatals = append(r.fatals, fmt.Sprintf(format, args...))
}

func painRules(t *testing.T, when, action string) *triage.Engine {
	t.Helper()
	eng, err := triage.Load(fstest.MapFS{"r.yaml": {Data: []byte(`name: r
version: 1.0.0
title: T
sources: [{id: doc, title: D}]
questions:
  - {id: pain_days, text: Days, type: integer, min: 0}
rules:
  - {id: long_pain, title: Long, when: "` + when + `", action: ` + action + `, advice: A., cite: {source: doc, section: S}}
`)}})
	require.NoError(t, err)
	return eng
}

func TestNoLostReferrals(t *testing.T) {
	ctx := context.Background()
	old := painRules(t, "pain_days > 3", "refer")
	answers := []triage.Answers{{"pain_days": 2}, {"pain_days": 4}, {"pain_days": 5}, {}}
	for _, tc := range []struct {
		name   string
		new    *triage.Engine
		errors []string
	}{
		{name: "same rules", new: old},
		{name: "a referral gained is not a failure", new: painRules(t, "pain_days > 1", "refer")},
		{
			name: "threshold moved up",
			new:  painRules(t, "pain_days > 4", "refer"),
			errors: []string{
				"1 of 4 answer sets lose a referral from r 1.0.0 (" + old.RuleSet().Hash + ") to r 1.0.0 (" + painRules(t, "pain_days > 4", "refer").RuleSet().Hash + "):",
				"answers[1]: see_professional → self_care (loses a referral); no longer refers: long_pain",
			},
		},
		{
			name: "refer turned caution",
			new:  painRules(t, "pain_days > 3", "caution"),
			errors: []string{
				"2 of 4 answer sets lose a referral from r 1.0.0 (" + old.RuleSet().Hash + ") to r 1.0.0 (" + painRules(t, "pain_days > 3", "caution").RuleSet().Hash + "):",
				"answers[1]: see_professional → self_care (loses a referral); no longer refers: long_pain; now cautions: long_pain",
				"answers[2]: see_professional → self_care (loses a referral); no longer refers: long_pain; now cautions: long_pain",
			},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recordT{}
			rep := noLostReferrals(rec, ctx, old, tc.new, answers)
			require.NotNil(t, rep)
			assert.Equal(t, tc.errors, rec.errors)
			assert.Empty(t, rec.fatals)
		})
	}

	t.Run("an answer set that cannot be compared fails", func(t *testing.T) {
		rec := &recordT{}
		noLostReferrals(rec, ctx, old, old, []triage.Answers{{"pain_days": -1}})
		assert.Equal(t, []string{
			"1 of 1 answer sets could not be compared, so they could hide a lost referral:",
			"answers[0]: under the old and the new rule set: invalid answers: pain_days: -1 is below the minimum of 0",
		}, rec.errors)
	})

	t.Run("a cancelled comparison is fatal", func(t *testing.T) {
		rec := &recordT{}
		cctx, cancel := context.WithCancel(ctx)
		cancel()
		assert.Nil(t, noLostReferrals(rec, cctx, old, old, answers))
		assert.Len(t, rec.fatals, 1)
	})
}
