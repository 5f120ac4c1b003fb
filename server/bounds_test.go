package server

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
)

// TestFHIRErrorResponsesAreBounded: the reviewer's 649 KB response of
// 30,000 unknown linkIds got a 10.9 MB OperationOutcome. Now it gets one
// issue, and a response just within the item bound at most twenty-one.
func TestFHIRErrorResponsesAreBounded(t *testing.T) {
	t.Parallel()
	srv, form := fhirFixture(t)
	linkIDs := 0
	for _, it := range form.Questionnaire().Item {
		linkIDs += 1 + len(it.Item)
	}
	tests := []struct {
		name, reason string
		items        int
		issues       int
	}{
		{name: "30,000 unknown linkIds", reason: "more items than the questionnaire has: one limit issue", items: 30000, issues: 1},
		{name: "within the bound", reason: "each unknown linkId is a problem, twenty listed and one summing up the rest", items: linkIDs, issues: 21},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			items := make([]string, tt.items)
			for i := range items {
				items[i] = fmt.Sprintf(`{"linkId":"unknown-%05d"}`, i)
			}
			body := `{"resourceType":"QuestionnaireResponse","status":"completed","questionnaire":"` + form.Canonical() +
				`","item":[` + strings.Join(items, ",") + `]}`
			for _, path := range []string{"/fhir/QuestionnaireResponse/$triage", "/fhir/Questionnaire/$next-question"} {
				req, err := http.NewRequest("POST", srv.URL+path, strings.NewReader(body))
				require.NoError(t, err)
				req.Header.Set("Content-Type", "application/fhir+json")
				res, err := srv.Client().Do(req)
				require.NoError(t, err)
				data, err := io.ReadAll(res.Body)
				res.Body.Close()
				require.NoError(t, err)
				assert.Equal(t, http.StatusBadRequest, res.StatusCode, path)
				t.Logf("%s: %d bytes in, %d bytes out", path, len(body), len(data))
				assert.Less(t, len(data), 16<<10, "%s: %s: the answer stays small (%d bytes in)", tt.reason, path, len(body))
				var oo fhir.OperationOutcome
				require.NoError(t, json.Unmarshal(data, &oo))
				assert.Equal(t, tt.issues, len(oo.Issue), "%s: %s", tt.reason, path)
			}
		})
	}
}
