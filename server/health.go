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
		"in_service", s.inService(), "err", s.locatedLoadError(err))
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

// locatedLoadError renders a load error with every position naming its
// file as the operator can open it.
func (s *Server) locatedLoadError(err error) string {
	var list triage.ErrorList
	if !errors.As(err, &list) {
		return err.Error()
	}
	named := make(triage.ErrorList, len(list))
	for i, e := range list {
		c := *e
		c.Pos.File = inDir(s.opts.RulesDir, c.Pos.File)
		named[i] = &c
	}
	return named.Error()
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
	// ReloadError is why the latest edit did not load, with positions in
	// the rule files; ReloadErrorAt is when it was found.
	ReloadError   string     `json:"reload_error,omitempty"`
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
		resp.ReloadError, resp.ReloadErrorAt = st.err.Error(), &at
	}
	if v.formErr != nil {
		resp.FHIR = v.formErr.Error()
	}
	writeJSON(w, http.StatusOK, resp)
}
