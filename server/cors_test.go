package server

import (
	"bytes"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

func TestCORS(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	const app = "https://app.example.org"
	tests := []struct {
		name    string
		reason  string
		origins []string // configured
		method  string
		path    string
		headers map[string]string
		status  int
		// allow is the Access-Control-Allow-Origin expected ("" for none);
		// preflight whether the preflight headers are expected.
		allow     string
		preflight bool
	}{
		{
			name: "allowed origin", reason: "a configured origin gets its own origin back",
			origins: []string{app}, method: "GET", path: "/questionnaire", headers: map[string]string{"Origin": app},
			status: 200, allow: app,
		},
		{
			name: "allowed origin posts", reason: "and may post answers as JSON",
			origins: []string{app}, method: "POST", path: "/triage", headers: map[string]string{"Origin": app, "Content-Type": "application/json"},
			status: 200, allow: app,
		},
		{
			name: "other origin", reason: "any other origin gets no CORS header: its browser keeps the response from the page",
			origins: []string{app}, method: "GET", path: "/questionnaire", headers: map[string]string{"Origin": "https://evil.example"},
			status: 200,
		},
		{
			name: "prefix of an allowed origin", reason: "origins match exactly, not as prefixes",
			origins: []string{app}, method: "GET", path: "/questionnaire", headers: map[string]string{"Origin": app + ".evil.example"},
			status: 200,
		},
		{
			name: "other port", reason: "the port is part of the origin",
			origins: []string{app}, method: "GET", path: "/questionnaire", headers: map[string]string{"Origin": app + ":8443"},
			status: 200,
		},
		{
			name: "null origin", reason: "sandboxed pages and files send null; never allowed",
			origins: []string{app}, method: "GET", path: "/questionnaire", headers: map[string]string{"Origin": "null"},
			status: 200,
		},
		{
			name: "preflight", reason: "an allowed origin's preflight is answered here, for JSON and bearer tokens",
			origins: []string{app}, method: "OPTIONS", path: "/triage",
			headers: map[string]string{"Origin": app, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"},
			status:  204, allow: app, preflight: true,
		},
		{
			name: "preflight other origin", reason: "another origin's preflight gets nothing: the browser will not send the request",
			origins: []string{app}, method: "OPTIONS", path: "/triage",
			headers: map[string]string{"Origin": "https://evil.example", "Access-Control-Request-Method": "POST"},
			status:  405,
		},
		{
			name: "no origins configured", reason: "without configured origins there is no CORS at all",
			method: "OPTIONS", path: "/triage",
			headers: map[string]string{"Origin": app, "Access-Control-Request-Method": "POST"},
			status:  405,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, err := New(Options{Engine: func() *triage.Engine { return eng }, BaseURL: "http://redflag.test", CORSOrigins: tt.origins})
			require.NoError(t, err)
			var body *bytes.Reader
			if tt.method == "POST" {
				body = bytes.NewReader([]byte(`{"fever": true}`))
			} else {
				body = bytes.NewReader(nil)
			}
			req := httptest.NewRequest(tt.method, tt.path, body)
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			require.Equal(t, tt.status, rec.Code, tt.reason)
			assert.Equal(t, tt.allow, rec.Header().Get("Access-Control-Allow-Origin"), tt.reason)
			assert.Empty(t, rec.Header().Get("Access-Control-Allow-Credentials"), "credentials are never allowed")
			if tt.preflight {
				assert.Equal(t, "GET, POST", rec.Header().Get("Access-Control-Allow-Methods"))
				assert.Equal(t, "Content-Type, Authorization", rec.Header().Get("Access-Control-Allow-Headers"))
				assert.Equal(t, "600", rec.Header().Get("Access-Control-Max-Age"))
			} else {
				assert.Empty(t, rec.Header().Get("Access-Control-Allow-Methods"), tt.reason)
			}
			if len(tt.origins) > 0 {
				assert.Contains(t, rec.Header().Values("Vary"), "Origin", "caches must know the answer depends on Origin")
			}
		})
	}
}
