package triage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
)

// evaluateBefore is Evaluate as it was before the decision hook: the same
// buffers and the same pass, with no hook check. BenchmarkEvaluateNoHook
// and TestEvaluateNoHookAllocations hold Evaluate without a hook to it.
func (e *Engine) evaluateBefore(ctx context.Context, answers Answers) (*Verdict, error) {
	vars := e.getVars()
	var s evalState
	v, err := e.run(ctx, &s, answers, vars, nil)
	e.putVars(vars)
	return v, err
}

// hookAnswers are complete answers for the default rule set in CEL's
// native types (the external tests' benchAnswers).
func hookAnswers() Answers {
	return Answers{
		"shooting_arm_pain": false, "numbness_tingling": []string{}, "electric_pain": false,
		"needle_like_pain": false, "popping_pain": false, "pain_wraps_to_chest": false,
		"deep_breath_pain": false, "clunking": false, "grinding": false, "self_pops": true,
		"pops_per_day": int64(12), "relief_minutes": int64(3), "constant_stiffness": false,
		"pain_days": int64(2), "fever": false, "unexplained_weight_loss": false, "night_pain": false,
		"systemic_symptoms": false, "severe_osteoporosis": false, "inflammatory_condition": false,
		"recent_trauma": false,
	}
}

// BenchmarkEvaluateNoHook shows that the decision hook costs nothing when
// it is not set: it runs Evaluate without a hook and evaluateBefore
// interleaved, in batches, on the same answers, and reports Evaluate's
// time as a multiple of the pass's ("x-before", 1.00 when free). The
// "hook" case does the same with a hook that does nothing, to show what a
// hook costs (the clock, the digest and the Decision).
//
//	go test ./triage -run '^$' -bench EvaluateNoHook -benchmem
func BenchmarkEvaluateNoHook(b *testing.B) {
	plain, err := Load(rules.FS)
	require.NoError(b, err)
	hooked, err := Load(rules.FS, WithDecisionHook(func(context.Context, Decision) {}))
	require.NoError(b, err)
	ctx := context.Background()
	complete := hookAnswers()
	missing := hookAnswers()
	delete(missing, "fever")
	delete(missing, "night_pain")
	for _, bc := range []struct {
		name    string
		eng     *Engine
		answers Answers
	}{
		{"complete", plain, complete},
		{"missing", plain, missing},
		{"hook/complete", hooked, complete},
	} {
		b.Run(bc.name, func(b *testing.B) {
			const batch = 50
			var tEval, tBefore time.Duration
			b.ReportAllocs()
			for b.Loop() {
				t0 := time.Now()
				for range batch {
					if _, err := bc.eng.Evaluate(ctx, bc.answers); err != nil {
						b.Fatal(err)
					}
				}
				t1 := time.Now()
				for range batch {
					if _, err := plain.evaluateBefore(ctx, bc.answers); err != nil {
						b.Fatal(err)
					}
				}
				tEval += t1.Sub(t0)
				tBefore += time.Since(t1)
			}
			b.ReportMetric(float64(tEval)/float64(tBefore), "x-before")
		})
	}
}

// jsonDigest is answersDigest written with encoding/json, as an auditor
// would: a map of the normal forms, lists sorted, HTML escaping off.
func jsonDigest(t *testing.T, e *Engine, given []any) string {
	m := map[string]any{}
	for qi, v := range given {
		if v == nil {
			continue
		}
		q := &e.questions[qi].Question
		nv := evidenceValue(q, v)
		if l, ok := nv.([]string); ok {
			slices.Sort(l)
		}
		m[q.ID] = nv
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(m))
	sum := sha256.Sum256(bytes.TrimSuffix(buf.Bytes(), []byte("\n")))
	return "sha256:" + hex.EncodeToString(sum[:])
}

func TestDecisionDigestIsJSON(t *testing.T) {
	eng, err := Load(rules.FS, WithDecisionHook(func(context.Context, Decision) {}))
	require.NoError(t, err)
	rng := rand.New(rand.NewPCG(14, 14))
	for range 200 {
		a := randomAnswers(rng, eng.questions)
		for id := range a {
			if rng.IntN(3) == 0 {
				delete(a, id)
			}
		}
		given := make([]any, len(eng.questions))
		_, err := eng.prepare(a, given)
		require.NoError(t, err)
		require.Equal(t, jsonDigest(t, eng, given), eng.answersDigest(given))
	}
	for _, s := range []string{"", "plain", `a "quoted" \ one`, "<a&b>", "tab\tnew\nline\x01", "é ü 中", "\u2028\u2029", "\xff"} {
		want, err := json.Marshal(s)
		require.NoError(t, err)
		want = bytes.ReplaceAll(bytes.ReplaceAll(bytes.ReplaceAll(want, []byte(`\u003c`), []byte("<")), []byte(`\u003e`), []byte(">")), []byte(`\u0026`), []byte("&"))
		require.Equal(t, string(want), string(appendJSONString(nil, s)), "%q", s)
	}
	for _, f := range []float64{0, math.Copysign(0, -1), 1, -1, 12, 38.5, 0.1, 1e-6, 9.99e-7, 1e-9, 123456789012345680000, 1e21, 1.5e300, -2.5e-8, math.MaxFloat64, math.SmallestNonzeroFloat64} {
		want, err := json.Marshal(f)
		require.NoError(t, err)
		require.Equal(t, string(want), string(appendJSONFloat(nil, f)), "%v", f)
	}
}
