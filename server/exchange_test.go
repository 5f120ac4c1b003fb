package server

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/cdshooks"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

var update = flag.Bool("update", false, "rewrite testdata/exchanges/ from the server's answers")

// exchange is one request of docs/serve.md.
type exchange struct {
	name, method, path, contentType, body string
}

// docBase is the base URL of the documented service.
const docBase = "https://triage.example.org"

// qrJSON is a QuestionnaireResponse to the embedded rule set's form with
// items, each a linkId and its answer value (valueBoolean only).
func qrJSON(status string, items map[string]bool) string {
	var parts []string
	for _, id := range []string{"shooting_arm_pain", "fever"} {
		if v, ok := items[id]; ok {
			parts = append(parts, fmt.Sprintf(`{"linkId": %q, "answer": [{"valueBoolean": %t}]}`, id, v))
		}
	}
	return fmt.Sprintf(`{"resourceType": "QuestionnaireResponse", "questionnaire": "%s/fhir/Questionnaire/upper-back-self-adjustment|1.1.0", "status": %q, "item": [%s]}`,
		docBase, status, strings.Join(parts, ", "))
}

// aboutExample makes a response from qrJSON the answers of Patient/example,
// the patient a CDS Hooks call has in view.
func aboutExample(qr string) string {
	return strings.Replace(qr, `"status":`, `"subject": {"reference": "Patient/example"}, "status":`, 1)
}

var exchanges = []exchange{
	{name: "healthz", method: "GET", path: "/healthz"},
	{name: "readyz", method: "GET", path: "/readyz"},
	{name: "questionnaire", method: "GET", path: "/questionnaire"},
	{name: "triage", method: "POST", path: "/triage", contentType: "application/json", body: `{"fever": true, "pain_days": 2}`},
	{name: "next", method: "POST", path: "/next", contentType: "application/json", body: `{"answers": {"shooting_arm_pain": false}, "skip": ["numbness_tingling"]}`},
	{name: "fhir-questionnaire", method: "GET", path: "/fhir/Questionnaire/upper-back-self-adjustment"},
	{name: "fhir-next-question", method: "POST", path: "/fhir/Questionnaire/$next-question", contentType: "application/fhir+json",
		body: qrJSON("in-progress", map[string]bool{"shooting_arm_pain": false})},
	{name: "fhir-triage", method: "POST", path: "/fhir/QuestionnaireResponse/$triage", contentType: "application/fhir+json",
		body: qrJSON("completed", map[string]bool{"fever": true})},
	{name: "fhir-error", method: "POST", path: "/fhir/QuestionnaireResponse/$triage", contentType: "text/plain", body: qrJSON("completed", nil)},
	{name: "cds-discovery", method: "GET", path: "/cds-services"},
	{name: "cds-call", method: "POST", path: "/cds-services/" + cdshooks.DefaultID, contentType: "application/json",
		body: `{"hook": "patient-view", "hookInstance": "d1577c69-dfbe-44ad-ba6d-3e05e953b2ea", "context": {"userId": "Practitioner/example", "patientId": "example"}, ` +
			`"prefetch": {"questionnaireResponse": ` + aboutExample(qrJSON("completed", map[string]bool{"fever": true})) + `}}`},
}

// randomParts are the parts of a response that differ on every call: a
// card's uuid and a GuidanceResponse's date. The golden files show them
// masked.
var randomParts = []struct {
	re   *regexp.Regexp
	mask string
}{
	{regexp.MustCompile(`"uuid": "[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}"`), `"uuid": "(random)"`},
	{regexp.MustCompile(`"occurrenceDateTime": "\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)"`), `"occurrenceDateTime": "(now)"`},
}

// TestExchanges runs the example exchanges of docs/serve.md and compares
// each with its golden file in testdata/exchanges (go test ./server
// -update rewrites them; go test ./docs -update then copies them into the
// page). CDS Hooks runs in development mode here, so the call carries no
// token; the page says what a real one sends.
func TestExchanges(t *testing.T) {
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	s, err := New(Options{Engine: func() *triage.Engine { return eng }, BaseURL: docBase, CDSHooks: &cdshooks.Options{Insecure: true}})
	require.NoError(t, err)
	for _, ex := range exchanges {
		t.Run(ex.name, func(t *testing.T) {
			req := httptest.NewRequest(ex.method, ex.path, strings.NewReader(ex.body))
			if ex.contentType != "" {
				req.Header.Set("Content-Type", ex.contentType)
			}
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, req)
			got := render(t, ex, rec)
			for _, p := range randomParts {
				got = p.re.ReplaceAllString(got, p.mask)
			}
			path := filepath.Join("testdata", "exchanges", ex.name+".http")
			if *update {
				require.NoError(t, os.MkdirAll(filepath.Dir(path), 0o755))
				require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
				return
			}
			want, err := os.ReadFile(path)
			require.NoError(t, err, "run go test ./server -update")
			assert.Equal(t, string(want), got, "the exchange changed; if that is intended, run go test ./server -update, then go test ./docs -update, and review the diff")
		})
	}
}

// render writes an exchange as HTTP/1.1 text: the request, then the
// response with its content type and its JSON body indented.
func render(t *testing.T, ex exchange, rec *httptest.ResponseRecorder) string {
	t.Helper()
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s HTTP/1.1\n", ex.method, ex.path)
	if ex.contentType != "" {
		fmt.Fprintf(&b, "Content-Type: %s\n\n%s\n", ex.contentType, ex.body)
	}
	fmt.Fprintf(&b, "\nHTTP/1.1 %d %s\nContent-Type: %s\n\n", rec.Code, http.StatusText(rec.Code), rec.Header().Get("Content-Type"))
	var out bytes.Buffer
	require.NoError(t, json.Indent(&out, bytes.TrimSpace(rec.Body.Bytes()), "", "  "), "%s", rec.Body)
	b.Write(out.Bytes())
	b.WriteString("\n")
	return b.String()
}
