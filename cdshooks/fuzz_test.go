package cdshooks

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

// FuzzHookCall posts arbitrary bodies to the service, with a valid token
// and a real form: whatever comes in, the answer is a JSON error or a
// response of at most one card, never a panic, and never a card unless a
// QuestionnaireResponse to this questionnaire was sent.
func FuzzHookCall(f *testing.F) {
	form, err := fhir.New(loadEngine(f), fhir.Options{BaseURL: "https://cds.example.org/fhir"})
	require.NoError(f, err)
	for _, a := range outcomeAnswers {
		qr, err := form.Response(a.answers)
		require.NoError(f, err)
		f.Add(hookBody(f, bundle(qr)))
		f.Add(hookBody(f, qr))
	}
	f.Add(hookBody(f, nil))
	f.Add(hookBody(f, bundle()))
	f.Add([]byte(`{"hook":"patient-view","hookInstance":"x","context":{"patientId":"p"},"prefetch":{"questionnaireResponse":{"resourceType":"Bundle","entry":[{"resource":null}]}}}`))
	f.Add([]byte(`{"hook":"patient-view","context":null}`))
	f.Add([]byte(`{"hook":"patient-view","hookInstance":"d1577c69-dfbe-44ad-ba6d-3e05e953b2ea","context":{"userId":"u","patientId":"p"},"prefetch":{"questionnaireResponse":{"resourceType":"Bundle","type":"searchset","entry":[],"ENTRY":[{"resource":{"resourceType":"QuestionnaireResponse"}}]}}}`))
	f.Add([]byte(`{"hook":"patient-view","hook":"x","context":{"userId":"u","patientId":"p"},"prefetch":{"questionnaireResponse":{"resourceType":"Bundle","type":"searchset","entry":[{"search":{"mode":"include"},"resource":{}}]}}}`))
	f.Add([]byte(`[]`))
	s, _ := testService(f, nil, func(o *Options) { o.Form = func() (*fhir.Form, error) { return form, nil } })
	token := "Bearer " + sign(f, jose.ES384, clientKeys(f).es, "es", claims("fuzz"))
	f.Fuzz(func(t *testing.T, body []byte) {
		s.verifier.seen = newReplayCache(maxRemembered) // the one token, every time
		w := postWith(t, s, token, body)
		switch w.Code {
		case 200:
			var resp Response
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp), "%s", w.Body)
			require.NotNil(t, resp.Cards)
			require.LessOrEqual(t, len(resp.Cards), 1)
			if len(resp.Cards) == 1 {
				require.Contains(t, string(body), "QuestionnaireResponse", "a card only from a response")
				require.Contains(t, resp.Cards[0].Detail, triage.Disclaimer)
			}
		case 400, 413, 415:
			var e errorBody
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &e))
			require.NotEmpty(t, e.Error)
		default:
			t.Fatalf("status %d for a body: %s", w.Code, w.Body)
		}
	})
}

// FuzzAuthorization sends arbitrary Authorization headers: without the
// client's private key, none is ever accepted, and none makes the service
// panic.
func FuzzAuthorization(f *testing.F) {
	k := clientKeys(f)
	valid := sign(f, jose.ES384, k.es, "es", claims("seed"))
	f.Add("Bearer " + valid)
	f.Add("Bearer " + valid[:len(valid)-4] + "AAAA")
	f.Add("Bearer " + strings.Replace(valid, ".", "..", 1))
	f.Add("Bearer eyJhbGciOiJub25lIn0.e30.")
	f.Add("bearer  " + valid)
	f.Add("Basic dXNlcjpwYXNz")
	f.Add("")
	s, _ := testService(f, &fakeForm{eng: loadEngine(f), canonical: canonical}, nil)
	body := hookBody(f, nil)
	require.NoError(f, s.verifier.seen.add(issuer+"\x00seed", t0.Add(time.Hour), t0), "the seed token is spent")
	f.Fuzz(func(t *testing.T, auth string) {
		w := postWith(t, s, auth, body)
		require.Equal(t, 401, w.Code, "%q: %s", auth, w.Body)
		require.Contains(t, w.Header().Get("WWW-Authenticate"), "Bearer")
	})
}
