package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// largeRuleSet writes a rule set of 1,050 boolean questions and 510
// rules, over the default limits of 1,000 answers and 500 rules, with one
// test case that fires every rule, and returns its directory and one answers line for it.
func largeRuleSet(t *testing.T) (dir, answers string) {
	t.Helper()
	const questions, rulesN = 1_050, 510
	var b strings.Builder
	b.WriteString("name: large\nversion: 1.0.0\ntitle: Large\nsources: [{id: doc, title: Doc}]\nquestions:\n")
	all := map[string]bool{}
	for i := range questions {
		fmt.Fprintf(&b, "  - {id: q%d, text: Question %d, type: boolean}\n", i, i)
		all[fmt.Sprintf("q%d", i)] = false
	}
	b.WriteString("rules:\n")
	for i := range rulesN {
		// Rule i reads questions i, i+510 and i+1020: every question is read.
		when := fmt.Sprintf("q%d || q%d", i, i+rulesN)
		if i+2*rulesN < questions {
			when += fmt.Sprintf(" || q%d", i+2*rulesN)
		}
		fmt.Fprintf(&b, "  - {id: r%d, title: R%d, when: %q, action: refer, advice: See someone., cite: {source: doc, section: S}}\n", i, i, when)
	}
	dir = t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(b.String()), 0o644))
	// One case in which every rule fires, so that redflag test passes.
	var c strings.Builder
	c.WriteString("cases:\n  - name: every rule fires\n    answers:\n")
	for i := range rulesN {
		fmt.Fprintf(&c, "      q%d: true\n", i)
	}
	c.WriteString("    expect:\n      outcome: see_professional\n      fires_exactly:\n")
	for i := range rulesN {
		fmt.Fprintf(&c, "        - r%d\n", i)
	}
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules_test.yaml"), []byte(c.String()), 0o644))
	line, err := json.Marshal(all)
	require.NoError(t, err)
	return dir, string(line) + "\n"
}

// TestLimitFlag: a rule set over the default limits is refused, with a
// hint at --limit, and works once --limit raises them, in every command
// that loads rules.
func TestLimitFlag(t *testing.T) {
	t.Parallel()
	dir, answers := largeRuleSet(t)
	raise := "--limit=answers=2000,rules=1500"
	for _, tc := range []struct {
		args   []string
		stdin  string
		want   int
		reason string
	}{
		{[]string{"check", "--rules", dir}, answers, exitSelfCare, "check: one answers object"},
		{[]string{"check", "--jsonl", "--rules", dir}, answers + answers, exitSelfCare, "check --jsonl"},
		{[]string{"ask", "--rules", dir}, "", exitIncomplete, "ask, with nothing answered"},
		{[]string{"test", dir}, "", exitSelfCare, "test"},
		{[]string{"lint", dir}, "", exitSelfCare, "lint"},
		{[]string{"diff", "--old", dir, "--new", dir}, answers, exitSelfCare, "diff"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			without := runCLI(t, t.Context(), tc.stdin, tc.args...)
			assert.Equal(t, exitBadInput, without.code, "refused without --limit: %s", without.stderr)
			assert.Contains(t, without.stderr, "more than the limit of 500 (Limits.Rules)")
			assert.Contains(t, without.stderr, "raise the limit it names with --limit")

			args := append([]string{tc.args[0], raise}, tc.args[1:]...)
			with := runCLI(t, t.Context(), tc.stdin, args...)
			assert.Equal(t, tc.want, with.code, "works with --limit: %s", with.stderr)
			assert.NotContains(t, with.stderr, "limit")
		})
	}
}

// TestLimitFlagAnswers: --limit also sets the limits answers are read
// under.
func TestLimitFlagAnswers(t *testing.T) {
	t.Parallel()
	got := runCLI(t, t.Context(), `{"fever": true, "a_question_id_of_forty_bytes_that_is_long": 1}`, "check", "--limit", "string-length=30")
	assert.Equal(t, exitBadInput, got.code)
	assert.Contains(t, got.stderr, "a question id of 41 bytes, longer than the limit of 30 (Limits.StringLength)")

	got = runCLI(t, t.Context(), `{"fever": true}`+"\n", "check", "--jsonl", "--limit", "answers-size=5")
	assert.Equal(t, exitBadInput, got.code)
	assert.Contains(t, got.stdout, "larger than the limit of 5 bytes (Limits.AnswersSize)")
}

// TestLimitHint: the hint at --limit follows every rule set refused for a
// limit, found by errors.Is(err, triage.ErrLimit) and not by its words:
// the limits on one condition (its length, nesting and cost) included,
// each raised by the --limit name the hint leads to; and it follows no
// other error, even one whose message quotes "(Limits.".
func TestLimitHint(t *testing.T) {
	t.Parallel()
	const head = "name: demo\nversion: 1.0.0\ntitle: Demo\nsources: [{id: doc, title: Doc}]\nquestions: [{id: fever, text: Fever, type: boolean}]\n"
	ruleSet := func(when string) string {
		return head + fmt.Sprintf("rules:\n  - {id: r, title: R, when: %q, action: refer, advice: See someone., cite: {source: doc, section: S}}\n", when)
	}
	for _, tc := range []struct {
		rules, raise, reason string
	}{
		{ruleSet("fever || " + strings.Repeat("fever && ", 500) + "fever"), "expression-length=8000", "a condition longer than Limits.ExpressionLength"},
		{ruleSet(strings.Repeat("(", 40) + "fever" + strings.Repeat(")", 40)), "nesting=64", "a condition nested deeper than Limits.Nesting"},
		{ruleSet("fever && [" + strings.Repeat("1, ", 200) + "1].all(x, [" + strings.Repeat("1, ", 200) + "1].all(y, x == y))"), "cost=1000000", "a condition over Limits.Cost"},
		{ruleSet("fever") + "\"x (Limits.Rules)\": 1\n", "", "an unknown key that quotes (Limits. is no limit"},
		{ruleSet("fevr"), "", "a misspelt question is no limit"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(tc.rules), 0o644))
			got := runCLI(t, t.Context(), "", "lint", dir)
			assert.Equal(t, exitBadInput, got.code, "%s: %s", tc.reason, got.stderr)
			if tc.raise == "" {
				assert.NotContains(t, got.stderr, "--limit", tc.reason)
				return
			}
			assert.Contains(t, got.stderr, "raise the limit it names with --limit", tc.reason)
			raised := runCLI(t, t.Context(), "", "lint", "--limit", tc.raise, dir)
			assert.Equal(t, exitSelfCare, raised.code, "%s: --limit %s raises it: %s", tc.reason, tc.raise, raised.stderr)
		})
	}
}

func TestLimitFlagParse(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		values []string
		want   triage.Limits
		err    string
		reason string
	}{
		{[]string{"answers=2000"}, triage.Limits{Answers: 2000}, "", "one limit"},
		{[]string{"answers=2000, rules=1500", "list-length=9"}, triage.Limits{Answers: 2000, Rules: 1500, ListLength: 9}, "", "a list, with a space, and the flag repeated"},
		{[]string{"answers-size=1,string-length=2,expression-length=3,rule-files=4,rule-file-size=5,nesting=6,cost=7"},
			triage.Limits{AnswersSize: 1, StringLength: 2, ExpressionLength: 3, RuleFiles: 4, RuleFileSize: 5, Nesting: 6, Cost: 7}, "", "every other name"},
		{[]string{"answers"}, triage.Limits{}, `want NAME=N, such as answers=2000, got "answers"`, "no value"},
		{[]string{"answer=5"}, triage.Limits{}, `unknown limit "answer"; the limits are answers, rules,`, "a misspelt name"},
		{[]string{"answers=0"}, triage.Limits{}, `limit answers wants a whole number above 0, got "0"`, "zero would mean the default"},
		{[]string{"answers=-1"}, triage.Limits{}, `above 0, got "-1"`, "negative"},
		{[]string{"answers=1e3"}, triage.Limits{}, `above 0, got "1e3"`, "not a whole number"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			fset := flag.NewFlagSet("x", flag.ContinueOnError)
			fset.SetOutput(io.Discard)
			l := addLimitFlag(fset)
			var args []string
			for _, v := range tc.values {
				args = append(args, "--limit", v)
			}
			err := fset.Parse(args)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, l.limits)
			assert.Len(t, l.options(), 1)
		})
	}
	var unset *limitFlag
	assert.Nil(t, unset.options(), "no --limit: no options")
	assert.Nil(t, (&limitFlag{}).options(), "no --limit: no options")
}
