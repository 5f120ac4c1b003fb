package server

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// TestSecurityHeaders: every response keeps the page to its own scripts,
// refuses to be framed (clickjacking a health form), and, when it comes
// over TLS or the service's URL is https, tells the browser to use HTTPS
// only from then on.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	handler := func(base string) http.Handler {
		s, err := New(Options{Engine: func() *triage.Engine { return eng }, BaseURL: base, Logger: slog.New(slog.DiscardHandler)})
		require.NoError(t, err)
		return s.Handler()
	}
	tests := []struct {
		name, reason string
		srv          *httptest.Server
		hsts         bool
	}{
		{name: "plain http", reason: "HSTS over plain HTTP means nothing and is left out", srv: httptest.NewServer(handler("http://redflag.test")), hsts: false},
		{name: "TLS", reason: "served over TLS: HSTS", srv: httptest.NewTLSServer(handler("http://redflag.test")), hsts: true},
		{name: "https base URL", reason: "behind a proxy that terminates TLS, the https URL says so", srv: httptest.NewServer(handler("https://redflag.test")), hsts: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			defer tt.srv.Close()
			for _, path := range []string{"/", "/app.js", "/questionnaire", "/healthz", "/no-such-page"} {
				res, err := tt.srv.Client().Get(tt.srv.URL + path)
				require.NoError(t, err)
				res.Body.Close()
				h := res.Header
				assert.Equal(t, "default-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'", h.Get("Content-Security-Policy"), path)
				assert.Equal(t, "DENY", h.Get("X-Frame-Options"), path)
				assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"), path)
				assert.Equal(t, "no-referrer", h.Get("Referrer-Policy"), path)
				if tt.hsts {
					assert.Equal(t, "max-age=31536000", h.Get("Strict-Transport-Security"), "%s: %s", tt.reason, path)
				} else {
					assert.Empty(t, h.Values("Strict-Transport-Security"), "%s: %s", tt.reason, path)
				}
			}
		})
	}
}
