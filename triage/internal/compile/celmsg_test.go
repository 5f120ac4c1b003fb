package compile

import (
	"slices"
	"testing"

	"cel.dev/cel-go/cel"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestPinnedCELMessages fails, naming the message, when a cel-go upgrade
// changes a message that celmsg.go reads: without it, unknown questions
// would silently lose their plain wording and "did you mean".
func TestPinnedCELMessages(t *testing.T) {
	env, err := cel.NewEnv(cel.Variable("fever", cel.BoolType))
	require.NoError(t, err)
	_, iss := env.Compile("fevr")
	require.Error(t, iss.Err())
	msg := iss.Errors()[0].Message
	name, ok := undeclaredReference(msg)
	require.True(t, ok, "cel-go's undeclared-reference message changed; update celmsg.go. It is now: %q", msg)
	require.Equal(t, "fevr", name, "cel-go's undeclared-reference message changed; update celmsg.go. It is now: %q", msg)
}

// TestPinnedCELRecursionMessage fails, naming the message, when a cel-go
// upgrade changes its message for a condition nested beyond the recursion
// limit: nesting over Limits.Nesting would then be reported as a plain
// syntax error, not as an input over a limit.
func TestPinnedCELRecursionMessage(t *testing.T) {
	env, err := cel.NewEnv(cel.Variable("fever", cel.BoolType), cel.ParserRecursionLimit(3))
	require.NoError(t, err)
	for _, src := range []string{"((((((fever))))))", "size([[[[[[1]]]]]]) > 0 || fever"} {
		_, iss := env.Parse(src)
		require.Error(t, iss.Err(), src)
		msgs := []string{}
		for _, ce := range iss.Errors() {
			msgs = append(msgs, ce.Message)
		}
		assert.True(t, slices.ContainsFunc(msgs, tooDeep), "cel-go's recursion-limit message changed; update celmsg.go. It is now: %q", msgs)
	}
	assert.False(t, tooDeep("Syntax error: missing ')' at '<EOF>'"), "a syntax error is not nesting")
}

// TestPinnedCELSlips fails, naming the message, when a cel-go upgrade
// changes a message that celmsg.go reads for the hints: the error would
// then lose its plain words and keep only the compiler's.
func TestPinnedCELSlips(t *testing.T) {
	env, err := cel.NewEnv(
		cel.Variable("fever", cel.BoolType),
		cel.Variable("days", cel.IntType),
		cel.Variable("where", cel.ListType(cel.StringType)),
	)
	require.NoError(t, err)
	syntax := []struct {
		src, reason string
		slip        syntaxSlip
		token       string
	}{
		{"days = 7", "a single =", unknownToken, "= "},
		{"fever & fever", "a single &", unknownToken, "& "},
		{"fever and fever", "a word where an operator belongs", unexpectedToken, "and"},
		{"fever && fever)", "an extra )", unexpectedToken, ")"},
		{"fever &&", "a condition cut short", unexpectedToken, endOfInput},
		{"(fever", "an unclosed (", missingCloseParen, ""},
	}
	for _, tt := range syntax {
		_, iss := env.Parse(tt.src)
		require.Error(t, iss.Err(), tt.reason)
		msg := iss.Errors()[0].Message
		slip, token := syntaxError(msg)
		assert.Equal(t, tt.slip, slip, "cel-go's syntax message changed (%s); update celmsg.go. It is now: %q", tt.reason, msg)
		assert.Equal(t, tt.token, token, "cel-go's syntax message changed (%s); update celmsg.go. It is now: %q", tt.reason, msg)
	}
	overloads := []struct {
		src, reason, fn string
		args            []string
	}{
		{`days > "7"`, "a quoted number", "_>_", []string{"int", "string"}},
		{`where == "a"`, "a list compared with ==", "_==_", []string{"list(string)", "string"}},
		{"days in 7", "in with a number", "@in", []string{"int", "int"}},
	}
	for _, tt := range overloads {
		_, iss := env.Compile(tt.src)
		require.Error(t, iss.Err(), tt.reason)
		msg := iss.Errors()[0].Message
		fn, args, ok := noOverload(msg)
		require.True(t, ok, "cel-go's overload message changed (%s); update celmsg.go. It is now: %q", tt.reason, msg)
		assert.Equal(t, tt.fn, fn, "cel-go's overload message changed (%s): %q", tt.reason, msg)
		assert.Equal(t, tt.args, args, "cel-go's overload message changed (%s): %q", tt.reason, msg)
	}
	_, iss := env.Compile("len(where) > 0")
	require.Error(t, iss.Err())
	name, ok := undeclaredReference(iss.Errors()[0].Message)
	assert.True(t, ok && name == "len", "cel-go's message for an unknown function changed; update celmsg.go. It is now: %q", iss.Errors()[0].Message)
}

func TestSplitTypes(t *testing.T) {
	assert.Equal(t, []string{"int", "map(string, int)", "list(string)"}, splitTypes("int, map(string, int), list(string)"),
		"commas inside a type's parentheses do not split it")
}

// TestDescribeSyntaxErrorOffsets: a hint may move the position (to the
// "not", the unclosed "("), never off the condition.
func TestDescribeSyntaxErrorOffsets(t *testing.T) {
	for _, src := range []string{"", "(", "not", ")", "<>", "a <> b", "((a)", `"(" + (`} {
		for off := 0; off <= len([]rune(src))+1; off++ {
			for _, msg := range []string{
				"Syntax error: token recognition error at: '= '",
				"Syntax error: extraneous input ')' expecting <EOF>",
				"Syntax error: mismatched input '>' expecting <EOF>",
				"Syntax error: mismatched input '<EOF>' expecting <EOF>",
				"Syntax error: missing ')' at '<EOF>'",
			} {
				at, _ := describeSyntaxError(src, off, msg)
				assert.True(t, at >= 0 && at <= max(off, len([]rune(src))), "src %q, offset %d, %q: moved to %d", src, off, msg, at)
			}
		}
	}
}
