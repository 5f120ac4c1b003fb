package triage_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// TestAnswerLimits shows each answers limit refusing an oversized input, in
// Evaluate and in both decoding paths, with an error that wraps ErrLimit
// and ErrInvalidAnswers and names the option to change.
func TestAnswerLimits(t *testing.T) {
	manyKeys := triage.Answers{}
	var manyJSON strings.Builder
	manyJSON.WriteString("{")
	for i := range 20 {
		manyKeys[fmt.Sprintf("q%d", i)] = true
		if i > 0 {
			manyJSON.WriteString(",")
		}
		fmt.Fprintf(&manyJSON, `"q%d": true`, i)
	}
	manyJSON.WriteString("}")
	long := strings.Repeat("l", 100)

	eng := mustLoad(t, demoFS(),
		triage.WithLimits(triage.Limits{Answers: 10, StringLength: 50, ListLength: 2, AnswersSize: 400}))
	tests := []struct {
		name, reason string
		answers      triage.Answers // for Evaluate; nil to skip
		json         string         // for eng.ParseAnswers; "" to skip
		want         string
	}{
		{
			name: "too many answers", reason: "20 answers against a limit of 10 are refused before any is validated",
			answers: manyKeys, json: manyJSON.String(), want: "more than the limit of 10 (Limits.Answers)",
		},
		{
			name: "long string answer", reason: "a 100-byte choice is refused by its length before it is compared with the choices",
			answers: triage.Answers{"side": long}, json: `{"side": "` + long + `"}`, want: "side: a string of 100 bytes, longer than the limit of 50 (Limits.StringLength)",
		},
		{
			name: "long question id", reason: "an unknown id is not quoted back at full length",
			answers: triage.Answers{long: true}, json: `{"` + long + `": true}`, want: "a question id of 100 bytes",
		},
		{
			name: "long list", reason: "three items against a limit of two",
			answers: triage.Answers{"where": []string{"fingers", "arms", "arms"}}, json: `{"where": ["fingers", "arms", "arms"]}`, want: "where: a list of 3 items, longer than the limit of 2 (Limits.ListLength)",
		},
		{
			name: "long string in a list", reason: "each item is bounded too",
			answers: triage.Answers{"where": []any{long}}, json: `{"where": ["` + long + `"]}`, want: "a string of 100 bytes",
		},
		{
			name: "large document", reason: "401 bytes against a limit of 400: refused before it is parsed",
			json: `{"fever": true}` + strings.Repeat(" ", 386), want: "larger than the limit of 400 bytes (Limits.AnswersSize)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.answers != nil {
				v, err := eng.Evaluate(context.Background(), tc.answers)
				require.Nil(t, v, tc.reason)
				require.ErrorIs(t, err, triage.ErrLimit, tc.reason)
				require.ErrorIs(t, err, triage.ErrInvalidAnswers, tc.reason)
				assert.ErrorContains(t, err, tc.want, tc.reason)
			}
			if tc.json != "" {
				a, err := eng.DecodeAnswers(bytes.NewReader([]byte(tc.json)))
				require.Nil(t, a, tc.reason)
				require.ErrorIs(t, err, triage.ErrLimit, tc.reason)
				require.ErrorIs(t, err, triage.ErrInvalidAnswers, tc.reason)
				assert.ErrorContains(t, err, tc.want, tc.reason)
				assert.NotContains(t, err.Error(), "\n", "one-line errors")

				_, err = eng.DecodeAnswers(strings.NewReader(tc.json))
				assert.ErrorContains(t, err, tc.want, "DecodeAnswers applies the same limits")
			}
		})
	}
}

func TestAnswerLimitsAllowWhatFits(t *testing.T) {
	eng := mustLoad(t, demoFS(), triage.WithLimits(triage.Limits{Answers: 6, ListLength: 2, StringLength: 7, AnswersSize: 200}))
	doc := `{"fever": false, "where": ["fingers", "arms"], "side": "right", "temp": 36.6, "pops": true, "relief": 30}`
	a, err := eng.DecodeAnswers(bytes.NewReader([]byte(doc)))
	require.NoError(t, err, "six answers, a two-item list and 7-byte strings are exactly at the limits")
	v, err := eng.Evaluate(context.Background(), a)
	require.NoError(t, err)
	assert.Equal(t, triage.SeeProfessional, v.Outcome)
}

func TestDecoderDefaultSizeLimit(t *testing.T) {
	big := `{"fever": true}` + strings.Repeat(" ", (64<<10))
	_, err := parseAnswers(t, []byte(big))
	require.ErrorIs(t, err, triage.ErrLimit, "DecodeAnswers applies DefaultMaxAnswersSize")
	var aerrs triage.AnswerErrors
	require.ErrorAs(t, err, &aerrs, "a limit error has the one shape of invalid answers")
	require.ErrorIs(t, err, triage.ErrInvalidAnswers)

	a, err := parseAnswers(t, []byte(`{"fever": true}`+strings.Repeat(" ", (64<<10)-15)))
	require.NoError(t, err, "a document of exactly the limit is accepted")
	assert.Equal(t, triage.Answers{"fever": true}, a)
}

func TestLimitsRefuseNegative(t *testing.T) {
	for name, l := range map[string]triage.Limits{
		"AnswersSize":  {AnswersSize: -1},
		"Answers":      {Answers: -1},
		"StringLength": {StringLength: -1},
		"ListLength":   {ListLength: -1},
		"RuleFileSize": {RuleFileSize: -1},
		"RuleFiles":    {RuleFiles: -1},
		"Rules":        {Rules: -1},
	} {
		_, err := triage.Load(demoFS(), triage.WithLimits(l))
		require.ErrorContains(t, err, "Limits."+name, "a negative limit is a programming error naming the field")
		assert.NotErrorIs(t, err, triage.ErrInvalidRuleSet, "a bad option is not a bad rule set")
	}
}

func TestLimitsZeroMeansDefault(t *testing.T) {
	// A zero field keeps its default: 4,097 characters of CEL are refused
	// as over the default of 4,096 even when another limit is set.
	cond := "fever" + strings.Repeat(" ", 4_092)
	src := lines("name: z", "version: 1.0.0", "title: Z", "sources: [{id: d, title: D}]",
		"questions: [{id: fever, text: Fever, type: boolean}]",
		"rules:", "  - id: f", "    title: F", "    action: refer", "    advice: A", "    cite: {source: d, section: S}", "    when: '"+cond+"'")
	_, err := triage.Load(fstest.MapFS{"r.yaml": {Data: []byte(src)}}, triage.WithLimits(triage.Limits{Answers: 10}))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "when is 4097 characters long; the limit is 4096")
}

func TestLoadRefusesQuestionnaireOverTheAnswerLimits(t *testing.T) {
	_, err := triage.Load(demoFS(), triage.WithLimits(triage.Limits{Answers: 5}))
	assert.Contains(t, errorLines(t, err), `demo.yaml:30:9: relief: the questionnaire has 6 questions, more than the 5 answers an answers set may hold (Limits.Answers)`)
	_, err = triage.Load(demoFS(), triage.WithLimits(triage.Limits{StringLength: 6}))
	assert.Contains(t, errorLines(t, err), `demo.yaml:11:9: where: a choice of 7 bytes, longer than the 6 an answer may hold (Limits.StringLength)`)
}

// worstRuleSets are rule sets at the default limits, each stressing what
// Load spends its time on: the most rules and questions with the most CEL,
// the longest conditions, and the most YAML.
func worstRuleSets() map[string]fstest.MapFS {
	head := "name: worst\nversion: 1.0.0\ntitle: Worst\nsources:\n  - id: doc\n    title: D\n"
	// 1,000 questions (Limits.Answers), and 500 rules whose conditions read
	// ten of them each and use the whole CEL budget (64 code points a
	// rule).
	var many strings.Builder
	many.WriteString(head + "questions:\n")
	for i := range 1000 {
		fmt.Fprintf(&many, "  - {id: q%d, text: Question %d, type: integer}\n", i, i)
	}
	many.WriteString("rules:\n")
	for i := range 500 {
		q := func(k int) int { return (2*i + k) % 1000 } // every question is read
		when := fmt.Sprintf("q%d+q%d+q%d+q%d+q%d+q%d+q%d+q%d+q%d+q%d > %d", q(0), q(1), q(2), q(3), q(4), q(5), q(6), q(7), q(8), q(9), i)
		when += strings.Repeat(" ", 64-len(when))
		fmt.Fprintf(&many, "  - {id: r%d, title: Rule, when: '%s', action: refer, advice: A, cite: {source: doc, section: S}}\n", i, when)
	}
	// The CEL budget spent on the longest conditions allowed: 7 of 4,096
	// code points, each an || of some 270 comparisons.
	var long strings.Builder
	long.WriteString(head + "questions:\n")
	for i := range 10 {
		fmt.Fprintf(&long, "  - {id: q%d, text: Q, type: integer}\n", i)
	}
	long.WriteString("rules:\n")
	for i := range 7 {
		var parts []string
		for j := 0; len(strings.Join(parts, " || ")) < 4096-24; j++ {
			parts = append(parts, fmt.Sprintf("q%d + %d > %d", j%10, j, i))
		}
		fmt.Fprintf(&long, "  - id: r%d\n    title: Rule\n    when: '%s'\n    action: refer\n    advice: A\n    cite: {source: doc, section: S}\n", i, strings.Join(parts, " || "))
	}
	// The most YAML: four 1 MiB files (the rule files together may hold
	// four times the size of one), mostly long advice.
	yamlFS := fstest.MapFS{"0.yaml": {Data: []byte(head + "questions:\n  - {id: q, text: Q, type: boolean}\nrules:\n  - {id: r, title: R, when: q, action: refer, advice: A, cite: {source: doc, section: S}}\n")}}
	for f := range 3 {
		var b strings.Builder
		b.WriteString("self_care:\n")
		for i := 0; b.Len() < (1<<20)-300; i++ {
			fmt.Fprintf(&b, "  - {id: g%d_%d, title: T, advice: %s, cite: {source: doc, section: S}}\n", f, i, strings.Repeat("word ", 40))
		}
		yamlFS[fmt.Sprintf("%d.yaml", f+1)] = &fstest.MapFile{Data: []byte(b.String())}
	}
	return map[string]fstest.MapFS{
		"most-rules":  {"r.yaml": {Data: []byte(many.String())}},
		"longest-cel": {"r.yaml": {Data: []byte(long.String())}},
		"most-yaml":   yamlFS,
	}
}

// BenchmarkLoadWorstAllowed loads the largest rule sets the default limits
// allow; README's limits table quotes the result:
//
//	go test ./triage -run '^$' -bench LoadWorstAllowed -benchmem
func BenchmarkLoadWorstAllowed(b *testing.B) {
	for name, fsys := range worstRuleSets() {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				_, err := triage.Load(fsys)
				require.NoError(b, err)
			}
		})
	}
}

// TestRuleSetSizeLimits: a rule set may not hold so many rules, questions
// or so much CEL that loading it takes seconds (a 1 MiB file held 11,644
// rules and took 6 s). Each limit is checked before anything is compiled:
// the broken condition in every case here is never reported.
func TestRuleSetSizeLimits(t *testing.T) {
	head := "name: big\nversion: 1.0.0\ntitle: Big\nsources:\n  - id: doc\n    title: D\n"
	questions := func(n int, askIf string) string {
		var b strings.Builder
		b.WriteString("questions:\n")
		for i := range n {
			if askIf == "" {
				fmt.Fprintf(&b, "  - {id: q%d, text: Q, type: integer}\n", i)
				continue
			}
			fmt.Fprintf(&b, "  - {id: q%d, text: Q, type: integer, ask_if: '%s'}\n", i, askIf)
		}
		return b.String()
	}
	rules := func(n int, when string) string {
		var b strings.Builder
		b.WriteString("rules:\n  - {id: broken, title: T, when: 'q0 >', action: refer, advice: A, cite: {source: doc, section: S}}\n")
		for i := 1; i < n; i++ {
			fmt.Fprintf(&b, "  - {id: r%d, title: T, when: '%s', action: refer, advice: A, cite: {source: doc, section: S}}\n", i, when)
		}
		return b.String()
	}
	const long = "q0 > 1 || q0 > 2 || q0 > 3 || q0 > 4 || q0 > 5 || q0 > 6 || q0 > 7 || q0 > 8 || q0 > 9 || q0 > 10" // 97 code points
	tests := []struct {
		name, reason string
		data         string
		opts         []triage.Option
		want         string // one error line
	}{
		{
			name:   "more rules than the default",
			reason: "501 rules, over the default of 500; the first rule over it is named",
			data:   head + questions(1, "") + rules(501, "q0 > 1"),
			want:   "r.yaml:510:10: r500: the rule set has 501 rules, more than the limit of 500 (Limits.Rules); no condition was checked",
		},
		{
			name:   "more rules than WithMaxRules",
			reason: "WithMaxRules lowers the limit",
			data:   head + questions(1, "") + rules(4, "q0 > 1"),
			opts:   []triage.Option{triage.WithLimits(triage.Limits{Rules: 3})},
			want:   "r.yaml:13:10: r3: the rule set has 4 rules, more than the limit of 3 (Limits.Rules); no condition was checked",
		},
		{
			name:   "more questions than answers allowed",
			reason: "1,001 questions could never be answered completely under the default WithMaxAnswers",
			data:   head + questions(1001, "") + rules(2, "q0 > 1"),
			want:   "r.yaml:1008:10: q1000: the questionnaire has 1001 questions, more than the 1000 answers an answers set may hold (Limits.Answers)",
		},
		{
			name:   "too much CEL",
			reason: "400 conditions of 97 code points are 38,800, over the 32,000 the default 500 rules allow; the condition that crosses is named",
			data:   head + questions(1, "") + rules(400, long),
			want:   "r.yaml:340:32: r330: the conditions of the rule set hold more than 32000 characters of CEL together, the limit for 500 rules (Limits.Rules); this one crosses it, and no condition was checked",
		},
		{
			name:   "ask_if conditions count too",
			reason: "every when and ask_if is CEL to compile",
			data:   head + questions(40, long) + rules(2, "q0 > 1"),
			opts:   []triage.Option{triage.WithLimits(triage.Limits{Rules: 50})},
			want:   "r.yaml:40:47: q32: the conditions of the rule set hold more than 3200 characters of CEL together, the limit for 50 rules (Limits.Rules); this one crosses it, and no condition was checked",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := triage.Load(fstest.MapFS{"r.yaml": {Data: []byte(tc.data)}}, tc.opts...)
			require.ErrorIs(t, err, triage.ErrInvalidRuleSet, tc.reason)
			got := errorLines(t, err)
			assert.Contains(t, got, tc.want, tc.reason)
			for _, line := range got {
				assert.NotContains(t, line, "broken", "%s: nothing is compiled", tc.reason)
			}
		})
	}

	t.Run("the rule files together", func(t *testing.T) {
		fsys := fstest.MapFS{"0.yaml": {Data: []byte(base0)}}
		for i := 1; i <= 5; i++ {
			fsys[fmt.Sprintf("%d.yaml", i)] = &fstest.MapFile{Data: []byte("# " + strings.Repeat("x", 900) + "\n")}
		}
		_, err := triage.Load(fsys, triage.WithLimits(triage.Limits{RuleFileSize: 1000}))
		assert.Contains(t, errorLines(t, err), "5.yaml: the rule files together are larger than the limit of 4000 bytes (4 times Limits.RuleFileSize); this one and any after it are not loaded",
			"without a bound on their sum, 256 files of 1 MiB could be read")
	})
	t.Run("what fits loads", func(t *testing.T) {
		_, err := triage.Load(fstest.MapFS{"r.yaml": {Data: []byte(head + questions(1, "") + strings.Replace(rules(500, "q0 > 1"), "q0 >'", "q0 > 0'", 1))}})
		require.NoError(t, err, "500 rules are allowed")
	})
}
