package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// The handlers themselves are tested in package server; these tests cover
// what this program adds: its flags, its mux and its decision hook.

// serveEngine serves eng through the program's own handler.
func serveEngine(t *testing.T, eng *triage.Engine, log *slog.Logger) *httptest.Server {
	t.Helper()
	h, err := newHandler(eng, "", "http://redflag.test", log)
	require.NoError(t, err)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// call sends a request, as JSON when it is a POST, and decodes the JSON
// response into out.
func call(t *testing.T, srv *httptest.Server, method, path, body string, out any) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, srv.URL+path, strings.NewReader(body))
	require.NoError(t, err)
	if method == "POST" {
		req.Header.Set("Content-Type", "application/json")
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

func TestRunRejectsBadRules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(`name: broken
version: 1.0.0
title: Broken
sources: [{id: doc, title: Doc}]
questions:
  - {id: days, text: Days, type: integer}
rules:
  - id: rate
    title: Rate
    when: dayz > 2
    action: refer
    advice: See someone.
    cite: {source: doc, section: S}
`), 0o644))
	tests := []struct {
		name   string
		reason string
		dir    string
		want   string
	}{
		{name: "empty directory", reason: "no rule files: nothing to serve", dir: t.TempDir(), want: "do not load"},
		{name: "bad rule", reason: "the error and its snippet name the file in DIR, as the operator can open it", dir: dir,
			want: regexp.QuoteMeta(filepath.Join(dir, "r.yaml")) + `:10:\d+`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var stderr bytes.Buffer
			err := run(context.Background(), []string{"-rules", tt.dir, "-addr", "127.0.0.1:0"}, io.Discard, &stderr)
			require.Error(t, err, tt.reason)
			assert.Regexp(t, tt.want, err.Error(), tt.reason)
			assert.NotRegexp(t, `(^|[\s"])r\.yaml:`, err.Error(), "%s: no bare file name", tt.reason)
		})
	}
}

// TestOwnMux: the program's mux serves the package's routes: the form,
// the JSON API and the health checks among them.
func TestOwnMux(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	srv := serveEngine(t, eng, slog.New(slog.DiscardHandler))
	for path, want := range map[string]string{
		"/":              `<form id="question"`,
		"/questionnaire": `"notice"`,
		"/readyz":        `"status":"ready"`,
	} {
		res, err := srv.Client().Get(srv.URL + path)
		require.NoError(t, err)
		body, err := io.ReadAll(res.Body)
		res.Body.Close()
		require.NoError(t, err)
		assert.Equal(t, http.StatusOK, res.StatusCode, path)
		assert.Contains(t, string(body), want, path)
	}
}
