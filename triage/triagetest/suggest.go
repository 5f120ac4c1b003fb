package triagetest

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"go.yaml.in/yaml/v3"

	"github.com/redflagkit/redflag/triage"
)

// A mutant that survives at a comparison (pain_days > 3 made pain_days >= 3,
// or pain_days > 4) means no case answers the question at the boundary.
// Mutation testing then looks for the case that would kill it: it starts
// from each fixture and passing case, nearest to the boundary first, sets
// the answer to the compared number and to the numbers either side of it,
// evaluates the answers with the rule set and with the mutant, and keeps
// the first that tells them apart: preferably by the outcome, else by
// whether the rule fires. Each suggestion is run as a test case against
// both before it is made, so it is never a guess.

// Suggestion is a test case that would kill a surviving mutant: it passes
// against the rule set and fails against the mutant.
type Suggestion struct {
	// Question and Value are the answer at the boundary: the question the
	// mutated comparison reads, and the value where the rule and the mutant
	// part.
	Question string `json:"question"`
	Value    any    `json:"value"`
	// Outcome (when the rule set and the mutant reach different outcomes),
	// Fires and NotFires are what the case expects, as in a test file.
	Outcome  triage.Outcome `json:"outcome,omitzero"`
	Fires    []string       `json:"fires,omitempty"`
	NotFires []string       `json:"not_fires,omitempty"`
	// Like names the case whose answers the suggestion starts from; ""
	// when it starts from its baseline alone.
	Like string `json:"like,omitempty"`
	// Baseline and Answers are the suggested case's fixture ("" for none)
	// and its own answers, the boundary answer among them; a nil answer is
	// null (unanswered), as in the case it starts from.
	Baseline string         `json:"baseline,omitempty"`
	Answers  triage.Answers `json:"answers"`
	// Case is the suggested case as one line of YAML, ready to add under
	// cases: in a *_test.yaml file.
	Case string `json:"case"`
}

// String says what case to add: "add a case with pain_days: 3 expecting
// outcome: self_care, not_fires: [long_pain]".
func (s Suggestion) String() string {
	return fmt.Sprintf("add a case with %s: %s expecting %s", s.Question, yamlText(s.Value), strings.Join(s.expectations(), ", "))
}

func (s Suggestion) expectations() []string {
	var out []string
	if s.Outcome != 0 {
		out = append(out, "outcome: "+s.Outcome.String())
	}
	if s.Fires != nil {
		out = append(out, "fires: "+list(s.Fires))
	}
	if s.NotFires != nil {
		out = append(out, "not_fires: "+list(s.NotFires))
	}
	return out
}

// boundary is a comparison of a question with a number.
type boundary struct {
	question string
	at       float64
}

// boundaryOf returns the comparison of a question with a number that n
// makes (pain_days > 3, 3 < pain_days), or nil.
func boundaryOf(n ast.Expr) *boundary {
	if n.Kind() != ast.CallKind || flips[n.AsCall().FunctionName()] == "" {
		return nil
	}
	args := n.AsCall().Args()
	if len(args) != 2 {
		return nil
	}
	for j, arg := range args {
		lit := args[1-j]
		if arg.Kind() == ast.IdentKind && isNumber(lit) {
			return &boundary{question: arg.AsIdent(), at: literalFloat(lit.AsLiteral())}
		}
	}
	return nil
}

func literalFloat(v any) float64 {
	switch x := v.(type) {
	case types.Int:
		return float64(x)
	case types.Uint:
		return float64(x)
	case types.Double:
		return float64(x)
	}
	return math.NaN()
}

// start is answers a suggested case can start from: a fixture, or a case.
type start struct {
	like, baseline string
	own            []answer
	answers        triage.Answers
	dist           float64 // from the boundary; +Inf when not answered with a number
}

// suggest looks for a case that tells meng, a surviving mutant of rule r
// made at comparison b, from the rule set. It returns nil when none of
// the answers tried does, or the question is not a number.
func (mr *mutationRun) suggest(r triage.Rule, meng *triage.Engine, b *boundary) (*Suggestion, error) {
	q, ok := questionByID(mr.eng, b.question)
	if !ok || (q.Type != triage.IntegerType && q.Type != triage.NumberType) {
		return nil, nil
	}
	starts := mr.starts(b)
	values := boundaryValues(q, b.at)
	for _, byOutcome := range []bool{true, false} {
		for _, st := range starts {
			for _, v := range values {
				if err := mr.ctx.Err(); err != nil {
					return nil, err
				}
				if s := mr.tell(r, meng, st, q.ID, v, byOutcome); s != nil {
					return s, nil
				}
			}
		}
	}
	return nil, nil
}

// starts lists the fixtures and the passing cases whose answers are
// accepted, nearest to the boundary first; fixtures first among equals,
// since a case on a fixture alone is the simplest to read.
func (mr *mutationRun) starts(b *boundary) []start {
	var out []start
	for _, f := range mr.suite.fixtures {
		out = append(out, start{baseline: f.name, answers: f.answers, dist: distance(f.answers[b.question], b.at)})
	}
	for _, tc := range mr.cases {
		if tc.Expect.Invalid == nil {
			out = append(out, start{like: tc.Name, baseline: tc.Baseline, own: tc.own, answers: tc.Answers, dist: distance(tc.Answers[b.question], b.at)})
		}
	}
	slices.SortStableFunc(out, func(x, y start) int { return cmp.Compare(x.dist, y.dist) })
	return out
}

func distance(v any, at float64) float64 {
	switch x := v.(type) {
	case int64:
		return math.Abs(float64(x) - at)
	case float64:
		return math.Abs(x - at)
	}
	return math.Inf(1)
}

// boundaryValues lists the answers to q to try at a comparison with at:
// the number itself, then the whole numbers (or, for a number question,
// the numbers one away) either side, within the question's bounds.
func boundaryValues(q triage.Question, at float64) []any {
	var out []any
	try := []float64{at, at + 1, at - 1}
	if q.Type == triage.IntegerType {
		try = []float64{math.Ceil(at), math.Ceil(at) + 1, math.Floor(at), math.Floor(at) - 1}
	}
	for _, f := range try {
		if (q.Min != nil && f < *q.Min) || (q.Max != nil && f > *q.Max) || math.IsInf(f, 0) || math.IsNaN(f) {
			continue
		}
		var v any = f
		if q.Type == triage.IntegerType {
			if f < math.MinInt64 || f >= math.MaxInt64 {
				continue
			}
			v = int64(f)
		}
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}

// tell tries st with question q answered v: it returns a suggestion when
// the rule set and meng differ on it (byOutcome: in the outcome), checked
// by running it as a case against both.
func (mr *mutationRun) tell(r triage.Rule, meng *triage.Engine, st start, q string, v any, byOutcome bool) *Suggestion {
	answers := maps.Clone(st.answers)
	if answers == nil {
		answers = triage.Answers{}
	}
	answers[q] = v
	want, err := mr.eng.Evaluate(mr.ctx, answers)
	if err != nil {
		return nil
	}
	got, err := meng.Evaluate(mr.ctx, answers)
	if err != nil {
		return nil
	}
	var exp Expectation
	if want.Outcome != got.Outcome {
		exp.Outcome = want.Outcome
	} else if byOutcome {
		return nil
	}
	switch fw, fg := fires(want, r.ID), fires(got, r.ID); {
	case fw && !fg:
		exp.Fires = []string{r.ID}
	case !fw && fg:
		exp.NotFires = []string{r.ID}
	}
	if exp.Outcome == 0 && exp.Fires == nil && exp.NotFires == nil {
		return nil
	}
	tc := TestCase{Answers: answers, Expect: exp}
	if !runCase(mr.ctx, mr.eng, tc).Passed || runCase(mr.ctx, meng, tc).Passed {
		return nil
	}
	s := &Suggestion{
		Question: q, Value: v, Outcome: exp.Outcome, Fires: exp.Fires, NotFires: exp.NotFires,
		Like: st.like, Baseline: st.baseline, Answers: triage.Answers{},
	}
	own := ownWith(st, q, v)
	for _, a := range own {
		s.Answers[a.question] = a.value
	}
	s.Case = s.caseLine(mr.caseName(r.ID, exp, q, v), own)
	return s
}

func fires(v *triage.Verdict, rule string) bool {
	return slices.ContainsFunc(v.Reasons, func(r triage.Reason) bool { return r.RuleID == rule })
}

// ownWith returns st's own answers with q answered v: in place when st
// answers q itself, else added.
func ownWith(st start, q string, v any) []answer {
	own := slices.Clone(st.own)
	if i := slices.IndexFunc(own, func(a answer) bool { return a.question == q }); i >= 0 {
		own[i].value = v
		return own
	}
	return append(own, answer{q, v})
}

// caseName names the suggested case after what it shows, distinct from
// the suite's cases.
func (mr *mutationRun) caseName(rule string, exp Expectation, q string, v any) string {
	what := "is " + exp.Outcome.String()
	switch {
	case exp.Fires != nil:
		what = rule + " fires"
	case exp.NotFires != nil:
		what = rule + " does not fire"
	}
	base := fmt.Sprintf("%s at %s %s", what, q, yamlText(v))
	name := base
	for n := 2; slices.ContainsFunc(mr.suite.Cases, func(tc TestCase) bool { return tc.Name == name }); n++ {
		name = fmt.Sprintf("%s (%d)", base, n)
	}
	return name
}

// caseLine writes the suggested case as a one-line YAML list item.
func (s Suggestion) caseLine(name string, own []answer) string {
	item := flowMap()
	addPair(item, "name", name)
	if s.Baseline != "" {
		addPair(item, "baseline", s.Baseline)
	}
	answers := flowMap()
	for _, a := range own {
		addPair(answers, a.question, a.value)
	}
	item.Content = append(item.Content, scalar("answers"), answers)
	expect := flowMap()
	if s.Outcome != 0 {
		addPair(expect, "outcome", s.Outcome.String())
	}
	if s.Fires != nil {
		addPair(expect, "fires", s.Fires)
	}
	if s.NotFires != nil {
		addPair(expect, "not_fires", s.NotFires)
	}
	item.Content = append(item.Content, scalar("expect"), expect)
	return "- " + yamlText(item)
}

func flowMap() *yaml.Node { return &yaml.Node{Kind: yaml.MappingNode, Style: yaml.FlowStyle} }

func scalar(s string) *yaml.Node { return &yaml.Node{Kind: yaml.ScalarNode, Value: s} }

func addPair(m *yaml.Node, key string, v any) {
	var n yaml.Node
	if err := n.Encode(v); err != nil {
		n = *scalar(fmt.Sprint(v))
	}
	n.Style |= yaml.FlowStyle
	m.Content = append(m.Content, scalar(key), &n)
}

// yamlText writes v as YAML on one line: 3, true, null, [a, b].
func yamlText(v any) string {
	if n, ok := v.(*yaml.Node); ok {
		v = n
	} else {
		var n yaml.Node
		if err := n.Encode(v); err == nil {
			n.Style |= yaml.FlowStyle
			v = &n
		}
	}
	out, err := yaml.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return strings.TrimSuffix(string(out), "\n")
}

// questionByID returns the question of eng with the given id.
func questionByID(eng *triage.Engine, id string) (triage.Question, bool) {
	for _, q := range eng.Questions() {
		if q.ID == id {
			return q, true
		}
	}
	return triage.Question{}, false
}
