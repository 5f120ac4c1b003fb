package cdshooks

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
)

// unsigned builds a token with the given header and claims and no
// signature, as an attacker would.
func unsigned(t *testing.T, header map[string]any, c any) string {
	t.Helper()
	h, err := json.Marshal(header)
	require.NoError(t, err)
	p, err := json.Marshal(c)
	require.NoError(t, err)
	return base64.RawURLEncoding.EncodeToString(h) + "." + base64.RawURLEncoding.EncodeToString(p) + "."
}

func TestAuthentication(t *testing.T) {
	k := clientKeys(t)
	other, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	pubDER, err := x509.MarshalPKIXPublicKey(&k.rs.PublicKey)
	require.NoError(t, err)
	with := func(change func(*jwt.Claims)) jwt.Claims {
		c := claims(newUUID())
		change(&c)
		return c
	}
	replayed := "Bearer " + sign(t, jose.ES384, k.es, "es", claims(newUUID()))

	tests := []struct {
		name, reason string
		auth         string // the Authorization header; "" sends none
		want         int
		msg          string // in the error message
	}{
		{"valid ES384", "a token signed with the client's P-384 key, for this endpoint, now", "Bearer " + sign(t, jose.ES384, k.es, "es", claims(newUUID())), 200, ""},
		{"valid RS384", "a token signed with the client's RSA key", "Bearer " + sign(t, jose.RS384, k.rs, "rs", claims(newUUID())), 200, ""},
		{"replay, first use", "the token replayed below is valid the first time", replayed, 200, ""},
		{"replayed jti", "the same token twice is a replay", replayed, 401, "jti has been used before"},
		{"bad signature", "signed by another key under the client's kid", "Bearer " + sign(t, jose.ES384, other, "es", claims(newUUID())), 401, "signature does not verify"},
		{"key not in JWKS", "a kid the issuer's JWKS does not hold", "Bearer " + sign(t, jose.ES384, other, "stranger", claims(newUUID())), 401, `has no key "stranger"`},
		{"wrong aud", "a token for another service must not open this one", "Bearer " + sign(t, jose.ES384, k.es, "es", with(func(c *jwt.Claims) { c.Audience = jwt.Audience{servicesURL + "/other"} })), 401, "aud does not name this endpoint"},
		{"discovery aud on the service", "aud names the discovery endpoint, not this service", "Bearer " + sign(t, jose.ES384, k.es, "es", with(func(c *jwt.Claims) { c.Audience = jwt.Audience{servicesURL} })), 401, "aud does not name"},
		{"aud with another service too", "a token for several services could be replayed to each of them", "Bearer " + sign(t, jose.ES384, k.es, "es", with(func(c *jwt.Claims) {
			c.Audience = jwt.Audience{"https://evil.example.org/cds-services/x", serviceURL}
		})), 401, "aud names 2 audiences"},
		{"aud as a one-entry array", "RFC 7519 allows an array; one entry equal to the endpoint is the endpoint", "Bearer " + sign(t, jose.ES384, k.es, "es", map[string]any{
			"iss": issuer, "sub": "ehr-client", "aud": []string{serviceURL}, "exp": t0.Add(time.Minute).Unix(), "iat": t0.Unix(), "jti": newUUID()}), 200, ""},
		{"no aud", "a token for no one in particular is for no one", "Bearer " + sign(t, jose.ES384, k.es, "es", with(func(c *jwt.Claims) { c.Audience = nil })), 401, "aud does not name"},
		{"missing sub", "the specification requires sub, the client's client_id", "Bearer " + sign(t, jose.ES384, k.es, "es", with(func(c *jwt.Claims) { c.Subject = "" })), 401, "no sub"},
		{"expired", "exp a minute ago, beyond the 30-second leeway", "Bearer " + sign(t, jose.ES384, k.es, "es", with(func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(t0.Add(-time.Minute)) })), 401, "expired"},
		{"within leeway", "exp 10 seconds ago is within the leeway for clock skew", "Bearer " + sign(t, jose.ES384, k.es, "es", with(func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(t0.Add(-10 * time.Second)) })), 200, ""},
		{"missing exp", "a token without exp would never expire", "Bearer " + sign(t, jose.ES384, k.es, "es", with(func(c *jwt.Claims) { c.Expiry = nil })), 401, "no exp"},
		{"exp too far", "a token living a day would have to be remembered a day", "Bearer " + sign(t, jose.ES384, k.es, "es", with(func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(t0.Add(24 * time.Hour)) })), 401, "more than 1h0m0s away"},
		{"missing iat", "the specification requires iat", "Bearer " + sign(t, jose.ES384, k.es, "es", with(func(c *jwt.Claims) { c.IssuedAt = nil })), 401, "no iat"},
		{"iat in the future", "a token issued in five minutes", "Bearer " + sign(t, jose.ES384, k.es, "es", with(func(c *jwt.Claims) { c.IssuedAt = jwt.NewNumericDate(t0.Add(5 * time.Minute)) })), 401, "iat is in the future"},
		{"missing jti", "without jti a replay cannot be told apart", "Bearer " + sign(t, jose.ES384, k.es, "es", with(func(c *jwt.Claims) { c.ID = "" })), 401, "no jti"},
		{"unknown issuer", "a well-signed token from an issuer not on the allow-list", "Bearer " + sign(t, jose.ES384, k.es, "es", with(func(c *jwt.Claims) { c.Issuer = "https://evil.example.org" })), 401, "is not trusted"},
		{"alg none", "an unsigned token proves nothing", "Bearer " + unsigned(t, map[string]any{"alg": "none", "typ": "JWT", "kid": "es"}, claims(newUUID())), 401, `alg "none"`},
		{"HS256 with the public key as secret", "the classic key-confusion attack", "Bearer " + sign(t, jose.HS256, pubDER, "rs", claims(newUUID())), 401, `alg "HS256"`},
		{"typ not JWT", "another kind of token, such as an access token", "Bearer " + unsigned(t, map[string]any{"alg": "ES384", "typ": "at+jwt", "kid": "es"}, claims(newUUID())), 401, "typ"},
		{"malformed header", "Basic credentials are not a bearer token", "Basic dXNlcjpwYXNz", 401, `not "Bearer <JWT>"`},
		{"malformed token", "a bearer value that is not a JWT", "Bearer not.a.jwt", 401, "not a well-formed"},
		{"no header", "every call needs a token", "", 401, "no Authorization header"},
	}
	s, _ := testService(t, &fakeForm{eng: loadEngine(t), canonical: canonical, answers: map[string]any{"fever": true}}, nil)
	body := hookBody(t, bareQR(canonical))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := postWith(t, s, tt.auth, body)
			require.Equal(t, tt.want, w.Code, "%s: %s", tt.reason, w.Body)
			if tt.want == 200 {
				return
			}
			assert.Contains(t, errorOf(t, w), tt.msg, tt.reason)
			assert.Contains(t, w.Header().Get("WWW-Authenticate"), "Bearer", tt.reason)
		})
	}
}

// A token is checked against its own issuer's keys only: a second trusted
// issuer cannot sign as the first.
func TestAuthenticationIssuerKeysAreSeparate(t *testing.T) {
	k := clientKeys(t)
	other, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	otherJWKS, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &other.PublicKey, KeyID: "es", Algorithm: "ES384"}}})
	require.NoError(t, err)
	s, _ := testService(t, &fakeForm{eng: loadEngine(t), canonical: canonical}, func(o *Options) {
		o.Issuers = map[string][]byte{issuer: k.jwks(t), "https://second.example.org": otherJWKS}
	})
	c := claims(newUUID())
	c.Issuer = issuer
	w := postWith(t, s, "Bearer "+sign(t, jose.ES384, other, "es", c), hookBody(t, nil))
	assert.Equal(t, 401, w.Code, "the second issuer's key signing as the first")
	c.Issuer = "https://second.example.org"
	c.ID = newUUID()
	w = postWith(t, s, "Bearer "+sign(t, jose.ES384, other, "es", c), hookBody(t, nil))
	assert.Equal(t, 200, w.Code, "the second issuer as itself: %s", w.Body)
}

func TestDiscoveryNeedsToken(t *testing.T) {
	s, _ := testService(t, &fakeForm{eng: loadEngine(t), canonical: canonical}, nil)
	get := func(auth string) *httptest.ResponseRecorder {
		r := httptest.NewRequest(http.MethodGet, "/cds-services", nil)
		if auth != "" {
			r.Header.Set("Authorization", auth)
		}
		w := httptest.NewRecorder()
		s.ServeHTTP(w, r)
		return w
	}
	assert.Equal(t, 401, get("").Code, "the specification asks for a token on discovery too")
	c := claims(newUUID())
	c.Audience = jwt.Audience{servicesURL}
	assert.Equal(t, 200, get("Bearer "+sign(t, jose.ES384, clientKeys(t).es, "es", c)).Code, "aud is the discovery endpoint")
	c.ID = newUUID()
	c.Audience = jwt.Audience{serviceURL}
	assert.Equal(t, 401, get("Bearer "+sign(t, jose.ES384, clientKeys(t).es, "es", c)).Code, "a token for the service is not one for discovery")
}

func TestInsecure(t *testing.T) {
	s, logs := testService(t, &fakeForm{eng: loadEngine(t), canonical: canonical}, func(o *Options) {
		o.Insecure = true
		o.Issuers = nil
	})
	assert.Contains(t, logs.String(), "AUTHENTICATION IS OFF", "New warns")
	assert.Contains(t, logs.String(), `"level":"WARN"`)
	w := postWith(t, s, "", hookBody(t, nil))
	assert.Equal(t, 200, w.Code, "no token is accepted in development: %s", w.Body)
	w = postWith(t, s, "Bearer "+sign(t, jose.ES384, clientKeys(t).es, "es", claims(newUUID())), hookBody(t, nil))
	assert.Equal(t, 401, w.Code, "a token that is sent is still checked (here its issuer is not trusted)")
}

func TestNewRefuses(t *testing.T) {
	k := clientKeys(t)
	symmetric, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: []byte("0123456789abcdef0123456789abcdef"), KeyID: "hs"}}})
	require.NoError(t, err)
	private, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: k.es, KeyID: "es"}}})
	require.NoError(t, err)
	noKid, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &k.es.PublicKey}}})
	require.NoError(t, err)
	tests := []struct {
		name, reason string
		change       func(*Options)
		msg          string
	}{
		{"no form", "nothing to serve", func(o *Options) { o.Form = nil }, "Form is required"},
		{"no issuers", "no client could call it", func(o *Options) { o.Issuers = nil }, "Issuers is empty"},
		{"no services URL", "aud could not be checked", func(o *Options) { o.ServicesURL = "" }, "ServicesURL is required"},
		{"http services URL", "CDS Hooks runs over TLS", func(o *Options) { o.ServicesURL = "http://cds.example.org/cds-services" }, "requires https"},
		{"services URL without /cds-services", "the discovery endpoint is {base}/cds-services", func(o *Options) { o.ServicesURL = "https://cds.example.org/" }, "ends in /cds-services"},
		{"bad id", "the id is a path segment", func(o *Options) { o.ID = "a/b" }, "Options.ID"},
		{"relative form URL", "a card link must be absolute", func(o *Options) { o.FormURL = "/form" }, "FormURL"},
		{"JWKS not JSON", "a broken file must not mean no keys", func(o *Options) { o.Issuers = map[string][]byte{issuer: []byte("{")} }, "cannot be read"},
		{"empty JWKS", "an issuer nobody can verify", func(o *Options) { o.Issuers = map[string][]byte{issuer: []byte(`{"keys":[]}`)} }, "holds no keys"},
		{"symmetric key", "HMAC keys are shared secrets, refused by the specification", func(o *Options) { o.Issuers = map[string][]byte{issuer: symmetric} }, "only public RSA and EC keys"},
		{"private key", "a JWKS with a private key was shared by mistake", func(o *Options) { o.Issuers = map[string][]byte{issuer: private} }, "only public RSA and EC keys"},
		{"key without kid", "the specification requires a kid", func(o *Options) { o.Issuers = map[string][]byte{issuer: noKid} }, "no kid"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := Options{Form: func() (*fhir.Form, error) { return nil, nil }, ServicesURL: servicesURL, Issuers: map[string][]byte{issuer: k.jwks(t)}}
			tt.change(&opts)
			_, err := New(opts)
			require.Error(t, err, tt.reason)
			assert.Contains(t, err.Error(), tt.msg, tt.reason)
		})
	}
}

func TestReplayCacheForgetsExpired(t *testing.T) {
	c := newReplayCache(2)
	require.NoError(t, c.add("a", t0.Add(time.Minute), t0))
	require.NoError(t, c.add("b", t0.Add(2*time.Minute), t0))
	assert.ErrorIs(t, c.add("c", t0.Add(time.Minute), t0), errBusy, "full of unexpired ids: refuse rather than forget one early")
	assert.Error(t, c.add("a", t0.Add(time.Minute), t0.Add(30*time.Second)), "a replay before expiry")
	require.NoError(t, c.add("c", t0.Add(3*time.Minute), t0.Add(time.Minute)), "a expired and made room")
	assert.Equal(t, 2, c.len())
	require.NoError(t, c.add("a", t0.Add(5*time.Minute), t0.Add(4*time.Minute)), "an id may come back once its token has expired")
	assert.Equal(t, 1, c.len(), "b and c are gone")
}
