package triagetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/redflagkit/redflag/triage"
)

// CaseResult is the result of one test case.
type CaseResult struct {
	// Name and Pos identify the case.
	Name string          `json:"name"`
	Pos  triage.Position `json:"pos"`
	// Passed reports that every expectation held.
	Passed bool `json:"passed"`
	// Failures describes each expectation that did not hold, one line each,
	// as "what: want X, got Y".
	Failures []string `json:"failures,omitempty"`
	// Outcome and Fired are what the rule set made of the answers; they are
	// empty when the answers were refused.
	Outcome triage.Outcome `json:"outcome,omitzero"`
	Fired   []string       `json:"fired,omitempty"`
	Missing []string       `json:"missing,omitempty"`
	// Reasons are the verdict's reasons, with the evidence each rule read.
	Reasons []triage.Reason `json:"reasons,omitempty"`
	// Invalid lists the questions the answers were refused for, if any.
	Invalid []string `json:"invalid,omitempty"`
	// Err is an evaluation error other than invalid answers. A case with
	// one always fails.
	Err string `json:"error,omitempty"`

	verdict *triage.Verdict
}

// Message renders a failed case for a person: where it is, what was
// expected and what happened, and the reasons that fired.
func (r CaseResult) Message() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: case %q failed:\n", r.Pos, r.Name)
	for _, f := range r.Failures {
		fmt.Fprintf(&b, "    %s\n", f)
	}
	switch {
	case r.Err != "":
	case r.Invalid != nil:
		fmt.Fprintf(&b, "    the answers were refused for: %s\n", strings.Join(r.Invalid, ", "))
	case r.Outcome != 0:
		fmt.Fprintf(&b, "    verdict: %s", r.Outcome)
		if len(r.Missing) > 0 {
			fmt.Fprintf(&b, ", missing: %s", strings.Join(r.Missing, ", "))
		}
		b.WriteString("\n")
		if len(r.Reasons) == 0 {
			b.WriteString("    no rule fired\n")
		}
		for _, reason := range r.Reasons {
			fmt.Fprintf(&b, "    fired: %s (%s) on %s\n", reason.RuleID, reason.Action, evidence(reason.Evidence))
		}
	}
	return strings.TrimSuffix(b.String(), "\n")
}

func evidence(ev []triage.Evidence) string {
	parts := make([]string, len(ev))
	for i, e := range ev {
		parts[i] = fmt.Sprintf("%s=%v", e.Question, e.Value)
	}
	return strings.Join(parts, ", ")
}

// runCase evaluates one case and checks its expectations.
func runCase(ctx context.Context, eng *triage.Engine, tc TestCase) CaseResult {
	r := CaseResult{Name: tc.Name, Pos: tc.Pos}
	v, err := eng.Evaluate(ctx, tc.Answers)
	exp := tc.Expect
	var answerErrs triage.AnswerErrors
	switch {
	case errors.As(err, &answerErrs):
		r.Invalid = []string{}
		for _, e := range answerErrs {
			r.Invalid = append(r.Invalid, e.Question)
		}
		if exp.Invalid == nil {
			r.fail("answers: want them accepted, got refused: %v", err)
		} else if !sameSet(exp.Invalid, r.Invalid) {
			r.fail("invalid: want %s, got %s", list(exp.Invalid), list(r.Invalid))
		}
	case err != nil:
		r.Err = err.Error()
		r.fail("evaluation failed: %v", err)
	default:
		r.verdict = v
		r.Outcome = v.Outcome
		r.Fired = []string{}
		for _, reason := range v.Reasons {
			r.Fired = append(r.Fired, reason.RuleID)
		}
		r.Missing = v.Missing
		r.Reasons = v.Reasons
		r.check(exp)
	}
	r.Passed = len(r.Failures) == 0
	return r
}

func (r *CaseResult) check(exp Expectation) {
	if exp.Invalid != nil {
		r.fail("invalid: want the answers refused for %s, got them accepted", list(exp.Invalid))
		return
	}
	if exp.Outcome != 0 && exp.Outcome != r.Outcome {
		r.fail("outcome: want %s, got %s", exp.Outcome, r.Outcome)
	}
	if exp.Fires != nil {
		if absent := without(exp.Fires, r.Fired); len(absent) > 0 {
			r.fail("fires: want %s to fire, but %s did not (fired: %s)", list(exp.Fires), list(absent), list(r.Fired))
		}
	}
	if exp.FiresExactly != nil && !sameSet(exp.FiresExactly, r.Fired) {
		r.fail("fires_exactly: want %s, got %s", list(exp.FiresExactly), list(r.Fired))
	}
	if exp.NotFires != nil {
		if fired := intersect(exp.NotFires, r.Fired); len(fired) > 0 {
			r.fail("not_fires: want %s not to fire, but %s fired", list(exp.NotFires), list(fired))
		}
	}
	if exp.Missing != nil && !slices.Equal(exp.Missing, r.Missing) {
		r.fail("missing: want %s, got %s", list(exp.Missing), list(r.Missing))
	}
}

func (r *CaseResult) fail(format string, args ...any) {
	r.Failures = append(r.Failures, fmt.Sprintf(format, args...))
}

// without returns the elements of a that are not in b, in a's order.
func without(a, b []string) []string {
	var out []string
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

// intersect returns the elements of a that are also in b, in a's order.
func intersect(a, b []string) []string {
	var out []string
	for _, s := range a {
		if slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	return len(without(a, b)) == 0 && len(without(b, a)) == 0
}

func list(ids []string) string {
	if len(ids) == 0 {
		return "(none)"
	}
	return "[" + strings.Join(ids, ", ") + "]"
}
