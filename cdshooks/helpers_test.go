package cdshooks

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata")

const (
	servicesURL = "https://cds.example.org/cds-services"
	serviceURL  = servicesURL + "/" + DefaultID
	formURL     = "https://forms.example.org/back"
	issuer      = "https://ehr.example.org"
	patientID   = "patient-4711"
)

// t0 is the tests' clock.
var t0 = time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC)

func loadEngine(t testing.TB) *triage.Engine {
	t.Helper()
	eng, err := triage.Load(os.DirFS("testdata/rules"))
	require.NoError(t, err)
	return eng
}

// keys are a client's signing keys, generated for each test run.
type keys struct {
	es *ecdsa.PrivateKey
	rs *rsa.PrivateKey
}

var (
	keysOnce sync.Once
	testKeys keys
)

func clientKeys(t testing.TB) keys {
	t.Helper()
	keysOnce.Do(func() {
		es, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		require.NoError(t, err)
		rs, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		testKeys = keys{es: es, rs: rs}
	})
	return testKeys
}

// jwks is the public JWKS of k, with kids "es" and "rs".
func (k keys) jwks(t testing.TB) []byte {
	t.Helper()
	data, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{
		{Key: &k.es.PublicKey, KeyID: "es", Algorithm: string(jose.ES384), Use: "sig"},
		{Key: &k.rs.PublicKey, KeyID: "rs", Algorithm: string(jose.RS384), Use: "sig"},
	}})
	require.NoError(t, err)
	return data
}

// claims returns valid claims for the service endpoint at t0.
func claims(jti string) jwt.Claims {
	return jwt.Claims{
		Issuer:   issuer,
		Subject:  "ehr-client",
		Audience: jwt.Audience{serviceURL},
		Expiry:   jwt.NewNumericDate(t0.Add(5 * time.Minute)),
		IssuedAt: jwt.NewNumericDate(t0),
		ID:       jti,
	}
}

// sign signs c with key under alg and kid.
func sign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid string, c any) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: kid}}, (&jose.SignerOptions{}).WithType("JWT"))
	require.NoError(t, err)
	tok, err := jwt.Signed(sig).Claims(c).Serialize()
	require.NoError(t, err)
	return tok
}

// fakeForm stands in for a *fhir.Form: it gives the answers it holds for
// any response that names its canonical.
type fakeForm struct {
	eng       *triage.Engine
	canonical string
	answers   triage.Answers
	err       error
}

func (f *fakeForm) Engine() *triage.Engine { return f.eng }
func (f *fakeForm) Canonical() string      { return f.canonical }
func (f *fakeForm) Answers(*fhir.QuestionnaireResponse) (triage.Answers, error) {
	return f.answers, f.err
}

// fakeParse reads only what the fake form needs: the resource type and the
// questionnaire named.
func fakeParse(data []byte) (*fhir.QuestionnaireResponse, error) {
	var qr fhir.QuestionnaireResponse
	if err := json.Unmarshal(data, &qr); err != nil {
		return nil, err
	}
	if qr.ResourceType != "QuestionnaireResponse" {
		return nil, fmt.Errorf("resourceType %q", qr.ResourceType)
	}
	return &qr, nil
}

const canonical = "https://cds.example.org/fhir/Questionnaire/clinic|1.0.0"

// testService builds a Service with the test keys trusted and form in
// service, logging JSON to the returned buffer.
func testService(t testing.TB, form formView, change func(*Options)) (*Service, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	opts := Options{
		Form:        func() (*fhir.Form, error) { return nil, nil },
		ServicesURL: servicesURL,
		FormURL:     formURL,
		Issuers:     map[string][]byte{issuer: clientKeys(t).jwks(t)},
		Logger:      slog.New(slog.NewJSONHandler(logs, &slog.HandlerOptions{ReplaceAttr: dropClockFields})),
		Now:         func() time.Time { return t0 },
	}
	if change != nil {
		change(&opts)
	}
	s, err := New(opts)
	require.NoError(t, err)
	if form != nil {
		s.form = func() (formView, error) { return form, nil }
		s.parse = fakeParse
	}
	return s, logs
}

// hookBody is a patient-view call whose prefetch holds prefetch (omitted
// when nil).
func hookBody(t testing.TB, prefetch any) []byte {
	t.Helper()
	req := map[string]any{
		"hook":         "patient-view",
		"hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea",
		"fhirServer":   "https://ehr.example.org/fhir",
		"context":      map[string]any{"userId": "Practitioner/example", "patientId": patientID},
	}
	if prefetch != nil {
		req["prefetch"] = map[string]any{prefetchKey: prefetch}
	}
	data, err := json.Marshal(req)
	require.NoError(t, err)
	return data
}

// bareQR is a QuestionnaireResponse to questionnaire q.
func bareQR(q string) map[string]any {
	return map[string]any{"resourceType": "QuestionnaireResponse", "questionnaire": q, "status": "completed", "subject": map[string]any{"reference": "Patient/" + patientID}}
}

// withSubject sets qr's subject reference, or removes the subject when
// ref is empty.
func withSubject(qr map[string]any, ref string) map[string]any {
	delete(qr, "subject")
	if ref != "" {
		qr["subject"] = map[string]any{"reference": ref}
	}
	return qr
}

func bundle(entries ...any) map[string]any {
	b := map[string]any{"resourceType": "Bundle", "type": "searchset", "total": len(entries)}
	var es []any
	for _, e := range entries {
		es = append(es, map[string]any{"resource": e, "search": map[string]any{"mode": "match"}})
	}
	if es != nil {
		b["entry"] = es
	}
	return b
}

// post calls the service with a fresh valid ES384 token.
func post(t testing.TB, s http.Handler, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	return postWith(t, s, "Bearer "+sign(t, jose.ES384, clientKeys(t).es, "es", claims(newUUID())), body)
}

func postWith(t testing.TB, s http.Handler, auth string, body []byte) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/cds-services/"+DefaultID, bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	if auth != "" {
		r.Header.Set("Authorization", auth)
	}
	w := httptest.NewRecorder()
	s.ServeHTTP(w, r)
	return w
}

// errorOf returns the error message of a JSON error body.
func errorOf(t testing.TB, w *httptest.ResponseRecorder) string {
	t.Helper()
	var e errorBody
	require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e), "%s", w.Body)
	assert.Equal(t, "application/json", w.Header().Get("Content-Type"))
	return e.Error
}

// golden compares got with testdata/name, rewriting it with -update.
func golden(t testing.TB, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.WriteFile(path, got, 0o644))
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./cdshooks -update to create it")
	assert.Equal(t, string(want), string(got), "%s differs; if the change is intended, run go test ./cdshooks -update", path)
}

// syncBuffer is a log sink safe for concurrent writes.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func indentJSON(t testing.TB, data []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	require.NoError(t, json.Indent(&out, bytes.TrimSpace(data), "", "  "))
	return append(out.Bytes(), '\n')
}

// dropClockFields removes the time from test logs: tests scan
// the log for answer values, and a nanosecond timestamp can hold any five
// digits by chance.
func dropClockFields(_ []string, a slog.Attr) slog.Attr {
	switch a.Key {
	case slog.TimeKey:
		return slog.Attr{}
	}
	return a
}
