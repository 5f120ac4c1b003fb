// Command custom-rules loads a rule set of its own from a directory and
// triages a few answer sets with it: how a team writes, loads and tests its
// own criteria.
//
//	go run ./examples/custom-rules                  # from the repository root
//	go run ./examples/custom-rules -rules DIR       # any rule directory
//
// The rule set in rules/ is fictional: "Lakeside Demo Clinic" and its
// leaflet do not exist, and its criteria are for illustration only. Its
// test cases are in rules/knee_test.yaml. Like every redflag verdict, the
// output supports triage; it is not a diagnosis.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log"
	"os"

	"github.com/redflagkit/redflag/triage"
)

func main() {
	dir := flag.String("rules", "examples/custom-rules/rules", "the rule `directory` to load")
	flag.Parse()
	if err := run(context.Background(), *dir, os.Stdout); err != nil {
		log.Fatal(err)
	}
}

// people are the answer sets the example triages.
var people = []struct {
	who     string
	answers triage.Answers
}{
	{"Dee: sore after a long run, nothing else", triage.Answers{
		"cannot_bear_weight": false, "knee_locks": false, "knee_swollen": false,
		"feverish": false, "pain_score": 3, "onset": "gradual", "weeks": 1,
	}},
	{"Eli: twisted it at football, swollen within the hour", triage.Answers{
		"cannot_bear_weight": false, "knee_locks": false, "knee_swollen": true, "swelling_hours": 1,
		"feverish": false, "pain_score": 5, "onset": "twist", "weeks": 0,
	}},
	{"Fay: swollen, but has not said when the swelling came", triage.Answers{
		"cannot_bear_weight": false, "knee_locks": false, "knee_swollen": true,
		"feverish": false, "pain_score": 4, "onset": "blow", "weeks": 0,
	}},
}

// run loads the rule set in dir and prints a verdict for each person.
func run(ctx context.Context, dir string, w io.Writer) error {
	// Load checks every rule file; errors come with file, line and column.
	eng, err := triage.Load(os.DirFS(dir))
	if err != nil {
		var list triage.ErrorList
		if errors.As(err, &list) {
			return fmt.Errorf("the rules in %s do not load:\n%s", dir, list.ErrorsWithSnippets())
		}
		return err
	}
	fmt.Fprintf(w, "%s\n%s\n\n", eng.RuleSet().Title, eng.RuleSet())
	for _, p := range people {
		v, err := eng.Evaluate(ctx, p.answers)
		if err != nil {
			return fmt.Errorf("%s: %w", p.who, err)
		}
		fmt.Fprintf(w, "%s\n  outcome: %s\n", p.who, v.Outcome)
		for _, r := range v.Reasons {
			fmt.Fprintf(w, "  %s: %s\n    %s\n    source: %s\n", r.Action, r.Title, r.Advice, r.Citation)
		}
		for _, id := range v.Missing {
			for _, q := range eng.Questions() {
				if q.ID == id {
					fmt.Fprintf(w, "  still to answer: %s\n", q.Text)
				}
			}
		}
		fmt.Fprintln(w)
	}
	fmt.Fprintln(w, triage.Disclaimer)
	return nil
}
