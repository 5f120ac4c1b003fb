package cdshooks

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Algorithms are the JWS algorithms a client's token may be signed with:
// the asymmetric ones. The specification recommends ES384 and RS384; ES256
// and RS256 are accepted too, since many clients' keys use them and they are
// as sound. "none" and every HMAC algorithm are refused, as the
// specification requires.
var algorithms = []jose.SignatureAlgorithm{jose.ES384, jose.RS384, jose.ES256, jose.RS256}

const (
	// leeway is how far the clocks of client and service may disagree.
	leeway = 30 * time.Second
	// maxLifetime bounds how far in the future a token's exp may lie, so
	// that the replay cache need not remember a jti for long.
	maxLifetime = time.Hour
	// maxToken bounds the length of a bearer token, in bytes.
	maxToken = 16 << 10
	// minRSABits is the smallest RSA key trusted.
	minRSABits = 2048
)

// authError is a refused token: its message is plain and safe to send.
type authError struct{ msg string }

func (e *authError) Error() string { return e.msg }

func refuse(format string, args ...any) error {
	return &authError{msg: fmt.Sprintf(format, args...)}
}

// errBusy means the replay cache is full of unexpired token ids.
var errBusy = errors.New("too many recent tokens to remember; try again shortly")

// verifier checks bearer tokens against the trusted issuers.
type verifier struct {
	issuers map[string]*jose.JSONWebKeySet
	seen    *replayCache
	now     func() time.Time
}

// parseIssuers reads each issuer's JWKS, refusing keys that cannot sign
// asymmetrically or that could be confused with one another.
func parseIssuers(in map[string][]byte) (map[string]*jose.JSONWebKeySet, error) {
	out := make(map[string]*jose.JSONWebKeySet, len(in))
	for iss, data := range in {
		if iss == "" {
			return nil, errors.New("cdshooks: Options.Issuers: an empty issuer")
		}
		var set jose.JSONWebKeySet
		if err := json.Unmarshal(data, &set); err != nil {
			return nil, fmt.Errorf("cdshooks: Options.Issuers[%q]: the JWKS cannot be read: %w", iss, err)
		}
		if len(set.Keys) == 0 {
			return nil, fmt.Errorf("cdshooks: Options.Issuers[%q]: the JWKS holds no keys", iss)
		}
		kids := map[string]bool{}
		for i, k := range set.Keys {
			if err := checkKey(k); err != nil {
				return nil, fmt.Errorf("cdshooks: Options.Issuers[%q]: key %d (kid %q): %w", iss, i, k.KeyID, err)
			}
			if kids[k.KeyID] {
				return nil, fmt.Errorf("cdshooks: Options.Issuers[%q]: kid %q appears twice", iss, k.KeyID)
			}
			kids[k.KeyID] = true
		}
		out[iss] = &set
	}
	return out, nil
}

// checkKey accepts only public RSA (2048 bits or more) and EC signing keys
// with a kid.
func checkKey(k jose.JSONWebKey) error {
	switch {
	case k.KeyID == "":
		return errors.New("no kid; the specification requires one")
	case k.Use != "" && k.Use != "sig":
		return fmt.Errorf("use %q, want sig", k.Use)
	case k.Algorithm != "" && !slices.Contains(algorithms, jose.SignatureAlgorithm(k.Algorithm)):
		return fmt.Errorf("alg %q is not one of %v", k.Algorithm, algorithms)
	}
	switch pub := k.Key.(type) {
	case *rsa.PublicKey:
		if pub.N.BitLen() < minRSABits {
			return fmt.Errorf("an RSA key of %d bits, want at least %d", pub.N.BitLen(), minRSABits)
		}
	case *ecdsa.PublicKey:
	default:
		return fmt.Errorf("a %T; only public RSA and EC keys are trusted (a private or symmetric key does not belong in a JWKS given to a service)", k.Key)
	}
	return nil
}

// verify checks the request's bearer token for the endpoint aud.
func (v *verifier) verify(r *http.Request, aud string) error {
	raw, err := bearer(r)
	if err != nil {
		return err
	}
	if err := checkAlg(raw); err != nil {
		return err
	}
	tok, err := jwt.ParseSigned(raw, algorithms)
	if err != nil {
		return refuse("the token is not a well-formed signed JWT")
	}
	key, err := v.key(tok)
	if err != nil {
		return err
	}
	var c jwt.Claims
	if err := tok.Claims(key, &c); err != nil {
		return refuse("the token's signature does not verify with the issuer's key %q", key.KeyID)
	}
	return v.checkClaims(c, aud)
}

// bearer returns the token of an "Authorization: Bearer" header.
func bearer(r *http.Request) (string, error) {
	h := r.Header.Values("Authorization")
	if len(h) == 0 {
		return "", refuse("no Authorization header; send a bearer JWT signed by a trusted client")
	}
	if len(h) > 1 {
		return "", refuse("more than one Authorization header")
	}
	scheme, tok, ok := strings.Cut(h[0], " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return "", refuse("the Authorization header is not \"Bearer <JWT>\"")
	}
	tok = strings.TrimSpace(tok)
	if len(tok) > maxToken {
		return "", refuse("the token is longer than %d bytes", maxToken)
	}
	return tok, nil
}

// checkAlg names the algorithm of a token whose alg is refused, so that
// "alg none" and HMAC tokens get a plain reason rather than a parse error.
func checkAlg(raw string) error {
	head, _, _ := strings.Cut(raw, ".")
	data, err := base64.RawURLEncoding.DecodeString(head)
	if err != nil {
		return refuse("the token is not a well-formed signed JWT")
	}
	var h struct {
		Alg string `json:"alg"`
		Typ string `json:"typ"`
	}
	if err := json.Unmarshal(data, &h); err != nil {
		return refuse("the token is not a well-formed signed JWT: its header is not JSON")
	}
	if !slices.Contains(algorithms, jose.SignatureAlgorithm(h.Alg)) {
		return refuse("the token is signed with alg %q; only %v are accepted", h.Alg, algorithms)
	}
	if h.Typ != "" && !strings.EqualFold(h.Typ, "JWT") {
		return refuse("the token's typ is %q, want JWT", h.Typ)
	}
	return nil
}

// key finds the trusted key that must have signed tok.
func (v *verifier) key(tok *jwt.JSONWebToken) (*jose.JSONWebKey, error) {
	if len(tok.Headers) != 1 {
		return nil, refuse("the token must have exactly one signature")
	}
	h := tok.Headers[0]
	if h.KeyID == "" {
		return nil, refuse("the token's header has no kid")
	}
	var unverified jwt.Claims
	if err := tok.UnsafeClaimsWithoutVerification(&unverified); err != nil {
		return nil, refuse("the token's claims are not a JSON object")
	}
	set, ok := v.issuers[unverified.Issuer]
	if !ok {
		return nil, refuse("the issuer %q is not trusted", unverified.Issuer)
	}
	keys := set.Key(h.KeyID)
	if len(keys) == 0 {
		return nil, refuse("the issuer %q has no key %q", unverified.Issuer, h.KeyID)
	}
	k := keys[0]
	if k.Algorithm != "" && k.Algorithm != h.Algorithm {
		return nil, refuse("key %q is for alg %s, not %s", k.KeyID, k.Algorithm, h.Algorithm)
	}
	return &k, nil
}

// checkClaims checks the verified claims: a sub (the client_id), an aud
// that is this endpoint and only it, the times, and a jti never seen
// before.
func (v *verifier) checkClaims(c jwt.Claims, aud string) error {
	now := v.now()
	switch {
	case c.Expiry == nil:
		return refuse("the token has no exp")
	case c.IssuedAt == nil:
		return refuse("the token has no iat")
	case c.ID == "":
		return refuse("the token has no jti")
	case c.Subject == "":
		return refuse("the token has no sub; the specification requires the client's client_id there")
	case len(c.Audience) > 1:
		// RFC 7519 allows aud as a string or an array: a one-entry array
		// is accepted like the string. A token meant for other services
		// too could be replayed to each of them, so it is refused.
		return refuse("the token's aud names %d audiences; it must name this endpoint, %s, alone", len(c.Audience), aud)
	}
	err := c.ValidateWithLeeway(jwt.Expected{AnyAudience: jwt.Audience{aud}, Time: now}, leeway)
	switch {
	case errors.Is(err, jwt.ErrExpired):
		return refuse("the token has expired")
	case errors.Is(err, jwt.ErrInvalidAudience):
		return refuse("the token's aud does not name this endpoint, %s", aud)
	case errors.Is(err, jwt.ErrIssuedInTheFuture):
		return refuse("the token's iat is in the future")
	case errors.Is(err, jwt.ErrNotValidYet):
		return refuse("the token is not valid yet (nbf)")
	case err != nil:
		return refuse("the token's claims are not valid")
	}
	exp := c.Expiry.Time()
	if exp.After(now.Add(maxLifetime)) {
		return refuse("the token's exp is more than %v away; use short-lived tokens", maxLifetime)
	}
	return v.seen.add(c.Issuer+"\x00"+c.ID, exp.Add(leeway), now)
}
