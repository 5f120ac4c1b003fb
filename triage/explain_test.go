package triage_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

func TestExplain(t *testing.T) {
	eng := mustLoad(t, demoFS())
	type rs struct {
		state triage.RuleState
		read  []string // question ids of the answers read
		needs []string
	}
	tests := []struct {
		name      string
		reason    string
		answers   triage.Answers
		outcome   triage.Outcome
		rules     map[string]rs     // every rule of the demo set
		questions map[string]string // state of some unanswered questions: askable, not_applicable, waiting
	}{
		{
			name: "all negative", reason: "every rule decided, each with the answers it read",
			answers: negative(), outcome: triage.SelfCare,
			rules: map[string]rs{
				"fever":        {triage.NotFired, []string{"fever"}, nil},
				"numb":         {triage.NotFired, []string{"where"}, nil},
				"hot":          {triage.NotFired, []string{"side", "temp"}, nil},
				"short_relief": {triage.NotFired, []string{"pops", "relief"}, nil},
				"long_relief":  {triage.NotFired, []string{"pops", "relief"}, nil},
			},
			questions: map[string]string{},
		},
		{
			name: "why not", reason: "a fired rule, a rule settled by one answer despite a missing one, and undecided rules with what they need",
			answers: triage.Answers{"fever": true, "temp": 36.0}, outcome: triage.SeeProfessional,
			rules: map[string]rs{
				"fever":        {triage.Fired, []string{"fever"}, nil},
				"numb":         {triage.Undecided, nil, []string{"where"}},
				"hot":          {triage.NotFired, []string{"temp"}, nil},
				"short_relief": {triage.Undecided, nil, []string{"pops", "relief"}},
				"long_relief":  {triage.Undecided, nil, []string{"pops", "relief"}},
			},
			questions: map[string]string{"where": "askable", "pops": "askable", "relief": "waiting"},
		},
		{
			name: "follow-up not applicable", reason: "pops no settles both relief rules and makes relief not applicable",
			answers: triage.Answers{"pops": false}, outcome: triage.Incomplete,
			rules: map[string]rs{
				"fever":        {triage.Undecided, nil, []string{"fever"}},
				"numb":         {triage.Undecided, nil, []string{"where"}},
				"hot":          {triage.Undecided, nil, []string{"side", "temp"}},
				"short_relief": {triage.NotFired, []string{"pops"}, nil},
				"long_relief":  {triage.NotFired, []string{"pops"}, nil},
			},
			questions: map[string]string{"relief": "not_applicable", "side": "askable"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x, err := eng.Explain(context.Background(), tt.answers)
			require.NoError(t, err)
			want, err := eng.Evaluate(context.Background(), tt.answers)
			require.NoError(t, err)
			assert.Equal(t, want, x.Verdict, "Explain carries Evaluate's verdict")
			assert.Equal(t, tt.outcome, x.Verdict.Outcome, tt.reason)

			require.Len(t, x.Rules, len(eng.Rules()), "every rule is explained")
			for i, r := range eng.Rules() {
				assert.Equal(t, r.ID, x.Rules[i].RuleID, "rules come in Engine.Rules order")
				assert.Equal(t, r.When, x.Rules[i].When)
			}
			for _, re := range x.Rules {
				w, ok := tt.rules[re.RuleID]
				require.True(t, ok, "unexpected rule %s", re.RuleID)
				assert.Equal(t, w.state, re.State, "%s: %s", re.RuleID, tt.reason)
				read := []string{}
				for _, e := range re.Read {
					read = append(read, e.Question)
					assert.EqualValues(t, tt.answers[e.Question], e.Value, "%s reads the answer as given", re.RuleID)
				}
				assert.Equal(t, append([]string{}, w.read...), read, "%s: answers read", re.RuleID)
				assert.Equal(t, append([]string{}, w.needs...), re.Needs, "%s: needs", re.RuleID)
			}
			states := map[string]string{}
			for state, ids := range map[string][]string{"askable": x.Askable, "not_applicable": x.NotApplicable, "waiting": x.Waiting} {
				for _, id := range ids {
					_, answered := tt.answers[id]
					assert.False(t, answered, "%s is answered, so it has no state", id)
					_, dup := states[id]
					assert.False(t, dup, "%s has one state", id)
					states[id] = state
				}
			}
			assert.Len(t, states, len(eng.Questions())-len(tt.answers), "every unanswered question has a state")
			for id, w := range tt.questions {
				assert.Equal(t, w, states[id], "question %s: %s", id, tt.reason)
			}
		})
	}
}

func TestExplainJSON(t *testing.T) {
	eng := mustLoad(t, demoFS())
	x, err := eng.Explain(context.Background(), triage.Answers{"fever": true})
	require.NoError(t, err)
	data, err := json.Marshal(x)
	require.NoError(t, err)
	var raw struct {
		Verdict map[string]any   `json:"verdict"`
		Rules   []map[string]any `json:"rules"`
		Askable []string         `json:"askable"`
	}
	require.NoError(t, json.Unmarshal(data, &raw))
	assert.Equal(t, triage.Disclaimer, raw.Verdict["notice"], "the explanation's verdict keeps the not-a-diagnosis note")
	assert.Equal(t, "fired", raw.Rules[0]["state"])
	assert.Equal(t, "refer", raw.Rules[0]["action"])
	assert.Equal(t, "undecided", raw.Rules[1]["state"])
	assert.Equal(t, []any{"where"}, raw.Rules[1]["needs"])
	assert.Equal(t, []string{"where", "side", "temp", "pops"}, raw.Askable)

	var back triage.Explanation
	require.NoError(t, json.Unmarshal(data, &back), "an explanation reads back from its JSON")
	assert.Equal(t, x, &back, "and round-trips exactly")

	_, err = json.Marshal(triage.RuleExplanation{})
	assert.Error(t, err, "the zero rule state must not marshal as anything")
	assert.Equal(t, "RuleState(0)", triage.RuleState(0).String())
	var st triage.RuleState
	assert.Error(t, st.UnmarshalText([]byte("maybe")), "an unknown state is refused")
}

func TestExplainInvalidAnswers(t *testing.T) {
	eng := mustLoad(t, demoFS())
	x, err := eng.Explain(context.Background(), triage.Answers{"temp": 99.0})
	require.ErrorIs(t, err, triage.ErrInvalidAnswers)
	assert.Nil(t, x, "no explanation comes with an error")
}
