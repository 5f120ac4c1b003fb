package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

const (
	testBase     = "http://redflag.test"
	questionnURL = testBase + "/fhir/Questionnaire/upper-back-self-adjustment"
)

// fhirFixture serves the embedded rule set and returns the FHIR form the
// server builds for it, to write requests with.
func fhirFixture(t *testing.T) (*httptest.Server, *fhir.Form) {
	t.Helper()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	form, err := fhir.New(eng, fhir.Options{BaseURL: testBase + "/fhir"})
	require.NoError(t, err)
	return newTestServerFor(t, eng), form
}

func newTestServerFor(t *testing.T, eng *triage.Engine) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(newHandler(t, eng, "", nil))
	t.Cleanup(srv.Close)
	return srv
}

// responseJSON is answers as a QuestionnaireResponse to form, in JSON.
func responseJSON(t *testing.T, form *fhir.Form, a triage.Answers) string {
	t.Helper()
	qr, err := form.Response(a)
	require.NoError(t, err)
	data, err := json.Marshal(qr)
	require.NoError(t, err)
	return string(data)
}

// outcomeOf decodes an OperationOutcome and returns the text of its issues.
func outcomeOf(t *testing.T, raw map[string]json.RawMessage) string {
	t.Helper()
	data, err := json.Marshal(raw)
	require.NoError(t, err)
	var oo fhir.OperationOutcome
	require.NoError(t, json.Unmarshal(data, &oo))
	require.Equal(t, "OperationOutcome", oo.ResourceType)
	require.NotEmpty(t, oo.Issue)
	var b strings.Builder
	for _, is := range oo.Issue {
		assert.Equal(t, "error", is.Severity)
		if is.Details != nil {
			b.WriteString(is.Details.Text + " ")
		}
		b.WriteString(is.Diagnostics + " " + strings.Join(is.Expression, " ") + "\n")
	}
	return b.String()
}

func TestFHIRQuestionnaire(t *testing.T) {
	t.Parallel()
	srv, _ := fhirFixture(t)
	var q fhir.Questionnaire
	res := callAs(t, srv, "GET", "/fhir/Questionnaire/upper-back-self-adjustment", "", "", &q)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "application/fhir+json", res.Header.Get("Content-Type"))
	assert.Equal(t, "Questionnaire", q.ResourceType)
	assert.Equal(t, questionnURL, q.URL, "the canonical url is where the Questionnaire is served")
	assert.Equal(t, "1.1.0", q.Version)

	tests := []struct {
		name, reason, path, want string
	}{
		{name: "other id", reason: "the id is the rule set's name", path: "/fhir/Questionnaire/other", want: `There is no Questionnaire "other" here`},
		{name: "other type", reason: "nothing else is served under /fhir", path: "/fhir/Patient/1", want: "nothing at this path"},
		{name: "operation as id", reason: "an operation is POSTed", path: "/fhir/Questionnaire/$next-question", want: "no Questionnaire"},
	}
	for _, tt := range tests {
		var raw map[string]json.RawMessage
		res := callAs(t, srv, "GET", tt.path, "", "", &raw)
		require.Equal(t, http.StatusNotFound, res.StatusCode, tt.reason)
		assert.Equal(t, "application/fhir+json", res.Header.Get("Content-Type"), tt.name)
		assert.Contains(t, outcomeOf(t, raw), tt.want, tt.reason)
	}
}

func TestFHIRTriage(t *testing.T) {
	t.Parallel()
	srv, form := fhirFixture(t)
	tests := []struct {
		name    string
		reason  string
		answers triage.Answers
		status  string
		outcome string
	}{
		{name: "red flag", reason: "a firing referral: the guidance is given", answers: triage.Answers{"fever": true}, status: "success", outcome: "see_professional"},
		{name: "incomplete", reason: "nothing answered: data-required, never success", answers: triage.Answers{}, status: "data-required", outcome: "incomplete"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var g fhir.GuidanceResponse
			res := callAs(t, srv, "POST", "/fhir/QuestionnaireResponse/$triage", "application/fhir+json", responseJSON(t, form, tt.answers), &g)
			require.Equal(t, http.StatusOK, res.StatusCode, tt.reason)
			assert.Equal(t, "application/fhir+json", res.Header.Get("Content-Type"))
			assert.Equal(t, "GuidanceResponse", g.ResourceType)
			assert.Equal(t, tt.status, g.Status, tt.reason)
			assert.Equal(t, tt.outcome, outcomeCode(&g), tt.reason)
			assert.Equal(t, questionnURL+"|1.1.0", g.ModuleCanonical)
			assert.NotEmpty(t, g.OccurrenceDateTime, "the service dates its guidance")
			var notes []string
			for _, n := range g.Note {
				notes = append(notes, n.Text)
			}
			assert.Contains(t, notes, triage.Disclaimer, "every verdict carries the reminder")
		})
	}
}

// TestFHIRErrors: every refusal is an OperationOutcome with the right
// status, never a GuidanceResponse.
func TestFHIRErrors(t *testing.T) {
	t.Parallel()
	srv, form := fhirFixture(t)
	good := responseJSON(t, form, triage.Answers{"fever": true})
	badAnswer := strings.Replace(responseJSON(t, form, triage.Answers{"pain_days": 3}), `"valueInteger":3`, `"valueInteger":-3`, 1)
	require.Contains(t, badAnswer, "-3")
	tests := []struct {
		name, reason, path, contentType, body string
		status                                int
		want                                  string
	}{
		{name: "fhir+json", reason: "FHIR's own media type", path: "$triage", contentType: "application/fhir+json", body: good, status: 200},
		{name: "json", reason: "plain JSON is accepted too", path: "$triage", contentType: "application/json; charset=utf-8", body: good, status: 200},
		{name: "no content type", reason: "a body must say what it is", path: "$triage", body: good, status: 415, want: "it had none"},
		{name: "text/plain", reason: "the cross-site simple POST", path: "$triage", contentType: "text/plain", body: good, status: 415, want: "application/fhir+json"},
		{name: "xml", reason: "FHIR XML is not read", path: "$triage", contentType: "application/fhir+xml", body: good, status: 415, want: "FHIR JSON"},
		{name: "latin-1", reason: "JSON is UTF-8", path: "$next-question", contentType: "application/fhir+json; charset=iso-8859-1", body: good, status: 415, want: "UTF-8"},
		{name: "too large", reason: "bodies are bounded", path: "$triage", contentType: "application/fhir+json", body: good + strings.Repeat(" ", maxFHIRBody), status: 413, want: "larger than 1048576 bytes"},
		{name: "not JSON", reason: "a body that does not parse", path: "$triage", contentType: "application/fhir+json", body: `{"resourceType": `, status: 400, want: "line 1"},
		{name: "wrong resource", reason: "a Patient is not a response", path: "$triage", contentType: "application/fhir+json", body: `{"resourceType": "Patient"}`, status: 400, want: "Patient"},
		{name: "bad answer", reason: "an answer out of range names its linkId", path: "$triage", contentType: "application/fhir+json", body: badAnswer, status: 400, want: "pain_days"},
		{name: "other questionnaire", reason: "a response to another form is refused", path: "$next-question", contentType: "application/fhir+json",
			body: `{"resourceType": "QuestionnaireResponse", "status": "in-progress", "questionnaire": "http://other.test/Questionnaire/x|1"}`, status: 400, want: "http://other.test/Questionnaire/x|1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := "/fhir/QuestionnaireResponse/$triage"
			if tt.path == "$next-question" {
				path = "/fhir/Questionnaire/$next-question"
			}
			var raw map[string]json.RawMessage
			res := callAs(t, srv, "POST", path, tt.contentType, tt.body, &raw)
			require.Equal(t, tt.status, res.StatusCode, "%s: %s", tt.reason, raw)
			assert.Equal(t, "application/fhir+json", res.Header.Get("Content-Type"))
			if tt.status == 200 {
				return
			}
			assert.Contains(t, outcomeOf(t, raw), tt.want, tt.reason)
		})
	}
}

// TestFHIRNextQuestionWalk answers each item $next-question asks, as a
// form would, until the response comes back completed with its verdict.
func TestFHIRNextQuestionWalk(t *testing.T) {
	t.Parallel()
	srv, form := fhirFixture(t)
	qr := &fhir.QuestionnaireResponse{ResourceType: "QuestionnaireResponse", Questionnaire: form.Canonical(), Status: "in-progress"}
	asked := 0
	for ; asked < 40 && qr.Status != "completed"; asked++ {
		body, err := json.Marshal(qr)
		require.NoError(t, err)
		var out fhir.QuestionnaireResponse
		res := callAs(t, srv, "POST", "/fhir/Questionnaire/$next-question", "application/fhir+json", string(body), &out)
		require.Equal(t, http.StatusOK, res.StatusCode)
		assert.Equal(t, "application/fhir+json", res.Header.Get("Content-Type"))
		qr = &out
		if item, ok := nextItem(qr); ok {
			qr.Item = append(qr.Item, fhir.AnswerItem{LinkID: item.LinkID, Answer: []fhir.Answer{noRedFlag(t, item)}})
		}
	}
	require.Equal(t, "completed", qr.Status, "the walk ends")
	assert.Greater(t, asked, 15, "every question the verdict needs is asked, one at a time, the optional ones after")
	var verdict *fhir.GuidanceResponse
	for _, r := range qr.Contained {
		if r.GuidanceResponse != nil {
			verdict = r.GuidanceResponse
		}
	}
	require.NotNil(t, verdict, "a completed response carries its verdict")
	assert.Equal(t, "success", verdict.Status)
	assert.Equal(t, "self_care", outcomeCode(verdict), "no red flag: self-care")

	// The completed response, as a client stores it, is read by $triage
	// like any other: the same verdict.
	body, err := json.Marshal(qr)
	require.NoError(t, err)
	var g fhir.GuidanceResponse
	res := callAs(t, srv, "POST", "/fhir/QuestionnaireResponse/$triage", "application/fhir+json", string(body), &g)
	require.Equal(t, http.StatusOK, res.StatusCode, "a response completed through $next-question is triaged")
	assert.Equal(t, "GuidanceResponse", g.ResourceType)
	assert.Equal(t, "self_care", outcomeCode(&g), "the same verdict as the one attached")
}

// outcomeCode is the outcome a GuidanceResponse carries in its extension.
func outcomeCode(g *fhir.GuidanceResponse) string {
	for _, x := range g.Extension {
		if x.Value.Coding != nil {
			return x.Value.Coding.Code
		}
	}
	return ""
}

// nextItem is the item $next-question asks for: the contained
// Questionnaire's one item with required set.
func nextItem(qr *fhir.QuestionnaireResponse) (fhir.Item, bool) {
	for _, r := range qr.Contained {
		if r.Questionnaire == nil {
			continue
		}
		for _, it := range r.Questionnaire.Item {
			if it.Required != nil {
				return it, true
			}
		}
	}
	return fhir.Item{}, false
}

// noRedFlag is an answer to item that raises no red flag: false, a small
// number, or the exclusive "none of these" option.
func noRedFlag(t *testing.T, item fhir.Item) fhir.Answer {
	t.Helper()
	switch item.Type {
	case "boolean":
		f := false
		return fhir.Answer{Value: fhir.Value{Boolean: &f}}
	case "integer":
		n := int64(30) // minutes of relief, pops a day
		if item.LinkID == "pain_days" {
			n = 1
		}
		return fhir.Answer{Value: fhir.Value{Integer: &n}}
	case "decimal":
		n := json.Number("1")
		return fhir.Answer{Value: fhir.Value{Decimal: &n}}
	}
	for _, o := range item.AnswerOption {
		for _, x := range o.Extension {
			if strings.HasSuffix(x.URL, "questionnaire-optionExclusive") {
				return fhir.Answer{Value: o.Value}
			}
		}
	}
	require.NotEmpty(t, item.AnswerOption, "item %s", item.LinkID)
	return fhir.Answer{Value: item.AnswerOption[0].Value}
}

// TestFHIRUnavailable: a rule set whose ask_if has no FHIR form is still
// served as JSON; the FHIR endpoints say why they cannot serve it, and so
// does /readyz.
func TestFHIRUnavailable(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(fstest.MapFS{"r.yaml": {Data: []byte(unexportable)}})
	require.NoError(t, err)
	srv := newTestServerFor(t, eng)

	var raw map[string]json.RawMessage
	res := callAs(t, srv, "GET", "/fhir/Questionnaire/unexportable", "", "", &raw)
	require.Equal(t, http.StatusInternalServerError, res.StatusCode)
	assert.Contains(t, outcomeOf(t, raw), "cannot be expressed as a FHIR Questionnaire")
	assert.Contains(t, outcomeOf(t, raw), "r.yaml:7:", "the problem is named at its place")

	var r readiness
	res = callAs(t, srv, "GET", "/readyz", "", "", &r)
	require.Equal(t, http.StatusOK, res.StatusCode, "the JSON API and the form still work")
	assert.Equal(t, "ready", r.Status)
	assert.Contains(t, r.FHIR, "cannot be exported to FHIR")

	res = call(t, srv, "POST", "/triage", `{"days": 5, "more": true}`, nil)
	assert.Equal(t, http.StatusOK, res.StatusCode)
}

// TestFHIREvaluationFailure: a rule that fails at run time is a 500
// OperationOutcome, never a GuidanceResponse.
func TestFHIREvaluationFailure(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(fstest.MapFS{"r.yaml": {Data: []byte(ruleFile("10 / days > 2"))}})
	require.NoError(t, err)
	form, err := fhir.New(eng, fhir.Options{BaseURL: testBase + "/fhir"})
	require.NoError(t, err)
	srv := newTestServerFor(t, eng)
	body := responseJSON(t, form, triage.Answers{"days": 0})
	for _, path := range []string{"/fhir/QuestionnaireResponse/$triage", "/fhir/Questionnaire/$next-question"} {
		var raw map[string]json.RawMessage
		res := callAs(t, srv, "POST", path, "application/fhir+json", body, &raw)
		require.Equal(t, http.StatusInternalServerError, res.StatusCode, path)
		assert.Contains(t, outcomeOf(t, raw), "no verdict could be given", path)
		assert.NotContains(t, string(raw["resourceType"]), "GuidanceResponse", path)
	}
}

// unexportable has an ask_if (a conditional expression) with neither an
// enableWhen nor a FHIRPath form.
const unexportable = `name: unexportable
version: 1.0.0
title: Unexportable
sources: [{id: doc, title: Doc}]
questions:
  - {id: days, text: Days, type: integer}
  - {id: more, text: More, type: boolean, ask_if: "days > 2 ? true : false"}
rules:
  - id: rate
    title: Rate
    when: "(days > 2 ? true : false) && more"
    action: refer
    advice: See someone.
    cite: {source: doc, section: S}
`

// TestFHIRQuestionnaireID: a rule set whose name is no valid R4 id is
// served under the id the Questionnaire carries, which is also the last
// segment of its url; the name itself is not found.
func TestFHIRQuestionnaireID(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(fstest.MapFS{"r.yaml": {Data: []byte(strings.Replace(ruleFile("days > 2"), "name: broken", "name: back_pain", 1))}})
	require.NoError(t, err)
	srv := newTestServerFor(t, eng)

	var q fhir.Questionnaire
	res := callAs(t, srv, "GET", "/fhir/Questionnaire/back-pain", "", "", &q)
	require.Equal(t, http.StatusOK, res.StatusCode, "the id R4 accepts")
	assert.Equal(t, "back-pain", q.ID)
	assert.Equal(t, testBase+"/fhir/Questionnaire/back-pain", q.URL, "the canonical url is where it is served")

	var raw map[string]json.RawMessage
	res = callAs(t, srv, "GET", "/fhir/Questionnaire/back_pain", "", "", &raw)
	require.Equal(t, http.StatusNotFound, res.StatusCode, "the name is not an R4 id")
	assert.Contains(t, outcomeOf(t, raw), `this service serves "back-pain"`)
}
