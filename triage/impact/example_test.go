package impact_test

import (
	"context"
	"fmt"
	"testing/fstest"

	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/impact"
)

// clinic is a made-up one-rule set whose threshold can be moved.
func clinic(version, when string) fstest.MapFS {
	return fstest.MapFS{"clinic.yaml": {Data: []byte(`name: clinic
version: ` + version + `
title: A made-up clinic (not clinical advice)
sources: [{id: doc, title: A document}]
questions:
  - {id: pain_days, text: How many days has it hurt, type: integer, min: 0}
  - {id: fever, text: Do you have a fever, type: boolean}
rules:
  - id: long_pain
    title: Pain for more than a few days
    when: ` + when + `
    action: refer
    advice: See a professional.
    cite: {source: doc, section: Pain}
  - id: fever
    title: Fever
    when: fever
    action: refer
    advice: See a professional.
    cite: {source: doc, section: Fever}
`)}}
}

// A rule change moves "more than a few days" from 3 to 4: the person at
// day 4 with nothing else wrong loses a referral; the one with a fever
// keeps theirs, for one reason less.
func ExampleCompare() {
	old, err := triage.Load(clinic("1.0.0", "pain_days > 3"))
	if err != nil {
		panic(err)
	}
	moved, err := triage.Load(clinic("1.1.0", "pain_days > 4"))
	if err != nil {
		panic(err)
	}
	answers := []triage.Answers{
		{"pain_days": 2, "fever": false},
		{"pain_days": 4, "fever": false},
		{"pain_days": 4, "fever": true},
		{"pain_days": 9, "fever": false},
		{"pain_days": 4, "fever": "no"},
	}
	rep, err := impact.Compare(context.Background(), old, moved, answers)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d compared, %d changed, %d lose a referral\n", rep.Compared, len(rep.Changes), len(rep.LostReferrals()))
	for _, c := range rep.Changes {
		fmt.Println(c)
	}
	for _, e := range rep.Errors {
		fmt.Println(e)
	}
	// Output:
	// 4 compared, 2 changed, 1 lose a referral
	// answers[1]: see_professional → self_care (loses a referral); no longer refers: long_pain
	// answers[2]: see_professional → see_professional; no longer refers: long_pain
	// answers[4]: under the old and the new rule set: invalid answers: fever: want true or false, got string "no"
}
