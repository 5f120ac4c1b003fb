package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestServeArguments: arguments that cannot work stop redflag serve before
// it listens, with exit 2 and a plain message.
func TestServeArguments(t *testing.T) {
	t.Parallel()
	jwks := filepath.Join(t.TempDir(), "jwks.json")
	require.NoError(t, os.WriteFile(jwks, []byte(`{"keys": []}`), 0o600))
	notDir := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(notDir, nil, 0o600))
	tests := []struct {
		name   string
		reason string
		args   []string
		want   string
	}{
		{name: "positional", reason: "the rule directory is a flag", args: []string{"rules/"}, want: "goes after --rules"},
		{name: "cert without key", reason: "TLS needs both", args: []string{"--tls-cert", "c.pem"}, want: "--tls-cert and --tls-key go together"},
		{name: "key without cert", reason: "TLS needs both", args: []string{"--tls-key", "k.pem"}, want: "--tls-cert and --tls-key go together"},
		{name: "issuer without keys", reason: "an issuer is trusted only with its keys", args: []string{"--cds-issuer", "https://ehr.test"}, want: "each --cds-issuer needs its --cds-jwks"},
		{name: "duplicate issuer", reason: "one issuer, one key set", args: []string{"--cds-issuer", "https://ehr.test", "--cds-jwks", jwks, "--cds-issuer", "https://ehr.test", "--cds-jwks", jwks}, want: "given twice"},
		{name: "missing JWKS", reason: "the file is read at startup", args: []string{"--cds-issuer", "https://ehr.test", "--cds-jwks", jwks + ".missing"}, want: "--cds-jwks:"},
		{name: "empty JWKS", reason: "a key set with no key trusts no one", args: []string{"--cds-issuer", "https://ehr.test", "--cds-jwks", jwks, "--addr", "127.0.0.1:0"}, want: "CDS Hooks"},
		{name: "bad origin", reason: "an origin is matched exactly, so it must be one", args: []string{"--cors-origin", "*", "--addr", "127.0.0.1:0"}, want: "CORS origin"},
		{name: "bad base URL", reason: "canonical urls are absolute", args: []string{"--base-url", "triage.example.org", "--addr", "127.0.0.1:0"}, want: "base URL"},
		{name: "missing TLS certificate", reason: "a certificate that cannot be read is a bad flag", args: []string{"--tls-cert", jwks + ".missing", "--tls-key", jwks + ".missing", "--addr", "127.0.0.1:0"}, want: "TLS certificate"},
		{name: "TLS certificate not PEM", reason: "a file that holds no certificate is a bad flag", args: []string{"--tls-cert", jwks, "--tls-key", jwks, "--addr", "127.0.0.1:0"}, want: "TLS certificate"},
		{name: "rules not a directory", reason: "the rules are a directory", args: []string{"--rules", notDir, "--addr", "127.0.0.1:0"}, want: "is not a directory"},
		{name: "empty rules directory", reason: "nothing to serve", args: []string{"--rules", t.TempDir(), "--addr", "127.0.0.1:0"}, want: "do not load"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, context.Background(), "", append([]string{"serve"}, tt.args...)...)
			assert.Equal(t, exitBadInput, got.code, "%s: %s", tt.reason, got.stderr)
			assert.Contains(t, got.stderr, tt.want, tt.reason)
			assert.NotContains(t, got.stderr, `"msg":"serving"`, "%s: it never serves", tt.reason)
		})
	}
}

// TestServeInsecureDevWarns: --insecure-dev is announced loudly at
// startup; with the context already done, serve starts, stops and exits 0.
func TestServeInsecureDevWarns(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	got := runCLI(t, ctx, "", "serve", "--addr", "127.0.0.1:0", "--insecure-dev")
	require.Equal(t, exitSelfCare, got.code, got.stderr)
	assert.Contains(t, got.stderr, `"level":"WARN","msg":"INSECURE DEVELOPMENT MODE (--insecure-dev)`)
	assert.Contains(t, got.stderr, `"cds_hooks":true`)
	assert.Contains(t, got.stderr, `"insecure_dev":true`)
	assert.Contains(t, got.stderr, `"msg":"stopped"`)
}

// TestServeAddress: --insecure-dev is refused unless the service listens
// on loopback only; a wildcard address needs --base-url, since canonical
// urls and a token's aud cannot be made of an address that means "every
// interface"; a port picked at startup (0) is warned about, since it
// changes at each restart.
func TestServeAddress(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, reason string
		args         []string
		code         int
		want, never  string
	}{
		{name: "insecure on a wildcard", reason: "a service without token checks must not be reachable from the network",
			args: []string{"--insecure-dev", "--addr", "0.0.0.0:0", "--base-url", "http://dev.test"}, code: exitBadInput, want: "--insecure-dev"},
		{name: "insecure on IPv6 wildcard", reason: "the same for [::]",
			args: []string{"--insecure-dev", "--addr", "[::]:0", "--base-url", "http://dev.test"}, code: exitBadInput, want: "--insecure-dev"},
		{name: "insecure on empty host", reason: ":PORT listens on every interface",
			args: []string{"--insecure-dev", "--addr", ":0", "--base-url", "http://dev.test"}, code: exitBadInput, want: "loopback"},
		{name: "insecure on localhost", reason: "localhost is loopback",
			args: []string{"--insecure-dev", "--addr", "localhost:0"}, code: exitSelfCare, want: `"msg":"stopped"`},
		{name: "wildcard without base URL", reason: "http://0.0.0.0:8080 is no URL a client can use",
			args: []string{"--addr", "0.0.0.0:0"}, code: exitBadInput, want: "--base-url"},
		{name: "wildcard with base URL", reason: "the operator says where clients reach it",
			args: []string{"--addr", "0.0.0.0:0", "--base-url", "https://triage.example.org"}, code: exitSelfCare, want: `"url":"https://triage.example.org"`, never: "port 0"},
		{name: "port 0 without base URL", reason: "the URL changes at each restart: warned",
			args: []string{"--addr", "127.0.0.1:0"}, code: exitSelfCare, want: `"level":"WARN","msg":"--addr has port 0`},
		{name: "port 0 with base URL", reason: "no warning once the URL is given",
			args: []string{"--addr", "127.0.0.1:0", "--base-url", "http://127.0.0.1:8080"}, code: exitSelfCare, want: `"msg":"stopped"`, never: "port 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := context.WithCancel(context.Background())
			cancel() // serve starts, then stops at once
			got := runCLI(t, ctx, "", append([]string{"serve"}, tt.args...)...)
			assert.Equal(t, tt.code, got.code, "%s: %s", tt.reason, got.stderr)
			assert.Contains(t, got.stderr, tt.want, tt.reason)
			if tt.never != "" {
				assert.NotContains(t, got.stderr, tt.never, tt.reason)
			}
			if tt.code == exitBadInput {
				assert.NotContains(t, got.stderr, `"msg":"serving"`, "%s: it never serves", tt.reason)
			}
		})
	}
}
