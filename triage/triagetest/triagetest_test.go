package triagetest

import (
	"context"
	"fmt"
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
	name   string
	errors []string
	fatal  string
	subs   []*fakeT
}

func (f *fakeT) Helper() {}
func (f *fakeT) Errorf(format string, args ...any) {
	f.errors = append(f.errors, fmt.Sprintf(format, args...))
}
func (f *fakeT) Fatalf(format string, args ...any) { f.fatal = fmt.Sprintf(format, args...) }
func (f *fakeT) Run(name string, fn func(testingT)) bool {
	sub := &fakeT{name: name}
	f.subs = append(f.subs, sub)
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
  - {name: pops unknown, answers: {fever: false, pain_days: 9}, expect: {outcome: see_professional}}
  - {name: relief missing, baseline: calm, answers: {pops: true}, expect: {outcome: incomplete, missing: [relief]}}
`)
	rep, err := Verify(context.Background(), load(t, fsys), fsys)
	require.NoError(t, err)
	cov := rep.Coverage
	byID := map[string]RuleCoverage{}
	for _, r := range cov.Rules {
		byID[r.ID] = r
	}
	assert.Equal(t, "fever", byID["fever"].FiredBy)
	assert.Equal(t, "pops unknown", byID["fever"].NotFiredBy, "fever answered false")
	assert.Equal(t, "pops unknown", byID["long_pain"].FiredBy)
	assert.Equal(t, "fever", byID["long_pain"].NotFiredBy)
	assert.Empty(t, byID["short_relief"].FiredBy)
	assert.Empty(t, byID["short_relief"].NotFiredBy,
		"pops: false leaves relief unanswered, which proves nothing about the threshold")
	qs := map[string]QuestionCoverage{}
	for _, q := range cov.Questions {
		qs[q.ID] = q
	}
	assert.Equal(t, QuestionCoverage{ID: "relief", UnansweredBy: "relief missing", UnansweredMatters: true}, qs["relief"])
	assert.Equal(t, QuestionCoverage{ID: "pops", AnsweredBy: "fever", UnansweredMatters: true}, qs["pops"],
		"pops is unanswered in 'pops unknown', but a referral fired there, so it was not missing")
	// 4 rules × 2 + 4 questions × 2 (all read by refer rules) = 16 items.
	assert.Equal(t, 16, cov.Total)
	assert.Equal(t, 8, cov.Covered, "fever and long_pain both ways; fever, pain_days and pops answered; relief missing")
	assert.Contains(t, cov.Uncovered(), "clinic.yaml:14:10: rule short_relief never fires")
	assert.Contains(t, cov.Uncovered(), "question relief: never answered")

	rep, err = Verify(context.Background(), load(t, fsys), fsys, WithUnfiredRulesAllowed(), WithMinCoverage(90))
	require.NoError(t, err)
	assert.Equal(t, []string{"coverage 50.0% is below the minimum 90.0%"}, rep.Problems)
	assert.False(t, rep.OK())
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
		"clinic.yaml:13:55: long_pain: threshold 3 to 4: pain_days > 4",
		"clinic.yaml:13:55: long_pain: threshold 3 to 2: pain_days > 2",
	}, survivors, "the report names each surviving mutant with its file:line:col")
	assert.False(t, rep.OK())
	assert.Contains(t, rep.Failures(), "clinic.yaml:13:55: mutant of rule long_pain survived (> to >=): pain_days >= 3")

	// The boundary cases kill them.
	fsys = clinicFS(weak + `  - {name: 3 days, baseline: calm, answers: {pain_days: 3}, expect: {outcome: self_care}}
  - {name: 4 days, baseline: calm, answers: {pain_days: 4}, expect: {outcome: see_professional}}
`)
	rep, err = Verify(context.Background(), load(t, fsys), fsys, WithMutation())
	require.NoError(t, err)
	assert.Empty(t, rep.Mutation.Survivors())
	assert.Equal(t, 100.0, rep.Mutation.Score())
	assert.True(t, rep.OK(), "%v", rep.Failures())
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
		"killed long_pain | > to >= | pain_days >= 3",
		"killed long_pain | threshold 3 to 4 | pain_days > 4",
		"killed long_pain | threshold 3 to 2 | pain_days > 2",
		"killed long_pain | negate the condition | !(pain_days > 3)",
		"killed long_pain | refer to caution | action: caution",
		"refused short_relief | && to || | pops || relief < 5",
		"refused short_relief | drop the left operand of && | relief < 5",
		"killed short_relief | drop the right operand of && | pops",
		"killed short_relief | < to <= | pops && relief <= 5",
		"killed short_relief | threshold 5 to 6 | pops && relief < 6",
		"killed short_relief | threshold 5 to 4 | pops && relief < 4",
		"refused short_relief | negate the condition | !(pops && relief < 5)",
		"killed short_relief | refer to caution | action: caution",
		"refused habit | && to || | pops || relief >= 60",
		"refused habit | drop the left operand of && | relief >= 60",
		"killed habit | drop the right operand of && | pops",
		"killed habit | >= to > | pops && relief > 60",
		"killed habit | threshold 60 to 61 | pops && relief >= 61",
		"killed habit | threshold 60 to 59 | pops && relief >= 59",
		"refused habit | negate the condition | !(pops && relief >= 60)",
		"killed habit | caution to refer | action: refer",
	}, got)
	assert.Equal(t, 17, m.Killed)
	assert.Equal(t, 6, m.Refused, "|| and dropped guards are refused by the loader, and so are negated guards")
	assert.Zero(t, m.Survived)
	for _, mu := range m.Mutants {
		if mu.Status == Refused {
			assert.NotEmpty(t, mu.Refusal, "a refused mutant says why: %s", mu)
		}
		if mu.Status == Killed {
			assert.NotEmpty(t, mu.KilledBy)
		}
	}
	assert.Contains(t, m.Mutants[7].Refusal, `reads follow-up question "relief" without its guard`, "dropping the guard is refused by the loader")
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
	fsys := clinicFS(allCases + `  - {name: wrong, baseline: calm, answers: {fever: true}, expect: {outcome: self_care}}
`)
	rep, err := Verify(context.Background(), load(t, fsys), fsys, WithMutation())
	require.NoError(t, err)
	assert.Equal(t, 1, rep.Failed)
	for _, m := range rep.Mutation.Mutants {
		assert.NotEqual(t, "wrong", m.KilledBy, "a case that fails on the real rules proves nothing about a mutant")
	}
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
