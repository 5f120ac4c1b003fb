package triage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// redFlagDirection says, for every question of the default rule set, which
// change to an answer makes a referral more likely. It is derived by hand
// from rules/*.yaml, where every condition is monotone:
//
//   - every boolean question is read un-negated (fever, night_pain, ...;
//     self_pops only in "self_pops && ..."), so false → true;
//   - numbness_tingling is read as size(numbness_tingling) > 0, so adding
//     a choice;
//   - pain_days is read as pain_days > 3, so more days;
//   - relief_minutes is read as relief_minutes < 5, so fewer minutes;
//   - pops_per_day is read as pops_per_day >= 10 (a caution), so more pops.
//
// TestRedFlagDirectionCoversTheDefaultRules fails when a question is added
// without a direction here.
var redFlagDirection = map[string]string{
	"numbness_tingling": "add",
	"pain_days":         "up",
	"relief_minutes":    "down",
	"pops_per_day":      "up",
	// every other question is boolean: "true"
}

func directionOf(q triage.Question) string {
	if d, ok := redFlagDirection[q.ID]; ok {
		return d
	}
	if q.Type == triage.BooleanType {
		return "true"
	}
	return ""
}

func TestRedFlagDirectionCoversTheDefaultRules(t *testing.T) {
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	for _, q := range eng.Questions() {
		require.NotEmpty(t, directionOf(q), "question %s has no red-flag direction: read its rules and add one", q.ID)
	}
}

// rank orders outcomes by how strongly they send a person to a
// professional.
func rank(o triage.Outcome) int {
	switch o {
	case triage.SelfCare:
		return 0
	case triage.Incomplete:
		return 1
	case triage.SeeProfessional:
		return 2
	}
	return -1
}

// fuzzAnswers derives an answer set for qs from fuzz bytes: one byte per
// question chooses absent, null, a valid value in one of the Go forms
// Evaluate accepts, or an invalid value.
func fuzzAnswers(qs []triage.Question, data []byte) triage.Answers {
	a := triage.Answers{}
	for i, q := range qs {
		var b byte
		if i < len(data) {
			b = data[i]
		}
		switch b % 8 {
		case 0: // absent
		case 1:
			a[q.ID] = nil
		case 7:
			a[q.ID] = invalidAnswer(q, b>>3)
		default:
			a[q.ID] = validAnswer(q, b>>3)
		}
	}
	if len(data) > len(qs) && data[len(qs)]%16 == 0 {
		a["not_a_question"] = true // an unknown id
	}
	return a
}

// validAnswer returns a valid answer to q chosen by v (0..31), in one of
// the forms a caller or a JSON decoder produces.
func validAnswer(q triage.Question, v byte) any {
	switch q.Type {
	case triage.BooleanType:
		return v&1 == 1
	case triage.IntegerType:
		n := int64(v & 15)
		switch v >> 4 {
		case 0:
			return n
		default:
			return json.Number(fmt.Sprint(n))
		}
	case triage.NumberType:
		return float64(v)
	case triage.ChoiceType:
		return q.Choices[int(v)%len(q.Choices)].Value
	case triage.MultiChoiceType:
		var l []string
		for i, c := range q.Choices {
			if v&(1<<i) != 0 {
				l = append(l, c.Value)
			}
		}
		if v&(1<<4) != 0 {
			anyList := make([]any, len(l))
			for i, s := range l {
				anyList[i] = s
			}
			return anyList
		}
		return append([]string{}, l...)
	}
	return nil
}

func invalidAnswer(q triage.Question, v byte) any {
	switch v % 4 {
	case 0:
		return "yes"
	case 1:
		return -1
	case 2:
		return 2.5
	}
	return []string{"nowhere"}
}

// positive returns a copy of a with question q's answer moved in its
// red-flag direction by step (1..), and whether that was possible.
func positive(q triage.Question, a triage.Answers, step int) (triage.Answers, bool) {
	v, ok := a[q.ID]
	if !ok || v == nil {
		return nil, false
	}
	out := maps.Clone(a)
	switch directionOf(q) {
	case "true":
		if b, ok := v.(bool); ok && !b {
			out[q.ID] = true
			return out, true
		}
	case "up", "down":
		n, ok := intOf(v)
		if !ok {
			return nil, false
		}
		if directionOf(q) == "up" {
			n += int64(step)
		} else {
			n -= int64(step)
		}
		if n < 0 {
			return nil, false // below min: invalid, not "more red flag"
		}
		out[q.ID] = n
		return out, true
	case "add":
		l, ok := stringsOf(v)
		if !ok {
			return nil, false
		}
		for _, c := range q.Choices {
			if !slices.Contains(l, c.Value) {
				out[q.ID] = append(slices.Clone(l), c.Value)
				return out, true
			}
		}
	}
	return nil, false
}

func intOf(v any) (int64, bool) {
	switch n := v.(type) {
	case int64:
		return n, true
	case json.Number:
		i, err := n.Int64()
		return i, err == nil
	}
	return 0, false
}

func stringsOf(v any) ([]string, bool) {
	switch l := v.(type) {
	case []string:
		return l, true
	case []any:
		out := make([]string, 0, len(l))
		for _, x := range l {
			s, ok := x.(string)
			if !ok {
				return nil, false
			}
			out = append(out, s)
		}
		return out, true
	}
	return nil, false
}

// checkVerdict checks what must hold of any verdict of eng for answers a.
func checkVerdict(t *testing.T, eng *triage.Engine, a triage.Answers, v *triage.Verdict, err error) {
	t.Helper()
	if err != nil {
		require.Nil(t, v, "a verdict together with an error")
		if !errors.Is(err, triage.ErrInvalidAnswers) {
			t.Fatalf("the default rules cannot fail at run time, so only answers can be wrong; got %v", err)
		}
		return
	}
	require.NotNil(t, v)
	ruleIDs := map[string]triage.Action{}
	for _, r := range eng.Rules() {
		ruleIDs[r.ID] = r.Action
	}
	referral := false
	for _, r := range v.Reasons {
		action, ok := ruleIDs[r.RuleID]
		require.True(t, ok, "reason %q names no rule", r.RuleID)
		require.Equal(t, action, r.Action, "reason %q", r.RuleID)
		referral = referral || action == triage.Refer
	}
	switch v.Outcome {
	case triage.SeeProfessional:
		require.True(t, referral, "see-professional without a referral reason")
		require.Empty(t, v.Missing)
	case triage.Incomplete:
		require.False(t, referral, "a referral fired, yet incomplete")
		require.NotEmpty(t, v.Missing, "incomplete without missing questions")
		for _, id := range v.Missing {
			require.True(t, slices.ContainsFunc(eng.Questions(), func(q triage.Question) bool { return q.ID == id }),
				"missing names no question: %q", id)
			require.Nil(t, a[id], "missing lists an answered question %q", id)
		}
	case triage.SelfCare:
		require.False(t, referral, "a referral fired, yet self-care")
		require.Empty(t, v.Missing)
	default:
		t.Fatalf("invalid outcome %v", v.Outcome)
	}
	require.Equal(t, eng.RuleSet(), v.RuleSet)
}

// FuzzEvaluate evaluates arbitrary answer sets against the default rule
// set. Each verdict must be well-formed (checkVerdict), and two
// monotonicity properties must hold:
//
//   - answering one more question never changes SeeProfessional, nor
//     SelfCare (both are decided whatever the missing answers are);
//   - moving one answer in its red-flag direction (redFlagDirection) never
//     lowers the outcome: SeeProfessional stays SeeProfessional, and
//     Incomplete never becomes SelfCare.
func FuzzEvaluate(f *testing.F) {
	eng, err := triage.Load(rules.FS)
	if err != nil {
		f.Fatal(err)
	}
	qs := eng.Questions()
	f.Add([]byte{}, uint8(0), uint8(1))
	f.Add(make([]byte, len(qs)), uint8(3), uint8(2))
	f.Add([]byte("\x02\x02\x02\x02\x02\x02\x02\x02\x02\x02\x0a\x0a\x0a\x0a\x02\x02\x02\x02\x02\x02\x02"), uint8(12), uint8(3))
	f.Add([]byte("\x03\x13\x02\x02\x02\x02\x02\x02\x02\x02\x0a\x02\x02\x0a\x02\x02\x02\x02\x02\x02\x02"), uint8(11), uint8(9))
	f.Add([]byte("\x07\x01\x00\x02\x05\x06\x07\x01\x00\x02\x05\x06\x07\x01\x00\x02\x05\x06\x07\x01\x00\x10"), uint8(20), uint8(255))
	f.Fuzz(func(t *testing.T, data []byte, pick, step uint8) {
		ctx := context.Background()
		a := fuzzAnswers(qs, data)
		v, err := eng.Evaluate(ctx, a)
		checkVerdict(t, eng, a, v, err)
		if err != nil {
			return
		}
		q := qs[int(pick)%len(qs)]
		if a[q.ID] == nil {
			more := maps.Clone(a)
			more[q.ID] = validAnswer(q, step>>3)
			v2, err := eng.Evaluate(ctx, more)
			checkVerdict(t, eng, more, v2, err)
			require.NoError(t, err, "a valid answer added to valid answers")
			if v.Outcome == triage.SeeProfessional || v.Outcome == triage.SelfCare {
				require.Equal(t, v.Outcome, v2.Outcome, "answering %s=%v changed a decided verdict\nbefore: %v", q.ID, more[q.ID], a)
			}
			return
		}
		moved, ok := positive(q, a, 1+int(step%12))
		if !ok {
			return
		}
		v2, err := eng.Evaluate(ctx, moved)
		checkVerdict(t, eng, moved, v2, err)
		require.NoError(t, err, "a valid answer moved within its range")
		if rank(v2.Outcome) < rank(v.Outcome) {
			t.Fatalf("moving %s from %v to %v (towards a red flag) lowered the outcome from %v to %v\nanswers: %v", q.ID, a[q.ID], moved[q.ID], v.Outcome, v2.Outcome, a)
		}
	})
}

// FuzzDecodeAndEvaluate decodes arbitrary bytes with the Engine's
// DecodeAnswers (its limits lowered so the fuzzer reaches them) and
// evaluates what decodes against the default rule set.
func FuzzDecodeAndEvaluate(f *testing.F) {
	eng, err := triage.Load(rules.FS, triage.WithLimits(triage.Limits{AnswersSize: 512, Answers: 24, ListLength: 3, StringLength: 32}))
	if err != nil {
		f.Fatal(err)
	}
	for _, seed := range []string{
		`{}`, `{"fever": true}`, `{"fever": "yes"}`, `{"pain_days": 4.0}`, `{"pain_days": 4.5}`,
		`{"numbness_tingling": ["arms", "arms"]}`, `{"numbness_tingling": ["arms", "chest", "fingers", "arms"]}`,
		`{"self_pops": true, "relief_minutes": 2}`, `{"relief_minutes": 1e400}`, `[1]`, `{"fever": true} {}`,
		`{"fever": null}`, `{"fever": true, "fever": false}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := eng.DecodeAnswers(bytes.NewReader(data))
		if err != nil {
			require.Nil(t, a)
			if !errors.Is(err, triage.ErrInvalidAnswers) {
				t.Fatalf("ParseAnswers error does not wrap ErrInvalidAnswers: %v", err)
			}
			if len(data) > 512 {
				require.ErrorIs(t, err, triage.ErrLimit, "a document over the size limit")
			}
			return
		}
		require.LessOrEqual(t, len(data), 512, "a document over the size limit was accepted")
		require.LessOrEqual(t, len(a), 24, "more answers than the limit were accepted")
		v, err := eng.Evaluate(context.Background(), a)
		checkVerdict(t, eng, a, v, err)
	})
}
