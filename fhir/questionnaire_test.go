package fhir_test

import (
	"os"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

// TestQuestionnaireGolden pins the exported Questionnaire of the default
// rule set and of the ask_if test set.
func TestQuestionnaireGolden(t *testing.T) {
	golden(t, "questionnaire-default.json", defaultForm(t).Questionnaire())
	golden(t, "questionnaire-askif.json", askifForm(t).Questionnaire())
}

// TestExtensionURLs pins every extension and code-system URL the export
// writes to the one its specification defines: a misspelt URL is an
// extension no form renderer knows, so the item silently loses its
// meaning (an enableWhenExpression that is never run shows a follow-up
// question to everyone).
func TestExtensionURLs(t *testing.T) {
	urls, systems := map[string]bool{}, map[string]bool{}
	var walk func([]fhir.Item)
	walk = func(items []fhir.Item) {
		for _, it := range items {
			for _, x := range it.Extension {
				urls[x.URL] = true
				if x.Value.Coding != nil && x.Value.Coding.System != "" {
					systems[x.Value.Coding.System] = true
				}
			}
			for _, o := range it.AnswerOption {
				for _, x := range o.Extension {
					urls[x.URL] = true
				}
			}
			walk(it.Item)
		}
	}
	walk(askifForm(t).Questionnaire().Item)
	for _, tc := range []struct {
		url, reason string
		system      bool
	}{
		{url: "http://hl7.org/fhir/StructureDefinition/minValue", reason: "R4 core extension for min"},
		{url: "http://hl7.org/fhir/StructureDefinition/maxValue", reason: "R4 core extension for max"},
		{url: "http://hl7.org/fhir/StructureDefinition/questionnaire-unit", reason: "R4 core extension for unit"},
		{url: "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive", reason: "R4 core extension for the \"none of these\" option"},
		{url: "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl", reason: "R4 core extension for the help item"},
		{url: "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression", reason: "SDC extension: its canonical lives under /fhir/uv/sdc"},
		{url: "http://hl7.org/fhir/questionnaire-item-control", system: true, reason: "R4 item-control code system for help"},
	} {
		got := urls
		if tc.system {
			got = systems
		}
		assert.True(t, got[tc.url], "%s is not written (%s)", tc.url, tc.reason)
		delete(got, tc.url)
	}
	assert.Empty(t, urls, "extension URLs written but not pinned here")
	assert.Empty(t, systems, "code systems written but not pinned here")
}

// r4ID is R4's id syntax.
var r4ID = regexp.MustCompile(`^[A-Za-z0-9\-.]{1,64}$`)

// TestQuestionnaireID: every rule-set name gives an id R4 accepts, and the
// form's url ends in that id, so GET /fhir/Questionnaire/{id} finds it.
func TestQuestionnaireID(t *testing.T) {
	long := strings.Repeat("a", 70)
	tests := []struct {
		name, want, reason string
	}{
		{"upper-back-self-adjustment", "upper-back-self-adjustment", "a valid id is kept as it is"},
		{"back_pain", "back-pain", "R4 ids hold no underscore"},
		{"Back pain v1.2", "Back-pain-v1.2", "spaces become '-', dots and capitals stay"},
		{"rückenschmerz", "r--ckenschmerz", "each byte outside ASCII letters and digits becomes '-'"},
		{"", "questionnaire", "an id is never empty"},
		{strings.Repeat("x", 64), strings.Repeat("x", 64), "64 characters is the limit, not over it"},
		{long, "", "over 64 characters is cut, with a hash of the whole name"},
		{long + "b", "", "two long names with a common start still differ"},
	}
	seen := map[string]string{}
	for _, tt := range tests {
		got := fhir.QuestionnaireID(tt.name)
		assert.Regexp(t, r4ID, got, tt.reason)
		if tt.want != "" {
			assert.Equal(t, tt.want, got, tt.reason)
		}
		if other, ok := seen[got]; ok {
			t.Errorf("%q and %q both give id %q (%s)", other, tt.name, got, tt.reason)
		}
		seen[got] = tt.name
	}

	data, err := os.ReadFile("testdata/askif/ruleset.yaml")
	require.NoError(t, err)
	fsys := fstest.MapFS{
		"ruleset.yaml":   {Data: []byte(strings.Replace(string(data), "name: askif-mappings", "name: askif_mappings", 1))},
		"questions.yaml": {Data: must(os.ReadFile("testdata/askif/questions.yaml"))},
		"rules.yaml":     {Data: must(os.ReadFile("testdata/askif/rules.yaml"))},
	}
	eng, err := triage.Load(fsys)
	require.NoError(t, err)
	require.Equal(t, "askif_mappings", eng.RuleSet().Name)
	q := newForm(t, eng).Questionnaire()
	assert.Equal(t, "askif-mappings", q.ID, "the id R4 accepts, not the rule set's name")
	assert.Equal(t, baseURL+"/Questionnaire/askif-mappings", q.URL, "the url's last segment is the id")
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

// TestFHIRPathIsBoolean: SDC requires an enableWhenExpression to return a
// boolean; a renderer may treat an empty result as an error. Every
// exported expression is "X ~ true": true only when X is true, false when
// X is false or empty (an unanswered question), so the item stays disabled
// exactly while the ask_if is undecided or false.
func TestFHIRPathIsBoolean(t *testing.T) {
	item := func(id string) string { return "%resource.repeat(item).where(linkId='" + id + "')" }
	want := map[string]struct{ expr, reason string }{
		"p_mixed": {"(" + item("b1") + ".answer.value and (" + item("b2") + ".answer.value or (" + item("n1") + ".answer.value > 7))) ~ true",
			"&& and || mixed: the whole is made boolean, not each part"},
		"p_not_and": {"(" + item("b1") + ".answer.value and " + item("b2") + ".answer.value).not() ~ true",
			".not() of an empty collection is empty, so it too needs ~ true"},
		"p_list": {"(" + item("c1") + ".answer.value.code in ('left' | 'both')) ~ true",
			"in with an empty left side is empty; in binds looser than ~, so it stays in parentheses"},
	}
	n := 0
	for _, it := range askifForm(t).Questionnaire().Item {
		for _, x := range it.Extension {
			if x.Value.Expression == nil {
				continue
			}
			n++
			got := x.Value.Expression.Expression
			assert.True(t, strings.HasSuffix(got, " ~ true"), "%s: %s does not always return a boolean", it.LinkID, got)
			if w, ok := want[it.LinkID]; ok {
				assert.Equal(t, w.expr, got, w.reason)
				delete(want, it.LinkID)
			}
		}
	}
	assert.Equal(t, 5, n, "the test rule set exports five FHIRPath conditions")
	assert.Empty(t, want, "items expected to carry FHIRPath")
}
