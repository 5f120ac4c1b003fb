//go:build !race

// The race detector allocates on its own account, so allocation counts are
// only meaningful without it.

package triage_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEvidenceAllocationBound holds the cost of finding a reason's
// decisive answers to what the README documents. A rule that is a tree of
// && over comparisons needs no second evaluation (the default rule set has
// only such rules, and TestEvaluateAllocationBound's 1 stands); a rule with
// an || or a negation that fires runs its tracking program once, which
// costs 5 allocations in cel-go (the evaluation details, the state and its
// map, and the answers it converts again): 10 in all for trackedAnswers,
// against 5 when the same answers fire an && rule.
func TestEvidenceAllocationBound(t *testing.T) {
	tests := []struct {
		name, when, reason string
		bound              float64
	}{
		{"and", "can_walk && size(spots) > 0", "no tracking program: the evidence is every answer read", 5},
		{"or", trackedWhen, "the tracking program runs once, for the rule that fired", 10},
	}
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eng := mustLoad(t, logicFS(tt.when))
			a := trackedAnswers(true)
			v, err := eng.Evaluate(ctx, a)
			require.NoError(t, err)
			require.Len(t, v.Reasons, 1)
			allocs := testing.AllocsPerRun(200, func() {
				if _, err := eng.Evaluate(ctx, a); err != nil {
					t.Fatal(err)
				}
			})
			require.LessOrEqual(t, allocs, tt.bound, tt.reason)
		})
	}
}
