package server

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// requestPaths finds the paths the form's script requests: the first
// argument of each fetch and post call.
var requestPaths = regexp.MustCompile(`\b(?:fetch|post)\("([^"]*)"`)

// TestFormUnderAPathPrefix mounts the handler under /triage-app/ in
// another program's mux, as http.StripPrefix does it, and follows what the
// page asks for: its style and script, and every path the script
// requests, each resolved against the page's URL as a browser would. Each
// must reach the handler, so none may start with "/".
func TestFormUnderAPathPrefix(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	mux := http.NewServeMux()
	mux.Handle("/triage-app/", http.StripPrefix("/triage-app", newHandler(t, eng, "", nil)))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "someone else's page", http.StatusTeapot) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	page, err := url.Parse(srv.URL + "/triage-app/")
	require.NoError(t, err)

	get := func(ref string) (int, string) {
		u, err := page.Parse(ref)
		require.NoError(t, err)
		res, err := srv.Client().Get(u.String())
		require.NoError(t, err)
		defer res.Body.Close()
		body, err := io.ReadAll(res.Body)
		require.NoError(t, err)
		return res.StatusCode, string(body)
	}
	status, html := get("")
	require.Equal(t, http.StatusOK, status)
	assert.Contains(t, html, `<form id="question"`)
	for _, ref := range []string{"style.css", "app.js"} {
		assert.Contains(t, html, `"`+ref+`"`, "the page names its files relative to itself")
		status, _ := get(ref)
		assert.Equal(t, http.StatusOK, status, ref)
	}
	_, script := get("app.js")
	found := requestPaths.FindAllStringSubmatch(script, -1)
	require.NotEmpty(t, found, "the script requests the questionnaire and the next question")
	for _, m := range found {
		ref := m[1]
		assert.False(t, strings.HasPrefix(ref, "/"), "%q is absolute: under a prefix it would miss the handler", ref)
		u, err := page.Parse(ref)
		require.NoError(t, err)
		req, err := http.NewRequest("GET", u.String(), nil)
		require.NoError(t, err)
		if ref == "next" {
			req, err = http.NewRequest("POST", u.String(), strings.NewReader(`{"answers": {}}`))
			require.NoError(t, err)
			req.Header.Set("Content-Type", "application/json")
		}
		res, err := srv.Client().Do(req)
		require.NoError(t, err)
		res.Body.Close()
		assert.Equal(t, http.StatusOK, res.StatusCode, "%s %s reaches the handler", req.Method, ref)
	}
}
