package compile

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testEnv(t *testing.T) *Env {
	t.Helper()
	env, err := NewEnv([]Var{
		{Name: "fever", Kind: Bool},
		{Name: "days", Kind: Int},
		{Name: "temp", Kind: Double},
		{Name: "side", Kind: String, Choices: []string{"left", "right"}},
		{Name: "where", Kind: StringList, Choices: []string{"fingers", "arms"}},
	}, nil, Limits{Cost: 10_000, ExpressionLength: 200, Nesting: 32})
	require.NoError(t, err)
	return env
}

// TestCompile compiles conditions from source text alone, with problems
// at code-point offsets.
func TestCompile(t *testing.T) {
	env := testEnv(t)
	tests := []struct {
		name, src, reason string
		reads             []int
		problems          []Problem
	}{
		{name: "valid", src: "fever && days > 3", reads: []int{0, 1}, reason: "reads in questionnaire order"},
		{name: "numeric literal", src: "temp >= 38", reads: []int{2}, reason: "an int literal compares with a number question"},
		{name: "unknown question", src: "fevr", reason: "a typo names the question it meant",
			problems: []Problem{{Offset: 0, Msg: `when: unknown question "fevr" (did you mean "fever"?)`}}},
		{name: "not boolean", src: "days + 1", reads: []int{1}, reason: "a condition must be a boolean",
			problems: []Problem{{Offset: -1, Msg: "when must be a boolean condition, but it is of type int"}}},
		{name: "bad choice", src: `fever && side == "lefft"`, reads: []int{0, 3}, reason: "a misspelled choice is a load error, not a rule that never fires",
			problems: []Problem{{Offset: 17, Msg: `when: "lefft" is not a choice of question "side" (did you mean "left"?)`}}},
		{name: "bad choice in comprehension", src: `where.exists(w, w == "legs")`, reads: []int{4}, reason: "comprehension variables stand for the list's choices",
			problems: []Problem{{Offset: 21, Msg: `when: "legs" is not a choice of question "where" (choices: fingers, arms)`}}},
		{name: "shadowed", src: `["x"].exists(side, side == "x") && fever`, reads: []int{0, 3}, reason: "a comprehension variable hides the question of the same name, so \"x\" is not checked against its choices (reads still names the question: conservative)"},
		{name: "constant", src: "true || fever", reads: []int{0}, reason: "a condition that no answer changes is a mistake",
			problems: []Problem{{Offset: -1, Msg: "when is always true: it does not depend on any answer"}}},
		{name: "empty", src: "  ", reason: "blank", problems: []Problem{{Offset: -1, Msg: "when must not be empty"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.Compile(tt.src, "when")
			assert.Equal(t, tt.problems, res.Problems, tt.reason)
			assert.Equal(t, tt.reads, res.Reads, tt.reason)
			assert.Equal(t, len(tt.problems) == 0, res.Cond != nil, tt.reason)
		})
	}
}

func TestCompileLimits(t *testing.T) {
	env := testEnv(t)
	long := "fever"
	for len(long) < 300 {
		long += " && fever"
	}
	res := env.Compile(long, "ask_if")
	require.Len(t, res.Problems, 1)
	assert.Contains(t, res.Problems[0].Msg, "ask_if is 302 characters long; the limit is 200 (Limits.ExpressionLength)")
	assert.True(t, res.Unreadable, "an over-long condition is not read at all")
	assert.True(t, res.Problems[0].Limit, "an over-long condition is over a limit")

	shallow, err := NewEnv([]Var{{Name: "fever", Kind: Bool}}, nil, Limits{Cost: 100, ExpressionLength: 200, Nesting: 3})
	require.NoError(t, err)
	res = shallow.Compile("((((((fever))))))", "when")
	require.Len(t, res.Problems, 1)
	assert.Regexp(t, `^when: nested more deeply than the 3 levels Limits.Nesting allows \(CEL compiler: .*recursion.*\)$`, res.Problems[0].Msg)
	assert.True(t, res.Problems[0].Limit, "nesting beyond Limits.Nesting is over a limit")
	res = shallow.Compile("(fever", "when")
	require.Len(t, res.Problems, 1)
	assert.False(t, res.Problems[0].Limit, "a syntax error is not over a limit")

	cheap, err := NewEnv([]Var{{Name: "where", Kind: StringList, Choices: []string{"fingers", "arms"}}}, nil, Limits{Cost: 5, ExpressionLength: 200, Nesting: 32})
	require.NoError(t, err)
	res = cheap.Compile(`where.exists(a, where.exists(b, a == b))`, "when")
	require.Len(t, res.Problems, 1)
	assert.Regexp(t, `^when: estimated cost \d+ exceeds the limit of 5 \(Limits.Cost\)$`, res.Problems[0].Msg)
	assert.True(t, res.Problems[0].Limit, "a condition over the cost limit is over a limit")
}
