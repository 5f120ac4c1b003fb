package server

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

// fhirJSON is the media type of every FHIR response.
const fhirJSON = "application/fhir+json"

// fhirQuestionnaire serves the rule set as an R4 Questionnaire; its id is
// fhir.QuestionnaireID of the rule set's name.
func (s *Server) fhirQuestionnaire(w http.ResponseWriter, r *http.Request, v *view) {
	want := fhir.QuestionnaireID(v.eng.RuleSet().Name)
	if id := r.PathValue("id"); id != want {
		writeOutcome(w, http.StatusNotFound, "not-found",
			fmt.Sprintf("There is no Questionnaire %s here; this service serves %s.", quote(id), quote(want)))
		return
	}
	if !s.formReady(w, r, v) {
		return
	}
	writeBody(w, http.StatusOK, fhirJSON, v.form.Questionnaire())
}

// fhirNextQuestion is SDC's $next-question: a QuestionnaireResponse (bare,
// or in a Parameters) in, the same response with its next item appended,
// or completed with the verdict, out.
func (s *Server) fhirNextQuestion(w http.ResponseWriter, r *http.Request, v *view) {
	if !s.formReady(w, r, v) {
		return
	}
	qr, err := readResponse(w, r)
	if err != nil {
		s.fhirFail(w, r, err)
		return
	}
	out, err := v.form.NextQuestion(r.Context(), qr)
	if err != nil {
		s.fhirFail(w, r, err)
		return
	}
	writeBody(w, http.StatusOK, fhirJSON, out)
}

// fhirTriage reads a QuestionnaireResponse and returns the verdict on its
// answers as a GuidanceResponse.
func (s *Server) fhirTriage(w http.ResponseWriter, r *http.Request, v *view) {
	if !s.formReady(w, r, v) {
		return
	}
	qr, err := readResponse(w, r)
	if err != nil {
		s.fhirFail(w, r, err)
		return
	}
	answers, err := v.form.Answers(qr)
	if err != nil {
		s.fhirFail(w, r, err)
		return
	}
	verdict, err := v.eng.Evaluate(r.Context(), answers)
	if err != nil {
		s.fhirFail(w, r, err)
		return
	}
	writeBody(w, http.StatusOK, fhirJSON, v.form.GuidanceResponse(verdict))
}

// fhirNotFound answers any other path under /fhir/.
func (s *Server) fhirNotFound(w http.ResponseWriter, r *http.Request) {
	writeOutcome(w, http.StatusNotFound, "not-found",
		"There is nothing at this path. The FHIR endpoints are GET /fhir/Questionnaire/{id}, POST /fhir/Questionnaire/$next-question and POST /fhir/QuestionnaireResponse/$triage.")
}

// formReady reports whether the rule set in service has a FHIR form, and
// answers 500 when it has not.
func (s *Server) formReady(w http.ResponseWriter, r *http.Request, v *view) bool {
	if v.form != nil {
		return true
	}
	s.log.Error("the rule set cannot be served as FHIR", "route", r.Pattern, "err", v.formErr)
	writeOutcome(w, http.StatusInternalServerError, "not-supported",
		"This rule set cannot be expressed as a FHIR Questionnaire, so the FHIR endpoints are unavailable; the JSON API still works. "+v.formErr.Error())
	return false
}

// readResponse reads the body of a FHIR POST as a QuestionnaireResponse.
func readResponse(w http.ResponseWriter, r *http.Request) (*fhir.QuestionnaireResponse, error) {
	body, err := readBody(w, r, fhirBody)
	if err != nil {
		return nil, err
	}
	return fhir.ParseResponse(body)
}

// fhirFail writes err as an OperationOutcome with a status that says
// whose fault it is. An error never comes with a verdict.
func (s *Server) fhirFail(w http.ResponseWriter, r *http.Request, err error) {
	var (
		reqErr   *requestError
		tooLarge *http.MaxBytesError
	)
	switch {
	case errors.As(err, &reqErr):
		code := "invalid"
		switch reqErr.status {
		case http.StatusUnsupportedMediaType:
			code = "not-supported"
		case http.StatusRequestTimeout:
			code = "timeout"
		}
		writeOutcome(w, reqErr.status, code, reqErr.msg)
	case errors.As(err, &tooLarge):
		writeOutcome(w, http.StatusRequestEntityTooLarge, "too-costly", fmt.Sprintf("The request body is larger than %d bytes.", tooLarge.Limit))
	case errors.Is(err, triage.ErrEvaluation):
		s.evaluationFailed(r, err)
		writeOutcome(w, http.StatusInternalServerError, "exception", "Evaluation failed; no verdict could be given.")
	case errors.As(err, new(triage.AnswerErrors)):
		// A body the fhir package refused, a response to another
		// questionnaire, or answers that do not fit it: the client's
		// fault. Each issue names its linkId, or its line and column.
		writeBody(w, http.StatusBadRequest, fhirJSON, fhir.NewOperationOutcome(err))
	case r.Context().Err() != nil:
		writeOutcome(w, http.StatusServiceUnavailable, "transient", "The request was cancelled.")
	default:
		// Anything else is the service's fault; its text stays in here.
		s.evaluationFailed(r, err)
		writeOutcome(w, http.StatusInternalServerError, "exception", "The request could not be processed; no verdict was given.")
	}
}

// writeOutcome writes an OperationOutcome with one error issue, msg in
// plain words.
func writeOutcome(w http.ResponseWriter, status int, code, msg string) {
	writeBody(w, status, fhirJSON, &fhir.OperationOutcome{
		ResourceType: "OperationOutcome",
		Issue:        []fhir.Issue{{Severity: "error", Code: code, Details: &fhir.CodeableConcept{Text: msg}}},
	})
}
