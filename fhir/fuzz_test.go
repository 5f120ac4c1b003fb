package fhir_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

// FuzzFormReadsParsed feeds whatever ParseResponse accepts to Form.Answers
// and Form.NextQuestion: neither panics; every refusal is an AnswerErrors
// (triage.ErrInvalidAnswers); both accept and refuse the same responses;
// what Answers accepts the engine evaluates; and what NextQuestion returns
// marshals, parses back and reads as the same answers.
func FuzzFormReadsParsed(f *testing.F) {
	form := askifForm(f)
	seeds := []triage.Answers{
		{}, {"b1": true, "n1": 4, "x1": json.Number("37.50")},
		{"c1": "left", "m1": []string{"fingers", "arms"}, "f_q": true},
		{"m1": []string{}, "b2": false, "n1": 3},
	}
	for _, a := range seeds {
		qr, err := form.Response(a)
		require.NoError(f, err)
		data, err := json.Marshal(qr)
		require.NoError(f, err)
		f.Add(data)
		next, err := form.NextQuestion(context.Background(), qr)
		require.NoError(f, err)
		data, err = json.Marshal(next)
		require.NoError(f, err)
		f.Add(data)
	}
	c := form.Canonical()
	for _, s := range []string{
		`{"resourceType":"QuestionnaireResponse","questionnaire":"` + c + `","status":"completed","item":[{"linkId":"b1","answer":[{"valueBoolean":true},{"valueBoolean":false}]}]}`,
		`{"resourceType":"QuestionnaireResponse","questionnaire":"` + c + `","status":"entered-in-error"}`,
		`{"resourceType":"QuestionnaireResponse","questionnaire":"#q","status":"in-progress","contained":[{"resourceType":"Questionnaire","id":"q","status":"active","derivedFrom":["` + c + `"]}],"item":[{"linkId":"n1","answer":[{"valueInteger":2147483648}]}]}`,
		`{"resourceType":"QuestionnaireResponse","questionnaire":"#q","status":"completed","item":[{"linkId":"_notice","item":[{"linkId":"x1","answer":[{"valueDecimal":1e400}]}]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		qr, err := fhir.ParseResponse(data)
		if err != nil {
			return
		}
		a, aerr := form.Answers(qr)
		next, nerr := form.NextQuestion(context.Background(), qr)
		requireAnswerError(t, aerr)
		requireAnswerError(t, nerr)
		require.Equal(t, aerr == nil, nerr == nil, "Answers and NextQuestion disagree: %v / %v", aerr, nerr)
		if aerr != nil {
			require.Nil(t, a)
			return
		}
		_, err = form.Engine().Evaluate(context.Background(), a)
		require.NoError(t, err, "what Answers accepts, the engine evaluates")
		out, err := json.Marshal(next)
		require.NoError(t, err)
		back, err := fhir.ParseResponse(out)
		require.NoError(t, err, "%s", out)
		again, err := form.Answers(back)
		require.NoError(t, err, "NextQuestion's output reads back: %s", out)
		require.Equal(t, normal(a), normal(again), "the same answers")
	})
}

func requireAnswerError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var list triage.AnswerErrors
	require.True(t, errors.As(err, &list), "%T: %v", err, err)
	require.ErrorIs(t, err, triage.ErrInvalidAnswers)
}
