package triage_test

import (
	"context"
	"fmt"
	"log"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// Once Next has decided the outcome as self-care, Verdict.Optional lists
// the questions that could still add a caution. Ask them as optional (an
// app marks them so, and lets the person skip any), evaluating again after
// each answer: the outcome stays self-care, and a caution may be added.
func ExampleVerdict_optional() {
	eng, err := triage.Load(rules.FS)
	if err != nil {
		log.Fatal(err)
	}
	// No red flag, but popping twelve times a day.
	person := triage.Answers{"numbness_tingling": []string{}, "self_pops": true,
		"relief_minutes": 30, "pain_days": 2, "pops_per_day": 12}
	for _, q := range eng.Questions() {
		if _, ok := person[q.ID]; !ok && q.Type == triage.BooleanType {
			person[q.ID] = false
		}
	}
	ctx := context.Background()
	answers := triage.Answers{}
	for {
		q, ok, err := eng.Next(ctx, answers)
		if err != nil {
			log.Fatal(err)
		}
		if !ok {
			break // the outcome is decided
		}
		answers[q.ID] = person[q.ID]
	}
	v, err := eng.Evaluate(ctx, answers)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.Outcome, "optional:", v.Optional)
	for v.Outcome == triage.SelfCare && len(v.Optional) > 0 {
		id := v.Optional[0] // an app passes over the ones skipped
		fmt.Printf("(optional) %s -> %v\n", id, person[id])
		answers[id] = person[id]
		if v, err = eng.Evaluate(ctx, answers); err != nil {
			log.Fatal(err)
		}
	}
	for _, r := range v.Reasons {
		fmt.Println(v.Outcome, r.Action, r.RuleID)
	}
	// Output:
	// self_care optional: [grinding pops_per_day]
	// (optional) grinding -> false
	// (optional) pops_per_day -> 12
	// self_care caution frequent_popping
}
