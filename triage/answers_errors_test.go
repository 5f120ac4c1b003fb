package triage_test

import (
	"errors"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// twentyThreeLines is an answers file of 23 lines whose line 11 lacks its
// comma, as in the issue.
func twentyThreeLines() (doc string, offset int) {
	var b strings.Builder
	b.WriteString("{\n")
	for i := 1; i <= 21; i++ {
		if i == 11 {
			b.WriteString(`  "q` + string(rune('a'+i)) + `": true` + "\n")
			offset = b.Len() + 2 // the quote that opens line 12's key
			continue
		}
		sep := ","
		if i == 21 {
			sep = ""
		}
		b.WriteString(`  "q` + string(rune('a'+i)) + `": false` + sep + "\n")
	}
	b.WriteString("}")
	return b.String(), offset
}

func TestParseAnswersSyntaxErrorsArePositioned(t *testing.T) {
	doc23, off23 := twentyThreeLines()
	require.Equal(t, 23, strings.Count(doc23, "\n")+1)
	tests := []struct {
		name, input, reason string
		line, column        int
		offset              int
		question            string
		want                string // the whole message
	}{
		{"missing comma", doc23, "the error points at the key after the missing comma", 13, 3, off23, "",
			`invalid answers: malformed JSON: expected a comma or } after the answer to "ql", found '"' at line 13, column 3 (byte offset ` + strconv.Itoa(off23) + `)`},
		{"lone brace", `{`, "truncated input says where it ended", 1, 2, 1, "",
			`invalid answers: malformed JSON: the input ends too early at line 1, column 2 (byte offset 1)`},
		{"cut in a value", `{"fever": tr`, "truncated input says where it ended", 1, 13, 12, "fever",
			`invalid answers: malformed JSON in the answer to "fever": the input ends too early at line 1, column 13 (byte offset 12)`},
		{"cut after a comma", "{\"fever\": false,\n", "truncated input says where it ended", 2, 1, 17, "",
			`invalid answers: malformed JSON: the input ends too early at line 2, column 1 (byte offset 17)`},
		{"bad literal", `{"fever": tru}`, "a syntax error inside a value names the question", 1, 14, 13, "fever",
			`invalid answers: malformed JSON in the answer to "fever": invalid character '}' in literal true (expecting 'e') at line 1, column 14 (byte offset 13)`},
		{"columns count characters", "{\n  \"née\": tru}", "a column is counted in characters, the offset in bytes", 2, 13, 15, "née",
			`invalid answers: malformed JSON in the answer to "née": invalid character '}' in literal true (expecting 'e') at line 2, column 13 (byte offset 15)`},
		{"key not quoted", `{fever: true}`, "a bare key is refused where it starts", 1, 2, 1, "",
			`invalid answers: malformed JSON: expected a question id in double quotes, found 'f' at line 1, column 2 (byte offset 1)`},
		{"missing colon", `{"fever" true}`, "a missing colon is refused where it is missing", 1, 10, 9, "fever",
			`invalid answers: malformed JSON: expected a colon after "fever", found 't' at line 1, column 10 (byte offset 9)`},
		{"array", ` [true]`, "answers are an object", 1, 2, 1, "",
			`invalid answers: answers must be a JSON object like {"fever": true}, got a list at line 1, column 2 (byte offset 1)`},
		{"empty", ``, "empty input", 1, 1, 0, "",
			`invalid answers: no JSON object found (empty input) at line 1, column 1 (byte offset 0)`},
		{"trailing data", "{}\n {}", "one object only", 2, 2, 4, "",
			`invalid answers: unexpected data after the answers object at line 2, column 2 (byte offset 4)`},
		{"duplicate key", "{\"fever\": false,\n \"fever\": true}", "a repeated key is ambiguous", 2, 2, 18, "fever",
			`invalid answers: question "fever" is answered twice at line 2, column 2 (byte offset 18)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := triage.ParseAnswers([]byte(tc.input))
			require.ErrorIs(t, err, triage.ErrInvalidAnswers, tc.reason)
			assert.EqualError(t, err, tc.want, tc.reason)
			var ae *triage.AnswerError
			require.True(t, errors.As(err, &ae), "the error is reachable as an *AnswerError: %s", tc.reason)
			assert.Equal(t, tc.line, ae.Line, "line: %s", tc.reason)
			assert.Equal(t, tc.column, ae.Column, "column: %s", tc.reason)
			assert.Equal(t, tc.offset, ae.Offset, "offset: %s", tc.reason)
			assert.Equal(t, tc.question, ae.Question, "question: %s", tc.reason)
		})
	}
}
