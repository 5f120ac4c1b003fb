package triage_test

import (
	"context"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// outcomesFS is the demo rule set with an outcomes key after its header.
func outcomesFS(outcomes string) fstest.MapFS {
	return fstest.MapFS{"demo.yaml": {Data: []byte(header + outcomes + demoQuestions + demoRules)}}
}

// TestOutcomeTexts checks that every verdict carries its outcome's headline
// and what-to-do sentence: the rule set's own where it declares them, the
// library's defaults where it does not.
func TestOutcomeTexts(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name     string
		reason   string
		outcomes string
		answers  triage.Answers
		outcome  triage.Outcome
		headline string
		whatToDo string
	}{
		{
			name:    "default see-professional",
			reason:  "a rule set with no outcomes key gets the default wording, which names no condition",
			answers: with(negative(), "fever", true), outcome: triage.SeeProfessional,
			headline: "See a health professional",
			whatToDo: "Your answers include a red flag. Stop treating this yourself and arrange to see a health professional; if your symptoms are severe or came on suddenly, get urgent care.",
		},
		{
			name:    "default self-care",
			reason:  "the default self-care text says when to stop self-care",
			answers: negative(), outcome: triage.SelfCare,
			headline: "No red flag in your answers",
			whatToDo: "Self-care is reasonable for now. Follow the self-care advice, and see a health professional if your symptoms change, get worse or do not improve.",
		},
		{
			name:    "default incomplete",
			reason:  "the default incomplete text never suggests self-care is cleared",
			answers: triage.Answers{}, outcome: triage.Incomplete,
			headline: "Not cleared yet: some answers are missing",
			whatToDo: "Self-care cannot be cleared until the questions still open are answered. Until then, treat it as not cleared; if you cannot answer them, ask a health professional.",
		},
		{
			name:     "declared",
			reason:   "the rule set's wording replaces the default, trimmed, folded scalars included",
			outcomes: "outcomes:\n  see_professional:\n    headline: '  Call the clinic  '\n    action: >-\n      Phone the clinic\n      today.\n",
			answers:  with(negative(), "fever", true), outcome: triage.SeeProfessional,
			headline: "Call the clinic", whatToDo: "Phone the clinic today.",
		},
		{
			name:     "declared for another outcome",
			reason:   "an outcome the rule set leaves out keeps the default, even when others are declared",
			outcomes: "outcomes:\n  see_professional: {headline: Call the clinic, action: Phone today.}\n",
			answers:  negative(), outcome: triage.SelfCare,
			headline: "No red flag in your answers",
			whatToDo: "Self-care is reasonable for now. Follow the self-care advice, and see a health professional if your symptoms change, get worse or do not improve.",
		},
		{
			name:     "empty outcomes",
			reason:   "outcomes: {} declares nothing: every outcome keeps the default",
			outcomes: "outcomes: {}\n",
			answers:  triage.Answers{}, outcome: triage.Incomplete,
			headline: "Not cleared yet: some answers are missing",
			whatToDo: "Self-care cannot be cleared until the questions still open are answered. Until then, treat it as not cleared; if you cannot answer them, ask a health professional.",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eng := mustLoad(t, outcomesFS(tc.outcomes))
			v, err := eng.Evaluate(ctx, tc.answers)
			require.NoError(t, err)
			require.Equal(t, tc.outcome, v.Outcome, tc.reason)
			assert.Equal(t, tc.headline, v.Headline, tc.reason)
			assert.Equal(t, tc.whatToDo, v.WhatToDo, tc.reason)

			x, err := eng.Explain(ctx, tc.answers)
			require.NoError(t, err)
			assert.Equal(t, v.Headline, x.Verdict.Headline, "Explain's verdict is Evaluate's")
			assert.Equal(t, v.WhatToDo, x.Verdict.WhatToDo, "Explain's verdict is Evaluate's")
		})
	}
}

// TestOutcomeTextErrors checks that the outcomes key is as strict as every
// other: unknown names with a suggestion, both texts required, no blanks,
// positioned at the key.
func TestOutcomeTextErrors(t *testing.T) {
	tests := []struct {
		name     string
		reason   string
		outcomes string
		want     []string
	}{
		{
			name:     "misspelt outcome",
			reason:   "an outcome name is checked like any key, with a did-you-mean",
			outcomes: "outcomes:\n  see_profesional: {headline: H, action: A}\n",
			want:     []string{`demo.yaml:8:3: unknown key "see_profesional" (did you mean "see_professional"?); allowed: self_care, see_professional, incomplete`},
		},
		{
			name:     "misspelt text key",
			reason:   "the keys of an outcome's text are checked too, and the one left missing is reported",
			outcomes: "outcomes:\n  self_care:\n    headline: H\n    acton: A\n",
			want: []string{
				`demo.yaml:9:5: missing required key "action"`,
				`demo.yaml:10:5: unknown key "acton" (did you mean "action"?); allowed: headline, action`,
			},
		},
		{
			name:     "headline only",
			reason:   "a headline without what to do would mix the rule set's wording with the default's",
			outcomes: "outcomes:\n  incomplete: {headline: Not yet}\n",
			want:     []string{`demo.yaml:8:15: missing required key "action"`},
		},
		{
			name:     "blank",
			reason:   "a blank text would show nothing where the outcome should be",
			outcomes: "outcomes:\n  incomplete: {headline: ' ', action: A}\n",
			want:     []string{`demo.yaml:8:26: headline must not be blank`},
		},
		{
			name:     "not a mapping",
			reason:   "outcomes is a mapping of outcome names",
			outcomes: "outcomes: [self_care]\n",
			want:     []string{`demo.yaml:7:11: outcomes must be a mapping, got a list`},
		},
		{
			name:     "text not a string",
			reason:   "a number is not a headline",
			outcomes: "outcomes:\n  self_care: {headline: 1, action: A}\n",
			want:     []string{`demo.yaml:8:25: headline must be a string, got an integer (quote it to make it a string)`},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			eng, err := triage.Load(outcomesFS(tc.outcomes))
			require.Nil(t, eng, tc.reason)
			assert.Equal(t, tc.want, errorLines(t, err), tc.reason)
		})
	}
}

// TestOutcomesInAnotherFile checks that outcomes belong to the header: a
// second file declaring them is a second header.
func TestOutcomesInAnotherFile(t *testing.T) {
	fsys := demoFS()
	fsys["z.yaml"] = &fstest.MapFile{Data: []byte("outcomes:\n  self_care: {headline: H, action: A}\n")}
	_, err := triage.Load(fsys)
	require.Error(t, err)
	lines := errorLines(t, err)
	require.Len(t, lines, 1)
	assert.True(t, strings.HasPrefix(lines[0], "z.yaml:2:3: the rule set header is declared twice (first in demo.yaml)"), lines[0])
}
