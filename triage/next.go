package triage

import "context"

// Next returns the next question worth asking, given the answers so far,
// for an adaptive questionnaire: one that can be asked now (it has no
// ask_if, or its ask_if holds) and whose answer could still change the
// outcome. ok is false when the outcome is decided: a refer rule has fired
// (nothing can undo that), or every refer rule is settled.
//
// Next is the first question of the Verdict.Missing list that Evaluate
// returns for the same answers, so questions come in questionnaire order,
// restricted to the ones undecided refer rules still need. A follow-up
// whose ask_if is itself undecided is reached through the question its
// ask_if reads. Apps that let a person skip a question can walk Missing
// instead and pass over what was skipped.
//
// Undecided caution rules never make Next ask a question: a caution never
// changes the outcome, and ok false keeps meaning exactly "the outcome is
// decided". Once it is decided as SelfCare, Verdict.Optional lists the
// questions that could still add a caution; an app walking Next goes on
// to ask those, marked as optional and skippable, re-evaluating after each
// answer:
//
//	q, ok, err := eng.Next(ctx, answers) // until ok is false
//	...
//	v, err := eng.Evaluate(ctx, answers)
//	for v.Outcome == triage.SelfCare && len(v.Optional) > 0 { // minus skipped
//		// ask v.Optional[0] as optional; add the answer; Evaluate again
//	}
//
// Keeping them out of Next means an app that only walks Next never puts
// an optional question to a person as if it were needed, and one that
// stops at ok false still gives a correct outcome. Explain's Askable lists
// every question that can be asked now, for an app that asks them all.
//
// Invalid answers are an AnswerErrors error and, like any evaluation
// failure, come with no question: an error is never "nothing left to ask".
//
// With a decision hook, Next calls it once: its pass is Evaluate's, and
// the Decision is that of the verdict its question is read from.
func (e *Engine) Next(ctx context.Context, answers Answers) (q Question, ok bool, err error) {
	v, err := e.Evaluate(ctx, answers) // the same pass: Next is Missing[0]
	if err != nil {
		return Question{}, false, err
	}
	if v.Outcome != Incomplete {
		return Question{}, false, nil
	}
	// Missing is non-empty exactly when the outcome is Incomplete.
	return e.questions[e.qIndex[v.Missing[0]]].clone(), true, nil
}
