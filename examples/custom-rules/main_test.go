package main

import (
	"bytes"
	"context"
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/triagetest"
)

func load(t *testing.T) *triage.Engine {
	t.Helper()
	eng, err := triage.Load(os.DirFS("rules"))
	require.NoError(t, err)
	return eng
}

func TestRun(t *testing.T) {
	var out bytes.Buffer
	require.NoError(t, run(context.Background(), "rules", &out))
	got := out.String()
	for _, want := range []string{
		"Knee pain after exercise (Lakeside Demo Clinic, fictional)",
		"Dee: sore after a long run, nothing else\n  outcome: self_care\n",
		"Eli: twisted it at football, swollen within the hour\n  outcome: see_professional\n  refer: Swelling within two hours of an injury\n",
		"(lakeside-knee-leaflet-v1), section: Book an appointment",
		"Fay: swollen, but has not said when the swelling came\n  outcome: incomplete\n  still to answer: How many hours after the injury",
	} {
		assert.Contains(t, got, want)
	}
	assert.True(t, strings.HasSuffix(got, triage.Disclaimer+"\n"), "the output ends with the not-a-diagnosis note")
}

func TestRunReportsBrokenRules(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(dir+"/rules.yaml", []byte("name: x\nversion: 1.0.0\ntitle: X\nrules:\n  - id: r\n    wehn: fever\n"), 0o644))
	err := run(context.Background(), dir, &bytes.Buffer{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown key "wehn" (did you mean "when"?)`)
	assert.Contains(t, err.Error(), "^", "errors come with a caret under the problem")
}

// TestEvaluate loads the directory and evaluates a few answer sets directly.
func TestEvaluate(t *testing.T) {
	eng := load(t)
	calm := triage.Answers{
		"cannot_bear_weight": false, "knee_locks": false, "knee_swollen": false,
		"feverish": false, "pain_score": 2, "onset": "gradual", "weeks": 1,
	}
	tests := []struct {
		name    string
		reason  string
		answers triage.Answers
		outcome triage.Outcome
		fired   []string
		missing []string
	}{
		{"calm", "no criterion met and every referral decided", calm, triage.SelfCare, []string{}, []string{}},
		{"hot and swollen", "swelling with fever refers, whatever the timing", with(calm, "knee_swollen", true, "feverish", true, "swelling_hours", 30),
			triage.SeeProfessional, []string{"hot_swollen_knee"}, []string{}},
		{"swelling timing unknown", "the follow-up is unanswered: unknown, never no", with(calm, "knee_swollen", true, "onset", "twist"),
			triage.Incomplete, []string{}, []string{"swelling_hours"}},
		{"not swollen", "swelling_hours is not asked when the knee is not swollen, and not needed", calm, triage.SelfCare, []string{}, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := eng.Evaluate(context.Background(), tt.answers)
			require.NoError(t, err)
			assert.Equal(t, tt.outcome, v.Outcome, tt.reason)
			assert.Equal(t, tt.fired, ruleIDs(v), tt.reason)
			assert.Equal(t, tt.missing, v.Missing, tt.reason)
		})
	}
}

// TestCases runs rules/knee_test.yaml with the project's test runner, as a
// team would in its own repository: every case is a subtest, every rule
// must fire in some case, coverage must be complete and every mutant of
// every rule must be caught.
func TestCases(t *testing.T) {
	triagetest.Run(t, load(t), os.DirFS("rules"), triagetest.WithMutation(), triagetest.WithMinCoverage(100))
}

// TestTestFileIsNotARuleFile checks that the loader skips *_test.yaml: the
// same directory without the test file loads the same rule set.
func TestTestFileIsNotARuleFile(t *testing.T) {
	eng := load(t)
	m := fstest.MapFS{}
	entries, err := os.ReadDir("rules")
	require.NoError(t, err)
	for _, e := range entries {
		if !strings.HasSuffix(e.Name(), "_test.yaml") {
			b, err := os.ReadFile("rules/" + e.Name())
			require.NoError(t, err)
			m[e.Name()] = &fstest.MapFile{Data: b}
		}
	}
	without, err := triage.Load(m)
	require.NoError(t, err)
	assert.Equal(t, eng.RuleSet().Hash, without.RuleSet().Hash)
}

func ruleIDs(v *triage.Verdict) []string {
	ids := []string{}
	for _, r := range v.Reasons {
		ids = append(ids, r.RuleID)
	}
	return ids
}

func with(a triage.Answers, kv ...any) triage.Answers {
	out := triage.Answers{}
	for k, v := range a {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}
