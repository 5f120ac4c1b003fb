package triage_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"cel.dev/cel-go/cel"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// benchAnswers are complete answers for the default rule set in the types
// CEL takes natively, with one referral and one caution firing.
func benchAnswers() triage.Answers {
	return triage.Answers{
		"shooting_arm_pain": false, "numbness_tingling": []string{}, "electric_pain": false,
		"needle_like_pain": false, "popping_pain": false, "pain_wraps_to_chest": false,
		"deep_breath_pain": false, "clunking": false, "grinding": false, "self_pops": true,
		"pops_per_day": int64(12), "relief_minutes": int64(3), "constant_stiffness": false,
		"pain_days": int64(2), "fever": false, "unexplained_weight_loss": false, "night_pain": false,
		"systemic_symptoms": false, "severe_osteoporosis": false, "inflammatory_condition": false,
		"recent_trauma": false,
	}
}

// benchMissing leaves three questions unanswered, so partial evaluation
// runs and the verdict is Incomplete.
func benchMissing() triage.Answers {
	a := benchAnswers()
	a["relief_minutes"] = int64(30)
	delete(a, "fever")
	delete(a, "night_pain")
	delete(a, "pain_days")
	return a
}

// BenchmarkEvaluate measures Evaluate on the default rule set. Compare it
// with BenchmarkCELFloor in the same run:
//
//	go test ./triage -run '^$' -bench 'Evaluate|CELFloor' -benchmem
func BenchmarkEvaluate(b *testing.B) {
	eng, err := triage.Load(rules.FS)
	require.NoError(b, err)
	ctx := context.Background()
	raw, err := json.Marshal(benchAnswers())
	require.NoError(b, err)
	fromJSON, err := parseAnswers(b, raw)
	require.NoError(b, err)
	for _, bc := range []struct {
		name    string
		answers triage.Answers
		want    triage.Outcome
	}{
		{"complete", benchAnswers(), triage.SeeProfessional},
		// As decoded from JSON: numbers arrive as json.Number, so the
		// answers are normalised into a copy first.
		{"complete-json", fromJSON, triage.SeeProfessional},
		{"missing", benchMissing(), triage.Incomplete},
	} {
		b.Run(bc.name, func(b *testing.B) {
			v, err := eng.Evaluate(ctx, bc.answers)
			require.NoError(b, err)
			require.Equal(b, bc.want, v.Outcome)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := eng.Evaluate(ctx, bc.answers); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// celFloor holds the default rule set's conditions as plain cel-go
// programs: the bare-CEL floor that Evaluate is measured against.
type celFloor struct {
	env           *cel.Env
	fast, partial []cel.Program
}

// celTypes are the CEL types of the question types.
var celTypes = map[triage.QuestionType]*cel.Type{
	triage.BooleanType: cel.BoolType, triage.IntegerType: cel.IntType, triage.NumberType: cel.DoubleType,
	triage.ChoiceType: cel.StringType, triage.MultiChoiceType: cel.ListType(cel.StringType),
}

// floorEnv declares the questions as typed CEL variables.
func floorEnv(qs []triage.Question) (*cel.Env, error) {
	opts := make([]cel.EnvOption, 0, len(qs))
	for _, q := range qs {
		opts = append(opts, cel.Variable(q.ID, celTypes[q.Type]))
	}
	return cel.NewEnv(opts...)
}

func newCELFloor(b *testing.B, eng *triage.Engine) *celFloor {
	env, err := floorEnv(eng.Questions())
	require.NoError(b, err)
	f := &celFloor{env: env}
	for _, r := range eng.Rules() {
		ast, iss := env.Compile(r.When)
		require.NoError(b, iss.Err())
		p, err := env.Program(ast)
		require.NoError(b, err)
		f.fast = append(f.fast, p)
		pp, err := env.Program(ast, cel.EvalOptions(cel.OptPartialEval))
		require.NoError(b, err)
		f.partial = append(f.partial, pp)
	}
	return f
}

// complete evaluates every condition over complete answers.
func (f *celFloor) complete(b *testing.B, in map[string]any) {
	for _, p := range f.fast {
		if _, _, err := p.Eval(in); err != nil {
			b.Fatal(err)
		}
	}
}

// missing evaluates every condition with partial evaluation, as a plain
// cel-go user would when some answers are absent.
func (f *celFloor) missing(b *testing.B, in map[string]any) {
	act, err := f.env.PartialVars(in)
	if err != nil {
		b.Fatal(err)
	}
	for _, p := range f.partial {
		if _, _, err := p.Eval(act); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCELFloor is the bare-CEL floor: the same rule conditions as
// plain cel-go programs over the same input, with nothing around them — no
// validation, no reasons, no verdict.
func BenchmarkCELFloor(b *testing.B) {
	eng, err := triage.Load(rules.FS)
	require.NoError(b, err)
	f := newCELFloor(b, eng)
	b.Run("complete", func(b *testing.B) {
		in := map[string]any(benchAnswers())
		b.ReportAllocs()
		for b.Loop() {
			f.complete(b, in)
		}
	})
	b.Run("missing", func(b *testing.B) {
		in := map[string]any(benchMissing())
		b.ReportAllocs()
		for b.Loop() {
			f.missing(b, in)
		}
	})
}

// interleave runs a and then base, 50 times each, per iteration and
// reports how many times base's time a takes, under unit. Interleaving
// makes the ratio far less sensitive to a noisy machine than two separate
// benchmarks. It also reports a's own time per call (ns/call).
func interleave(b *testing.B, unit string, a, base func()) {
	const batch = 50
	var tA, tBase time.Duration
	for b.Loop() {
		t0 := time.Now()
		for range batch {
			a()
		}
		t1 := time.Now()
		for range batch {
			base()
		}
		tA += t1.Sub(t0)
		tBase += time.Since(t1)
	}
	b.ReportMetric(float64(tA)/float64(tBase), unit)
	b.ReportMetric(float64(tA.Nanoseconds())/float64(b.N*batch), "ns/call")
}

// BenchmarkEvaluateVsFloor runs Evaluate and the bare-CEL floor interleaved,
// in batches, on the same input, and reports how many times the floor's
// time Evaluate takes ("x-floor"). The target for complete answers is at
// most 1.35 on one core:
//
//	go test ./triage -run '^$' -bench VsFloor -cpu 1 -count 5
func BenchmarkEvaluateVsFloor(b *testing.B) {
	eng, err := triage.Load(rules.FS)
	require.NoError(b, err)
	f := newCELFloor(b, eng)
	ctx := context.Background()
	for _, bc := range []struct {
		name    string
		answers triage.Answers
		floor   func(*testing.B, map[string]any)
	}{
		{"complete", benchAnswers(), f.complete},
		{"missing", benchMissing(), f.missing},
	} {
		b.Run(bc.name, func(b *testing.B) {
			interleave(b, "x-floor", func() {
				if _, err := eng.Evaluate(ctx, bc.answers); err != nil {
					b.Fatal(err)
				}
			}, func() { bc.floor(b, bc.answers) })
		})
	}
}

// BenchmarkLoad measures loading and checking the default rule set.
func BenchmarkLoad(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := triage.Load(rules.FS); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkNext measures Next on the default rule set: with nothing
// answered (every rule partially evaluated) and with three answers missing.
func BenchmarkNext(b *testing.B) {
	eng, err := triage.Load(rules.FS)
	require.NoError(b, err)
	ctx := context.Background()
	for _, bc := range []struct {
		name    string
		answers triage.Answers
	}{
		{"empty", triage.Answers{}},
		{"missing3", benchMissing()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, ok, err := eng.Next(ctx, bc.answers); err != nil || !ok {
					b.Fatalf("Next: ok=%v err=%v", ok, err)
				}
			}
		})
	}
}

// BenchmarkExplain measures Explain on complete answers and with three
// answers missing.
func BenchmarkExplain(b *testing.B) {
	eng, err := triage.Load(rules.FS)
	require.NoError(b, err)
	ctx := context.Background()
	for _, bc := range []struct {
		name    string
		answers triage.Answers
	}{
		{"complete", benchAnswers()},
		{"missing3", benchMissing()},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := eng.Explain(ctx, bc.answers); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkNextVsEvaluate runs Next on an empty questionnaire and Evaluate
// on complete answers interleaved and reports how many times Evaluate's
// time Next takes ("x-evaluate"; target at most 2) and Next's own time
// (ns/call; target at most 5,000):
//
//	go test ./triage -run '^$' -bench NextVsEvaluate -count 5
func BenchmarkNextVsEvaluate(b *testing.B) {
	eng, err := triage.Load(rules.FS)
	require.NoError(b, err)
	ctx := context.Background()
	complete := benchAnswers()
	interleave(b, "x-evaluate", func() {
		if _, ok, err := eng.Next(ctx, triage.Answers{}); err != nil || !ok {
			b.Fatalf("Next: ok=%v err=%v", ok, err)
		}
	}, func() {
		if _, err := eng.Evaluate(ctx, complete); err != nil {
			b.Fatal(err)
		}
	})
}

// compileFloor compiles the rule set's conditions (every when and ask_if)
// as plain cel-go programs over a fresh environment: the least any loader
// of these conditions must do.
func compileFloor(qs []triage.Question, conds []string) error {
	env, err := floorEnv(qs)
	if err != nil {
		return err
	}
	for _, src := range conds {
		ast, iss := env.Compile(src)
		if iss.Err() != nil {
			return iss.Err()
		}
		if _, err := env.Program(ast); err != nil {
			return err
		}
	}
	return nil
}

// BenchmarkLoadVsCELCompile runs Load of the default rule set and the
// bare-CEL compile of the same conditions interleaved and reports how many
// times the compile's time Load takes ("x-compile"; target at most 3):
//
//	go test ./triage -run '^$' -bench LoadVsCELCompile -count 5
func BenchmarkLoadVsCELCompile(b *testing.B) {
	eng, err := triage.Load(rules.FS)
	require.NoError(b, err)
	qs := eng.Questions()
	var conds []string
	for _, r := range eng.Rules() {
		conds = append(conds, r.When)
	}
	for _, q := range qs {
		if q.AskIf != "" {
			conds = append(conds, q.AskIf)
		}
	}
	require.NoError(b, compileFloor(qs, conds))
	interleave(b, "x-compile", func() {
		if _, err := triage.Load(rules.FS); err != nil {
			b.Fatal(err)
		}
	}, func() {
		if err := compileFloor(qs, conds); err != nil {
			b.Fatal(err)
		}
	})
}
