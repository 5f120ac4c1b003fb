package triage

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/interpreter"
)

// Evaluate validates answers against the questionnaire and evaluates every
// rule.
//
// Answers over the Engine's limits (Limits.Answers, StringLength and
// ListLength) are refused first, with an AnswerErrors that wraps ErrLimit.
// Invalid answers are an AnswerErrors naming every offending question, and
// nothing is evaluated. Otherwise, with unanswered questions treated as
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
// outcome. Complete answers pay nothing for the support of missing ones:
// each rule whose answers are all given runs without partial evaluation,
// over one CEL execution frame shared by the whole call, and a rule that
// reads no answer at all is not evaluated: what it gives then was
// computed once, at load.
//
// Evaluate honours ctx before it starts, between rules, and inside
// comprehensions (cel-go's interrupt check). Any failure is returned as an
// error, never as a verdict.
//
// With a decision hook (WithDecisionHook), Evaluate calls it once, with
// the Decision, before it returns.
func (e *Engine) Evaluate(ctx context.Context, answers Answers) (*Verdict, error) {
	var start time.Time
	if e.hook != nil {
		start = time.Now()
	}
	vars := e.getVars()
	var s evalState
	v, err := e.run(ctx, &s, answers, vars, nil)
	if e.hook != nil {
		// run sets s.e once the answers are valid.
		e.decide(ctx, start, s.e != nil, vars.vals, v, err)
	}
	e.putVars(vars)
	return v, err
}

// run is the one evaluation pass behind Evaluate, Next and Explain: it
// checks the context, validates and normalises the answers once (into
// vars, whose values must all be nil), evaluates the rules and builds the
// verdict. When rec is not nil (one element per rule), it also records
// what became of every rule, for Explain.
func (e *Engine) run(ctx context.Context, s *evalState, answers Answers, vars *answerVars, rec []ruleResult) (*Verdict, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	given := vars.vals
	complete, err := e.prepare(answers, given)
	if err != nil {
		return nil, err
	}
	*s = evalState{e: e, ctx: ctx, vars: vars, complete: complete}

	defer s.close()

	var firedBuf [32]*rule
	fired, undecided, err := s.evalRules(firedBuf[:0], given, rec)
	if err != nil {
		return nil, err
	}
	v := s.newVerdict(fired, given)
	v.Optional = []string{}
	referFired := false
	for _, r := range fired {
		referFired = referFired || r.Action == Refer
	}
	switch {
	case referFired:
		v.Outcome = SeeProfessional
	case len(undecided) > 0:
		v.Outcome = Incomplete
		missing, err := s.missing(undecided, given)
		if err != nil {
			return nil, err
		}
		for _, qi := range missing {
			v.Missing = append(v.Missing, e.questions[qi].ID)
		}
	default:
		v.Outcome = SelfCare
		v.Guidance = cloneGuidance(e.guidance)
		if len(s.cautionNeeds) > 0 {
			// Only once the outcome is decided as self-care: the questions
			// that can still add a caution, never change the outcome.
			if v.Optional, err = s.optional(given); err != nil {
				return nil, err
			}
		}
	}
	v.Headline, v.WhatToDo = e.outcomes[v.Outcome].headline, e.outcomes[v.Outcome].whatToDo
	return v, nil
}

// ruleResult is what became of one rule in a pass, for Explain.
type ruleResult struct {
	res     result
	unknown []int // for an undecided rule: the unanswered questions it needs
}

// evalRules evaluates the rules one by one, appending those that fire to
// fired. It returns the questions read by undecided refer rules, unsorted,
// and keeps those read by undecided caution rules in s.cautionNeeds.
func (s *evalState) evalRules(fired []*rule, given []any, rec []ruleResult) ([]*rule, []int, error) {
	var undecided []int
	done := s.ctx.Done() // nil for a context that can never be cancelled
	for i, r := range s.e.rules {
		if done != nil {
			select {
			case <-done:
				return nil, nil, s.ctx.Err()
			default:
			}
		}
		res, unknown, err := s.eval(r.when, given)
		if err != nil {
			return nil, nil, s.failure(r.ID, r.when.pos, err)
		}
		if rec != nil {
			rec[i] = ruleResult{res: res, unknown: unknown}
		}
		switch res {
		case yes:
			fired = append(fired, r)
		case unknownResult:
			if r.Action == Refer {
				undecided = append(undecided, unknown...)
			} else {
				s.cautionNeeds = append(s.cautionNeeds, unknown...)
			}
		}
	}
	return fired, undecided, nil
}

// failure is the one place an evaluation failure becomes an error: a
// failure caused by the context being done is the context's error
// (interrupted, not broken), anything else an EvalError naming the
// condition.
func (s *evalState) failure(id string, pos Position, err error) error {
	if ctxErr := s.ctx.Err(); ctxErr != nil {
		return ctxErr
	}
	return &EvalError{ID: id, Pos: pos, Err: err}
}

type result int8

const (
	no result = iota
	yes
	unknownResult
)

// evalState is the per-call state of one Evaluate.
type evalState struct {
	e   *Engine
	ctx context.Context
	// vars is the activation over the validated answers; its values are
	// the given slice that the methods below take.
	vars    *answerVars
	partial cel.PartialActivation // built on first need
	// frame is one CEL execution frame over vars, shared by every
	// evaluation that needs neither partial evaluation nor a context:
	// built on first need, returned to cel-go's pool by close.
	frame    *interpreter.ExecutionFrame
	complete bool // every question is answered
	// cautionNeeds holds the unanswered questions read by undecided caution
	// rules, unsorted, for Verdict.Optional.
	cautionNeeds []int
}

// eval evaluates one condition. For an undecided condition it also returns
// the questions whose answers it still needs. given holds each question's
// valid answer, normalised, by question index (s.vars' values); nil means
// unanswered.
func (s *evalState) eval(c *condition, given []any) (result, []int, error) {
	prg, plain := c.Fast, true
	var input any = s.vars
	if !s.complete && readsUnanswered(c, given) {
		if c.Blank != nil && readsNothingAnswered(c, given) {
			// Precomputed at load: nothing it reads is answered, so
			// partial evaluation would give exactly this.
			return blankResult(c.Blank)
		}
		if s.partial == nil {
			act, err := s.e.env.PartialVars(s.vars)
			if err != nil {
				return no, nil, err
			}
			s.partial = act
		}
		prg, input, plain = c.Partial, s.partial, false
	}
	var (
		out ref.Val
		err error
	)
	switch {
	case c.NeedsCtx:
		out, _, err = prg.ContextEval(s.ctx, input)
	case plain:
		out, _, err = prg.Eval(s.sharedFrame())
	default:
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
				if qi := s.vars.names.lookup(t.Variable()); qi >= 0 && given[qi] == nil {
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

// blankResult is an undecided result that needs the questions qs,
// precomputed; like a live evaluation, an unknown that names no question
// is a failure, never a verdict.
func blankResult(qs []int) (result, []int, error) {
	if len(qs) == 0 {
		return no, nil, errors.New("undecided result names no unanswered question")
	}
	return unknownResult, qs, nil
}

// readsNothingAnswered reports whether every question c reads is
// unanswered.
func readsNothingAnswered(c *condition, given []any) bool {
	for _, qi := range c.Reads {
		if given[qi] != nil {
			return false
		}
	}
	return true
}

// sharedFrame returns the execution frame over s.vars, building it on
// first need. Passing one frame to every plain program, instead of the
// activation, spares each evaluation taking a frame from cel-go's pool
// and putting it back. A frame that cannot be built (never, for an
// activation without functions) falls back to the activation itself.
func (s *evalState) sharedFrame() any {
	if s.frame == nil {
		f, err := interpreter.NewExecutionFrame(s.vars)
		if err != nil {
			return s.vars
		}
		s.frame = f
	}
	return s.frame
}

// close returns the shared frame, if any, to cel-go's pool.
func (s *evalState) close() {
	if s.frame != nil {
		s.frame.Close()
		s.frame = nil
	}
}

// readsUnanswered reports whether c reads a question that is unanswered.
func readsUnanswered(c *condition, given []any) bool {
	for _, qi := range c.Reads {
		if given[qi] == nil {
			return true
		}
	}
	return false
}

// missing turns the questions read by undecided refer rules into the ones
// that can be asked now, in questionnaire order.
func (s *evalState) missing(needed []int, given []any) ([]int, error) {
	set := make([]bool, len(s.e.questions))
	for _, qi := range needed {
		if err := s.represent(qi, set, given); err != nil {
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
func (s *evalState) represent(qi int, set []bool, given []any) error {
	if given[qi] != nil || set[qi] {
		return nil
	}
	q := s.e.questions[qi]
	if q.askIf == nil {
		set[qi] = true
		return nil
	}
	res, needs, err := s.eval(q.askIf, given)
	if err != nil {
		return s.failure(q.ID, q.askIf.pos, err)
	}
	switch res {
	case yes:
		set[qi] = true
	case unknownResult:
		for _, d := range needs {
			if err := s.represent(d, set, given); err != nil {
				return err
			}
		}
	}
	return nil
}

// newVerdict builds the verdict and the Reasons for the rules that fired,
// each with the answers that made its condition true (appendEvidence). All
// evidence shares one backing array, sized for every answer the fired
// rules read, and for a few reasons the verdict, the reasons and the
// evidence are one allocation (allocVerdict).
func (s *evalState) newVerdict(fired []*rule, given []any) *Verdict {
	n := 0
	for _, r := range fired {
		for _, qi := range r.when.Reads {
			if given[qi] != nil {
				n++
			}
		}
	}
	v, reasons, evidence := allocVerdict(len(fired), n)
	for i, r := range fired {
		start := len(evidence)
		evidence = s.appendEvidence(evidence, r.when, given)
		reasons[i] = Reason{
			RuleID: r.ID, Title: r.Title, Action: r.Action, Advice: r.Advice,
			Citation: r.Citation, SeeAlso: slices.Clone(r.SeeAlso),
			Evidence: evidence[start:len(evidence):len(evidence)],
		}
	}
	*v = Verdict{RuleSet: s.e.info, Notice: Disclaimer, Reasons: reasons, Missing: []string{}}
	return v
}

// allocVerdict returns a zero Verdict, nr zero Reasons and an empty
// evidence slice with room for ne. Up to a few reasons and their evidence
// share the verdict's allocation: fewer objects for the allocator and the
// garbage collector than one for each. Each shape is sized to fill its
// allocation size class; the reasons' and the evidence's capacities are
// their lengths, so that appending to them never writes into the block.
func allocVerdict(nr, ne int) (*Verdict, []Reason, []Evidence) {
	switch {
	case nr == 0:
		return &Verdict{}, []Reason{}, nil
	case nr == 1 && ne <= 4:
		b := new(struct {
			v Verdict
			r [1]Reason
			e [4]Evidence
		})
		return &b.v, b.r[:], b.e[:0:ne]
	case nr <= 2 && ne <= 4:
		b := new(struct {
			v Verdict
			r [2]Reason
			e [4]Evidence
		})
		return &b.v, b.r[:nr:nr], b.e[:0:ne]
	case nr <= 4 && ne <= 8:
		b := new(struct {
			v Verdict
			r [4]Reason
			e [8]Evidence
		})
		return &b.v, b.r[:nr:nr], b.e[:0:ne]
	}
	return &Verdict{}, make([]Reason, nr), make([]Evidence, 0, ne)
}

// evidenceValue returns a valid answer in its normalised form, without
// sharing the caller's slices.
func evidenceValue(q *Question, v any) any {
	switch x := v.(type) {
	case bool, string:
		return v
	case int64:
		if q.Type == IntegerType {
			return v
		}
	case float64:
		if q.Type == NumberType {
			return v
		}
	case []string:
		return slices.Clone(x)
	}
	nv, _, _ := normalize(q, v)
	return nv
}
