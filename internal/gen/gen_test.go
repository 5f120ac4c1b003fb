package gen_test

import (
	"bufio"
	"bytes"
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// TestWrite checks that every generated line is a valid answers object for
// the rule set, that the output depends only on the seed, and that it
// covers every outcome.
func TestWrite(t *testing.T) {
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	var a, b, c bytes.Buffer
	require.NoError(t, gen.Write(&a, eng.Questions(), 2000, 1))
	require.NoError(t, gen.Write(&b, eng.Questions(), 2000, 1))
	require.NoError(t, gen.Write(&c, eng.Questions(), 2000, 2))
	assert.Equal(t, a.String(), b.String(), "the same seed writes the same file")
	assert.NotEqual(t, a.String(), c.String(), "another seed writes another file")

	outcomes := map[triage.Outcome]int{}
	lines := 0
	sc := bufio.NewScanner(&a)
	for sc.Scan() {
		lines++
		answers, err := eng.DecodeAnswers(bytes.NewReader(sc.Bytes()))
		require.NoError(t, err, "line %d", lines)
		v, err := eng.Evaluate(context.Background(), answers)
		require.NoError(t, err, "line %d is valid for the rule set", lines)
		outcomes[v.Outcome]++
	}
	require.NoError(t, sc.Err())
	assert.Equal(t, 2000, lines)
	for _, o := range []triage.Outcome{triage.SelfCare, triage.SeeProfessional, triage.Incomplete} {
		assert.Positive(t, outcomes[o], "generated answers reach %s", o)
	}
}
