// Package bench compares redflag with peer engines on the default rule set.
// It is a separate module so that users of redflag never download the
// peers (expr, OPA).
//
// Every peer evaluates the same twenty rules over the same Go answers map
// and reports the same thing: the outcome (see_professional, incomplete or
// self_care) and the ids of the rules that fired. A missing answer is an
// absent key. Where a peer has no notion of an unknown value, each rule is
// written out in three-valued form by hand: it fires, it is decided not to
// fire, or it is undecided because an answer it needs is absent and the
// answers given do not decide it (short_relief is decided by self_pops ==
// false alone, or by relief_minutes >= 5 alone). Only redflag also lists
// the questions still to ask.
package bench

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/types"
	"github.com/expr-lang/expr"
	"github.com/expr-lang/expr/vm"
	"github.com/open-policy-agent/opa/v1/rego"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// Outcomes, as redflag names them.
const (
	SeeProfessional = "see_professional"
	Incomplete      = "incomplete"
	SelfCare        = "self_care"
)

// Evaluator is one engine loaded with the default rule set. Eval appends the
// ids of the rules that fired to fired[:0] and returns it, so that a caller
// that reuses the buffer measures the engine, not the result slice.
type Evaluator interface {
	Eval(ctx context.Context, a triage.Answers, fired []string) (outcome string, _ []string, err error)
}

// Peer names an engine and loads it.
type Peer struct {
	Name string
	Load func() (Evaluator, error)
}

// Peers lists the engines in the order tables show them, hand-written Go
// first: it is the physical limit the others are compared with.
func Peers() []Peer {
	return []Peer{
		{"go (hand-written)", func() (Evaluator, error) { return goRules{}, nil }},
		{"cel floor", loadCELFloor},
		{"redflag", loadRedflag},
		{"expr", loadExpr},
		{"opa", loadOPA},
	}
}

// Complete is the default rule set's complete answers used by redflag's own
// benchmarks: one referral (short_relief) and one caution
// (frequent_popping) fire.
func Complete() triage.Answers {
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

// Missing leaves fever, night_pain and pain_days unanswered, with no
// referral firing: the outcome is incomplete.
func Missing() triage.Answers {
	a := Complete()
	a["relief_minutes"] = int64(30)
	delete(a, "fever")
	delete(a, "night_pain")
	delete(a, "pain_days")
	return a
}

// boolReferrals are the refer rules that read one boolean question of the
// same id.
var boolReferrals = []string{
	"severe_osteoporosis", "inflammatory_condition", "recent_trauma", "shooting_arm_pain",
	"electric_pain", "needle_like_pain", "popping_pain", "pain_wraps_to_chest", "deep_breath_pain",
	"constant_stiffness", "clunking", "fever", "unexplained_weight_loss", "night_pain", "systemic_symptoms",
}

// outcome decides from whether a referral fired and whether one is
// undecided.
func outcome(referred, undecided bool) string {
	switch {
	case referred:
		return SeeProfessional
	case undecided:
		return Incomplete
	}
	return SelfCare
}

// --- redflag -------------------------------------------------------------

type redflag struct{ eng *triage.Engine }

func loadRedflag() (Evaluator, error) {
	eng, err := triage.Load(rules.FS)
	return redflag{eng}, err
}

func (r redflag) Eval(ctx context.Context, a triage.Answers, fired []string) (string, []string, error) {
	v, err := r.eng.Evaluate(ctx, a)
	if err != nil {
		return "", nil, err
	}
	fired = fired[:0]
	for _, reason := range v.Reasons {
		fired = append(fired, reason.RuleID)
	}
	return v.Outcome.String(), fired, nil
}

// --- hand-written Go -----------------------------------------------------

// goRules is the default rule set written by hand in Go, reading the
// answers map directly: the fastest these rules can be evaluated over it.
type goRules struct{}

// Eval evaluates every rule in rule-file order; a type assertion that fails
// is an absent answer.
func (goRules) Eval(_ context.Context, a triage.Answers, fired []string) (string, []string, error) {
	fired = fired[:0]
	referred, undecided := false, false
	refer := func(id string, yes, known bool) {
		switch {
		case !known:
			undecided = true
		case yes:
			referred = true
			fired = append(fired, id)
		}
	}
	for _, id := range boolReferrals[:4] { // history, then shooting_arm_pain
		b, ok := a[id].(bool)
		refer(id, b, ok)
	}
	numb, ok := a["numbness_tingling"].([]string)
	refer("numbness_tingling", len(numb) > 0, ok)
	for _, id := range boolReferrals[4:11] { // electric_pain .. clunking, in file order
		if id == "clunking" {
			days, ok := a["pain_days"].(int64)
			refer("pain_more_than_few_days", days > 3, ok)
		}
		b, ok := a[id].(bool)
		refer(id, b, ok)
	}
	pops, popsKnown := a["self_pops"].(bool)
	relief, reliefKnown := a["relief_minutes"].(int64)
	switch {
	case popsKnown && !pops, reliefKnown && relief >= 5:
		// decided: does not fire
	case popsKnown && reliefKnown:
		referred = true
		fired = append(fired, "short_relief")
	default:
		undecided = true
	}
	for _, id := range boolReferrals[11:] {
		b, ok := a[id].(bool)
		refer(id, b, ok)
	}
	if g, _ := a["grinding"].(bool); g {
		fired = append(fired, "grinding")
	}
	if n, ok := a["pops_per_day"].(int64); ok && pops && n >= 10 {
		fired = append(fired, "frequent_popping")
	}
	return outcome(referred, undecided), fired, nil
}

// --- bare CEL ------------------------------------------------------------

// celFloor is the rule set's conditions as plain cel-go programs, with
// nothing around them: no validation, no evidence, no verdict. Complete
// answers run the plain programs; answers with gaps run every program with
// partial evaluation, as a plain cel-go user would.
type celFloor struct {
	env           *cel.Env
	ids           []string
	refer         []bool
	fast, partial []cel.Program
}

// defaultRules is the default rule set as redflag loads it, read once: the
// CEL floor builds its programs from the same questions and conditions, and
// its load time should not include redflag's.
var defaultRules = sync.OnceValues(func() (*triage.Engine, error) { return triage.Load(rules.FS) })

func loadCELFloor() (Evaluator, error) {
	eng, err := defaultRules()
	if err != nil {
		return nil, err
	}
	var opts []cel.EnvOption
	for _, q := range eng.Questions() {
		t := map[triage.QuestionType]*cel.Type{
			triage.BooleanType: cel.BoolType, triage.IntegerType: cel.IntType, triage.NumberType: cel.DoubleType,
			triage.ChoiceType: cel.StringType, triage.MultiChoiceType: cel.ListType(cel.StringType),
		}[q.Type]
		opts = append(opts, cel.Variable(q.ID, t))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, err
	}
	f := &celFloor{env: env}
	for _, r := range eng.Rules() {
		ast, iss := env.Compile(r.When)
		if iss.Err() != nil {
			return nil, iss.Err()
		}
		p, err := env.Program(ast)
		if err != nil {
			return nil, err
		}
		pp, err := env.Program(ast, cel.EvalOptions(cel.OptPartialEval))
		if err != nil {
			return nil, err
		}
		f.ids, f.refer = append(f.ids, r.ID), append(f.refer, r.Action == triage.Refer)
		f.fast, f.partial = append(f.fast, p), append(f.partial, pp)
	}
	return f, nil
}

func (f *celFloor) Eval(_ context.Context, a triage.Answers, fired []string) (string, []string, error) {
	fired = fired[:0]
	var in any = map[string]any(a)
	progs := f.fast
	if len(a) < len(f.ids)+1 { // fewer answers than the 21 questions: some are missing
		// (the default rule set has 20 rules and 21 questions)
		act, err := f.env.PartialVars(in)
		if err != nil {
			return "", nil, err
		}
		in, progs = act, f.partial
	}
	referred, undecided := false, false
	for i, p := range progs {
		out, _, err := p.Eval(in)
		if err != nil {
			return "", nil, err
		}
		switch {
		case out == types.True:
			fired = append(fired, f.ids[i])
			referred = referred || f.refer[i]
		case types.IsUnknown(out):
			undecided = undecided || f.refer[i]
		}
	}
	return outcome(referred, undecided), fired, nil
}

// --- expr ----------------------------------------------------------------

// exprRules holds one compiled expr program per rule, each returning true,
// false, or nil for undecided, over the answers map as its environment (a
// missing key reads as nil).
type exprRules struct {
	ids   []string
	refer []bool
	progs []*vm.Program
}

func exprSources() [][3]string { // id, action, source
	var out [][3]string
	add := func(id, action, src string) { out = append(out, [3]string{id, action, src}) }
	for _, id := range boolReferrals[:4] {
		add(id, "refer", id)
	}
	add("numbness_tingling", "refer", "numbness_tingling == nil ? nil : len(numbness_tingling) > 0")
	for _, id := range boolReferrals[4:11] {
		if id == "clunking" {
			add("pain_more_than_few_days", "refer", "pain_days == nil ? nil : pain_days > 3")
		}
		add(id, "refer", id)
	}
	add("short_relief", "refer", "self_pops == false || (relief_minutes != nil && relief_minutes >= 5) ? false : (self_pops == nil || relief_minutes == nil ? nil : true)")
	for _, id := range boolReferrals[11:] {
		add(id, "refer", id)
	}
	add("grinding", "caution", "grinding == true")
	add("frequent_popping", "caution", "self_pops == true && pops_per_day != nil && pops_per_day >= 10")
	return out
}

func loadExpr() (Evaluator, error) {
	e := &exprRules{}
	for _, s := range exprSources() {
		p, err := expr.Compile(s[2])
		if err != nil {
			return nil, fmt.Errorf("expr: %s: %w", s[0], err)
		}
		e.ids, e.refer, e.progs = append(e.ids, s[0]), append(e.refer, s[1] == "refer"), append(e.progs, p)
	}
	return e, nil
}

func (e *exprRules) Eval(_ context.Context, a triage.Answers, fired []string) (string, []string, error) {
	fired = fired[:0]
	env := map[string]any(a)
	referred, undecided := false, false
	for i, p := range e.progs {
		out, err := expr.Run(p, env)
		if err != nil {
			return "", nil, fmt.Errorf("expr: %s: %w", e.ids[i], err)
		}
		switch out {
		case true:
			fired = append(fired, e.ids[i])
			referred = referred || e.refer[i]
		case nil:
			undecided = undecided || e.refer[i]
		}
	}
	return outcome(referred, undecided), fired, nil
}

// --- OPA -----------------------------------------------------------------

// regoPolicy is the rule set in Rego. A rule is undecided when an answer it
// needs is absent from input and the answers given do not decide it.
const regoPolicy = `package triage

bool_referrals := {
	"severe_osteoporosis", "inflammatory_condition", "recent_trauma", "shooting_arm_pain",
	"electric_pain", "needle_like_pain", "popping_pain", "pain_wraps_to_chest", "deep_breath_pain",
	"constant_stiffness", "clunking", "fever", "unexplained_weight_loss", "night_pain", "systemic_symptoms",
}

refer contains id if {
	some id in bool_referrals
	input[id] == true
}

refer contains "numbness_tingling" if count(input.numbness_tingling) > 0

refer contains "pain_more_than_few_days" if input.pain_days > 3

refer contains "short_relief" if {
	input.self_pops == true
	input.relief_minutes < 5
}

caution contains "grinding" if input.grinding == true

caution contains "frequent_popping" if {
	input.self_pops == true
	input.pops_per_day >= 10
}

answered(k) if object.get(input, k, null) != null

undecided contains id if {
	some id in bool_referrals
	not answered(id)
}

undecided contains "numbness_tingling" if not answered("numbness_tingling")

undecided contains "pain_more_than_few_days" if not answered("pain_days")

undecided contains "short_relief" if {
	not input.self_pops == false
	not input.relief_minutes >= 5
	not "short_relief" in refer
}

outcome := "see_professional" if {
	count(refer) > 0
} else := "incomplete" if {
	count(undecided) > 0
} else := "self_care"

result := {"outcome": outcome, "fired": refer | caution}
`

type opaRules struct{ q rego.PreparedEvalQuery }

func loadOPA() (Evaluator, error) {
	q, err := rego.New(rego.Query("data.triage.result"), rego.Module("triage.rego", regoPolicy)).
		PrepareForEval(context.Background())
	return &opaRules{q}, err
}

func (o *opaRules) Eval(ctx context.Context, a triage.Answers, fired []string) (string, []string, error) {
	rs, err := o.q.Eval(ctx, rego.EvalInput(map[string]any(a)))
	if err != nil {
		return "", nil, err
	}
	if len(rs) != 1 || len(rs[0].Expressions) != 1 {
		return "", nil, fmt.Errorf("opa: unexpected result %v", rs)
	}
	res, ok := rs[0].Expressions[0].Value.(map[string]any)
	if !ok {
		return "", nil, fmt.Errorf("opa: unexpected result %v", rs)
	}
	outcome, _ := res["outcome"].(string)
	ids, _ := res["fired"].([]any)
	fired = fired[:0]
	for _, id := range ids {
		s, _ := id.(string)
		fired = append(fired, s)
	}
	return outcome, fired, nil
}

// Sorted returns a sorted copy of ids, to compare fired rules across
// engines that report them in different orders.
func Sorted(ids []string) []string { return slices.Sorted(slices.Values(ids)) }

// Timed returns a function that evaluates a with e once, reusing one result
// buffer, for timing loops. It panics on an error: inputs are checked by
// TestPeersAgree first.
func Timed(e Evaluator, a triage.Answers) func() {
	ctx := context.Background()
	buf := make([]string, 0, 32)
	return func() {
		var err error
		if _, buf, err = e.Eval(ctx, a, buf); err != nil {
			panic(err)
		}
	}
}
