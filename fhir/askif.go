package fhir

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"cel.dev/cel-go/cel"
	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/parser"

	"github.com/redflagkit/redflag/triage"
)

// condition is an ask_if in R4: enableWhen where it maps exactly, else a
// FHIRPath enableWhenExpression.
type condition struct {
	enableWhen []EnableWhen
	behavior   string
	fhirpath   string
}

// translator turns ask_if conditions into R4, knowing the questionnaire.
type translator struct {
	questions map[string]triage.Question
	system    func(qid string) string
	env       *cel.Env
}

// unmapped says why a CEL expression has no R4 form; the caller tries the
// next form, or reports it.
type unmapped struct {
	expr   celast.Expr
	reason string
}

func (u *unmapped) Error() string { return u.reason }

func (t *translator) fail(e celast.Expr, format string, args ...any) *unmapped {
	return &unmapped{expr: e, reason: fmt.Sprintf(format, args...)}
}

// translate maps q's ask_if, or says why it cannot.
func (t *translator) translate(q triage.Question) (condition, *ExportError) {
	parsed, iss := t.env.Parse(q.AskIf)
	if iss.Err() != nil {
		return condition{}, &ExportError{Question: q.ID, Pos: q.AskIfAt, Msg: "the ask_if does not parse: " + iss.Err().Error()}
	}
	native := parsed.NativeRep()
	root := celast.NavigateAST(native)
	if ew, behavior, err := t.enableWhen(root); err == nil {
		return condition{enableWhen: ew, behavior: behavior}, nil
	}
	fp, err := t.fhirpath(root)
	if err == nil {
		return condition{fhirpath: asBoolean(fp)}, nil
	}
	part, uerr := parser.Unparse(err.expr, native.SourceInfo())
	if uerr != nil {
		part = strings.TrimSpace(q.AskIf)
	}
	return condition{}, &ExportError{Question: q.ID, Pos: q.AskIfAt,
		Msg: fmt.Sprintf("the ask_if cannot be exported to FHIR: in `%s`, %s", part, err.reason)}
}

// enableWhen maps a plain conjunction (all) or disjunction (any) of atoms.
func (t *translator) enableWhen(e celast.Expr) ([]EnableWhen, string, *unmapped) {
	var terms []celast.Expr
	behavior := "all"
	switch callName(e) {
	case operators.LogicalOr:
		terms, behavior = flatten(e, operators.LogicalOr), "any"
	default:
		terms = flatten(e, operators.LogicalAnd)
	}
	var out []EnableWhen
	for _, term := range terms {
		ew, err := t.atom(term)
		if err != nil {
			return nil, "", err
		}
		if len(ew) > 1 && behavior == "any" {
			return nil, "", t.fail(term, "a != inside || needs an exists check that enableWhen cannot group")
		}
		out = append(out, ew...)
	}
	if len(out) == 1 {
		behavior = ""
	}
	return out, behavior, nil
}

// flatten lists the operands of a chain of op.
func flatten(e celast.Expr, op string) []celast.Expr {
	if callName(e) != op {
		return []celast.Expr{e}
	}
	var out []celast.Expr
	for _, a := range e.AsCall().Args() {
		out = append(out, flatten(a, op)...)
	}
	return out
}

func callName(e celast.Expr) string {
	if e.Kind() != celast.CallKind {
		return ""
	}
	return e.AsCall().FunctionName()
}

// r4Operators maps CEL comparisons to enableWhen operators.
var r4Operators = map[string]string{
	operators.Equals: "=", operators.NotEquals: "!=",
	operators.Less: "<", operators.LessEquals: "<=",
	operators.Greater: ">", operators.GreaterEquals: ">=",
}

// negated maps each comparison to its negation.
var negated = map[string]string{
	operators.Equals: operators.NotEquals, operators.NotEquals: operators.Equals,
	operators.Less: operators.GreaterEquals, operators.GreaterEquals: operators.Less,
	operators.Greater: operators.LessEquals, operators.LessEquals: operators.Greater,
}

// flipped maps each comparison to the one with its operands swapped.
var flipped = map[string]string{
	operators.Equals: operators.Equals, operators.NotEquals: operators.NotEquals,
	operators.Less: operators.Greater, operators.Greater: operators.Less,
	operators.LessEquals: operators.GreaterEquals, operators.GreaterEquals: operators.LessEquals,
}

// atom maps one operand of && or || to enableWhen entries: one, or two for
// != (exists true, then != v, since R4's != holds while unanswered).
func (t *translator) atom(e celast.Expr) ([]EnableWhen, *unmapped) {
	name := callName(e)
	switch {
	case e.Kind() == celast.IdentKind:
		return t.boolAtom(e, true)
	case name == operators.LogicalNot:
		inner := e.AsCall().Args()[0]
		if inner.Kind() == celast.IdentKind {
			return t.boolAtom(inner, false)
		}
		if callName(inner) == operators.In {
			return t.notInAtom(inner)
		}
		if op, ok := negated[callName(inner)]; ok {
			a := inner.AsCall().Args()
			return t.comparison(inner, op, a[0], a[1])
		}
		return nil, t.fail(e, "a negation other than !question or !(comparison) has no enableWhen form")
	case name == operators.In:
		return t.inAtom(e)
	}
	if _, ok := r4Operators[name]; ok {
		a := e.AsCall().Args()
		return t.comparison(e, name, a[0], a[1])
	}
	return nil, t.fail(e, "only questions, comparisons with a literal and \"v\" in list have an enableWhen form")
}

func (t *translator) boolAtom(e celast.Expr, want bool) ([]EnableWhen, *unmapped) {
	q, ok := t.questions[e.AsIdent()]
	if !ok || q.Type != triage.BooleanType {
		return nil, t.fail(e, "only a boolean question can stand alone")
	}
	return []EnableWhen{{Question: q.ID, Operator: "=", Answer: Value{Boolean: &want}}}, nil
}

// comparison maps question op literal (or literal op question).
func (t *translator) comparison(e celast.Expr, op string, l, r celast.Expr) ([]EnableWhen, *unmapped) {
	if l.Kind() == celast.LiteralKind && r.Kind() == celast.IdentKind {
		l, r, op = r, l, flipped[op]
	}
	if l.Kind() != celast.IdentKind || r.Kind() != celast.LiteralKind {
		return nil, t.fail(e, "enableWhen compares one question with one literal")
	}
	q, ok := t.questions[l.AsIdent()]
	if !ok {
		return nil, t.fail(l, "%q is not a question", l.AsIdent())
	}
	ordered := op != operators.Equals && op != operators.NotEquals
	val, err := t.literal(q, r, ordered)
	if err != nil {
		return nil, err
	}
	cmp := EnableWhen{Question: q.ID, Operator: r4Operators[op], Answer: val}
	if op == operators.NotEquals {
		yes := true
		return []EnableWhen{{Question: q.ID, Operator: "exists", Answer: Value{Boolean: &yes}}, cmp}, nil
	}
	return []EnableWhen{cmp}, nil
}

// literal is lit as an enableWhen answer to q.
func (t *translator) literal(q triage.Question, lit celast.Expr, ordered bool) (Value, *unmapped) {
	v := lit.AsLiteral()
	switch q.Type {
	case triage.BooleanType:
		if b, ok := v.(types.Bool); ok && !ordered {
			x := bool(b)
			return Value{Boolean: &x}, nil
		}
	case triage.IntegerType:
		switch n := v.(type) {
		case types.Int:
			x := int64(n)
			return Value{Integer: &x}, nil
		case types.Uint:
			if uint64(n) <= 1<<63-1 {
				x := int64(n)
				return Value{Integer: &x}, nil
			}
		}
	case triage.NumberType:
		switch n := v.(type) {
		case types.Int:
			d := json.Number(strconv.FormatInt(int64(n), 10))
			return Value{Decimal: &d}, nil
		case types.Double:
			d := json.Number(formatDouble(float64(n)))
			return Value{Decimal: &d}, nil
		}
	case triage.ChoiceType:
		if s, ok := v.(types.String); ok && !ordered {
			return Value{Coding: &Coding{System: t.system(q.ID), Code: string(s)}}, nil
		}
	}
	return Value{}, t.fail(lit, "the literal does not fit %s question %q in an enableWhen", q.Type, q.ID)
}

// inAtom maps "v" in m, for a multichoice question m.
func (t *translator) inAtom(e celast.Expr) ([]EnableWhen, *unmapped) {
	a := e.AsCall().Args()
	if a[0].Kind() != celast.LiteralKind || a[1].Kind() != celast.IdentKind {
		return nil, t.fail(e, "enableWhen maps only \"value\" in question")
	}
	q, ok := t.questions[a[1].AsIdent()]
	s, isStr := a[0].AsLiteral().(types.String)
	if !ok || q.Type != triage.MultiChoiceType || !isStr {
		return nil, t.fail(e, "enableWhen maps \"value\" in question only for a multichoice question")
	}
	return []EnableWhen{{Question: q.ID, Operator: "=", Answer: Value{Coding: &Coding{System: t.system(q.ID), Code: string(s)}}}}, nil
}

// notInAtom maps !("v" in m): R4's != holds when no answer equals v, and
// while m is unanswered, so it needs exists true too.
func (t *translator) notInAtom(e celast.Expr) ([]EnableWhen, *unmapped) {
	ew, err := t.inAtom(e)
	if err != nil {
		return nil, err
	}
	yes := true
	ew[0].Operator = "!="
	return []EnableWhen{{Question: ew[0].Question, Operator: "exists", Answer: Value{Boolean: &yes}}, ew[0]}, nil
}

// formatDouble writes f as an R4 decimal that reads back as f.
func formatDouble(f float64) string {
	s := strconv.FormatFloat(f, 'g', -1, 64)
	if !strings.ContainsAny(s, ".eEn") {
		s += ".0"
	}
	return s
}
