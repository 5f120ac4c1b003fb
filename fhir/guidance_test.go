package fhir_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

// TestGuidanceResponseGolden pins a GuidanceResponse per outcome, and checks
// the status, the missing items and the notice that each must carry.
func TestGuidanceResponseGolden(t *testing.T) {
	f := defaultForm(t)
	cases := []struct {
		name, reason string
		answers      triage.Answers
		status       string
		missing      int
	}{
		{"see-professional", "a fired refer rule is a reason with its citation", triage.Answers{"shooting_arm_pain": true, "fever": true}, "success", 0},
		{"incomplete", "incomplete is data-required, listing what is missing", triage.Answers{"shooting_arm_pain": false}, "data-required", 17},
		{"self-care", "self-care carries the guidance", selfCare(f), "success", 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := f.Engine().Evaluate(context.Background(), c.answers)
			require.NoError(t, err)
			g := f.GuidanceResponse(v)
			assert.Equal(t, c.status, g.Status, c.reason)
			assert.Len(t, g.DataRequirement, c.missing, c.reason)
			assert.Equal(t, f.Canonical(), g.ModuleCanonical)
			assert.Equal(t, triage.Disclaimer, g.Note[len(g.Note)-1].Text, "the notice closes every GuidanceResponse")
			assert.Equal(t, "2025-03-01T12:00:00Z", g.OccurrenceDateTime)
			golden(t, "guidance-"+c.name+".json", g)
		})
	}
	assert.Nil(t, f.GuidanceResponse(nil))
}

// selfCare answers every question of the default rule set with no warning
// sign.
func selfCare(f *fhir.Form) triage.Answers {
	a := triage.Answers{}
	for _, q := range f.Engine().Questions() {
		switch q.Type {
		case triage.BooleanType:
			a[q.ID] = false
		case triage.IntegerType:
			a[q.ID] = 1
		case triage.MultiChoiceType:
			a[q.ID] = []string{}
		}
	}
	a["self_pops"], a["pops_per_day"], a["relief_minutes"] = true, 2, 60
	return a
}

// TestOperationOutcomeGolden pins the OperationOutcome of a bad response,
// and checks the shape of every kind of error.
func TestOperationOutcomeGolden(t *testing.T) {
	f := askifForm(t)
	_, err := f.Answers(&fhir.QuestionnaireResponse{Questionnaire: f.Canonical(), Status: "completed", Item: []fhir.AnswerItem{
		{LinkID: "fevr", Answer: []fhir.Answer{{Value: fhir.Value{Boolean: ptr(true)}}}},
		{LinkID: "n1", Answer: []fhir.Answer{{Value: fhir.Value{Integer: ptr(int64(101))}}}},
	}})
	require.Error(t, err)
	oo := fhir.NewOperationOutcome(err)
	golden(t, "operationoutcome-answers.json", oo)
	require.Len(t, oo.Issue, 2)
	assert.Equal(t, []string{"QuestionnaireResponse.repeat(item).where(linkId='fevr')"}, oo.Issue[0].Expression)

	_, err = fhir.ParseResponse([]byte("{\n \"resourceType\": \"Patient\"}"))
	oo = fhir.NewOperationOutcome(err)
	golden(t, "operationoutcome-parse.json", oo)
	require.Len(t, oo.Issue[0].Extension, 2, "line and column")
	assert.Equal(t, int64(2), *oo.Issue[0].Extension[0].Value.Integer)

	cases := []struct {
		reason string
		err    error
		code   string
	}{
		{"a deadline is a timeout", fmt.Errorf("x: %w", context.DeadlineExceeded), "timeout"},
		{"an evaluation failure is an exception", &triage.EvalError{ID: "r", Err: errors.New("cost")}, "exception"},
		{"anything else is an exception", errors.New("boom"), "exception"},
		{"whole-response problems are invalid", mustErr(f.Answers(&fhir.QuestionnaireResponse{Status: "completed"})), "invalid"},
	}
	for _, c := range cases {
		oo := fhir.NewOperationOutcome(c.err)
		require.Len(t, oo.Issue, 1, c.reason)
		assert.Equal(t, c.code, oo.Issue[0].Code, c.reason)
		assert.Equal(t, "error", oo.Issue[0].Severity, c.reason)
		assert.NotEmpty(t, oo.Issue[0].Details.Text, c.reason)
		assert.NotContains(t, oo.Issue[0].Diagnostics, `"":`, c.reason)
	}
	assert.Nil(t, fhir.NewOperationOutcome(nil))
}

func mustErr(_ any, err error) error { return err }

// TestExportErrors checks that an ask_if with no R4 form fails New, naming
// the question and the ask_if's position, and says why.
func TestExportErrors(t *testing.T) {
	cases := []struct {
		name, askIf, reason, msg string
	}{
		{"ternary", `b ? c : n > 2`, "FHIRPath's iif treats an unanswered condition as false", "the operator ?"},
		{"macro", `m.exists(x, x == "a")`, "comprehensions have no translation", "this kind of expression"},
		{"arithmetic", `n + 1 > 3`, "arithmetic is not translated", "the operator +"},
		{"bare multichoice", `size(m) > 0 && m == ["a"]`, "a list compared with a list", "multichoice answer is a list"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			fsys := fstest.MapFS{"rules.yaml": {Data: []byte(`name: x
version: 1.0.0
title: X
sources: [{id: doc, title: Doc}]
questions:
  - {id: b, text: B, type: boolean}
  - {id: c, text: C, type: boolean}
  - {id: n, text: N, type: integer}
  - {id: m, text: M, type: multichoice, choices: [a, b]}
  - id: f
    text: F
    type: boolean
    ask_if: '` + c.askIf + `'
rules:
  - {id: r, title: R, when: 'b || c || n > 1 || size(m) > 0', action: refer, advice: A, cite: {source: doc, section: S}}
  - {id: g, title: G, when: '(` + c.askIf + `) && f', action: refer, advice: A, cite: {source: doc, section: S}}
`)}}
			eng, err := triage.Load(fsys)
			require.NoError(t, err)
			f, err := fhir.New(eng, fhir.Options{BaseURL: baseURL})
			assert.Nil(t, f)
			var list fhir.ExportErrors
			require.True(t, errors.As(err, &list), "%v", err)
			require.Len(t, list, 1)
			assert.Equal(t, "f", list[0].Question)
			assert.Equal(t, triage.Position{File: "rules.yaml", Line: 13, Column: 13}, list[0].Pos, c.reason)
			assert.Contains(t, list[0].Msg, c.msg, c.reason)
			assert.Contains(t, err.Error(), "rules.yaml:13:13: f: the ask_if cannot be exported to FHIR")
		})
	}
}

// TestNewOptions checks that a bad base URL is refused.
func TestNewOptions(t *testing.T) {
	eng := defaultForm(t).Engine()
	for _, tt := range []struct{ url, reason string }{
		{"", "a canonical needs a base"},
		{"example.org/fhir", "not absolute"},
		{"https://example.org/fhir?x=1", "a query would end up inside every canonical"},
		{"/fhir", "a path alone"},
		{"ftp://example.org/fhir", "FHIR canonicals here are http or https URLs"},
		{"urn:example:fhir", "a URN has no host to serve the Questionnaire from"},
		{"javascript://example.org/x", "a scheme that a browser would run, linked from a card"},
	} {
		_, err := fhir.New(eng, fhir.Options{BaseURL: tt.url})
		assert.Error(t, err, tt.reason)
	}
	for _, u := range []string{"http://localhost:8080/fhir", "HTTPS://example.org/fhir/"} {
		_, err := fhir.New(eng, fhir.Options{BaseURL: u})
		assert.NoError(t, err, "%s: http and https, in any case, are accepted", u)
	}
	_, err := fhir.New(nil, fhir.Options{BaseURL: baseURL})
	assert.Error(t, err)
}

// TestChoiceElements checks that a choice element marshals exactly one
// variant and that unmarshalling refuses two, none, or an unknown one.
func TestChoiceElements(t *testing.T) {
	_, err := json.Marshal(fhir.Answer{Value: fhir.Value{Boolean: ptr(true), Integer: ptr(int64(1))}})
	assert.Error(t, err, "two variants are never marshalled")
	_, err = json.Marshal(fhir.Extension{URL: "u"})
	assert.Error(t, err, "a required value[x] with no variant")
	b, err := json.Marshal(fhir.EnableWhen{Question: "q", Operator: "=", Answer: fhir.Value{Coding: &fhir.Coding{Code: "c"}}})
	require.NoError(t, err)
	assert.JSONEq(t, `{"question":"q","operator":"=","answerCoding":{"code":"c"}}`, string(b))

	cases := []struct{ in, reason string }{
		{`{"question":"q","operator":"=","answerBoolean":true,"answerInteger":1}`, "two variants"},
		{`{"question":"q","operator":"="}`, "no variant"},
		{`{"question":"q","operator":"=","answerQuantity":{}}`, "a variant redflag does not read"},
		{`{"question":"q","operator":"=","answerDecimal":"1.5"}`, "a decimal as a string"},
	}
	for _, c := range cases {
		var ew fhir.EnableWhen
		assert.Error(t, json.Unmarshal([]byte(c.in), &ew), c.reason)
	}
	var ew fhir.EnableWhen
	require.NoError(t, json.Unmarshal(b, &ew))
	assert.Equal(t, "c", ew.Answer.Coding.Code)
}

// TestGuidanceResponseR4 checks the elements R4 constrains: module[x]
// names a canonical (url|version), so it is moduleCanonical, not
// moduleUri; and a dataRequirement names its missing item without a
// codeFilter, whose path R4 requires to lead to a code, which item.linkId
// (a string) is not.
func TestGuidanceResponseR4(t *testing.T) {
	f := defaultForm(t)
	v, err := f.Engine().Evaluate(context.Background(), triage.Answers{"shooting_arm_pain": false})
	require.NoError(t, err)
	data, err := json.Marshal(f.GuidanceResponse(v))
	require.NoError(t, err)
	var g map[string]any
	require.NoError(t, json.Unmarshal(data, &g))
	assert.Equal(t, f.Canonical(), g["moduleCanonical"], "url|version is a canonical")
	assert.NotContains(t, g, "moduleUri")
	reqs, _ := g["dataRequirement"].([]any)
	require.Len(t, reqs, len(v.Missing))
	for i, r := range reqs {
		r := r.(map[string]any)
		assert.NotContains(t, r, "codeFilter", "item.linkId is no code")
		assert.Equal(t, "QuestionnaireResponse", r["type"])
		ext := r["extension"].([]any)[0].(map[string]any)
		assert.Equal(t, "https://github.com/redflagkit/redflag/fhir/StructureDefinition/missing-item", ext["url"])
		c := ext["valueCoding"].(map[string]any)
		assert.Equal(t, v.Missing[i], c["code"], "the linkId of the missing question")
		assert.Equal(t, f.URL(), c["system"])
		assert.NotEmpty(t, c["display"], "the question, for a reader")
	}
}
