package triage_test

import (
	"bytes"
	"context"
	"errors"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

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
		{"quote character found", `{"a": 1 'b'}`, "a quote as the found character is shown as encoding/json quotes it", 1, 9, 8, "",
			`invalid answers: malformed JSON: expected a comma or } after the answer to "a", found '\'' at line 1, column 9 (byte offset 8)`},
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
			_, err := parseAnswers(t, []byte(tc.input))
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

// answersError evaluates answers given as JSON text or as Go values on the
// demo rules and returns the error, which must be an answers error.
func answersError(t *testing.T, eng *triage.Engine, input any) error {
	t.Helper()
	var a triage.Answers
	switch in := input.(type) {
	case string:
		var err error
		if a, err = eng.DecodeAnswers(bytes.NewReader([]byte(in))); err != nil {
			require.ErrorIs(t, err, triage.ErrInvalidAnswers)
			return err
		}
	case triage.Answers:
		a = in
	}
	v, err := eng.Evaluate(context.Background(), a)
	require.Nil(t, v, "no verdict comes with an error")
	require.ErrorIs(t, err, triage.ErrInvalidAnswers)
	return err
}

func TestAnswerMessagesQuoteAShortPrefix(t *testing.T) {
	eng := mustLoad(t, demoFS())
	digits := "1" + strings.Repeat("0", 65_000)
	long := strings.Repeat("x", 1000)
	negJSON := func(k, v string) string {
		return `{"fever": false, "where": [], "side": "right", "temp": 36.6, "pops": true, "relief": 30, ` + strconv.Quote(k) + `: ` + v + `}`
	}
	tests := []struct {
		name   string
		input  any
		reason string
		want   string // the message, or the part of it around the cut
	}{
		{"65,000-digit integer", strings.Replace(negJSON("x", "1"), `"relief": 30`, `"relief": `+digits, 1), "a number is cut after 40 characters",
			`relief: 1000000000000000000000000000000000000000… (65001 characters) is too large`},
		{"65,000-digit fraction", strings.Replace(negJSON("x", "1"), `"relief": 30`, `"relief": 0.`+digits, 1), "a fraction is cut too",
			`relief: want a whole number, got 0.10000000000000000000000000000000000000… (65003 characters)`},
		{"65,000-digit number", strings.Replace(negJSON("x", "1"), `"temp": 36.6`, `"temp": `+digits, 1), "a number question's overflow is cut too",
			`temp: 1000000000000000000000000000000000000000… (65001 characters) is too large`},
		{"long choice", with(negative(), "side", long), "a string is cut after 40 characters",
			`side: "` + long[:40] + `"… (1000 characters) is not one of left, right`},
		{"long multichoice item", with(negative(), "where", []any{long}), "a list item is cut",
			`where: "` + long[:40] + `"… (1000 characters) is not one of fingers, arms`},
		{"long repeated item", with(negative(), "where", []string{long, long}), "a repeated item is cut",
			`where: "` + long[:40] + `"… (1000 characters) is not one of fingers, arms`},
		{"long string for a boolean", with(negative(), "fever", long), "a value of the wrong type is cut",
			`fever: want true or false, got string "` + long[:40] + `"… (1000 characters)`},
		{"long unknown key", with(negative(), long, true), "an unknown key is cut",
			`"` + long[:40] + `"… (1000 characters): unknown question`},
		{"long duplicate key", `{"` + long + `": 1, "` + long + `": 2}`, "a duplicate key is cut",
			`question "` + long[:40] + `"… (1000 characters) is answered twice`},
		{"long key of a malformed value", `{"` + long + `": tru}`, "the key of a malformed answer is cut",
			`malformed JSON in the answer to "` + long[:40] + `"… (1000 characters): invalid character`},
		{"string over the limit under a long key", negJSON(long, `"`+strings.Repeat("y", 2000)+`"`), "a key in a limit error is cut",
			`"` + long[:40] + `"… (1000 characters): a string of 2000 bytes`},
		{"characters, not bytes", with(negative(), "side", strings.Repeat("é", 50)), "the cut counts characters and never splits one",
			`side: "` + strings.Repeat("é", 40) + `"… (50 characters) is not one of left, right`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := answersError(t, eng, tc.input)
			assert.Contains(t, err.Error(), tc.want, tc.reason)
			assert.Less(t, len(err.Error()), 300, "the message stays short: %s", tc.reason)
		})
	}
}

func TestAnswerMessagesEscapeControlCharacters(t *testing.T) {
	eng := mustLoad(t, demoFS())
	const hostile = "\x1b[31mfever\r\x1b[2K"
	tests := []struct {
		name   string
		input  any
		reason string
		want   string
	}{
		{"unknown key", with(negative(), hostile, true), "a key that would rewrite the terminal line is escaped",
			`"\x1b[31mfever\r\x1b[2K": unknown question`},
		{"NUL in a key", with(negative(), "a\x00b", true), "a NUL is escaped", `"a\x00b": unknown question`},
		{"bidi override in a key", with(negative(), "abc\u202edef", true), "a right-to-left override is escaped", `"abc\u202edef": unknown question`},
		{"invalid UTF-8 in a key", with(negative(), "a\xffb", true), "a byte that is not UTF-8 is escaped", `"a\xffb": unknown question`},
		{"choice", with(negative(), "side", "left\r"+hostile), "a choice value is escaped", `side: "left\r\x1b[31mfever\r\x1b[2K" is not one of left, right`},
		{"duplicate key", `{"` + `\u001b[2K` + `": 1, "` + `\u001b[2K` + `": 2}`, "a duplicate key from JSON is escaped", `question "\x1b[2K" is answered twice`},
		{"limit under a hostile key", `{"\u001b[2K": "` + strings.Repeat("y", 2000) + `"}`, "a key in a limit error is escaped", `"\x1b[2K": a string of 2000 bytes`},
		{"control character in JSON", "{\"fever\": \"a\x1bb\"}", "encoding/json's own report is quoted", `found '\x1b' inside a string`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := answersError(t, eng, tc.input)
			assert.Contains(t, err.Error(), tc.want, tc.reason)
			assertPrintable(t, err.Error(), tc.reason)
		})
	}

	t.Run("the raw key is kept as data", func(t *testing.T) {
		var ae *triage.AnswerError
		require.ErrorAs(t, answersError(t, eng, with(negative(), hostile, true)), &ae)
		assert.Equal(t, hostile, ae.Question, "Question holds the key as given")
	})
	t.Run("errors built by callers", func(t *testing.T) {
		e := &triage.AnswerError{Question: hostile, Msg: "skipped\x1b[2K question\xff"}
		assertPrintable(t, e.Error(), "Error escapes whatever a caller put in an AnswerError")
		assertPrintable(t, triage.AnswerErrors{e}.Error(), "so does the list")
	})
}

// assertPrintable fails if s holds a character a terminal would act on.
func assertPrintable(t *testing.T, s, reason string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Errorf("message is not valid UTF-8: %q (%s)", s, reason)
		return
	}
	for _, r := range s {
		if !unicode.IsPrint(r) {
			t.Errorf("message holds %U, which a terminal may act on: %q (%s)", r, s, reason)
			return
		}
	}
}

func TestMultichoiceNullItem(t *testing.T) {
	eng := mustLoad(t, demoFS())
	err := answersError(t, eng, `{"where": ["arms", null]}`)
	assert.EqualError(t, err, "invalid answers: where: item 2 is empty (null); want a list of choices from fingers, arms",
		"a null in a list is named plainly, not as a Go type")
}
