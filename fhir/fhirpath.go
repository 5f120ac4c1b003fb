package fhir

import (
	"fmt"
	"strconv"
	"strings"

	celast "cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"

	"github.com/redflagkit/redflag/triage"
)

// FHIRPath's three-valued logic matches CEL's partial evaluation: an
// unanswered question is the empty collection, comparisons with it are
// empty, "true or {}" is true, "false and {}" is false. An undecided ask_if
// leaves the question unasked, so an empty result must disable the item;
// asBoolean makes it false, since SDC requires the expression to return a
// boolean.

// asBoolean makes a translated ask_if return true or false, never empty:
// "X ~ true" is true when X is true, and false when X is false or empty
// (equivalence with one side empty is false, unlike "=", which would be
// empty). A translated ask_if is a path, a literal, a .not() invocation or
// a parenthesised operation, all of which bind tighter than ~, so it needs
// no more parentheses.
func asBoolean(fp string) string {
	return fp + " ~ true"
}

// fpOperators maps CEL comparisons and connectives to FHIRPath.
var fpOperators = map[string]string{
	operators.Equals: "=", operators.NotEquals: "!=",
	operators.Less: "<", operators.LessEquals: "<=",
	operators.Greater: ">", operators.GreaterEquals: ">=",
	operators.LogicalAnd: "and", operators.LogicalOr: "or",
}

// fhirpath translates a boolean ask_if.
func (t *translator) fhirpath(e celast.Expr) (string, *unmapped) {
	switch e.Kind() {
	case celast.IdentKind:
		return t.fpValue(e)
	case celast.LiteralKind:
		return fpLiteral(e, t)
	case celast.CallKind:
	default:
		return "", t.fail(e, "this kind of expression has no FHIRPath translation")
	}
	c := e.AsCall()
	name := c.FunctionName()
	if op, ok := fpOperators[name]; ok {
		l, err := t.fhirpath(c.Args()[0])
		if err != nil {
			return "", err
		}
		r, err := t.fhirpath(c.Args()[1])
		if err != nil {
			return "", err
		}
		return "(" + l + " " + op + " " + r + ")", nil
	}
	switch name {
	case operators.LogicalNot:
		x, err := t.fhirpath(c.Args()[0])
		if err != nil {
			return "", err
		}
		return x + ".not()", nil
	case operators.In:
		return t.fpIn(e)
	case "size":
		return t.fpSize(e)
	}
	return "", t.fail(e, "%s has no FHIRPath translation that keeps CEL's handling of unanswered questions", describeCall(name))
}

func describeCall(name string) string {
	if name == operators.Conditional {
		return "the operator ? :"
	}
	if op, ok := operators.FindReverse(name); ok && op != "" {
		return "the operator " + op
	}
	return "the function " + name + "()"
}

// itemPath selects the response item of question id.
func itemPath(id string) string {
	return "%resource.repeat(item).where(linkId=" + fpString(id) + ")"
}

// fpValue is the answer to a boolean, integer, number or choice question.
func (t *translator) fpValue(e celast.Expr) (string, *unmapped) {
	q, ok := t.questions[e.AsIdent()]
	if !ok {
		return "", t.fail(e, "%q is not a question", e.AsIdent())
	}
	switch q.Type {
	case triage.ChoiceType:
		return itemPath(q.ID) + ".answer.value.code", nil
	case triage.MultiChoiceType:
		return "", t.fail(e, "a multichoice answer is a list, usable only with in and size()")
	}
	return itemPath(q.ID) + ".answer.value", nil
}

// multichoice returns the multichoice question e names.
func (t *translator) multichoice(e celast.Expr) (triage.Question, *unmapped) {
	if e.Kind() == celast.IdentKind {
		if q, ok := t.questions[e.AsIdent()]; ok && q.Type == triage.MultiChoiceType {
			return q, nil
		}
	}
	return triage.Question{}, t.fail(e, "expected a multichoice question")
}

// fpChosen is an expression over a multichoice question's item that is
// empty while the question is unanswered: sel is evaluated on the item, and
// sees its answers' Codings (the "none of these" option has a system of its
// own, so it never matches a choice).
func (t *translator) fpChosen(q triage.Question, sel string) string {
	return itemPath(q.ID) + ".where(answer.exists()).select(answer.value.where(system=" +
		fpString(t.system(q.ID)) + ")" + sel + ")"
}

// fpIn maps "v" in m (multichoice) and c in ["a", "b"] (a list literal).
func (t *translator) fpIn(e celast.Expr) (string, *unmapped) {
	a := e.AsCall().Args()
	if a[1].Kind() == celast.ListKind {
		l, err := t.fhirpath(a[0])
		if err != nil {
			return "", err
		}
		var elems []string
		for _, x := range a[1].AsList().Elements() {
			s, err := t.fhirpath(x)
			if err != nil {
				return "", err
			}
			elems = append(elems, s)
		}
		if len(elems) == 0 {
			return "", t.fail(e, "an empty list has no FHIRPath translation")
		}
		return "(" + l + " in (" + strings.Join(elems, " | ") + "))", nil
	}
	q, err := t.multichoice(a[1])
	if err != nil {
		return "", err
	}
	if a[0].Kind() != celast.LiteralKind {
		return "", t.fail(a[0], "only a literal value can be looked up in a multichoice answer")
	}
	s, ok := a[0].AsLiteral().(types.String)
	if !ok {
		return "", t.fail(a[0], "only a string can be looked up in a multichoice answer")
	}
	return t.fpChosen(q, ".where(code="+fpString(string(s))+").exists()"), nil
}

// fpSize maps size(m) for a multichoice question m.
func (t *translator) fpSize(e celast.Expr) (string, *unmapped) {
	c := e.AsCall()
	arg := c.Target()
	if !c.IsMemberFunction() {
		if len(c.Args()) != 1 {
			return "", t.fail(e, "size() takes one argument")
		}
		arg = c.Args()[0]
	}
	q, err := t.multichoice(arg)
	if err != nil {
		return "", err
	}
	return t.fpChosen(q, ".count()"), nil
}

// fpLiteral writes a CEL literal in FHIRPath.
func fpLiteral(e celast.Expr, t *translator) (string, *unmapped) {
	switch v := e.AsLiteral().(type) {
	case types.Bool:
		return strconv.FormatBool(bool(v)), nil
	case types.Int:
		return strconv.FormatInt(int64(v), 10), nil
	case types.Uint:
		return strconv.FormatUint(uint64(v), 10), nil
	case types.Double:
		s := strconv.FormatFloat(float64(v), 'f', -1, 64)
		if !strings.Contains(s, ".") {
			s += ".0"
		}
		return s, nil
	case types.String:
		return fpString(string(v)), nil
	}
	return "", t.fail(e, "this literal has no FHIRPath translation")
}

// fpString quotes s as a FHIRPath string literal.
func fpString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			if r < 0x20 {
				fmt.Fprintf(&b, `\u%04x`, r)
				continue
			}
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}
