package fhir_test

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"strconv"
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

// TestResponseNumberKinds: every Go number kind the engine accepts is
// written as its value, never as 0; one the engine refuses is an error.
func TestResponseNumberKinds(t *testing.T) {
	f := askifForm(t)
	type days int
	tests := []struct {
		name, reason string
		n1, x1       any
		wantN, wantX string // "" when Response must fail
	}{
		{"int", "the usual Go integer", int(7), int(40), "7", "40"},
		{"int8", "a small signed kind", int8(7), int8(40), "7", "40"},
		{"int16", "a small signed kind", int16(7), int16(40), "7", "40"},
		{"int32", "a signed kind", int32(7), int32(40), "7", "40"},
		{"int64", "the engine's own integer", int64(7), int64(40), "7", "40"},
		{"uint", "an unsigned kind", uint(7), uint(40), "7", "40"},
		{"uint8", "an unsigned kind", uint8(7), uint8(40), "7", "40"},
		{"uint16", "an unsigned kind", uint16(7), uint16(40), "7", "40"},
		{"uint32", "an unsigned kind", uint32(7), uint32(40), "7", "40"},
		{"uint64", "an unsigned kind", uint64(7), uint64(40), "7", "40"},
		{"uintptr", "the engine accepts uintptr; it was written as 0", uintptr(7), uintptr(40), "7", "40"},
		{"float64", "a whole float for an integer question", float64(7), float64(37.5), "7", "37.5"},
		{"json.Number", "text kept as it is", json.Number("7"), json.Number("37.50"), "7", "37.50"},
		{"named int", "the engine refuses a named type, so Response does too", days(7), int(40), "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			qr, err := f.Response(triage.Answers{"n1": tt.n1, "x1": tt.x1})
			if tt.wantN == "" {
				require.Error(t, err, tt.reason)
				assert.ErrorIs(t, err, triage.ErrInvalidAnswers)
				return
			}
			require.NoError(t, err, tt.reason)
			require.Len(t, qr.Item, 2)
			require.NotNil(t, qr.Item[0].Answer[0].Value.Integer, tt.reason)
			assert.Equal(t, tt.wantN, strconv.FormatInt(*qr.Item[0].Answer[0].Value.Integer, 10), tt.reason)
			require.NotNil(t, qr.Item[1].Answer[0].Value.Decimal, tt.reason)
			assert.Equal(t, tt.wantX, string(*qr.Item[1].Answer[0].Value.Decimal), tt.reason)
		})
	}
}
