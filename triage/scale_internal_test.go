package triage

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
)

// generatedRuleSet writes a rule set of n rules over q questions (q ≤ n,
// so every question is read). Question i is of type i mod 5 (boolean,
// integer, number, choice, multichoice); every tenth question from the
// tenth on is a follow-up asked when the boolean nine before it holds.
// Rule j reads questions j, j+1 and j+3 (mod q) in one of four shapes
// (&&, ||, !, a comprehension), with the guards of any follow-up it reads
// as leading && operands; every fourth rule is a caution.
func generatedRuleSet(n, q int) fstest.MapFS {
	var b strings.Builder
	b.WriteString("name: generated\nversion: 1.0.0\ntitle: Generated\nsources:\n  - id: doc\n    title: D\nquestions:\n")
	for i := range q {
		fmt.Fprintf(&b, "  - {id: q%d, text: Q, type: %s", i, genTypes[i%5])
		switch i % 5 {
		case 3:
			b.WriteString(", choices: [{value: high, label: High}, {value: low, label: Low}]")
		case 4:
			b.WriteString(", choices: [{value: red, label: Red}, {value: blue, label: Blue}]")
		}
		if genFollowUp(i) {
			fmt.Fprintf(&b, ", ask_if: 'q%d'", i-9)
		}
		b.WriteString("}\n")
	}
	b.WriteString("rules:\n")
	for j := range n {
		action := "refer"
		if j%4 == 3 {
			action = "caution"
		}
		fmt.Fprintf(&b, "  - {id: r%d, title: T, when: '%s', action: %s, advice: A, cite: {source: doc, section: S}}\n",
			j, genCondition(j, q), action)
	}
	return fstest.MapFS{"r.yaml": {Data: []byte(b.String())}}
}

var genTypes = [5]string{"boolean", "integer", "number", "choice", "multichoice"}

func genFollowUp(i int) bool { return i%10 == 9 }

// genTerm is a boolean term reading question i.
func genTerm(i int) string {
	switch i % 5 {
	case 0:
		return fmt.Sprintf("q%d", i)
	case 1:
		return fmt.Sprintf("q%d > 5", i)
	case 2:
		return fmt.Sprintf("q%d >= 38.5", i)
	case 3:
		return fmt.Sprintf(`q%d == "high"`, i)
	}
	return fmt.Sprintf(`q%d.exists(c, c == "red")`, i)
}

func genCondition(j, q int) string {
	reads := []int{j % q, (j + 1) % q, (j + 3) % q}
	a, b, c := genTerm(reads[0]), genTerm(reads[1]), genTerm(reads[2])
	var body string
	switch j % 4 {
	case 0:
		body = a + " && " + b
	case 1:
		body = fmt.Sprintf("%s && (%s || !(%s))", a, b, c)
	case 2:
		body = fmt.Sprintf("%s && !(%s) && %s", a, b, c)
	default:
		body = a + " && " + c
	}
	var guards []string
	for _, i := range reads {
		if genFollowUp(i) {
			guards = append(guards, fmt.Sprintf("q%d", i-9))
		}
	}
	return strings.Join(append(guards, body), " && ")
}

// generatedAnswers answers all q questions of a generated rule set: the
// guards of follow-ups true, every other boolean false, numbers below
// their thresholds.
func generatedAnswers(q int) Answers {
	a := Answers{}
	for i := range q {
		id := fmt.Sprintf("q%d", i)
		switch i % 5 {
		case 0:
			a[id] = i+9 < q && genFollowUp(i+9)
		case 1:
			a[id] = int64(1)
		case 2:
			a[id] = 36.6
		case 3:
			a[id] = "low"
		case 4:
			a[id] = []string{}
		}
	}
	return a
}

// genLimits raises the limits enough for a generated rule set of n rules.
func genLimits(n int) Option {
	return WithLimits(Limits{Rules: max(n, 500)})
}

// TestBlankStatesMatchPartialEvaluation checks every precomputed blank
// state (Condition.Blank, what a condition gives when nothing it reads is
// answered) against a fresh partial evaluation with nothing answered, for
// every rule and ask_if of the default rule set and of generated rule
// sets. Evaluation returns the precomputed state instead of evaluating,
// so the two must agree exactly: same result, same questions, same order.
func TestBlankStatesMatchPartialEvaluation(t *testing.T) {
	sets := []struct {
		name, reason string
		load         func() (*Engine, error)
	}{
		{"default", "the rule set people use", func() (*Engine, error) { return Load(rules.FS) }},
		{"generated-20", "&&, ||, !, comprehensions and guarded follow-ups", func() (*Engine, error) {
			return Load(generatedRuleSet(20, 20), genLimits(20))
		}},
		{"generated-100", "every question type in every rule shape", func() (*Engine, error) {
			return Load(generatedRuleSet(100, 100), genLimits(100))
		}},
	}
	for _, tc := range sets {
		t.Run(tc.name, func(t *testing.T) {
			eng, err := tc.load()
			require.NoError(t, err, tc.reason)
			conds := map[string]*condition{}
			for _, r := range eng.rules {
				conds["rule "+r.ID] = r.when
			}
			for _, q := range eng.questions {
				if q.askIf != nil {
					conds["ask_if of "+q.ID] = q.askIf
				}
			}
			require.NotEmpty(t, conds)
			given := make([]any, len(eng.questions))
			for name, c := range conds {
				require.NotNil(t, c.Blank, "%s: %s has no precomputed state", tc.reason, name)
				fresh := *c.Condition
				fresh.Blank = nil // force partial evaluation
				s := evalState{e: eng, ctx: context.Background(), vars: &answerVars{names: eng.names, vals: given}}
				res, qs, err := s.eval(&condition{Condition: &fresh, pos: c.pos}, given)
				require.NoError(t, err, name)
				assert.Equal(t, unknownResult, res, "%s: %s", tc.reason, name)
				assert.Equal(t, qs, c.Blank, "%s: %s", tc.reason, name)
				assert.NotEmpty(t, c.Blank, name)
			}
		})
	}
}

// TestGeneratedRuleSetsEvaluate checks that the generated rule sets the
// scale benchmarks use load and evaluate as intended: complete answers
// are decided, nothing answered is incomplete and Next asks the first
// question.
func TestGeneratedRuleSetsEvaluate(t *testing.T) {
	for _, n := range []int{20, 100} {
		eng, err := Load(generatedRuleSet(n, n), genLimits(n))
		require.NoError(t, err)
		v, err := eng.Evaluate(context.Background(), generatedAnswers(n))
		require.NoError(t, err)
		assert.NotEqual(t, Incomplete, v.Outcome, "complete answers decide the outcome")
		q, ok, err := eng.Next(context.Background(), Answers{})
		require.NoError(t, err)
		require.True(t, ok)
		assert.Equal(t, "q0", q.ID)
	}
}

// BenchmarkScale loads and evaluates generated rule sets of 20, 100 and
// 1,000 rules (over as many questions) and reports the cost per rule,
// which stays roughly constant if Load, Evaluate and Next are linear in
// the rules and the questions they read:
//
//	go test ./triage -run '^$' -bench Scale -benchmem
func BenchmarkScale(b *testing.B) {
	for _, n := range []int{20, 100, 1000} {
		fsys := generatedRuleSet(n, n)
		eng, err := Load(fsys, genLimits(n))
		require.NoError(b, err)
		ctx := context.Background()
		complete := generatedAnswers(n)
		perRule := func(b *testing.B) {
			b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N)/float64(n), "ns/rule")
		}
		b.Run(fmt.Sprintf("load/rules=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := Load(fsys, genLimits(n)); err != nil {
					b.Fatal(err)
				}
			}
			perRule(b)
		})
		b.Run(fmt.Sprintf("evaluate/rules=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := eng.Evaluate(ctx, complete); err != nil {
					b.Fatal(err)
				}
			}
			perRule(b)
		})
		b.Run(fmt.Sprintf("next-empty/rules=%d", n), func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok, err := eng.Next(ctx, Answers{}); err != nil || !ok {
					b.Fatalf("Next: ok=%v err=%v", ok, err)
				}
			}
			perRule(b)
		})
	}
}
