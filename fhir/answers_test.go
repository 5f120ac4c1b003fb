package fhir_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

func ptr[T any](v T) *T { return &v }

// TestAnswersErrors checks that every problem with a response is an answer
// error, reachable with errors.As, wrapping triage.ErrInvalidAnswers and
// naming the linkId (or, for the response as a whole, what is wrong).
func TestAnswersErrors(t *testing.T) {
	f := askifForm(t)
	sys := f.URL() + "/choices/"
	item := func(id string, vals ...fhir.Value) fhir.AnswerItem {
		it := fhir.AnswerItem{LinkID: id}
		for _, v := range vals {
			it.Answer = append(it.Answer, fhir.Answer{Value: v})
		}
		return it
	}
	yes := fhir.Value{Boolean: ptr(true)}
	cases := []struct {
		name, reason string
		qr           fhir.QuestionnaireResponse
		linkID, msg  string
	}{
		{"other questionnaire", "a response to another form must not be read as this one",
			fhir.QuestionnaireResponse{Questionnaire: "https://example.org/fhir/Questionnaire/other|1", Status: "completed"},
			"", `"https://example.org/fhir/Questionnaire/other|1", but this form is "https://example.org/fhir/Questionnaire/askif-mappings|0.1.0"`},
		{"other version", "answers to another version may mean something else",
			fhir.QuestionnaireResponse{Questionnaire: f.URL() + "|0.0.9", Status: "completed"}, "", "url|version"},
		{"contained questionnaire of another form", "a contained Questionnaire not derived from this form is another form",
			fhir.QuestionnaireResponse{Questionnaire: "#q", Status: "completed", Contained: []fhir.Resource{{Questionnaire: &fhir.Questionnaire{
				ResourceType: "Questionnaire", ID: "q", Status: "active", DerivedFrom: []string{"https://example.org/fhir/Questionnaire/other|1"}}}}},
			"", "not derived from this form"},
		{"missing contained questionnaire", "#id must name a contained Questionnaire",
			fhir.QuestionnaireResponse{Questionnaire: "#q", Status: "completed"}, "", "contains no Questionnaire"},
		{"entered in error", "a response entered by mistake must never be triaged",
			fhir.QuestionnaireResponse{Status: "entered-in-error", Item: []fhir.AnswerItem{item("b1", yes)}}, "", "entered-in-error"},
		{"unknown status", "only R4's statuses are accepted",
			fhir.QuestionnaireResponse{Status: "done"}, "", `status "done"`},
		{"unknown linkId", "an answer that fits no question could be a misspelled red flag",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{item("fevr", yes)}}, "fevr", "no item of this questionnaire"},
		{"display item", "the notice and help items take no answer",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{item("_notice", yes)}}, "_notice", "display item"},
		{"help item", "help items are display items",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{{LinkID: "n1", Item: []fhir.AnswerItem{item("n1.help", yes)}}}}, "n1.help", "display item"},
		{"twice", "two items for one question could disagree",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{item("b1", yes), item("b1", fhir.Value{Boolean: ptr(false)})}}, "b1", "more than once"},
		{"several answers", "a yes/no question takes one answer",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{item("b1", yes, yes)}}, "b1", "takes one answer"},
		{"wrong type", "an integer is not a yes",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{item("b1", fhir.Value{Integer: ptr(int64(1))})}}, "b1", "valueBoolean, not valueInteger"},
		{"decimal for integer", "an integer question takes valueInteger",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{item("n1", fhir.Value{Decimal: ptr(json.Number("3.0000000000000001"))})}}, "n1", "valueInteger, not valueDecimal"},
		{"two variants", "a hand-built value with two variants is refused",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{item("b1", fhir.Value{Boolean: ptr(true), Integer: ptr(int64(1))})}}, "b1", "exactly one value"},
		{"out of range", "the engine's checks apply",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{item("n1", fhir.Value{Integer: ptr(int64(101))})}}, "n1", "101"},
		{"not a choice", "a code that is not a choice is refused by the engine",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{item("c1", fhir.Value{Coding: &fhir.Coding{System: sys + "c1", Code: "middle"}})}}, "c1", "middle"},
		{"wrong system", "a code from another system may mean something else",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{item("c1", fhir.Value{Coding: &fhir.Coding{System: "http://snomed.info/sct", Code: "left"}})}}, "c1", "coding system"},
		{"none twice", "a doubled answer is a malformed response, not a reading of one",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{item("m1",
				fhir.Value{Coding: &fhir.Coding{System: f.URL() + "/none-of-these", Code: "none"}},
				fhir.Value{Coding: &fhir.Coding{System: f.URL() + "/none-of-these", Code: "none"}})}}, "m1", "more than once"},
		{"question under a question", "every question is a top-level item; an answer elsewhere is not where the form put it",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{{LinkID: "n1", Item: []fhir.AnswerItem{item("b1", yes)}}}}, "b1", "nested under \"n1\""},
		{"question under a display item", "display items have no items under them (R4 que-1)",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{{LinkID: "_notice", Item: []fhir.AnswerItem{item("b1", yes)}}}}, "_notice", "has no items under it"},
		{"none with others", "none of these cannot come with a choice",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{item("m1",
				fhir.Value{Coding: &fhir.Coding{System: f.URL() + "/none-of-these", Code: "none"}},
				fhir.Value{Coding: &fhir.Coding{System: sys + "m1", Code: "arms"}})}}, "m1", "None of these"},
		{"invalid decimal", "a decimal must be a number",
			fhir.QuestionnaireResponse{Status: "completed", Item: []fhir.AnswerItem{item("x1", fhir.Value{Decimal: ptr(json.Number("1e400"))})}}, "x1", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.qr.Questionnaire == "" {
				c.qr.Questionnaire = f.Canonical()
			}
			a, err := f.Answers(&c.qr)
			require.Error(t, err, c.reason)
			assert.Nil(t, a, "no answers come with an error")
			assert.ErrorIs(t, err, triage.ErrInvalidAnswers)
			var list triage.AnswerErrors
			require.True(t, errors.As(err, &list), c.reason)
			require.NotEmpty(t, list)
			assert.Equal(t, c.linkID, list[0].Question, c.reason)
			assert.Contains(t, err.Error(), c.msg, c.reason)
		})
	}
}

// TestAnswersValues checks how each answer type is read, the exclusive
// option as the empty list and skipped items as unanswered.
func TestAnswersValues(t *testing.T) {
	f := askifForm(t)
	sys := f.URL() + "/choices/"
	qr := &fhir.QuestionnaireResponse{Questionnaire: f.Canonical(), Status: "in-progress", Item: []fhir.AnswerItem{
		{LinkID: "_notice"},
		{LinkID: "b1", Answer: []fhir.Answer{{Value: fhir.Value{Boolean: ptr(true)}}}},
		{LinkID: "b2"},
		{LinkID: "n1", Answer: []fhir.Answer{{Value: fhir.Value{Integer: ptr(int64(4))}}}, Item: []fhir.AnswerItem{{LinkID: "n1.help"}}},
		{LinkID: "x1", Answer: []fhir.Answer{{Value: fhir.Value{Decimal: ptr(json.Number("37.50"))}}}},
		{LinkID: "c1", Answer: []fhir.Answer{{Value: fhir.Value{Coding: &fhir.Coding{System: sys + "c1", Code: "left"}}}}},
		{LinkID: "m1", Answer: []fhir.Answer{{Value: fhir.Value{Coding: &fhir.Coding{System: f.URL() + "/none-of-these", Code: "none"}}}}},
	}}
	a, err := f.Answers(qr)
	require.NoError(t, err)
	assert.Equal(t, triage.Answers{"b1": true, "n1": int64(4), "x1": json.Number("37.50"), "c1": "left", "m1": []string{}}, a,
		"b2, present with no answer, is unanswered; the decimal keeps its text; none of these is []")
}

// TestDecimalComparedAsFloat64 pins what docs/fhir.md says of valueDecimal:
// the text is kept exactly, and the engine compares the nearest float64, so
// 37.50000000000000000001 is not above 37.5 (f_gt, asked when x1 > 37.5,
// is not needed) while 37.6 is.
func TestDecimalComparedAsFloat64(t *testing.T) {
	f := askifForm(t)
	for _, tc := range []struct {
		text, reason string
		asked        bool
	}{
		{"37.50000000000000000001", "the nearest float64 is 37.5, which is not above 37.5", false},
		{"37.6", "clearly above 37.5", true},
	} {
		d := json.Number(tc.text)
		a, err := f.Answers(&fhir.QuestionnaireResponse{Questionnaire: f.Canonical(), Status: "completed",
			Item: []fhir.AnswerItem{{LinkID: "x1", Answer: []fhir.Answer{{Value: fhir.Value{Decimal: &d}}}}}})
		require.NoError(t, err)
		assert.Equal(t, json.Number(tc.text), a["x1"], "the text is kept exactly")
		v, err := f.Engine().Evaluate(context.Background(), a)
		require.NoError(t, err)
		assert.Equal(t, tc.asked, slices.Contains(v.Missing, "f_gt"), tc.reason)
	}
}
