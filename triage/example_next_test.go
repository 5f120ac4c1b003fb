package triage_test

import (
	"context"
	"fmt"
	"log"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// An adaptive questionnaire: ask what Next returns until it returns false.
// Here the person's answers are known in advance; an app would ask them.
func ExampleEngine_Next() {
	eng, err := triage.Load(rules.FS)
	if err != nil {
		log.Fatal(err)
	}
	person := map[string]any{
		"shooting_arm_pain": false, "numbness_tingling": []string{}, "electric_pain": false,
		"needle_like_pain": false, "popping_pain": true,
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
		fmt.Printf("%s -> %v\n", q.ID, person[q.ID])
		answers[q.ID] = person[q.ID]
	}
	v, err := eng.Evaluate(ctx, answers)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.Outcome, v.Reasons[0].RuleID)
	// Output:
	// shooting_arm_pain -> false
	// numbness_tingling -> []
	// electric_pain -> false
	// needle_like_pain -> false
	// popping_pain -> true
	// see_professional popping_pain
}

// Explain says what became of every rule: why one fired, why another did
// not, and what an undecided one still needs.
func ExampleEngine_Explain() {
	eng, err := triage.Load(rules.FS)
	if err != nil {
		log.Fatal(err)
	}
	x, err := eng.Explain(context.Background(), triage.Answers{
		"self_pops":      true,
		"relief_minutes": 30,
		"pops_per_day":   12,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("outcome:", x.Verdict.Outcome)
	for _, r := range x.Rules {
		switch r.RuleID {
		case "short_relief", "frequent_popping", "fever":
			fmt.Printf("%s %s: read %v, needs %v\n", r.RuleID, r.State, r.Read, r.Needs)
		}
	}
	// Output:
	// outcome: incomplete
	// short_relief not_fired: read [{self_pops true} {relief_minutes 30}], needs []
	// fever undecided: read [], needs [fever]
	// frequent_popping fired: read [{self_pops true} {pops_per_day 12}], needs []
}
