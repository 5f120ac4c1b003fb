package compile

import (
	"slices"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"
)

// A condition's decisive answers are those that made it true. They are
// found from CEL's own evaluation state, read along the condition's boolean
// structure, which Compile records as a tree of logic nodes:
//
//   - a || b that is true: the operands that are true, every one of them
//     (not only the first in source order: each is on its own enough, and
//     listing all is still faithful); one that is false: both operands;
//   - a && b that is true: both operands; one that is false: the operands
//     that are false, every one of them;
//   - !e: whatever made e what it was (for a true negation, the answers
//     that made e false);
//   - c ? x : y: c and the branch taken;
//   - anything else (a comparison, a call, a macro such as exists, a bare
//     question): every question read beneath it.
//
// The state comes from a program that evaluates exhaustively (no short
// circuit), so every operand of || and && has a value to read.

// logicKind is the kind of one node of a condition's boolean structure.
type logicKind int8

const (
	leaf logicKind = iota
	and
	or
	not
	ternary
)

// logic is one node of a condition's boolean structure.
type logic struct {
	kind logicKind
	id   int64   // the expression id whose value the evaluation state holds
	args []logic // operands of and, or, not, ternary (condition, then, else)
	// reads has, for a leaf, bit i set when the condition's Reads[i] is
	// read beneath it.
	reads uint64
}

// structure builds the boolean structure of x, a subexpression of a
// checked condition whose reference map is refs and that reads the
// questions reads (at most 64 of them).
func (e *Env) structure(x ast.Expr, refs map[int64]*ast.ReferenceInfo, reads []int) logic {
	if x.Kind() == ast.CallKind {
		call := x.AsCall()
		kind := leaf
		switch call.FunctionName() {
		case operators.LogicalAnd:
			kind = and
		case operators.LogicalOr:
			kind = or
		case operators.LogicalNot:
			kind = not
		case operators.Conditional:
			kind = ternary
		}
		if kind != leaf {
			n := logic{kind: kind, id: x.ID()}
			for _, a := range call.Args() {
				n.args = append(n.args, e.structure(a, refs, reads))
			}
			return n
		}
	}
	n := logic{kind: leaf, id: x.ID()}
	var qs []int
	e.leafReads(x, refs, nil, &qs)
	for _, qi := range qs {
		if i := slices.Index(reads, qi); i >= 0 {
			n.reads |= 1 << i
		}
	}
	return n
}

// leafReads appends to out the questions read in x, leaving out names
// shadowed by the comprehension variables in scope.
func (e *Env) leafReads(x ast.Expr, refs map[int64]*ast.ReferenceInfo, scope []string, out *[]int) {
	switch x.Kind() {
	case ast.IdentKind:
		if slices.Contains(scope, x.AsIdent()) {
			return
		}
		if ref, ok := refs[x.ID()]; ok && ref.Value == nil && len(ref.OverloadIDs) == 0 {
			if qi, ok := e.index[ref.Name]; ok {
				*out = append(*out, qi)
			}
		}
	case ast.ComprehensionKind:
		c := x.AsComprehension()
		e.leafReads(c.IterRange(), refs, scope, out)
		e.leafReads(c.AccuInit(), refs, scope, out)
		inner := append(slices.Clip(scope), c.IterVar(), c.AccuVar())
		if c.HasIterVar2() {
			inner = append(inner, c.IterVar2())
		}
		e.leafReads(c.LoopCondition(), refs, inner, out)
		e.leafReads(c.LoopStep(), refs, inner, out)
		e.leafReads(c.Result(), refs, append(slices.Clip(scope), c.AccuVar()), out)
	default:
		// Every other kind's children are plain subexpressions in the
		// same scope.
		for _, child := range children(x) {
			e.leafReads(child, refs, scope, out)
		}
	}
}

// children returns the direct subexpressions of x other than a
// comprehension's.
func children(x ast.Expr) []ast.Expr {
	switch x.Kind() {
	case ast.CallKind:
		c := x.AsCall()
		if c.IsMemberFunction() {
			return append([]ast.Expr{c.Target()}, c.Args()...)
		}
		return c.Args()
	case ast.ListKind:
		return x.AsList().Elements()
	case ast.MapKind:
		var out []ast.Expr
		for _, en := range x.AsMap().Entries() {
			m := en.AsMapEntry()
			out = append(out, m.Key(), m.Value())
		}
		return out
	case ast.StructKind:
		var out []ast.Expr
		for _, f := range x.AsStruct().Fields() {
			out = append(out, f.AsStructField().Value())
		}
		return out
	case ast.SelectKind:
		return []ast.Expr{x.AsSelect().Operand()}
	}
	return nil
}

// needsState reports whether n's decisive answers depend on the values
// found during evaluation: whether it has an ||, a negation or a ternary.
// A tree of && over leaves needs none: when it is true, every operand is
// true and every question it reads decided it.
func (n *logic) needsState() bool {
	if n.kind == or || n.kind == not || n.kind == ternary {
		return true
	}
	for i := range n.args {
		if n.args[i].needsState() {
			return true
		}
	}
	return false
}

// mark returns the questions that decided n's value in st, as a mask over
// the condition's Reads.
func (n *logic) mark(st interpreter.EvalState) uint64 {
	switch n.kind {
	case leaf:
		return n.reads
	case not:
		return n.args[0].mark(st)
	case ternary:
		m := n.args[0].mark(st)
		switch boolValue(st, n.args[0].id) {
		case isTrue:
			return m | n.args[1].mark(st)
		case isFalse:
			return m | n.args[2].mark(st)
		}
		return m | n.args[1].mark(st) | n.args[2].mark(st)
	}
	// and, or: when the node has its short-circuit value (true for ||,
	// false for &&), only the operands with that value decided it; otherwise
	// all did.
	short := isTrue
	if n.kind == and {
		short = isFalse
	}
	all := boolValue(st, n.id) != short
	var m uint64
	for i := range n.args {
		if all || boolValue(st, n.args[i].id) == short {
			m |= n.args[i].mark(st)
		}
	}
	return m
}

type tri int8

const (
	other tri = iota // unknown, an error, or not recorded
	isTrue
	isFalse
)

func boolValue(st interpreter.EvalState, id int64) tri {
	v, ok := st.Value(id)
	if !ok {
		return other
	}
	switch v {
	case types.True:
		return isTrue
	case types.False:
		return isFalse
	}
	return other
}

// Decisive returns the questions whose answers made c true, as recorded
// in det, the details of an evaluation of c.Track: bit i of the mask is set
// when c.Reads[i] decided it. It returns 0 when det holds no state.
func (c *Condition) Decisive(det *cel.EvalDetails) uint64 {
	if det == nil || det.State() == nil {
		return 0
	}
	return c.logic.mark(det.State())
}

// maxTracked is the most questions a condition may read and still have
// its decisive answers told apart (one bit each in a uint64).
const maxTracked = 64
