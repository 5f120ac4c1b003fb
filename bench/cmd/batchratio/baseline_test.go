package main

import (
	"bytes"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// TestBaselineLinesHaveTheVerdictSizes: the baseline writes, for each
// input line, a line of exactly the size asked for, and decodes every
// answer.
func TestBaselineLinesHaveTheVerdictSizes(t *testing.T) {
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	var in bytes.Buffer
	require.NoError(t, gen.Write(&in, eng.Questions(), 200, 1))
	sizes := make([]uint32, 200)
	for i := range sizes {
		sizes[i] = uint32(900 + 7*i) // verdict lines are about 1 to 3 KB
	}
	pads, err := padLengths(bytes.NewReader(in.Bytes()), sizes)
	require.NoError(t, err)
	var out bytes.Buffer
	require.NoError(t, runBaseline(bytes.NewReader(in.Bytes()), &out, pads))
	assert.Contains(t, out.String(), `"answers":{"clunking":`, "the answers are decoded and encoded again")
	got, err := lineSizes(&out)
	require.NoError(t, err)
	assert.Equal(t, sizes, got)
}
