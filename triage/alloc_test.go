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
// allocation count bench/README.md documents: one, the verdict with its
// reasons and their evidence in one block, for benchAnswers (one referral
// and one caution fire, with four answers as evidence; the multichoice
// answer is "none of these", which is one shared CEL list, where the
// bare-CEL floor converts it on every call).
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
	require.LessOrEqual(t, allocs, 1.0, "Evaluate on complete answers allocates more than documented")
}
