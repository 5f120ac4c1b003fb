package jsonl

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// encode is v as json.Encoder writes it, as the commands do.
func encode(t *testing.T, v any) string {
	t.Helper()
	var b bytes.Buffer
	require.NoError(t, json.NewEncoder(&b).Encode(v))
	return b.String()
}

func TestEval(t *testing.T) {
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	ctx := context.Background()

	res := Eval(ctx, eng, 1, Line{Text: []byte(`{"fever": true}`)}, "")
	require.NotNil(t, res.Verdict, "a valid line gets a verdict: %+v", res)
	assert.Empty(t, res.Error)

	res = Eval(ctx, eng, 3, Line{}, "")
	assert.Equal(t, `{"line":3,"error":"empty line: want one JSON object of answers per line"}`+"\n", encode(t, res),
		"a line that cannot hold answers: the error alone")

	res = Eval(ctx, eng, 4, Line{Text: []byte(`{"fever": tru}`)}, "")
	assert.Nil(t, res.Verdict)
	require.Len(t, res.Errors, 1, "a syntax error names its place in the line")
	assert.Equal(t, &Position{Line: 1, Column: 14, Offset: 13}, res.Errors[0].Position)

	res = Eval(ctx, eng, 5, Line{Text: []byte(`{"fever": "yes", "fevr": true}`)}, "")
	assert.Equal(t, "invalid answers", res.Error)
	require.Len(t, res.Errors, 2, "every offending question is named")
	for _, e := range res.Errors {
		assert.NotEmpty(t, e.Question)
		assert.Nil(t, e.Position, "an answer that does not fit has no position")
	}
}

func TestCompact(t *testing.T) {
	v := &triage.Verdict{
		Outcome:  triage.SeeProfessional,
		Headline: "words for a person",
		Reasons: []triage.Reason{
			{RuleID: "r1", Action: triage.Caution, Advice: "rest"},
			{RuleID: "r2", Action: triage.Refer},
			{RuleID: "r3", Action: triage.Caution},
		},
		RuleSet: triage.RuleSetInfo{Name: "n", Version: "1", Title: "T", Hash: "sha256:00"},
	}
	got := encode(t, Result{Line: 7, Verdict: v}.Compact())
	assert.Equal(t, `{"line":7,"verdict":{"outcome":"see_professional","refer":["r2"],"caution":["r1","r3"],"missing":[],"rule_set":{"name":"n","version":"1","hash":"sha256:00"}}}`+"\n", got,
		"rule ids by action in reason order, lists never null, no words for a person, no title")

	missing := []string{"fever"}
	c := Result{Line: 1, Verdict: &triage.Verdict{Missing: missing}}.Compact()
	c.Verdict.Missing[0] = "changed"
	assert.Equal(t, "fever", missing[0], "the compact form does not share the verdict's lists")

	e := Result{Line: 2, Error: "invalid answers", Errors: []AnswerError{{Question: "q", Message: "m"}}}
	assert.Equal(t, encode(t, e), encode(t, e.Compact()), "an error line is the same in both forms")
	assert.Equal(t, `{"line":2,"error":"invalid answers","errors":[{"question":"q","message":"m"}]}`+"\n", encode(t, e))
}

func TestNewSummary(t *testing.T) {
	old, nw := RuleSetID{Name: "n", Version: "1", Hash: "h1"}, RuleSetID{Name: "n", Version: "2", Hash: "h2"}
	s := NewSummary(DiffCounts{Lines: 10, Compared: 9, Unchanged: 2, Changed: 7, Errors: 1, Directions: []int{2, 0, 1, 0, 0, 3}}, old, nw)
	assert.Equal(t, 6, s.Summary.OutcomeChanged, "every direction is an outcome change")
	assert.Equal(t, 2, s.Summary.LostReferrals, "from see_professional is a lost referral")
	assert.Equal(t, []Direction{
		{Old: triage.SeeProfessional, New: triage.SelfCare, Count: 2, LostReferral: true},
		{Old: triage.SelfCare, New: triage.SeeProfessional, Count: 1},
		{Old: triage.Incomplete, New: triage.SelfCare, Count: 3},
	}, s.Summary.Directions, "only directions that happened, in DirectionOrder")
	assert.Equal(t, triage.Disclaimer, s.Summary.Notice)

	empty := encode(t, NewSummary(DiffCounts{}, old, nw))
	assert.Contains(t, empty, `"directions":[],`, "no change: an empty list, never null")
	assert.Contains(t, empty, `{"summary":{"lines":0,"compared":0,"unchanged":0,"changed":0,"outcome_changed":0,"lost_referrals":0,"errors":0,`)
}
