package triage_test

import (
	"errors"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// base0 is a valid file that sorts before the files under test ("r.yaml"),
// so that positions in r.yaml count from its own first line.
const base0 = `name: demo
version: 1.0.0
title: Demo rules
sources:
  - id: doc
    title: A document
questions:
  - id: fever
    text: Fever?
    type: boolean
rules:
  - id: fever
    title: Fever
    when: fever
    action: refer
    advice: See someone.
    cite: {source: doc, section: S}
`

// rule builds a complete rule for r.yaml whose line 2 is "  - id: ID" and
// line 4 is "    when: WHEN".
func rule(id, when string) string {
	return lines(
		"rules:",
		"  - id: "+id,
		"    title: A rule",
		"    when: "+when,
		"    action: refer",
		"    advice: See someone.",
		"    cite: {source: doc, section: S}",
	)
}

// Questions for r.yaml, declared after 0.yaml's "fever".
const (
	qPainDays = "  - id: pain_days\n    text: Days?\n    type: integer\n"
	qPops     = "  - id: pops\n    text: Pop?\n    type: boolean\n"
)

func TestLoadErrors(t *testing.T) {
	allowedRuleKeys := "; allowed: id, title, when, action, advice, note, cite, see_also"
	tests := []struct {
		name   string
		reason string
		files  map[string]string // added to {"0.yaml": base0} unless noBase
		noBase bool
		opts   []triage.Option
		want   []string
	}{
		{
			name:   "unknown key",
			reason: "a misspelled key must be an error, never a silently disabled rule",
			files: map[string]string{"r.yaml": lines(
				"rules:",
				"  - id: chills",
				"    title: Chills",
				"    wehn: fever",
				"    action: refer",
				"    advice: See someone.",
				"    cite: {source: doc, section: S}",
			)},
			want: []string{
				`r.yaml:2:5: chills: missing required key "when"`,
				`r.yaml:4:5: chills: unknown key "wehn" (did you mean "when"?)` + allowedRuleKeys,
			},
		},
		{
			name:   "unknown top-level key",
			reason: "unknown keys are refused at every level, not only in rules",
			files:  map[string]string{"r.yaml": "rulez: []\n"},
			want:   []string{`r.yaml:1:1: unknown key "rulez" (did you mean "rules"?); allowed: name, version, title, description, outcomes, sources, questions, rules, self_care`},
		},
		{
			name:   "unknown key in citation",
			reason: "a misspelled section key would drop the citation",
			files: map[string]string{"r.yaml": lines(
				"rules:",
				"  - id: chills",
				"    title: Chills",
				"    when: fever",
				"    action: refer",
				"    advice: See someone.",
				"    cite: {source: doc, sectoin: S}",
			)},
			want: []string{
				`r.yaml:7:11: chills: missing required key "section"`,
				`r.yaml:7:25: chills: unknown key "sectoin" (did you mean "section"?); allowed: source, section`,
			},
		},
		{
			name:   "missing required field",
			reason: "a rule without advice has nothing to tell the person",
			files: map[string]string{"r.yaml": lines(
				"rules:",
				"  - id: chills",
				"    title: Chills",
				"    when: fever",
				"    action: refer",
				"    cite: {source: doc, section: S}",
			)},
			want: []string{`r.yaml:2:5: chills: missing required key "advice"`},
		},
		{
			name:   "missing citation",
			reason: "a rule without a citation does not load",
			files: map[string]string{"r.yaml": lines(
				"rules:",
				"  - id: chills",
				"    title: Chills",
				"    when: fever",
				"    action: refer",
				"    advice: See someone.",
			)},
			want: []string{`r.yaml:2:5: chills: missing required key "cite": every rule must cite its source`},
		},
		{
			name:   "wrong YAML type: list for a string",
			reason: "a condition must be a CEL string",
			files:  map[string]string{"r.yaml": rule("chills", "[fever]")},
			want:   []string{`r.yaml:4:11: chills: when must be a string, got a list`},
		},
		{
			name:   "wrong YAML type: number for a string",
			reason: "an unquoted 1.0 is a float in YAML; the version must be a string",
			files:  map[string]string{"r.yaml": "name: other\nversion: 1.0\n"},
			want: []string{
				`r.yaml:1:7: the rule set header is declared twice (first in 0.yaml); declare name, version, title and description in one file`,
				`r.yaml:2:10: version must be a string, got a number (write a quoted semantic version, like "1.0.0")`,
			},
		},
		{
			name:   "wrong YAML type: string for a number",
			reason: "min must be numeric",
			files:  map[string]string{"r.yaml": "questions:\n" + qPainDays + "    min: ten\n" + rule("days", "pain_days > 3")},
			want:   []string{`r.yaml:5:10: pain_days: min must be a number, got a string`},
		},
		{
			name:   "wrong YAML type: scalar for a list",
			reason: "choices must be a list",
			files: map[string]string{"r.yaml": lines(
				"questions:",
				"  - id: where",
				"    text: Where?",
				"    type: multichoice",
				"    choices: fingers",
			) + rule("numb", "size(where) > 0")},
			want: []string{`r.yaml:5:14: where: choices must be a list, got a string`},
		},
		{
			name:   "misspelled choice compared with ==",
			reason: "a choice literal that is not a choice could never match: a red flag switched off by a typo",
			files: map[string]string{"r.yaml": lines(
				"questions:",
				"  - id: side",
				"    text: Side?",
				"    type: choice",
				"    choices: [left, right]",
			) + rule("left", `fever && side == "lefft"`)},
			want: []string{`r.yaml:9:28: left: when: "lefft" is not a choice of question "side" (did you mean "left"?)`},
		},
		{
			name:   "misspelled choices in every comparison form",
			reason: "in-lists, membership in a multichoice and comprehension variables are checked too",
			files: map[string]string{"r.yaml": lines(
				"questions:",
				"  - id: side",
				"    text: Side?",
				"    type: choice",
				"    choices: [left, right]",
				"  - id: where",
				"    text: Where?",
				"    type: multichoice",
				"    choices: [fingers, arms]",
			) + rule("numb", `side in ["left", "rigth"] || "fingres" in where || where.exists(w, w != "chest")`)},
			want: []string{
				`r.yaml:13:28: numb: when: "rigth" is not a choice of question "side" (did you mean "right"?)`,
				`r.yaml:13:40: numb: when: "fingres" is not a choice of question "where" (did you mean "fingers"?)`,
				`r.yaml:13:83: numb: when: "chest" is not a choice of question "where" (choices: fingers, arms)`,
			},
		},
		{
			name:   "misspelled choices in the other forms",
			reason: "literal lists tested against a multichoice, whole-list comparisons, indexing and filter are checked too",
			files: map[string]string{"r.yaml": lines(
				"questions:",
				"  - id: side",
				"    text: Side?",
				"    type: choice",
				"    choices: [left, right]",
				"  - id: where",
				"    text: Where?",
				"    type: multichoice",
				"    choices: [fingers, arms]",
			) + rule("numb", `'["fingerz"].exists(p, p in where) || where == ["armz"] || where[0] == "fingerz" || where.filter(s, s != "arms").exists(t, t == "fingerz") || side == "left"'`)},
			want: []string{
				`r.yaml:13:13: numb: when: "fingerz" is not a choice of question "where" (did you mean "fingers"?)`,
				`r.yaml:13:59: numb: when: "armz" is not a choice of question "where" (did you mean "arms"?)`,
				`r.yaml:13:82: numb: when: "fingerz" is not a choice of question "where" (did you mean "fingers"?)`,
				`r.yaml:13:139: numb: when: "fingerz" is not a choice of question "where" (did you mean "fingers"?)`,
			},
		},
		{
			name:   "broken question type does not cascade",
			reason: "rules reading a question with a bad type must not also claim the question is unknown",
			files:  map[string]string{"r.yaml": "questions:\n  - id: chills\n    text: Chills?\n    type: bool\n" + rule("chills", "chills && fever")},
			want:   []string{`r.yaml:4:11: chills: unknown question type "bool" (did you mean "boolean"?); want boolean, integer, number, choice or multichoice`},
		},
		{
			name:   "expression that ends too early in a block scalar",
			reason: "the error points just past the expression, not at the next key",
			files: map[string]string{"r.yaml": lines(
				"rules:",
				"  - id: chills",
				"    title: Chills",
				"    when: |",
				"      fever &&",
				"    action: refer",
				"    advice: See someone.",
				"    cite: {source: doc, section: S}",
			)},
			want: []string{`r.yaml:5:15: chills: when: the condition stops in the middle: something is missing at its end (CEL compiler: Syntax error: mismatched input '<EOF>' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER})`},
		},
		{
			name:   "rule file in a subdirectory",
			reason: "a rule file that would be ignored must not be ignored silently",
			files:  map[string]string{"more/extra.yaml": rule("chills", "fever"), "UPPER.YAML": rule("rash", "fever"), ".git/x.yaml": "x", "testdata/x.yaml": "x"},
			want: []string{
				`UPPER.YAML: rule files must end in lower-case .yaml or .yml; rename it, or it is not loaded`,
				`more/extra.yaml: rule files must be at the root of the rule set; this one is in a subdirectory and would not be loaded`,
			},
		},
		{
			name:   "YAML syntax error: bad indentation",
			reason: "the line named is the one out of line, the column its first character, though yaml.v3 names the line where the block starts",
			files:  map[string]string{"r.yaml": "rules:\n  - id: x\n    title: T\n   when: y\n"},
			want:   []string{`r.yaml:4:4: YAML syntax error: this line is not indented like the lines around it: the keys of one item must start in the same column, indented with spaces (YAML parser: did not find expected '-' indicator)`},
		},
		{
			name:   "YAML syntax error: a tab for indentation",
			reason: "the line named is the one with the tab, the column the tab's",
			files:  map[string]string{"r.yaml": "rules:\n  - id: x\n    title: T\n\twhen: y\n"},
			want:   []string{`r.yaml:4:1: YAML syntax error: YAML does not allow tabs for indentation; use spaces (YAML parser: found a tab character that violates indentation)`},
		},
		{
			name:   "YAML syntax error on line 1",
			reason: "an error on the first line, for which yaml.v3 names no line, still names its line and the column of the colon",
			files:  map[string]string{"r.yaml": "name: demo x: y\n"},
			want:   []string{`r.yaml:1:13: YAML syntax error: a colon followed by a space inside a value starts a new key in YAML; quote the whole value, like name: "demo x: y" (YAML parser: mapping values are not allowed in this context)`},
		},
		{
			name:   "choices left empty",
			reason: "a choice question whose choices are all commented out must not load with none",
			files: map[string]string{"r.yaml": lines(
				"questions:",
				"  - id: where",
				"    text: Where?",
				"    type: multichoice",
				"    choices:",
				"    # - fingers",
			) + rule("numb", "size(where) > 0")},
			want: []string{`r.yaml:5:13: where: choices is empty; write [] for an empty list, or remove the key`},
		},
		{
			name:   "empty list of choices",
			reason: "a choice question needs something to choose",
			files:  map[string]string{"r.yaml": "questions:\n  - id: where\n    text: Where?\n    type: choice\n    choices: []\n" + rule("numb", "size(where) > 0")},
			want:   []string{`r.yaml:5:14: where: a choice question needs at least one choice`},
		},
		{
			name:   "rules key left empty",
			reason: "a rules: key whose items are all commented out is refused, not read as no rules",
			files:  map[string]string{"r.yaml": "rules:\n# - id: gone\n"},
			want:   []string{`r.yaml:1:7: rules is empty; write [] for an empty list, or remove the key`},
		},
		{
			name:   "tagged and anchored conditions",
			reason: "positions skip a tag or anchor written before the value",
			files:  map[string]string{"r.yaml": rule("chills", "!!str fever && fevr")},
			want:   []string{`r.yaml:4:26: chills: when: unknown question "fevr" (did you mean "fever"?)`},
		},
		{
			name:   "escape in a double-quoted condition",
			reason: "positions stay exact after an escape sequence",
			files:  map[string]string{"r.yaml": rule("chills", `"fever &&\n fevr"`)},
			want:   []string{`r.yaml:4:23: chills: when: unknown question "fevr" (did you mean "fever"?)`},
		},
		{
			name:   "YAML tag where a condition belongs",
			reason: "an unquoted !fever is a YAML tag, not a negation; it must not load as something else",
			files:  map[string]string{"r.yaml": rule("chills", "!fever")},
			want:   []string{`r.yaml:4:11: chills: in YAML a value that starts with ! is a tag, not "not"; quote the whole value, like when: "!fever" (when must be a string, got a value tagged !fever)`},
		},
		{
			name:   "CEL syntax error in a block scalar",
			reason: "CEL errors are reported at their line and column in the YAML file, not in the expression",
			files: map[string]string{"r.yaml": lines(
				"rules:",
				"  - id: chills",
				"    title: Chills",
				"    when: |",
				"      fever ||",
				"        fever && )",
				"    action: refer",
				"    advice: See someone.",
				"    cite: {source: doc, section: S}",
			)},
			want: []string{`r.yaml:6:18: chills: when: something is missing before this ) (CEL compiler: Syntax error: mismatched input ')' expecting {'[', '{', '(', '.', '-', '!', 'true', 'false', 'null', NUM_FLOAT, NUM_INT, NUM_UINT, STRING, BYTES, IDENTIFIER})`},
		},
		{
			name:   "CEL type error",
			reason: "a boolean compared with a number is a type error at the operator",
			files:  map[string]string{"r.yaml": rule("chills", "fever > 1")},
			want:   []string{`r.yaml:4:17: chills: when: fever is a yes/no question, not a number: write fever for yes and !fever for no (CEL compiler: found no matching overload for '_>_' applied to '(bool, int)')`},
		},
		{
			name:   "unknown question in a quoted condition",
			reason: "a misspelled question id is an error at its column, inside quotes",
			files:  map[string]string{"r.yaml": rule("chills", `"fever && fevr"`)},
			want:   []string{`r.yaml:4:21: chills: when: unknown question "fevr" (did you mean "fever"?)`},
		},
		{
			name:   "when is not boolean",
			reason: "a condition must be a boolean",
			files:  map[string]string{"r.yaml": "questions:\n" + qPainDays + rule("days", "pain_days + 1")},
			want:   []string{`r.yaml:8:11: days: when must be a boolean condition, but it is of type int`},
		},
		{
			name:   "ask_if is not boolean",
			reason: "ask_if must be a boolean too",
			files: map[string]string{"r.yaml": "questions:\n" + qPainDays + qPops + "    ask_if: pain_days\n" +
				rule("popping", "pain_days > 3 && pops")},
			want: []string{
				`r.yaml:8:13: pops: ask_if must be a boolean condition, but it is of type int`,
			},
		},
		{
			name:   "duplicate rule id across files",
			reason: "rule ids are unique across the whole rule set",
			files:  map[string]string{"r.yaml": rule("fever", "'!fever'")},
			want:   []string{`r.yaml:2:9: fever: duplicate rule id "fever" (first declared at 0.yaml:12:9)`},
		},
		{
			name:   "duplicate question id across files",
			reason: "question ids are unique across the whole rule set",
			files:  map[string]string{"r.yaml": "questions:\n  - id: fever\n    text: Again?\n    type: boolean\n"},
			want:   []string{`r.yaml:2:9: fever: duplicate question id "fever" (first declared at 0.yaml:8:9)`},
		},
		{
			name:   "citation of an undeclared source",
			reason: "every citation must point at a declared source",
			files: map[string]string{"r.yaml": lines(
				"rules:",
				"  - id: chills",
				"    title: Chills",
				"    when: '!fever'",
				"    action: refer",
				"    advice: See someone.",
				"    cite: {source: dox, section: S}",
			)},
			want: []string{`r.yaml:7:20: chills: cites undeclared source "dox" (did you mean "doc"?)`},
		},
		{
			name:   "ask_if reads a later question",
			reason: "follow-ups may only depend on earlier answers",
			files: map[string]string{"r.yaml": "questions:\n" + qPops + "    ask_if: pain_days > 3\n" + qPainDays +
				rule("popping", "pain_days > 3 && pops")},
			want: []string{`r.yaml:5:13: pops: ask_if reads "pain_days", which is a later question; ask_if may read only earlier questions`},
		},
		{
			name:   "ask_if reads its own question",
			reason: "a question cannot depend on itself",
			files:  map[string]string{"r.yaml": "questions:\n" + qPops + "    ask_if: fever && pops\n" + rule("popping", "fever && pops")},
			want:   []string{`r.yaml:5:22: pops: ask_if reads "pops", which is the question itself; ask_if may read only earlier questions`},
		},
		{
			name:   "condition always true",
			reason: "a rule that always fires is a mistake",
			files:  map[string]string{"r.yaml": rule("chills", "fever || true")},
			want:   []string{`r.yaml:4:11: chills: when is always true: it does not depend on any answer`},
		},
		{
			name:   "condition always false",
			reason: "a rule that can never fire is a mistake",
			files:  map[string]string{"r.yaml": rule("chills", "fever && 1 > 2")},
			want:   []string{`r.yaml:4:11: chills: when is always false: it does not depend on any answer`},
		},
		{
			name:   "condition reads no question",
			reason: "a constant condition is refused even without a question in it",
			files:  map[string]string{"r.yaml": rule("chills", "size('abc') == 3")},
			want:   []string{`r.yaml:4:11: chills: when is always true: it does not depend on any answer`},
		},
		{
			name:   "estimated cost over the limit",
			reason: "a rule whose worst case is too expensive does not load",
			files: map[string]string{"r.yaml": lines(
				"questions:",
				"  - id: where",
				"    text: Where?",
				"    type: multichoice",
				"    choices: [fingers, arms, chest]",
			) + rule("numb", `where.exists(x, x.startsWith("f")) && where.all(x, x != "chest")`)},
			opts: []triage.Option{triage.WithLimits(triage.Limits{Cost: 10})},
			want: []string{`r.yaml:9:11: numb: when: estimated cost 37 exceeds the limit of 10 (Limits.Cost)`},
		},
		{
			name:   "question nothing reads",
			reason: "a question that no rule or ask_if reads would be asked for nothing",
			files:  map[string]string{"r.yaml": "questions:\n" + qPainDays},
			want:   []string{`r.yaml:2:9: pain_days: no rule or ask_if reads this question, so it would be asked for nothing`},
		},
		{
			name:   "follow-up read without its guard",
			reason: "an unguarded follow-up could leave the verdict undecided for ever",
			files: map[string]string{"r.yaml": "questions:\n" + qPops + qPainDays + "    ask_if: pops\n" +
				rule("days", "fever || pain_days > 3")},
			want: []string{"r.yaml:12:20: days: reads follow-up question \"pain_days\" without its guard: the condition must have the form `pops && ...`, with the guard as a top-level && operand (split an || into separate rules), so it is decided when \"pain_days\" is not asked"},
		},
		{
			name:   "header declared twice",
			reason: "one rule set has one name and version",
			files:  map[string]string{"r.yaml": "name: other\n"},
			want:   []string{`r.yaml:1:7: the rule set header is declared twice (first in 0.yaml); declare name, version, title and description in one file`},
		},
		{
			name:   "no header",
			reason: "a rule set must say what it is",
			noBase: true,
			files: map[string]string{"r.yaml": "sources: [{id: doc, title: D}]\nquestions:\n  - id: fever\n    text: F?\n    type: boolean\n" +
				rule("fever", "fever")},
			want: []string{`r.yaml: the rule set has no header: one file must declare name, version and title`},
		},
		{
			name:   "no rule files",
			reason: "test files and other files are not rules",
			noBase: true,
			files:  map[string]string{"cases_test.yaml": "garbage: [", "README.md": "hi"},
			want:   []string{`.: no rule files found (want *.yaml files other than *_test.yaml)`},
		},
		{
			name:   "no rules",
			reason: "a rule set that cannot refer anyone is a mistake",
			noBase: true,
			files:  map[string]string{"r.yaml": "name: demo\nversion: 1.0.0\ntitle: Demo\n"},
			want:   []string{`r.yaml: the rule set has no rules`},
		},
		{
			name:   "two YAML documents in one file",
			reason: "a second document would otherwise be ignored without a word",
			files:  map[string]string{"r.yaml": rule("chills", "'!fever'") + "---\n" + rule("rash", "fever == false")},
			want:   []string{`r.yaml:8:1: a rule file must hold a single YAML document; split it into several files instead`},
		},
		{
			name:   "alias",
			reason: "aliases are refused",
			files: map[string]string{"r.yaml": lines(
				"rules:",
				"  - id: chills",
				"    title: Chills",
				"    when: '!fever'",
				"    action: refer",
				"    advice: &adv See someone.",
				"    cite: {source: doc, section: S}",
				"  - id: rash",
				"    title: Rash",
				"    when: fever == false",
				"    action: refer",
				"    advice: *adv",
				"    cite: {source: doc, section: S}",
			)},
			want: []string{`r.yaml:12:13: rash: YAML aliases are not allowed in rule files; write the value out`},
		},
		{
			name:   "duplicate key",
			reason: "a second when would silently replace the first",
			files: map[string]string{"r.yaml": lines(
				"rules:",
				"  - id: chills",
				"    title: Chills",
				"    when: '!fever'",
				"    when: fever",
				"    action: refer",
				"    advice: See someone.",
				"    cite: {source: doc, section: S}",
			)},
			want: []string{`r.yaml:5:5: chills: duplicate key "when" (first at line 4)`},
		},
		{
			name:   "YAML syntax error",
			reason: "broken YAML names its line, and the column of the bracket never closed",
			files:  map[string]string{"r.yaml": "rules:\n  - id: x\n    title: [unclosed\n"},
			want:   []string{`r.yaml:3:12: YAML syntax error: this [ is never closed; end it with ] on this line, or quote the value if the [ is part of the text (YAML parser: did not find expected ',' or ']')`},
		},
		{
			name:   "not UTF-8",
			reason: "rule files are text",
			files:  map[string]string{"r.yaml": "rules: []\n# \xff\n"},
			want:   []string{`r.yaml:2:3: file is not valid UTF-8`},
		},
		{
			name:   "bad question declarations",
			reason: "types, choices, bounds and ids are checked",
			files: map[string]string{"r.yaml": lines(
				"questions:",
				"  - id: in",
				"    text: Reserved?",
				"    type: boolean",
				"  - id: a",
				"    text: A?",
				"    type: bool",
				"  - id: b",
				"    text: B?",
				"    type: boolean",
				"    choices: [x]",
				"    min: 1",
				"  - id: c",
				"    text: C?",
				"    type: integer",
				"    min: 0.5",
				"    max: 10",
				"  - id: d",
				"    text: D?",
				"    type: number",
				"    min: 5",
				"    max: 1",
				"  - id: e",
				"    text: E?",
				"    type: choice",
				"    choices: [x, x]",
			) + rule("all", "b || c > 1 || d > 1.0 || e == 'x'")},
			want: []string{
				`r.yaml:2:9: in: question id "in" must be a snake_case identifier (a-z, 0-9, _) and not a CEL reserved word`,
				`r.yaml:7:11: a: unknown question type "bool" (did you mean "boolean"?); want boolean, integer, number, choice or multichoice`,
				`r.yaml:11:14: b: choices apply only to choice and multichoice questions, not boolean`,
				`r.yaml:12:10: b: min applies only to integer and number questions, not boolean`,
				`r.yaml:16:10: c: min of an integer question must be a whole number, got 0.5`,
				`r.yaml:22:10: d: max 1 is less than min 5`,
				`r.yaml:26:18: e: duplicate choice "x"`,
			},
		},
		{
			name:   "bad header values",
			reason: "name and version have a fixed shape",
			noBase: true,
			files: map[string]string{"r.yaml": "name: Demo Rules\nversion: v1\ntitle: T\nsources: [{id: doc, title: D}]\nquestions:\n  - id: fever\n    text: F?\n    type: boolean\n" +
				rule("fever", "fever")},
			want: []string{
				`r.yaml:1:7: name "Demo Rules" must be lower-case letters and digits separated by '-', '_' or '.'`,
				`r.yaml:2:10: version "v1" is not a semantic version like 1.2.0`,
			},
		},
		{
			name:   "unknown action",
			reason: "only refer and caution exist",
			files: map[string]string{"r.yaml": lines(
				"rules:",
				"  - id: chills",
				"    title: Chills",
				"    when: '!fever'",
				"    action: refr",
				"    advice: See someone.",
				"    cite: {source: doc, section: S}",
			)},
			want: []string{`r.yaml:5:13: chills: unknown action "refr" (did you mean "refer"?); want refer or caution`},
		},
		{
			name:   "empty values",
			reason: "blank text and empty conditions are refused",
			files: map[string]string{"r.yaml": lines(
				"rules:",
				"  - id: chills",
				"    title: Chills",
				"    when: ''",
				"    action: refer",
				"    advice: '  '",
				"    cite: {source: doc, section: S}",
			)},
			want: []string{
				`r.yaml:4:11: chills: when must not be empty`,
				`r.yaml:6:13: chills: advice must not be blank`,
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := mapFS(tc.files)
			if !tc.noBase {
				fsys["0.yaml"] = &fstest.MapFile{Data: []byte(base0)}
			}
			eng, err := triage.Load(fsys, tc.opts...)
			require.Nil(t, eng, tc.reason)
			assert.Equal(t, tc.want, errorLines(t, err), tc.reason)
			assert.ErrorIs(t, err, triage.ErrInvalidRuleSet)
		})
	}
}

func TestLoadBase(t *testing.T) {
	eng, err := triage.Load(fstest.MapFS{"0.yaml": {Data: []byte(base0)}})
	require.NoError(t, err, "the base of the error table must load on its own")
	assert.Equal(t, "demo", eng.RuleSet().Name)
}

func TestLoadErrorsAreSortedAcrossFiles(t *testing.T) {
	fsys := mapFS(map[string]string{
		"0.yaml": base0,
		"b.yaml": rule("late", "fevr"),
		"a.yaml": rule("early", "'!fevr'"),
	})
	_, err := triage.Load(fsys)
	assert.Equal(t, []string{
		`a.yaml:4:13: early: when: unknown question "fevr" (did you mean "fever"?)`,
		`b.yaml:4:11: late: when: unknown question "fevr" (did you mean "fever"?)`,
	}, errorLines(t, err), "errors come from every file, sorted by file then line")

	var one *triage.Error
	require.ErrorAs(t, err, &one, "errors.As reaches a single positioned error")
	assert.Equal(t, triage.Position{File: "a.yaml", Line: 4, Column: 13}, one.Pos)
	assert.Equal(t, "early", one.ID)
	assert.Equal(t, "rules[0].when", one.Path)
	assert.Equal(t, `a.yaml:4:13: early: when: unknown question "fevr" (did you mean "fever"?) (and 1 more error)`, err.Error(),
		"Error() is one line")
}

func TestErrorWithSnippet(t *testing.T) {
	_, err := triage.Load(mapFS(map[string]string{"0.yaml": base0, "r.yaml": rule("chills", "fever > 1")}))
	var list triage.ErrorList
	require.ErrorAs(t, err, &list)
	require.Len(t, list, 1)
	want := "r.yaml:4:17: chills: when: fever is a yes/no question, not a number: write fever for yes and !fever for no (CEL compiler: found no matching overload for '_>_' applied to '(bool, int)')\n" +
		"    " + "    when: fever > 1\n" +
		"    " + "                ^"
	assert.Equal(t, want, list[0].ErrorWithSnippet(), "the caret sits under the reported column")
	assert.Equal(t, want+"\n", list.ErrorsWithSnippets())
}

func TestLoadSkipsTestFilesAndSubdirectories(t *testing.T) {
	fsys := mapFS(map[string]string{
		"0.yaml":          base0,
		"cases_test.yaml": "not: [valid",
		"cases_test.yml":  "not: [valid",
		"notes.txt":       "not yaml",
		"testdata/x.yaml": "not: [valid",
		".hidden/x.yaml":  "not: [valid",
		"sub/a_test.yaml": "not: [valid",
		"extra.yml":       "questions:\n" + qPops + "rules:\n  - {id: popping, title: P, when: pops, action: caution, advice: A, cite: {source: doc, section: S}}\n",
	})
	eng, err := triage.Load(fsys)
	require.NoError(t, err, "*_test.yaml, other extensions, testdata and hidden directories are not rule files; .yml is")
	assert.Len(t, eng.Rules(), 2)
}

func TestLoadOptions(t *testing.T) {
	_, err := triage.Load(demoFS(), triage.WithLimits(triage.Limits{ExpressionLength: 5}))
	assert.Contains(t, errorLines(t, err), `demo.yaml:44:11: numb: when is 15 characters long; the limit is 5 (Limits.ExpressionLength)`)

	_, err = triage.Load(fstest.MapFS{"0.yaml": {Data: []byte(base0)}, "r.yaml": {Data: []byte(rule("deep", "((((((fever))))))"))}}, triage.WithLimits(triage.Limits{Nesting: 3}))
	lines := errorLines(t, err)
	require.Len(t, lines, 1)
	assert.Contains(t, lines[0], "r.yaml:4:", "nesting beyond the limit is a positioned error")
	assert.Contains(t, lines[0], "recursion")
}

func TestLoadReadsEverything(t *testing.T) {
	eng := mustLoad(t, demoFS())
	info := eng.RuleSet()
	assert.Equal(t, "demo", info.Name)
	assert.Equal(t, "1.0.0", info.Version)
	assert.Equal(t, "Demo rules", info.Title)
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, info.Hash)

	qs := eng.Questions()
	ids := make([]string, len(qs))
	for i, q := range qs {
		ids[i] = q.ID
	}
	assert.Equal(t, []string{"fever", "where", "side", "temp", "pops", "relief"}, ids, "questionnaire order is file order")
	assert.Equal(t, []triage.Choice{{Value: "left", Label: "Left side"}, {Value: "right", Label: "right"}}, qs[2].Choices,
		"a choice is a string or a {value, label} mapping; the label defaults to the value")
	require.NotNil(t, qs[3].Min)
	assert.Equal(t, 30.0, *qs[3].Min)
	assert.Equal(t, "°C", qs[3].Unit)
	assert.Equal(t, "pops", qs[5].AskIf)

	qs[2].Choices[0].Value = "changed"
	*qs[3].Min = 0
	again := eng.Questions()
	assert.Equal(t, "left", again[2].Choices[0].Value, "Questions returns copies")
	assert.Equal(t, 30.0, *again[3].Min, "Questions returns copies")

	rs := eng.Rules()
	ruleIDs := make([]string, len(rs))
	for i, r := range rs {
		ruleIDs[i] = r.ID
	}
	assert.Equal(t, []string{"fever", "numb", "hot", "short_relief", "long_relief"}, ruleIDs)
	assert.Equal(t, []string{"side", "temp"}, rs[2].Reads, "Reads is in questionnaire order")
	assert.Equal(t, triage.Citation{SourceID: "doc", Title: "A document", Section: "Relief"}, rs[3].Citation)
	assert.Equal(t, triage.Position{File: "demo.yaml", Line: 60, Column: 9}, rs[4].Pos)

	changedHash := demoFS()
	changedHash["demo.yaml"].Data = append(changedHash["demo.yaml"].Data, []byte("# a comment\n")...)
	assert.NotEqual(t, info.Hash, mustLoad(t, changedHash).RuleSet().Hash, "the hash covers every byte of the rule files")
	assert.Equal(t, info.Hash, mustLoad(t, demoFS()).RuleSet().Hash, "the hash is deterministic")
}

func TestLoadMultipleFiles(t *testing.T) {
	fsys := mapFS(map[string]string{
		"0-header.yaml":    header,
		"1-questions.yaml": demoQuestions,
		"2-rules.yaml":     demoRules,
	})
	eng := mustLoad(t, fsys)
	assert.Len(t, eng.Questions(), 6)
	assert.Len(t, eng.Rules(), 5)
	assert.Equal(t, "2-rules.yaml", eng.Rules()[0].Pos.File, "positions name the file a rule came from")
}

func TestErrorListBehaviour(t *testing.T) {
	list := triage.ErrorList{
		{Pos: triage.Position{File: "b.yaml", Line: 1, Column: 1}, Msg: "b"},
		{Pos: triage.Position{File: "a.yaml", Line: 9, Column: 2}, Msg: "a9"},
		{Pos: triage.Position{File: "a.yaml", Line: 2, Column: 5}, Msg: "a2"},
		{Pos: triage.Position{File: "a.yaml", Line: 2, Column: 5}, Msg: "a2"},
	}
	assert.Equal(t, "b.yaml:1:1: b (and 3 more errors)", list.Error())
	assert.True(t, errors.Is(list, triage.ErrInvalidRuleSet))
	assert.Equal(t, "a.yaml", triage.Position{File: "a.yaml"}.String())
	assert.Equal(t, "a.yaml:3", triage.Position{File: "a.yaml", Line: 3}.String())
}
