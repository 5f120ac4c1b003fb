package triage

// CheckAnswer reports whether value is a valid answer to question id,
// judged exactly as Evaluate judges it, for forms that validate one answer
// at a time. It returns nil for a valid answer and for nil (unanswered),
// and otherwise an AnswerErrors naming the question: a value of the wrong
// type or out of range, or an id that is not a question.
func (e *Engine) CheckAnswer(id string, value any) error {
	_, err := e.prepare(Answers{id: value}, make([]any, len(e.questions)))
	return err
}
