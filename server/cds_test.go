package server

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/cdshooks"
	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// TestCDSHooks mounts CDS Hooks (in development mode, without tokens; the
// end-to-end test of redflag serve signs real ones) and checks what the
// Server fills in: the form in service, its canonical in the prefetch
// template, and the link back to the browser form.
func TestCDSHooks(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	form, err := fhir.New(eng, fhir.Options{BaseURL: testBase + "/fhir"})
	require.NoError(t, err)
	s, err := New(Options{Engine: func() *triage.Engine { return eng }, BaseURL: testBase, Logger: slog.New(slog.DiscardHandler),
		CDSHooks: &cdshooks.Options{Insecure: true}})
	require.NoError(t, err)
	h := s.Handler()

	var disc cdshooks.Discovery
	rec := get(t, h, "/cds-services", &disc)
	require.Equal(t, http.StatusOK, rec.Code)
	require.Len(t, disc.Services, 1)
	assert.Equal(t, cdshooks.DefaultID, disc.Services[0].ID)
	for _, tmpl := range disc.Services[0].Prefetch {
		assert.Contains(t, tmpl, "questionnaire="+strings.Replace(form.Canonical(), "|", "%7C", 1), "the prefetch asks for responses to the form in service")
	}

	qr, err := form.Response(triage.Answers{})
	require.NoError(t, err)
	qr.Subject = &fhir.Reference{Reference: "Patient/p-1"}
	body, err := json.Marshal(map[string]any{
		"hook": "patient-view", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
		"context":  map[string]any{"userId": "Practitioner/1", "patientId": "p-1"},
		"prefetch": map[string]any{"questionnaireResponse": qr},
	})
	require.NoError(t, err)
	req := httptest.NewRequest("POST", "/cds-services/"+cdshooks.DefaultID, bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var resp cdshooks.Response
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &resp))
	require.Len(t, resp.Cards, 1)
	assert.Equal(t, "info", resp.Cards[0].Indicator, "nothing answered: incomplete")
	require.NotEmpty(t, resp.Cards[0].Links)
	assert.Equal(t, testBase+"/", resp.Cards[0].Links[0].URL, "the card links back to the form")
}

// TestCDSHooksNeedsTrust: CDS Hooks without a trusted issuer (and not in
// development mode) is refused at New, not left open.
func TestCDSHooksNeedsTrust(t *testing.T) {
	t.Parallel()
	s, err := New(Options{Engine: func() *triage.Engine { return nil }, BaseURL: testBase, CDSHooks: &cdshooks.Options{}})
	require.Error(t, err)
	assert.Nil(t, s)
	assert.Contains(t, err.Error(), "CDS Hooks")
}

// TestCDSHooksNoFHIRForm: when the rule set in service has an ask_if that
// R4 cannot express, CDS Hooks says so (500, naming the ask_if), rather
// than claiming that no rule set is loaded.
func TestCDSHooksNoFHIRForm(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(fstest.MapFS{"r.yaml": {Data: []byte(unexportable)}})
	require.NoError(t, err)
	s, err := New(Options{Engine: func() *triage.Engine { return eng }, BaseURL: testBase, Logger: slog.New(slog.DiscardHandler),
		CDSHooks: &cdshooks.Options{Insecure: true}})
	require.NoError(t, err)
	for _, r := range []*http.Request{
		httptest.NewRequest("GET", "/cds-services", nil),
		httptest.NewRequest("POST", "/cds-services/"+cdshooks.DefaultID, strings.NewReader(`{}`)),
	} {
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, r)
		assert.Equal(t, http.StatusInternalServerError, rec.Code, r.Method)
		assert.Contains(t, rec.Body.String(), "cannot be expressed as a FHIR Questionnaire", r.Method)
		assert.Contains(t, rec.Body.String(), "r.yaml:7:", "the ask_if is named at its place")
		assert.NotContains(t, rec.Body.String(), "no rule set", r.Method)
	}
}
