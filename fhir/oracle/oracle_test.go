package oracle

import (
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"testing"

	"github.com/google/fhir/go/fhirversion"
	"github.com/google/fhir/go/jsonformat"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// baseURL is the canonical base the tests export under.
const baseURL = "https://example.org/fhir"

// ruleSet is a rule set whose FHIR output the oracle checks.
type ruleSet struct {
	name string
	fsys fs.FS
	// responses is how many generated QuestionnaireResponses every
	// enableWhenExpression the rule set exports is evaluated on.
	responses int
}

// ruleSets are the default rule set; package fhir's test rule set, which
// exercises every ask_if mapping and the FHIRPath fallbacks; and this
// module's own, whose every ask_if is a FHIRPath fallback. The exported
// rule sets' expressions meet 10,000 responses each; this module's extra
// set meets fewer, since fhirpath takes about half a millisecond for each
// evaluation.
func ruleSets() []ruleSet {
	return []ruleSet{
		{"default", rules.FS, 10000},
		{"askif", os.DirFS("../testdata/askif"), 10000},
		{"expressions", os.DirFS("testdata/expressions"), 2000},
	}
}

// loadForm loads rs and prepares its FHIR view.
func loadForm(t testing.TB, rs ruleSet) *fhir.Form {
	t.Helper()
	eng, err := triage.Load(rs.fsys)
	require.NoError(t, err, "rule set %s", rs.name)
	f, err := fhir.New(eng, fhir.Options{BaseURL: baseURL})
	require.NoError(t, err, "fhir.New for rule set %s", rs.name)
	return f
}

// r4 is the oracle: google/fhir/go's validating R4 JSON parser.
type r4 struct{ u *jsonformat.Unmarshaller }

func newR4(t testing.TB) *r4 {
	t.Helper()
	u, err := jsonformat.NewUnmarshaller("UTC", fhirversion.R4)
	require.NoError(t, err)
	return &r4{u: u}
}

// check parses data as one R4 resource and returns the parser's error, if
// any. The parser checks the required elements of the outer resource only,
// so each contained resource is checked again on its own.
func (o *r4) check(data []byte) error {
	if _, err := o.u.Unmarshal(data); err != nil {
		return err
	}
	var outer struct {
		Contained []json.RawMessage `json:"contained"`
	}
	if err := json.Unmarshal(data, &outer); err != nil {
		return err
	}
	for i, c := range outer.Contained {
		if err := o.check(c); err != nil {
			return fmt.Errorf("contained[%d]: %w", i, err)
		}
	}
	return nil
}

// checkValue marshals v as package fhir does and checks it.
func (o *r4) checkValue(t testing.TB, v any) error {
	t.Helper()
	data, err := json.Marshal(v)
	require.NoError(t, err)
	return o.check(data)
}
