package jsonl

import (
	"bytes"
	"context"
	"encoding/json"
	"io/fs"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// sameAsEncodingJSON fails unless enc writes r exactly as encoding/json's
// Encoder does, or fails where it fails.
func sameAsEncodingJSON(t testing.TB, enc *Encoder, r Result) {
	t.Helper()
	var want bytes.Buffer
	wantErr := json.NewEncoder(&want).Encode(r)
	got, err := enc.AppendResult([]byte("prefix "), r)
	if wantErr != nil {
		require.EqualError(t, err, wantErr.Error())
		return
	}
	require.NoError(t, err)
	require.Equal(t, "prefix "+want.String(), string(got))
}

// TestEncoderGeneratedLines encodes the results of generated answer lines
// for two rule sets, interleaved through one Encoder, as encoding/json
// does: the two rule sets share rule ids with different texts, so every
// cached encoding is checked against the texts at hand.
func TestEncoderGeneratedLines(t *testing.T) {
	def, err := triage.Load(rules.FS)
	require.NoError(t, err)
	demoFS, err := fs.Sub(os.DirFS("../../triage/testdata/corpus"), "demo")
	require.NoError(t, err)
	demo, err := triage.Load(demoFS)
	require.NoError(t, err)
	var inDef, inDemo bytes.Buffer
	require.NoError(t, gen.Write(&inDef, def.Questions(), 3_000, 5))
	require.NoError(t, gen.Write(&inDemo, demo.Questions(), 3_000, 6))
	defLines, demoLines := bytes.Split(inDef.Bytes(), []byte("\n")), bytes.Split(inDemo.Bytes(), []byte("\n"))
	enc := NewEncoder()
	outcomes := map[triage.Outcome]int{}
	for i := range min(len(defLines), len(demoLines)) {
		for _, l := range []struct {
			eng  *triage.Engine
			text []byte
		}{{def, defLines[i]}, {demo, demoLines[i]}} {
			r := Eval(context.Background(), l.eng, i+1, Line{Text: l.text}, "")
			if r.Verdict != nil {
				outcomes[r.Verdict.Outcome]++
			}
			sameAsEncodingJSON(t, enc, r)
		}
	}
	for _, o := range []triage.Outcome{triage.SelfCare, triage.SeeProfessional, triage.Incomplete} {
		assert.Greater(t, outcomes[o], 100, "lines with outcome %s", o)
	}
}

func TestEncoderTable(t *testing.T) {
	cite := triage.Citation{SourceID: "doc", Title: "A <doc> & more", URL: "https://x.org/?a=1&b=2", Section: "S\u2028T"}
	verdict := func(edit func(*triage.Verdict)) *triage.Verdict {
		v := &triage.Verdict{
			Outcome: triage.SeeProfessional, Headline: "See a professional", WhatToDo: "Go \"now\"\n\ttoday",
			Reasons: []triage.Reason{{
				RuleID: "r1", Title: "Fever", Action: triage.Refer, Advice: "Call\x01\x1f\x7f \b\f\r é 日本 \xff end",
				Citation: cite, SeeAlso: []triage.Citation{{SourceID: "b", Title: "B", Section: "2"}},
				Evidence: []triage.Evidence{{Question: "fever", Value: true}, {Question: "n", Value: int64(-42)}},
			}},
			Missing: []string{}, Optional: []string{},
			RuleSet: triage.RuleSetInfo{Name: "n", Version: "1", Title: "T", Hash: "sha256:00"},
			Notice:  triage.Disclaimer,
		}
		if edit != nil {
			edit(v)
		}
		return v
	}
	evidence := func(vals ...any) func(*triage.Verdict) {
		return func(v *triage.Verdict) {
			v.Reasons[0].Evidence = nil
			for _, x := range vals {
				v.Reasons[0].Evidence = append(v.Reasons[0].Evidence, triage.Evidence{Question: "q", Value: x})
			}
		}
	}
	for _, tc := range []struct {
		r      Result
		reason string
	}{
		{Result{Line: 1, Verdict: verdict(nil)}, "escapes of every kind, HTML characters, invalid UTF-8"},
		{Result{Line: 2, Verdict: verdict(func(v *triage.Verdict) { v.Reasons[0].Advice = "other advice" })}, "a rule id cached with other advice"},
		{Result{Line: 3, Verdict: verdict(func(v *triage.Verdict) { v.Reasons[0].SeeAlso = nil; v.Reasons[0].Citation.URL = "" })}, "no see_also, no url"},
		{Result{Line: 4, Verdict: verdict(func(v *triage.Verdict) { v.Reasons, v.Missing, v.Optional = nil, nil, nil })}, "nil lists are null"},
		{Result{Line: 5, Verdict: verdict(func(v *triage.Verdict) { v.Reasons = []triage.Reason{} })}, "empty reasons"},
		{Result{Line: 6, Verdict: verdict(evidence(0.1, math.Copysign(0, -1), 1e-7, 1e21, 123456789.0, 1e20, 5e-324, math.MaxFloat64))}, "floats at the format cutoffs"},
		{Result{Line: 7, Verdict: verdict(evidence("a<b", []string{"x", "y"}, []string{}, []string(nil), false))}, "string and list evidence"},
		{Result{Line: 8, Verdict: verdict(evidence(4, json.Number("4"), nil, map[string]any{"a": 1}))}, "evidence of other types, written by encoding/json"},
		{Result{Line: 9, Verdict: verdict(evidence(math.NaN()))}, "a value encoding/json refuses: the same error"},
		{Result{Line: 10, Verdict: verdict(func(v *triage.Verdict) { v.Outcome = 0 })}, "an invalid outcome: the same error"},
		{Result{Line: 11, Verdict: verdict(func(v *triage.Verdict) { v.Reasons[0].Action = 7 })}, "an invalid action: the same error"},
		{Result{Line: 12, Verdict: verdict(func(v *triage.Verdict) { v.Reasons[0].Evidence = nil })}, "no evidence is null"},
		{Result{Line: 13, Verdict: verdict(func(v *triage.Verdict) {
			v.Outcome, v.Reasons = triage.SelfCare, []triage.Reason{}
			v.Guidance = []triage.Guidance{{ID: "g", Title: "Rest", Advice: "Rest & <drink>", Citation: cite}, {ID: "h", Title: "H", Advice: "A", Citation: cite, SeeAlso: []triage.Citation{cite}}}
		})}, "self-care guidance"},
		{Result{Line: 14, Verdict: verdict(func(v *triage.Verdict) {
			v.Outcome, v.Reasons = triage.SelfCare, []triage.Reason{}
			v.Guidance = []triage.Guidance{{ID: "g", Title: "Rest", Advice: "changed", Citation: cite}}
		})}, "guidance cached with other advice"},
		{Result{Line: 15, Verdict: verdict(func(v *triage.Verdict) { v.Headline, v.Notice, v.RuleSet.Hash = "Other", "Other notice", "sha256:11" })}, "headline, notice and rule set cached with other texts"},
		{Result{Line: 16, Error: "bad <line>"}, "an error line"},
		{Result{Line: 17, Error: "invalid answers", Errors: []AnswerError{{Question: "q", Message: "m", Position: &Position{1, 2, 1}}}}, "an answers error line"},
		{Result{Line: 18}, "nothing at all"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			enc := NewEncoder()
			// Each case runs after the plain verdict of case 1 has filled
			// the cache, and twice, so that it reads its own cache too.
			sameAsEncodingJSON(t, enc, Result{Line: 1, Verdict: verdict(nil)})
			sameAsEncodingJSON(t, enc, tc.r)
			sameAsEncodingJSON(t, enc, tc.r)
		})
	}
}

// FuzzEncoderString checks that any string, as advice, and any float, as
// evidence, are written as encoding/json writes them.
func FuzzEncoderString(f *testing.F) {
	for _, s := range []string{"", "plain", "<&>", "\u2028\u2029", "\xff\xfe", "\x00\x1f\x7f", `"\`} {
		f.Add(s, 1.5)
	}
	f.Add("x", 1e-7)
	f.Add("x", 1e21)
	enc := NewEncoder()
	f.Fuzz(func(t *testing.T, s string, x float64) {
		v := &triage.Verdict{Outcome: triage.SeeProfessional, Headline: s, Reasons: []triage.Reason{{
			RuleID: s, Action: triage.Caution, Advice: s, Evidence: []triage.Evidence{{Question: s, Value: x}},
		}}}
		sameAsEncodingJSON(t, enc, Result{Line: 1, Verdict: v})
	})
}
