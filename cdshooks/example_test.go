package cdshooks_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/redflagkit/redflag/cdshooks"
	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// ExampleNew mounts the CDS Hooks service in an application's own mux,
// trusting one client (an EHR) whose JWKS was shared out of band.
func ExampleNew() {
	eng, err := triage.Load(rules.FS)
	if err != nil {
		log.Fatal(err)
	}
	form, err := fhir.New(eng, fhir.Options{BaseURL: "https://cds.example.org/fhir"})
	if err != nil {
		log.Fatal(err)
	}
	ehrKey, jwks := clientKey() // in production: os.ReadFile("ehr-jwks.json")
	svc, err := cdshooks.New(cdshooks.Options{
		Form:        func() (*fhir.Form, error) { return form, nil },
		ServicesURL: "https://cds.example.org/cds-services",
		FormURL:     "https://cds.example.org/form",
		Issuers:     map[string][]byte{"https://ehr.example.org": jwks},
		Logger:      slog.New(slog.NewTextHandler(os.Stderr, nil)),
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/cds-services", svc.Handler())
	mux.Handle("/cds-services/", svc.Handler())

	r := httptest.NewRequest("GET", "/cds-services", nil)
	w := httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	fmt.Println("without a token:", w.Code, w.Header().Get("WWW-Authenticate"))

	r.Header.Set("Authorization", "Bearer "+ehrToken(ehrKey, "https://cds.example.org/cds-services"))
	w = httptest.NewRecorder()
	mux.ServeHTTP(w, r)
	var d cdshooks.Discovery
	if err := json.Unmarshal(w.Body.Bytes(), &d); err != nil {
		log.Fatal(err)
	}
	fmt.Println("with the EHR's token:", w.Code, d.Services[0].Hook, d.Services[0].ID)
	// Output:
	// without a token: 401 Bearer realm="cds-services"
	// with the EHR's token: 200 patient-view redflag-patient-view
}

// clientKey makes the EHR's signing key and its public JWKS.
func clientKey() (*ecdsa.PrivateKey, []byte) {
	key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	if err != nil {
		log.Fatal(err)
	}
	jwks, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "ehr-1", Algorithm: "ES384", Use: "sig"}}})
	if err != nil {
		log.Fatal(err)
	}
	return key, jwks
}

// ehrToken is what the EHR sends: a short-lived JWT for the endpoint aud.
func ehrToken(key *ecdsa.PrivateKey, aud string) string {
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES384, Key: jose.JSONWebKey{Key: key, KeyID: "ehr-1"}}, (&jose.SignerOptions{}).WithType("JWT"))
	if err != nil {
		log.Fatal(err)
	}
	now := time.Now()
	tok, err := jwt.Signed(sig).Claims(jwt.Claims{
		Issuer: "https://ehr.example.org", Subject: "ehr-client-id", Audience: jwt.Audience{aud}, ID: rand.Text(),
		IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(5 * time.Minute)),
	}).Serialize()
	if err != nil {
		log.Fatal(err)
	}
	return tok
}
