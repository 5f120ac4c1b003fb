package triagetest_test

import (
	"errors"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/triagetest"
)

// withTests returns the demo rule set with the given test files added.
func withTests(files map[string]string) fstest.MapFS {
	fsys := demoFS()
	for name, data := range files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

func TestLoadTests(t *testing.T) {
	fsys := withTests(map[string]string{
		"a_test.yaml": lines(
			"fixtures:",
			"  calm: {fever: false, where: [], side: right, temp: 36.6, pops: true, relief: 30}",
			"cases:",
			"  - name: fever refers",
			"    description: a fever alone",
			"    baseline: calm",
			"    answers: {fever: true, relief: null}",
			"    expect: {outcome: see_professional, fires_exactly: [fever], missing: []}",
		),
		"b_test.yml": lines(
			"cases:",
			"  - name: nothing answered",
			"    answers: {}",
			"    expect: {outcome: incomplete, not_fires: [fever]}",
			"  - name: bad temperature",
			"    answers: {temp: hot, fevr: true}",
			"    expect: {invalid: [temp, fevr]}",
			"equivalent_mutants:",
			"  - {rule: hot, mutant: \"temp >= 38.0\", reason: a made-up example}",
		),
	})
	eng := mustLoad(t, fsys)
	suite, err := triagetest.Load(fsys, eng)
	require.NoError(t, err)
	require.Len(t, suite.Cases, 3, "cases from every test file, in file-name order")

	c := suite.Cases[0]
	assert.Equal(t, "fever refers", c.Name)
	assert.Equal(t, "a fever alone", c.Description)
	assert.Equal(t, "calm", c.Baseline)
	assert.Equal(t, triage.Position{File: "a_test.yaml", Line: 4, Column: 5}, c.Pos)
	assert.Equal(t, triage.Answers{
		"fever": true, "where": []string{}, "side": "right", "temp": 36.6, "pops": true,
	}, c.Answers, "the case's answers override the baseline's, and null removes one")
	assert.Equal(t, triage.SeeProfessional, c.Expect.Outcome)
	assert.Equal(t, []string{"fever"}, c.Expect.FiresExactly)
	assert.NotNil(t, c.Expect.Missing, "missing: [] is an expectation (nothing missing), not an absent one")
	assert.Empty(t, c.Expect.Missing)
	assert.Nil(t, c.Expect.Fires, "fires was not given")

	assert.Equal(t, triage.Answers{}, suite.Cases[1].Answers)
	assert.Equal(t, []string{"fever"}, suite.Cases[1].Expect.NotFires)
	assert.Equal(t, triage.Incomplete, suite.Cases[1].Expect.Outcome)

	assert.Equal(t, triage.Answers{"temp": "hot", "fevr": true}, suite.Cases[2].Answers,
		"answers a case expects to be refused are kept as written")
	assert.Equal(t, []string{"temp", "fevr"}, suite.Cases[2].Expect.Invalid)

	require.Len(t, suite.Equivalent, 1)
	assert.Equal(t, triagetest.EquivalentMutant{Rule: "hot", Mutant: "temp >= 38.0", Reason: "a made-up example",
		Pos: triage.Position{File: "b_test.yml", Line: 9, Column: 5}}, suite.Equivalent[0])
}

func TestLoadTestsWithoutFiles(t *testing.T) {
	eng := mustLoad(t, demoFS())
	suite, err := triagetest.Load(demoFS(), eng)
	require.NoError(t, err)
	assert.Empty(t, suite.Cases)
	_, err = triagetest.Load(demoFS(), nil)
	assert.Error(t, err, "a nil engine is a programming error, not an empty suite")
}

func TestLoadTestsErrors(t *testing.T) {
	const okCase = "  - {name: ok, answers: {fever: true}, expect: {outcome: see_professional}}"
	tests := []struct {
		name   string
		reason string
		files  map[string]string
		want   []string
	}{
		{
			name:   "unknown top-level key",
			reason: "a misspelled key would silently drop the cases under it",
			files:  map[string]string{"t_test.yaml": lines("case:", okCase)},
			want:   []string{`t_test.yaml:1:1: unknown key "case" (did you mean "cases"?); allowed: fixtures, cases, equivalent_mutants`},
		},
		{
			name:   "unknown case key",
			reason: "expects instead of expect would leave the case checking nothing",
			files: map[string]string{"t_test.yaml": lines(
				"cases:",
				"  - name: c",
				"    answers: {fever: true}",
				"    expects: {outcome: see_professional}",
			)},
			want: []string{
				`t_test.yaml:2:5: c: missing required key "expect"`,
				`t_test.yaml:4:5: c: unknown key "expects" (did you mean "expect"?); allowed: name, description, baseline, answers, expect`,
			},
		},
		{
			name:   "unknown expectation key",
			reason: "not_fire instead of not_fires must not pass silently",
			files: map[string]string{"t_test.yaml": lines(
				"cases:",
				"  - name: c",
				"    answers: {fever: true}",
				"    expect: {not_fire: [fever]}",
			)},
			want: []string{
				`t_test.yaml:4:13: c: expect sets nothing; give an outcome, fires, fires_exactly, not_fires, missing or invalid`,
				`t_test.yaml:4:14: c: unknown key "not_fire" (did you mean "not_fires"?); allowed: outcome, fires, fires_exactly, not_fires, missing, invalid`,
			},
		},
		{
			name:   "unknown baseline",
			reason: "a case must not quietly start from nothing",
			files: map[string]string{"t_test.yaml": lines(
				"fixtures:",
				"  calm: {fever: false}",
				"cases:",
				"  - name: c",
				"    baseline: clam",
				"    expect: {outcome: self_care}",
			)},
			want: []string{`t_test.yaml:5:15: c: unknown fixture "clam" (did you mean "calm"?)`},
		},
		{
			name:   "bad fixture answers",
			reason: "fixtures are checked against the questionnaire where they are written",
			files: map[string]string{"t_test.yaml": lines(
				"fixtures:",
				"  calm: {fevr: false, temp: 99, side: [left]}",
				"  also: [fever]",
				"cases:",
				okCase,
			)},
			want: []string{
				`t_test.yaml:2:10: calm: unknown question "fevr" (did you mean "fever"?)`,
				`t_test.yaml:2:29: calm: answer to temp: 99 is above the maximum of 45`,
				`t_test.yaml:2:39: calm: answer to side: want one of left, right, got a list`,
				`t_test.yaml:3:9: also: also must be a mapping, got a list`,
			},
		},
		{
			name:   "duplicate fixture across files",
			reason: "fixtures are shared by every file, so their names must be unique",
			files: map[string]string{
				"a_test.yaml": lines("fixtures:", "  calm: {fever: false}"),
				"b_test.yaml": lines("fixtures:", "  calm: {fever: true}", "cases:", okCase),
			},
			want: []string{`b_test.yaml:2:3: calm: duplicate fixture "calm" (first at a_test.yaml:2:3)`},
		},
		{
			name:   "unknown ids in expectations",
			reason: "a misspelled rule in not_fires would make the expectation vacuous",
			files: map[string]string{"t_test.yaml": lines(
				"cases:",
				"  - name: c",
				"    answers: {fever: true}",
				"    expect: {fires: [fevr], not_fires: [numbb], missing: [wher]}",
			)},
			want: []string{
				`t_test.yaml:4:22: c: unknown rule "fevr" (did you mean "fever"?)`,
				`t_test.yaml:4:41: c: unknown rule "numbb" (did you mean "numb"?)`,
				`t_test.yaml:4:59: c: unknown question "wher" (did you mean "where"?)`,
			},
		},
		{
			name:   "answers that do not fit",
			reason: "a typo in an answer is a load error, unless the case expects the answers to be refused",
			files: map[string]string{"t_test.yaml": lines(
				"cases:",
				"  - name: c",
				"    answers: {fever: yes please, where: [toes], relief: 2.5}",
				"    expect: {outcome: see_professional}",
			)},
			want: []string{
				`t_test.yaml:3:22: c: answer to fever: want true or false, got string "yes please"`,
				`t_test.yaml:3:41: c: answer to where: "toes" is not one of fingers, arms`,
				`t_test.yaml:3:57: c: answer to relief: want a whole number, got 2.5`,
			},
		},
		{
			name:   "contradictory expectations",
			reason: "a case cannot expect a rule to fire and not to fire, or invalid answers and a verdict",
			files: map[string]string{"t_test.yaml": lines(
				"cases:",
				"  - name: a",
				"    answers: {fever: true}",
				"    expect: {fires: [fever], not_fires: [fever]}",
				"  - name: b",
				"    answers: {temp: 99}",
				"    expect: {invalid: [temp], outcome: self_care}",
				"  - name: c",
				"    answers: {fever: true}",
				"    expect: {fires: [fever], fires_exactly: [fever]}",
			)},
			want: []string{
				`t_test.yaml:4:13: a: rule "fever" is expected both to fire and not to fire`,
				`t_test.yaml:7:13: b: invalid cannot be combined with other expectations: invalid answers produce no verdict`,
				`t_test.yaml:10:13: c: give fires or fires_exactly, not both`,
			},
		},
		{
			name:   "structural problems",
			reason: "names are required and unique; a case needs answers or a baseline; aliases are refused",
			files: map[string]string{"t_test.yaml": lines(
				"cases:",
				"  - {answers: {fever: true}, expect: {outcome: see_professional}}",
				"  - {name: dup, answers: {fever: true}, expect: {outcome: see_professional}}",
				"  - {name: dup, answers: {fever: true}, expect: {outcome: see_professional}}",
				"  - {name: none, expect: {outcome: incomplete}}",
				"  - {name: alias, answers: &a {fever: true}, expect: {outcome: see_professional}}",
				"  - {name: alias2, answers: *a, expect: {outcome: see_professional}}",
			)},
			want: []string{
				`t_test.yaml:2:5: missing required key "name"`,
				`t_test.yaml:4:12: dup: duplicate case name "dup" (first at t_test.yaml:3:5)`,
				`t_test.yaml:5:5: none: a case needs answers, a baseline, or both (write answers: {} for none at all)`,
				`t_test.yaml:7:29: alias2: YAML aliases are not allowed in test files; write the value out`,
			},
		},
		{
			name:   "expectations that cannot fail",
			reason: "fires: [] and not_fires: [] hold whatever happens; invalid: [] names nothing",
			files: map[string]string{"t_test.yaml": lines(
				"cases:",
				"  - {name: a, answers: {fever: true}, expect: {fires: []}}",
				"  - {name: b, answers: {fever: true}, expect: {not_fires: []}}",
				"  - {name: c, answers: {fever: true}, expect: {invalid: []}}",
				"  - {name: d, answers: {fever: true}, expect: {fires_exactly: [], missing: []}}",
			)},
			want: []string{
				`t_test.yaml:2:55: a: fires: [] checks nothing; write fires_exactly: [] for "no rule fires"`,
				`t_test.yaml:3:59: b: not_fires: [] checks nothing; write fires_exactly: [] for "no rule fires"`,
				`t_test.yaml:4:57: c: invalid must name at least one question`,
			},
		},
		{
			name:   "names go test cannot tell apart or select",
			reason: "case names are subtest names: spaces become underscores, / splits -run, mutants is taken",
			files: map[string]string{"t_test.yaml": lines(
				"cases:",
				"  - {name: a b, answers: {fever: true}, expect: {outcome: see_professional}}",
				"  - {name: a_b, answers: {fever: true}, expect: {outcome: see_professional}}",
				"  - {name: x/y, answers: {fever: true}, expect: {outcome: see_professional}}",
				"  - {name: mutants, answers: {fever: true}, expect: {outcome: see_professional}}",
			)},
			want: []string{
				`t_test.yaml:3:12: a_b: duplicate case name "a_b" (first at t_test.yaml:2:5, as "a b": go test turns spaces into underscores)`,
				`t_test.yaml:4:12: x/y: case names cannot contain "/" (go test -run splits on it)`,
				`t_test.yaml:5:12: mutants: "mutants" is reserved for mutation testing; choose another name`,
			},
		},
		{
			name:   "test files that would not be read",
			reason: "a test file in a subdirectory or with an upper-case extension would be skipped silently (one named x_TEST.yaml is read as a rule file, and refused there)",
			files: map[string]string{
				"sub/more_test.yaml": "cases: []\n",
				"upper_test.YAML":    "cases: []\n",
				"t_test.yaml":        lines("cases:", okCase),
			},
			want: []string{
				"sub/more_test.yaml: test files must be at the root of the rule set; this one is in a subdirectory and would not be loaded",
				"upper_test.YAML: test files must end in lower-case .yaml or .yml; rename it, or it is not loaded",
			},
		},
		{
			name:   "YAML syntax error",
			reason: "a broken test file is reported at its line, like a broken rule file",
			files:  map[string]string{"t_test.yaml": lines("cases:", "  - name: [unclosed", okCase)},
			want:   []string{`t_test.yaml:2:11: YAML syntax error: this [ is never closed; end it with ] on this line, or quote the value if the [ is part of the text (YAML parser: did not find expected ',' or ']')`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := withTests(tt.files)
			suite, err := triagetest.Load(fsys, mustLoad(t, fsys))
			assert.Nil(t, suite, "no suite with errors")
			assert.True(t, errors.Is(err, triage.ErrInvalidRuleSet), "test-file errors wrap ErrInvalidRuleSet")
			assert.Equal(t, tt.want, errorLines(t, err), tt.reason)
		})
	}
}
