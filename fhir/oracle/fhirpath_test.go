package oracle

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/triage"
)

// enableWhenExpressionURL is the SDC extension that carries a FHIRPath
// condition for an item (http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression).
const enableWhenExpressionURL = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"

// node returns the path of node, with the fhirpath package installed beside
// check.js, or fails the test saying how to install them. CI sets
// REDFLAG_REQUIRE_NODE=1; without it the test fails all the same (it never
// skips), with the same instructions.
func node(t *testing.T) string {
	t.Helper()
	how := "install Node.js (Debian: apt-get install nodejs npm), then run `npm ci` in fhir/oracle/fhirpath"
	if os.Getenv("REDFLAG_REQUIRE_NODE") == "1" {
		how = "REDFLAG_REQUIRE_NODE=1 is set, so the fhirpath checks must run: " + how
	}
	path, err := exec.LookPath("node")
	if err != nil {
		t.Fatalf("the fhirpath checks need node, which is not on PATH: %s", how)
	}
	if _, err := os.Stat(filepath.Join("fhirpath", "node_modules", "fhirpath", "package.json")); err != nil {
		t.Fatalf("the fhirpath checks need the fhirpath package in fhir/oracle/fhirpath/node_modules (%v): %s", err, how)
	}
	return path
}

// runCheck runs check.js with args and returns its standard output and
// exit code; standard error goes to the test log.
func runCheck(t *testing.T, args ...string) ([]byte, int) {
	t.Helper()
	cmd := exec.Command(node(t), append([]string{"check.js"}, args...)...)
	cmd.Dir = "fhirpath"
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if stderr.Len() > 0 {
		t.Logf("check.js: %s", stderr.String())
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return stdout.Bytes(), exit.ExitCode()
	}
	require.NoError(t, err)
	return stdout.Bytes(), 0
}

// The input and report of check.js.
type (
	checkInput struct {
		Questionnaires []namedQuestionnaire `json:"questionnaires"`
		Cases          []caseSet            `json:"cases"`
	}
	namedQuestionnaire struct {
		Name     string              `json:"name"`
		Resource *fhir.Questionnaire `json:"resource"`
	}
	caseSet struct {
		Questionnaire string      `json:"questionnaire"`
		Cases         []valueCase `json:"cases"`
	}
	valueCase struct {
		Response *fhir.QuestionnaireResponse `json:"response"`
		Expected map[string]*bool            `json:"expected"`
	}
	checkReport struct {
		FHIRPathVersion string             `json:"fhirpathVersion"`
		Invariants      []invariantReport  `json:"invariants"`
		Expressions     []expressionReport `json:"expressions"`
	}
	invariantReport struct {
		Questionnaire string         `json:"questionnaire"`
		Counts        map[string]int `json:"counts"`
		Failures      []struct {
			Invariant string `json:"invariant"`
			LinkID    string `json:"linkId"`
			Result    []any  `json:"result"`
		} `json:"failures"`
	}
	expressionReport struct {
		Questionnaire string `json:"questionnaire"`
		Responses     int    `json:"responses"`
		Agreed        int    `json:"agreed"`
		Disagreed     int    `json:"disagreed"`
		Evaluations   int    `json:"evaluations"`
		Misspelt      []any  `json:"misspelt"`
		PerExpression map[string]struct {
			Expression string         `json:"expression"`
			Expected   map[string]int `json:"expected"`
			Got        map[string]int `json:"got"`
			Inner      map[string]int `json:"inner"`
		} `json:"perExpression"`
		Disagreements []json.RawMessage `json:"disagreements"`
	}
)

// check writes in (a checkInput, or its JSON shape) to a file, runs
// check.js on it and returns its report.
func check(t *testing.T, in any) (checkReport, int) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "input.json")
	data, err := json.Marshal(in)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	out, code := runCheck(t, path)
	var r checkReport
	require.NoError(t, json.Unmarshal(out, &r), "check.js printed no report (exit %d): %s", code, out)
	return r, code
}

// expressionItems returns the linkIds of q's items that carry an
// enableWhenExpression.
func expressionItems(q *fhir.Questionnaire) []string {
	var ids []string
	walkItems(q.Item, func(it fhir.Item) {
		for _, x := range it.Extension {
			if x.URL == enableWhenExpressionURL {
				ids = append(ids, it.LinkID)
			}
		}
	})
	return ids
}

// askIf reports what the engine makes of question id's ask_if over a:
// true (asked), false (not applicable) or nil (undecided, waiting). It asks
// Explain with id's own answer left out (an ask_if reads only earlier
// questions), so id is one of the unanswered questions Explain sorts.
func askIf(t *testing.T, eng *triage.Engine, a triage.Answers, id string) *bool {
	t.Helper()
	b := make(triage.Answers, len(a))
	for k, v := range a {
		if k != id {
			b[k] = v
		}
	}
	ex, err := eng.Explain(context.Background(), b)
	require.NoError(t, err)
	yes, no := true, false
	switch {
	case slices.Contains(ex.Askable, id):
		return &yes
	case slices.Contains(ex.NotApplicable, id):
		return &no
	case slices.Contains(ex.Waiting, id):
		return nil
	}
	require.Failf(t, "question not sorted", "Explain lists %s as neither askable, not applicable nor waiting", id)
	return nil
}

// answerSets generates n answer sets: a third complete, the others with a
// fifth or a half of the questions unanswered; in every other set the
// booleans are drawn evenly, so that conditions joining several of them
// come out true as well as false.
func answerSets(rng *rand.Rand, qs []triage.Question, n int) []triage.Answers {
	sets := make([]triage.Answers, n)
	for i := range sets {
		a := gen.Answers(rng, qs, []float64{0, 0.2, 0.5}[i%3])
		if i%2 == 1 {
			for _, q := range qs {
				if _, ok := a[q.ID]; ok && q.Type == triage.BooleanType {
					a[q.ID] = rng.IntN(2) == 0
				}
			}
		}
		sets[i] = a
	}
	return sets
}

// cases builds n expression cases for f, or none when its Questionnaire
// has no enableWhenExpression.
func cases(t *testing.T, f *fhir.Form, n int, seed uint64) []valueCase {
	t.Helper()
	ids := expressionItems(f.Questionnaire())
	if len(ids) == 0 {
		return nil
	}
	rng := rand.New(rand.NewPCG(seed, 13))
	var out []valueCase
	for _, a := range answerSets(rng, f.Engine().Questions(), n) {
		qr, err := f.Response(a)
		require.NoError(t, err)
		c := valueCase{Response: qr, Expected: map[string]*bool{}}
		for _, id := range ids {
			c.Expected[id] = askIf(t, f.Engine(), a, id)
		}
		out = append(out, c)
	}
	return out
}

// TestFHIRPathChecks runs check.js on the Questionnaire of every rule set
// (the R4 invariants) and on generated responses for each one with
// enableWhenExpressions (10,000 for an exported rule set), comparing
// FHIRPath with the CEL ask_if.
func TestFHIRPathChecks(t *testing.T) {
	node(t)
	var in checkInput
	want := map[string]int{}
	for i, rs := range ruleSets() {
		f := loadForm(t, rs)
		in.Questionnaires = append(in.Questionnaires, namedQuestionnaire{rs.name, f.Questionnaire()})
		if c := cases(t, f, rs.responses, uint64(i)); c != nil {
			in.Cases = append(in.Cases, caseSet{rs.name, c})
			want[rs.name] = rs.responses
		}
	}
	r, code := check(t, in)
	assert.Equal(t, "5.2.2", r.FHIRPathVersion)
	for _, inv := range r.Invariants {
		assert.Empty(t, inv.Failures, "%s: Questionnaire invariants fail", inv.Questionnaire)
		assert.Len(t, inv.Counts, 13, "%s: every invariant que-1 ... que-13 is evaluated", inv.Questionnaire)
		t.Logf("%s: invariant evaluations %v", inv.Questionnaire, inv.Counts)
	}
	require.Len(t, r.Expressions, len(in.Cases))
	for _, e := range r.Expressions {
		checkExpressionReport(t, e, want[e.Questionnaire])
	}
	assert.Contains(t, want, "askif", "package fhir's test rule set exports no enableWhenExpression")
	assert.Contains(t, want, "expressions", "this module's rule set exports no enableWhenExpression")
	assert.Zero(t, code, "check.js reported a failure")
}

// checkExpressionReport asserts that FHIRPath agreed with CEL on every
// response, and that every expression came out both true and false.
func checkExpressionReport(t *testing.T, e expressionReport, responses int) {
	t.Helper()
	assert.Equal(t, responses, e.Responses, e.Questionnaire)
	assert.Equal(t, responses, e.Agreed, "%s: FHIRPath and CEL disagree; first disagreements: %s", e.Questionnaire, e.Disagreements)
	assert.Zero(t, e.Disagreed, e.Questionnaire)
	assert.Empty(t, e.Misspelt, "%s: an enableWhenExpression extension under a wrong URL", e.Questionnaire)
	require.NotEmpty(t, e.PerExpression, e.Questionnaire)
	for id, x := range e.PerExpression {
		assert.Positive(t, x.Expected["true"], "%s: %s (%s) never came out true", e.Questionnaire, id, x.Expression)
		assert.Positive(t, x.Expected["false"], "%s: %s (%s) never came out false", e.Questionnaire, id, x.Expression)
		assert.Zero(t, x.Got["empty"]+x.Got["other"], "%s: %s (%s) gave something other than one boolean", e.Questionnaire, id, x.Expression)
		t.Logf("%s: %s: CEL %v, FHIRPath %v (before ~ true: %v)", e.Questionnaire, id, x.Expected, x.Got, x.Inner)
	}
	t.Logf("%s: %d responses, %d agreed, %d disagreed (%d expression evaluations)",
		e.Questionnaire, e.Responses, e.Agreed, e.Disagreed, e.Evaluations)
}

// TestExpressionChecksCanFail gives check.js a case whose expected value is
// wrong: a decided false, then true, where CEL is undecided and FHIRPath
// gives the empty collection. Each must be a disagreement, as an
// expression that decided where CEL did not would be.
func TestExpressionChecksCanFail(t *testing.T) {
	f := loadForm(t, ruleSet{"expressions", os.DirFS("testdata/expressions"), 0})
	q := f.Questionnaire()
	qr, err := f.Response(triage.Answers{"tingling": true, "numb": false})
	require.NoError(t, err)
	yes, no := true, false
	for _, tc := range []struct {
		reason string
		want   *bool
	}{
		{"spreading's ask_if is undecided (days is unanswered): expecting false must disagree", &no},
		{"spreading's ask_if is undecided: expecting true must disagree", &yes},
	} {
		c := valueCase{Response: qr, Expected: map[string]*bool{}}
		for _, id := range expressionItems(q) {
			c.Expected[id] = askIf(t, f.Engine(), triage.Answers{"tingling": true, "numb": false}, id)
		}
		require.Nil(t, c.Expected["spreading"], "days is unanswered, so CEL leaves spreading undecided")
		c.Expected["spreading"] = tc.want
		r, code := check(t, checkInput{
			Questionnaires: []namedQuestionnaire{{"expressions", q}},
			Cases:          []caseSet{{"expressions", []valueCase{c}}},
		})
		assert.Equal(t, 1, code, tc.reason)
		require.Len(t, r.Expressions, 1)
		assert.Equal(t, 1, r.Expressions[0].Disagreed, tc.reason)
	}
}
