package server

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// lockedBuffer is a log sink safe to write from handlers and read from the
// test.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestPanicIsNotAVerdict: a panic anywhere in a request is answered with a
// 500 and no verdict, and logged with its route and stack, never with the
// value it panicked with, which could be an answer.
func TestPanicIsNotAVerdict(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	s, err := New(Options{
		Engine:  func() *triage.Engine { panic(triage.Answers{"severity": "moderate-40173"}) },
		BaseURL: "http://redflag.test", Logger: testLogger(&logs),
	})
	require.NoError(t, err)
	srv := httptest.NewServer(s.Handler())
	defer srv.Close()
	tests := []struct {
		name, reason, path, contentType string
	}{
		{name: "JSON API", reason: "the answers route", path: "/triage", contentType: "application/json"},
		{name: "FHIR", reason: "a FHIR route answers an OperationOutcome", path: "/fhir/QuestionnaireResponse/$triage", contentType: "application/fhir+json"},
	}
	for _, tt := range tests {
		res := callAs(t, srv, "POST", tt.path, tt.contentType, `{"severity": "moderate-40173"}`, nil)
		assert.Equal(t, http.StatusInternalServerError, res.StatusCode, tt.reason)
		assert.Equal(t, tt.contentType, res.Header.Get("Content-Type"), tt.reason)
	}
	var raw map[string]any
	res := call(t, srv, "POST", "/next", `{"answers": {}}`, &raw)
	assert.Equal(t, http.StatusInternalServerError, res.StatusCode)
	assert.NotContains(t, raw, "verdict")
	assert.NotContains(t, raw, "outcome")
	assert.Contains(t, raw["error"], "no verdict")
	srv.Close()
	out := logs.String()
	assert.NotContains(t, out, "moderate", "the panic value is never logged")
	assert.NotContains(t, out, "40173", "the panic value is never logged")
	assert.Contains(t, out, `"problem":"panic","route":"POST /triage"`)
	assert.Contains(t, out, `"problem":"panic","route":"POST /fhir/QuestionnaireResponse/$triage"`)
	assert.Contains(t, out, "server.(*Server).view", "the stack says where")
	assert.Contains(t, out, `"msg":"request","method":"POST","route":"POST /triage","status":500`, "the request is logged too")
}

// TestPanicAfterTheResponseStarted: when a handler panics after writing
// part of its response, the connection is cut, so the client never reads
// a truncated body as a whole one, and the panic is logged as above.
func TestPanicAfterTheResponseStarted(t *testing.T) {
	t.Parallel()
	var logs lockedBuffer
	s, err := New(Options{Engine: func() *triage.Engine { return nil }, BaseURL: "http://redflag.test", Logger: testLogger(&logs)})
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /partial", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusOK)
		io.WriteString(w, `{"outcome": "self_care", `)
		http.NewResponseController(w).Flush()
		panic("moderate-40173")
	})
	srv := httptest.NewServer(s.chain(mux))
	defer srv.Close()
	res, err := srv.Client().Get(srv.URL + "/partial")
	require.NoError(t, err)
	_, err = io.ReadAll(res.Body)
	res.Body.Close()
	assert.Error(t, err, "the body is cut off, not ended")
	srv.Close()
	out := logs.String()
	assert.NotContains(t, out, "40173")
	assert.Contains(t, out, `"problem":"panic","route":"GET /partial"`)
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		require.True(t, json.Valid([]byte(line)), line)
	}
}
