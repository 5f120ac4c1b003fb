package triagetest

import (
	"context"
	"fmt"
	"math"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// clinic is a small rule set: a plain boolean, a threshold, a follow-up
// and a caution.
const clinic = `name: clinic
version: 0.1.0
title: A made-up clinic
sources:
  - {id: doc, title: A document}
questions:
  - {id: fever, text: Do you have a fever, type: boolean}
  - {id: pain_days, text: How many days, type: integer, min: 0}
  - {id: pops, text: Do you pop your back, type: boolean}
  - {id: relief, text: Minutes of relief, type: integer, min: 0, ask_if: pops}
rules:
  - {id: fever, title: Fever, when: fever, action: refer, advice: See someone., cite: {source: doc, section: Fever}}
  - {id: long_pain, title: Long pain, when: pain_days > 3, action: refer, advice: See someone., cite: {source: doc, section: Pain}}
  - {id: short_relief, title: Short relief, when: pops && relief < 5, action: refer, advice: See someone., cite: {source: doc, section: Relief}}
  - {id: habit, title: Habit, when: pops && relief >= 60, action: caution, advice: Pop less., cite: {source: doc, section: Habit}}
`

// fixtures is a test file with a calm baseline.
const fixtures = `fixtures:
  calm: {fever: false, pain_days: 1, pops: false}
`

func clinicFS(tests ...string) fstest.MapFS {
	fsys := fstest.MapFS{
		"clinic.yaml":        {Data: []byte(clinic)},
		"fixtures_test.yaml": {Data: []byte(fixtures)},
	}
	for i, t := range tests {
		fsys[fmt.Sprintf("t%d_test.yaml", i)] = &fstest.MapFile{Data: []byte(t)}
	}
	return fsys
}

func load(t *testing.T, fsys fstest.MapFS) *triage.Engine {
	t.Helper()
	eng, err := triage.Load(fsys)
	require.NoError(t, err)
	return eng
}

// fakeT records what Run reports, so tests can watch it fail.
type fakeT struct {
	name    string
	errors  []string
	fatal   string
	skipped string
	subs    []*fakeT
	// only, when set, runs only the subtests it accepts, like go test -run.
	only func(name string) bool
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeT) Fatalf(format string, args ...any) { f.fatal = fmt.Sprintf(format, args...) }
func (f *fakeT) Skipf(format string, args ...any)  { f.skipped = fmt.Sprintf(format, args...) }
func (f *fakeT) Run(name string, fn func(testingT)) bool {
	sub := &fakeT{name: name}
	f.subs = append(f.subs, sub)
	if f.only != nil && !f.only(name) {
		return true // not selected: go test reports it as passed
	}
	fn(sub)
	return len(sub.errors) == 0 && sub.fatal == ""
}

// allCases is a suite that covers every rule of clinic and both sides of
// every threshold.
const allCases = `cases:
  - {name: calm, baseline: calm, expect: {outcome: self_care, fires_exactly: []}}
  - {name: fever, baseline: calm, answers: {fever: true}, expect: {outcome: see_professional, fires_exactly: [fever]}}
  - {name: 3 days, baseline: calm, answers: {pain_days: 3}, expect: {outcome: self_care}}
  - {name: 4 days, baseline: calm, answers: {pain_days: 4}, expect: {outcome: see_professional, fires_exactly: [long_pain]}}
  - {name: 4 minutes, baseline: calm, answers: {pops: true, relief: 4}, expect: {outcome: see_professional, fires_exactly: [short_relief]}}
  - {name: 5 minutes, baseline: calm, answers: {pops: true, relief: 5}, expect: {outcome: self_care, fires_exactly: []}}
  - {name: 59 minutes, baseline: calm, answers: {pops: true, relief: 59}, expect: {outcome: self_care, fires_exactly: []}}
  - {name: 60 minutes, baseline: calm, answers: {pops: true, relief: 60}, expect: {outcome: self_care, fires_exactly: [habit]}}
  - {name: relief missing, baseline: calm, answers: {pops: true}, expect: {outcome: incomplete, missing: [relief]}}
  - {name: nothing, answers: {}, expect: {outcome: incomplete, missing: [fever, pain_days, pops]}}
  - {name: bad days, answers: {pain_days: -1}, expect: {invalid: [pain_days]}}
`

func TestRunPasses(t *testing.T) {
	fsys := clinicFS(allCases)
	Run(t, load(t, fsys), fsys, WithMutation())
}

func TestRunReportsWrongExpectation(t *testing.T) {
	fsys := clinicFS(`cases:
  - name: fever is fine
    baseline: calm
    answers: {fever: true}
    expect: {outcome: self_care, not_fires: [fever], missing: [pops]}
  - {name: calm, baseline: calm, expect: {outcome: self_care}}
`)
	ft := &fakeT{}
	run(ft, context.Background(), load(t, fsys), fsys, WithUnfiredRulesAllowed())
	require.Len(t, ft.subs, 2, "one subtest per case")
	assert.Equal(t, "fever is fine", ft.subs[0].name)
	assert.Equal(t, []string{`t0_test.yaml:2:5: case "fever is fine" failed:
    outcome: want self_care, got see_professional
    not_fires: want [fever] not to fire, but [fever] fired
    missing: want [pops], got (none)
    verdict: see_professional
    fired: fever (refer) on fever=true`}, ft.subs[0].errors, "expected vs got, then the reasons that fired")
	assert.Empty(t, ft.subs[1].errors, "the other case passes")
	assert.Empty(t, ft.errors, "a failed case is reported once, in its subtest")
}

func TestRunSkipsMutationForASelection(t *testing.T) {
	fsys := clinicFS(allCases)
	ft := &fakeT{only: func(name string) bool { return name == "mutants" }}
	run(ft, context.Background(), load(t, fsys), fsys, WithMutation())
	mutants := ft.subs[len(ft.subs)-1]
	require.Equal(t, "mutants", mutants.name)
	assert.Empty(t, mutants.errors, "no case ran, so every mutant would look like a survivor")
	assert.Equal(t, "mutation testing needs every case; 0 of 11 ran (go test -run selected some)", mutants.skipped)
	assert.Empty(t, ft.errors, "coverage is not held against a selection either")
}

func TestRunFailsOnTestsThatDoNotLoad(t *testing.T) {
	fsys := clinicFS("cases:\n  - {name: x, answers: {fevr: true}, expect: {outcome: self_care}}\n")
	ft := &fakeT{}
	run(ft, context.Background(), load(t, fsys), fsys)
	assert.Contains(t, ft.fatal, `t0_test.yaml:2:25: x: unknown question "fevr" (did you mean "fever"?)`)
	assert.Empty(t, ft.subs, "nothing runs")
}

func TestUntestedRuleIsReported(t *testing.T) {
	fsys := clinicFS(`cases:
  - {name: calm, baseline: calm, expect: {outcome: self_care}}
  - {name: fever, baseline: calm, answers: {fever: true}, expect: {fires: [fever]}}
`)
	eng := load(t, fsys)
	rep, err := Verify(context.Background(), eng, fsys)
	require.NoError(t, err)
	assert.Equal(t, 2, rep.Passed)
	assert.Equal(t, []string{"long_pain", "short_relief", "habit"}, rep.Unfired)
	assert.False(t, rep.OK(), "a rule no case fires fails the run by default")
	assert.Contains(t, rep.Failures(), "clinic.yaml:13:10: rule long_pain never fires in any case")

	rep, err = Verify(context.Background(), eng, fsys, WithUnfiredRulesAllowed())
	require.NoError(t, err)
	assert.Empty(t, rep.Unfired)
	assert.True(t, rep.OK())

	ft := &fakeT{}
	run(ft, context.Background(), eng, fsys)
	assert.Contains(t, ft.errors, "clinic.yaml:13:10: rule long_pain never fires in any case", "Run reports it too")
}

func TestCoverage(t *testing.T) {
	fsys := clinicFS(`cases:
  - {name: fever, baseline: calm, answers: {fever: true}, expect: {fires: [fever]}}
  - {name: only outcome, baseline: calm, answers: {pain_days: 5}, expect: {outcome: see_professional}}
  - {name: long pain, answers: {fever: false, pain_days: 9}, expect: {fires_exactly: [long_pain]}}
  - {name: relief missing, baseline: calm, answers: {pops: true}, expect: {outcome: incomplete, missing: [relief]}}
  - {name: calm, baseline: calm, expect: {outcome: self_care}}
  - {name: failing, baseline: calm, answers: {pops: true, relief: 1}, expect: {outcome: self_care, fires: [short_relief]}}
`)
	rep, err := Verify(context.Background(), load(t, fsys), fsys)
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Failed)
	cov := rep.Coverage
	byID := map[string]RuleCoverage{}
	for _, r := range cov.Rules {
		byID[r.ID] = r
	}
	for _, tt := range []struct {
		rule, fired, notFired, reason string
	}{
		{"fever", "fever", "long pain", "fires_exactly: [long_pain] says fever did not fire, and fever was answered"},
		{"long_pain", "long pain", "calm", "'only outcome' does not check which rule fired; self_care rules out every referral"},
		{"short_relief", "", "", "it fires only in a failing case, and relief is never answered otherwise"},
		{"habit", "", "", "no case checks the caution"},
	} {
		assert.Equal(t, tt.fired, byID[tt.rule].FiredBy, "%s fired: %s", tt.rule, tt.reason)
		assert.Equal(t, tt.notFired, byID[tt.rule].NotFiredBy, "%s not fired: %s", tt.rule, tt.reason)
	}
	qs := map[string]QuestionCoverage{}
	for _, q := range cov.Questions {
		qs[q.ID] = q
	}
	assert.Equal(t, QuestionCoverage{ID: "relief", UnansweredBy: "relief missing", UnansweredMatters: true}, qs["relief"],
		"answered only in the failing case; missing where a case says so")
	assert.Equal(t, QuestionCoverage{ID: "pain_days", AnsweredBy: "fever", UnansweredMatters: true}, qs["pain_days"],
		"never in an expected missing list")
	// 4 rules × 2 + 4 questions × 2 (all read by refer rules) = 16 items:
	// fever and long_pain both ways, three questions answered, relief missing.
	assert.Equal(t, 16, cov.Total)
	assert.Equal(t, 8, cov.Covered)
	assert.Contains(t, cov.Uncovered(), "clinic.yaml:14:10: rule short_relief never fires")
	assert.Contains(t, cov.Uncovered(), "question relief: never answered")

	rep, err = Verify(context.Background(), load(t, fsys), fsys, WithUnfiredRulesAllowed(), WithMinCoverage(90))
	require.NoError(t, err)
	assert.Equal(t, []string{"coverage 50.0% is below the minimum 90.0%"}, rep.Problems)
	assert.False(t, rep.OK())

	_, err = Verify(context.Background(), load(t, fsys), fsys, WithMinCoverage(math.NaN()))
	assert.ErrorContains(t, err, "minimum coverage must be between 0 and 100", "NaN would switch the threshold off")
}

func TestMutantSurvivesAMissedBoundary(t *testing.T) {
	// Far from the threshold on both sides: 10 days fires, 1 does not. A
	// rule that said >= 3, > 4 or > 2 would pass the same cases.
	weak := `cases:
  - {name: calm, baseline: calm, expect: {outcome: self_care, fires_exactly: []}}
  - {name: fever, baseline: calm, answers: {fever: true}, expect: {fires_exactly: [fever], outcome: see_professional}}
  - {name: ten days, baseline: calm, answers: {pain_days: 10}, expect: {fires_exactly: [long_pain], outcome: see_professional}}
  - {name: 4 minutes, baseline: calm, answers: {pops: true, relief: 4}, expect: {outcome: see_professional, fires_exactly: [short_relief]}}
  - {name: 5 minutes, baseline: calm, answers: {pops: true, relief: 5}, expect: {outcome: self_care, fires_exactly: []}}
  - {name: 59 minutes, baseline: calm, answers: {pops: true, relief: 59}, expect: {fires_exactly: []}}
  - {name: 60 minutes, baseline: calm, answers: {pops: true, relief: 60}, expect: {outcome: self_care, fires_exactly: [habit]}}
`
	fsys := clinicFS(weak)
	rep, err := Verify(context.Background(), load(t, fsys), fsys, WithMutation())
	require.NoError(t, err)
	require.NotNil(t, rep.Mutation)
	var survivors []string
	for _, m := range rep.Mutation.Survivors() {
		survivors = append(survivors, m.String())
	}
	assert.Equal(t, []string{
		"clinic.yaml:13:55: long_pain: > to >=: pain_days >= 3",
		"clinic.yaml:13:57: long_pain: threshold 3 to 4: pain_days > 4",
		"clinic.yaml:13:57: long_pain: threshold 3 to 2: pain_days > 2",
	}, survivors, "the report names each surviving mutant with its file:line:col")
	assert.False(t, rep.OK())
	assert.Contains(t, rep.Failures(), "clinic.yaml:13:55: mutant of rule long_pain survived (> to >=): pain_days >= 3; "+
		"to kill it, add a case with pain_days: 3 expecting outcome: self_care, not_fires: [long_pain]:\n"+
		"\t- {name: long_pain does not fire at pain_days 3, baseline: calm, answers: {pain_days: 3}, expect: {outcome: self_care, not_fires: [long_pain]}}")

	// Each survivor comes with the boundary case that kills it, starting
	// from the nearest answers (the calm fixture's 1 day, not the case's 10).
	var suggested []string
	for _, m := range rep.Mutation.Survivors() {
		require.NotNil(t, m.Suggestion, "%s", m)
		suggested = append(suggested, m.Suggestion.String(), m.Suggestion.Case)
	}
	assert.Equal(t, []string{
		"add a case with pain_days: 3 expecting outcome: self_care, not_fires: [long_pain]",
		"- {name: long_pain does not fire at pain_days 3, baseline: calm, answers: {pain_days: 3}, expect: {outcome: self_care, not_fires: [long_pain]}}",
		"add a case with pain_days: 4 expecting outcome: see_professional, fires: [long_pain]",
		"- {name: long_pain fires at pain_days 4, baseline: calm, answers: {pain_days: 4}, expect: {outcome: see_professional, fires: [long_pain]}}",
		"add a case with pain_days: 3 expecting outcome: self_care, not_fires: [long_pain]",
		"- {name: long_pain does not fire at pain_days 3, baseline: calm, answers: {pain_days: 3}, expect: {outcome: self_care, not_fires: [long_pain]}}",
	}, suggested)

	// The suggested cases, pasted as they are, kill them all.
	fsys = clinicFS(weak + "  " + suggested[1] + "\n  " + suggested[3] + "\n")
	rep, err = Verify(context.Background(), load(t, fsys), fsys, WithMutation())
	require.NoError(t, err)
	assert.Empty(t, rep.Mutation.Survivors())
	assert.Equal(t, 100.0, rep.Mutation.Score())
	assert.True(t, rep.OK(), "%v", rep.Failures())
}

func TestSuggestions(t *testing.T) {
	const head = `name: s
version: 1.0.0
title: T
sources: [{id: doc, title: D}]
questions:
  - {id: fever, text: Fever, type: boolean}
%s
rules:
  - {id: fever, title: F, when: fever, action: refer, advice: A., cite: {source: doc, section: S}}
`
	tests := []struct {
		name, questions, rule, cases string
		want                         map[string]string // surviving mutant -> suggested case; "" for none
	}{
		{
			name:      "a caution cannot change the outcome, so the suggestion expects the rule to fire; it starts from the nearest case, which answers the follow-up's guard",
			questions: "  - {id: pops, text: Pops, type: boolean}\n  - {id: per_day, text: Per day, type: integer, min: 0, ask_if: pops}",
			rule:      "  - {id: habit, title: H, when: pops && per_day >= 10, action: caution, advice: A., cite: {source: doc, section: S}}\n",
			cases: `fixtures:
  calm: {fever: false, pops: false}
cases:
  - {name: calm, baseline: calm, expect: {fires_exactly: []}}
  - {name: fever, baseline: calm, answers: {fever: true}, expect: {fires_exactly: [fever]}}
  - {name: many, baseline: calm, answers: {pops: true, per_day: 20}, expect: {fires_exactly: [habit]}}
  - {name: few, baseline: calm, answers: {pops: true, per_day: 2}, expect: {fires_exactly: []}}
`,
			want: map[string]string{
				"pops && per_day > 10":  "- {name: habit fires at per_day 10, baseline: calm, answers: {pops: true, per_day: 10}, expect: {fires: [habit]}}",
				"pops && per_day >= 11": "- {name: habit fires at per_day 10, baseline: calm, answers: {pops: true, per_day: 10}, expect: {fires: [habit]}}",
				"pops && per_day >= 9":  "- {name: habit does not fire at per_day 9, baseline: calm, answers: {pops: true, per_day: 9}, expect: {not_fires: [habit]}}",
				// Not a comparison: no boundary to suggest.
				"action: refer": "",
			},
		},
		{
			name:      "a case without a baseline is copied whole; the number on the left of the comparison works the same; a number question gets numbers one away",
			questions: "  - {id: temp, text: Temperature, type: number}",
			rule:      "  - {id: hot, title: H, when: 38.0 < temp, action: refer, advice: A., cite: {source: doc, section: S}}\n",
			cases: `cases:
  - {name: calm, answers: {fever: false, temp: 36.5}, expect: {outcome: self_care, fires_exactly: []}}
  - {name: fever, answers: {fever: true}, expect: {fires: [fever]}}
  - {name: hot, answers: {fever: false, temp: 40.0}, expect: {outcome: see_professional, fires_exactly: [hot]}}
`,
			want: map[string]string{
				"38.0 <= temp": "- {name: hot does not fire at temp 38, answers: {fever: false, temp: 38}, expect: {outcome: self_care, not_fires: [hot]}}",
				"39.0 < temp":  "- {name: hot fires at temp 39, answers: {fever: false, temp: 39}, expect: {outcome: see_professional, fires: [hot]}}",
				"37.0 < temp":  "- {name: hot does not fire at temp 38, answers: {fever: false, temp: 38}, expect: {outcome: self_care, not_fires: [hot]}}",
			},
		},
		{
			name:      "a mutant that no answer tells apart from the rule gets no suggestion: more than 2 days and more than 5 is more than 5 however the 2 moves",
			questions: "  - {id: days, text: Days, type: integer, min: 0, max: 30}",
			rule:      "  - {id: long, title: L, when: days > 2 && days > 5, action: refer, advice: A., cite: {source: doc, section: S}}\n",
			cases: `fixtures:
  calm: {fever: false, days: 1}
cases:
  - {name: calm, baseline: calm, expect: {outcome: self_care}}
  - {name: fever, baseline: calm, answers: {fever: true}, expect: {fires: [fever]}}
  - {name: five, baseline: calm, answers: {days: 5}, expect: {outcome: self_care}}
  - {name: six, baseline: calm, answers: {days: 6}, expect: {outcome: see_professional, fires_exactly: [long]}}
`,
			want: map[string]string{
				"days >= 2 && days > 5": "",
				"days > 3 && days > 5":  "",
				"days > 1 && days > 5":  "",
				"days > 5":              "",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fsys := fstest.MapFS{
				"r.yaml":      {Data: []byte(fmt.Sprintf(head, tt.questions) + tt.rule)},
				"r_test.yaml": {Data: []byte(tt.cases)},
			}
			rep, err := Verify(context.Background(), load(t, fsys), fsys, WithMutation())
			require.NoError(t, err)
			require.Zero(t, rep.Failed, "%v", rep.Failures())
			got := map[string]string{}
			for _, m := range rep.Mutation.Survivors() {
				if m.Rule == "fever" {
					continue // the rule every test shares
				}
				got[m.Mutated] = ""
				if m.Suggestion != nil {
					got[m.Mutated] = m.Suggestion.Case
				}
			}
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestMutants(t *testing.T) {
	fsys := clinicFS(allCases)
	rep, err := Verify(context.Background(), load(t, fsys), fsys, WithMutation())
	require.NoError(t, err)
	m := rep.Mutation
	var got []string
	for _, mu := range m.Mutants {
		got = append(got, fmt.Sprintf("%s %s | %s | %s", mu.Status, mu.Rule, mu.Operator, mu.Mutated))
	}
	assert.Equal(t, []string{
		"killed fever | negate the condition | !fever",
		"killed fever | refer to caution | action: caution",
		"killed long_pain | negate the condition | !(pain_days > 3)",
		"killed long_pain | > to >= | pain_days >= 3",
		"killed long_pain | threshold 3 to 4 | pain_days > 4",
		"killed long_pain | threshold 3 to 2 | pain_days > 2",
		"killed long_pain | refer to caution | action: caution",
		"refused short_relief | negate the condition | !(pops && relief < 5)",
		"refused short_relief | && to || | pops || relief < 5",
		"refused short_relief | drop the left operand of && | relief < 5",
		"killed short_relief | drop the right operand of && | pops",
		"refused short_relief | negate the left operand of && | !pops && relief < 5",
		"killed short_relief | negate the right operand of && | pops && !(relief < 5)",
		"killed short_relief | < to <= | pops && relief <= 5",
		"killed short_relief | threshold 5 to 6 | pops && relief < 6",
		"killed short_relief | threshold 5 to 4 | pops && relief < 4",
		"killed short_relief | refer to caution | action: caution",
		"refused habit | negate the condition | !(pops && relief >= 60)",
		"refused habit | && to || | pops || relief >= 60",
		"refused habit | drop the left operand of && | relief >= 60",
		"killed habit | drop the right operand of && | pops",
		"refused habit | negate the left operand of && | !pops && relief >= 60",
		"killed habit | negate the right operand of && | pops && !(relief >= 60)",
		"killed habit | >= to > | pops && relief > 60",
		"killed habit | threshold 60 to 61 | pops && relief >= 61",
		"killed habit | threshold 60 to 59 | pops && relief >= 59",
		"killed habit | caution to refer | action: refer",
	}, got)
	assert.Equal(t, 19, m.Killed)
	assert.Equal(t, 8, m.Refused, "|| and dropped guards are refused by the loader, and so are negated guards")
	assert.Zero(t, m.Survived)
	for _, mu := range m.Mutants {
		if mu.Status == Refused {
			assert.NotEmpty(t, mu.Refusal, "a refused mutant says why: %s", mu)
		}
		if mu.Status == Killed {
			assert.NotEmpty(t, mu.KilledBy)
		}
	}
	assert.Contains(t, m.Mutants[8].Refusal, `reads follow-up question "relief" without its guard`, "dropping the guard is refused by the loader")
}

func TestEquivalentMutants(t *testing.T) {
	weak := `cases:
  - {name: fever, baseline: calm, answers: {fever: true}, expect: {outcome: see_professional, fires_exactly: [fever]}}
  - {name: calm, baseline: calm, expect: {outcome: self_care, fires_exactly: []}}
  - {name: 4 days, baseline: calm, answers: {pain_days: 4}, expect: {outcome: see_professional, fires_exactly: [long_pain]}}
  - {name: 3 days, baseline: calm, answers: {pain_days: 3}, expect: {outcome: self_care}}
  - {name: 4 minutes, baseline: calm, answers: {pops: true, relief: 4}, expect: {outcome: see_professional, fires_exactly: [short_relief]}}
  - {name: 5 minutes, baseline: calm, answers: {pops: true, relief: 5}, expect: {outcome: self_care, fires_exactly: []}}
  - {name: 60 minutes, baseline: calm, answers: {pops: true, relief: 60}, expect: {outcome: self_care, fires_exactly: [habit]}}
equivalent_mutants:
  - rule: habit
    mutant: pops && relief >= 59
    reason: made up for this test
  - rule: fever
    mutant: "!!fever"
    reason: no such mutant
`
	fsys := clinicFS(weak)
	rep, err := Verify(context.Background(), load(t, fsys), fsys, WithMutation())
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Mutation.Equivalent)
	assert.Zero(t, rep.Mutation.Survived)
	require.Len(t, rep.Mutation.Stale, 1)
	assert.Equal(t, "!!fever", rep.Mutation.Stale[0].Mutant)
	assert.Equal(t, []string{"t0_test.yaml:13:5: equivalent mutant of rule fever matches no mutant: !!fever"}, rep.Failures(),
		"a declaration that matches no mutant is stale, and fails the run")
}

func TestMutationIgnoresFailingCases(t *testing.T) {
	// The failing case comes first and would "kill" every mutant of
	// long_pain if it were used; the weak cases leave three alive.
	weak := `cases:
  - {name: wrong, baseline: calm, answers: {pain_days: 1}, expect: {outcome: see_professional}}
  - {name: ten days, baseline: calm, answers: {pain_days: 10}, expect: {fires_exactly: [long_pain]}}
  - {name: one day, baseline: calm, answers: {pain_days: 1}, expect: {fires_exactly: []}}
`
	fsys := clinicFS(weak)
	rep, err := Verify(context.Background(), load(t, fsys), fsys, WithMutation(), WithUnfiredRulesAllowed())
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Failed)
	var survivors []string
	for _, m := range rep.Mutation.Mutants {
		assert.NotEqual(t, "wrong", m.KilledBy, "a case that fails on the real rules proves nothing about a mutant")
		if m.Status == Survived && m.Rule == "long_pain" {
			survivors = append(survivors, m.Mutated)
		}
	}
	assert.Equal(t, []string{"pain_days >= 3", "pain_days > 4", "pain_days > 2", "action: caution"}, survivors)
}

func TestMutationNeedsTheEngineItTests(t *testing.T) {
	fsys := clinicFS(allCases)
	long := fstest.MapFS{}
	for k, v := range fsys {
		long[k] = v
	}
	// Mutation testing reloads the files under WithLoadOptions. When they do
	// not load that way (here, a condition longer than the limit given),
	// that must be an error, not every mutant "refused" and a pass.
	long["clinic.yaml"] = &fstest.MapFile{Data: []byte(strings.Replace(clinic, "when: fever,", "when: fever "+strings.Repeat("&& fever ", 5)+",", 1))}
	_, err := triage.Load(long, triage.WithLimits(triage.Limits{ExpressionLength: 30}))
	require.Error(t, err, "the longer condition needs a higher limit than 30")
	eng, err := triage.Load(long)
	require.NoError(t, err)
	_, err = Verify(context.Background(), eng, long, WithMutation(), WithLoadOptions(triage.WithLimits(triage.Limits{ExpressionLength: 30})))
	assert.ErrorContains(t, err, "mutation testing reloads the rule set, and it does not load")

	_, err = Verify(context.Background(), load(t, fsys), long, WithMutation())
	assert.ErrorContains(t, err, "the Engine was not loaded from these files")
}

func TestMisdeclaredEquivalent(t *testing.T) {
	fsys := clinicFS(allCases + `equivalent_mutants:
  - {rule: long_pain, mutant: pain_days > 4, reason: wrong on purpose}
`)
	rep, err := Verify(context.Background(), load(t, fsys), fsys, WithMutation())
	require.NoError(t, err)
	require.Len(t, rep.Mutation.Misdeclared, 1)
	assert.Equal(t, "4 days", rep.Mutation.Misdeclared[0].KilledBy)
	assert.Zero(t, rep.Mutation.Equivalent, "a killed mutant is not equivalent, whatever the file says")
	assert.False(t, rep.OK())
	assert.Contains(t, rep.Failures(), `t0_test.yaml:14:5: mutant of rule long_pain declared equivalent, but case "4 days" tells it apart: pain_days > 4`)
}

func TestMutantPositions(t *testing.T) {
	// A plain condition continued on the next line, and a quoted one: the
	// column of the operator cannot be mapped, so the condition's start is
	// reported.
	rules := strings.Replace(clinic, "  - {id: long_pain, title: Long pain, when: pain_days > 3,", "  - id: long_pain\n    title: Long pain\n    when: pain_days >\n      3\n   ", 1)
	rules = strings.Replace(rules, "action: refer, advice: See someone., cite: {source: doc, section: Pain}}", "\n    action: refer\n    advice: See someone.\n    cite: {source: doc, section: Pain}", 1)
	rules = strings.Replace(rules, "when: fever,", `when: "fever",`, 1)
	fsys := clinicFS(allCases)
	fsys["clinic.yaml"] = &fstest.MapFile{Data: []byte(rules)}
	rep, err := Verify(context.Background(), load(t, fsys), fsys, WithMutation())
	require.NoError(t, err, rules)
	pos := map[string]string{}
	for _, m := range rep.Mutation.Mutants {
		pos[m.Rule+" | "+m.Operator] = m.Pos.String()
	}
	assert.Equal(t, "clinic.yaml:15:11", pos["long_pain | > to >="], "a plain scalar over two lines: the condition's start")
	assert.Equal(t, "clinic.yaml:12:37", pos["fever | negate the condition"], "a quoted scalar: the condition's start")
	assert.Equal(t, "clinic.yaml:21:68", pos["short_relief | threshold 5 to 6"], "a plain one-line condition: the literal itself")
}

func TestVerifyRunSelection(t *testing.T) {
	fsys := clinicFS(allCases)
	rep, err := Verify(context.Background(), load(t, fsys), fsys, WithRun(regexp.MustCompile(`minutes`)))
	require.NoError(t, err)
	var names []string
	for _, c := range rep.Cases {
		names = append(names, c.Name)
	}
	assert.Equal(t, []string{"4 minutes", "5 minutes", "59 minutes", "60 minutes"}, names)
	assert.Empty(t, rep.Unfired, "a selection is not held to fire every rule")
	assert.True(t, rep.OK())

	rep, err = Verify(context.Background(), load(t, fsys), fsys, WithRun(regexp.MustCompile(`^nope$`)))
	require.NoError(t, err)
	assert.Equal(t, []string{"no test case matches the selection"}, rep.Problems)
}

func TestInvalidExpectations(t *testing.T) {
	fsys := clinicFS(`cases:
  - {name: right, answers: {pain_days: -1, fevr: true}, expect: {invalid: [pain_days, fevr]}}
  - {name: wrong set, answers: {pain_days: -1, fever: true}, expect: {invalid: [pain_days, fever]}}
  - {name: accepted, answers: {pain_days: 1}, expect: {invalid: [pain_days]}}
`)
	rep, err := Verify(context.Background(), load(t, fsys), fsys, WithUnfiredRulesAllowed())
	require.NoError(t, err)
	require.Len(t, rep.Cases, 3)
	assert.True(t, rep.Cases[0].Passed, "%v", rep.Cases[0].Failures)
	assert.Equal(t, []string{"invalid: want [pain_days, fever], got [pain_days]"}, rep.Cases[1].Failures)
	assert.Equal(t, []string{"invalid: want the answers refused for [pain_days], got them accepted"}, rep.Cases[2].Failures)
}

func TestVerifyHonoursContext(t *testing.T) {
	fsys := clinicFS(allCases)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Verify(ctx, load(t, fsys), fsys, WithMutation())
	assert.ErrorIs(t, err, context.Canceled)
}

func TestMutationsOfMacros(t *testing.T) {
	// Inside a macro the unparser prints the original call, so mistakes are
	// made only outside it; the comparison around it is still mutated.
	r := triage.Rule{ID: "r", When: `where.exists(w, w == "arms") && size(where) >= 2`, Action: triage.Refer}
	muts, err := mutations(r)
	require.NoError(t, err)
	var exprs []string
	for _, m := range muts {
		exprs = append(exprs, m.expr)
	}
	assert.Contains(t, exprs, `where.exists(w, w == "arms") && size(where) > 2`)
	assert.Contains(t, exprs, `where.exists(w, w == "arms") || size(where) >= 2`)
	assert.Contains(t, exprs, `where.exists(w, w == "arms")`, "dropping an operand keeps a macro printable")
	assert.Contains(t, exprs, `size(where) >= 2`)
	for _, e := range exprs {
		if strings.Contains(e, "exists") {
			assert.Contains(t, e, `w == "arms"`, "the macro body is left alone")
		}
	}
}

// TestNoOptionIsIgnored: an option that would have no effect is refused,
// not silently dropped.
func TestNoOptionIsIgnored(t *testing.T) {
	fsys := clinicFS(allCases)
	eng := load(t, fsys)
	ft := &fakeT{}
	run(ft, context.Background(), eng, fsys, WithRun(regexp.MustCompile(`fever`)))
	assert.Contains(t, ft.fatal, "Run does not take WithRun", "Run's cases are selected by go test -run")

	_, err := Verify(context.Background(), eng, fsys, WithLoadOptions(triage.WithLimits(triage.Limits{Cost: 50})))
	require.ErrorContains(t, err, "WithLoadOptions applies only to mutation testing")
}
