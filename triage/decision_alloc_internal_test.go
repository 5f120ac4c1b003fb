//go:build !race

package triage

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
)

// TestEvaluateNoHookAllocations: without a decision hook, Evaluate
// allocates exactly what the pass did before the hook existed, on complete
// and on incomplete answers.
func TestEvaluateNoHookAllocations(t *testing.T) {
	eng, err := Load(rules.FS)
	require.NoError(t, err)
	ctx := context.Background()
	missing := hookAnswers()
	delete(missing, "fever")
	for _, a := range []Answers{hookAnswers(), missing} {
		before := testing.AllocsPerRun(200, func() {
			if _, err := eng.evaluateBefore(ctx, a); err != nil {
				t.Fatal(err)
			}
		})
		now := testing.AllocsPerRun(200, func() {
			if _, err := eng.Evaluate(ctx, a); err != nil {
				t.Fatal(err)
			}
		})
		require.Equal(t, before, now, "Evaluate without a hook allocates more than the pass alone")
	}
}
