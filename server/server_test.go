package server

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"
	"testing/iotest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

func newTestServer(t *testing.T) *httptest.Server {
	t.Helper()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	srv := httptest.NewServer(newHandler(t, eng, "", slog.New(slog.DiscardHandler)))
	t.Cleanup(srv.Close)
	return srv
}

// newHandler returns the handler of a Server for the fixed engine eng,
// loaded from dir ("" for the embedded rule set).
func newHandler(t *testing.T, eng *triage.Engine, dir string, log *slog.Logger) http.Handler {
	t.Helper()
	s, err := New(Options{Engine: func() *triage.Engine { return eng }, BaseURL: "http://redflag.test", RulesDir: dir, Logger: log})
	require.NoError(t, err)
	return s.Handler()
}

// call sends a request, as JSON when it is a POST, and decodes the JSON
// response into out.
func call(t *testing.T, srv *httptest.Server, method, path, body string, out any) *http.Response {
	t.Helper()
	contentType := ""
	if method == "POST" {
		contentType = "application/json"
	}
	return callAs(t, srv, method, path, contentType, body, out)
}

// callAs is call with the given Content-Type ("" for none).
func callAs(t *testing.T, srv *httptest.Server, method, path, contentType, body string, out any) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := srv.Client().Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	if out != nil {
		require.NoError(t, json.Unmarshal(data, out), "body: %s", data)
	}
	return res
}

func TestQuestionnaire(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	var got questionnaireResponse
	res := call(t, srv, "GET", "/questionnaire", "", &got)
	require.Equal(t, http.StatusOK, res.StatusCode)
	assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
	assert.Equal(t, triage.Disclaimer, got.Notice)
	assert.Equal(t, "upper-back-self-adjustment", got.RuleSet.Name)
	require.Len(t, got.Questions, 21)
	byID := map[string]triage.Question{}
	for _, q := range got.Questions {
		byID[q.ID] = q
	}
	assert.Equal(t, triage.MultiChoiceType, byID["numbness_tingling"].Type, "types are included")
	assert.Equal(t, []triage.Choice{{Value: "fingers", Label: "Fingers"}, {Value: "arms", Label: "Arms"}, {Value: "chest", Label: "Chest"}},
		byID["numbness_tingling"].Choices, "choices are included")
	assert.Equal(t, "self_pops", byID["relief_minutes"].AskIf, "ask_if is included")
	assert.Equal(t, "minutes", byID["relief_minutes"].Unit)

	res = call(t, srv, "POST", "/questionnaire", "", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, res.StatusCode)
}

func TestTriage(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	tests := []struct {
		name   string
		reason string
		body   string
		status int
		// outcome for 200; error and errors for 4xx.
		outcome triage.Outcome
		reasons []string
		error   string
		errors  []answerError
	}{
		{
			name: "red flag", reason: "a firing referral is see a professional, whatever is unanswered",
			body: `{"fever": true}`, status: 200, outcome: triage.SeeProfessional, reasons: []string{"fever"},
		},
		{
			name: "incomplete", reason: "nothing answered is incomplete, never self-care",
			body: `{}`, status: 200, outcome: triage.Incomplete, reasons: []string{},
		},
		{
			name: "invalid answers", reason: "the same per-question errors as the library, as JSON",
			body:   `{"fever": "yes", "pain_days": 2.5, "fevr": true}`,
			status: 400, error: "invalid answers",
			errors: []answerError{
				{Question: "pain_days", Message: "want a whole number, got 2.5"},
				{Question: "fever", Message: `want true or false, got string "yes"`},
				{Question: "fevr", Message: `unknown question (did you mean "fever"?)`},
			},
		},
		{
			name: "malformed JSON", reason: "a body that is not JSON is bad input",
			body: `{"fever": tru`, status: 400, error: "invalid answers: malformed JSON",
			errors: []answerError{{Question: "fever", Message: `malformed JSON in the answer to "fever": the input ends too early`,
				Position: &answerPosition{Line: 1, Column: 14, Offset: 13}}},
		},
		{
			name: "duplicate key", reason: "a later value must not silently override an earlier one",
			body: `{"fever": true, "fever": false}`, status: 400, error: `question "fever" is answered twice`,
			errors: []answerError{{Question: "fever", Message: `question "fever" is answered twice`,
				Position: &answerPosition{Line: 1, Column: 17, Offset: 16}}},
		},
		{
			name: "too large", reason: "request bodies are limited",
			body: `{"fever": true` + strings.Repeat(" ", maxBody) + `}`, status: 413, error: "request body is larger than 65536 bytes",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var raw map[string]json.RawMessage
			res := call(t, srv, "POST", "/triage", tt.body, &raw)
			require.Equal(t, tt.status, res.StatusCode, tt.reason)
			data, err := json.Marshal(raw)
			require.NoError(t, err)
			if tt.status == 200 {
				var v triage.Verdict
				require.NoError(t, json.Unmarshal(data, &v))
				assert.Equal(t, tt.outcome, v.Outcome, tt.reason)
				ids := []string{}
				for _, r := range v.Reasons {
					ids = append(ids, r.RuleID)
				}
				assert.Equal(t, tt.reasons, ids)
				assert.Equal(t, triage.Disclaimer, v.Notice, "every verdict carries the note")
				return
			}
			assert.NotContains(t, raw, "outcome", "no verdict comes with an error")
			var e errorResponse
			require.NoError(t, json.Unmarshal(data, &e))
			assert.Contains(t, e.Error, tt.error, tt.reason)
			assert.Equal(t, tt.errors, e.Errors, tt.reason)
		})
	}
}

func TestNext(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	tests := []struct {
		name   string
		reason string
		body   string
		status int
		want   string // question id, or "" when done
		// optional is whether the question is flagged optional.
		optional bool
		// remaining is the progress count given with a question.
		remaining int
		outcome   triage.Outcome
		// cautions are the rule ids of the verdict's reasons, when done.
		reasons []string
		error   string
	}{
		{name: "start", reason: "nothing answered: the first question", body: `{}`, status: 200, want: "shooting_arm_pain", remaining: 18},
		{name: "null answers", reason: "answers may be null at the start", body: `{"answers": null}`, status: 200, want: "shooting_arm_pain", remaining: 18},
		{name: "in order", reason: "the next question Next gives", body: `{"answers": {"shooting_arm_pain": false}}`, status: 200, want: "numbness_tingling", remaining: 17},
		{name: "red flag", reason: "a referral decides: done, with the verdict", body: `{"answers": {"fever": true}}`, status: 200, outcome: triage.SeeProfessional},
		{name: "skip", reason: "a skipped question is not asked again, nor counted", body: `{"answers": {}, "skip": ["shooting_arm_pain"]}`, status: 200, want: "numbness_tingling", remaining: 17},
		{name: "gate", reason: "a follow-up comes only after its gate", body: `{"answers": {"self_pops": true}, "skip": ["shooting_arm_pain","numbness_tingling","electric_pain","needle_like_pain","popping_pain","pain_wraps_to_chest","deep_breath_pain","constant_stiffness","clunking"]}`, status: 200, want: "relief_minutes", remaining: 9},
		{
			name: "all skipped", reason: "when only skipped questions are left, done with an incomplete verdict, never self-care",
			body:   `{"answers": {"shooting_arm_pain": false, "numbness_tingling": [], "electric_pain": false, "needle_like_pain": false, "popping_pain": false, "pain_wraps_to_chest": false, "deep_breath_pain": false, "constant_stiffness": false, "clunking": false, "self_pops": false, "pain_days": 1, "fever": false, "unexplained_weight_loss": false, "night_pain": false, "systemic_symptoms": false, "severe_osteoporosis": false, "inflammatory_condition": false}, "skip": ["recent_trauma"]}`,
			status: 200, outcome: triage.Incomplete,
		},
		{
			name: "optional after self-care", reason: "every referral settled as self-care: a question only a caution reads comes next, flagged optional",
			body: `{"answers": ` + walkedSelfCare + `}`, status: 200, want: "grinding", optional: true, remaining: 2,
		},
		{
			name: "optional skipped", reason: "a skipped optional question is passed over for the next optional one",
			body: `{"answers": ` + walkedSelfCare + `, "skip": ["grinding"]}`, status: 200, want: "pops_per_day", optional: true, remaining: 1,
		},
		{
			name: "optional answered", reason: "twelve pops a day: done, still self-care, with the frequent-popping caution",
			body:   `{"answers": ` + strings.Replace(walkedSelfCare, `"self_pops"`, `"grinding": false, "pops_per_day": 12, "self_pops"`, 1) + `}`,
			status: 200, outcome: triage.SelfCare, reasons: []string{"frequent_popping"},
		},
		{
			name: "optional all skipped", reason: "every optional question skipped: done, self-care, nothing added",
			body:   `{"answers": ` + walkedSelfCare + `, "skip": ["grinding", "pops_per_day"]}`,
			status: 200, outcome: triage.SelfCare, reasons: []string{},
		},
		{
			name: "red flag asks nothing optional", reason: "a red flag ends the questions: the caution-only ones are not asked",
			body:   `{"answers": ` + strings.Replace(walkedSelfCare, `"fever": false`, `"fever": true`, 1) + `}`,
			status: 200, outcome: triage.SeeProfessional, reasons: []string{"fever"},
		},
		{name: "unknown skip", reason: "skipping a question that does not exist is bad input", body: `{"skip": ["fevr"]}`, status: 400, error: "invalid answers"},
		{name: "invalid answers", reason: "answers are validated as by /triage", body: `{"answers": {"fever": "yes"}}`, status: 400, error: "invalid answers"},
		{name: "unknown field", reason: "a misspelled field is refused, not ignored", body: `{"answer": {"fever": true}}`, status: 400, error: `unknown field "answer"`},
		{name: "answers not an object", reason: "answers must be an object", body: `{"answers": [true]}`, status: 400, error: "answers must be a JSON object"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var raw map[string]json.RawMessage
			res := call(t, srv, "POST", "/next", tt.body, &raw)
			require.Equal(t, tt.status, res.StatusCode, "%s: %v", tt.reason, raw)
			data, err := json.Marshal(raw)
			require.NoError(t, err)
			if tt.status != 200 {
				var e errorResponse
				require.NoError(t, json.Unmarshal(data, &e))
				assert.Contains(t, e.Error, tt.error, tt.reason)
				return
			}
			var got nextResponse
			require.NoError(t, json.Unmarshal(data, &got))
			if tt.want != "" {
				assert.False(t, got.Done, tt.reason)
				require.NotNil(t, got.Question, tt.reason)
				assert.Equal(t, tt.want, got.Question.ID, tt.reason)
				assert.Equal(t, tt.optional, got.Optional, tt.reason)
				assert.Equal(t, tt.remaining, got.Remaining, "%s: the questions still to ask, this one included", tt.reason)
				assert.Equal(t, tt.optional, strings.Contains(string(data), `"optional":true`), "the flag is in the JSON only when set")
				assert.Nil(t, got.Verdict)
				return
			}
			assert.True(t, got.Done, tt.reason)
			assert.Nil(t, got.Question)
			require.NotNil(t, got.Verdict, tt.reason)
			assert.Equal(t, tt.outcome, got.Verdict.Outcome, tt.reason)
			assert.False(t, got.Optional, "a verdict is not an optional question")
			assert.NotContains(t, string(data), `"remaining"`, "nothing remains with a verdict")
			assert.Equal(t, triage.Disclaimer, got.Verdict.Notice)
			if tt.reasons != nil {
				ids := []string{}
				for _, r := range got.Verdict.Reasons {
					ids = append(ids, r.RuleID)
				}
				assert.Equal(t, tt.reasons, ids, tt.reason)
			}
		})
	}
}

func TestPage(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	for path, want := range map[string]string{
		"/":           `<form id="question"`,
		"/app.js":     `fetch("questionnaire")`,
		"/style.css":  `.notice`,
		"/index.html": "", // redirected to /
	} {
		res, err := srv.Client().Get(srv.URL + path)
		require.NoError(t, err)
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		require.NoError(t, err)
		require.Equal(t, http.StatusOK, res.StatusCode, path)
		assert.Contains(t, string(body), want, path)
		assert.Equal(t, contentSecurityPolicy, res.Header.Get("Content-Security-Policy"))
	}
	res, err := srv.Client().Get(srv.URL + "/no-such-page")
	require.NoError(t, err)
	res.Body.Close()
	assert.Equal(t, http.StatusNotFound, res.StatusCode)
}

// TestServeShutsDownGracefully starts the real server, has a request in
// flight when shutdown begins, and checks that the request completes and
// serve returns cleanly.
func TestServeShutsDownGracefully(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	log := slog.New(slog.DiscardHandler)
	started := make(chan struct{})
	release := make(chan struct{})
	mux := http.NewServeMux()
	mux.Handle("/", newHandler(t, eng, "", log))
	mux.HandleFunc("GET /slow", func(w http.ResponseWriter, r *http.Request) {
		close(started)
		<-release
		w.Write([]byte("finished"))
	})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- serve(ctx, ln, newHTTPServer(mux, log), log) }()

	url := "http://" + ln.Addr().String()
	body := make(chan string, 1)
	go func() {
		res, err := http.Get(url + "/slow")
		if err != nil {
			body <- err.Error()
			return
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		body <- string(b)
	}()
	<-started
	cancel() // as SIGINT or SIGTERM would
	select {
	case err := <-done:
		t.Fatalf("serve returned with a request in flight: %v", err)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	assert.Equal(t, "finished", <-body, "the request in flight completes")
	require.NoError(t, <-done)
	_, err = http.Post(url+"/triage", "application/json", bytes.NewReader([]byte(`{}`)))
	assert.Error(t, err, "the server no longer accepts connections")
}

// TestEvaluationFailureIsNotAVerdict serves a rule that fails at run time
// (a division by zero): the response is a 500 with no verdict, never a
// self-care answer.
func TestEvaluationFailureIsNotAVerdict(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(fstest.MapFS{"r.yaml": {Data: []byte(`name: broken
version: 1.0.0
title: Broken
sources: [{id: doc, title: Doc}]
questions:
  - {id: days, text: Days, type: integer}
rules:
  - id: rate
    title: Rate
    when: 10 / days > 2
    action: refer
    advice: See someone.
    cite: {source: doc, section: S}
`)}})
	require.NoError(t, err)
	var logs bytes.Buffer
	srv := httptest.NewServer(newHandler(t, eng, "", testTextLogger(&logs)))
	defer srv.Close()
	for _, path := range []string{"/triage", "/next"} {
		body := `{"days": 0}`
		if path == "/next" {
			body = `{"answers": {"days": 0}}`
		}
		var raw map[string]any
		res := call(t, srv, "POST", path, body, &raw)
		assert.Equal(t, http.StatusInternalServerError, res.StatusCode, path)
		assert.Equal(t, "evaluation failed; no verdict could be given", raw["error"], path)
		assert.NotContains(t, raw, "verdict", path)
		assert.NotContains(t, raw, "outcome", path)
	}
	assert.Contains(t, logs.String(), "problem=evaluation_failed rule=rate at=r.yaml:10:", "the failure is logged for whoever runs the service")
	assert.NotContains(t, logs.String(), "division by zero", "the cause's text is not logged: it can quote an answer")
}

// redFlagAnswers answers every question of the default rule set with its
// red flag; selfCareAnswers answers every one with no red flag.
const (
	redFlagAnswers = `{"shooting_arm_pain": true, "numbness_tingling": ["fingers", "arms", "chest"], "electric_pain": true, "needle_like_pain": true, "popping_pain": true, "pain_wraps_to_chest": true, "deep_breath_pain": true, "constant_stiffness": true, "clunking": true, "grinding": true, "self_pops": true, "pops_per_day": 50, "relief_minutes": 1, "pain_days": 30, "fever": true, "unexplained_weight_loss": true, "night_pain": true, "systemic_symptoms": true, "severe_osteoporosis": true, "inflammatory_condition": true, "recent_trauma": true}`
	// walkedSelfCare answers what the form asks before the outcome is
	// self-care, popping included, leaving the caution-only questions.
	walkedSelfCare  = `{"shooting_arm_pain": false, "numbness_tingling": [], "electric_pain": false, "needle_like_pain": false, "popping_pain": false, "pain_wraps_to_chest": false, "deep_breath_pain": false, "constant_stiffness": false, "clunking": false, "self_pops": true, "relief_minutes": 30, "pain_days": 1, "fever": false, "unexplained_weight_loss": false, "night_pain": false, "systemic_symptoms": false, "severe_osteoporosis": false, "inflammatory_condition": false, "recent_trauma": false}`
	selfCareAnswers = `{"shooting_arm_pain": false, "numbness_tingling": [], "electric_pain": false, "needle_like_pain": false, "popping_pain": false, "pain_wraps_to_chest": false, "deep_breath_pain": false, "constant_stiffness": false, "clunking": false, "grinding": false, "self_pops": false, "pain_days": 1, "fever": false, "unexplained_weight_loss": false, "night_pain": false, "systemic_symptoms": false, "severe_osteoporosis": false, "inflammatory_condition": false, "recent_trauma": false}`
)

// TestBodiesAreStrict sends bodies that a lenient JSON decoder would read
// one way and a person another: every one is refused with a 400 and a
// JSON error, and never answered with a question or a verdict.
func TestBodiesAreStrict(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)

	// The two halves on their own, so that the refusals below are known to
	// matter: the last-wins reading of the tricks would be self-care.
	var got nextResponse
	res := call(t, srv, "POST", "/next", `{"answers": `+redFlagAnswers+`}`, &got)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.NotNil(t, got.Verdict)
	require.Equal(t, triage.SeeProfessional, got.Verdict.Outcome)
	got = nextResponse{}
	res = call(t, srv, "POST", "/next", `{"answers": `+selfCareAnswers+`}`, &got)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.NotNil(t, got.Verdict)
	require.Equal(t, triage.SelfCare, got.Verdict.Outcome)

	tests := []struct {
		name   string
		reason string
		path   string
		body   string
		error  string
	}{
		{
			name: "duplicate answers", reason: "a second answers object must not replace the first: the red flags would be dropped",
			path: "/next", body: `{"answers": ` + redFlagAnswers + `, "answers": ` + selfCareAnswers + `}`, error: `"answers" appears twice`,
		},
		{
			name: "case-variant answers", reason: "keys are exact: \"Answers\" is not \"answers\", and must not replace it",
			path: "/next", body: `{"answers": ` + redFlagAnswers + `, "Answers": ` + selfCareAnswers + `}`, error: `unknown field "Answers"`,
		},
		{
			name: "case-variant answers alone", reason: "a field that only matches case-insensitively is unknown",
			path: "/next", body: `{"ANSWERS": ` + redFlagAnswers + `}`, error: `unknown field "ANSWERS"`,
		},
		{
			name: "escaped duplicate", reason: "a key spelt with escapes is the same key",
			path: "/next", body: `{"answers": ` + redFlagAnswers + `, "\u0061nswers": ` + selfCareAnswers + `}`, error: `"answers" appears twice`,
		},
		{
			name: "duplicate skip", reason: "skip given twice is as ambiguous as answers given twice",
			path: "/next", body: `{"skip": ["fever"], "skip": []}`, error: `"skip" appears twice`,
		},
		{
			name: "case-variant skip", reason: "keys are exact",
			path: "/next", body: `{"Skip": ["fever"]}`, error: `unknown field "Skip"`,
		},
		{
			name: "unknown field", reason: "a misspelt field is refused, not ignored",
			path: "/next", body: `{"answers": {}, "skipped": ["fever"]}`, error: `unknown field "skipped"`,
		},
		{
			name: "trailing object", reason: "a second object after the first is not read silently",
			path: "/next", body: `{"answers": ` + redFlagAnswers + `} {"answers": ` + selfCareAnswers + `}`, error: "after the request object",
		},
		{
			name: "trailing garbage", reason: "anything but white space after the object is refused",
			path: "/next", body: `{"answers": {}} x`, error: "after the request object",
		},
		{
			name: "null body", reason: "null is not a request",
			path: "/next", body: `null`, error: "got null",
		},
		{
			name: "empty body", reason: "an empty body is not a request",
			path: "/next", body: ``, error: "empty",
		},
		{
			name: "list body", reason: "the request is an object",
			path: "/next", body: `[{"answers": {}}]`, error: "got a list",
		},
		{
			name: "malformed", reason: "broken JSON is refused",
			path: "/next", body: `{"answers": {}`, error: "malformed JSON",
		},
		{
			name: "skip not a list", reason: "skip is a list of question ids",
			path: "/next", body: `{"skip": "fever"}`, error: `"skip" must be a list of question ids`,
		},
		{
			name: "skip with null", reason: "a null in skip is not a question id",
			path: "/next", body: `{"skip": [null]}`, error: `"skip" must be a list of question ids`,
		},
		{
			name: "duplicate answer inside answers", reason: "the answers keep the engine's strictness",
			path: "/next", body: `{"answers": {"fever": true, "fever": false}}`, error: `question "fever" is answered twice`,
		},
		{
			name: "case-variant answer inside answers", reason: "question ids are exact inside answers too",
			path: "/next", body: `{"answers": {"fever": true, "Fever": false}}`, error: "invalid answers",
		},
		{
			name: "triage duplicate", reason: "/triage reads answers with the same strictness",
			path: "/triage", body: `{"fever": true, "fever": false}`, error: `question "fever" is answered twice`,
		},
		{
			name: "triage null body", reason: "null is not an answers object",
			path: "/triage", body: `null`, error: "got null",
		},
		{
			name: "triage trailing object", reason: "a second object is not read silently",
			path: "/triage", body: `{"fever": true} {"fever": false}`, error: "unexpected data after",
		},
		{
			name: "triage empty body", reason: "an empty body is not an answers object",
			path: "/triage", body: ``, error: "empty",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var raw map[string]json.RawMessage
			res := call(t, srv, "POST", tt.path, tt.body, &raw)
			require.Equal(t, http.StatusBadRequest, res.StatusCode, "%s: %s", tt.reason, raw)
			assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
			for _, key := range []string{"verdict", "question", "outcome", "done"} {
				assert.NotContains(t, raw, key, "no answer comes with an error")
			}
			var e errorResponse
			require.NoError(t, json.Unmarshal(raw["error"], &e.Error))
			assert.Contains(t, e.Error, tt.error, tt.reason)
		})
	}
}

// TestPostsMustBeJSON sends bodies under other media types. A browser
// sends text/plain, form and multipart bodies cross-site without asking
// the server first; requiring application/json keeps such a "simple"
// request from another site away from the API.
func TestPostsMustBeJSON(t *testing.T) {
	t.Parallel()
	srv := newTestServer(t)
	tests := []struct {
		name        string
		reason      string
		contentType string
		status      int
		error       string
	}{
		{name: "json", reason: "the media type the API reads", contentType: "application/json", status: 200},
		{name: "json utf-8", reason: "parameters are allowed; UTF-8 is what JSON is", contentType: "application/json; charset=utf-8", status: 200},
		{name: "json upper case", reason: "media types and charset names are case-insensitive", contentType: "Application/JSON; Charset=UTF-8", status: 200},
		{name: "none", reason: "a body must say what it is", contentType: "", status: 415, error: "it had none"},
		{name: "text/plain", reason: "the cross-site simple POST a form or fetch can send", contentType: "text/plain", status: 415, error: `"text/plain"`},
		{name: "text/plain json-ish", reason: "a JSON body under text/plain is still refused", contentType: "text/plain; charset=utf-8", status: 415, error: "application/json"},
		{name: "form", reason: "an HTML form's default encoding", contentType: "application/x-www-form-urlencoded", status: 415, error: "application/json"},
		{name: "multipart", reason: "an HTML form's file encoding", contentType: "multipart/form-data; boundary=x", status: 415, error: "application/json"},
		{name: "json prefix", reason: "the type must match exactly, not as a prefix", contentType: "application/jsonp", status: 415, error: "application/json"},
		{name: "malformed", reason: "a header that does not parse is refused", contentType: "application/json; charset", status: 415, error: "application/json"},
		{name: "other charset", reason: "JSON is UTF-8; a Latin-1 body would be misread", contentType: "application/json; charset=iso-8859-1", status: 415, error: "UTF-8"},
	}
	for _, path := range []string{"/triage", "/next"} {
		for _, tt := range tests {
			t.Run(path+" "+tt.name, func(t *testing.T) {
				t.Parallel()
				body := `{"fever": true}`
				if path == "/next" {
					body = `{"answers": {"fever": true}}`
				}
				var raw map[string]json.RawMessage
				res := callAs(t, srv, "POST", path, tt.contentType, body, &raw)
				require.Equal(t, tt.status, res.StatusCode, "%s: %s", tt.reason, raw)
				assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
				if tt.status == 200 {
					return
				}
				for _, key := range []string{"verdict", "question", "outcome", "done"} {
					assert.NotContains(t, raw, key, "no answer comes with an error")
				}
				var msg string
				require.NoError(t, json.Unmarshal(raw["error"], &msg))
				assert.Contains(t, msg, "Content-Type: application/json", "the error says what to send")
				assert.Contains(t, msg, tt.error, tt.reason)
			})
		}
	}
}

// TestBodyReadFailures gives the handlers bodies that fail part-way, as a
// connection does when the client stalls past the read timeout or goes
// away: each gets a JSON error saying so, never a verdict, never silence.
func TestBodyReadFailures(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	h := newHandler(t, eng, "", slog.New(slog.DiscardHandler))
	tests := []struct {
		name   string
		reason string
		err    error
		status int
		error  string
	}{
		{
			name: "deadline", reason: "the server's read timeout passed: the client may send it again",
			err: &net.OpError{Op: "read", Net: "tcp", Err: os.ErrDeadlineExceeded}, status: http.StatusRequestTimeout, error: "did not arrive in time",
		},
		{
			name: "bare deadline", reason: "a timeout however it is wrapped",
			err: os.ErrDeadlineExceeded, status: http.StatusRequestTimeout, error: "did not arrive in time",
		},
		{
			name: "reset", reason: "a broken connection is a request that could not be read",
			err: &net.OpError{Op: "read", Net: "tcp", Err: errors.New("connection reset by peer")}, status: http.StatusBadRequest, error: "cannot read the request body",
		},
		{
			name: "cut short", reason: "a body shorter than its Content-Length",
			err: io.ErrUnexpectedEOF, status: http.StatusBadRequest, error: "cannot read the request body",
		},
		{
			name: "too large", reason: "the body limit is its own status",
			err: &http.MaxBytesError{Limit: maxBody}, status: http.StatusRequestEntityTooLarge, error: "larger than 65536 bytes",
		},
	}
	for _, path := range []string{"/triage", "/next"} {
		for _, tt := range tests {
			t.Run(path+" "+tt.name, func(t *testing.T) {
				t.Parallel()
				body := io.MultiReader(strings.NewReader(`{"fever": `), iotest.ErrReader(tt.err))
				req := httptest.NewRequest("POST", path, body)
				req.Header.Set("Content-Type", "application/json")
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, req)
				require.Equal(t, tt.status, rec.Code, tt.reason)
				assert.Equal(t, "application/json", rec.Header().Get("Content-Type"))
				var raw map[string]json.RawMessage
				require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &raw))
				assert.NotContains(t, raw, "verdict")
				assert.NotContains(t, raw, "outcome")
				var msg string
				require.NoError(t, json.Unmarshal(raw["error"], &msg))
				assert.Contains(t, msg, tt.error, tt.reason)
			})
		}
	}
}

// TestSlowBodyOnARealSocket stalls a body on a real connection to a server
// whose read and write timeouts are short (and equal, as in newHTTPServer):
// when the read timeout passes, the client gets a 408 with a JSON error
// instead of a dropped connection.
func TestSlowBodyOnARealSocket(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	log := slog.New(slog.DiscardHandler)
	srv := newHTTPServer(newHandler(t, eng, "", log), log)
	srv.ReadTimeout = 200 * time.Millisecond
	srv.WriteTimeout = 200 * time.Millisecond
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })

	tests := []struct {
		name    string
		reason  string
		request string
	}{
		{
			name: "triage", reason: "a body shorter than its Content-Length, then nothing",
			request: "POST /triage HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"fever\": ",
		},
		{
			name: "next", reason: "the same on the other POST route",
			request: "POST /next HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"answers\": ",
		},
		{
			name: "chunked", reason: "a chunked body that stops mid-chunk",
			request: "POST /triage HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n20\r\n{\"fever\": ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			conn, err := net.Dial("tcp", ln.Addr().String())
			require.NoError(t, err)
			defer conn.Close()
			// Only a bound, so that a server that never answers fails the
			// test rather than hanging it.
			require.NoError(t, conn.SetDeadline(time.Now().Add(time.Minute)))
			_, err = io.WriteString(conn, tt.request)
			require.NoError(t, err)
			res, err := http.ReadResponse(bufio.NewReader(conn), nil)
			require.NoError(t, err, "%s: the server answers rather than dropping the connection", tt.reason)
			defer res.Body.Close()
			assert.Equal(t, http.StatusRequestTimeout, res.StatusCode, tt.reason)
			assert.Equal(t, "application/json", res.Header.Get("Content-Type"))
			var e errorResponse
			require.NoError(t, json.NewDecoder(res.Body).Decode(&e))
			assert.Contains(t, e.Error, "did not arrive in time", tt.reason)
		})
	}
}

// ruleFile is a one-rule rule set whose condition is when.
func ruleFile(when string) string {
	return `name: broken
version: 1.0.0
title: Broken
sources: [{id: doc, title: Doc}]
questions:
  - {id: days, text: Days, type: integer}
rules:
  - id: rate
    title: Rate
    when: ` + when + `
    action: refer
    advice: See someone.
    cite: {source: doc, section: S}
`
}

// TestLogsNameRuleFilesInTheirDirectory checks that what the service
// prints about a rule file names it as the operator can open it: with its
// directory, not only its name within the rule set.
func TestLogsNameRuleFilesInTheirDirectory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		reason string
		when   string
		// output runs the service on dir and returns what it printed.
		output func(t *testing.T, dir string) string
	}{
		{
			name: "reload error", reason: "an edit that does not load is logged at its file in DIR",
			when: "dayz > 2",
			output: func(t *testing.T, dir string) string {
				_, loadErr := triage.Load(os.DirFS(dir))
				require.Error(t, loadErr)
				var logs bytes.Buffer
				s, err := New(Options{Engine: func() *triage.Engine { return nil }, BaseURL: "http://redflag.test", RulesDir: dir,
					Logger: testTextLogger(&logs)})
				require.NoError(t, err)
				s.ReloadFailed(loadErr)
				return logs.String()
			},
		},
		{
			name: "evaluation error", reason: "a rule that fails at run time is logged at its file in DIR",
			when: "10 / days > 2",
			output: func(t *testing.T, dir string) string {
				eng, err := triage.Load(os.DirFS(dir))
				require.NoError(t, err)
				var logs bytes.Buffer
				srv := httptest.NewServer(newHandler(t, eng, dir, testTextLogger(&logs)))
				defer srv.Close()
				res := call(t, srv, "POST", "/triage", `{"days": 0}`, nil)
				require.Equal(t, http.StatusInternalServerError, res.StatusCode)
				srv.Close() // waits for the handler, so reading its log is not a race
				return logs.String()
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			dir := t.TempDir()
			require.NoError(t, os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(ruleFile(tt.when)), 0o644))
			out := tt.output(t, dir)
			want := regexp.QuoteMeta(filepath.Join(dir, "r.yaml")) + `:10:\d+`
			assert.Regexp(t, want, out, tt.reason)
			assert.NotRegexp(t, `(^|[\s"])r\.yaml:`, out, "%s: no bare file name", tt.reason)
		})
	}
}
