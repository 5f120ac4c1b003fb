package triage_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// numericFS has one integer and one number question, and a rule on each
// that always fires, so the verdict's evidence shows the value CEL saw.
func numericFS() map[string]string {
	return map[string]string{"n.yaml": header + lines(
		"questions:",
		"  - id: n",
		"    text: How many?",
		"    type: integer",
		"  - id: x",
		"    text: How much?",
		"    type: number",
		"rules:",
		"  - id: any_n",
		"    title: Any n",
		"    when: n >= 0 || n < 0",
		"    action: caution",
		"    advice: A.",
		"    cite: {source: doc, section: S}",
		"  - id: any_x",
		"    title: Any x",
		"    when: x >= 0.0 || x < 0.0",
		"    action: caution",
		"    advice: A.",
		"    cite: {source: doc, section: S}",
	)}
}

// evidence evaluates JSON answers and returns the value each question
// reached the rules with.
func evaluateJSON(t *testing.T, eng *triage.Engine, doc string) (map[string]any, error) {
	t.Helper()
	a, err := eng.DecodeAnswers(bytes.NewReader([]byte(doc)))
	if err != nil {
		return nil, err
	}
	v, err := eng.Evaluate(context.Background(), a)
	if err != nil {
		return nil, err
	}
	seen := map[string]any{}
	for _, r := range v.Reasons {
		for _, e := range r.Evidence {
			seen[e.Question] = e.Value
		}
	}
	return seen, nil
}

func TestIntegerAnswersAreExact(t *testing.T) {
	eng := mustLoad(t, mapFS(numericFS()))
	long := "1" + strings.Repeat("0", 65_000)
	tests := []struct {
		name, n, reason string
		want            int64
		wantErr         string // a part of the message; "" when accepted
	}{
		{"3.0", "3.0", "a zero fraction is exactly 3", 3, ""},
		{"3e0", "3e0", "an exponent of zero is exactly 3", 3, ""},
		{"30e-1", "30e-1", "a negative exponent that leaves a whole number is exact", 3, ""},
		{"0.0003e4", "0.0003e4", "leading zeros in the digits do not matter", 3, ""},
		{"negative zero", "-0.0", "minus zero is zero", 0, ""},
		{"zero with an absurd exponent", "0e999999999999999999999", "zero times anything is zero, found without big arithmetic", 0, ""},
		{"max int64", "9223372036854775807", "the largest int64 is exact", 9223372036854775807, ""},
		{"min int64", "-9223372036854775808", "the smallest int64 is exact", -9223372036854775808, ""},
		{"max int64 with exponent", "922337203685477580.7e1", "exponent form of the largest int64", 9223372036854775807, ""},
		{"issue: 3.0000000000000001", "3.0000000000000001", "rounds to 3 as a float but is not a whole number", 0, `n: want a whole number, got 3.0000000000000001`},
		{"issue: 4.9999999999999999", "4.9999999999999999", "rounds to 5 as a float but is not a whole number", 0, `n: want a whole number, got 4.9999999999999999`},
		{"issue: 1e-400", "1e-400", "underflows to 0 as a float but is not a whole number", 0, `n: want a whole number, got 1e-400`},
		{"absurd negative exponent", "1e-999999999999999999999", "refused without building the number", 0, `n: want a whole number, got 1e-999999999999999999999`},
		{"one past max int64", "9223372036854775808", "one more than int64 holds", 0, `n: 9223372036854775808 is too large`},
		{"one below min int64", "-9223372036854775809", "one less than int64 holds", 0, `n: -9223372036854775809 is too large`},
		{"1e19", "1e19", "beyond int64 by exponent", 0, `n: 1e19 is too large`},
		{"absurd exponent", "1e999999999", "refused without building the number", 0, `n: 1e999999999 is too large`},
		{"65,000 digits", long, "refused as too large, quickly", 0, "is too large"},
		{"4.99", "4.99", "a fraction is refused", 0, `n: want a whole number, got 4.99`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seen, err := evaluateJSON(t, eng, `{"n": `+tc.n+`, "x": 1}`)
			if tc.wantErr != "" {
				require.ErrorIs(t, err, triage.ErrInvalidAnswers, tc.reason)
				var one *triage.AnswerError
				require.ErrorAs(t, err, &one, tc.reason)
				assert.Equal(t, "n", one.Question, "the error names the question")
				assert.Contains(t, err.Error(), tc.wantErr, tc.reason)
				return
			}
			require.NoError(t, err, tc.reason)
			assert.Equal(t, tc.want, seen["n"], tc.reason)
		})
	}
}

func TestIntegerAnswersFromGo(t *testing.T) {
	eng := mustLoad(t, mapFS(numericFS()))
	tests := []struct {
		name    string
		n       any
		reason  string
		want    int64
		wantErr string
	}{
		{"float64 4.0", 4.0, "an integral float64 from a JSON decoder is accepted, as documented", 4, ""},
		{"float32 4", float32(4), "an integral float32 is accepted", 4, ""},
		{"float64 4.5", 4.5, "a fraction is refused", 0, "n: want a whole number, got 4.5"},
		{"float64 2^63", float64(1 << 63), "beyond int64", 0, "n: 9.223372036854776e+18 is too large"},
		{"json.Number 3.0000000000000001", json.Number("3.0000000000000001"), "json.Number is checked on its text", 0, "n: want a whole number, got 3.0000000000000001"},
		{"json.Number not JSON", json.Number("0x10"), "json.Number must hold a JSON number", 0, `n: want a whole number, got "0x10", which is not a JSON number`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := eng.Evaluate(context.Background(), triage.Answers{"n": tc.n, "x": 1})
			if tc.wantErr != "" {
				require.ErrorIs(t, err, triage.ErrInvalidAnswers, tc.reason)
				assert.EqualError(t, err, "invalid answers: "+tc.wantErr, tc.reason)
				return
			}
			require.NoError(t, err, tc.reason)
			assert.Equal(t, tc.want, v.Reasons[0].Evidence[0].Value, tc.reason)
		})
	}
}

func TestNumberAnswersRefuseOverflow(t *testing.T) {
	eng := mustLoad(t, mapFS(numericFS()))
	tests := []struct {
		name, x, reason string
		want            float64
		wantErr         string
	}{
		{"1.5", "1.5", "a fraction is fine for a number question", 1.5, ""},
		{"1e-400", "1e-400", "a number question keeps float64 semantics: underflow is 0", 0, ""},
		{"1e400", "1e400", "beyond float64 is refused clearly", 0, "x: 1e400 is too large"},
		{"-1e400", "-1e400", "beyond float64 is refused clearly", 0, "x: -1e400 is too large"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			seen, err := evaluateJSON(t, eng, `{"n": 1, "x": `+tc.x+`}`)
			if tc.wantErr != "" {
				require.ErrorIs(t, err, triage.ErrInvalidAnswers, tc.reason)
				assert.Contains(t, err.Error(), tc.wantErr, tc.reason)
				return
			}
			require.NoError(t, err, tc.reason)
			assert.Equal(t, tc.want, seen["x"], tc.reason)
		})
	}
}

// TestEmbeddedRulesRefuseInexactIntegers is the end-to-end
// reproduction: with the shipped rules, an integer answer that only rounds
// to a whole number must not reach the rules as that number.
func TestEmbeddedRulesRefuseInexactIntegers(t *testing.T) {
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	const selfCare = `{"shooting_arm_pain": false, "numbness_tingling": [], "electric_pain": false,
		"needle_like_pain": false, "popping_pain": false, "pain_wraps_to_chest": false,
		"deep_breath_pain": false, "clunking": false, "grinding": false,
		"constant_stiffness": false, "fever": false, "unexplained_weight_loss": false,
		"night_pain": false, "systemic_symptoms": false, "severe_osteoporosis": false,
		"inflammatory_condition": false, "recent_trauma": false, `
	tests := []struct {
		name, rest, reason string
		want               triage.Outcome
		wantErr            string
	}{
		{"baseline", `"self_pops": false, "pain_days": 3}`, "3 days is not more than 3: self-care", triage.SelfCare, ""},
		{"pain_days 4.0", `"self_pops": false, "pain_days": 4.0}`, "4.0 is exactly 4 and refers", triage.SeeProfessional, ""},
		{"pain_days 3.0000000000000001", `"self_pops": false, "pain_days": 3.0000000000000001}`,
			"more than 3 days must not be rounded down to self-care", 0, "pain_days: want a whole number, got 3.0000000000000001"},
		{"relief_minutes 4.9999999999999999", `"self_pops": true, "pops_per_day": 1, "relief_minutes": 4.9999999999999999, "pain_days": 1}`,
			"less than 5 minutes must not be rounded up to self-care", 0, "relief_minutes: want a whole number, got 4.9999999999999999"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := eng.DecodeAnswers(bytes.NewReader([]byte(selfCare + tc.rest)))
			require.NoError(t, err)
			v, err := eng.Evaluate(context.Background(), a)
			if tc.wantErr != "" {
				require.Nil(t, v, tc.reason)
				require.ErrorIs(t, err, triage.ErrInvalidAnswers, tc.reason)
				assert.EqualError(t, err, "invalid answers: "+tc.wantErr, tc.reason)
				return
			}
			require.NoError(t, err, tc.reason)
			assert.Equal(t, tc.want, v.Outcome, tc.reason)
		})
	}
}
