package triage

import (
	"context"
	"fmt"
	"slices"
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

// QuestionState is where one question stands in an Explanation.
//
// The zero value is not a valid state.
type QuestionState int

const (
	// Answered means the question has a valid answer.
	Answered QuestionState = iota + 1
	// Askable means the question is unanswered and can be asked now: it has
	// no ask_if, or its ask_if holds.
	Askable
	// NotApplicable means the question is unanswered and its ask_if is
	// false, so it is not asked (a follow-up to a "no").
	NotApplicable
	// Waiting means the question is unanswered and its ask_if depends on
	// earlier questions that are unanswered too.
	Waiting
)

var questionStateNames = [...]string{Answered: "answered", Askable: "askable", NotApplicable: "not_applicable", Waiting: "waiting"}

// String returns "answered", "askable", "not_applicable" or "waiting", or
// "QuestionState(N)" for an invalid value.
func (s QuestionState) String() string {
	if s >= Answered && s <= Waiting {
		return questionStateNames[s]
	}
	return fmt.Sprintf("QuestionState(%d)", int(s))
}

// MarshalText implements encoding.TextMarshaler.
func (s QuestionState) MarshalText() ([]byte, error) {
	if s < Answered || s > Waiting {
		return nil, fmt.Errorf("triage: cannot marshal invalid question state %d", int(s))
	}
	return []byte(questionStateNames[s]), nil
}

// Explanation is a verdict with the reasoning behind it: what became of
// every rule, not only of the ones that fired, and where every question
// stands.
type Explanation struct {
	// Verdict is what Evaluate returns for the same answers.
	Verdict *Verdict `json:"verdict"`
	// Rules holds every rule, in the order of Engine.Rules: refer rules,
	// then caution rules.
	Rules []RuleExplanation `json:"rules"`
	// Questions holds every question, in questionnaire order.
	Questions []QuestionExplanation `json:"questions"`
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
	// Read holds the answers the condition read, in questionnaire order;
	// unanswered questions are not listed.
	Read []Evidence `json:"read"`
	// Needs lists, for an Undecided rule, the unanswered questions whose
	// answers could decide it, in questionnaire order; empty otherwise.
	Needs []string `json:"needs"`
}

// QuestionExplanation says where one question stands.
type QuestionExplanation struct {
	// Question is the question's id.
	Question string `json:"question"`
	// State is Answered, Askable, NotApplicable or Waiting.
	State QuestionState `json:"state"`
}

// Explain evaluates answers like Evaluate and also reports, for every rule,
// whether it fired, did not fire or is undecided, with the answers it read
// and, when undecided, the questions that could decide it: the "why not"
// behind a verdict. It also reports which unanswered questions can be asked
// now.
//
// Explain evaluates every rule on its own, so it costs more than Evaluate;
// use it to show or debug a verdict, not on a hot path. Errors are those of
// Evaluate, and no error comes with an explanation.
func (e *Engine) Explain(ctx context.Context, answers Answers) (*Explanation, error) {
	v, err := e.Evaluate(ctx, answers)
	if err != nil {
		return nil, err
	}
	given := make([]any, len(e.questions))
	vars, complete, err := e.prepare(answers, given)
	if err != nil {
		return nil, err // cannot happen: Evaluate accepted the same answers
	}
	s := evalState{e: e, vars: vars, complete: complete}
	x := &Explanation{
		Verdict:   v,
		Rules:     make([]RuleExplanation, len(e.rules)),
		Questions: make([]QuestionExplanation, len(e.questions)),
	}
	for i, r := range e.rules {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res, unknown, err := s.eval(ctx, r.when, given)
		if err != nil {
			if ctxErr := ctx.Err(); ctxErr != nil {
				return nil, ctxErr
			}
			return nil, &EvalError{ID: r.ID, Pos: r.when.pos, Err: err}
		}
		re := RuleExplanation{
			RuleID: r.ID, Title: r.Title, Action: r.Action, When: r.when.src,
			Read: []Evidence{}, Needs: []string{},
		}
		for _, qi := range r.when.reads {
			if given[qi] != nil {
				q := &e.questions[qi].Question
				re.Read = append(re.Read, Evidence{Question: q.ID, Value: evidenceValue(q, given[qi])})
			}
		}
		switch res {
		case yes:
			re.State = Fired
		case no:
			re.State = NotFired
		default:
			re.State = Undecided
			for _, qi := range slices.Compact(slices.Sorted(slices.Values(unknown))) {
				re.Needs = append(re.Needs, e.questions[qi].ID)
			}
		}
		x.Rules[i] = re
	}
	for qi, q := range e.questions {
		st, err := s.questionState(ctx, qi, given)
		if err != nil {
			return nil, err
		}
		x.Questions[qi] = QuestionExplanation{Question: q.ID, State: st}
	}
	return x, nil
}

// questionState reports whether question qi is answered, and if not,
// whether its ask_if lets it be asked now.
func (s *evalState) questionState(ctx context.Context, qi int, given []any) (QuestionState, error) {
	q := s.e.questions[qi]
	switch {
	case given[qi] != nil:
		return Answered, nil
	case q.askIf == nil:
		return Askable, nil
	}
	res, _, err := s.eval(ctx, q.askIf, given)
	if err != nil {
		if ctxErr := ctx.Err(); ctxErr != nil {
			return 0, ctxErr
		}
		return 0, &EvalError{ID: q.ID, Pos: q.askIf.pos, Err: err}
	}
	switch res {
	case yes:
		return Askable, nil
	case no:
		return NotApplicable, nil
	}
	return Waiting, nil
}
