package triage

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/traits"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
)

// TestNameIndex checks that a nameIndex finds every id, whether the name
// is the id's own string (found by address) or an equal string elsewhere
// (found by the map), and finds nothing for any other name: a prefix of
// an id at the id's own address, the empty name, an unknown id.
func TestNameIndex(t *testing.T) {
	for _, n := range []int{1, 21, 1000} {
		ids := make([]string, n)
		byID := map[string]int{}
		for i := range ids {
			ids[i] = fmt.Sprintf("question_%04d_about_something", i)
			byID[ids[i]] = i
		}
		x := newNameIndex(ids, byID)
		for i, id := range ids {
			require.Equal(t, i, x.lookup(id), "n=%d: the id's own string", n)
			require.Equal(t, i, x.lookup(strings.Clone(id)), "n=%d: an equal string at another address", n)
			require.Equal(t, -1, x.lookup(id[:len(id)-1]), "n=%d: a prefix at the id's address is another name", n)
		}
		require.Equal(t, -1, x.lookup(""), "n=%d: the empty name", n)
		require.Equal(t, -1, x.lookup("question_9999_about_something"), "n=%d: an unknown id", n)
	}
}

// TestAnswerVarsResolveName checks the activation CEL reads the answers
// from: an answered question resolves to its value, an unanswered one and
// a name that is no question are not found (partial evaluation turns the
// former into an unknown), and putVars hands back a cleared activation.
func TestAnswerVarsResolveName(t *testing.T) {
	eng, err := Load(rules.FS)
	require.NoError(t, err)
	vars := eng.getVars()
	fever := eng.qIndex["fever"]
	vars.vals[fever] = true
	v, ok := vars.ResolveName("fever")
	require.True(t, ok)
	require.Equal(t, true, v)
	_, ok = vars.ResolveName("night_pain")
	require.False(t, ok, "an unanswered question is not found")
	_, ok = vars.ResolveName("no_such_question")
	require.False(t, ok)
	numb := eng.qIndex["numbness_tingling"]
	vars.vals[numb] = []string{}
	v, ok = vars.ResolveName("numbness_tingling")
	require.True(t, ok, "none of these is an answer")
	require.Equal(t, types.IntZero, v.(traits.Sizer).Size(), "none of these is the empty list")
	vars.vals[numb] = []string{"fingers"}
	v, ok = vars.ResolveName("numbness_tingling")
	require.True(t, ok)
	require.Equal(t, []string{"fingers"}, v, "a list with choices is CEL's to convert")
	require.Nil(t, vars.Parent())
	eng.putVars(vars)
	require.Nil(t, vars.vals[fever], "a returned activation keeps no answer")
}

// TestPooledActivationKeepsNothing evaluates answers that differ in one
// question, one after the other on the same pooled activation, and checks
// that the second verdict is the one a fresh engine gives: putVars cleared
// the activation, so the unanswered question is not remembered from the
// call before.
func TestPooledActivationKeepsNothing(t *testing.T) {
	used, err := Load(rules.FS)
	require.NoError(t, err)
	fresh, err := Load(rules.FS)
	require.NoError(t, err)
	ctx := context.Background()
	negative := negativeAnswers(t, fresh)
	for _, id := range []string{"fever", "night_pain", "pain_days"} {
		v, err := used.Evaluate(ctx, negative)
		require.NoError(t, err)
		require.Equal(t, SelfCare, v.Outcome)
		got, err := used.Evaluate(ctx, with(negative, id, nil))
		require.NoError(t, err)
		want, err := fresh.Evaluate(ctx, with(negative, id, nil))
		require.NoError(t, err)
		require.Equal(t, want, got, "%s unanswered now, whatever the call before said", id)
		assert.Equal(t, []string{id}, got.Missing, "%s", id)
	}
}

// TestAllocVerdictShapes checks every shape allocVerdict can return: the
// reasons have exactly the length asked for, the evidence room for the
// answers asked for, and neither has room beyond that, so that appending
// to them (as a caller may) copies instead of writing into the verdict's
// block.
func TestAllocVerdictShapes(t *testing.T) {
	tests := []struct {
		nr, ne int
		reason string
	}{
		{0, 0, "nothing fired: the verdict alone"},
		{1, 0, "a reason that cites no answer"},
		{1, 4, "one reason, the largest evidence of its block"},
		{1, 5, "one reason, too much evidence for its block"},
		{2, 4, "two reasons, one block"},
		{2, 6, "two reasons, the next block"},
		{3, 8, "three reasons in the four-reason block"},
		{4, 8, "the largest block, full"},
		{5, 2, "beyond every block: separate allocations"},
		{4, 9, "too much evidence for every block"},
	}
	for _, tt := range tests {
		v, reasons, evidence := allocVerdict(tt.nr, tt.ne)
		require.NotNil(t, v, tt.reason)
		require.Equal(t, Verdict{}, *v, tt.reason)
		require.NotNil(t, reasons, "%s: an empty list, never nil, in JSON", tt.reason)
		require.Len(t, reasons, tt.nr, tt.reason)
		require.Equal(t, tt.nr, cap(reasons), tt.reason)
		require.Empty(t, evidence, tt.reason)
		if tt.nr > 0 {
			require.Equal(t, tt.ne, cap(evidence), tt.reason)
		}
	}
}
