package triagetest

import (
	"fmt"
	"slices"

	"github.com/redflagkit/redflag/triage"
)

// Coverage is what the cases showed of the rule set, in clinical terms.
// Only passing cases count, and only for what they check.
//
// Each rule counts twice: a case checks that it fires (fires or
// fires_exactly names it), and a case checks that it does not fire with
// every question it reads answered (not_fires names it, fires_exactly
// leaves it out, or, for a refer rule, the expected outcome is self_care).
// A case that leaves the rule's questions unanswered proves nothing about
// its threshold. Each question counts once for being answered, and once
// more for being left unanswered in a case whose expected missing list
// names it — but only questions a refer rule reads can ever be missing;
// the others count once.
type Coverage struct {
	Rules     []RuleCoverage     `json:"rules"`
	Questions []QuestionCoverage `json:"questions"`
	// Covered and Total count the items above.
	Covered int `json:"covered"`
	Total   int `json:"total"`
}

// Percent returns Covered as a percentage of Total (100 for an empty rule
// set).
func (c Coverage) Percent() float64 {
	if c.Total == 0 {
		return 100
	}
	return 100 * float64(c.Covered) / float64(c.Total)
}

// Uncovered lists what no case showed, one line per item, like
// "rules/systemic.yaml:5:9: rule fever never fires".
func (c Coverage) Uncovered() []string {
	var out []string
	for _, r := range c.Rules {
		if r.FiredBy == "" {
			out = append(out, fmt.Sprintf("%s: rule %s never fires", r.Pos, r.ID))
		}
		if r.NotFiredBy == "" {
			out = append(out, fmt.Sprintf("%s: rule %s is never seen not firing with its questions answered", r.Pos, r.ID))
		}
	}
	for _, q := range c.Questions {
		if q.AnsweredBy == "" {
			out = append(out, fmt.Sprintf("question %s: never answered", q.ID))
		}
		if q.UnansweredMatters && q.UnansweredBy == "" {
			out = append(out, fmt.Sprintf("question %s: never left unanswered where it is needed (listed as missing)", q.ID))
		}
	}
	return out
}

// RuleCoverage records the first case that made a rule fire and the first
// that made it not fire with its questions answered; "" means none.
type RuleCoverage struct {
	ID         string          `json:"id"`
	Action     triage.Action   `json:"action"`
	Pos        triage.Position `json:"pos"`
	FiredBy    string          `json:"fired_by"`
	NotFiredBy string          `json:"not_fired_by"`
}

// QuestionCoverage records the first case that answered a question and the
// first that left it unanswered where it was needed; "" means none.
type QuestionCoverage struct {
	ID           string `json:"id"`
	AnsweredBy   string `json:"answered_by"`
	UnansweredBy string `json:"unanswered_by"`
	// UnansweredMatters is false for questions no refer rule reads: their
	// absence can never keep a verdict open.
	UnansweredMatters bool `json:"unanswered_matters"`
}

// coverage computes Coverage from the cases that produced a verdict.
func coverage(eng *triage.Engine, cases []TestCase, results []CaseResult) Coverage {
	rules, qs := eng.Rules(), eng.Questions()
	c := newCoverage(rules, qs)
	for ci, res := range results {
		// Only what a passing case checks counts: a rule that merely
		// happened to fire, in a case that would not notice if it
		// stopped, is not tested by it.
		if res.verdict == nil || !res.Passed {
			continue
		}
		c.recordRules(rules, cases[ci], res.Name)
		c.recordQuestions(qs, cases[ci], res.Name)
	}
	c.total()
	return c
}

// newCoverage lists every rule and question, covered by no case yet.
func newCoverage(rules []triage.Rule, qs []triage.Question) Coverage {
	var c Coverage
	referReads := map[string]bool{}
	for _, r := range rules {
		if r.Action == triage.Refer {
			for _, q := range r.Reads {
				referReads[q] = true
			}
		}
	}
	c.Rules = make([]RuleCoverage, len(rules))
	for i, r := range rules {
		c.Rules[i] = RuleCoverage{ID: r.ID, Action: r.Action, Pos: r.Pos}
	}
	c.Questions = make([]QuestionCoverage, len(qs))
	for i, q := range qs {
		c.Questions[i] = QuestionCoverage{ID: q.ID, UnansweredMatters: referReads[q.ID]}
	}
	return c
}

// recordRules credits the passing case tc, named name, with the rules it
// checks fire or checks do not fire, where no earlier case was.
func (c *Coverage) recordRules(rules []triage.Rule, tc TestCase, name string) {
	for i, r := range rules {
		rc := &c.Rules[i]
		if rc.FiredBy == "" && assertsFires(tc.Expect, r.ID) {
			rc.FiredBy = name
		}
		if rc.NotFiredBy == "" && allAnswered(tc.Answers, r.Reads) && assertsNotFires(tc.Expect, r) {
			rc.NotFiredBy = name
		}
	}
}

// recordQuestions credits the passing case tc, named name, with the
// questions it answers, and those it leaves unanswered and expects to be
// missing, where no earlier case was.
func (c *Coverage) recordQuestions(qs []triage.Question, tc TestCase, name string) {
	for i, q := range qs {
		qc := &c.Questions[i]
		if tc.Answers[q.ID] != nil {
			if qc.AnsweredBy == "" {
				qc.AnsweredBy = name
			}
		} else if qc.UnansweredBy == "" && slices.Contains(tc.Expect.Missing, q.ID) {
			qc.UnansweredBy = name
		}
	}
}

// total counts what is covered, of everything there is to cover.
func (c *Coverage) total() {
	for _, r := range c.Rules {
		c.Total += 2
		c.Covered += count(r.FiredBy != "", r.NotFiredBy != "")
	}
	for _, q := range c.Questions {
		c.Total++
		c.Covered += count(q.AnsweredBy != "")
		if q.UnansweredMatters {
			c.Total++
			c.Covered += count(q.UnansweredBy != "")
		}
	}
}

// assertsFires reports whether exp checks that rule id fires.
func assertsFires(exp Expectation, id string) bool {
	return slices.Contains(exp.Fires, id) || slices.Contains(exp.FiresExactly, id)
}

// assertsNotFires reports whether exp checks that rule r does not fire:
// it says so, or lists exactly what fires without it, or (for a refer
// rule) expects self-care, which no firing referral allows.
func assertsNotFires(exp Expectation, r triage.Rule) bool {
	return slices.Contains(exp.NotFires, r.ID) ||
		(exp.FiresExactly != nil && !slices.Contains(exp.FiresExactly, r.ID)) ||
		(r.Action == triage.Refer && exp.Outcome == triage.SelfCare)
}

// allAnswered reports whether a answers every question in ids.
func allAnswered(a triage.Answers, ids []string) bool {
	for _, id := range ids {
		if a[id] == nil {
			return false
		}
	}
	return true
}

func count(bs ...bool) int {
	n := 0
	for _, b := range bs {
		if b {
			n++
		}
	}
	return n
}
