package triage_test

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"maps"
	"math"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata/")

// negative answers every demo question with a value that fires nothing.
func negative() triage.Answers {
	return triage.Answers{
		"fever": false, "where": []string{}, "side": "right", "temp": 36.6,
		"pops": true, "relief": 30,
	}
}

func with(a triage.Answers, kv ...any) triage.Answers {
	out := maps.Clone(a)
	for i := 0; i < len(kv); i += 2 {
		key := kv[i].(string)
		if kv[i+1] == deleted {
			delete(out, key)
			continue
		}
		out[key] = kv[i+1]
	}
	return out
}

// deleted as a value in with removes the key.
var deleted = &struct{}{}

func ruleIDs(v *triage.Verdict) []string {
	ids := []string{}
	for _, r := range v.Reasons {
		ids = append(ids, r.RuleID)
	}
	return ids
}

func TestEvaluateOutcomes(t *testing.T) {
	eng := mustLoad(t, demoFS())
	tests := []struct {
		name        string
		reason      string
		answers     triage.Answers
		wantOutcome triage.Outcome
		wantRules   []string
		wantMissing []string
	}{
		{
			name: "all negative", reason: "every refer rule decided false is self-care",
			answers: negative(), wantOutcome: triage.SelfCare, wantRules: []string{}, wantMissing: []string{},
		},
		{
			name: "one red flag", reason: "a firing refer rule means see a professional",
			answers: with(negative(), "fever", true), wantOutcome: triage.SeeProfessional,
			wantRules: []string{"fever"}, wantMissing: []string{},
		},
		{
			name: "empty answers", reason: "nothing answered is incomplete, never self-care; follow-ups are represented by their gate",
			answers: triage.Answers{}, wantOutcome: triage.Incomplete, wantRules: []string{},
			wantMissing: []string{"fever", "where", "side", "temp", "pops"},
		},
		{
			name: "nil answers map", reason: "a nil map is the same as an empty one",
			answers: nil, wantOutcome: triage.Incomplete, wantRules: []string{},
			wantMissing: []string{"fever", "where", "side", "temp", "pops"},
		},
		{
			name: "one unanswered", reason: "a single unknown that could refer keeps the outcome open",
			answers: with(negative(), "fever", deleted), wantOutcome: triage.Incomplete,
			wantRules: []string{}, wantMissing: []string{"fever"},
		},
		{
			name: "null is unanswered", reason: "JSON null means not answered, never no",
			answers: with(negative(), "fever", nil), wantOutcome: triage.Incomplete,
			wantRules: []string{}, wantMissing: []string{"fever"},
		},
		{
			name: "positive decides despite unknowns", reason: "a red flag decides, whatever else is unanswered",
			answers: triage.Answers{"fever": true}, wantOutcome: triage.SeeProfessional,
			wantRules: []string{"fever"}, wantMissing: []string{},
		},
		{
			name: "an answer that decides a conjunction", reason: "temp 36 settles 'temp >= 38 && side == left', so side is not needed",
			answers: with(negative(), "side", deleted), wantOutcome: triage.SelfCare,
			wantRules: []string{}, wantMissing: []string{},
		},
		{
			name: "conjunction still open", reason: "temp 39 leaves the rule waiting for side",
			answers: with(negative(), "side", deleted, "temp", 39.0), wantOutcome: triage.Incomplete,
			wantRules: []string{}, wantMissing: []string{"side"},
		},
		{
			name: "follow-up askable", reason: "pops answered yes makes relief askable and needed",
			answers: with(negative(), "relief", deleted), wantOutcome: triage.Incomplete,
			wantRules: []string{}, wantMissing: []string{"relief"},
		},
		{
			name: "follow-up not asked", reason: "pops answered no settles the guarded rule; relief is not needed",
			answers: with(negative(), "pops", false, "relief", deleted), wantOutcome: triage.SelfCare,
			wantRules: []string{}, wantMissing: []string{},
		},
		{
			name: "follow-up answered, gate unanswered", reason: "the gate itself is what is missing",
			answers: with(negative(), "pops", deleted, "relief", 2), wantOutcome: triage.Incomplete,
			wantRules: []string{}, wantMissing: []string{"pops"},
		},
		{
			name: "follow-up answered although its gate is no", reason: "the guard keeps the rule from firing",
			answers: with(negative(), "pops", false, "relief", 2), wantOutcome: triage.SelfCare,
			wantRules: []string{}, wantMissing: []string{},
		},
		{
			name: "caution alone", reason: "a caution is reported but self-care stays OK",
			answers: with(negative(), "relief", 90), wantOutcome: triage.SelfCare,
			wantRules: []string{"long_relief"}, wantMissing: []string{},
		},
		{
			name: "caution with referral", reason: "refer reasons come before caution reasons",
			answers: with(negative(), "relief", 90, "fever", true, "where", []string{"arms"}), wantOutcome: triage.SeeProfessional,
			wantRules: []string{"fever", "numb", "long_relief"}, wantMissing: []string{},
		},
		{
			name: "multichoice none", reason: "an empty list answers the question as 'none'",
			answers: with(negative(), "where", []any{}), wantOutcome: triage.SelfCare,
			wantRules: []string{}, wantMissing: []string{},
		},
		{
			name: "unknowns that cannot refer", reason: "a caution that is undecided does not make the verdict incomplete",
			answers: with(negative(), "relief", 3), wantOutcome: triage.SeeProfessional,
			wantRules: []string{"short_relief"}, wantMissing: []string{},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := maps.Clone(tc.answers)
			v, err := eng.Evaluate(context.Background(), tc.answers)
			require.NoError(t, err, tc.reason)
			assert.Equal(t, tc.wantOutcome, v.Outcome, tc.reason)
			assert.Equal(t, tc.wantRules, ruleIDs(v), tc.reason)
			assert.Equal(t, tc.wantMissing, v.Missing, tc.reason)
			assert.Equal(t, before, tc.answers, "Evaluate must not modify the answers")
			assert.Equal(t, eng.RuleSet(), v.RuleSet, "the verdict names its rule set")
			assert.Equal(t, triage.Disclaimer, v.Notice)
			if v.Outcome != triage.SelfCare { // the demo set has no guidance; the corpus pins the default set's
				assert.Empty(t, v.Guidance, "guidance comes only with self-care")
			}
		})
	}
}

func TestEvaluateEvidence(t *testing.T) {
	eng := mustLoad(t, demoFS())
	answers := with(negative(), "relief", json.Number("3"), "temp", 39, "side", "left", "where", []any{"arms", "fingers"})
	v, err := eng.Evaluate(context.Background(), answers)
	require.NoError(t, err)
	require.Equal(t, []string{"numb", "hot", "short_relief"}, ruleIDs(v))
	assert.Equal(t, []triage.Evidence{{Question: "where", Value: []string{"arms", "fingers"}}}, v.Reasons[0].Evidence)
	assert.Equal(t, []triage.Evidence{{Question: "side", Value: "left"}, {Question: "temp", Value: 39.0}}, v.Reasons[1].Evidence,
		"evidence is in questionnaire order, with normalised values")
	assert.Equal(t, []triage.Evidence{{Question: "pops", Value: true}, {Question: "relief", Value: int64(3)}}, v.Reasons[2].Evidence)
	assert.Equal(t, triage.Citation{SourceID: "doc", Title: "A document", Section: "Relief"}, v.Reasons[2].Citation)
	assert.Equal(t, triage.Refer, v.Reasons[2].Action)
	assert.Equal(t, "See a professional.", v.Reasons[2].Advice)

	list := []string{"arms"}
	v, err = eng.Evaluate(context.Background(), with(negative(), "where", list))
	require.NoError(t, err)
	list[0] = "fingers"
	assert.Equal(t, []string{"arms"}, v.Reasons[0].Evidence[0].Value, "a verdict does not share the caller's slices")

	v, err = eng.Evaluate(context.Background(), triage.Answers{"fever": true, "pops": nil})
	require.NoError(t, err)
	assert.Equal(t, []triage.Evidence{{Question: "fever", Value: true}}, v.Reasons[0].Evidence, "unanswered questions are not evidence")
}

func TestEvaluateInvalidAnswers(t *testing.T) {
	eng := mustLoad(t, demoFS())
	tests := []struct {
		name    string
		reason  string
		answers triage.Answers
		want    []string
	}{
		{"unknown id", "a misspelled answer key must not be ignored", with(negative(), "fevr", true),
			[]string{`fevr: unknown question (did you mean "fever"?)`}},
		{"string for boolean", `"yes" is not a boolean`, with(negative(), "fever", "yes"),
			[]string{`fever: want true or false, got string "yes"`}},
		{"number for boolean", "1 is not true", with(negative(), "fever", 1),
			[]string{`fever: want true or false, got number 1`}},
		{"fraction for integer", "2.5 is not a whole number", with(negative(), "relief", 2.5),
			[]string{`relief: want a whole number, got 2.5`}},
		{"json fraction for integer", "json.Number 2.5 is not a whole number", with(negative(), "relief", json.Number("2.5")),
			[]string{`relief: want a whole number, got 2.5`}},
		{"string for integer", "numbers must be numbers", with(negative(), "relief", "3"),
			[]string{`relief: want a whole number, got string "3"`}},
		{"below minimum", "min is inclusive and enforced", with(negative(), "relief", -1),
			[]string{`relief: -1 is below the minimum of 0`}},
		{"above maximum", "max is enforced", with(negative(), "temp", 45.5),
			[]string{`temp: 45.5 is above the maximum of 45`}},
		{"huge integer", "out of int64 range", with(negative(), "relief", 1e300),
			[]string{`relief: 1e+300 is too large`}},
		{"choice not in list", "a choice must be one of the list", with(negative(), "side", "middle"),
			[]string{`side: "middle" is not one of left, right`}},
		{"label for a choice", "answers carry values, not labels", with(negative(), "side", "Left side"),
			[]string{`side: "Left side" is not one of left, right`}},
		{"multichoice item not in list", "every item must be a choice", with(negative(), "where", []string{"toes"}),
			[]string{`where: "toes" is not one of fingers, arms`}},
		{"multichoice repeat", "an item listed twice is a mistake", with(negative(), "where", []any{"arms", "arms"}),
			[]string{`where: "arms" is listed twice`}},
		{"multichoice not a list", "a single string is not a list", with(negative(), "where", "arms"),
			[]string{`where: want a list of choices from fingers, arms (empty for none), got string "arms"`}},
		{"multichoice non-string item", "items are strings", with(negative(), "where", []any{"arms", 3.0}),
			[]string{`where: want a list of choices from fingers, arms, but item 2 is number 3`}},
		{"NaN", "numbers must be finite", with(negative(), "temp", math.NaN()),
			[]string{`temp: want a finite number, got NaN`}},
		{"json.Number NaN", "a json.Number must hold JSON number text, which has no NaN", with(negative(), "temp", json.Number("NaN")),
			[]string{`temp: want a number, got "NaN", which is not a JSON number`}},
		{"several at once", "every offending question is named, in questionnaire order, unknown ids last",
			with(negative(), "zzz", 1, "relief", 2.5, "fever", "no", "aaa", 2),
			[]string{`fever: want true or false, got string "no"`, `relief: want a whole number, got 2.5`,
				`aaa: unknown question`, `zzz: unknown question`}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			v, err := eng.Evaluate(context.Background(), tc.answers)
			require.Nil(t, v, "no verdict comes with an error")
			require.ErrorIs(t, err, triage.ErrInvalidAnswers, tc.reason)
			var list triage.AnswerErrors
			require.ErrorAs(t, err, &list)
			got := make([]string, len(list))
			for i, e := range list {
				got[i] = e.Error()
			}
			assert.Equal(t, tc.want, got, tc.reason)
			var one *triage.AnswerError
			require.ErrorAs(t, err, &one)
			assert.Equal(t, list[0].Question, one.Question)
		})
	}
}

func TestEvaluateAcceptsNumericForms(t *testing.T) {
	eng := mustLoad(t, demoFS())
	for _, v := range []any{4, int8(4), int16(4), int32(4), int64(4), uint(4), uint64(4), 4.0, float32(4), json.Number("4"), json.Number("4.0")} {
		verdict, err := eng.Evaluate(context.Background(), with(negative(), "relief", v))
		require.NoError(t, err, "%T %v is the integer 4", v, v)
		assert.Equal(t, []string{"short_relief"}, ruleIDs(verdict), "%T %v is the integer 4", v, v)
		assert.Equal(t, int64(4), verdict.Reasons[0].Evidence[1].Value)
	}
	for _, v := range []any{38, int64(38), float32(38), json.Number("38")} {
		verdict, err := eng.Evaluate(context.Background(), with(negative(), "temp", v, "side", "left"))
		require.NoError(t, err, "%T %v is the number 38", v, v)
		assert.Equal(t, []string{"hot"}, ruleIDs(verdict), "%T %v is the number 38", v, v)
	}
}

func TestEvaluateFailsClosed(t *testing.T) {
	fsys := demoFS()
	fsys["z.yaml"] = mapFS(map[string]string{"x": lines(
		"rules:",
		"  - id: broken",
		"    title: Divides by zero when relief is answered",
		"    when: pops && relief / (relief - relief) > 1",
		"    action: caution",
		"    advice: Never shown.",
		"    cite: {source: doc, section: S}",
	)})["x"]
	eng := mustLoad(t, fsys)

	v, err := eng.Evaluate(context.Background(), negative())
	require.Nil(t, v, "a failing rule never yields a verdict, not even self-care")
	require.ErrorIs(t, err, triage.ErrEvaluation)
	var ee *triage.EvalError
	require.ErrorAs(t, err, &ee)
	assert.Equal(t, "broken", ee.ID)
	assert.Equal(t, triage.Position{File: "z.yaml", Line: 4, Column: 11}, ee.Pos)
	assert.Contains(t, err.Error(), "division by zero")
}

func TestEvaluateHonoursContext(t *testing.T) {
	eng := mustLoad(t, demoFS())
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	v, err := eng.Evaluate(ctx, negative())
	assert.Nil(t, v)
	assert.ErrorIs(t, err, context.Canceled, "a cancelled context stops evaluation with its error")
}

func TestEngineIsSafeForConcurrentUse(t *testing.T) {
	eng := mustLoad(t, demoFS())
	inputs := []struct {
		answers triage.Answers
		want    triage.Outcome
	}{
		{negative(), triage.SelfCare},
		{with(negative(), "fever", true), triage.SeeProfessional},
		{triage.Answers{}, triage.Incomplete},
		{with(negative(), "relief", deleted), triage.Incomplete},
		{with(negative(), "relief", 2.0), triage.SeeProfessional},
	}
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for g := range 16 {
		wg.Go(func() {
			for i := range 200 {
				in := inputs[(g+i)%len(inputs)]
				v, err := eng.Evaluate(context.Background(), in.answers)
				if err != nil {
					errs <- err
					return
				}
				if v.Outcome != in.want {
					errs <- errors.New("outcome " + v.Outcome.String() + ", want " + in.want.String())
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func TestParseAnswers(t *testing.T) {
	tests := []struct {
		name, input, reason string
		want                triage.Answers
		wantErr             string
	}{
		{"object", `{"fever": true, "relief": 4.0, "where": ["arms"], "temp": null}`, "numbers keep their text",
			triage.Answers{"fever": true, "relief": json.Number("4.0"), "where": []any{"arms"}, "temp": nil}, ""},
		{"empty object", `{}`, "no answers is valid input", triage.Answers{}, ""},
		{"trailing space", "{}\n\n", "white space after the object is fine", triage.Answers{}, ""},
		{"duplicate key", `{"fever": false, "fever": true}`, "a repeated key is ambiguous",
			nil, `invalid answers: question "fever" is answered twice at line 1, column 18 (byte offset 17)`},
		{"array", `[true]`, "answers are an object", nil, `invalid answers: answers must be a JSON object like {"fever": true}, got a list at line 1, column 1 (byte offset 0)`},
		{"empty", ``, "empty input", nil, `invalid answers: no JSON object found (empty input) at line 1, column 1 (byte offset 0)`},
		{"trailing data", `{} {}`, "one object only", nil, `invalid answers: unexpected data after the answers object at line 1, column 4 (byte offset 3)`},
		{"malformed", `{"fever": tru}`, "syntax errors are reported", nil, `invalid answers: malformed JSON in the answer to "fever": invalid character '}' in literal true (expecting 'e') at line 1, column 14 (byte offset 13)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseAnswers(t, []byte(tc.input))
			if tc.wantErr != "" {
				require.ErrorIs(t, err, triage.ErrInvalidAnswers, tc.reason)
				assert.EqualError(t, err, tc.wantErr, tc.reason)
				return
			}
			require.NoError(t, err, tc.reason)
			assert.Equal(t, tc.want, got, tc.reason)
		})
	}
}

func TestEnumsText(t *testing.T) {
	for _, tc := range []struct {
		o    triage.Outcome
		name string
	}{{triage.SelfCare, "self_care"}, {triage.SeeProfessional, "see_professional"}, {triage.Incomplete, "incomplete"}} {
		assert.Equal(t, tc.name, tc.o.String())
		b, err := tc.o.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, tc.name, string(b))
		var back triage.Outcome
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, tc.o, back)
	}
	var zero triage.Outcome
	assert.Equal(t, "Outcome(0)", zero.String(), "the zero outcome never reads as self-care")
	_, err := json.Marshal(triage.Verdict{})
	assert.Error(t, err, "a verdict with the zero outcome cannot be marshalled")
	assert.Error(t, zero.UnmarshalText([]byte("selfcare")))

	for _, tc := range []struct {
		a    triage.Action
		name string
	}{{triage.Refer, "refer"}, {triage.Caution, "caution"}} {
		b, err := tc.a.MarshalText()
		require.NoError(t, err)
		assert.Equal(t, tc.name, string(b))
		var back triage.Action
		require.NoError(t, back.UnmarshalText(b))
		assert.Equal(t, tc.a, back)
	}
	_, err = triage.Action(0).MarshalText()
	assert.Error(t, err, "the zero action is invalid")

	var qt triage.QuestionType
	require.NoError(t, qt.UnmarshalText([]byte("multichoice")))
	assert.Equal(t, triage.MultiChoiceType, qt)
	assert.Equal(t, "multichoice", qt.String())
}

// TestVerdictJSON pins the JSON form of a verdict: snake_case fields and
// the string forms of the enums. Run with -update to rewrite the golden file.
func TestVerdictJSON(t *testing.T) {
	eng := mustLoad(t, demoFS())
	v, err := eng.Evaluate(context.Background(), with(negative(), "fever", true, "relief", 90))
	require.NoError(t, err)
	got, err := json.MarshalIndent(v, "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	golden := filepath.Join("testdata", "verdict.golden.json")
	if *update {
		require.NoError(t, os.WriteFile(golden, got, 0o644))
	}
	want, err := os.ReadFile(golden)
	require.NoError(t, err, "run go test ./triage -run TestVerdictJSON -update to create it")
	assert.Equal(t, string(want), string(got))

	var back map[string]any
	require.NoError(t, json.Unmarshal(got, &back))
	assert.Equal(t, "see_professional", back["outcome"])
	reasons := back["reasons"].([]any)
	assert.Equal(t, "refer", reasons[0].(map[string]any)["action"])
	assert.Equal(t, "caution", reasons[1].(map[string]any)["action"])
}

func TestEvaluateComprehension(t *testing.T) {
	fsys := demoFS()
	fsys["z.yaml"] = mapFS(map[string]string{"x": lines(
		"rules:",
		"  - id: arms_only",
		"    title: Numb arms but not fingers",
		"    when: where.exists(x, x == 'arms') && !where.exists(x, x == 'fingers')",
		"    action: caution",
		"    advice: Keep an eye on it.",
		"    cite: {source: doc, section: S}",
	)})["x"]
	eng := mustLoad(t, fsys)
	for _, tc := range []struct {
		where  []string
		reason string
		want   []string
	}{
		{[]string{"arms"}, "arms alone fires the comprehension rule (and numb)", []string{"numb", "arms_only"}},
		{[]string{"arms", "fingers"}, "fingers present: the second exists blocks it", []string{"numb"}},
		{[]string{}, "nothing listed: neither fires", []string{}},
	} {
		v, err := eng.Evaluate(context.Background(), with(negative(), "where", tc.where))
		require.NoError(t, err, tc.reason)
		assert.Equal(t, tc.want, ruleIDs(v), tc.reason)
	}
	v, err := eng.Evaluate(context.Background(), with(negative(), "where", deleted))
	require.NoError(t, err)
	assert.Equal(t, triage.Incomplete, v.Outcome, "an unknown list leaves comprehensions undecided")
	assert.Equal(t, []string{"where"}, v.Missing)
}

func TestEvaluateNilSliceIsUnanswered(t *testing.T) {
	eng := mustLoad(t, demoFS())
	for _, v := range []any{[]string(nil), []any(nil)} {
		verdict, err := eng.Evaluate(context.Background(), with(negative(), "where", v))
		require.NoError(t, err)
		assert.Equal(t, triage.Incomplete, verdict.Outcome, "a nil %T is a field never filled in, not 'none'", v)
		assert.Equal(t, []string{"where"}, verdict.Missing)
	}
	verdict, err := eng.Evaluate(context.Background(), with(negative(), "where", []string{}))
	require.NoError(t, err)
	assert.Equal(t, triage.SelfCare, verdict.Outcome, "an empty, non-nil list answers 'none of these'")

	_, err = eng.Evaluate(context.Background(), with(negative(), "fever", []string(nil)))
	assert.ErrorIs(t, err, triage.ErrInvalidAnswers, "a nil slice for a boolean is a wrong type, not unanswered")
}

func TestEvaluateCrossTypeNumericComparison(t *testing.T) {
	fsys := demoFS()
	fsys["z.yaml"] = mapFS(map[string]string{"x": lines(
		"rules:",
		"  - id: very_hot",
		"    title: Very high temperature",
		"    when: temp >= 40",
		"    action: refer",
		"    advice: See a professional.",
		"    cite: {source: doc, section: S}",
	)})["x"]
	eng := mustLoad(t, fsys)
	for _, tc := range []struct {
		temp   any
		want   triage.Outcome
		reason string
	}{
		{39.9, triage.SelfCare, "just below an integer threshold on a number question"},
		{40, triage.SeeProfessional, "an integer answer meets an integer literal on a number question"},
		{40.5, triage.SeeProfessional, "above the threshold"},
	} {
		v, err := eng.Evaluate(context.Background(), with(negative(), "temp", tc.temp))
		require.NoError(t, err, tc.reason)
		assert.Equal(t, tc.want, v.Outcome, tc.reason)
	}
}

// cancelAfterStart is a context that is live when Evaluate starts and
// cancelled as soon as anything waits on it.
type cancelAfterStart struct {
	context.Context
	errCalls int
	done     chan struct{}
}

func (c *cancelAfterStart) Done() <-chan struct{} { return c.done }

func (c *cancelAfterStart) Err() error {
	c.errCalls++
	if c.errCalls == 1 {
		return nil
	}
	return context.Canceled
}

func TestEvaluateCancelledBetweenRules(t *testing.T) {
	eng := mustLoad(t, demoFS())
	done := make(chan struct{})
	close(done)

	ctx := &cancelAfterStart{Context: context.Background(), done: done}
	v, err := eng.Evaluate(ctx, with(negative(), "fever", deleted))
	assert.Nil(t, v, "a context cancelled between rules gives no verdict")
	assert.ErrorIs(t, err, context.Canceled)

	// Complete answers run rule by rule too, so the context is checked
	// between their rules as well.
	ctx = &cancelAfterStart{Context: context.Background(), done: done}
	v, err = eng.Evaluate(ctx, negative())
	assert.Nil(t, v, "complete answers are checked between rules too")
	assert.ErrorIs(t, err, context.Canceled)
}

func TestChoiceLiteralCheckAllowsValidRules(t *testing.T) {
	fsys := demoFS()
	fsys["z.yaml"] = mapFS(map[string]string{"x": lines(
		"rules:",
		"  - id: shadowing",
		"    title: A comprehension variable named like a question",
		`    when: fever && ["a", "b"].exists(side, side == "a") && where.all(w, w in ["fingers", "arms"])`,
		"    action: caution",
		"    advice: Fine.",
		"    cite: {source: doc, section: S}",
		"  - id: other_strings",
		"    title: Strings that are not compared with a choice",
		`    when: side.startsWith("l") && "x" + side != "xright" && where.exists(w, w == "arms")`,
		"    action: caution",
		"    advice: Fine.",
		"    cite: {source: doc, section: S}",
	)})["x"]
	eng := mustLoad(t, fsys)
	v, err := eng.Evaluate(context.Background(), with(negative(), "fever", true, "side", "left", "where", []string{"arms"}))
	require.NoError(t, err)
	assert.Equal(t, []string{"fever", "numb", "shadowing", "other_strings"}, ruleIDs(v),
		"valid string comparisons load and evaluate as written")
}
