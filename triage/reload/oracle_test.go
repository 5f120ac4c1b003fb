package reload_test

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/redflagkit/redflag/triage"
)

// This file re-implements the default rule set (rules/*.yaml) in plain Go,
// independently of CEL and of the engine, as an oracle for the soak test.
// It was written by reading the rule files, not the engine's code.

// tri is a three-valued truth: an unanswered question makes a condition
// unknown unless the answered part already decides it.
type tri int8

const (
	fls tri = iota
	tru
	unk
)

func and(a, b tri) tri {
	switch {
	case a == fls || b == fls:
		return fls
	case a == tru && b == tru:
		return tru
	}
	return unk
}

// oracleQuestions is the questionnaire order of rules/questions.yaml.
var oracleQuestions = []string{
	"shooting_arm_pain", "numbness_tingling", "electric_pain", "needle_like_pain", "popping_pain",
	"pain_wraps_to_chest", "deep_breath_pain", "constant_stiffness", "clunking", "grinding",
	"self_pops", "pops_per_day", "relief_minutes", "pain_days", "fever", "unexplained_weight_loss",
	"night_pain", "systemic_symptoms", "severe_osteoporosis", "inflammatory_condition", "recent_trauma",
}

// oracleAnswers are validated answers in plain Go types; a missing key is
// unanswered.
type oracleAnswers struct {
	bools   map[string]bool
	ints    map[string]int64
	numb    []string // numbness_tingling
	hasNumb bool
}

type oracleRule struct {
	id    string
	refer bool
	when  func(a *oracleAnswers) tri
	// needs lists, for an undecided result, the questions to ask now.
	needs func(a *oracleAnswers) []string
}

func boolRule(id string) oracleRule {
	return oracleRule{id: id, refer: true, when: func(a *oracleAnswers) tri {
		v, ok := a.bools[id]
		switch {
		case !ok:
			return unk
		case v:
			return tru
		}
		return fls
	}, needs: func(*oracleAnswers) []string { return []string{id} }}
}

func intTri(a *oracleAnswers, id string, pred func(int64) bool) tri {
	v, ok := a.ints[id]
	switch {
	case !ok:
		return unk
	case pred(v):
		return tru
	}
	return fls
}

func boolTri(a *oracleAnswers, id string) tri {
	v, ok := a.bools[id]
	switch {
	case !ok:
		return unk
	case v:
		return tru
	}
	return fls
}

// poppingNeeds is what a "self_pops && <follow-up>" rule needs when it is
// undecided: self_pops while it is unanswered (the follow-up cannot be
// asked yet), otherwise the follow-up.
func poppingNeeds(followUp string) func(a *oracleAnswers) []string {
	return func(a *oracleAnswers) []string {
		if _, ok := a.bools["self_pops"]; !ok {
			return []string{"self_pops"}
		}
		return []string{followUp}
	}
}

// oracleRules are the rules in reporting order: refer rules, then caution
// rules, each in file-name order and then order within a file (history,
// nerve, pain, popping, systemic).
var oracleRules = []oracleRule{
	boolRule("severe_osteoporosis"),
	boolRule("inflammatory_condition"),
	boolRule("recent_trauma"),
	boolRule("shooting_arm_pain"),
	{id: "numbness_tingling", refer: true, when: func(a *oracleAnswers) tri {
		if !a.hasNumb {
			return unk
		}
		if len(a.numb) > 0 {
			return tru
		}
		return fls
	}, needs: func(*oracleAnswers) []string { return []string{"numbness_tingling"} }},
	boolRule("electric_pain"),
	boolRule("needle_like_pain"),
	boolRule("popping_pain"),
	boolRule("pain_wraps_to_chest"),
	boolRule("deep_breath_pain"),
	boolRule("constant_stiffness"),
	{id: "pain_more_than_few_days", refer: true, when: func(a *oracleAnswers) tri {
		return intTri(a, "pain_days", func(d int64) bool { return d > 3 })
	}, needs: func(*oracleAnswers) []string { return []string{"pain_days"} }},
	boolRule("clunking"),
	{id: "short_relief", refer: true, when: func(a *oracleAnswers) tri {
		return and(boolTri(a, "self_pops"), intTri(a, "relief_minutes", func(m int64) bool { return m < 5 }))
	}, needs: poppingNeeds("relief_minutes")},
	boolRule("fever"),
	boolRule("unexplained_weight_loss"),
	boolRule("night_pain"),
	boolRule("systemic_symptoms"),
	// Cautions.
	{id: "grinding", when: func(a *oracleAnswers) tri { return boolTri(a, "grinding") }},
	{id: "frequent_popping", when: func(a *oracleAnswers) tri {
		return and(boolTri(a, "self_pops"), intTri(a, "pops_per_day", func(n int64) bool { return n >= 10 }))
	}},
}

// oracleVerdict is what the default rules say about valid answers.
type oracleVerdict struct {
	outcome triage.Outcome
	fired   []string
	missing []string
}

func oracle(a *oracleAnswers) oracleVerdict {
	v := oracleVerdict{fired: []string{}, missing: []string{}}
	referFired := false
	need := map[string]bool{}
	for _, r := range oracleRules {
		switch r.when(a) {
		case tru:
			v.fired = append(v.fired, r.id)
			referFired = referFired || r.refer
		case unk:
			if r.refer {
				for _, q := range r.needs(a) {
					need[q] = true
				}
			}
		}
	}
	switch {
	case referFired:
		v.outcome = triage.SeeProfessional
	case len(need) > 0:
		v.outcome = triage.Incomplete
		for _, q := range oracleQuestions {
			if need[q] {
				v.missing = append(v.missing, q)
			}
		}
	default:
		v.outcome = triage.SelfCare
	}
	return v
}

// genAnswers draws a random answer set for the default rules, in every Go
// form Evaluate accepts, with the plain-Go answers the oracle reads. valid
// is false when some answer is invalid (the engine must refuse the set).
func genAnswers(rng *rand.Rand) (a triage.Answers, o *oracleAnswers, valid bool) {
	a = triage.Answers{}
	o = &oracleAnswers{bools: map[string]bool{}, ints: map[string]int64{}}
	valid = true
	choices := []string{"fingers", "arms", "chest"}
	// A third of the sets answer every question validly, with red flags
	// rare, so that self-care is common enough to be tested.
	complete := rng.IntN(3) == 0
	flagOdds := 12
	if complete {
		flagOdds = 40
	}
	for _, q := range oracleQuestions {
		roll := rng.IntN(100)
		if complete {
			roll = 100
		}
		switch {
		case roll < 15: // absent
			continue
		case roll < 20: // null, or a nil slice for the multichoice
			if q == "numbness_tingling" && rng.IntN(2) == 0 {
				a[q] = []string(nil)
			} else {
				a[q] = nil
			}
			continue
		case roll < 22: // invalid
			valid = false
			a[q] = []any{"yes", -1, 2.5, json.Number("1e999"), []string{"toes"}, map[string]any{}}[rng.IntN(6)]
			if q == "numbness_tingling" {
				a[q] = [][]string{{"toes"}, {"arms", "arms"}}[rng.IntN(2)]
			}
			continue
		}
		switch q {
		case "numbness_tingling":
			l := []string{}
			for _, c := range choices {
				if rng.IntN(6) == 0 {
					l = append(l, c)
				}
			}
			o.numb, o.hasNumb = l, true
			if rng.IntN(2) == 0 {
				anyL := make([]any, len(l))
				for i, s := range l {
					anyL[i] = s
				}
				a[q] = anyL
			} else {
				a[q] = l
			}
		case "pops_per_day", "relief_minutes", "pain_days":
			n := int64(rng.IntN(14))
			o.ints[q] = n
			a[q] = []any{n, int(n), float64(n), json.Number(fmt.Sprint(n))}[rng.IntN(4)]
		default:
			b := rng.IntN(flagOdds) == 0 // mostly negative, so all outcomes occur
			o.bools[q] = b
			a[q] = b
		}
	}
	if !complete && rng.IntN(50) == 0 {
		a["fevre"] = true // an unknown question
		valid = false
	}
	return a, o, valid
}

// agree reports how a verdict differs from the oracle's, or "".
func agree(v *triage.Verdict, want oracleVerdict) string {
	fired := make([]string, len(v.Reasons))
	for i, r := range v.Reasons {
		fired[i] = r.RuleID
	}
	switch {
	case v.Outcome != want.outcome:
		return fmt.Sprintf("outcome %v, oracle %v", v.Outcome, want.outcome)
	case !slices.Equal(fired, want.fired):
		return fmt.Sprintf("fired %v, oracle %v", fired, want.fired)
	case !slices.Equal(v.Missing, want.missing):
		return fmt.Sprintf("missing %v, oracle %v", v.Missing, want.missing)
	}
	return ""
}
