// Command quickstart loads redflag's embedded rule set once and evaluates a
// few answer sets, printing each verdict with its reasons and sources.
//
//	go run ./examples/quickstart
//
// It supports triage; it is not a diagnosis.
package main

import (
	"context"
	"fmt"
	"log"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

func main() {
	// Load checks every rule file once; the Engine is then safe to share.
	eng, err := triage.Load(rules.FS)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Rule set: %s\n\n", eng.RuleSet())

	// Start from "no" to everything, then change what differs per person.
	none := triage.Answers{}
	for _, q := range eng.Questions() {
		switch q.Type {
		case triage.BooleanType:
			none[q.ID] = false
		case triage.MultiChoiceType:
			none[q.ID] = []string{}
		}
	}
	none["self_pops"] = true
	none["pops_per_day"] = 2
	none["relief_minutes"] = 30
	none["pain_days"] = 1

	people := []struct {
		who     string
		answers triage.Answers
	}{
		{"Ana: stiff after a long week at the desk", none},
		{"Ben: pops ten times a day, relief lasts two minutes", with(none, "pops_per_day", 10, "relief_minutes", 2)},
		{"Cai: has not said how long the pain has lasted", with(none, "pain_days", nil)},
	}
	ctx := context.Background()
	for _, p := range people {
		v, err := eng.Evaluate(ctx, p.answers)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%s\n  outcome: %s\n", p.who, v.Outcome)
		for _, r := range v.Reasons {
			fmt.Printf("  %s: %s\n    %s\n    source: %s\n", r.Action, r.Title, r.Advice, r.Citation)
		}
		if len(v.Missing) > 0 {
			fmt.Printf("  still to answer: %v\n", v.Missing)
		}
		fmt.Println()
	}
	fmt.Println(triage.Disclaimer)
}

// with returns a copy of a with the given key/value pairs set.
func with(a triage.Answers, kv ...any) triage.Answers {
	out := triage.Answers{}
	for k, v := range a {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}
