package server

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

// quotingRules has two rules whose CEL failure message quotes an answer:
// a map lookup fails with "no such key: <the choice given>", a list index
// with "index out of bounds: <the number given>".
const quotingRules = `name: quoting
version: 1.0.0
title: Quoting
sources: [{id: doc, title: Doc}]
questions:
  - {id: severity, text: Severity, type: choice, choices: [mild, moderate, severe]}
  - {id: days, text: Days, type: integer}
rules:
  - id: lookup
    title: Lookup
    when: 'severity == "severe" || {"mild": 1}[severity] > 0'
    action: refer
    advice: See someone.
    cite: {source: doc, section: S}
  - id: index
    title: Index
    when: '[1,2,3][days] > 0'
    action: refer
    advice: See someone.
    cite: {source: doc, section: S}
`

// TestEvaluationFailureLogsNoAnswer: a rule that fails at run time is
// logged with its rule id, its position and a fixed kind, on every route
// that evaluates, and never with CEL's message, which quotes the answer.
func TestEvaluationFailureLogsNoAnswer(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(quotingRules), 0o644))
	eng, err := triage.Load(os.DirFS(dir))
	require.NoError(t, err)
	form, err := fhir.New(eng, fhir.Options{BaseURL: testBase + "/fhir"})
	require.NoError(t, err)
	tests := []struct {
		name, reason string
		answers      triage.Answers
		answersJSON  string // answers as the JSON API reads them
		rule, line   string
		secret       string
	}{
		{name: "map key", reason: "CEL says no such key: moderate", answers: triage.Answers{"severity": "moderate"}, answersJSON: `{"severity": "moderate"}`, rule: "lookup", line: ":11:", secret: "moderate"},
		{name: "list index", reason: "CEL says index out of bounds: 40173", answers: triage.Answers{"days": 40173}, answersJSON: `{"days": 40173}`, rule: "index", line: ":17:", secret: "40173"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var logs bytes.Buffer
			srv := httptest.NewServer(newHandler(t, eng, dir, testLogger(&logs)))
			defer srv.Close()
			requests := []struct{ path, contentType, body string }{
				{"/triage", "application/json", tt.answersJSON},
				{"/next", "application/json", `{"answers": ` + tt.answersJSON + `}`},
				{"/fhir/QuestionnaireResponse/$triage", "application/fhir+json", responseJSON(t, form, tt.answers)},
				{"/fhir/Questionnaire/$next-question", "application/fhir+json", responseJSON(t, form, tt.answers)},
			}
			for _, req := range requests {
				res := callAs(t, srv, "POST", req.path, req.contentType, req.body, nil)
				assert.Equal(t, http.StatusInternalServerError, res.StatusCode, "%s: %s", tt.reason, req.path)
			}
			srv.Close() // waits for the handlers, so reading the log is not a race
			out := logs.String()
			assert.NotContains(t, out, tt.secret, "%s: no answer value in the log", tt.reason)
			assert.Contains(t, out, `"problem":"evaluation_failed"`, tt.reason)
			assert.Contains(t, out, `"rule":"`+tt.rule+`"`, tt.reason)
			assert.Contains(t, out, filepath.Join(dir, "r.yaml")+tt.line, "%s: the rule's position, in its directory", tt.reason)
		})
	}
}
