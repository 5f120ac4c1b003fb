package triagetest_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/triagetest"
)

// TestLoadTestsLimitErrorsWrapErrLimit: a test-case file over a limit is
// refused as a rule file is, with a triage.Error that wraps ErrLimit as
// well as ErrInvalidRuleSet, at its position; a mistake in a test file
// does not wrap ErrLimit.
func TestLoadTestsLimitErrorsWrapErrLimit(t *testing.T) {
	const expect = "expect: {outcome: see_professional}}"
	tests := []struct {
		name, reason string
		file         string
		limits       triage.Limits // the rules' limits
		pos          string        // where the error is; "" when it is not over a limit
		msg          string        // part of its message
	}{
		{name: "file size", reason: "a test file over 1 MiB is refused where it crosses the limit, unread",
			file: "# " + strings.Repeat("x", 1<<20) + "\n", pos: "t_test.yaml:1:1048577", msg: "test file is larger than the limit of 1048576 bytes"},
		{name: "answer over the string limit", reason: "an answer longer than Limits.StringLength, the limit the rules were loaded with, could never be given",
			file:   "cases:\n  - {name: c, answers: {side: " + strings.Repeat("l", 40) + "}, " + expect + "\n",
			limits: triage.Limits{StringLength: 32}, pos: "t_test.yaml:2:31", msg: "(Limits.StringLength)"},
		{name: "answer not a choice", reason: "an answer that is not a choice is a mistake, not a size",
			file: "cases:\n  - {name: c, answers: {side: middle}, " + expect + "\n", msg: `answer to side`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			fsys := demoFS()
			eng, err := triage.Load(fsys, triage.WithLimits(tc.limits))
			require.NoError(t, err, tc.reason)
			fsys = withTests(map[string]string{"t_test.yaml": tc.file})
			_, err = triagetest.Load(fsys, eng)
			require.ErrorIs(t, err, triage.ErrInvalidRuleSet, tc.reason)
			var first *triage.Error
			require.ErrorAs(t, err, &first, tc.reason)
			assert.Contains(t, first.Msg, tc.msg, tc.reason)
			if tc.pos == "" {
				assert.NotErrorIs(t, err, triage.ErrLimit, tc.reason)
				return
			}
			assert.ErrorIs(t, err, triage.ErrLimit, tc.reason)
			assert.ErrorIs(t, first, triage.ErrLimit, tc.reason)
			assert.Equal(t, tc.pos, first.Pos.String(), tc.reason)
		})
	}
}
