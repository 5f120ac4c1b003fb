//go:build unix

package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/cdshooks"
	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

const (
	fhirJSON   = "application/fhir+json"
	cdsIssuer  = "https://ehr.example.org"
	patientID  = "p-secret-4711"
	formCanon  = "/fhir/Questionnaire/upper-back-self-adjustment"
	cdsService = "/cds-services/" + cdshooks.DefaultID
)

// cdsClient is a CDS client's signing key, and the JWKS file that the
// service is given for it.
type cdsClient struct {
	key  *ecdsa.PrivateKey
	jwks string
}

func newCDSClient(t *testing.T) cdsClient {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	data, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &key.PublicKey, KeyID: "k1", Algorithm: string(jose.ES384), Use: "sig"},
	}})
	require.NoError(t, err)
	file := filepath.Join(t.TempDir(), "ehr.jwks.json")
	require.NoError(t, os.WriteFile(file, data, 0o600))
	return cdsClient{key: key, jwks: file}
}

// token signs claims with key, as kid "k1".
func token(t *testing.T, key *ecdsa.PrivateKey, c jwt.Claims) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES384, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}},
		(&jose.SignerOptions{}).WithType("JWT"))
	require.NoError(t, err)
	tok, err := jwt.Signed(sig).Claims(c).Serialize()
	require.NoError(t, err)
	return tok
}

// claimsFor are valid claims for the endpoint aud, with a fresh jti.
func claimsFor(aud, jti string) jwt.Claims {
	now := time.Now()
	return jwt.Claims{Issuer: cdsIssuer, Subject: "e2e-client", Audience: jwt.Audience{aud}, ID: jti,
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute))}
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

// checkFHIR fetches the Questionnaire, walks $next-question to a completed
// response, and triages a response through $triage.
func checkFHIR(t *testing.T, s *service) {
	var q fhir.Questionnaire
	require.Equal(t, http.StatusOK, s.do(t, "GET", formCanon, "", "", nil, &q))
	assert.Equal(t, s.url+formCanon, q.URL, "the canonical url is where the Questionnaire is served")

	qr := &fhir.QuestionnaireResponse{ResourceType: "QuestionnaireResponse", Questionnaire: q.URL + "|" + q.Version, Status: "in-progress"}
	for i := 0; i < 40 && qr.Status != "completed"; i++ {
		body, err := json.Marshal(qr)
		require.NoError(t, err)
		var out fhir.QuestionnaireResponse
		require.Equal(t, http.StatusOK, s.do(t, "POST", "/fhir/Questionnaire/$next-question", fhirJSON, string(body), nil, &out))
		qr = &out
		if item, ok := askedItem(qr); ok {
			qr.Item = append(qr.Item, fhir.AnswerItem{LinkID: item.LinkID, Answer: []fhir.Answer{answerFor(t, item)}})
		}
	}
	require.Equal(t, "completed", qr.Status, "the $next-question walk ends with a completed response")
	g := containedVerdict(qr)
	require.NotNil(t, g, "with its verdict")
	assert.Equal(t, "see_professional", verdictOutcome(g), "86417 days of pain is a red flag")

	// The same answers as a plain response to the canonical Questionnaire
	// ($triage does not read an adaptive form's contained one).
	plain := fhir.QuestionnaireResponse{ResourceType: "QuestionnaireResponse", Questionnaire: q.URL + "|" + q.Version,
		Status: "completed", Item: qr.Item}
	body, err := json.Marshal(plain)
	require.NoError(t, err)
	var gr fhir.GuidanceResponse
	require.Equal(t, http.StatusOK, s.do(t, "POST", "/fhir/QuestionnaireResponse/$triage", "application/json", string(body), nil, &gr))
	assert.Equal(t, "GuidanceResponse", gr.ResourceType)
	assert.Equal(t, "see_professional", verdictOutcome(&gr), "$triage agrees with the walk's verdict")
	var notes []string
	for _, n := range gr.Note {
		notes = append(notes, n.Text)
	}
	assert.Contains(t, notes, triage.Disclaimer)
}

// askedItem is the item $next-question asks for: the one with required set.
func askedItem(qr *fhir.QuestionnaireResponse) (fhir.Item, bool) {
	for _, r := range qr.Contained {
		if r.Questionnaire == nil {
			continue
		}
		for _, it := range r.Questionnaire.Item {
			if it.Required != nil {
				return it, true
			}
		}
	}
	return fhir.Item{}, false
}

// answerFor answers item with no red flag except a secret number of days
// of pain: false, the exclusive "none" option, or a number.
func answerFor(t *testing.T, item fhir.Item) fhir.Answer {
	t.Helper()
	switch item.Type {
	case "boolean":
		f := false
		return fhir.Answer{Value: fhir.Value{Boolean: &f}}
	case "integer":
		n := int64(7391)
		if item.LinkID == "pain_days" {
			n = 86417
		}
		return fhir.Answer{Value: fhir.Value{Integer: &n}}
	}
	for _, o := range item.AnswerOption {
		for _, x := range o.Extension {
			if strings.HasSuffix(x.URL, "questionnaire-optionExclusive") {
				return fhir.Answer{Value: o.Value}
			}
		}
	}
	require.NotEmpty(t, item.AnswerOption, item.LinkID)
	return fhir.Answer{Value: item.AnswerOption[0].Value}
}

func containedVerdict(qr *fhir.QuestionnaireResponse) *fhir.GuidanceResponse {
	for _, r := range qr.Contained {
		if r.GuidanceResponse != nil {
			return r.GuidanceResponse
		}
	}
	return nil
}

// verdictOutcome is the outcome code in a GuidanceResponse's extension.
func verdictOutcome(g *fhir.GuidanceResponse) string {
	for _, x := range g.Extension {
		if x.Value.Coding != nil {
			return x.Value.Coding.Code
		}
	}
	return ""
}

// checkCDSHooks calls discovery and the patient-view service with signed
// tokens, and has every kind of bad token refused.
func checkCDSHooks(t *testing.T, s *service, client cdsClient) {
	disc := s.url + "/cds-services"
	aud := s.url + cdsService
	var d cdshooks.Discovery
	require.Equal(t, http.StatusOK, s.do(t, "GET", "/cds-services", "", "", bearer(token(t, client.key, claimsFor(disc, "d-1"))), &d))
	require.Len(t, d.Services, 1)
	assert.Equal(t, "patient-view", d.Services[0].Hook)

	body := hookBody(t, s)
	valid := token(t, client.key, claimsFor(aud, "call-1"))
	var resp cdshooks.Response
	require.Equal(t, http.StatusOK, s.do(t, "POST", cdsService, "application/json", body, bearer(valid), &resp))
	require.Len(t, resp.Cards, 1)
	assert.Equal(t, "warning", resp.Cards[0].Indicator, "see a professional")

	other, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	require.NoError(t, err)
	expired := claimsFor(aud, "call-expired")
	expired.IssuedAt = jwt.NewNumericDate(time.Now().Add(-time.Hour))
	expired.Expiry = jwt.NewNumericDate(time.Now().Add(-30 * time.Minute))
	stranger := claimsFor(aud, "call-stranger")
	stranger.Issuer = "https://stranger.example"
	refused := []struct {
		name, reason string
		header       http.Header
	}{
		{name: "no token", reason: "no bearer token, and not --insecure-dev", header: nil},
		{name: "bad signature", reason: "signed by a key the JWKS does not hold", header: bearer(token(t, other, claimsFor(aud, "call-2")))},
		{name: "wrong aud", reason: "a token for another endpoint", header: bearer(token(t, client.key, claimsFor(disc, "call-3")))},
		{name: "expired", reason: "exp has passed", header: bearer(token(t, client.key, expired))},
		{name: "replayed jti", reason: "the valid token, sent again", header: bearer(valid)},
		{name: "unknown issuer", reason: "iss is not on the allow-list", header: bearer(token(t, client.key, stranger))},
	}
	for _, tt := range refused {
		var e map[string]any
		assert.Equal(t, http.StatusUnauthorized, s.do(t, "POST", cdsService, "application/json", body, tt.header, &e), "%s: %s", tt.name, tt.reason)
		assert.NotContains(t, e, "cards", tt.name)
	}
}

// hookBody is a patient-view call with the patient's latest response
// prefetched: the secret answers, with a red flag.
func hookBody(t *testing.T, s *service) string {
	t.Helper()
	var q fhir.Questionnaire
	require.Equal(t, http.StatusOK, s.do(t, "GET", formCanon, "", "", nil, &q))
	var answers map[string]any
	require.NoError(t, json.Unmarshal([]byte(secretAnswers), &answers))
	var items []map[string]any
	for id, v := range answers {
		key := "valueBoolean"
		if _, ok := v.(float64); ok {
			key = "valueInteger"
		}
		items = append(items, map[string]any{"linkId": id, "answer": []any{map[string]any{key: v}}})
	}
	qr := map[string]any{"resourceType": "QuestionnaireResponse", "status": "completed", "questionnaire": q.URL + "|" + q.Version,
		"subject": map[string]any{"reference": "Patient/" + patientID}, "item": items}
	data, err := json.Marshal(map[string]any{
		"hook": "patient-view", "hookInstance": "7f1c3c9e-1f7a-4d53-9c55-3a9e1b0c2d11",
		"context":  map[string]any{"userId": "Practitioner/dr-1", "patientId": patientID},
		"prefetch": map[string]any{"questionnaireResponse": qr},
	})
	require.NoError(t, err)
	return string(data)
}

// selfSigned writes a certificate for 127.0.0.1 and its key, and returns
// their files and a client that trusts the certificate.
func selfSigned(t *testing.T) (certFile, keyFile string, client *http.Client) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "127.0.0.1"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:   time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	require.NoError(t, err)
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	require.NoError(t, err)
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	require.NoError(t, os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600))
	require.NoError(t, os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), 0o600))
	cert, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return certFile, keyFile, &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}
