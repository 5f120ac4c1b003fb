package triage

import "io"

// DecodeAnswersSlow is the reference answers decoder, for the differential
// tests of the fast path.
func DecodeAnswersSlow(e *Engine, r io.Reader) (Answers, error) {
	return decodeAnswersSlow(r, &e.limits)
}

// FastAnswers is the fast path alone: ok is false when it leaves the
// document to the reference decoder.
func FastAnswers(e *Engine, data []byte) (Answers, bool) {
	return e.fastAnswers(data)
}
