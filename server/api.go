package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"

	"github.com/redflagkit/redflag/triage"
)

// questionnaireResponse is the body of GET /questionnaire.
type questionnaireResponse struct {
	RuleSet   triage.RuleSetInfo `json:"rule_set"`
	Questions []triage.Question  `json:"questions"`
	Sources   []triage.Source    `json:"sources"`
	Notice    string             `json:"notice"`
}

func (s *Server) questionnaire(w http.ResponseWriter, r *http.Request, v *view) {
	writeJSON(w, http.StatusOK, questionnaireResponse{
		RuleSet: v.eng.RuleSet(), Questions: v.eng.Questions(), Sources: v.eng.Sources(), Notice: triage.Disclaimer,
	})
}

func (s *Server) triage(w http.ResponseWriter, r *http.Request, v *view) {
	body, err := readBody(w, r, jsonBody)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	answers, err := v.eng.DecodeAnswers(bytes.NewReader(body))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	verdict, err := v.eng.Evaluate(r.Context(), answers)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, verdict)
}

// nextResponse is the body of a successful POST /next: the question to ask,
// or, when nothing is left to ask, the verdict. Optional is true for a
// question asked after the outcome is decided as self-care: its answer can
// add a caution but cannot change the outcome, so the form marks it as
// optional and skippable.
//
// Remaining, with a question, is how many questions of its kind are still
// to ask, this one included: the needed ones (Verdict.Missing) or, for an
// optional question, the optional ones (Verdict.Optional), less those
// skipped. It comes from the questionnaire's structure as it stands, so it
// is an estimate for a progress cue, never a promise: an answer can make a
// follow-up askable, and a red flag ends the questions at once.
type nextResponse struct {
	Done      bool             `json:"done"`
	Question  *triage.Question `json:"question,omitempty"`
	Optional  bool             `json:"optional,omitempty"`
	Remaining int              `json:"remaining,omitempty"`
	Verdict   *triage.Verdict  `json:"verdict,omitempty"`
}

// next reads {"answers": {...}, "skip": [...]}. Skip lists questions the
// person chose not to answer: they stay unanswered (unknown, never "no")
// and are not asked again.
//
// It asks first what can change the outcome (Verdict.Missing, in Next's
// order); once the outcome is self-care, the questions that could still
// add a caution (Verdict.Optional), flagged optional. A red flag ends the
// questions at once.
func (s *Server) next(w http.ResponseWriter, r *http.Request, v *view) {
	answers, skip, err := s.readNext(w, r, v)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// One evaluation: it validates the answers, Missing (Next's order) is
	// what to ask, then, for self-care, Optional; skipped questions are
	// passed over.
	verdict, err := v.eng.Evaluate(r.Context(), answers)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if q, ok := v.firstNotSkipped(verdict.Missing, skip); ok {
		writeJSON(w, http.StatusOK, nextResponse{Question: &q, Remaining: notSkipped(verdict.Missing, skip)})
		return
	}
	if verdict.Outcome == triage.SelfCare {
		if q, ok := v.firstNotSkipped(verdict.Optional, skip); ok {
			writeJSON(w, http.StatusOK, nextResponse{Question: &q, Optional: true, Remaining: notSkipped(verdict.Optional, skip)})
			return
		}
	}
	writeJSON(w, http.StatusOK, nextResponse{Done: true, Verdict: verdict})
}

// readNext reads the body of POST /next: the answers so far and the
// questions skipped, each of which must exist.
func (s *Server) readNext(w http.ResponseWriter, r *http.Request, v *view) (triage.Answers, []string, error) {
	body, err := readBody(w, r, jsonBody)
	if err != nil {
		return nil, nil, err
	}
	fields, err := decodeObject(body, `{"answers": {...}, "skip": [...]}`, "answers", "skip")
	if err != nil {
		return nil, nil, err
	}
	answers := triage.Answers{}
	if raw, ok := fields["answers"]; ok && string(raw) != "null" {
		// The engine's own decoder: exact numbers, exact question ids, no
		// duplicate keys, and the engine's limits.
		if answers, err = v.eng.DecodeAnswers(bytes.NewReader(raw)); err != nil {
			return nil, nil, err
		}
	}
	skip, err := decodeSkip(fields["skip"])
	if err != nil {
		return nil, nil, err
	}
	var bad triage.AnswerErrors
	for _, id := range skip {
		if _, ok := v.questions[id]; !ok {
			bad = append(bad, &triage.AnswerError{Question: id, Msg: "skipped question does not exist"})
		}
	}
	if len(bad) > 0 {
		return nil, nil, bad
	}
	return answers, skip, nil
}

// firstNotSkipped returns the first question of ids that is not in skip.
func (v *view) firstNotSkipped(ids, skip []string) (triage.Question, bool) {
	for _, id := range ids {
		if !slices.Contains(skip, id) {
			q, ok := v.questions[id]
			return q, ok
		}
	}
	return triage.Question{}, false
}

// notSkipped counts the questions of ids that are not in skip.
func notSkipped(ids, skip []string) int {
	n := 0
	for _, id := range ids {
		if !slices.Contains(skip, id) {
			n++
		}
	}
	return n
}

// errorResponse is the body of every error: a message and, for answers
// that do not fit the questionnaire, one entry per offending question, as
// triage.AnswerErrors names them.
type errorResponse struct {
	Error  string        `json:"error"`
	Errors []answerError `json:"errors,omitempty"`
}

type answerError struct {
	Question string `json:"question"`
	Message  string `json:"message"`
	// Position says where a JSON answers document went wrong, when it
	// could not be read.
	Position *answerPosition `json:"position,omitempty"`
}

type answerPosition struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

// fail writes err as JSON with a status that says whose fault it is. An
// error never comes with a verdict.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		reqErr   *requestError
		tooLarge *http.MaxBytesError
		aerrs    triage.AnswerErrors
	)
	switch {
	case errors.As(err, &reqErr):
		writeJSON(w, reqErr.status, errorResponse{Error: reqErr.msg})
	case errors.As(err, &tooLarge):
		writeJSON(w, http.StatusRequestEntityTooLarge, errorResponse{Error: fmt.Sprintf("request body is larger than %d bytes", tooLarge.Limit)})
	case errors.As(err, &aerrs):
		resp := errorResponse{Error: aerrs.Error()}
		for _, e := range aerrs {
			ae := answerError{Question: e.Question, Message: e.Msg}
			if e.Line > 0 {
				ae.Position = &answerPosition{Line: e.Line, Column: e.Column, Offset: e.Offset}
			}
			resp.Errors = append(resp.Errors, ae)
		}
		writeJSON(w, http.StatusBadRequest, resp)
	case errors.Is(err, triage.ErrInvalidAnswers):
		writeJSON(w, http.StatusBadRequest, errorResponse{Error: err.Error()})
	case r.Context().Err() != nil:
		// The client went away or the server is shutting down.
		writeJSON(w, http.StatusServiceUnavailable, errorResponse{Error: "request cancelled"})
	default:
		s.evaluationFailed(r, err)
		writeJSON(w, http.StatusInternalServerError, errorResponse{Error: "evaluation failed; no verdict could be given"})
	}
}

// evaluationFailed logs a rule that failed at run time: the rules need
// fixing, and the person gets no verdict rather than a wrong one. It logs
// the rule's id, its position and a fixed kind, never the cause's text:
// CEL's message can quote an answer ("no such key: moderate", "index out
// of bounds: 4"). Any other failure is logged by its Go type alone.
func (s *Server) evaluationFailed(r *http.Request, err error) {
	var evalErr *triage.EvalError
	if !errors.As(err, &evalErr) {
		s.log.Error("request failed; no verdict was given", "route", r.Pattern, "problem", "internal_error", "type", fmt.Sprintf("%T", err))
		return
	}
	at := evalErr.Pos
	at.File = inDir(s.opts.RulesDir, at.File)
	s.log.Error("a rule failed to evaluate; no verdict was given", "route", r.Pattern, "problem", "evaluation_failed",
		"rule", evalErr.ID, "at", at.String())
}

// inDir names file, a path within the rule directory dir ("" for the
// embedded rule set), as the operator can open it from here: the engine
// only knows paths within the fs.FS it loaded.
func inDir(dir, file string) string {
	if dir == "" || file == "" {
		return file
	}
	return filepath.Join(dir, filepath.FromSlash(file))
}

// writeJSON writes v as the JSON body of a response with status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	writeBody(w, status, "application/json", v)
}

// writeBody writes v as JSON under contentType. Responses are never
// cached: they may be about a person's symptoms.
func writeBody(w http.ResponseWriter, status int, contentType string, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		http.Error(w, `{"error":"cannot encode the response"}`, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(append(data, '\n'))
}
