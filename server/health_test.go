package server

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// get serves one GET request on h and decodes its JSON body into out.
func get(t *testing.T, h http.Handler, path string, out any) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", path, nil))
	if out != nil {
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), out), "body: %s", rec.Body)
	}
	return rec
}

// TestReadyz walks /readyz through its states as a service meets them:
// no rule set yet, serving, a broken edit (last good kept), fixed.
func TestReadyz(t *testing.T) {
	t.Parallel()
	good, err := triage.Load(rules.FS)
	require.NoError(t, err)
	_, broken := triage.Load(fstest.MapFS{"r.yaml": {Data: []byte(ruleFile("dayz > 2"))}})
	require.Error(t, broken)

	var cur atomic.Pointer[triage.Engine]
	var logs bytes.Buffer
	s, err := New(Options{Engine: cur.Load, BaseURL: "http://redflag.test", Logger: testLogger(&logs)})
	require.NoError(t, err)
	h := s.Handler()

	tests := []struct {
		name    string
		reason  string
		step    func()
		status  int
		state   string
		message string
		reload  string // the one reload error; "" for none
	}{
		{
			name: "no rule set", reason: "nothing to serve: not ready, and the JSON API says so too",
			step: func() {}, status: 503, state: "unavailable", message: "No rule set is in service",
		},
		{
			name: "serving", reason: "a rule set in service and no failed edit: ready",
			step: func() { cur.Store(good) }, status: 200, state: "ready", message: "Serving upper-back-self-adjustment",
		},
		{
			name: "broken edit", reason: "the last good rule set stays in service: still 200, but stale, with the problem in the rule file",
			step: func() { s.ReloadFailed(broken) }, status: 200, state: "stale",
			message: "does not load, so the last good rule set, upper-back-self-adjustment", reload: `r.yaml:10:11: rate: when: unknown question "dayz" (did you mean "days"?)`,
		},
		{
			name: "fixed", reason: "an edit that loads clears the report",
			step: func() { s.Reloaded(good) }, status: 200, state: "ready", message: "Serving",
		},
	}
	for _, tt := range tests { // in order: each step builds on the one before
		tt.step()
		var got readiness
		rec := get(t, h, "/readyz", &got)
		require.Equal(t, tt.status, rec.Code, "%s: %s", tt.name, tt.reason)
		assert.Equal(t, tt.state, got.Status, tt.name)
		assert.Contains(t, got.Message, tt.message, tt.name)
		if tt.reload == "" {
			assert.Empty(t, got.ReloadErrors, tt.name)
			assert.Nil(t, got.ReloadErrorAt, tt.name)
		} else {
			assert.Equal(t, []string{tt.reload}, got.ReloadErrors, tt.name)
			assert.NotNil(t, got.ReloadErrorAt, tt.name)
		}
		var alive healthResponse
		rec = get(t, h, "/healthz", &alive)
		assert.Equal(t, http.StatusOK, rec.Code, "%s: the process is alive whatever the rules", tt.name)
		assert.Equal(t, "alive", alive.Status)
	}
	assert.Contains(t, logs.String(), `"msg":"the edited rules do not load; the last good rule set stays in service"`)
	assert.Contains(t, logs.String(), `"msg":"rules reloaded"`)
}

// TestNoRuleSetYet: until Options.Engine returns an engine, the API
// answers 503 with a JSON error, never a verdict.
func TestNoRuleSetYet(t *testing.T) {
	t.Parallel()
	s, err := New(Options{Engine: func() *triage.Engine { return nil }, BaseURL: "http://redflag.test"})
	require.NoError(t, err)
	for _, path := range []string{"/triage", "/next"} {
		req := httptest.NewRequest("POST", path, bytes.NewReader([]byte(`{}`)))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		s.Handler().ServeHTTP(rec, req)
		assert.Equal(t, http.StatusServiceUnavailable, rec.Code, path)
		assert.NotContains(t, rec.Body.String(), "outcome", path)
		assert.Contains(t, rec.Body.String(), "no rule set is in service yet", path)
	}
}

// TestNewRefusesBadOptions: options that cannot work are refused at New,
// in plain words, rather than at the first request.
func TestNewRefusesBadOptions(t *testing.T) {
	t.Parallel()
	eng := func() *triage.Engine { return nil }
	tests := []struct {
		name   string
		reason string
		opts   Options
		error  string
	}{
		{name: "no engine", reason: "nothing to serve", opts: Options{BaseURL: "http://a.test"}, error: "Options.Engine is required"},
		{name: "no base URL", reason: "the FHIR canonical urls need it", opts: Options{Engine: eng}, error: "absolute http or https URL"},
		{name: "relative base URL", reason: "a canonical url is absolute", opts: Options{Engine: eng, BaseURL: "/fhir"}, error: "absolute"},
		{name: "base URL with query", reason: "urls are built by appending paths", opts: Options{Engine: eng, BaseURL: "http://a.test?x=1"}, error: "without query"},
		{name: "wildcard origin", reason: "CORS is for named origins only", opts: Options{Engine: eng, BaseURL: "http://a.test", CORSOrigins: []string{"*"}}, error: "CORS origin"},
		{name: "origin with path", reason: "a browser's Origin header never has a path, so it would never match", opts: Options{Engine: eng, BaseURL: "http://a.test", CORSOrigins: []string{"https://app.test/"}}, error: "scheme://host[:port]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := New(tt.opts)
			require.Error(t, err, tt.reason)
			assert.Nil(t, s)
			assert.Contains(t, err.Error(), tt.error, tt.reason)
		})
	}
}

// TestRequestLog: one line per request with its method, route pattern,
// status and duration, and nothing of the body or the query.
func TestRequestLog(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	var logs bytes.Buffer
	h := newHandler(t, eng, "", testLogger(&logs))
	req := httptest.NewRequest("POST", "/triage?patient=p-4711", bytes.NewReader([]byte(`{"fever": true, "pain_days": 97531}`)))
	req.Header.Set("Content-Type", "application/json")
	h.ServeHTTP(httptest.NewRecorder(), req)
	get(t, h, "/no-such-page", nil)

	var lines []map[string]any
	dec := json.NewDecoder(&logs)
	for dec.More() {
		var l map[string]any
		require.NoError(t, dec.Decode(&l))
		lines = append(lines, l)
	}
	require.Len(t, lines, 2)
	assert.Equal(t, "request", lines[0]["msg"])
	assert.Equal(t, "POST", lines[0]["method"])
	assert.Equal(t, "POST /triage", lines[0]["route"], "the route pattern, not the path")
	assert.EqualValues(t, 200, lines[0]["status"])
	assert.Contains(t, lines[0], "duration_ms")
	assert.EqualValues(t, 404, lines[1]["status"])
	for _, secret := range []string{"p-4711", "97531", "fever"} {
		assert.NotContains(t, logs.String(), secret, "no answer, body or query in the log")
	}
}
