package triage_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// slipsBase declares the questions the slips read, and a rule that reads
// every one of them, so that ankle.yaml can hold one rule with one slip.
const slipsBase = `name: ankle
version: 1.0.0
title: Ankle pain
sources:
  - id: doc
    title: A document
questions:
  - id: fever
    text: Do you have a fever?
    type: boolean
  - id: swelling
    text: Is the ankle swollen?
    type: boolean
  - id: pain_days
    text: For how many days has it hurt?
    type: integer
    min: 0
  - id: temp
    text: What is your temperature?
    type: number
    min: 30
    max: 45
  - id: where
    text: Where does it hurt?
    type: multichoice
    choices: [toes, heel]
  - id: side
    text: Which side?
    type: choice
    choices: [left, right]
rules:
  - id: all
    title: Everything
    when: fever && swelling && pain_days > 3 && temp > 38 && "heel" in where && side == "left"
    action: refer
    advice: See a professional.
    cite: {source: doc, section: All}
`

// ankle is a rule file whose line 4 is "    when: WHEN".
func ankle(when string) string {
	return lines(
		"rules:",
		"  - id: ankle",
		"    title: Ankle pain",
		"    when: "+when,
		"    action: refer",
		"    advice: See a physiotherapist.",
		"    cite: {source: doc, section: Ankle}",
	)
}

// TestSlips loads whole small rule sets, each with one of the slips people
// make most when writing rules, and pins the exact message: plain words
// first (what to write instead), then the parser's or compiler's own text,
// and the source line with a caret under the column.
func TestSlips(t *testing.T) {
	tests := []struct {
		name, reason, file string
		want               string // Error()
		snippet            string // what ErrorWithSnippet adds: the line and the caret
	}{
		{
			name:   "= for ==",
			reason: "a single = is assignment in most languages and nothing in CEL",
			file:   ankle("pain_days = 7"),
			want:   `ankle.yaml:4:21: ankle: when: to compare, write == (two equal signs); a single = is not a comparison (CEL compiler: Syntax error: token recognition error at: '= ')`,
			snippet: "        when: pain_days = 7" + "\n" +
				"                        ^",
		},
		{
			name:   "= for == later in the condition",
			reason: "the hint points at the = itself, not the start of the condition",
			file:   ankle(`pain_days >= 7 && side = "left"`),
			want:   `ankle.yaml:4:34: ankle: when: to compare, write == (two equal signs); a single = is not a comparison (CEL compiler: Syntax error: token recognition error at: '= ')`,
			snippet: "        when: pain_days >= 7 && side = \"left\"" + "\n" +
				"                                     ^",
		},
		{
			name:   "=> for >=",
			reason: "the arrow order of spoken language",
			file:   ankle("pain_days => 7"),
			want:   `ankle.yaml:4:21: ankle: when: write >= for "at least", not => (CEL compiler: Syntax error: token recognition error at: '=>')`,
			snippet: "        when: pain_days => 7" + "\n" +
				"                        ^",
		},
		{
			name:   "and for &&",
			reason: "the word a clinician would say",
			file:   ankle("fever and swelling"),
			want:   `ankle.yaml:4:17: ankle: when: write && for "and" (CEL compiler: Syntax error: mismatched input 'and' expecting <EOF>)`,
			snippet: "        when: fever and swelling" + "\n" +
				"                    ^",
		},
		{
			name:   "or for ||",
			reason: "the word a clinician would say",
			file:   ankle("fever or swelling"),
			want:   `ankle.yaml:4:17: ankle: when: write || for "or" (CEL compiler: Syntax error: mismatched input 'or' expecting <EOF>)`,
			snippet: "        when: fever or swelling" + "\n" +
				"                    ^",
		},
		{
			name:   "not for !",
			reason: "the caret goes to the not, not to the word after it",
			file:   ankle("fever && not swelling"),
			want:   `ankle.yaml:4:20: ankle: when: write ! for "not", right before what it negates, like !fever (CEL compiler: Syntax error: extraneous input 'swelling' expecting <EOF>)`,
			snippet: "        when: fever && not swelling" + "\n" +
				"                       ^",
		},
		{
			name:   "single & for &&",
			reason: "one ampersand, as in prose",
			file:   ankle("fever & swelling"),
			want:   `ankle.yaml:4:17: ankle: when: write && (two of them) for "and" (CEL compiler: Syntax error: token recognition error at: '& ')`,
			snippet: "        when: fever & swelling" + "\n" +
				"                    ^",
		},
		{
			name:   "<> for !=",
			reason: "the not-equal of SQL and spreadsheets",
			file:   ankle("pain_days <> 0"),
			want:   `ankle.yaml:4:21: ankle: when: write != for "not equal", not <> (CEL compiler: Syntax error: extraneous input '>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER})`,
			snippet: "        when: pain_days <> 0" + "\n" +
				"                        ^",
		},
		{
			name:   "quoted number",
			reason: "a number question compared with a number in quotes",
			file:   ankle(`pain_days > "7"`),
			want:   `ankle.yaml:4:21: ankle: when: pain_days is a number question: compare it with a number, without quotes, like pain_days > 7 (CEL compiler: found no matching overload for '_>_' applied to '(int, string)')`,
			snippet: "        when: pain_days > \"7\"" + "\n" +
				"                        ^",
		},
		{
			name:   "quoted number on the left",
			reason: "the example keeps the question on the left, with the comparison turned round",
			file:   ankle(`'"38.5" <= temp'`),
			want:   `ankle.yaml:4:19: ankle: when: temp is a number question: compare it with a number, without quotes, like temp >= 38.5 (CEL compiler: found no matching overload for '_<=_' applied to '(string, double)')`,
			snippet: "        when: '\"38.5\" <= temp'" + "\n" +
				"                      ^",
		},
		{
			name:   "yes in quotes",
			reason: "a yes/no question compared with the text \"yes\"",
			file:   ankle(`fever == "yes"`),
			want:   `ankle.yaml:4:17: ankle: when: fever is a yes/no question: write fever for yes and !fever for no, not fever == "yes" (CEL compiler: found no matching overload for '_==_' applied to '(bool, string)')`,
			snippet: "        when: fever == \"yes\"" + "\n" +
				"                    ^",
		},
		{
			name:   "yes without quotes",
			reason: "CEL has no yes: it reads as a question that does not exist",
			file:   ankle("fever == yes"),
			want:   `ankle.yaml:4:20: ankle: when: CEL has no yes: for a yes/no question write its id alone for yes, like fever, and with ! for no, like !fever`,
			snippet: "        when: fever == yes" + "\n" +
				"                       ^",
		},
		{
			name:   "True with a capital",
			reason: "Python's spelling",
			file:   ankle("fever == True"),
			want:   `ankle.yaml:4:20: ankle: when: write true in lower case`,
			snippet: "        when: fever == True" + "\n" +
				"                       ^",
		},
		{
			name:   "multichoice compared with ==",
			reason: "a multichoice answer is a list",
			file:   ankle(`where == "heel"`),
			want:   `ankle.yaml:4:17: ankle: when: where is a multichoice question, whose answer is a list of choices: test one choice with in, like "heel" in where (CEL compiler: found no matching overload for '_==_' applied to '(list(string), string)')`,
			snippet: "        when: where == \"heel\"" + "\n" +
				"                    ^",
		},
		{
			name:   "in with a choice question",
			reason: "a choice question has one answer: in needs a list",
			file:   ankle(`'"heel" in side'`),
			want:   `ankle.yaml:4:19: ankle: when: side is a choice question with one answer: compare it with ==, like side == "heel" (CEL compiler: found no matching overload for '@in' applied to '(string, string)')`,
			snippet: "        when: '\"heel\" in side'" + "\n" +
				"                      ^",
		},
		{
			name:   "in with a number",
			reason: "in needs a list on its right",
			file:   ankle("pain_days in 7"),
			want:   `ankle.yaml:4:21: ankle: when: in needs a list on its right, in square brackets, like side in ["left", "right"] (CEL compiler: found no matching overload for '@in' applied to '(int, int)')`,
			snippet: "        when: pain_days in 7" + "\n" +
				"                        ^",
		},
		{
			name:   "len for size",
			reason: "another language's name for size, at the function's name",
			file:   ankle("len(where) > 0"),
			want:   `ankle.yaml:4:11: ankle: when: unknown function "len" (did you mean "size"?)`,
			snippet: "        when: len(where) > 0" + "\n" +
				"              ^",
		},
		{
			name:   "misspelled macro",
			reason: "exist for exists: its loop variable is not reported again as an unknown question",
			file:   ankle(`where.exist(w, w == "heel")`),
			want:   `ankle.yaml:4:17: ankle: when: unknown function "exist" (did you mean "exists"?)`,
			snippet: "        when: where.exist(w, w == \"heel\")" + "\n" +
				"                    ^",
		},
		{
			name:   "missing )",
			reason: "the caret goes to the ( that is never closed",
			file:   ankle("fever && (swelling || pain_days > 7"),
			want:   `ankle.yaml:4:20: ankle: when: this ( is never closed; add a ) where the group ends (CEL compiler: Syntax error: missing ')' at '<EOF>')`,
			snippet: "        when: fever && (swelling || pain_days > 7" + "\n" +
				"                       ^",
		},
		{
			name:   "extra )",
			reason: "a ) that closes nothing",
			file:   ankle("fever && swelling)"),
			want:   `ankle.yaml:4:28: ankle: when: this ) has no ( before it to close (CEL compiler: Syntax error: extraneous input ')' expecting <EOF>)`,
			snippet: "        when: fever && swelling)" + "\n" +
				"                               ^",
		},
		{
			name:   "condition cut short",
			reason: "an operator with nothing after it",
			file:   ankle("fever &&"),
			want:   `ankle.yaml:4:19: ankle: when: the condition stops in the middle: something is missing at its end (CEL compiler: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER})`,
			snippet: "        when: fever &&" + "\n" +
				"                      ^",
		},
		{
			name:   "units after a number",
			reason: "pain_days > 7 days",
			file:   ankle("pain_days > 7 days"),
			want:   `ankle.yaml:4:25: ankle: when: the condition should end before "days", or be joined to what follows with && or || (CEL compiler: Syntax error: extraneous input 'days' expecting <EOF>)`,
			snippet: "        when: pain_days > 7 days" + "\n" +
				"                            ^",
		},
		{
			name:   "unquoted leading !",
			reason: "in YAML a leading ! is a tag; with more after it, it is a syntax error",
			file:   ankle("!fever || swelling"),
			want:   `ankle.yaml:4:11: YAML syntax error: in YAML a value that starts with ! is a tag, not "not"; quote the whole value, like when: "!fever || swelling" (YAML parser: did not find expected comment or line break)`,
			snippet: "        when: !fever || swelling" + "\n" +
				"              ^",
		},
		{
			name:   "unquoted leading ! alone",
			reason: "when: !fever parses, as an empty value tagged !fever",
			file:   ankle("!fever"),
			want:   `ankle.yaml:4:11: ankle: in YAML a value that starts with ! is a tag, not "not"; quote the whole value, like when: "!fever" (when must be a string, got a value tagged !fever)`,
			snippet: "        when: !fever" + "\n" +
				"              ^",
		},
		{
			name:   "unquoted leading !  before &&",
			reason: "yaml.v3 reads && as an anchor without a name",
			file:   ankle("!fever && swelling"),
			want:   `ankle.yaml:4:11: YAML syntax error: in YAML a value that starts with ! is a tag, not "not"; quote the whole value, like when: "!fever && swelling" (YAML parser: did not find expected alphabetic or numeric character)`,
			snippet: "        when: !fever && swelling" + "\n" +
				"              ^",
		},
		{
			name:   "condition that starts with a quoted choice",
			reason: "YAML takes the quotes for its own and trips on the text after them",
			file:   ankle(`"heel" in where`),
			want:   `ankle.yaml:4:18: YAML syntax error: text follows the closing quote, but a value that starts with a quote ends there; quote the whole value, like when: '"heel" in where' (YAML parser: did not find expected key)`,
			snippet: "        when: \"heel\" in where" + "\n" +
				"                     ^",
		},
		{
			name:   "backtick",
			reason: "code quotes from a chat or a document",
			file:   ankle("`fever`"),
			want:   "ankle.yaml:4:11: YAML syntax error: a YAML value cannot start with `; quote the whole value, like when: \"`fever`\" (YAML parser: found character that cannot start any token)",
			snippet: "        when: `fever`" + "\n" +
				"              ^",
		},
		{
			name:   "tab for indentation",
			reason: "an editor that inserts tabs",
			file:   lines("rules:", "  - id: ankle", "    title: Ankle pain", "\twhen: fever", "    action: refer", "    advice: See a physiotherapist.", "    cite: {source: doc, section: Ankle}"),
			want:   `ankle.yaml:4:1: YAML syntax error: YAML does not allow tabs for indentation; use spaces (YAML parser: found a tab character that violates indentation)`,
			snippet: "     when: fever" + "\n" +
				"    ^",
		},
		{
			name:   "key indented one space short",
			reason: "a bad indent is reported at the line's first character",
			file:   lines("rules:", "  - id: ankle", "    title: Ankle pain", "   when: fever", "    action: refer", "    advice: See a physiotherapist.", "    cite: {source: doc, section: Ankle}"),
			want:   `ankle.yaml:4:4: YAML syntax error: this line is not indented like the lines around it: the keys of one item must start in the same column, indented with spaces (YAML parser: did not find expected '-' indicator)`,
			snippet: "       when: fever" + "\n" +
				"       ^",
		},
		{
			name:   "key indented too far",
			reason: "yaml.v3 reads the line as part of the value above, then trips on its colon",
			file:   lines("rules:", "  - id: ankle", "    title: Ankle pain", "      when: fever", "    action: refer", "    advice: See a physiotherapist.", "    cite: {source: doc, section: Ankle}"),
			want:   `ankle.yaml:4:7: YAML syntax error: this line is not indented like the lines around it: the keys of one item must start in the same column, indented with spaces (YAML parser: mapping values are not allowed in this context)`,
			snippet: "          when: fever" + "\n" +
				"          ^",
		},
		{
			name:   "colon inside a value",
			reason: "a colon and a space start a key",
			file:   lines("rules:", "  - id: ankle", "    title: Ankle pain: severe", "    when: fever", "    action: refer", "    advice: See a physiotherapist.", "    cite: {source: doc, section: Ankle}"),
			want:   `ankle.yaml:3:22: YAML syntax error: a colon followed by a space inside a value starts a new key in YAML; quote the whole value, like title: "Ankle pain: severe" (YAML parser: mapping values are not allowed in this context)`,
			snippet: "        title: Ankle pain: severe" + "\n" +
				"                         ^",
		},
		{
			name:   "unclosed quote",
			reason: "the caret goes to the quote that opens",
			file:   lines("rules:", "  - id: ankle", `    title: "Ankle pain`, "    when: fever", "    action: refer", "    advice: See a physiotherapist.", "    cite: {source: doc, section: Ankle}"),
			want:   `ankle.yaml:3:12: YAML syntax error: this quote is never closed; end the value with a matching " (YAML parser: found unexpected end of stream)`,
			snippet: "        title: \"Ankle pain" + "\n" +
				"               ^",
		},
		{
			name:   "unclosed bracket",
			reason: "the caret goes to the bracket that opens",
			file:   lines("rules:", "  - id: ankle", "    title: Ankle pain", "    when: fever", "    action: refer", "    advice: See a physiotherapist.", "    cite: {source: doc, section: Ankle"),
			want:   `ankle.yaml:7:11: YAML syntax error: this { is never closed; end it with } on this line, or quote the value if the { is part of the text (YAML parser: did not find expected ',' or '}')`,
			snippet: "        cite: {source: doc, section: Ankle" + "\n" +
				"              ^",
		},
		{
			name:   "missing comma in braces",
			reason: "yaml.v3 expects a , or a }",
			file:   lines("rules:", "  - id: ankle", "    title: Ankle pain", "    when: fever", "    action: refer", "    advice: See a physiotherapist.", "    cite: {source: doc section: Ankle}"),
			want:   `ankle.yaml:7:11: YAML syntax error: check the items inside this {: they must be separated by commas (YAML parser: did not find expected ',' or '}')`,
			snippet: "        cite: {source: doc section: Ankle}" + "\n" +
				"              ^",
		},
		{
			name:   "backslash in double quotes",
			reason: "a regular expression's \\d is not a YAML escape",
			file:   ankle(`"side.matches('\d')"`),
			want:   `ankle.yaml:4:26: YAML syntax error: inside double quotes a backslash starts an escape; write \\ for a backslash, or put the value in single quotes (YAML parser: found unknown escape character)`,
			snippet: "        when: \"side.matches('\\d')\"" + "\n" +
				"                             ^",
		},
		{
			name:   "advice starting with >",
			reason: "> starts a folded block in YAML",
			file:   lines("rules:", "  - id: ankle", "    title: Ankle pain", "    when: fever", "    action: refer", "    advice: > 3 days of pain needs a check", "    cite: {source: doc, section: Ankle}"),
			want:   `ankle.yaml:6:13: YAML syntax error: a value that starts with > begins a block of text on the lines below; to write it on this line, quote the whole value, like advice: "> 3 days of pain needs a check" (YAML parser: did not find expected comment or line break)`,
			snippet: "        advice: > 3 days of pain needs a check" + "\n" +
				"                ^",
		},
		{
			name:   "missing colon after a key",
			reason: "yaml.v3 trips on the next line; the hint names the line without a colon",
			file:   lines("rules", "  - id: ankle", "    title: Ankle pain", "    when: fever", "    action: refer", "    advice: See a physiotherapist.", "    cite: {source: doc, section: Ankle}"),
			want:   `ankle.yaml:2:3: YAML syntax error: the key on line 1 has no colon after it; write rules: (YAML parser: mapping values are not allowed in this context)`,
			snippet: "      - id: ankle" + "\n" +
				"      ^",
		},
	}
	require.GreaterOrEqual(t, len(tests), 20, "the issue asks for at least 20 realistic slips")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := triage.Load(mapFS(map[string]string{"0.yaml": slipsBase, "ankle.yaml": tt.file}))
			require.ErrorIs(t, err, triage.ErrInvalidRuleSet)
			var list triage.ErrorList
			require.ErrorAs(t, err, &list)
			require.Len(t, list, 1, "one slip, one error: %s", list.ErrorsWithSnippets())
			assert.Equal(t, tt.want, list[0].Error(), tt.reason)
			assert.Equal(t, tt.want+"\n"+tt.snippet, list[0].ErrorWithSnippet(), tt.reason)
			assert.NotZero(t, list[0].Pos.Column, "every slip has a column, for the caret")
			plain, _, _ := strings.Cut(list[0].Msg, " (CEL compiler: ")
			plain, _, _ = strings.Cut(plain, " (YAML parser: ")
			for _, jargon := range []string{"token", "overload", "mismatched", "extraneous", "EOF", "scalar", "indicator", "undeclared"} {
				assert.NotContains(t, plain, jargon, "the words before the compiler's or parser's own are plain")
			}
		})
	}
}
