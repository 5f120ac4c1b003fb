package impact

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/redflagkit/redflag/triage"
)

// Report is the result of Compare.
type Report struct {
	// Old and New identify the two rule sets compared.
	Old, New triage.RuleSetInfo
	// Compared counts the inputs with a verdict under both rule sets.
	Compared int
	// Changes holds, in input order, every compared input whose outcome or
	// fired rules differ between the two rule sets.
	Changes []Change
	// Errors holds, in input order, the inputs that either rule set could
	// not evaluate. They are not compared: an error is never a verdict.
	Errors []InputError
}

// Change is how one input's verdict differs from the old rule set to the
// new.
type Change struct {
	// Index is the input's position: its index in the slice given to
	// Compare, from 0. Callers of Between set it themselves ("redflag
	// diff" sets the line number).
	Index int
	// Old and New are the outcomes under the old and the new rule set.
	Old, New triage.Outcome
	// Fired holds the rules that fire under the new rule set and did not
	// under the old, with that action; Unfired the rules that fired under
	// the old rule set and no longer do with that action. A rule that
	// turns from a referral into a caution is in Unfired.Refer and
	// Fired.Caution.
	Fired, Unfired Rules
	// Missing lists the questions the new verdict still needs and the old
	// did not: why an outcome became incomplete when no rule changed. Empty,
	// never nil, otherwise.
	Missing []string
}

// Rules are rule ids by action, each list in verdict order, empty and
// never nil when there are none.
type Rules struct {
	Refer   []string `json:"refer"`
	Caution []string `json:"caution"`
}

func (r Rules) empty() bool { return len(r.Refer) == 0 && len(r.Caution) == 0 }

// OutcomeChanged reports that the outcome differs, not only the rules
// that fired.
func (c Change) OutcomeChanged() bool { return c.Old != c.New }

// LostReferral reports that the person was told to see a professional
// under the old rule set and no longer is under the new one.
func (c Change) LostReferral() bool {
	return c.Old == triage.SeeProfessional && c.New != triage.SeeProfessional
}

// Direction is "old → new", for example "see_professional → self_care";
// for a change of rules only, the one outcome twice.
func (c Change) Direction() string { return c.Old.String() + " → " + c.New.String() }

// String describes the change in one line: the input, the direction and
// the rules behind it.
func (c Change) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "answers[%d]: %s", c.Index, c.Direction())
	if c.LostReferral() {
		b.WriteString(" (loses a referral)")
	}
	if causes := c.Causes(); causes != "" {
		b.WriteString("; " + causes)
	}
	return b.String()
}

// Causes says which rules and questions make the change, for example
// "no longer refers: pain_more_than_few_days; now cautions: fever".
func (c Change) Causes() string {
	var parts []string
	add := func(what string, ids []string) {
		if len(ids) > 0 {
			parts = append(parts, what+": "+strings.Join(ids, ", "))
		}
	}
	add("no longer refers", c.Unfired.Refer)
	add("now refers", c.Fired.Refer)
	add("no longer cautions", c.Unfired.Caution)
	add("now cautions", c.Fired.Caution)
	add("now missing", c.Missing)
	return strings.Join(parts, "; ")
}

// InputError is an input that a rule set could not evaluate.
type InputError struct {
	// Index is the input's position, as in Change.
	Index int
	// RuleSet is "old", "new" or "both": which rule sets failed on it.
	// Err is the old rule set's error when it failed, else the new one's.
	RuleSet string
	Err     error
}

func (e InputError) Error() string {
	return fmt.Sprintf("answers[%d]: under the %s rule set: %v", e.Index, ruleSetWords(e.RuleSet), e.Err)
}

// Unwrap returns Err, so errors.As finds a triage.AnswerErrors in it.
func (e InputError) Unwrap() error { return e.Err }

func ruleSetWords(which string) string {
	if which == "both" {
		return "old and the new"
	}
	return which
}

// LostReferrals returns the changes that take a referral away: old
// outcome SeeProfessional, new outcome anything else.
func (r *Report) LostReferrals() []Change {
	var out []Change
	for _, c := range r.Changes {
		if c.LostReferral() {
			out = append(out, c)
		}
	}
	return out
}

// OutcomeChanges returns the changes whose outcome differs, leaving out
// those where only the rules that fired differ.
func (r *Report) OutcomeChanges() []Change {
	var out []Change
	for _, c := range r.Changes {
		if c.OutcomeChanged() {
			out = append(out, c)
		}
	}
	return out
}

// Compare evaluates every answer set under old and new and reports how
// the verdicts differ. An answer set that either engine cannot evaluate is
// reported in Report.Errors and compared no further. The error is non-nil
// only when ctx ends, and then there is no report.
func Compare(ctx context.Context, old, new *triage.Engine, answers []triage.Answers) (*Report, error) {
	r := &Report{Old: old.RuleSet(), New: new.RuleSet()}
	for i, a := range answers {
		ov, oerr := old.Evaluate(ctx, a)
		nv, nerr := new.Evaluate(ctx, a)
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if oerr != nil || nerr != nil {
			r.Errors = append(r.Errors, inputError(i, oerr, nerr))
			continue
		}
		r.Compared++
		if c, changed := Between(ov, nv); changed {
			c.Index = i
			r.Changes = append(r.Changes, c)
		}
	}
	return r, nil
}

// inputError is the InputError for an input that failed under either
// rule set.
func inputError(i int, oerr, nerr error) InputError {
	switch {
	case oerr != nil && nerr != nil:
		return InputError{Index: i, RuleSet: "both", Err: oerr}
	case oerr != nil:
		return InputError{Index: i, RuleSet: "old", Err: oerr}
	}
	return InputError{Index: i, RuleSet: "new", Err: nerr}
}

// Between is the change from old to new, two verdicts for the same
// answers; changed is false when their outcomes and fired rules are the
// same. The Change's Index is 0.
func Between(old, new *triage.Verdict) (c Change, changed bool) {
	c = Change{
		Old:     old.Outcome,
		New:     new.Outcome,
		Fired:   firedOnly(new, old),
		Unfired: firedOnly(old, new),
		Missing: []string{},
	}
	if new.Outcome == triage.Incomplete {
		c.Missing = minus(new.Missing, old.Missing)
	}
	changed = c.OutcomeChanged() || !c.Fired.empty() || !c.Unfired.empty()
	return c, changed
}

// firedOnly is the rules of a's reasons that b has not with the same
// action.
func firedOnly(a, b *triage.Verdict) Rules {
	out := Rules{Refer: []string{}, Caution: []string{}}
	for _, r := range a.Reasons {
		if slices.ContainsFunc(b.Reasons, func(o triage.Reason) bool { return o.RuleID == r.RuleID && o.Action == r.Action }) {
			continue
		}
		if r.Action == triage.Refer {
			out.Refer = append(out.Refer, r.RuleID)
		} else {
			out.Caution = append(out.Caution, r.RuleID)
		}
	}
	return out
}

// minus is a without the elements of b, in a's order; never nil.
func minus(a, b []string) []string {
	out := []string{}
	for _, s := range a {
		if !slices.Contains(b, s) {
			out = append(out, s)
		}
	}
	return out
}
