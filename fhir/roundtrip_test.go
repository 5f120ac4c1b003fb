package fhir_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/triage"
)

// TestRoundTrip checks, over generated answer sets of both rule sets, that
// Answers → Response → JSON → ParseResponse → Answers gives the same answers
// (numbers compared by value) and the same verdict, and that the response
// itself survives the trip byte for byte.
func TestRoundTrip(t *testing.T) {
	for _, f := range []*fhir.Form{defaultForm(t), askifForm(t)} {
		rng := rand.New(rand.NewPCG(1, 2))
		eng := f.Engine()
		for i := range 300 {
			a := gen.Answers(rng, eng.Questions(), float64(i%4)/4)
			qr, err := f.Response(a)
			require.NoError(t, err)
			data, err := json.Marshal(qr)
			require.NoError(t, err)
			parsed, err := fhir.ParseResponse(data)
			require.NoError(t, err, "%s", data)
			back, err := f.Answers(parsed)
			require.NoError(t, err)
			assert.Equal(t, normal(a), normal(back), "answers after the round trip")
			again, err := json.Marshal(parsed)
			require.NoError(t, err)
			assert.JSONEq(t, string(data), string(again))

			v1, err := eng.Evaluate(context.Background(), a)
			require.NoError(t, err)
			v2, err := eng.Evaluate(context.Background(), back)
			require.NoError(t, err)
			assert.Equal(t, v1, v2, "the verdict after the round trip")
		}
	}
}

// normal makes numbers comparable by value: json.Number and float64 become
// float64, and every integer int64.
func normal(a triage.Answers) map[string]any {
	out := map[string]any{}
	for k, v := range a {
		switch n := v.(type) {
		case json.Number:
			f, _ := n.Float64()
			out[k] = f
		default:
			out[k] = v
		}
	}
	return out
}

// TestResponseGolden pins a response with every answer type: a decimal
// keeps its text, a multichoice has one answer per choice, and "none of
// these" is the exclusive option.
func TestResponseGolden(t *testing.T) {
	f := askifForm(t)
	qr, err := f.Response(triage.Answers{"b1": true, "b2": false, "n1": 4, "x1": json.Number("37.50"),
		"c1": "left", "m1": []string{"fingers", "arms"}, "f_q": true, "p_size": nil})
	require.NoError(t, err)
	golden(t, "response-askif.json", qr)
	none, err := f.Response(triage.Answers{"m1": []string{}})
	require.NoError(t, err)
	golden(t, "response-none.json", none)

	_, err = f.Response(triage.Answers{"n1": 1 << 40, "zz": true})
	var list triage.AnswerErrors
	require.ErrorAs(t, err, &list)
	require.Len(t, list, 2, "every bad answer is reported")
	assert.Equal(t, "n1", list[0].Question)
	assert.Equal(t, "zz", list[1].Question)
}
