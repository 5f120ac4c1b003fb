//go:build !race

// The race detector allocates on its own account, so allocation counts are
// only meaningful without it.

package triage_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// TestEvaluateAllocationBound holds Evaluate on complete answers to the
// allocation count bench/README.md documents: the verdict with its reasons
// and their evidence, in one block, and cel-go's one conversion of the
// multichoice answer into a CEL list (the bare-CEL floor pays it too), 2
// in all for benchAnswers (one referral and one caution fire, with four
// answers as evidence).
func TestEvaluateAllocationBound(t *testing.T) {
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	ctx := context.Background()
	a := benchAnswers()
	v, err := eng.Evaluate(ctx, a)
	require.NoError(t, err)
	require.Len(t, v.Reasons, 2)
	allocs := testing.AllocsPerRun(200, func() {
		if _, err := eng.Evaluate(ctx, a); err != nil {
			t.Fatal(err)
		}
	})
	require.LessOrEqual(t, allocs, 2.0, "Evaluate on complete answers allocates more than documented")
}
