package triagetest_test

import (
	"errors"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/triagetest"
)

// FuzzLoad feeds arbitrary bytes to Load as a test-case file of
// the demo rule set. Whatever it gets, it must return a suite or positioned
// errors, never both and never neither; and every case it accepts must
// evaluate without an error other than invalid answers it expects.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		"cases:\n  - {name: a, answers: {fever: true}, expect: {outcome: see_professional, fires: [fever]}}\n",
		"fixtures:\n  calm: {fever: false, where: [], side: left, temp: 36.6, pops: false}\ncases:\n  - {name: b, baseline: calm, answers: {pops: null}, expect: {missing: [pops]}}\n",
		"cases:\n  - {name: c, answers: {temp: hot}, expect: {invalid: [temp]}}\n",
		"equivalent_mutants:\n  - {rule: hot, mutant: \"temp > 38.0\", reason: r}\n",
		"cases: [{name: d, answers: &x {fever: true}, expect: {outcome: incomplete}}]\n",
		"cases:\n  - name: e\n    expect: {}\n",
		"\xff\xfe",
	} {
		f.Add([]byte(seed))
	}
	eng, err := triage.Load(demoFS())
	require.NoError(f, err)
	f.Fuzz(func(t *testing.T, data []byte) {
		fsys := demoFS()
		fsys["f_test.yaml"] = &fstest.MapFile{Data: data}
		suite, err := triagetest.Load(fsys, eng)
		if err != nil {
			require.Nil(t, suite)
			var list triage.ErrorList
			require.ErrorAs(t, err, &list)
			require.NotEmpty(t, list)
			require.True(t, errors.Is(err, triage.ErrInvalidRuleSet))
			for _, e := range list {
				require.Equal(t, "f_test.yaml", e.Pos.File, "%v", e)
				require.Positive(t, e.Pos.Line, "every error has a line: %v", e)
			}
			return
		}
		require.NotNil(t, suite)
		for _, tc := range suite.Cases {
			require.NotEmpty(t, tc.Name)
			_, err := eng.Evaluate(t.Context(), tc.Answers)
			if tc.Expect.Invalid == nil {
				require.NoError(t, err, "a case whose answers loaded must evaluate: %s", tc.Name)
			}
		}
	})
}
