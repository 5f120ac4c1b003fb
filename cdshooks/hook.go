package cdshooks

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"time"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

// maxBody bounds a hook call's body, in bytes. One prefetched
// QuestionnaireResponse of the default rule set takes a few kilobytes.
const maxBody = 1 << 20

// hook is the one hook the service answers.
const hook = "patient-view"

// discovery answers GET /cds-services.
func (s *Service) discovery(w http.ResponseWriter, r *http.Request) {
	if !s.authenticate(w, r, s.servicesURL) {
		return
	}
	f, ok := s.formOrFail(w)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, Discovery{Services: []ServiceInfo{s.info(f)}})
}

func (s *Service) info(f formView) ServiceInfo {
	rs := f.Engine().RuleSet()
	return ServiceInfo{
		Hook:  hook,
		Title: "Red-flag triage: " + rs.Title,
		Description: "Shows the triage of the patient's latest answers to the questionnaire " + f.Canonical() +
			" (rule set " + rs.Name + " " + rs.Version + "): whether a warning sign means they should see a professional, " +
			"whether answers are missing, or whether self-care is reasonable. It supports triage and is not a diagnosis.",
		ID:       s.id,
		Prefetch: map[string]string{prefetchKey: prefetchTemplate(f.Canonical())},
	}
}

// formOrFail returns the form in service, or answers why there is none:
// 503 while no rule set is loaded, 500 when the rule set in service cannot
// be expressed in FHIR (retrying will not help until it is changed).
func (s *Service) formOrFail(w http.ResponseWriter) (formView, bool) {
	f, err := s.form()
	switch {
	case f != nil:
		return f, true
	case err != nil:
		s.log.Error("cds hooks: the rule set in service has no FHIR form", "service", s.id, "err", err)
		writeError(w, http.StatusInternalServerError, "the rule set in service cannot be expressed as a FHIR Questionnaire, so this CDS service cannot read the patient's answers: "+err.Error())
	default:
		writeError(w, http.StatusServiceUnavailable, "no rule set is loaded yet")
	}
	return nil, false
}

// call answers POST /cds-services/{id}.
func (s *Service) call(w http.ResponseWriter, r *http.Request) {
	start := s.now()
	id := r.PathValue("id")
	if !s.authenticate(w, r, s.servicesURL+"/"+id) {
		return
	}
	if id != s.id {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no CDS service %q here; this server offers %q", id, s.id))
		return
	}
	f, ok := s.formOrFail(w)
	if !ok {
		return
	}
	req, err := decodeRequest(w, r)
	if err != nil {
		s.fail(w, "", err)
		return
	}
	resp, v, err := s.respond(r, f, req)
	if err != nil {
		s.fail(w, req.HookInstance, err)
		return
	}
	body, err := encode(resp)
	if err != nil { // a card that breaks the specification: never sent
		s.fail(w, req.HookInstance, &requestError{status: http.StatusInternalServerError, kind: "card", msg: "the card could not be built"})
		return
	}
	s.logCall(req.HookInstance, v, s.now().Sub(start))
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(body)
}

// respond triages the prefetched response; v is nil when there is none.
func (s *Service) respond(r *http.Request, f formView, req *Request) (*Response, *triage.Verdict, error) {
	raw, err := prefetched(req.Prefetch)
	if err != nil || raw == nil {
		return &Response{Cards: []Card{}}, nil, err
	}
	answers, err := readAnswers(f, s.parse, raw, patient{id: req.patientID, fhirServer: req.FHIRServer})
	if err != nil {
		return nil, nil, err
	}
	eng := f.Engine()
	v, err := eng.Evaluate(r.Context(), answers)
	var ae triage.AnswerErrors
	switch {
	case errors.As(err, &ae):
		return nil, nil, badRequest("invalid_answers", "the patient's answers cannot be triaged: %v", err)
	case err != nil:
		return nil, nil, &requestError{status: http.StatusInternalServerError, kind: "evaluation", msg: "the answers could not be evaluated; no verdict was made"}
	}
	return &Response{Cards: []Card{newCard(v, eng.Questions(), s.formURL)}}, v, nil
}

// fail answers with err's status and message, and logs only its kind.
func (s *Service) fail(w http.ResponseWriter, hookInstance string, err error) {
	var re *requestError
	if !errors.As(err, &re) {
		re = &requestError{status: http.StatusInternalServerError, kind: "internal", msg: "internal error"}
	}
	s.log.Warn("cds hook failed", "service", s.id, "hookInstance", loggable(hookInstance), "status", re.status, "problem", re.kind)
	writeError(w, re.status, re.msg)
}

// logCall records a hook call: ids, outcome and timing, never answers or
// patient ids.
func (s *Service) logCall(hookInstance string, v *triage.Verdict, d time.Duration) {
	attrs := []any{"service", s.id, "hookInstance", loggable(hookInstance), "seconds", d.Seconds()}
	if v == nil {
		s.log.Info("cds hook", append(attrs, "outcome", "no_response", "cards", 0)...)
		return
	}
	var refer, caution []string
	for _, r := range v.Reasons {
		if r.Action == triage.Refer {
			refer = append(refer, r.RuleID)
		} else {
			caution = append(caution, r.RuleID)
		}
	}
	s.log.Info("cds hook", append(attrs, "outcome", v.Outcome.String(), "cards", 1, "refer", refer, "caution", caution, "rule_set", v.RuleSet.String())...)
}

var uuidPattern = regexp.MustCompile(`^(urn:uuid:)?[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// loggable returns a hook instance fit for a log: a UUID, or a mark that
// it was not one (a client could put anything there).
func loggable(hookInstance string) string {
	if uuidPattern.MatchString(hookInstance) {
		return hookInstance
	}
	return "(not a UUID)"
}

// parseResponse reads a QuestionnaireResponse. Tests that stand in for the
// form (formView) stand in for it too.
var parseResponse = fhir.ParseResponse
