package fhir_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

// TestParseResponse checks what ParseResponse accepts and, for everything
// it refuses, the message and the line and column it gives.
func TestParseResponse(t *testing.T) {
	cases := []struct {
		name, reason, in string
		at               string // where the error points: the last occurrence of at in in; "" for the end
		msg              string
	}{
		{"ehr extras", "standard elements that do not bear on triage are tolerated",
			`{"resourceType":"QuestionnaireResponse","id":"r1","meta":{"versionId":"2"},"text":{"status":"generated","div":"<div/>"},
"extension":[{"url":"x","valueDateTime":"2020"}],"identifier":{"value":"1"},"subject":{"reference":"Patient/1"},
"authored":"2025-01-01","_authored":{"extension":[]},"author":{"reference":"Practitioner/2"},"status":"completed",
"questionnaire":"q","item":[{"linkId":"b1","definition":"d","answer":[{"valueBoolean":true,"extension":[]}]}]}`, "", ""},
		{"parameters", "SDC's $next-question carries the response in a parameter",
			`{"resourceType":"Parameters","parameter":[{"name":"in","resource":{"resourceType":"QuestionnaireResponse","status":"in-progress"}}]}`, "", ""},
		{"malformed", "a syntax error gives its place",
			"{\"resourceType\":\n  \"QuestionnaireResponse\",,}", `,}`, "malformed"},
		{"truncated", "a document cut short",
			`{"resourceType":"QuestionnaireResponse"`, "", "ends too early"},
		{"trailing", "nothing may follow the resource",
			`{"resourceType":"QuestionnaireResponse","status":"completed"} {}`, `{}`, "more after"},
		{"not an object", "a response is an object", `[1]`, `[1]`, "not an array"},
		{"wrong resourceType", "a Questionnaire is not a response",
			`{"resourceType":"Questionnaire"}`, `"Questionnaire"`, `"Questionnaire"`},
		{"duplicate key", "a later value must not silently override an earlier one",
			`{"resourceType":"QuestionnaireResponse","status":"completed","status":"amended"}`, `"status":"amended"`, "twice"},
		{"no status", "R4 requires status", `{"resourceType":"QuestionnaireResponse"}`, `{"resourceType"`, "no status"},
		{"status type", "status is a string", `{"resourceType":"QuestionnaireResponse","status":1}`, `1}`, "expected a string"},
		{"unknown element", "an element redflag does not know could matter",
			`{"resourceType":"QuestionnaireResponse","status":"completed","answers":[]}`, `"answers"`, `"answers" is not an element`},
		{"modifierExtension", "R4: an unknown modifier extension must be refused",
			`{"resourceType":"QuestionnaireResponse","status":"completed","modifierExtension":[]}`, `"modifierExtension"`, "modifierExtension"},
		{"item under answer", "nested answers would be missed",
			`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"b1","answer":[{"valueBoolean":true,"item":[]}]}]}`, `[]}`, "nested under an answer"},
		{"valueString", "an unknown value[x] must not be skipped",
			`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"b1","answer":[{"valueString":"yes"}]}]}`, `"valueString"`, "valueString is not an answer"},
		{"two values", "one answer, one value",
			`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"b1","answer":[{"valueBoolean":true,"valueInteger":1}]}]}`, `1}`, "more than one value"},
		{"no value", "an answer without a value",
			`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"b1","answer":[{}]}]}`, `{}`, "no value"},
		{"inexact integer", "3.0000000000000001 must not be rounded to 3",
			`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"n1","answer":[{"valueInteger":3.0000000000000001}]}]}`, `3.0000000000000001`, "whole number"},
		{"decimal as string", "a decimal is a JSON number",
			`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"x1","answer":[{"valueDecimal":"3.5"}]}]}`, `"3.5"`, "must be a number"},
		{"boolean as string", "a boolean is true or false",
			`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"b1","answer":[{"valueBoolean":"true"}]}]}`, `"true"`, "true or false"},
		{"no linkId", "an item must name its question",
			`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"answer":[]}]}`, `{"answer"`, "no linkId"},
		{"parameters without response", "the response must be there",
			`{"resourceType":"Parameters","parameter":[{"name":"other","valueString":"x"}]}`, `"valueString"`, `"valueString" is not an element`},
		{"parameters wrong name", "only the documented names",
			`{"resourceType":"Parameters","parameter":[{"name":"qr","resource":{}}]}`, `{"name":"qr"`, "must be named"},
		{"deep", "nesting is bounded", `{"resourceType":"QuestionnaireResponse","status":"completed","item":` + nest(100) + `}`, strings.Repeat("[", 37) + "]", "deeper"}, // the 65th level,
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			qr, err := fhir.ParseResponse([]byte(c.in))
			if c.msg == "" {
				require.NoError(t, err, c.reason)
				assert.Equal(t, "QuestionnaireResponse", qr.ResourceType)
				return
			}
			require.Error(t, err, c.reason)
			assert.Nil(t, qr)
			var list triage.AnswerErrors
			require.True(t, errors.As(err, &list))
			require.Len(t, list, 1)
			assert.Contains(t, list[0].Msg, c.msg, c.reason)
			off := strings.LastIndex(c.in, c.at)
			if c.at == "" {
				off = len(c.in)
			}
			line := 1 + strings.Count(c.in[:off], "\n")
			col := off - strings.LastIndex(c.in[:off], "\n")
			assert.Equal(t, [3]int{line, col, off}, [3]int{list[0].Line, list[0].Column, list[0].Offset}, "position of: %s", err)
		})
	}
}

func nest(n int) string {
	s := "[]"
	for range n {
		s = "[" + s + "]"
	}
	return s
}

// TestParseResponseKeeps checks what is read and kept: the exact decimal
// text, the linkId in errors inside items, and id, subject, authored.
func TestParseResponseKeeps(t *testing.T) {
	qr, err := fhir.ParseResponse([]byte(`{"resourceType":"QuestionnaireResponse","id":"r","subject":{"reference":"Patient/1"},
"authored":"2025-01-01","status":"completed","item":[{"linkId":"x1","answer":[{"valueDecimal":37.50}]}]}`))
	require.NoError(t, err)
	assert.Equal(t, "r", qr.ID)
	assert.Equal(t, "Patient/1", qr.Subject.Reference)
	assert.Equal(t, "2025-01-01", qr.Authored)
	assert.Equal(t, json.Number("37.50"), *qr.Item[0].Answer[0].Value.Decimal)

	_, err = fhir.ParseResponse([]byte(`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"a","item":[{"linkId":"b","answer":[{"valueQuantity":{}}]}]}]}`))
	var list triage.AnswerErrors
	require.True(t, errors.As(err, &list))
	assert.Equal(t, "b", list[0].Question, "an error inside an item names its linkId")

	var viaJSON fhir.QuestionnaireResponse
	err = json.Unmarshal([]byte(`{"resourceType":"Parameters"}`), &viaJSON)
	assert.Error(t, err, "UnmarshalJSON reads only the bare resource")
}

// FuzzParseResponse checks that no input makes ParseResponse panic or hang,
// that every error is a positioned AnswerErrors, and that whatever it
// accepts marshals and parses back to the same resource.
func FuzzParseResponse(f *testing.F) {
	for _, s := range []string{
		`{"resourceType":"QuestionnaireResponse","status":"completed","questionnaire":"q","item":[{"linkId":"b1","answer":[{"valueBoolean":true}]}]}`,
		`{"resourceType":"Parameters","parameter":[{"name":"in","resource":{"resourceType":"QuestionnaireResponse","status":"in-progress"}}]}`,
		`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"m","answer":[{"valueCoding":{"system":"s","code":"c"}}]}]}`,
		`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"x","answer":[{"valueDecimal":1e5}]}]}`,
		`{"resourceType":"QuestionnaireResponse","status":"completed","contained":[{"resourceType":"Questionnaire","id":"q","status":"active"}]}`,
		`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"n","answer":[{"valueInteger":3.0}]}]}`,
		`{"resourceType":"QuestionnaireResponse"`, `[]`, `"x"`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		qr, err := fhir.ParseResponse(data)
		if err != nil {
			var list triage.AnswerErrors
			require.True(t, errors.As(err, &list))
			require.Len(t, list, 1)
			require.Positive(t, list[0].Line)
			require.LessOrEqual(t, list[0].Offset, len(data))
			return
		}
		out, err := json.Marshal(qr)
		require.NoError(t, err)
		back, err := fhir.ParseResponse(out)
		require.NoError(t, err, "%s", out)
		again, err := json.Marshal(back)
		require.NoError(t, err)
		require.JSONEq(t, string(out), string(again))
	})
}
