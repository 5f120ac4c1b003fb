package triage_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// loadLimitCase is one rule set that Load refuses for one limit.
type loadLimitCase struct {
	name, reason string
	files        map[string]string
	limits       triage.Limits
	// pos is where the error over the limit is reported: the first error
	// of the list, and the only one that wraps ErrLimit.
	pos string
	// field is the Limits field the message names, so that a reader
	// knows what to raise.
	field string
}

// loadLimitCases cover every limit Load applies to a rule set, each with
// limits tight enough for a small in-memory rule set to cross.
func loadLimitCases() []loadLimitCase {
	multichoice := func(id string, choices ...string) string {
		return lines("questions:", "  - id: "+id, "    text: Where?", "    type: multichoice", "    choices: ["+strings.Join(choices, ", ")+"]")
	}
	padding := "# " + strings.Repeat("x", 900) + "\n"
	return []loadLimitCase{
		{name: "rules", reason: "two rules, one more than Limits.Rules allows; named at the first rule over it",
			files:  map[string]string{"0.yaml": base0, "r.yaml": rule("second", "fever")},
			limits: triage.Limits{Rules: 1}, pos: "r.yaml:2:9", field: "Limits.Rules"},
		{name: "questions", reason: "two questions, more than the one answer an answers set may hold",
			files:  map[string]string{"0.yaml": base0, "r.yaml": "questions:\n" + qPainDays + rule("days", "pain_days > 3")},
			limits: triage.Limits{Answers: 1}, pos: "r.yaml:2:9", field: "Limits.Answers"},
		{name: "CEL together", reason: "150 code points of CEL, more than the 128 two rules allow together; named at the condition that crosses",
			files:  map[string]string{"0.yaml": base0, "r.yaml": rule("long", "fever"+strings.Repeat(" || fever", 16))},
			limits: triage.Limits{Rules: 2}, pos: "r.yaml:4:11", field: "Limits.Rules"},
		{name: "choices", reason: "three choices, more than the two items a multichoice answer may hold",
			files:  map[string]string{"0.yaml": base0, "r.yaml": multichoice("where", "a", "b", "c") + rule("numb", "size(where) > 0")},
			limits: triage.Limits{ListLength: 2}, pos: "r.yaml:2:9", field: "Limits.ListLength"},
		{name: "choice length", reason: "a choice of 7 bytes, longer than an answer may hold",
			files:  map[string]string{"0.yaml": base0, "r.yaml": multichoice("where", "fingers") + rule("numb", "size(where) > 0")},
			limits: triage.Limits{StringLength: 6}, pos: "r.yaml:2:9", field: "Limits.StringLength"},
		{name: "question id length", reason: "a question id of 9 bytes, longer than an answers set may use",
			files:  map[string]string{"0.yaml": base0, "r.yaml": "questions:\n" + qPainDays + rule("days", "pain_days > 3")},
			limits: triage.Limits{StringLength: 8}, pos: "r.yaml:2:9", field: "Limits.StringLength"},
		{name: "rule file size", reason: "a file over Limits.RuleFileSize, named where it crosses the limit",
			files:  map[string]string{"0.yaml": base0, "r.yaml": "# " + strings.Repeat("x", len(base0)) + "\n"},
			limits: triage.Limits{RuleFileSize: len(base0)}, pos: "r.yaml:1:", field: "Limits.RuleFileSize"},
		{name: "rule files together", reason: "five files of 903 bytes after the first, more than four times Limits.RuleFileSize together; named at the file that crosses",
			files:  map[string]string{"0.yaml": base0, "1.yaml": padding, "2.yaml": padding, "3.yaml": padding, "4.yaml": padding, "5.yaml": padding},
			limits: triage.Limits{RuleFileSize: 1000}, pos: "5.yaml", field: "Limits.RuleFileSize"},
		{name: "rule files", reason: "two rule files, more than Limits.RuleFiles allows",
			files:  map[string]string{"0.yaml": base0, "r.yaml": "# nothing\n"},
			limits: triage.Limits{RuleFiles: 1}, pos: "r.yaml", field: "Limits.RuleFiles"},
		{name: "expression length", reason: "a condition longer than Limits.ExpressionLength",
			files:  map[string]string{"0.yaml": base0, "r.yaml": rule("long", "fever || fever")},
			limits: triage.Limits{ExpressionLength: 10}, pos: "r.yaml:4:11", field: "Limits.ExpressionLength"},
		{name: "cost", reason: "a condition whose estimated worst case costs more than Limits.Cost",
			files:  map[string]string{"0.yaml": base0, "r.yaml": rule("loop", "fever && [1, 2, 3, 4, 5, 6, 7, 8].exists(x, x > 3)")},
			limits: triage.Limits{Cost: 10}, pos: "r.yaml:4:11", field: "Limits.Cost"},
		{name: "nesting", reason: "six parentheses deep, deeper than Limits.Nesting allows",
			files:  map[string]string{"0.yaml": base0, "r.yaml": rule("deep", "((((((fever))))))")},
			limits: triage.Limits{Nesting: 3}, pos: "r.yaml:4:", field: "Limits.Nesting"},
	}
}

// TestLoadLimitErrorsWrapErrLimit: every error about a rule set over a
// limit wraps ErrLimit as well as ErrInvalidRuleSet, as ErrLimit promises,
// so a caller (the CLI's --limit hint) can tell "too large" from "wrong"
// without reading the message. errors.As reaches the one error over the
// limit, at its position, and it names the field that raises the limit.
func TestLoadLimitErrorsWrapErrLimit(t *testing.T) {
	for _, tc := range loadLimitCases() {
		t.Run(tc.name, func(t *testing.T) {
			_, err := triage.Load(mapFS(tc.files), triage.WithLimits(tc.limits))
			require.ErrorIs(t, err, triage.ErrInvalidRuleSet, tc.reason)
			require.ErrorIs(t, err, triage.ErrLimit, tc.reason)
			var first *triage.Error
			require.ErrorAs(t, err, &first, tc.reason)
			assert.True(t, strings.HasPrefix(first.Pos.String(), tc.pos), "%s: the error is at %s, want %s", tc.reason, first.Pos, tc.pos)
			assert.Contains(t, first.Msg, tc.field, "%s: the message names the field that raises the limit", tc.reason)
			assert.ErrorIs(t, first, triage.ErrLimit, tc.reason)
			assert.ErrorIs(t, first, triage.ErrInvalidRuleSet, tc.reason)
			var list triage.ErrorList
			require.ErrorAs(t, err, &list)
			for _, e := range list[1:] {
				assert.NotErrorIs(t, e, triage.ErrLimit, "%s: only the error over the limit wraps ErrLimit, not %q", tc.reason, e)
			}
		})
	}
}

// TestLoadLimitErrorsFitUnderTheDefaults: each rule set of
// TestLoadLimitErrorsWrapErrLimit loads under the default limits (padding
// files aside), so what refuses it there is the tight limit and nothing
// else.
func TestLoadLimitErrorsFitUnderTheDefaults(t *testing.T) {
	for _, tc := range loadLimitCases() {
		t.Run(tc.name, func(t *testing.T) {
			files := map[string]string{}
			for name, data := range tc.files {
				if !strings.HasPrefix(data, "# ") {
					files[name] = data
				}
			}
			_, err := triage.Load(mapFS(files))
			require.NoError(t, err, tc.reason)
		})
	}
}

// TestLoadErrorsNotOverALimit: an error that is not about a limit does not
// wrap ErrLimit, or a caller would advise raising a limit for a typo.
func TestLoadErrorsNotOverALimit(t *testing.T) {
	tests := []struct {
		name, reason, data string
	}{
		{name: "misspelt key", reason: "wen: for when: is a mistake, not a size",
			data: strings.Replace(rule("r", "fever"), "when:", "wen:", 1)},
		{name: "CEL syntax", reason: "a single = is a slip, not a size",
			data: rule("r", "fever = true")},
		{name: "unknown question", reason: "a misspelt question is a mistake, not a size",
			data: rule("r", "fevr")},
		{name: "YAML nested beyond the parser's depth", reason: "the YAML parser's own depth bound is no Limits field, so --limit cannot raise it: a syntax error",
			data: "rules: " + strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000) + "\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := triage.Load(fstest.MapFS{"0.yaml": {Data: []byte(base0)}, "r.yaml": {Data: []byte(tc.data)}})
			require.ErrorIs(t, err, triage.ErrInvalidRuleSet, tc.reason)
			assert.NotErrorIs(t, err, triage.ErrLimit, tc.reason)
			var e *triage.Error
			require.ErrorAs(t, err, &e, tc.reason)
			assert.Equal(t, "r.yaml", e.Pos.File, tc.reason)
		})
	}
}

// ExampleErrLimit tells a rule set too large for the limits from one that
// is wrong.
func ExampleErrLimit() {
	fsys := fstest.MapFS{"r.yaml": {Data: []byte(`name: demo
version: 1.0.0
title: Demo
sources: [{id: doc, title: A document}]
questions: [{id: fever, text: Do you have a fever, type: boolean}]
rules:
  - {id: a, title: A, when: fever, action: refer, advice: See someone., cite: {source: doc, section: S}}
  - {id: b, title: B, when: fever, action: refer, advice: See someone., cite: {source: doc, section: S}}
`)}}
	_, err := triage.Load(fsys, triage.WithLimits(triage.Limits{Rules: 1}))
	var e *triage.Error
	if errors.Is(err, triage.ErrLimit) && errors.As(err, &e) {
		fmt.Println("over a limit:", e)
	}
	// Output: over a limit: r.yaml:8:10: b: the rule set has 2 rules, more than the limit of 1 (Limits.Rules); no condition was checked
}
