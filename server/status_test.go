package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

// TestFHIRFailStatus: a FHIR request fails with 400 only for what the
// client sent (a body that does not parse, answers that do not fit, a
// response to another questionnaire); any other failure is the service's,
// a 500 whose outcome does not repeat the error's text.
func TestFHIRFailStatus(t *testing.T) {
	t.Parallel()
	form := fhirForm(t)
	_, parseErr := fhir.ParseResponse([]byte(`{"resourceType": "Patient"}`))
	_, otherQ := form.Answers(&fhir.QuestionnaireResponse{Questionnaire: "https://other.test/Questionnaire/x|1", Status: "completed"})
	tests := []struct {
		name, reason string
		err          error
		status       int
	}{
		{name: "parse", reason: "a body that is not a QuestionnaireResponse", err: parseErr, status: http.StatusBadRequest},
		{name: "questionnaire", reason: "a response to another questionnaire", err: otherQ, status: http.StatusBadRequest},
		{name: "answers", reason: "an answer that does not fit", err: triage.AnswerErrors{{Question: "fever", Msg: "not a boolean"}}, status: http.StatusBadRequest},
		{name: "internal", reason: "anything else is not the client's fault", err: errors.New("internal detail 40173"), status: http.StatusInternalServerError},
		{name: "wrapped internal", reason: "however it is wrapped", err: fmt.Errorf("fhir: %w", errors.New("internal detail 40173")), status: http.StatusInternalServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.Error(t, tt.err, tt.reason)
			var logs bytes.Buffer
			s, err := New(Options{Engine: func() *triage.Engine { return nil }, BaseURL: testBase, Logger: testLogger(&logs)})
			require.NoError(t, err)
			w := httptest.NewRecorder()
			s.fhirFail(w, httptest.NewRequest("POST", "/fhir/QuestionnaireResponse/$triage", nil), tt.err)
			assert.Equal(t, tt.status, w.Code, tt.reason)
			var oo fhir.OperationOutcome
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &oo))
			require.NotEmpty(t, oo.Issue)
			if tt.status == http.StatusInternalServerError {
				assert.NotContains(t, w.Body.String(), "40173", "%s: the error's text stays inside", tt.reason)
				assert.Contains(t, logs.String(), `"problem":"internal_error"`, tt.reason)
				assert.NotContains(t, logs.String(), "40173", tt.reason)
			}
		})
	}
}

// fhirForm is the FHIR form of the embedded rule set, as the server
// builds it.
func fhirForm(t *testing.T) *fhir.Form {
	t.Helper()
	_, form := fhirFixture(t)
	return form
}
