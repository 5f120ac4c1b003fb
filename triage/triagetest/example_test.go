package triagetest_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/triagetest"
)

// clinic is a rule set with one rule, and a test file that checks the rule
// far from its threshold only: the cases pass and cover the rule, but
// mutation testing shows they would not notice a threshold off by one, and
// suggests the case at the boundary that would.
var clinic = fstest.MapFS{
	"clinic.yaml": {Data: []byte(`name: clinic
version: 1.0.0
title: A made-up clinic
sources: [{id: doc, title: A document}]
questions:
  - {id: pain_days, text: How many days has it hurt, type: integer, min: 0}
rules:
  - id: long_pain
    title: Pain for more than three days
    when: pain_days > 3
    action: refer
    advice: See a professional.
    cite: {source: doc, section: Pain}
`)},
	"clinic_test.yaml": {Data: []byte(`cases:
  - name: ten days
    answers: {pain_days: 10}
    expect: {outcome: see_professional, fires: [long_pain]}
  - name: one day
    answers: {pain_days: 1}
    expect: {outcome: self_care}
  - name: not answered
    answers: {}
    expect: {outcome: incomplete, missing: [pain_days]}
`)},
}

func ExampleVerify() {
	eng, err := triage.Load(clinic)
	if err != nil {
		panic(err)
	}
	rep, err := triagetest.Verify(context.Background(), eng, clinic, triagetest.WithMutation())
	if err != nil {
		panic(err)
	}
	fmt.Printf("cases: %d passed, %d failed\n", rep.Passed, rep.Failed)
	fmt.Printf("coverage: %.0f%%\n", rep.Coverage.Percent())
	fmt.Printf("mutation score: %.0f%%\n", rep.Mutation.Score())
	for _, f := range rep.Failures() {
		fmt.Println(f)
	}
	// Output:
	// cases: 3 passed, 0 failed
	// coverage: 100%
	// mutation score: 40%
	// clinic.yaml:10:21: mutant of rule long_pain survived (> to >=): pain_days >= 3; to kill it, add a case with pain_days: 3 expecting outcome: self_care, not_fires: [long_pain]:
	// 	- {name: long_pain does not fire at pain_days 3, answers: {pain_days: 3}, expect: {outcome: self_care, not_fires: [long_pain]}}
	// clinic.yaml:10:23: mutant of rule long_pain survived (threshold 3 to 4): pain_days > 4; to kill it, add a case with pain_days: 4 expecting outcome: see_professional, fires: [long_pain]:
	// 	- {name: long_pain fires at pain_days 4, answers: {pain_days: 4}, expect: {outcome: see_professional, fires: [long_pain]}}
	// clinic.yaml:10:23: mutant of rule long_pain survived (threshold 3 to 2): pain_days > 2; to kill it, add a case with pain_days: 3 expecting outcome: self_care, not_fires: [long_pain]:
	// 	- {name: long_pain does not fire at pain_days 3, answers: {pain_days: 3}, expect: {outcome: self_care, not_fires: [long_pain]}}
}
