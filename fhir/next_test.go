package fhir_test

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

// walk runs $next-question from an empty response to completion, answering
// each new item with answer(q) (nil: skip it), and returns every response.
func walk(t *testing.T, f *fhir.Form, answer func(triage.Question) *fhir.Value) []*fhir.QuestionnaireResponse {
	t.Helper()
	qr := &fhir.QuestionnaireResponse{ResourceType: "QuestionnaireResponse", Questionnaire: f.Canonical(), Status: "in-progress"}
	var out []*fhir.QuestionnaireResponse
	byID := map[string]triage.Question{}
	for _, q := range f.Engine().Questions() {
		byID[q.ID] = q
	}
	for range 100 {
		// Through JSON, as a client would send it.
		data, err := json.Marshal(qr)
		require.NoError(t, err)
		in, err := fhir.ParseResponse(data)
		require.NoError(t, err)
		next, err := f.NextQuestion(context.Background(), in)
		require.NoError(t, err)
		out = append(out, next)
		if next.Status == "completed" {
			return out
		}
		last := newItem(next)
		it := fhir.AnswerItem{LinkID: last.LinkID}
		if v := answer(byID[last.LinkID]); v != nil {
			it.Answer = []fhir.Answer{{Value: *v}}
		}
		cp := *next
		cp.Item = append(slices.Clone(next.Item), it)
		qr = &cp
	}
	t.Fatal("the walk did not end")
	return nil
}

// newItem is the one question item of the contained Questionnaire that the
// response has no item for: the one $next-question added.
func newItem(qr *fhir.QuestionnaireResponse) fhir.Item {
	have := map[string]bool{}
	for _, it := range qr.Item {
		have[it.LinkID] = true
	}
	var found []fhir.Item
	for _, it := range qr.Contained[0].Questionnaire.Item {
		if it.Type != "display" && !have[it.LinkID] {
			found = append(found, it)
		}
	}
	if len(found) != 1 {
		panic(fmt.Sprintf("want one new item, found %d", len(found)))
	}
	return found[0]
}

func no(q triage.Question) *fhir.Value {
	switch q.Type {
	case triage.BooleanType:
		return &fhir.Value{Boolean: ptr(q.ID == "self_pops")}
	case triage.IntegerType:
		n := map[string]int64{"relief_minutes": 60, "pops_per_day": 2}[q.ID]
		return &fhir.Value{Integer: ptr(n)}
	}
	return &fhir.Value{Coding: &fhir.Coding{System: baseURL + "/Questionnaire/upper-back-self-adjustment/none-of-these", Code: "none"}}
}

// TestNextQuestionWalk walks the default rule set with no warning sign: the
// needed questions come first, marked required, then the optional caution
// questions, marked not required, then a completed response carrying a
// self-care GuidanceResponse. The first and last exchanges are golden.
func TestNextQuestionWalk(t *testing.T) {
	f := defaultForm(t)
	steps := walk(t, f, no)
	last := steps[len(steps)-1]
	require.Equal(t, "completed", last.Status)
	var g *fhir.GuidanceResponse
	for _, r := range last.Contained {
		if r.GuidanceResponse != nil {
			g = r.GuidanceResponse
		}
	}
	require.NotNil(t, g, "the verdict is attached")
	assert.Equal(t, "success", g.Status)
	assert.Equal(t, "self_care", g.Extension[0].Value.Coding.Code)
	assert.Equal(t, "#verdict", last.Extension[0].Value.Reference.Reference)

	needed, optional := 0, 0
	for _, s := range steps[:len(steps)-1] {
		it := newItem(s)
		require.NotNil(t, it.Required)
		if *it.Required {
			require.Zero(t, optional, "no needed question comes after an optional one")
			needed++
		} else {
			optional++
		}
	}
	assert.Equal(t, 19, needed, "17 questions, and the two follow-ups to self_pops")
	assert.Positive(t, optional, "caution questions are offered once self-care is decided")

	golden(t, "next-question-first.json", steps[0])
	golden(t, "next-question-completed.json", last)
}

// TestNextQuestionSkip checks that skipping a needed question never ends in
// self-care: the walk completes with a data-required GuidanceResponse
// listing what was skipped.
func TestNextQuestionSkip(t *testing.T) {
	f := defaultForm(t)
	steps := walk(t, f, func(q triage.Question) *fhir.Value {
		if q.ID == "fever" {
			return nil
		}
		return no(q)
	})
	last := steps[len(steps)-1]
	require.Equal(t, "completed", last.Status)
	g := last.Contained[len(last.Contained)-1].GuidanceResponse
	require.NotNil(t, g)
	assert.Equal(t, "data-required", g.Status)
	require.Len(t, g.DataRequirement, 1)
	assert.Equal(t, "fever", g.DataRequirement[0].Extension[0].Value.Coding.Code)
	golden(t, "next-question-skipped.json", last)
}

// TestNextQuestionErrors checks the questionnaire reference and that answer
// errors come through.
func TestNextQuestionErrors(t *testing.T) {
	f := defaultForm(t)
	cases := []struct {
		reason string
		qr     *fhir.QuestionnaireResponse
		msg    string
	}{
		{"no response", nil, "no QuestionnaireResponse"},
		{"another form", &fhir.QuestionnaireResponse{Questionnaire: "https://x.org/Questionnaire/y|1", Status: "in-progress"}, "this form is"},
		{"a missing contained questionnaire", &fhir.QuestionnaireResponse{Questionnaire: "#q", Status: "in-progress"}, "contains no Questionnaire"},
		{"a contained questionnaire of another form", &fhir.QuestionnaireResponse{Questionnaire: "#q", Status: "in-progress",
			Contained: []fhir.Resource{{Questionnaire: &fhir.Questionnaire{ResourceType: "Questionnaire", ID: "q", Status: "active"}}}}, "not derived from this form"},
		{"an answer error", &fhir.QuestionnaireResponse{Questionnaire: f.Canonical(), Status: "in-progress",
			Item: []fhir.AnswerItem{{LinkID: "fevr"}}}, "fevr"},
	}
	for _, c := range cases {
		_, err := f.NextQuestion(context.Background(), c.qr)
		require.ErrorIs(t, err, triage.ErrInvalidAnswers, c.reason)
		assert.Contains(t, err.Error(), c.msg, c.reason)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := f.NextQuestion(ctx, &fhir.QuestionnaireResponse{Questionnaire: f.Canonical(), Status: "in-progress"})
	assert.ErrorIs(t, err, context.Canceled, "a cancelled request gets no question")
}

// TestAnswersReadsNextQuestion: a response completed through $next-question
// names its contained Questionnaire ("#questionnaire"); Answers reads it
// (after a trip through JSON, as $triage and a CDS Hooks prefetch get it)
// and its answers give the verdict attached to it.
func TestAnswersReadsNextQuestion(t *testing.T) {
	f := defaultForm(t)
	for _, tc := range []struct {
		name, reason, outcome string
		answer                func(triage.Question) *fhir.Value
	}{
		{"self-care", "every question answered with no warning sign", "self_care", no},
		{"skipped", "a skipped needed question reads as unanswered: incomplete", "incomplete", func(q triage.Question) *fhir.Value {
			if q.ID == "fever" {
				return nil
			}
			return no(q)
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			steps := walk(t, f, tc.answer)
			last := steps[len(steps)-1]
			require.Equal(t, "#questionnaire", last.Questionnaire)
			data, err := json.Marshal(last)
			require.NoError(t, err)
			qr, err := fhir.ParseResponse(data)
			require.NoError(t, err)
			a, err := f.Answers(qr)
			require.NoError(t, err, tc.reason)
			_, asked := a["fever"]
			assert.Equal(t, tc.outcome == "self_care", asked, tc.reason)
			v, err := f.Engine().Evaluate(context.Background(), a)
			require.NoError(t, err)
			assert.Equal(t, tc.outcome, v.Outcome.String(), tc.reason)
			g := last.Contained[len(last.Contained)-1].GuidanceResponse
			require.NotNil(t, g)
			assert.Equal(t, tc.outcome, g.Extension[0].Value.Coding.Code, "Answers reads what NextQuestion decided on")
		})
	}
}
