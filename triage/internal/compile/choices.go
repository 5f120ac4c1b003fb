package compile

import (
	"fmt"
	"maps"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"

	"github.com/redflagkit/redflag/triage/internal/didyoumean"
)

// choiceLiterals reports string literals compared with a choice or
// multichoice question that are not among its choices. A misspelled choice
// ("stif_neck") would otherwise load and silently never match: a red flag
// switched off by a typo. It covers q == "x", q != "x", q in ["x", "y"],
// "x" in m, m == ["x"], m[0] == "x", comprehension variables over m or over
// m.filter(...) (m.exists(s, s == "x")), and literal lists compared with m
// (["x", "y"].exists(p, p in m)).
func (e *Env) choiceLiterals(checked *cel.Ast) []Problem {
	native := checked.NativeRep()
	w := &literalWalker{env: e, info: native.SourceInfo()}
	w.visit(native.Expr(), scope{})
	return w.problems
}

// binding is what a comprehension variable stands for: an element of a
// multichoice question (q >= 0), an element of a literal list (lits), or
// neither (it only shadows any question of the same name).
type binding struct {
	q    int
	lits []ast.Expr
}

// scope maps the comprehension variables in force to what they stand for.
type scope map[string]binding

// literalWalker walks a checked condition, collecting choice-literal
// problems.
type literalWalker struct {
	env      *Env
	info     *ast.SourceInfo
	problems []Problem
}

func (w *literalWalker) visit(e ast.Expr, sc scope) {
	switch e.Kind() {
	case ast.CallKind:
		w.visitCall(e.AsCall(), sc)
	case ast.ComprehensionKind:
		w.visitComprehension(e.AsComprehension(), sc)
	case ast.ListKind:
		for _, el := range e.AsList().Elements() {
			w.visit(el, sc)
		}
	case ast.SelectKind:
		w.visit(e.AsSelect().Operand(), sc)
	case ast.MapKind:
		for _, en := range e.AsMap().Entries() {
			w.visit(en.AsMapEntry().Key(), sc)
			w.visit(en.AsMapEntry().Value(), sc)
		}
	}
}

func (w *literalWalker) visitCall(call ast.CallExpr, sc scope) {
	args := call.Args()
	switch fn := call.FunctionName(); {
	case (fn == operators.Equals || fn == operators.NotEquals) && len(args) == 2:
		w.comparison(args[0], args[1], sc)
		w.comparison(args[1], args[0], sc)
	case fn == operators.In && len(args) == 2:
		if q := w.multi(args[1], sc); q >= 0 {
			w.check(args[0], q)
			w.checkAll(literals(args[0], sc), q)
		}
		if q := w.element(args[0], sc); q >= 0 {
			w.checkAll(listElems(args[1]), q)
		}
	}
	if call.IsMemberFunction() {
		w.visit(call.Target(), sc)
	}
	for _, a := range args {
		w.visit(a, sc)
	}
}

// comparison checks one side of an == or != against the other.
func (w *literalWalker) comparison(side, other ast.Expr, sc scope) {
	if q := w.element(side, sc); q >= 0 {
		w.check(other, q)
		w.checkAll(literals(other, sc), q)
	}
	if q := w.multi(side, sc); q >= 0 {
		w.checkAll(listElems(other), q)
	}
}

func (w *literalWalker) visitComprehension(comp ast.ComprehensionExpr, sc scope) {
	inner := maps.Clone(sc)
	bd := binding{q: -1}
	if !comp.HasIterVar2() {
		if q := w.multi(comp.IterRange(), sc); q >= 0 {
			bd.q = q
		} else {
			bd.lits = listElems(comp.IterRange())
		}
	}
	inner[comp.IterVar()] = bd
	if comp.HasIterVar2() {
		inner[comp.IterVar2()] = binding{q: -1}
	}
	inner[comp.AccuVar()] = binding{q: -1}
	w.visit(comp.IterRange(), sc)
	w.visit(comp.AccuInit(), sc)
	w.visit(comp.LoopCondition(), inner)
	w.visit(comp.LoopStep(), inner)
	w.visit(comp.Result(), inner)
}

// question returns the question of kind k that identifier e names, unless
// a comprehension variable shadows it, or -1.
func (w *literalWalker) question(e ast.Expr, sc scope, k Kind) int {
	if e.Kind() != ast.IdentKind {
		return -1
	}
	if _, shadowed := sc[e.AsIdent()]; shadowed {
		return -1
	}
	if qi, found := w.env.index[e.AsIdent()]; found && w.env.vars[qi].Kind == k {
		return qi
	}
	return -1
}

// multi returns the multichoice question whose subset e holds, or -1.
func (w *literalWalker) multi(e ast.Expr, sc scope) int {
	if q := w.question(e, sc, StringList); q >= 0 {
		return q
	}
	if mc, found := w.info.GetMacroCall(e.ID()); found && mc.Kind() == ast.CallKind &&
		mc.AsCall().FunctionName() == "filter" && mc.AsCall().IsMemberFunction() {
		return w.multi(mc.AsCall().Target(), sc)
	}
	return -1
}

// element returns the question whose single choice value e holds, or -1.
func (w *literalWalker) element(e ast.Expr, sc scope) int {
	switch {
	case e.Kind() == ast.IdentKind:
		if bd, bound := sc[e.AsIdent()]; bound {
			return bd.q
		}
		return w.question(e, sc, String)
	case e.Kind() == ast.CallKind && e.AsCall().FunctionName() == operators.Index && len(e.AsCall().Args()) == 2:
		return w.multi(e.AsCall().Args()[0], sc)
	}
	return -1
}

// literals returns the literal list a comprehension variable ranges over.
func literals(e ast.Expr, sc scope) []ast.Expr {
	if e.Kind() == ast.IdentKind {
		return sc[e.AsIdent()].lits
	}
	return nil
}

func listElems(e ast.Expr) []ast.Expr {
	if e.Kind() == ast.ListKind {
		return e.AsList().Elements()
	}
	return nil
}

func (w *literalWalker) checkAll(lits []ast.Expr, q int) {
	for _, l := range lits {
		w.check(l, q)
	}
}

// check reports lit if it is a string literal that is not a choice of
// question q.
func (w *literalWalker) check(lit ast.Expr, q int) {
	if q < 0 || lit.Kind() != ast.LiteralKind {
		return
	}
	v := w.env.vars[q]
	s, isStr := lit.AsLiteral().Value().(string)
	if !isStr || slices.Contains(v.Choices, s) {
		return
	}
	msg := fmt.Sprintf("%q is not a choice of question %q (choices: %s)", s, v.Name, strings.Join(v.Choices, ", "))
	if sug := didyoumean.Suggest(s, v.Choices); sug != "" {
		msg = fmt.Sprintf("%q is not a choice of question %q (did you mean %q?)", s, v.Name, sug)
	}
	off := -1
	if r, found := w.info.GetOffsetRange(lit.ID()); found {
		off = int(r.Start)
	}
	w.problems = append(w.problems, Problem{Offset: off, Msg: msg})
}
