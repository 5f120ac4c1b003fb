package cdshooks

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

// realService serves the test rule set through a real *fhir.Form.
func realService(t *testing.T) (*Service, *fhir.Form, *syncBuffer) {
	t.Helper()
	form, err := fhir.New(loadEngine(t), fhir.Options{BaseURL: "https://cds.example.org/fhir"})
	require.NoError(t, err)
	s, logs := testService(t, nil, func(o *Options) { o.Form = func() (*fhir.Form, error) { return form, nil } })
	return s, form, logs
}

// qrJSON is answers written as a QuestionnaireResponse by the form itself,
// about the patient in view.
func qrJSON(t *testing.T, form *fhir.Form, a triage.Answers) map[string]any {
	t.Helper()
	qr, err := form.Response(a)
	require.NoError(t, err)
	data, err := json.Marshal(qr)
	require.NoError(t, err)
	var m map[string]any
	require.NoError(t, json.Unmarshal(data, &m))
	return withSubject(m, "Patient/"+patientID)
}

// Each outcome, end to end: answers written as an R4 QuestionnaireResponse,
// prefetched in a searchset Bundle, read back by package fhir, triaged and
// returned as the card the golden file holds.
func TestEndToEnd(t *testing.T) {
	s, form, _ := realService(t)
	require.Equal(t, canonical, form.Canonical(), "the fakes use the real canonical")
	for _, tt := range outcomeAnswers {
		t.Run(tt.name, func(t *testing.T) {
			w := post(t, s, hookBody(t, bundle(qrJSON(t, form, tt.answers))))
			require.Equal(t, 200, w.Code, "%s", w.Body)
			var resp Response
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp))
			require.Len(t, resp.Cards, 1)
			c := resp.Cards[0]
			assert.Equal(t, tt.indicator, c.Indicator, tt.reason)
			var want Response
			data := []byte(mustRead(t, "testdata/card-"+tt.name+".json"))
			require.NoError(t, json.Unmarshal(data, &want))
			want.Cards[0].UUID = c.UUID
			assert.Equal(t, want, resp, "the same card as with the fake form")
		})
	}
}

func TestEndToEndRefusals(t *testing.T) {
	s, form, logs := realService(t)
	good := qrJSON(t, form, triage.Answers{"fever": true, "pain_days": 31337})
	tests := []struct {
		name, reason string
		change       func(map[string]any)
		msg          string
	}{
		{"entered in error", "a response withdrawn by its author is not triaged", func(m map[string]any) { m["status"] = "entered-in-error" }, "entered-in-error"},
		{"another version", "a response to version 0.9.0 of the form", func(m map[string]any) { m["questionnaire"] = form.URL() + "|0.9.0" }, form.URL() + "|0.9.0"},
		{"an integer for a boolean", "the fever answer is not a boolean", func(m map[string]any) {
			items := m["item"].([]any)
			items[0].(map[string]any)["answer"] = []any{map[string]any{"valueInteger": 1}}
		}, "fever"},
		{"a string answer", "redflag reads no valueString", func(m map[string]any) {
			items := m["item"].([]any)
			items[0].(map[string]any)["answer"] = []any{map[string]any{"valueString": "yes"}}
		}, "valueString"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qr := map[string]any{}
			data, err := json.Marshal(good)
			require.NoError(t, err)
			require.NoError(t, json.Unmarshal(data, &qr))
			tt.change(qr)
			w := post(t, s, hookBody(t, bundle(qr)))
			require.Equal(t, 400, w.Code, "%s: %s", tt.reason, w.Body)
			assert.Contains(t, errorOf(t, w), tt.msg, tt.reason)
		})
	}
	assert.NotContains(t, logs.String(), "31337", "no answer in the log")
	assert.NotContains(t, logs.String(), patientID)
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	return string(data)
}

// TestAdaptiveResponse: a response completed through $next-question names
// its contained Questionnaire ("#questionnaire"), derived from the form; a
// client that prefetches it gets the same card as for the plain response.
// One whose contained Questionnaire comes from another form is refused.
func TestAdaptiveResponse(t *testing.T) {
	s, form, _ := realService(t)
	a := triage.Answers{"fever": false, "numb": []string{}, "pain_days": 3, "pops": false}
	qr, err := form.Response(a)
	require.NoError(t, err)
	qr.Subject = &fhir.Reference{Reference: "Patient/" + patientID}
	done, err := form.NextQuestion(t.Context(), qr)
	require.NoError(t, err)
	require.Equal(t, "completed", done.Status)
	require.Equal(t, "#questionnaire", done.Questionnaire)

	var m map[string]any
	data, err := json.Marshal(done)
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(data, &m))
	w := post(t, s, hookBody(t, bundle(m)))
	require.Equal(t, 200, w.Code, "%s", w.Body)
	var adaptive, plain Response
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &adaptive))
	w = post(t, s, hookBody(t, bundle(qrJSON(t, form, a))))
	require.Equal(t, 200, w.Code, "%s", w.Body)
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &plain))
	require.Len(t, adaptive.Cards, 1)
	require.Len(t, plain.Cards, 1)
	assert.Equal(t, plain.Cards[0].Summary, adaptive.Cards[0].Summary)
	assert.Equal(t, plain.Cards[0].Indicator, adaptive.Cards[0].Indicator)

	m["contained"].([]any)[0].(map[string]any)["derivedFrom"] = []any{"https://elsewhere.example.org/Questionnaire/x|1"}
	w = post(t, s, hookBody(t, bundle(m)))
	require.Equal(t, 400, w.Code, "a contained Questionnaire of another form is another form")
	assert.Contains(t, errorOf(t, w), "not derived from this form")
}
