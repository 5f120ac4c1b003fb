package triage_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// TestAnswerLimits shows each answers limit refusing an oversized input, in
// Evaluate and in both decoding paths, with an error that wraps ErrLimit
// and ErrInvalidAnswers and names the option to change.
func TestAnswerLimits(t *testing.T) {
	manyKeys := triage.Answers{}
	var manyJSON strings.Builder
	manyJSON.WriteString("{")
	for i := range 20 {
		manyKeys[fmt.Sprintf("q%d", i)] = true
		if i > 0 {
			manyJSON.WriteString(",")
		}
		fmt.Fprintf(&manyJSON, `"q%d": true`, i)
	}
	manyJSON.WriteString("}")
	long := strings.Repeat("l", 100)

	eng := mustLoad(t, demoFS(),
		triage.WithMaxAnswers(10), triage.WithMaxStringLength(50), triage.WithMaxListLength(2), triage.WithMaxAnswersSize(400))
	tests := []struct {
		name, reason string
		answers      triage.Answers // for Evaluate; nil to skip
		json         string         // for eng.ParseAnswers; "" to skip
		want         string
	}{
		{
			name: "too many answers", reason: "20 answers against a limit of 10 are refused before any is validated",
			answers: manyKeys, json: manyJSON.String(), want: "more than the limit of 10 (WithMaxAnswers)",
		},
		{
			name: "long string answer", reason: "a 100-byte choice is refused by its length before it is compared with the choices",
			answers: triage.Answers{"side": long}, json: `{"side": "` + long + `"}`, want: "side: a string of 100 bytes, longer than the limit of 50 (WithMaxStringLength)",
		},
		{
			name: "long question id", reason: "an unknown id is not quoted back at full length",
			answers: triage.Answers{long: true}, json: `{"` + long + `": true}`, want: "a question id of 100 bytes",
		},
		{
			name: "long list", reason: "three items against a limit of two",
			answers: triage.Answers{"where": []string{"fingers", "arms", "arms"}}, json: `{"where": ["fingers", "arms", "arms"]}`, want: "where: a list of 3 items, longer than the limit of 2 (WithMaxListLength)",
		},
		{
			name: "long string in a list", reason: "each item is bounded too",
			answers: triage.Answers{"where": []any{long}}, json: `{"where": ["` + long + `"]}`, want: "a string of 100 bytes",
		},
		{
			name: "large document", reason: "401 bytes against a limit of 400: refused before it is parsed",
			json: `{"fever": true}` + strings.Repeat(" ", 386), want: "larger than the limit of 400 bytes (WithMaxAnswersSize)",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.answers != nil {
				v, err := eng.Evaluate(context.Background(), tc.answers)
				require.Nil(t, v, tc.reason)
				require.ErrorIs(t, err, triage.ErrLimit, tc.reason)
				require.ErrorIs(t, err, triage.ErrInvalidAnswers, tc.reason)
				assert.ErrorContains(t, err, tc.want, tc.reason)
			}
			if tc.json != "" {
				a, err := eng.DecodeAnswers(bytes.NewReader([]byte(tc.json)))
				require.Nil(t, a, tc.reason)
				require.ErrorIs(t, err, triage.ErrLimit, tc.reason)
				require.ErrorIs(t, err, triage.ErrInvalidAnswers, tc.reason)
				assert.ErrorContains(t, err, tc.want, tc.reason)
				assert.NotContains(t, err.Error(), "\n", "one-line errors")

				_, err = eng.DecodeAnswers(strings.NewReader(tc.json))
				assert.ErrorContains(t, err, tc.want, "DecodeAnswers applies the same limits")
			}
		})
	}
}

func TestAnswerLimitsAllowWhatFits(t *testing.T) {
	eng := mustLoad(t, demoFS(), triage.WithMaxAnswers(6), triage.WithMaxListLength(2), triage.WithMaxStringLength(7), triage.WithMaxAnswersSize(200))
	doc := `{"fever": false, "where": ["fingers", "arms"], "side": "right", "temp": 36.6, "pops": true, "relief": 30}`
	a, err := eng.DecodeAnswers(bytes.NewReader([]byte(doc)))
	require.NoError(t, err, "six answers, a two-item list and 7-byte strings are exactly at the limits")
	v, err := eng.Evaluate(context.Background(), a)
	require.NoError(t, err)
	assert.Equal(t, triage.SeeProfessional, v.Outcome)
}

func TestDecoderDefaultSizeLimit(t *testing.T) {
	big := `{"fever": true}` + strings.Repeat(" ", triage.DefaultMaxAnswersSize)
	_, err := parseAnswers(t, []byte(big))
	require.ErrorIs(t, err, triage.ErrLimit, "DecodeAnswers applies DefaultMaxAnswersSize")
	var aerrs triage.AnswerErrors
	require.ErrorAs(t, err, &aerrs, "a limit error has the one shape of invalid answers")
	require.ErrorIs(t, err, triage.ErrInvalidAnswers)

	a, err := parseAnswers(t, []byte(`{"fever": true}`+strings.Repeat(" ", triage.DefaultMaxAnswersSize-15)))
	require.NoError(t, err, "a document of exactly the limit is accepted")
	assert.Equal(t, triage.Answers{"fever": true}, a)
}

func TestLimitOptionsRefuseNonPositive(t *testing.T) {
	for name, opt := range map[string]triage.Option{
		"WithMaxAnswersSize":  triage.WithMaxAnswersSize(0),
		"WithMaxAnswers":      triage.WithMaxAnswers(-1),
		"WithMaxStringLength": triage.WithMaxStringLength(0),
		"WithMaxListLength":   triage.WithMaxListLength(0),
		"WithMaxRuleFileSize": triage.WithMaxRuleFileSize(0),
		"WithMaxRuleFiles":    triage.WithMaxRuleFiles(0),
	} {
		_, err := triage.Load(demoFS(), opt)
		require.ErrorContains(t, err, name, "a non-positive limit is a programming error naming the option")
		assert.NotErrorIs(t, err, triage.ErrInvalidRuleSet, "a bad option is not a bad rule set")
	}
}

func TestLoadRefusesQuestionnaireOverTheAnswerLimits(t *testing.T) {
	_, err := triage.Load(demoFS(), triage.WithMaxAnswers(5))
	assert.Contains(t, errorLines(t, err), `demo.yaml:30:9: relief: the questionnaire has 6 questions, more than the 5 answers an answers set may hold (WithMaxAnswers)`)
	_, err = triage.Load(demoFS(), triage.WithMaxStringLength(6))
	assert.Contains(t, errorLines(t, err), `demo.yaml:11:9: where: a choice of 7 bytes, longer than the 6 an answer may hold (WithMaxStringLength)`)
}
