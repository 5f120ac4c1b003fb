package server

import (
	"errors"
	"net/http"
	"time"

	"github.com/redflagkit/redflag/triage"
)

// reloadState is what the Server knows about the latest edit to the rules.
type reloadState struct {
	err error     // why the latest edit did not load; nil when it did
	at  time.Time // when err was reported
}

// ReloadFailed records that an edit to the rules did not load, so that
// /readyz reports it until an edit loads, and logs it. The last good rule
// set stays in service. Pass it to reload.WithErrorHandler.
func (s *Server) ReloadFailed(err error) {
	s.mu.Lock()
	s.reload = reloadState{err: err, at: time.Now()}
	s.mu.Unlock()
	s.log.Error("the edited rules do not load; the last good rule set stays in service",
		"in_service", s.inService(), "problems", s.loadProblems(err, true))
}

// Reloaded records that an edit loaded and is in service, and logs it.
// Pass it to reload.WithReloadHandler.
func (s *Server) Reloaded(eng *triage.Engine) {
	s.mu.Lock()
	s.reload = reloadState{}
	s.mu.Unlock()
	s.log.Info("rules reloaded", "rule_set", eng.RuleSet().String(), "hash", eng.RuleSet().Hash)
}

// inService names the rule set in service, "" when there is none.
func (s *Server) inService() string {
	if eng := s.opts.Engine(); eng != nil {
		return eng.RuleSet().String()
	}
	return ""
}

// loadProblems lists the problems of a load error, one per entry, each
// with its position; within names each file as the operator can open it
// (for the log), and otherwise as it is named within the rule set (for
// /readyz, which should not show the server's paths).
func (s *Server) loadProblems(err error, within bool) []string {
	var list triage.ErrorList
	if !errors.As(err, &list) {
		return []string{err.Error()}
	}
	out := make([]string, len(list))
	for i, e := range list {
		c := *e
		if within {
			c.Pos.File = inDir(s.opts.RulesDir, c.Pos.File)
		}
		out[i] = c.Error()
	}
	return out
}

// healthResponse is the body of GET /healthz.
type healthResponse struct {
	Status string `json:"status"`
}

// healthz answers 200 while the process can serve HTTP at all: it is the
// liveness check. A broken edit to the rules does not make the process
// unhealthy (restarting it would not fix the files); /readyz reports it.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, healthResponse{Status: "alive"})
}

// readiness is the body of GET /readyz.
type readiness struct {
	// Status is "ready", "stale" (serving, but the latest edit to the
	// rules did not load) or "unavailable".
	Status string `json:"status"`
	// Message says the same in plain words.
	Message string `json:"message"`
	// RuleSet is the rule set in service.
	RuleSet *triage.RuleSetInfo `json:"rule_set,omitempty"`
	// ReloadErrors are why the latest edit did not load, each with its
	// position in the rule files; ReloadErrorAt is when it was found.
	ReloadErrors  []string   `json:"reload_errors,omitempty"`
	ReloadErrorAt *time.Time `json:"reload_error_at,omitempty"`
	// FHIR is why the rule set cannot be served as FHIR, when it cannot
	// (the JSON API and the form still work).
	FHIR string `json:"fhir_error,omitempty"`
}

// readyz is the readiness check: 200 while a rule set is in service, 503
// when none is. A broken edit keeps the last good rule set in service, so
// it is still 200, with status "stale" and the problem: taking every
// replica out of service because of an edit no one has fixed yet would
// leave people with no triage at all, while the rule set in service is one
// that loaded and passed every check.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	v := s.view()
	if v == nil {
		writeJSON(w, http.StatusServiceUnavailable, readiness{Status: "unavailable", Message: "No rule set is in service yet."})
		return
	}
	info := v.eng.RuleSet()
	resp := readiness{Status: "ready", Message: "Serving " + info.String() + ".", RuleSet: &info}
	s.mu.Lock()
	st := s.reload
	s.mu.Unlock()
	if st.err != nil {
		at := st.at.UTC()
		resp.Status = "stale"
		resp.Message = "The latest edit to the rules does not load, so the last good rule set, " + info.String() +
			", is still in service. Fix the problem below and save again."
		resp.ReloadErrors, resp.ReloadErrorAt = s.loadProblems(st.err, false), &at
	}
	if v.formErr != nil {
		resp.FHIR = v.formErr.Error()
	}
	writeJSON(w, http.StatusOK, resp)
}
