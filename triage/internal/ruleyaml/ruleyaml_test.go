package ruleyaml

import (
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// TestPinnedYAMLMessages fails, naming the message, when a yaml.v3 upgrade
// changes the error texts yamlmsg.go reads: syntax errors would then lose
// their line, or land on the wrong one.
func TestPinnedYAMLMessages(t *testing.T) {
	tests := []struct {
		src, problem, reason string
		line                 int
	}{
		{"a: 1\nb: [1, 2\n", "did not find expected ',' or ']'", "a parser error: 0-based line of the enclosing flow, made 1-based", 2},
		{"a: b: c\n", "mapping values are not allowed in this context", "an error on the first line names no line", 0},
		{"a:\n\t- x\n", "found character that cannot start any token", "a tab where indentation is expected", 2},
	}
	for _, tt := range tests {
		var n yaml.Node
		err := yaml.NewDecoder(strings.NewReader(tt.src)).Decode(&n)
		require.Error(t, err)
		require.False(t, errors.Is(err, io.EOF))
		problem, line := splitYAMLError(err)
		assert.Equal(t, tt.problem, problem, "yaml.v3's message changed (%s); update yamlmsg.go. It is now: %q", tt.reason, err.Error())
		assert.Equal(t, tt.line, line, "yaml.v3's line numbering changed (%s): %q", tt.reason, err.Error())
	}
}

// TestPinnedYAMLKinds fails, naming the message, when a yaml.v3 upgrade
// changes a problem text that classifySyntax reads: the syntax error would
// then lose its column's reasoning and its hint.
func TestPinnedYAMLKinds(t *testing.T) {
	tests := []struct {
		src, reason string
		kind        syntaxKind
	}{
		{"a: @x\n", "a character no token starts with", cannotStart},
		{"a:\n  b: 1\n\tc: 2\n", "a tab in the indentation", tabIndent},
		{"a: !x || y\n", "text after a tag", noLineBreak},
		{"a: !x && y\n", "an anchor without a name", badPropertyName},
		{"a: b: c\n", "a colon inside a value", colonInValue},
		{"a:\n  - b: 1\n    c: 2\n   d: 3\n", "a key indented less than its block", indentMismatch},
		{"a:\n  b: 1\n  \"c\" d: 2\n", "text after a closing quote", indentMismatch},
		{"a: [b\n", "an unclosed [", unclosedFlow},
		{"a: {b: c\n", "an unclosed {", unclosedFlow},
		{"a: \"b\n", "an unclosed quote", unexpectedEnd},
		{"a: \"\\d\"\n", "an escape double quotes do not know", unknownEscape},
		{"a: *b\n", "an alias of no anchor", unknownAnchorRef},
	}
	for _, tt := range tests {
		var n yaml.Node
		err := yaml.NewDecoder(strings.NewReader(tt.src)).Decode(&n)
		require.Error(t, err, tt.reason)
		problem, _ := splitYAMLError(err)
		assert.Equal(t, tt.kind, classifySyntax(problem), "yaml.v3's message changed (%s); update syntaxKinds in yamlmsg.go. It is now: %q", tt.reason, err.Error())
	}
}

func decode(t *testing.T, src string) (File, []Problem) {
	t.Helper()
	var probs []Problem
	d := New("rule file", []byte(src), func(p Problem) { probs = append(probs, p) })
	root, ok := d.Parse()
	require.True(t, ok, "parses: %v", probs)
	return d.DecodeFile(root), probs
}

func TestDecodeFile(t *testing.T) {
	f, probs := decode(t, strings.Join([]string{
		"name: demo",
		"questions:",
		"  - id: fever",
		"    text: Fever?",
		"    type: boolean",
		"rules:",
		"  - id: fever",
		"    wehn: fever",
		"    cite: {source: doc, section: S}",
	}, "\n"))
	require.Len(t, probs, 1)
	assert.Equal(t, Problem{Line: 8, Column: 5, ID: "fever", Path: "rules[0].wehn",
		Msg: `unknown key "wehn" (did you mean "when"?); allowed: id, title, when, action, advice, note, cite, see_also`}, probs[0])
	assert.Equal(t, "demo", f.Name.V)
	require.Len(t, f.Questions, 1)
	assert.Equal(t, "boolean", f.Questions[0].Type.V)
	require.Len(t, f.Rules, 1)
	assert.False(t, f.Rules[0].When.Present(), "the misspelled key is not taken for when")
	assert.Equal(t, "doc", f.Rules[0].Cite.Source.V)
}

func TestDecodeProblems(t *testing.T) {
	tests := []struct {
		name, src, want, reason string
	}{
		{"not a string", "version: 1.0\n", "version must be a string, got a number (write a quoted semantic version, like \"1.0.0\")", "a number where a string belongs is refused, not converted"},
		{"duplicate key", "name: a\nname: b\n", `duplicate key "name" (first at line 1)`, "the later value would silently win"},
		{"alias", "name: &x a\ntitle: *x\n", "YAML aliases are not allowed in rule files; write the value out", "aliases are refused"},
		{"null list", "rules:\n", "rules is empty; write [] for an empty list, or remove the key", "an empty key is not an empty list"},
		{"two documents", "name: a\n---\nname: b\n", "a rule file must hold a single YAML document; split it into several files instead", "a second document would be ignored"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, probs := decode(t, tt.src)
			require.NotEmpty(t, probs, tt.reason)
			assert.Equal(t, tt.want, probs[0].Msg, tt.reason)
		})
	}
}

func TestSyntaxErrorLine(t *testing.T) {
	var probs []Problem
	src := "name: demo\nrules:\n  - id: a\n    when: [x\n  - id: b\n"
	d := New("rule file", []byte(src), func(p Problem) { probs = append(probs, p) })
	_, ok := d.Parse()
	require.False(t, ok)
	require.Len(t, probs, 1)
	assert.Equal(t, 4, probs[0].Line, "the line with the unclosed list, found as the first prefix that fails")
	assert.Contains(t, probs[0].Msg, "YAML syntax error: ")
}

func TestLocate(t *testing.T) {
	src := "when: >-\n  fever &&\n  fevr\n"
	d := New("rule file", []byte(src), func(Problem) {})
	root, ok := d.Parse()
	require.True(t, ok)
	v := root.Content[1]
	line, col := d.Locate(v, strings.Index(v.Value, "fevr"))
	assert.Equal(t, []int{3, 3}, []int{line, col}, "an offset in a folded scalar maps to its line and column in the file")
}

func TestOffsetPos(t *testing.T) {
	line, col := OffsetPos([]byte("ab\ncdé\nf"), 7)
	assert.Equal(t, []int{2, 4}, []int{line, col}, "columns count code points")
}

// TestExplainSyntaxAlwaysAColumn: whatever the line, a syntax error gets a
// column, so ErrorWithSnippet always shows the line and a caret.
func TestExplainSyntaxAlwaysAColumn(t *testing.T) {
	lines := []string{"", "-", "- ", "a:", "a: ", `a: "`, `a: "x" `, "a: [", "a: ]", "a: {x", "\t", " \t- x", "a: !", "a: |", `"`, "[", "a: 'it''s", `a: "\`, "é: @x"}
	for k := otherSyntax; k <= unknownAnchorRef; k++ {
		for _, l := range lines {
			col, _ := explainSyntax(k, l, "", 0)
			assert.GreaterOrEqual(t, col, 1, "kind %d, line %q", k, l)
			assert.LessOrEqual(t, col, len([]rune(l))+1, "kind %d, line %q: the caret stays on the line", k, l)
		}
	}
}
