package triage

import (
	"context"
	"fmt"
	"slices"
	"time"
)

// RuleState is what became of one rule in an Explanation.
//
// The zero value is not a valid state.
type RuleState int

const (
	// Fired means the rule's condition is true.
	Fired RuleState = iota + 1
	// NotFired means the rule's condition is false, whatever the
	// unanswered questions turn out to be.
	NotFired
	// Undecided means the rule's condition depends on unanswered questions.
	Undecided
)

var ruleStateNames = [...]string{Fired: "fired", NotFired: "not_fired", Undecided: "undecided"}

// String returns "fired", "not_fired" or "undecided", or "RuleState(N)" for
// an invalid value.
func (s RuleState) String() string {
	if s >= Fired && s <= Undecided {
		return ruleStateNames[s]
	}
	return fmt.Sprintf("RuleState(%d)", int(s))
}

// MarshalText implements encoding.TextMarshaler.
func (s RuleState) MarshalText() ([]byte, error) {
	if s < Fired || s > Undecided {
		return nil, fmt.Errorf("triage: cannot marshal invalid rule state %d", int(s))
	}
	return []byte(ruleStateNames[s]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler, so an Explanation
// read back from JSON keeps its states.
func (s *RuleState) UnmarshalText(b []byte) error {
	for i, name := range ruleStateNames {
		if name != "" && name == string(b) {
			*s = RuleState(i)
			return nil
		}
	}
	return fmt.Errorf("triage: unknown rule state %q (want fired, not_fired or undecided)", b)
}

// Explanation is a verdict with the reasoning behind it: what became of
// every rule, not only of the ones that fired, and where every unanswered
// question stands. It round-trips through JSON.
type Explanation struct {
	// Verdict is what Evaluate returns for the same answers.
	Verdict *Verdict `json:"verdict"`
	// Rules holds every rule, in the order of Engine.Rules: refer rules,
	// then caution rules.
	Rules []RuleExplanation `json:"rules"`
	// Askable lists the unanswered questions that can be asked now: they
	// have no ask_if, or their ask_if holds. It includes questions that
	// only caution rules read, which Verdict.Missing leaves out.
	Askable []string `json:"askable"`
	// NotApplicable lists the unanswered questions whose ask_if is false,
	// so they are not asked (a follow-up to a "no").
	NotApplicable []string `json:"not_applicable"`
	// Waiting lists the unanswered questions whose ask_if depends on
	// earlier questions that are unanswered too.
	Waiting []string `json:"waiting"`
}

// RuleExplanation says what became of one rule and why.
type RuleExplanation struct {
	// RuleID, Title and Action identify the rule.
	RuleID string `json:"rule_id"`
	Title  string `json:"title"`
	Action Action `json:"action"`
	// When is the rule's CEL condition as written.
	When string `json:"when"`
	// State is Fired, NotFired or Undecided.
	State RuleState `json:"state"`
	// Read holds every answer the condition read, in questionnaire order,
	// whether or not it decided the rule (for a fired rule, the verdict's
	// Reason.Evidence lists only those that did); unanswered questions are
	// not listed.
	Read []Evidence `json:"read"`
	// Needs lists, for an Undecided rule, the unanswered questions whose
	// answers could decide it, in questionnaire order; empty otherwise.
	Needs []string `json:"needs"`
}

// Explain evaluates answers like Evaluate and also reports, for every rule,
// whether it fired, did not fire or is undecided, with the answers it read
// and, when undecided, the questions that could decide it: the "why not"
// behind a verdict. It also reports which unanswered questions can be asked
// now.
//
// Explain records what the evaluation behind its verdict saw, so the two
// never disagree; it costs more than Evaluate (every rule's result is
// kept), so use it to show or debug a verdict, not on a hot path. Errors
// are those of Evaluate, and no error comes with an explanation. With a
// decision hook, Explain calls it once, as Evaluate does.
func (e *Engine) Explain(ctx context.Context, answers Answers) (*Explanation, error) {
	var start time.Time
	if e.hook != nil {
		start = time.Now()
	}
	vars := e.getVars()
	var s evalState
	x, err := e.explain(ctx, &s, answers, vars)
	if e.hook != nil {
		var v *Verdict
		if x != nil {
			v = x.Verdict
		}
		e.decide(ctx, start, s.e != nil, vars.vals, v, err)
	}
	e.putVars(vars)
	return x, err
}

// explain is Explain without the decision hook.
func (e *Engine) explain(ctx context.Context, s *evalState, answers Answers, vars *answerVars) (*Explanation, error) {
	rec := make([]ruleResult, len(e.rules))
	v, err := e.run(ctx, s, answers, vars, rec)
	given := vars.vals
	if err != nil {
		return nil, err
	}
	x := &Explanation{
		Verdict: v, Rules: make([]RuleExplanation, len(e.rules)),
		Askable: []string{}, NotApplicable: []string{}, Waiting: []string{},
	}
	for i, r := range e.rules {
		x.Rules[i] = e.explainRule(r, rec[i], given)
	}
	for qi, q := range e.questions {
		if given[qi] != nil {
			continue
		}
		askable, err := s.askable(q, given)
		if err != nil {
			return nil, err
		}
		switch askable {
		case yes:
			x.Askable = append(x.Askable, q.ID)
		case no:
			x.NotApplicable = append(x.NotApplicable, q.ID)
		default:
			x.Waiting = append(x.Waiting, q.ID)
		}
	}
	return x, nil
}

// explainRule turns what the pass recorded for r into a RuleExplanation.
func (e *Engine) explainRule(r *rule, rr ruleResult, given []any) RuleExplanation {
	re := RuleExplanation{
		RuleID: r.ID, Title: r.Title, Action: r.Action, When: r.when.Src,
		Read: []Evidence{}, Needs: []string{},
	}
	for _, qi := range r.when.Reads {
		if given[qi] != nil {
			q := &e.questions[qi].Question
			re.Read = append(re.Read, Evidence{Question: q.ID, Value: evidenceValue(q, given[qi])})
		}
	}
	switch rr.res {
	case yes:
		re.State = Fired
	case no:
		re.State = NotFired
	default:
		re.State = Undecided
		for _, qi := range slices.Compact(slices.Sorted(slices.Values(rr.unknown))) {
			re.Needs = append(re.Needs, e.questions[qi].ID)
		}
	}
	return re
}

// askable reports whether the unanswered question q can be asked now
// (yes), is not applicable (no), or waits on other unanswered questions.
func (s *evalState) askable(q *question, given []any) (result, error) {
	if q.askIf == nil {
		return yes, nil
	}
	res, _, err := s.eval(q.askIf, given)
	if err != nil {
		return no, s.failure(q.ID, q.askIf.pos, err)
	}
	return res, nil
}
