package triage

import (
	"context"
	"fmt"
	"slices"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
)

// Evaluate validates answers against the questionnaire and evaluates every
// rule.
//
// Invalid answers are an AnswerErrors error naming every offending question,
// and nothing is evaluated. Otherwise, with unanswered questions treated as
// unknown:
//
//   - if any refer rule fires, the outcome is SeeProfessional, however many
//     questions are unanswered;
//   - else if any refer rule could still fire, the outcome is Incomplete and
//     Missing lists the unanswered questions that could decide it and can be
//     asked now (a follow-up whose ask_if is itself undecided is represented
//     by the questions its ask_if reads);
//   - else the outcome is SelfCare.
//
// Caution rules that fire are reported as reasons and never change the
// outcome. A rule whose answers are all given is evaluated without partial
// evaluation, so complete answers pay nothing for the support of missing
// ones.
//
// Evaluate honours ctx between rules and inside long-running comprehensions.
// Any failure is returned as an error, never as a verdict.
func (e *Engine) Evaluate(ctx context.Context, answers Answers) (*Verdict, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	// Small fixed buffers keep the common case free of allocations: the
	// default rule set has 21 questions and 20 rules.
	var answeredBuf [64]bool
	answered := answeredBuf[:0]
	if len(e.questions) <= len(answeredBuf) {
		answered = answeredBuf[:len(e.questions)]
	} else {
		answered = make([]bool, len(e.questions))
	}
	vars, err := e.prepare(answers, answered)
	if err != nil {
		return nil, err
	}
	s := evalState{e: e, vars: vars, answered: answered}
	v := &Verdict{RuleSet: e.info, Notice: Disclaimer, Missing: []string{}}

	referFired := false
	var firedBuf [32]*rule
	fired := firedBuf[:0]
	var undecided []int // questions read by undecided refer rules, unsorted
	for _, r := range e.rules {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res, unknown, err := s.eval(ctx, r.when)
		if err != nil {
			return nil, &EvalError{ID: r.ID, Pos: r.when.pos, Err: err}
		}
		switch res {
		case yes:
			referFired = referFired || r.Action == Refer
			fired = append(fired, r)
		case unknownResult:
			if r.Action == Refer {
				undecided = append(undecided, unknown...)
			}
		}
	}
	v.Reasons = s.reasons(fired)

	switch {
	case referFired:
		v.Outcome = SeeProfessional
	case len(undecided) > 0:
		v.Outcome = Incomplete
		missing, err := s.missing(ctx, undecided)
		if err != nil {
			return nil, err
		}
		for _, qi := range missing {
			v.Missing = append(v.Missing, e.questions[qi].ID)
		}
	default:
		v.Outcome = SelfCare
		v.SelfCare = cloneGuidance(e.guidance)
	}
	return v, nil
}

type result int8

const (
	no result = iota
	yes
	unknownResult
)

// evalState is the per-call state of one Evaluate.
type evalState struct {
	e        *Engine
	vars     map[string]any
	answered []bool
	partial  cel.PartialActivation // built on first need
}

// eval evaluates one condition. For an undecided condition it also returns
// the questions whose answers it still needs.
func (s *evalState) eval(ctx context.Context, c *condition) (result, []int, error) {
	prg := c.fast
	var input any = s.vars
	for _, qi := range c.reads {
		if !s.answered[qi] {
			if s.partial == nil {
				act, err := s.e.env.PartialVars(s.vars)
				if err != nil {
					return no, nil, err
				}
				s.partial = act
			}
			prg, input = c.partial, s.partial
			break
		}
	}
	var (
		out ref.Val
		err error
	)
	if c.needsCtx {
		out, _, err = prg.ContextEval(ctx, input)
	} else {
		out, _, err = prg.Eval(input)
	}
	if err != nil {
		return no, nil, err
	}
	switch val := out.(type) {
	case types.Bool:
		if val {
			return yes, nil, nil
		}
		return no, nil, nil
	case *types.Unknown:
		var qs []int
		for _, id := range val.IDs() {
			trails, _ := val.GetAttributeTrails(id)
			for _, t := range trails {
				if qi, ok := s.e.qIndex[t.Variable()]; ok && !s.answered[qi] {
					qs = append(qs, qi)
				}
			}
		}
		if len(qs) == 0 {
			// Should not happen: an unknown that names no question.
			return no, nil, fmt.Errorf("undecided result names no unanswered question: %v", val)
		}
		return unknownResult, qs, nil
	}
	return no, nil, fmt.Errorf("condition produced %s, not a boolean", out.Type().TypeName())
}

// missing turns the questions read by undecided refer rules into the ones
// that can be asked now, in questionnaire order.
func (s *evalState) missing(ctx context.Context, needed []int) ([]int, error) {
	set := make([]bool, len(s.e.questions))
	for _, qi := range needed {
		if err := s.represent(ctx, qi, set); err != nil {
			return nil, err
		}
	}
	var out []int
	for qi, in := range set {
		if in {
			out = append(out, qi)
		}
	}
	if len(out) == 0 {
		// Cannot happen for a rule set that passed Load's guard check, but
		// if it did, listing the undecided questions themselves is safer
		// than a silent empty list.
		out = slices.Compact(slices.Sorted(slices.Values(needed)))
	}
	return out, nil
}

// represent adds to set the questions to ask so that question qi can be
// answered: qi itself when it can be asked now, nothing when its ask_if is
// false, and the questions its ask_if still needs when that is undecided.
func (s *evalState) represent(ctx context.Context, qi int, set []bool) error {
	if s.answered[qi] || set[qi] {
		return nil
	}
	q := s.e.questions[qi]
	if q.askIf == nil {
		set[qi] = true
		return nil
	}
	res, needs, err := s.eval(ctx, q.askIf)
	if err != nil {
		return &EvalError{ID: q.ID, Pos: q.askIf.pos, Err: err}
	}
	switch res {
	case yes:
		set[qi] = true
	case unknownResult:
		for _, d := range needs {
			if err := s.represent(ctx, d, set); err != nil {
				return err
			}
		}
	}
	return nil
}

// reasons builds the Reasons for the rules that fired, with the answers
// each read. All evidence shares one backing array: one allocation instead
// of one per reason.
func (s *evalState) reasons(fired []*rule) []Reason {
	out := make([]Reason, len(fired))
	n := 0
	for _, r := range fired {
		for _, qi := range r.when.reads {
			if s.answered[qi] {
				n++
			}
		}
	}
	evidence := make([]Evidence, 0, n)
	for i, r := range fired {
		start := len(evidence)
		for _, qi := range r.when.reads {
			if !s.answered[qi] {
				continue
			}
			q := s.e.questions[qi]
			val := s.vars[q.ID]
			switch x := val.(type) {
			case bool, int64, float64, string:
				// already normalised
			case []string:
				val = slices.Clone(x) // the verdict must not share the caller's slice
			default:
				val, _, _ = normalize(&q.Question, val)
			}
			evidence = append(evidence, Evidence{Question: q.ID, Value: val})
		}
		out[i] = Reason{
			RuleID: r.ID, Title: r.Title, Action: r.Action, Advice: r.Advice,
			Source: r.Source, SeeAlso: slices.Clone(r.SeeAlso),
			Evidence: evidence[start:len(evidence):len(evidence)],
		}
	}
	return out
}
