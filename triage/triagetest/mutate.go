package triagetest

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"strings"
	"testing/fstest"

	"cel.dev/cel-go/common"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/common/types/ref"
	"cel.dev/cel-go/parser"
	"go.yaml.in/yaml/v3"

	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/internal/ruleset"
)

// Mutation testing asks whether the cases would notice a broken rule. Each
// mutant is one small, plausible mistake in one rule, made on the parsed CEL
// expression (never by editing its text): a comparison's boundary flipped,
// a threshold moved by one, && and || swapped, one operand of && or ||
// dropped, the whole condition negated, or a refer rule turned into a
// caution (and a caution into a refer). The mutated expression is printed
// back with cel-go's unparser and the whole rule set is loaded again with
// it, so a mutant the loader refuses (a dropped follow-up guard, say) is
// reported as refused rather than run.

// MutantStatus is what became of a mutant.
type MutantStatus string

// Mutant statuses.
const (
	// Killed: some case failed against the mutant, as it should.
	Killed MutantStatus = "killed"
	// Survived: every case passed against the mutant; the cases cannot
	// tell this mistake from the rule.
	Survived MutantStatus = "survived"
	// Refused: the loader rejected the mutant, so no case needs to catch
	// it. Refused mutants do not count towards the score.
	Refused MutantStatus = "refused"
	// Equivalent: the suite declares that no answers can tell the mutant
	// from the rule (equivalent_mutants in a test file), and no case did.
	// Not counted.
	Equivalent MutantStatus = "equivalent"
)

// Mutant is one deliberately broken version of one rule.
type Mutant struct {
	// Rule is the mutated rule's id.
	Rule string `json:"rule"`
	// Operator describes the mistake, like "< to <=" or "threshold 3 to 4".
	Operator string `json:"operator"`
	// Original and Mutated are the rule's condition before and after. For
	// an action mutant, Mutated is "action: caution" (or "action: refer").
	Original string `json:"original"`
	Mutated  string `json:"mutated"`
	// Pos is where the mutation is in the rule file: the mutated operator
	// or literal when it can be located, else the condition.
	Pos triage.Position `json:"pos"`
	// Status is what became of the mutant.
	Status MutantStatus `json:"status"`
	// KilledBy names the first case that failed against the mutant.
	KilledBy string `json:"killed_by,omitempty"`
	// Refusal is the loader's first error, for a refused mutant, as
	// "id: message" (its position would point into the rewritten file).
	Refusal string `json:"refusal,omitempty"`
	// Reason is the suite's reason, for an equivalent mutant.
	Reason string `json:"reason,omitempty"`
	// Suggestion is, for a surviving mutant of a comparison (a boundary
	// flipped or a threshold moved), a test case that would kill it,
	// checked to pass against the rule set and to fail against the mutant;
	// nil when none of the answers tried tells them apart.
	Suggestion *Suggestion `json:"suggestion,omitempty"`
}

// String renders a mutant on one line: "file:line:col: rule: op: mutated".
func (m Mutant) String() string {
	return fmt.Sprintf("%s: %s: %s: %s", m.Pos, m.Rule, m.Operator, m.Mutated)
}

// MutationReport is the result of mutation testing.
type MutationReport struct {
	Mutants []Mutant `json:"mutants"`
	// Killed, Survived, Refused and Equivalent count Mutants by status.
	Killed     int `json:"killed"`
	Survived   int `json:"survived"`
	Refused    int `json:"refused"`
	Equivalent int `json:"equivalent"`
	// Stale lists equivalent_mutants declarations that match no mutant:
	// the rule changed, and the declaration should go.
	Stale []EquivalentMutant `json:"stale,omitempty"`
	// Misdeclared lists declarations of mutants that a case killed: they
	// are not equivalent after all. Both fail the run.
	Misdeclared []Misdeclared `json:"misdeclared,omitempty"`
}

// Misdeclared is a mutant declared equivalent that a case tells apart.
type Misdeclared struct {
	EquivalentMutant
	// KilledBy names the case that killed it.
	KilledBy string `json:"killed_by"`
}

// Score returns killed / (killed + survived) as a percentage; 100 when
// there is nothing to kill.
func (m *MutationReport) Score() float64 {
	if m.Killed+m.Survived == 0 {
		return 100
	}
	return 100 * float64(m.Killed) / float64(m.Killed+m.Survived)
}

// Survivors returns the mutants that survived.
func (m *MutationReport) Survivors() []Mutant {
	var out []Mutant
	for _, mu := range m.Mutants {
		if mu.Status == Survived {
			out = append(out, mu)
		}
	}
	return out
}

// mutate makes every mutant of the rule set in fsys, loads each and runs
// cases against it until one fails.
func mutate(ctx context.Context, eng *triage.Engine, fsys fs.FS, suite *Suite, cases []TestCase, loadOpts []triage.Option) (*MutationReport, error) {
	base, err := baseline(eng, fsys, loadOpts)
	if err != nil {
		return nil, err
	}
	mr := &mutationRun{
		ctx: ctx, eng: eng, base: base, suite: suite, cases: cases, loadOpts: loadOpts,
		rep: &MutationReport{}, used: make([]bool, len(suite.Equivalent)),
	}
	for _, r := range eng.Rules() {
		if err := mr.rule(r); err != nil {
			return nil, err
		}
	}
	for i, eq := range suite.Equivalent {
		if !mr.used[i] {
			mr.rep.Stale = append(mr.rep.Stale, eq)
		}
	}
	return mr.rep, nil
}

// baseline copies the rule set's files into memory and checks that they
// reload into the very rule set under test. Every mutant is the rule set
// reloaded with one change; if the unchanged files did not reload, every
// mutant would fail to load for a reason of its own, and "refused" would
// hide them all.
func baseline(eng *triage.Engine, fsys fs.FS, loadOpts []triage.Option) (fstest.MapFS, error) {
	base, err := rootFiles(fsys)
	if err != nil {
		return nil, err
	}
	orig, err := triage.Load(base, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("triagetest: mutation testing reloads the rule set, and it does not load (give WithLoadOptions the options the Engine was loaded with): %w", err)
	}
	if orig.RuleSet().Hash != eng.RuleSet().Hash {
		return nil, fmt.Errorf("triagetest: the Engine was not loaded from these files (rule set %s, files %s)", eng.RuleSet(), orig.RuleSet())
	}
	return base, nil
}

// mutationRun is one run of mutation testing over a rule set.
type mutationRun struct {
	ctx      context.Context
	eng      *triage.Engine // the rule set under test
	base     fstest.MapFS   // the rule set's files, unchanged
	suite    *Suite
	cases    []TestCase // the cases that passed against the rule set
	loadOpts []triage.Option
	rep      *MutationReport
	// used marks the suite's equivalent_mutants declarations that match
	// some mutant; the others are stale.
	used []bool
}

// rule makes every mutant of r and tries each.
func (mr *mutationRun) rule(r triage.Rule) error {
	src, ok := mr.base[r.Pos.File]
	if !ok {
		return fmt.Errorf("triagetest: rule %s: file %s not found", r.ID, r.Pos.File)
	}
	muts, err := mutations(r)
	if err != nil {
		return fmt.Errorf("triagetest: rule %s: %w", r.ID, err)
	}
	for _, mu := range muts {
		if err := mr.ctx.Err(); err != nil {
			return err
		}
		m, err := mr.try(r, src.Data, mu)
		if err != nil {
			return err
		}
		mr.rep.Mutants = append(mr.rep.Mutants, m)
	}
	return nil
}

// try loads the rule set with mutation mu made to rule r (whose file is
// src) and runs the cases against it.
func (mr *mutationRun) try(r triage.Rule, src []byte, mu mutation) (Mutant, error) {
	m := Mutant{Rule: r.ID, Operator: mu.op, Original: r.When, Mutated: mu.expr}
	if mu.action != 0 {
		m.Mutated = "action: " + mu.action.String()
	}
	data, pos, err := rewrite(src, r.ID, mu)
	if err != nil {
		return Mutant{}, fmt.Errorf("triagetest: rule %s: %w", r.ID, err)
	}
	m.Pos = triage.Position{File: r.Pos.File, Line: pos.Line, Column: pos.Column}
	mfs := maps.Clone(mr.base)
	mfs[r.Pos.File] = &fstest.MapFile{Data: data, Mode: 0o644}
	declared := mr.declared(r.ID, m.Mutated)
	meng, err := triage.Load(mfs, mr.loadOpts...)
	if err != nil {
		refusal, ok := refusedFor(err, r)
		if !ok {
			return Mutant{}, fmt.Errorf("triagetest: mutant of rule %s (%s) failed to load for a reason unrelated to the mutation: %w", r.ID, m.Mutated, err)
		}
		m.Status, m.Refusal = Refused, refusal
		mr.rep.Refused++
		return m, nil
	}
	// Declared equivalents run too: a case that kills one proves the
	// declaration wrong.
	m.Status = Survived
	killer, err := mr.killer(meng)
	if err != nil {
		return Mutant{}, err
	}
	if killer != "" {
		m.Status, m.KilledBy = Killed, killer
	}
	mr.tally(&m, declared)
	if m.Status == Survived && mu.bound != nil {
		s, err := mr.suggest(r, meng, mu.bound)
		if err != nil {
			return Mutant{}, err
		}
		m.Suggestion = s
	}
	return m, nil
}

// declared returns the index of the last equivalent_mutants declaration
// of this mutant, or -1, and marks every one that matches as used.
func (mr *mutationRun) declared(rule, mutated string) int {
	declared := -1
	for i, eq := range mr.suite.Equivalent {
		if eq.Rule == rule && eq.Mutant == mutated {
			declared, mr.used[i] = i, true
		}
	}
	return declared
}

// killer runs the cases against a mutant until one fails, and returns its
// name; "" when every case passes. A case that fails because ctx ended
// proves nothing, so the context's error is returned instead.
func (mr *mutationRun) killer(meng *triage.Engine) (string, error) {
	for _, tc := range mr.cases {
		if res := runCase(mr.ctx, meng, tc); !res.Passed {
			if err := mr.ctx.Err(); err != nil {
				return "", err
			}
			return tc.Name, nil
		}
	}
	return "", nil
}

// tally counts a mutant that loaded, settling its status against the
// suite's declaration of it (declared, or -1).
func (mr *mutationRun) tally(m *Mutant, declared int) {
	rep := mr.rep
	switch {
	case m.Status == Killed && declared >= 0:
		rep.Killed++
		rep.Misdeclared = append(rep.Misdeclared, Misdeclared{EquivalentMutant: mr.suite.Equivalent[declared], KilledBy: m.KilledBy})
	case m.Status == Killed:
		rep.Killed++
	case declared >= 0:
		m.Status, m.Reason = Equivalent, mr.suite.Equivalent[declared].Reason
		rep.Equivalent++
	default:
		rep.Survived++
	}
}

// refusedFor reports whether the loader refused a mutant of r because of
// the mutation: every error is about r, or about a question r reads (which
// the mutation may have left unread). It returns the first error without
// its position, which points into the rewritten file.
func refusedFor(err error, r triage.Rule) (string, bool) {
	var list triage.ErrorList
	if !errors.As(err, &list) || len(list) == 0 {
		return "", false
	}
	for _, e := range list {
		if e.ID != r.ID && !slices.Contains(r.Reads, e.ID) {
			return "", false
		}
	}
	return list[0].ID + ": " + list[0].Msg, true
}

// rootFiles reads the rule set's rule files into memory, the way Load
// reads them (regular files only, links kept inside the directory, the
// default size limits), so each mutant is the original set with one file
// replaced.
func rootFiles(fsys fs.FS) (fstest.MapFS, error) {
	snap := ruleset.ReadRules(fsys, ruleset.Limits{Files: ruleset.DefaultFiles, FileSize: ruleset.DefaultFileSize}, true)
	if len(snap.Problems) > 0 {
		var msgs []string
		for _, p := range snap.Problems {
			msgs = append(msgs, fmt.Sprintf("%s: %s", p.File, p.Msg))
		}
		return nil, fmt.Errorf("triagetest: mutation testing cannot read the rule files: %s", strings.Join(msgs, "; "))
	}
	out := fstest.MapFS{}
	for _, f := range snap.Files {
		out[f.Name] = &fstest.MapFile{Data: f.Src, Mode: 0o644}
	}
	return out, nil
}

// mutation is one mistake: a new condition, or a new action.
type mutation struct {
	op     string
	expr   string
	action triage.Action // 0: unchanged
	// line and col locate the mutated node within the condition (1-based;
	// 0 when unknown).
	line, col int
	// bound is the comparison of a question with a number that the
	// mistake is made in, when it is one; nil otherwise.
	bound *boundary
}

var flips = map[string]string{
	"_<_": "_<=_", "_<=_": "_<_", "_>_": "_>=_", "_>=_": "_>_",
	"_==_": "_!=_", "_!=_": "_==_",
}

var opText = map[string]string{
	"_<_": "<", "_<=_": "<=", "_>_": ">", "_>=_": ">=", "_==_": "==", "_!=_": "!=",
	"_&&_": "&&", "_||_": "||",
}

// site is one place in the expression where mistakes can be made: apply
// makes variant k (0 <= k < variants) of them on a fresh parse, using newID
// for a node it adds, and returns a description and the node to report the
// position of.
type site struct {
	variants int
	apply    func(n ast.Expr, fac ast.ExprFactory, info *ast.SourceInfo, newID int64, k int) (op string, at ast.Expr)
}

func newParser() (*parser.Parser, error) {
	return parser.NewParser(parser.Macros(parser.AllMacros...), parser.PopulateMacroCalls(true))
}

// mutations lists every mutant of rule r.
func mutations(r triage.Rule) ([]mutation, error) {
	p, err := newParser()
	if err != nil {
		return nil, err
	}
	mk := &mutator{p: p, when: r.When, seen: map[string]bool{r.When: true}}
	a, err := mk.parse()
	if err != nil {
		return nil, err
	}
	if err := mk.negation(); err != nil {
		return nil, err
	}
	// Node by node: count the variants on the original, then make each on
	// a fresh parse so that mutations never accumulate.
	for i, n := range preorder(a.Expr()) {
		s := siteOf(n)
		b := boundaryOf(n)
		for k := 0; k < s.variants; k++ {
			if err := mk.variant(i, s, k, b); err != nil {
				return nil, err
			}
		}
	}
	// The action.
	switch r.Action {
	case triage.Refer:
		mk.add(mutation{op: "refer to caution", expr: r.When, action: triage.Caution})
	case triage.Caution:
		mk.add(mutation{op: "caution to refer", expr: r.When, action: triage.Refer})
	}
	return mk.out, nil
}

// mutator collects the mutants of one condition, each made on a fresh
// parse of its text.
type mutator struct {
	p    *parser.Parser
	when string
	out  []mutation
	// seen holds the conditions made so far, and the original: a mutant
	// that prints the same as one of them is no new mistake.
	seen map[string]bool
}

func (mk *mutator) parse() (*ast.AST, error) {
	a, errs := mk.p.Parse(common.NewTextSource(mk.when))
	if len(errs.GetErrors()) > 0 {
		return nil, fmt.Errorf("cannot parse condition: %s", errs.ToDisplayString())
	}
	return a, nil
}

// add keeps m unless it is a condition already seen.
func (mk *mutator) add(m mutation) {
	if m.action == 0 {
		if mk.seen[m.expr] {
			return // the same text twice, or no change at all
		}
		mk.seen[m.expr] = true
	}
	mk.out = append(mk.out, m)
}

// negation adds the whole condition negated.
func (mk *mutator) negation() error {
	fresh, err := mk.parse()
	if err != nil {
		return err
	}
	neg := ast.NewExprFactory().NewCall(maxID(fresh.Expr())+1, "!_", fresh.Expr())
	text, err := parser.Unparse(neg, fresh.SourceInfo())
	if err != nil {
		return fmt.Errorf("cannot print negated condition: %w", err)
	}
	mk.add(mutation{op: "negate the condition", expr: text, line: 1, col: 1})
	return nil
}

// variant adds variant k of site s, which is node i in preorder and
// compares b (or nil).
func (mk *mutator) variant(i int, s site, k int, b *boundary) error {
	fresh, err := mk.parse()
	if err != nil {
		return err
	}
	target := preorder(fresh.Expr())[i]
	op, at := s.apply(target, ast.NewExprFactory(), fresh.SourceInfo(), maxID(fresh.Expr())+1, k)
	loc := fresh.SourceInfo().GetStartLocation(at.ID())
	text, err := parser.Unparse(fresh.Expr(), fresh.SourceInfo())
	if err != nil {
		return fmt.Errorf("cannot print mutant (%s): %w", op, err)
	}
	mk.add(mutation{op: op, expr: text, line: loc.Line(), col: loc.Column() + 1, bound: b})
	return nil
}

// siteOf returns the mistakes that can be made at n.
func siteOf(n ast.Expr) site {
	if n.Kind() != ast.CallKind {
		return site{}
	}
	call := n.AsCall()
	fn := call.FunctionName()
	switch {
	case flips[fn] != "":
		return comparisonSite(fn, call.Args())
	case fn == "_&&_" || fn == "_||_":
		return logicSite(fn)
	}
	return site{}
}

// comparisonSite flips the comparison fn, then moves each numeric literal
// operand by one in each direction.
func comparisonSite(fn string, args []ast.Expr) site {
	var lits []int
	for j, arg := range args {
		if isNumber(arg) {
			lits = append(lits, j)
		}
	}
	return site{variants: 1 + 2*len(lits), apply: func(n ast.Expr, fac ast.ExprFactory, _ *ast.SourceInfo, _ int64, k int) (string, ast.Expr) {
		if k == 0 {
			n.SetKindCase(fac.NewCall(n.ID(), flips[fn], n.AsCall().Args()...))
			return opText[fn] + " to " + opText[flips[fn]], n
		}
		delta := int64(1)
		if (k-1)%2 == 1 {
			delta = -1
		}
		return shiftOperand(n.AsCall().Args()[lits[(k-1)/2]], fac, delta)
	}}
}

// shiftOperand moves the numeric literal arg by delta.
func shiftOperand(arg ast.Expr, fac ast.ExprFactory, delta int64) (string, ast.Expr) {
	old, moved := shift(arg.AsLiteral(), delta)
	arg.SetKindCase(fac.NewLiteral(arg.ID(), moved))
	return fmt.Sprintf("threshold %v to %v", old, moved), arg
}

// logicSite swaps the operator fn (&& or ||), drops either operand, or
// negates either operand.
func logicSite(fn string) site {
	other := "_||_"
	if fn == "_||_" {
		other = "_&&_"
	}
	return site{variants: 5, apply: func(n ast.Expr, fac ast.ExprFactory, info *ast.SourceInfo, newID int64, k int) (string, ast.Expr) {
		args := n.AsCall().Args()
		switch k {
		case 0:
			n.SetKindCase(fac.NewCall(n.ID(), other, args...))
			return opText[fn] + " to " + opText[other], n
		case 1:
			replace(n, args[1], info)
			return "drop the left operand of " + opText[fn], n
		case 2:
			replace(n, args[0], info)
			return "drop the right operand of " + opText[fn], n
		default:
			return negateOperand(n, fn, fac, newID, k-3)
		}
	}}
}

// negateOperand negates operand j of n, a call of fn (&& or ||), using
// newID for the ! it adds. Negating a negation removes it.
func negateOperand(n ast.Expr, fn string, fac ast.ExprFactory, newID int64, j int) (string, ast.Expr) {
	args := n.AsCall().Args()
	side := [...]string{"left", "right"}[j]
	at := args[j]
	negated := slices.Clone(args)
	if at.Kind() == ast.CallKind && at.AsCall().FunctionName() == "!_" {
		negated[j] = at.AsCall().Args()[0]
	} else {
		negated[j] = fac.NewCall(newID, "!_", at)
	}
	n.SetKindCase(fac.NewCall(n.ID(), fn, negated...))
	return "negate the " + side + " operand of " + opText[fn], at
}

// replace puts with in n's place. A macro (exists, all...) is printed from
// the call recorded under its node's id, so the record moves with it.
func replace(n, with ast.Expr, info *ast.SourceInfo) {
	if call, ok := info.GetMacroCall(with.ID()); ok {
		info.SetMacroCall(n.ID(), call)
	}
	n.SetKindCase(with)
}

func isNumber(e ast.Expr) bool {
	if e.Kind() != ast.LiteralKind {
		return false
	}
	switch e.AsLiteral().(type) {
	case types.Int, types.Double:
		return true
	case types.Uint:
		return true
	}
	return false
}

// shift moves a numeric literal by delta. A uint at 0 moving down stays a
// uint at 0, which Unparse prints unchanged, and is then dropped as a
// duplicate of the original.
func shift(v ref.Val, delta int64) (old any, moved ref.Val) {
	switch x := v.(type) {
	case types.Int:
		return int64(x), types.Int(int64(x) + delta)
	case types.Double:
		return float64(x), types.Double(float64(x) + float64(delta))
	case types.Uint:
		if delta < 0 && x == 0 {
			return uint64(x), x
		}
		return uint64(x), types.Uint(uint64(int64(x) + delta))
	}
	return v, v
}

// preorder lists the nodes of e outside comprehensions. Macros (exists,
// all, filter...) expand to comprehensions whose bodies the unparser prints
// from the original macro call, so mistakes made inside them would not
// show; they are left alone.
func preorder(e ast.Expr) []ast.Expr {
	return appendPreorder(nil, e)
}

func appendPreorder(out []ast.Expr, e ast.Expr) []ast.Expr {
	out = append(out, e)
	switch e.Kind() {
	case ast.CallKind:
		c := e.AsCall()
		if c.IsMemberFunction() {
			out = appendPreorder(out, c.Target())
		}
		for _, a := range c.Args() {
			out = appendPreorder(out, a)
		}
	case ast.ListKind:
		for _, el := range e.AsList().Elements() {
			out = appendPreorder(out, el)
		}
	case ast.SelectKind:
		out = appendPreorder(out, e.AsSelect().Operand())
	}
	return out
}

func maxID(e ast.Expr) int64 {
	id := e.ID()
	for _, n := range preorder(e) {
		id = max(id, n.ID())
	}
	// Comprehension bodies are not walked; leave room above any id they
	// might use.
	return id + 1<<20
}

// rewrite returns the rule file src with rule id's condition or action
// replaced, and the position of the mutation in the file.
func rewrite(src []byte, id string, mu mutation) ([]byte, triage.Position, error) {
	var doc yaml.Node
	if err := yaml.Unmarshal(src, &doc); err != nil {
		return nil, triage.Position{}, err
	}
	rule := findRule(&doc, id)
	if rule == nil {
		return nil, triage.Position{}, fmt.Errorf("rule not found in its file")
	}
	when, action := value(rule, "when"), value(rule, "action")
	if when == nil || action == nil {
		return nil, triage.Position{}, fmt.Errorf("rule has no when or action")
	}
	pos := triage.Position{Line: when.Line, Column: when.Column}
	if mu.action != 0 {
		pos = triage.Position{Line: action.Line, Column: action.Column}
		action.Value = mu.action.String()
	} else {
		// A plain condition written on one line maps column for column;
		// otherwise (quotes, escapes, block or folded scalars) the
		// condition's own position is as close as it gets.
		if when.Style == 0 && mu.line == 1 && mu.col > 0 && onOneLine(src, when) {
			pos.Column += mu.col - 1
		}
		when.Value = mu.expr
		when.Style = yaml.DoubleQuotedStyle
	}
	out, err := yaml.Marshal(&doc)
	if err != nil {
		return nil, triage.Position{}, err
	}
	return out, pos, nil
}

// onOneLine reports whether the plain scalar n is written out in full on
// its first line: a plain scalar can also continue on the next lines,
// folded into spaces.
func onOneLine(src []byte, n *yaml.Node) bool {
	lines := strings.Split(string(src), "\n")
	if n.Line < 1 || n.Line > len(lines) {
		return false
	}
	line := []rune(lines[n.Line-1])
	if n.Column < 1 || n.Column > len(line) {
		return false
	}
	return strings.HasPrefix(string(line[n.Column-1:]), n.Value)
}

func findRule(doc *yaml.Node, id string) *yaml.Node {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		return nil
	}
	rules := value(doc.Content[0], "rules")
	if rules == nil || rules.Kind != yaml.SequenceNode {
		return nil
	}
	for _, r := range rules.Content {
		if v := value(r, "id"); v != nil && v.Value == id {
			return r
		}
	}
	return nil
}

func value(m *yaml.Node, key string) *yaml.Node {
	if m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
