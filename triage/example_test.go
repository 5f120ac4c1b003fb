package triage_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"strings"
	"testing/fstest"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// Load the embedded rule set once, then evaluate answers as often as needed.
func Example() {
	eng, err := triage.Load(rules.FS)
	if err != nil {
		log.Fatal(err)
	}
	v, err := eng.Evaluate(context.Background(), triage.Answers{
		"fever":     true,
		"pain_days": 2,
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("outcome:", v.Outcome)
	for _, r := range v.Reasons {
		fmt.Printf("%s %s: %s\n", r.Action, r.RuleID, r.Title)
		fmt.Printf("  source: %s, %q\n", r.Citation.SourceID, r.Citation.Section)
		fmt.Printf("  evidence: %v\n", r.Evidence)
	}
	fmt.Println(v.Notice)
	// Output:
	// outcome: see_professional
	// refer fever: Fever
	//   source: 001_0a05b181d71a6c01.txt, "Crucial Safety Warnings and When to Seek Professional Help"
	//   evidence: [{fever true}]
	// This supports triage; it is not a diagnosis. If you are worried, or your symptoms change, contact a health professional.
}

// Unanswered questions are unknown, never "no": when a referral could still
// fire, the verdict is Incomplete and Missing says what to ask next.
func ExampleEngine_Evaluate_incomplete() {
	eng, err := triage.Load(rules.FS)
	if err != nil {
		log.Fatal(err)
	}
	answers := triage.Answers{}
	for _, q := range eng.Questions() {
		switch q.Type {
		case triage.BooleanType:
			answers[q.ID] = false
		case triage.MultiChoiceType:
			answers[q.ID] = []string{}
		}
	}
	answers["self_pops"] = true
	answers["pops_per_day"] = 3
	answers["pain_days"] = nil // JSON null: not answered
	v, err := eng.Evaluate(context.Background(), answers)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.Outcome, v.Missing)

	answers["pain_days"] = 2
	answers["relief_minutes"] = 30
	v, err = eng.Evaluate(context.Background(), answers)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.Outcome, v.Missing)
	// Output:
	// incomplete [relief_minutes pain_days]
	// self_care []
}

// Invalid answers are an error naming every offending question; nothing is
// evaluated.
func ExampleAnswerErrors() {
	eng, err := triage.Load(rules.FS)
	if err != nil {
		log.Fatal(err)
	}
	_, err = eng.Evaluate(context.Background(), triage.Answers{"fever": "yes", "pain_days": 2.5, "fevr": true})
	var bad triage.AnswerErrors
	if errors.As(err, &bad) {
		for _, e := range bad {
			fmt.Println(e)
		}
	}
	fmt.Println(errors.Is(err, triage.ErrInvalidAnswers))
	// Output:
	// pain_days: want a whole number, got 2.5
	// fever: want true or false, got string "yes"
	// fevr: unknown question (did you mean "fever"?)
	// true
}

// Load reports every problem in a rule set at once, each at its file, line
// and column, with a caret rendering for people.
func ExampleErrorList() {
	fsys := fstest.MapFS{"rules.yaml": {Data: []byte(`name: demo
version: 1.0.0
title: Demo
sources: [{id: doc, title: A document}]
questions:
  - id: fever
    text: Do you have a fever?
    type: boolean
rules:
  - id: fever
    title: Fever
    when: fevr
    action: refer
    advice: See a doctor.
    cite: {source: doc, section: Fever}
  - id: chills
    title: Chills
    wehn: fever
    action: refer
    advice: See a doctor.
    cite: {source: doc, section: Fever}
`)}}
	_, err := triage.Load(fsys)
	var list triage.ErrorList
	if errors.As(err, &list) {
		fmt.Print(list.ErrorsWithSnippets())
	}
	// Output:
	// rules.yaml:12:11: fever: when: unknown question "fevr" (did you mean "fever"?)
	//         when: fevr
	//               ^
	// rules.yaml:16:5: chills: missing required key "when"
	//       - id: chills
	//         ^
	// rules.yaml:18:5: chills: unknown key "wehn" (did you mean "when"?); allowed: id, title, when, action, advice, note, cite, see_also
	//         wehn: fever
	//         ^
}

// Limits bound what a rule set and answers may cost; a zero field keeps
// its default.
func ExampleWithLimits() {
	eng, err := triage.Load(rules.FS, triage.WithLimits(triage.Limits{
		AnswersSize: 4 << 10, // this service's forms post a few hundred bytes
	}))
	if err != nil {
		log.Fatal(err)
	}
	_, err = eng.DecodeAnswers(strings.NewReader(`{"fever": true}` + strings.Repeat(" ", 5000)))
	fmt.Println(errors.Is(err, triage.ErrLimit), errors.Is(err, triage.ErrInvalidAnswers))
	fmt.Println(err)
	// Output:
	// true true
	// invalid answers: the answers document is larger than the limit of 4096 bytes (Limits.AnswersSize)
}
