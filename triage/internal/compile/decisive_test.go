package compile

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestDecisive reads the decisive questions of a true condition from its
// tracking program's evaluation state. The questions are indices into
// testEnv: fever 0, days 1, temp 2, side 3, where 4.
func TestDecisive(t *testing.T) {
	env := testEnv(t)
	tests := []struct {
		name, src, reason string
		vars              map[string]any
		tracked           bool  // whether the condition has a tracking program
		want              []int // for a tracked condition
	}{
		{name: "and of leaves", src: "fever && days > 3 && size(where) > 0", tracked: false,
			reason: "a tree of && over leaves needs no state: every question it reads decided it"},
		{name: "or", src: "fever || days > 3", tracked: true, want: []int{1},
			vars:   map[string]any{"fever": false, "days": int64(5)},
			reason: "only the true operand of ||"},
		{name: "or, both true", src: "fever || days > 3", tracked: true, want: []int{0, 1},
			vars:   map[string]any{"fever": true, "days": int64(5)},
			reason: "every true operand of ||, not only the first: exhaustive evaluation records both"},
		{name: "not over and", src: `!(fever && side == "left")`, tracked: true, want: []int{3},
			vars:   map[string]any{"fever": true, "side": "right"},
			reason: "a negation: what made the && false, its false operand"},
		{name: "ternary", src: "fever ? days > 3 : temp > 38.0", tracked: true, want: []int{0, 2},
			vars:   map[string]any{"fever": false, "days": int64(5), "temp": 39.0},
			reason: "the condition and the branch taken"},
		{name: "macro", src: `where.exists(w, w == "arms" || fever) || days > 3`, tracked: true, want: []int{0, 4},
			vars:   map[string]any{"fever": false, "days": int64(1), "where": []string{"arms"}},
			reason: "a macro is a leaf: every question read beneath it"},
		{name: "shadowed", src: `where.exists(fever, fever == "arms") || days > 3`, tracked: true, want: []int{4},
			vars:   map[string]any{"fever": true, "days": int64(1), "where": []string{"arms"}},
			reason: "the loop variable fever is not the question fever"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := env.Compile(tt.src, "when")
			require.Empty(t, res.Problems)
			c := res.Cond
			if !tt.tracked {
				assert.Nil(t, c.Track, tt.reason)
				return
			}
			require.NotNil(t, c.Track, tt.reason)
			out, det, err := c.Track.Eval(tt.vars)
			require.NoError(t, err)
			require.Equal(t, true, out.Value(), "the case's answers make the condition true")
			var got []int
			for i, qi := range c.Reads {
				if c.Decisive(det)&(1<<i) != 0 {
					got = append(got, qi)
				}
			}
			assert.Equal(t, tt.want, got, tt.reason)
		})
	}
	t.Run("no state", func(t *testing.T) {
		c := env.Compile("fever || days > 3", "when").Cond
		assert.Zero(t, c.Decisive(nil), "without evaluation details nothing is decisive, and the caller falls back to every answer read")
	})
}

// TestDecisiveTooManyReads: a condition reading more questions than a mask
// has bits gets no tracking program, so its reasons cite every answer read.
func TestDecisiveTooManyReads(t *testing.T) {
	var vars []Var
	var terms []string
	for i := range maxTracked + 1 {
		name := fmt.Sprintf("q%d", i)
		vars = append(vars, Var{Name: name, Kind: Bool})
		terms = append(terms, name)
	}
	env, err := NewEnv(vars, nil, Limits{Cost: 10_000, ExpressionLength: 2_000, Nesting: 32})
	require.NoError(t, err)
	for _, tt := range []struct {
		n       int
		tracked bool
	}{{maxTracked, true}, {maxTracked + 1, false}} {
		res := env.Compile(strings.Join(terms[:tt.n], " || "), "when")
		require.Empty(t, res.Problems)
		assert.Equal(t, tt.tracked, res.Cond.Track != nil, "an || of %d questions", tt.n)
	}
}
