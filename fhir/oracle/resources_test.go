package oracle

import (
	"context"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/triage"
)

// TestGoldenResourcesAreValidR4 parses every golden resource package fhir
// keeps (fhir/testdata/golden) with the oracle.
func TestGoldenResourcesAreValidR4(t *testing.T) {
	o := newR4(t)
	files, err := filepath.Glob("../testdata/golden/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files, "package fhir keeps its golden resources in fhir/testdata/golden")
	for _, name := range files {
		data, err := os.ReadFile(name)
		require.NoError(t, err)
		assert.NoError(t, o.check(data), "%s is not valid R4", name)
	}
	t.Logf("%d golden resources are valid R4", len(files))
}

// TestQuestionnairesAreValidR4 parses the Questionnaire exported from each
// rule set.
func TestQuestionnairesAreValidR4(t *testing.T) {
	o := newR4(t)
	for _, rs := range ruleSets() {
		f := loadForm(t, rs)
		assert.NoError(t, o.checkValue(t, f.Questionnaire()), "the %s Questionnaire is not valid R4", rs.name)
	}
}

// knownExtensions are the extensions an exported Questionnaire may carry,
// each spelled as its definition's canonical URL; redflag's own live under
// redflagBase. A misspelt URL is still a valid uri to the parser, and a form
// filler would silently ignore the extension.
var knownExtensions = []string{
	"http://hl7.org/fhir/StructureDefinition/minValue",
	"http://hl7.org/fhir/StructureDefinition/maxValue",
	"http://hl7.org/fhir/StructureDefinition/questionnaire-unit",
	"http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl",
	"http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive",
	enableWhenExpressionURL,
}

const redflagBase = "https://github.com/redflagkit/redflag/fhir/"

// TestQuestionnaireExtensionsAreKnown checks every extension URL of the
// exported Questionnaires against the canonical URLs of their definitions.
func TestQuestionnaireExtensionsAreKnown(t *testing.T) {
	for _, rs := range ruleSets() {
		q := loadForm(t, rs).Questionnaire()
		check := func(where string, xs []fhir.Extension) {
			for _, x := range xs {
				ok := slices.Contains(knownExtensions, x.URL) || strings.HasPrefix(x.URL, redflagBase)
				assert.True(t, ok, "%s: %s: extension %q is not a known extension's canonical URL", rs.name, where, x.URL)
			}
		}
		check("Questionnaire", q.Extension)
		walkItems(q.Item, func(it fhir.Item) {
			check(it.LinkID, it.Extension)
			for _, o := range it.AnswerOption {
				check(it.LinkID+" answerOption", o.Extension)
			}
		})
	}
}

// walkItems calls fn on every item, depth first.
func walkItems(items []fhir.Item, fn func(fhir.Item)) {
	for _, it := range items {
		fn(it)
		walkItems(it.Item, fn)
	}
}

// TestResponsesAndGuidanceAreValidR4 parses, for 1,000 generated answer sets
// per rule set, the QuestionnaireResponse package fhir writes and the
// GuidanceResponse of their verdict.
func TestResponsesAndGuidanceAreValidR4(t *testing.T) {
	const perRuleSet = 1000
	o := newR4(t)
	ctx := context.Background()
	outcomes := map[triage.Outcome]int{}
	for i, rs := range ruleSets() {
		f := loadForm(t, rs)
		qs := f.Engine().Questions()
		rng := rand.New(rand.NewPCG(uint64(i), 13))
		for n := range perRuleSet {
			a := gen.Answers(rng, qs, []float64{0, 0.2, 0.6}[n%3])
			qr, err := f.Response(a)
			require.NoError(t, err, "%s: answers %v", rs.name, a)
			require.NoError(t, o.checkValue(t, qr), "%s: the QuestionnaireResponse for %v is not valid R4", rs.name, a)
			v, err := f.Engine().Evaluate(ctx, a)
			require.NoError(t, err)
			outcomes[v.Outcome]++
			require.NoError(t, o.checkValue(t, f.GuidanceResponse(v)), "%s: the GuidanceResponse for %v (%s) is not valid R4", rs.name, a, v.Outcome)
		}
	}
	for _, want := range []triage.Outcome{triage.SelfCare, triage.SeeProfessional, triage.Incomplete} {
		assert.Positive(t, outcomes[want], "no GuidanceResponse for outcome %s was checked", want)
	}
	t.Logf("%d QuestionnaireResponses and %d GuidanceResponses are valid R4 (outcomes %v)",
		perRuleSet*len(ruleSets()), perRuleSet*len(ruleSets()), outcomes)
}

// TestNextQuestionWalkIsValidR4 walks $next-question to a completed
// response, from a generated answer set with about one question in ten
// skipped, and parses every response it returns, with its contained
// Questionnaire and GuidanceResponse.
func TestNextQuestionWalkIsValidR4(t *testing.T) {
	const walks = 100
	o := newR4(t)
	outputs, completed := 0, 0
	for i, rs := range ruleSets() {
		f := loadForm(t, rs)
		rng := rand.New(rand.NewPCG(uint64(i), 1300))
		for range walks {
			n := walk(t, o, f, rng)
			outputs += n
			completed++
		}
	}
	t.Logf("%d $next-question walks completed; their %d responses are valid R4", completed, outputs)
}

// walk answers one generated answer set question by question and returns
// how many responses NextQuestion returned.
func walk(t *testing.T, o *r4, f *fhir.Form, rng *rand.Rand) int {
	t.Helper()
	qs := f.Engine().Questions()
	full := gen.Answers(rng, qs, 0)
	cur := &fhir.QuestionnaireResponse{ResourceType: "QuestionnaireResponse", Status: "in-progress", Questionnaire: f.Canonical()}
	for step := 1; step <= len(qs)+1; step++ {
		out, err := f.NextQuestion(context.Background(), cur)
		require.NoError(t, err)
		require.NoError(t, o.checkValue(t, out), "step %d of a $next-question walk is not valid R4", step)
		if out.Status == "completed" {
			return step
		}
		next := nextLinkID(t, out)
		item := fhir.AnswerItem{LinkID: next}
		if rng.IntN(10) != 0 { // else skipped: present with no answer
			qr, err := f.Response(triage.Answers{next: full[next]})
			require.NoError(t, err)
			require.Len(t, qr.Item, 1)
			item = qr.Item[0]
		}
		out.Item = append(out.Item, item)
		cur = out
	}
	require.Failf(t, "walk did not end", "no completed response after %d steps", len(qs)+1)
	return 0
}

// nextLinkID returns the question the contained Questionnaire asks that the
// response has no item for.
func nextLinkID(t *testing.T, qr *fhir.QuestionnaireResponse) string {
	t.Helper()
	var asked []string
	for _, it := range qr.Item {
		asked = append(asked, it.LinkID)
	}
	var next []string
	for _, r := range qr.Contained {
		if r.Questionnaire == nil {
			continue
		}
		for _, it := range r.Questionnaire.Item {
			if it.Type != "display" && !slices.Contains(asked, it.LinkID) {
				next = append(next, it.LinkID)
			}
		}
	}
	require.Len(t, next, 1, "an in-progress response asks exactly one new question")
	return next[0]
}
