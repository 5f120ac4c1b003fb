package triage

import (
	"cel.dev/cel-go/cel"
)

// appendEvidence appends to evidence the answers that made the fired
// condition c true, in questionnaire order: for a || b, the operands that
// are true (all of them); for a && b, both; for !e, what made e false; for
// c ? x : y, c and the branch taken; for a comparison, a call or a macro,
// every question read beneath it (compile.Decisive has the details).
//
// The work is done only here, for a rule that fired. A condition that is a
// tree of && over leaves has no tracking program: every answered question
// it reads decided it, and nothing is evaluated again. Otherwise its
// tracking program runs once, exhaustively, and the decisive answers are
// read from CEL's evaluation state. Should that evaluation fail, or find
// nothing (neither happens for a condition that just fired), the evidence
// is every answer the condition read: more than decided it, never less.
func (s *evalState) appendEvidence(evidence []Evidence, c *condition, given []any) []Evidence {
	decisive := ^uint64(0) // bit i: c.Reads[i] decided it
	if c.Track != nil {
		if m := s.decisive(c, given); m != 0 {
			decisive = m
		}
	}
	for i, qi := range c.Reads {
		if given[qi] == nil || i < 64 && decisive&(1<<i) == 0 {
			continue // unanswered, or answered but not decisive
		}
		q := &s.e.questions[qi].Question
		evidence = append(evidence, Evidence{Question: q.ID, Value: evidenceValue(q, given[qi])})
	}
	return evidence
}

// decisive runs c's tracking program and returns the questions that made c
// true, as a mask over c.Reads; 0 when that cannot be told.
func (s *evalState) decisive(c *condition, given []any) uint64 {
	var input any = s.vars
	if !s.complete && readsUnanswered(c, given) {
		if s.partial == nil {
			act, err := s.e.env.PartialVars(s.vars)
			if err != nil {
				return 0
			}
			s.partial = act
		}
		input = s.partial
	}
	var (
		det *cel.EvalDetails
		err error
	)
	if c.NeedsCtx {
		_, det, err = c.Track.ContextEval(s.ctx, input)
	} else {
		_, det, err = c.Track.Eval(input)
	}
	if err != nil {
		return 0
	}
	return c.Decisive(det)
}
