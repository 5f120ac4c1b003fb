package triage_test

import (
	"context"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// logicQuestions is a questionnaire for conditions of every logical shape:
// booleans, a multichoice, an integer, a number, a choice and a follow-up.
const logicQuestions = `questions:
  - id: a
    text: A?
    type: boolean
  - id: b
    text: B?
    type: boolean
  - id: can_walk
    text: Can you walk four steps?
    type: boolean
  - id: spots
    text: Where is it tender?
    type: multichoice
    choices: [neck, ribs]
  - id: x
    text: How many?
    type: integer
    min: 0
    max: 20
  - id: temp
    text: Temperature?
    type: number
    min: 30
    max: 45
  - id: side
    text: Which side?
    type: choice
    choices: [left, right]
  - id: self_pops
    text: Do you pop your back?
    type: boolean
  - id: relief_minutes
    text: How many minutes does relief last?
    type: integer
    min: 0
    ask_if: self_pops
`

// logicSelfCare completes a rule set built on logicQuestions.
const logicSelfCare = `self_care:
  - id: rest
    title: Rest
    advice: Rest.
    cite: {source: doc, section: Rest}
`

// logicEvery is a caution rule that reads every question of
// logicQuestions, so that none is unused whatever the other rules read.
const logicEvery = `  - id: every
    title: Every question
    when: a && b && can_walk && size(spots) > 1 && x > 19 && temp > 44 && side == "left" && self_pops && relief_minutes > 100
    action: caution
    advice: Take care.
    cite: {source: doc, section: S}
`

// logicFS is a rule set with one refer rule per condition, named r0, r1,
// ..., and logicEvery.
func logicFS(conds ...string) fstest.MapFS {
	var b strings.Builder
	b.WriteString(header + logicQuestions + "rules:\n" + logicEvery)
	for i, c := range conds {
		fmt.Fprintf(&b, "  - id: r%d\n    title: Rule %d\n    when: %q\n    action: refer\n"+
			"    advice: See a professional.\n    cite: {source: doc, section: S}\n", i, i, c)
	}
	b.WriteString(logicSelfCare)
	return fstest.MapFS{"logic.yaml": {Data: []byte(b.String())}}
}

// evidenceCases are conditions of every shape, each with answers that make
// it true and the answers that decided it.
var evidenceCases = []struct {
	name    string
	reason  string
	when    string
	answers triage.Answers
	want    []string // question ids of the evidence, in questionnaire order
}{
	{
		name: "or, one true", reason: "only the true operand made a || b true",
		when: "a || b", answers: triage.Answers{"a": false, "b": true},
		want: []string{"b"},
	},
	{
		name: "or, both true", reason: "every true operand is listed, each being enough on its own",
		when: "a || b", answers: triage.Answers{"a": true, "b": true},
		want: []string{"a", "b"},
	},
	{
		name: "or, other operand unanswered", reason: "partial evaluation: the true operand decides, the unknown one is not evidence",
		when: "a || b", answers: triage.Answers{"a": true},
		want: []string{"a"},
	},
	{
		name: "and", reason: "both operands of a true && decided it",
		when: "a && b", answers: triage.Answers{"a": true, "b": true},
		want: []string{"a", "b"},
	},
	{
		name: "comparison", reason: "a comparison is decided by the question it reads",
		when: "x > 3", answers: triage.Answers{"x": int64(5)},
		want: []string{"x"},
	},
	{
		name: "negated or, the issue's example", reason: "can walk makes !can_walk false: only the tender spot decided it",
		when: "!can_walk || size(spots) > 0", answers: triage.Answers{"can_walk": true, "spots": []string{"ribs"}},
		want: []string{"spots"},
	},
	{
		name: "negated or, the other side", reason: "cannot walk decided it; an empty list of spots did not",
		when: "!can_walk || size(spots) > 0", answers: triage.Answers{"can_walk": false, "spots": []string{}},
		want: []string{"can_walk"},
	},
	{
		name: "negated and", reason: "!(a && b) is true because b is false; a = true did not help",
		when: "!(a && b)", answers: triage.Answers{"a": true, "b": false},
		want: []string{"b"},
	},
	{
		name: "negated and, both false", reason: "every false operand of the && is listed",
		when: "!(a && b)", answers: triage.Answers{"a": false, "b": false},
		want: []string{"a", "b"},
	},
	{
		name: "negated or", reason: "!(a || b) needs both false: both decided it",
		when: "!(a || b)", answers: triage.Answers{"a": false, "b": false},
		want: []string{"a", "b"},
	},
	{
		name: "in on a multichoice", reason: "the list read by in decided it; the false operand did not",
		when: `"ribs" in spots || a`, answers: triage.Answers{"spots": []string{"ribs"}, "a": false},
		want: []string{"spots"},
	},
	{
		name: "exists on a multichoice", reason: "a macro is one leaf: the list it ranges over decided it",
		when: `spots.exists(s, s == "neck") || x > 10`, answers: triage.Answers{"spots": []string{"neck"}, "x": int64(2)},
		want: []string{"spots"},
	},
	{
		name: "or inside a macro", reason: "logic inside a macro is not split: every question the macro reads is listed",
		when: `spots.exists(s, s == "neck" || a) || b`, answers: triage.Answers{"spots": []string{"neck"}, "a": false, "b": false},
		want: []string{"a", "spots"},
	},
	{
		name: "loop variable shadows a question", reason: "inside exists, a is the loop variable, not the question a",
		when: `spots.exists(a, a == "neck") || b`, answers: triage.Answers{"a": true, "spots": []string{"neck"}, "b": false},
		want: []string{"spots"},
	},
	{
		name: "guarded follow-up", reason: "the ask_if guard and the follow-up both decided self_pops && relief_minutes < 5",
		when: "self_pops && relief_minutes < 5", answers: triage.Answers{"self_pops": true, "relief_minutes": int64(3)},
		want: []string{"self_pops", "relief_minutes"},
	},
	{
		name: "guarded follow-up or another sign", reason: "the guard and the true alternative decided it; the follow-up's answer did not",
		when: "self_pops && (relief_minutes < 5 || a)", answers: triage.Answers{"self_pops": true, "relief_minutes": int64(10), "a": true},
		want: []string{"a", "self_pops"},
	},
	{
		name: "and over or", reason: "the true operand of the || and the other operand of the &&",
		when: "(a || b) && x > 3", answers: triage.Answers{"a": false, "b": true, "x": int64(5)},
		want: []string{"b", "x"},
	},
	{
		name: "or over and", reason: "the true && with both its operands; the false a is left out",
		when: "a || (b && x > 3)", answers: triage.Answers{"a": false, "b": true, "x": int64(5)},
		want: []string{"b", "x"},
	},
	{
		name: "number or choice", reason: "the true comparison decided it, the false one did not",
		when: `temp >= 38 || side == "left"`, answers: triage.Answers{"temp": 39.0, "side": "right"},
		want: []string{"temp"},
	},
	{
		name: "ternary", reason: "the condition and the branch taken decided it; the other branch did not",
		when: "a ? x > 3 : b", answers: triage.Answers{"a": true, "x": int64(5), "b": true},
		want: []string{"a", "x"},
	},
	{
		name: "and of leaves", reason: "no ||, ! or ?: (no tracking program): every answer read decided it",
		when: `a && x > 3 && size(spots) > 0`, answers: triage.Answers{"a": true, "x": int64(4), "spots": []string{"neck"}},
		want: []string{"a", "spots", "x"},
	},
}

func TestReasonEvidenceIsWhatDecided(t *testing.T) {
	ctx := context.Background()
	for _, tc := range evidenceCases {
		t.Run(tc.name, func(t *testing.T) {
			eng := mustLoad(t, logicFS(tc.when))
			v, err := eng.Evaluate(ctx, tc.answers)
			require.NoError(t, err)
			require.Len(t, v.Reasons, 1, tc.reason)
			require.Equal(t, "r0", v.Reasons[0].RuleID)
			assert.Equal(t, tc.want, evidenceIDs(v.Reasons[0].Evidence), tc.reason)
			for _, ev := range v.Reasons[0].Evidence {
				assert.Equal(t, tc.answers[ev.Question], ev.Value, "evidence carries the answer given")
			}

			// Explain's verdict agrees, and its Read keeps every answer the
			// rule read (for the shadowing case, conservatively, the
			// question a too: see compile's TestCompile/shadowed).
			x, err := eng.Explain(ctx, tc.answers)
			require.NoError(t, err)
			assert.Equal(t, v.Reasons, x.Verdict.Reasons, "Explain's verdict is Evaluate's")
			var read []string
			for qid := range tc.answers {
				if strings.Contains(tc.when, qid) {
					read = append(read, qid)
				}
			}
			require.Equal(t, "r0", x.Rules[0].RuleID)
			assert.ElementsMatch(t, read, evidenceIDs(x.Rules[0].Read), "Read lists every answer the rule read")
		})
	}
}

func evidenceIDs(ev []triage.Evidence) []string {
	out := []string{}
	for _, e := range ev {
		out = append(out, e.Question)
	}
	return out
}

// TestDecisiveEvidenceStillFires is the property behind Reason.Evidence:
// over generated answer sets, every fired rule still fires when only its
// evidence is given, and still fires whatever the other answers it reads
// are (left unanswered, or replaced by other generated answers). So the
// evidence alone decided it.
func TestDecisiveEvidenceStillFires(t *testing.T) {
	demo, err := fs.Sub(os.DirFS("testdata/corpus"), "demo")
	require.NoError(t, err)
	conds := make([]string, len(evidenceCases))
	for i, tc := range evidenceCases {
		conds[i] = tc.when
	}
	sets := []struct {
		name string
		fsys fs.FS
	}{
		{"default", rules.FS},
		{"demo", demo},
		{"logic", logicFS(conds...)},
	}
	ctx := context.Background()
	for _, set := range sets {
		t.Run(set.name, func(t *testing.T) {
			eng, err := triage.Load(set.fsys)
			require.NoError(t, err)
			qs := eng.Questions()
			rng := rand.New(rand.NewPCG(11, 11))
			fired, narrowed := 0, 0
			for i := range 500 {
				a := gen.Answers(rng, qs, []float64{0, 0.3}[i%2])
				if set.name == "logic" {
					moreTrue(rng, qs, a)
				}
				x, err := eng.Explain(ctx, a)
				require.NoError(t, err)
				for _, r := range x.Verdict.Reasons {
					fired++
					read := ruleRead(t, x, r.RuleID)
					require.Subset(t, read, r.Evidence, "evidence is among the answers read")
					narrowed += len(read) - len(r.Evidence)

					// Only the evidence: the rest of what the rule reads is unknown.
					only := triage.Answers{}
					for _, ev := range r.Evidence {
						only[ev.Question] = ev.Value
					}
					assertFires(t, eng, only, r.RuleID, "with only its evidence %v (from %v)", only, a)

					// The evidence with other values for everything else.
					for range 2 {
						other := gen.Answers(rng, qs, 0.2)
						if set.name == "logic" {
							moreTrue(rng, qs, other)
						}
						for k, v := range only {
							other[k] = v
						}
						assertFires(t, eng, other, r.RuleID, "with its evidence %v and other answers %v", only, other)
					}
				}
			}
			t.Logf("%d fired rules, %d answers read but not decisive", fired, narrowed)
			require.Positive(t, fired, "the generated answers fire rules")
			if set.name == "logic" {
				require.Positive(t, narrowed, "the logic set exercises evidence narrower than what was read")
			}
		})
	}
}

// moreTrue flips about a third of the answered booleans to true, so that
// conditions with || and ! fire often (gen's booleans are mostly false).
func moreTrue(rng *rand.Rand, qs []triage.Question, a triage.Answers) {
	for _, q := range qs {
		if _, ok := a[q.ID]; ok && q.Type == triage.BooleanType && rng.IntN(3) == 0 {
			a[q.ID] = true
		}
	}
}

func ruleRead(t *testing.T, x *triage.Explanation, id string) []triage.Evidence {
	t.Helper()
	for _, r := range x.Rules {
		if r.RuleID == id {
			return r.Read
		}
	}
	t.Fatalf("rule %s not in the explanation", id)
	return nil
}

func assertFires(t *testing.T, eng *triage.Engine, a triage.Answers, id string, msg string, args ...any) {
	t.Helper()
	v, err := eng.Evaluate(context.Background(), a)
	require.NoError(t, err)
	ok := slices.ContainsFunc(v.Reasons, func(r triage.Reason) bool { return r.RuleID == id })
	require.True(t, ok, "rule %s no longer fires %s", id, fmt.Sprintf(msg, args...))
}

// BenchmarkEvaluateTrackedEvidence measures Evaluate when a rule with an ||
// and a negation fires, so its tracking program runs to find the decisive
// answers, against the same answers firing a rule of && alone (no tracking
// program) and not firing the || rule. BenchmarkEvaluate's default rule
// set has only && rules and never runs one.
func BenchmarkEvaluateTrackedEvidence(b *testing.B) {
	for _, bc := range []struct {
		name, when string
		a          triage.Answers
	}{
		{"or_fired", trackedWhen, trackedAnswers(true)},
		{"and_fired", "can_walk && size(spots) > 0", trackedAnswers(true)},
		{"or_not_fired", trackedWhen, trackedAnswers(false)},
	} {
		b.Run(bc.name, func(b *testing.B) {
			eng := mustLoad(b, logicFS(bc.when))
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := eng.Evaluate(ctx, bc.a); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// trackedWhen is the example of a condition whose evidence needs
// the evaluation state.
const trackedWhen = "!can_walk || size(spots) > 0"

// trackedAnswers answers every question of logicFS; with fire, a tender
// spot fires trackedWhen.
func trackedAnswers(fire bool) triage.Answers {
	spots := []string{}
	if fire {
		spots = []string{"ribs"}
	}
	return triage.Answers{
		"a": false, "b": false, "can_walk": true, "spots": spots, "x": int64(2), "temp": 37.0,
		"side": "right", "self_pops": true, "relief_minutes": int64(30),
	}
}
