package triagetest_test

import (
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/triagetest"
)

// TestLowerThresholdLosesNoReferral gates a rule change the way a rule
// repository would: the change under review (here, "more than a few days"
// lowered from 3 to 2) must not take a referral from anyone in the test
// cases.
func TestLowerThresholdLosesNoReferral(t *testing.T) {
	old, err := triage.Load(rules.FS) // the rules in service
	require.NoError(t, err)
	changed, err := triage.Load(withEdit(t, "pain.yaml", "when: pain_days > 3", "when: pain_days > 2"))
	require.NoError(t, err)

	suite, err := triagetest.Load(rules.FS, old)
	require.NoError(t, err)
	var answers []triage.Answers
	for _, tc := range suite.Cases {
		if tc.Expect.Invalid == nil { // cases of invalid answers have no verdict to compare
			answers = append(answers, tc.Answers)
		}
	}
	rep := triagetest.NoLostReferrals(t, old, changed, answers)
	require.NotEmpty(t, rep.Changes, "someone at 3 days is now referred")
	for _, c := range rep.Changes {
		t.Log(c)
	}
}

// withEdit is a copy of the shipped rule set with one text in file
// replaced.
func withEdit(t *testing.T, file, old, new string) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	entries, err := rules.FS.ReadDir(".")
	require.NoError(t, err)
	for _, e := range entries {
		data, err := rules.FS.ReadFile(e.Name())
		require.NoError(t, err)
		out[e.Name()] = &fstest.MapFile{Data: data}
	}
	text := string(out[file].Data)
	require.Equal(t, 1, strings.Count(text, old))
	out[file].Data = []byte(strings.Replace(text, old, new, 1))
	return out
}
