package cdshooks

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

func TestPrefetch(t *testing.T) {
	const other = "https://elsewhere.example.org/Questionnaire/phq9|2.0"
	tests := []struct {
		name, reason string
		prefetch     any // nil: no prefetch key
		raw          string
		cards        int    // on 200
		status       int    // 200 unless an error
		msg          string // in the error
	}{
		{"bundle with one QR", "the template's answer: a searchset with the latest response", bundle(bareQR(canonical)), "", 1, 200, ""},
		{"bare QR", "some clients send the resource itself", bareQR(canonical), "", 1, 200, ""},
		{"bundle with an OperationOutcome beside the QR", "search messages are not results", bundle(bareQR(canonical), map[string]any{"resourceType": "OperationOutcome"}), "", 1, 200, ""},
		{"empty bundle", "no response yet: no decision support", bundle(), "", 0, 200, ""},
		{"absent prefetch", "the client did not prefetch: no cards, and no FHIR call", nil, "", 0, 200, ""},
		{"null prefetch", "the specification's way of saying there is no data", nil, "null", 0, 200, ""},
		{"broken QR", "an unreadable response is an error, never self-care", nil, `{"resourceType":"QuestionnaireResponse","questionnaire":`, 0, 400, "not a CDS Hooks call"},
		{"QR that is not JSON of a QR", "a resource of the wrong shape", map[string]any{"resourceType": "QuestionnaireResponse", "questionnaire": 7}, "", 0, 400, "cannot be read"},
		{"QR for another questionnaire", "answers to another form must not be triaged as ours", bundle(bareQR(other)), "", 0, 400, other},
		{"two QRs", "the template asks for the latest only", bundle(bareQR(canonical), bareQR(canonical)), "", 0, 400, "holds 2 QuestionnaireResponses"},
		{"a Patient", "not what was asked for", map[string]any{"resourceType": "Patient"}, "", 0, 400, `is a "Patient"`},
		{"QR about another patient", "another patient's answers must never make a card in this chart", bundle(withSubject(bareQR(canonical), "Patient/someone-else")), "", 0, 400, `about "Patient/someone-else"`},
		{"QR with no subject", "answers that could be anyone's are not triaged for this patient", bundle(withSubject(bareQR(canonical), "")), "", 0, 400, "no subject"},
		{"QR whose subject is another server's patient", "the same id on another FHIR server is another person", bundle(withSubject(bareQR(canonical), "https://other.example.org/fhir/Patient/"+patientID)), "", 0, 400, "not the patient in view"},
		{"QR whose subject is absolute on the client's server", "an absolute reference to the patient in view is the same patient", bundle(withSubject(bareQR(canonical), "https://ehr.example.org/fhir/Patient/"+patientID)), "", 1, 200, ""},
		{"transaction bundle", "the template is a search: only a searchset answers it", map[string]any{"resourceType": "Bundle", "type": "transaction", "entry": []any{map[string]any{"resource": bareQR(canonical)}}}, "", 0, 400, "want searchset"},
		{"bundle without type", "Bundle.type is required", map[string]any{"resourceType": "Bundle", "entry": []any{map[string]any{"resource": bareQR(canonical)}}}, "", 0, 400, "no type"},
		{"included resource", "search.mode include is not a result of the search", map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": []any{map[string]any{"resource": bareQR(canonical), "search": map[string]any{"mode": "include"}}}}, "", 0, 200, ""},
		{"entry without search", "search.mode absent counts as a match", map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": []any{map[string]any{"resource": bareQR(canonical)}}}, "", 1, 200, ""},
		{"unknown search mode", "R4's modes are match, include and outcome", map[string]any{"resourceType": "Bundle", "type": "searchset", "entry": []any{map[string]any{"resource": bareQR(canonical), "search": map[string]any{"mode": "maybe"}}}}, "", 0, 400, "search.mode must be"},
		{"entry key in the wrong case", "ENTRY beside an empty entry must not hide a response", nil, `{"resourceType":"Bundle","type":"searchset","entry":[],"ENTRY":[{"resource":{"resourceType":"QuestionnaireResponse"}}]}`, 0, 400, `"ENTRY" is not a key of the Bundle`},
		{"duplicate key in the bundle", "the later entry list would silently win", nil, `{"resourceType":"Bundle","type":"searchset","entry":[],"entry":[]}`, 0, 400, `"entry" appears twice`},
		{"a Patient in the bundle", "not what was asked for", bundle(map[string]any{"resourceType": "Patient"}), "", 0, 400, `entry[0] is a "Patient"`},
	}
	eng := loadEngine(t)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := testService(t, &fakeForm{eng: eng, canonical: canonical, answers: triage.Answers{"fever": true}}, nil)
			body := hookBody(t, tt.prefetch)
			if tt.raw != "" {
				body = []byte(strings.Replace(string(hookBody(t, "PLACEHOLDER")), `"PLACEHOLDER"`, tt.raw, 1))
			}
			w := post(t, s, body)
			require.Equal(t, tt.status, w.Code, "%s: %s", tt.reason, w.Body)
			if tt.status != 200 {
				msg := errorOf(t, w)
				assert.Contains(t, msg, tt.msg, tt.reason)
				if tt.name == "QR for another questionnaire" {
					assert.Contains(t, msg, canonical, "the error names both questionnaires")
				}
				return
			}
			var resp Response
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp))
			assert.Len(t, resp.Cards, tt.cards, tt.reason)
			assert.Contains(t, w.Body.String(), `"cards":[`, "cards is an array, never null")
		})
	}
}

// Answers the form cannot read, or the engine refuses, are an error naming
// the problem, never a card.
func TestUnreadableAnswers(t *testing.T) {
	eng := loadEngine(t)
	readErr := triage.AnswerErrors{{Question: "pain_days", Msg: "linkId pain_days: valueString is not an integer"}}
	tests := []struct {
		name, reason string
		form         *fakeForm
		msg          string
	}{
		{"form refuses", "Answers fails: the response cannot be read", &fakeForm{eng: eng, canonical: canonical, err: readErr}, "linkId pain_days"},
		{"engine refuses", "an answer out of range", &fakeForm{eng: eng, canonical: canonical, answers: triage.Answers{"pain_days": -5}}, "cannot be triaged"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := testService(t, tt.form, nil)
			w := post(t, s, hookBody(t, bareQR(canonical)))
			require.Equal(t, 400, w.Code, tt.reason)
			assert.Contains(t, errorOf(t, w), tt.msg, tt.reason)
			assert.NotContains(t, w.Body.String(), "cards", "an error is never a card")
		})
	}
}

func TestBadRequests(t *testing.T) {
	eng := loadEngine(t)
	s, _ := testService(t, &fakeForm{eng: eng, canonical: canonical}, nil)
	valid := string(hookBody(t, nil))
	tests := []struct {
		name, reason string
		body         string
		status       int
		msg          string
	}{
		{"another hook", "only patient-view is offered", strings.Replace(valid, "patient-view", "order-sign", 1), 400, "not \"order-sign\""},
		{"no hookInstance", "required by the specification", without(t, valid, "hookInstance"), 400, "hookInstance"},
		{"no patientId", "patient-view's context names the patient", strings.Replace(valid, `"patientId":"`+patientID+`"`, `"patientId":""`, 1), 400, "patientId"},
		{"not JSON", "a clear error, not a card", "{", 400, "not a CDS Hooks call"},
		{"data after the object", "one object only", valid + "{}", 400, "more after the JSON value"},
		{"duplicate key", "with two prefetch keys the last would silently win", strings.Replace(valid, `{"context"`, `{"prefetch":{"questionnaireResponse":null},"prefetch":null,"context"`, 1), 400, `"prefetch" appears twice`},
		{"key in the wrong case", "keys are case-sensitive; HOOK is not hook", strings.Replace(valid, `"hook":`, `"HOOK":`, 1), 400, `"HOOK" is not a key of the request`},
		{"unknown key", "a key the service does not know could carry data it would drop", strings.Replace(valid, `{"context"`, `{"prefetchh":{},"context"`, 1), 400, `"prefetchh" is not a key`},
		{"hookInstance not a UUID", "the specification makes it a UUID", strings.Replace(valid, "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", "not-a-uuid", 1), 400, "hookInstance must be a UUID"},
		{"no userId", "patient-view's context requires userId", strings.Replace(valid, `,"userId":"Practitioner/example"`, ``, 1), 400, "context.userId is required"},
		{"unknown context key", "patient-view's context has userId, patientId and encounterId", strings.Replace(valid, `"userId":`, `"PatientId":"x","userId":`, 1), 400, `"PatientId" is not a key of context`},
		{"unknown prefetch key", "only the prefetch the service asked for", strings.Replace(valid, `{"context"`, `{"prefetch":{"QuestionnaireResponse":null},"context"`, 1), 400, `"QuestionnaireResponse" is not a key of prefetch`},
		{"hook not a string", "each key has its kind", strings.Replace(valid, `"hook":"patient-view"`, `"hook":["patient-view"]`, 1), 400, "hook must be a string"},
		{"too large", "bounded body", `{"hook":"` + strings.Repeat("x", maxBody) + `"}`, 413, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := post(t, s, []byte(tt.body))
			require.Equal(t, tt.status, w.Code, "%s: %s", tt.reason, w.Body)
			assert.Contains(t, errorOf(t, w), tt.msg, tt.reason)
		})
	}
}

func TestRoutes(t *testing.T) {
	s, _ := testService(t, &fakeForm{eng: loadEngine(t), canonical: canonical}, nil)
	c := claims(newUUID())
	c.Audience = jwt.Audience{servicesURL + "/other"}
	w := postWithPath(t, s, "/cds-services/other", "Bearer "+sign(t, jose.ES384, clientKeys(t).es, "es", c))
	assert.Equal(t, 404, w.Code, "an unknown service id, with a token for it")
	assert.Contains(t, errorOf(t, w), DefaultID)

	r := httptest.NewRequest(http.MethodDelete, "/cds-services", nil)
	w = httptest.NewRecorder()
	s.ServeHTTP(w, r)
	assert.Equal(t, 405, w.Code)
	assert.Equal(t, "GET", w.Header().Get("Allow"))
	errorOf(t, w)

	none, _ := testService(t, nil, nil)
	w = post(t, none, hookBody(t, nil))
	assert.Equal(t, 503, w.Code, "no rule set loaded (the Form func returns nil)")
	assert.Contains(t, errorOf(t, w), "no rule set")

	// A rule set is loaded but has no FHIR form: say so, not "no rule set".
	noForm, _ := testService(t, nil, func(o *Options) {
		o.Form = func() (*fhir.Form, error) {
			return nil, errors.New("r.yaml:7:5: more: the ask_if cannot be exported to FHIR")
		}
	})
	w = post(t, noForm, hookBody(t, nil))
	assert.Equal(t, 500, w.Code, "retrying will not help until the rule set changes")
	msg := errorOf(t, w)
	assert.Contains(t, msg, "cannot be expressed as a FHIR Questionnaire")
	assert.Contains(t, msg, "r.yaml:7:5", "the operator learns where")
	assert.NotContains(t, msg, "no rule set")
	r = httptest.NewRequest(http.MethodGet, "/cds-services", nil)
	r.Header.Set("Authorization", "Bearer "+sign(t, jose.ES384, clientKeys(t).es, "es", withAud(claims(newUUID()), servicesURL)))
	w = httptest.NewRecorder()
	noForm.ServeHTTP(w, r)
	assert.Equal(t, 500, w.Code, "discovery says the same")
	assert.Contains(t, errorOf(t, w), "cannot be expressed")
}

func withAud(c jwt.Claims, aud string) jwt.Claims {
	c.Audience = jwt.Audience{aud}
	return c
}

func postWithPath(t *testing.T, s http.Handler, path, auth string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, path, strings.NewReader(string(hookBody(t, nil))))
	r.Header.Set("Authorization", auth)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

func TestDiscoveryGolden(t *testing.T) {
	s, _ := testService(t, &fakeForm{eng: loadEngine(t), canonical: canonical}, func(o *Options) { o.Insecure = true })
	r := httptest.NewRequest(http.MethodGet, "/cds-services", nil)
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	require.Equal(t, 200, w.Code, "%s", w.Body)
	var d Discovery
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &d))
	require.Len(t, d.Services, 1)
	assert.Equal(t, "QuestionnaireResponse?subject=Patient/{{context.patientId}}&questionnaire=https://cds.example.org/fhir/Questionnaire/clinic%7C1.0.0&_sort=-authored&_count=1",
		d.Services[0].Prefetch[prefetchKey], "the latest response to this questionnaire, by the patient in context")
	golden(t, "discovery.json", indentJSON(t, w.Body.Bytes()))
}

// The log says what happened without a single answer or patient id.
func TestLogsCarryNoHealthData(t *testing.T) {
	eng := loadEngine(t)
	answers := triage.Answers{"fever": true, "numb": []string{"fingers", "arms"}, "pain_days": 31337, "pops": true, "pops_per_day": 4242}
	s, logs := testService(t, &fakeForm{eng: eng, canonical: canonical, answers: answers}, nil)
	w := post(t, s, hookBody(t, bareQR(canonical)))
	require.Equal(t, 200, w.Code, "%s", w.Body)
	// and a failure whose message quotes an answer
	bad := &fakeForm{eng: eng, canonical: canonical, answers: triage.Answers{"pain_days": -31337}}
	s.form = func() (formView, error) { return bad, nil }
	w = post(t, s, hookBody(t, bareQR(canonical)))
	require.Equal(t, 400, w.Code)
	require.Contains(t, errorOf(t, w), "-31337", "the client is told which answer")

	log := logs.String()
	for _, secret := range []string{"31337", "4242", "fingers", "Fingers", "arms", patientID, "fever (over", "Practitioner/example", "ehr.example.org/fhir"} {
		assert.NotContains(t, log, secret, "the log must not carry %q", secret)
	}
	assert.Contains(t, log, `"outcome":"see_professional"`)
	assert.Contains(t, log, `"refer":["fever","numbness","long_pain"]`, "fired rule ids")
	assert.Contains(t, log, `"hookInstance":"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"`)
	assert.Contains(t, log, `"problem":"invalid_answers"`, "a failure is logged by kind")
	assert.Contains(t, log, `"seconds":`)
}

func TestLoggableHookInstance(t *testing.T) {
	assert.Equal(t, "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", loggable("d1577c69-dfbe-44ad-ba6d-3e05e953b2ea"))
	assert.Equal(t, "(not a UUID)", loggable("Jane Doe, DOB 1970-01-01"), "a client could put anything there")
}

// without returns the JSON object body without its key.
func without(t *testing.T, body, key string) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal([]byte(body), &m))
	delete(m, key)
	data, err := json.Marshal(m)
	require.NoError(t, err)
	return string(data)
}
