package compile

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"

	"github.com/redflagkit/redflag/triage/internal/didyoumean"
)

// The compiler's words are exact but not for a clinician. For the slips
// people make most, a hint in plain words comes first, and the compiler's
// text follows it in parentheses: withHint builds that form.
func withHint(hint, compiler string) string {
	if hint == "" {
		return compiler
	}
	return hint + " (CEL compiler: " + compiler + ")"
}

// celFunctions are the functions and macros rule conditions use, for the
// "did you mean" of an unknown function.
var celFunctions = []string{
	"size", "exists", "all", "exists_one", "filter", "map", "has",
	"matches", "startsWith", "endsWith", "contains", "int", "double", "string",
}

// functionSynonyms are names from other languages for CEL's functions.
var functionSynonyms = map[string]string{
	"len": "size", "length": "size", "count": "size",
	"any": "exists", "some": "exists", "every": "all",
	"includes": "contains", "has_key": "has", "match": "matches",
}

// describeSyntaxError rewords a cel-go syntax error at offset off in src,
// returning where to report it and the message.
func describeSyntaxError(src string, off int, msg string) (int, string) {
	rs := []rune(src)
	slip, token := syntaxError(msg)
	switch slip {
	case unknownToken:
		return off, withHint(unknownTokenHint(token), msg)
	case unexpectedToken:
		if at, hint := unexpectedTokenHint(rs, off, token); hint != "" {
			return at, withHint(hint, msg)
		}
	case missingCloseParen:
		if at := unclosedParen(rs); at >= 0 {
			return at, withHint("this ( is never closed; add a ) where the group ends", msg)
		}
	}
	return off, msg
}

// unknownTokenHint explains a character CEL has no token for.
func unknownTokenHint(token string) string {
	switch {
	case strings.HasPrefix(token, "=>"):
		return `write >= for "at least", not =>`
	case strings.HasPrefix(token, "=<"):
		return `write <= for "at most", not =<`
	case strings.HasPrefix(token, "="):
		return "to compare, write == (two equal signs); a single = is not a comparison"
	case strings.HasPrefix(token, "&"):
		return `write && (two of them) for "and"`
	case strings.HasPrefix(token, "|"):
		return `write || (two of them) for "or"`
	case strings.HasPrefix(token, `"`), strings.HasPrefix(token, "'"):
		return "this quoted text is never closed; end it with a matching quote"
	}
	return ""
}

// unexpectedTokenHint explains a token that does not fit where it is. It
// may move the position: to the "not" before the token, say.
func unexpectedTokenHint(rs []rune, off int, token string) (int, string) {
	if w, at := wordBefore(rs, off); strings.EqualFold(w, "not") {
		return at, `write ! for "not", right before what it negates, like !fever`
	}
	switch strings.ToLower(token) {
	case "and":
		return off, `write && for "and"`
	case "or":
		return off, `write || for "or"`
	case "is":
		return off, "to compare, write == (two equal signs), not is"
	case ")":
		if parenDepth(rs[:min(off, len(rs))]) == 0 && !afterOperator(rs, off) {
			return off, "this ) has no ( before it to close"
		}
		return off, "something is missing before this )"
	case ">":
		if off > 0 && off <= len(rs) && rs[off-1] == '<' {
			return off - 1, `write != for "not equal", not <>`
		}
	case strings.ToLower(endOfInput):
		return off, "the condition stops in the middle: something is missing at its end"
	}
	if token != endOfInput && token != "" {
		return off, fmt.Sprintf("the condition should end before %q, or be joined to what follows with && or ||", token)
	}
	return off, ""
}

// wordBefore returns the word just before offset off (skipping spaces),
// and where it starts.
func wordBefore(rs []rune, off int) (string, int) {
	end := min(off, len(rs))
	for end > 0 && unicode.IsSpace(rs[end-1]) {
		end--
	}
	start := end
	for start > 0 && (unicode.IsLetter(rs[start-1]) || rs[start-1] == '_') {
		start--
	}
	return string(rs[start:end]), start
}

// afterOperator reports whether the last character before off, spaces
// aside, is an operator or an opening bracket: then something is missing
// between it and off.
func afterOperator(rs []rune, off int) bool {
	i := min(off, len(rs)) - 1
	for i >= 0 && unicode.IsSpace(rs[i]) {
		i--
	}
	return i >= 0 && strings.ContainsRune("&|!=<>+-*/%,([", rs[i])
}

// parenDepth returns how many ( in rs are left open, outside quoted text.
func parenDepth(rs []rune) int {
	return len(openParens(rs))
}

// unclosedParen returns the offset of the last ( that is never closed,
// outside quoted text, or -1.
func unclosedParen(rs []rune) int {
	open := openParens(rs)
	if len(open) == 0 {
		return -1
	}
	return open[len(open)-1]
}

// openParens returns the offsets of the ( in rs left open, outside quoted
// text.
func openParens(rs []rune) []int {
	var open []int
	var quote rune
	for i := 0; i < len(rs); i++ {
		switch r := rs[i]; {
		case quote != 0 && r == '\\':
			i++
		case quote != 0:
			if r == quote {
				quote = 0
			}
		case r == '"' || r == '\'':
			quote = r
		case r == '(':
			open = append(open, i)
		case r == ')' && len(open) > 0:
			open = open[:len(open)-1]
		}
	}
	return open
}

// checkErr is one type-check error, with the parsed condition it is about.
type checkErr struct {
	src    string
	off    int
	msg    string
	exprID int64
	parsed ast.Expr
}

// describeCheckError rewords a cel-go type-check error, returning where to
// report it and the message. skip reports an echo of another error (the
// loop variable of a misspelled macro), which is left out.
func (e *Env) describeCheckError(ce checkErr, loopVars []string) (off int, msg string, skip bool) {
	if name, ok := undeclaredReference(ce.msg); ok {
		return e.describeUndeclared(ce, name, loopVars)
	}
	if fn, args, ok := noOverload(ce.msg); ok {
		return ce.off, withHint(e.overloadHint(ce, fn, args), ce.msg), false
	}
	return ce.off, ce.msg, false
}

// describeUndeclared explains a name that is neither a question nor a
// function.
func (e *Env) describeUndeclared(ce checkErr, name string, loopVars []string) (int, string, bool) {
	x := findExpr(ce.parsed, ce.exprID)
	if x != nil && x.Kind() == ast.CallKind {
		return nameStart(ce.src, ce.off, name), unknownFunction(name), false
	}
	if slices.Contains(loopVars, name) {
		return ce.off, "", true
	}
	switch strings.ToLower(name) {
	case "yes", "no":
		return ce.off, fmt.Sprintf("CEL has no %s: for a yes/no question write its id alone for yes, like fever, and with ! for no, like !fever", name), false
	case "true", "false":
		return ce.off, fmt.Sprintf("write %s in lower case", strings.ToLower(name)), false
	}
	out := fmt.Sprintf("unknown question %q", name)
	if s := didyoumean.Suggest(name, e.names()); s != "" {
		out += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return ce.off, out, false
}

// unknownFunction names an unknown function and the closest one rules use.
func unknownFunction(name string) string {
	s := functionSynonyms[name]
	if s == "" {
		s = didyoumean.Suggest(name, celFunctions)
	}
	if s == "" {
		for _, f := range celFunctions {
			if strings.EqualFold(f, name) {
				s = f
			}
		}
	}
	if s == "" {
		return fmt.Sprintf("unknown function %q; rules can use %s", name, strings.Join(celFunctions, ", "))
	}
	return fmt.Sprintf("unknown function %q (did you mean %q?)", name, s)
}

// nameStart moves off, where cel-go reports a call (its parenthesis), back
// to the start of the function's name, when the name is right before it.
func nameStart(src string, off int, name string) int {
	rs := []rune(src)
	n := len([]rune(name))
	if off >= n && off <= len(rs) && string(rs[off-n:off]) == name {
		return off - n
	}
	return off
}

// loopVariables returns the loop variables of calls to unknown functions
// written like macros (m.exist(x, x == "a")): each would be reported again
// as an unknown question.
func loopVariables(parsed ast.Expr, unknown []string) []string {
	var out []string
	ast.PreOrderVisit(parsed, ast.NewExprVisitor(func(x ast.Expr) {
		if x.Kind() != ast.CallKind {
			return
		}
		c := x.AsCall()
		if !slices.Contains(unknown, c.FunctionName()) || len(c.Args()) < 2 || c.Args()[0].Kind() != ast.IdentKind {
			return
		}
		out = append(out, c.Args()[0].AsIdent())
	}))
	return out
}

func findExpr(root ast.Expr, id int64) ast.Expr {
	var found ast.Expr
	ast.PreOrderVisit(root, ast.NewExprVisitor(func(x ast.Expr) {
		if x.ID() == id {
			found = x
		}
	}))
	return found
}

var comparisons = []string{
	operators.Less, operators.LessEquals, operators.Greater, operators.GreaterEquals,
	operators.Equals, operators.NotEquals,
}

func isNumber(t string) bool { return t == "int" || t == "double" || t == "uint" }

// overloadHint explains an operator applied to the wrong kinds of value.
func (e *Env) overloadHint(ce checkErr, fn string, types []string) string {
	x := findExpr(ce.parsed, ce.exprID)
	if x == nil || x.Kind() != ast.CallKind || len(types) != 2 || len(x.AsCall().Args()) != 2 {
		return ""
	}
	args := x.AsCall().Args()
	if fn == operators.In {
		return e.inHint(args, types)
	}
	if !slices.Contains(comparisons, fn) {
		return ""
	}
	// Put the question (or the side that is not a literal) first.
	q, other, qt, ot := args[0], args[1], types[0], types[1]
	if q.Kind() == ast.LiteralKind {
		q, other, qt, ot = other, q, ot, qt
	}
	name := e.questionName(q)
	op := operatorText(fn, q == args[1])
	switch {
	case isNumber(qt) && ot == "string":
		return numberWithText(name, op, other)
	case qt == "bool":
		return boolHint(name, op, other)
	case qt == "list(string)" && ot == "string" && (fn == operators.Equals || fn == operators.NotEquals):
		return e.multichoiceHint(name, other)
	case qt == "string" && isNumber(ot):
		return e.choiceHint(name, op)
	}
	return ""
}

// questionName returns the question x reads, when x is a question id.
func (e *Env) questionName(x ast.Expr) string {
	if x.Kind() != ast.IdentKind {
		return ""
	}
	if _, ok := e.index[x.AsIdent()]; ok {
		return x.AsIdent()
	}
	return ""
}

// operatorText writes fn as it reads with the question on its left.
func operatorText(fn string, swapped bool) string {
	text, _ := operators.FindReverseBinaryOperator(fn)
	mirror := map[string]string{"<": ">", "<=": ">=", ">": "<", ">=": "<="}
	if m, ok := mirror[text]; ok && swapped {
		return m
	}
	return text
}

// numberWithText explains a number question compared with quoted text.
func numberWithText(name, op string, other ast.Expr) string {
	if name == "" {
		return "a number cannot be compared with text in quotes: write the number without quotes"
	}
	out := name + " is a number question: compare it with a number, without quotes"
	if v, ok := stringLiteral(other); ok {
		if _, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
			out += fmt.Sprintf(", like %s %s %s", name, op, strings.TrimSpace(v))
		}
	}
	return out
}

// boolHint explains a yes/no question compared with text or a number.
func boolHint(name, op string, other ast.Expr) string {
	if name == "" {
		return "a yes/no answer is true or false, not text or a number: write the question's id alone for yes, and with ! for no"
	}
	yesNo := fmt.Sprintf("write %s for yes and !%s for no", name, name)
	if v, ok := stringLiteral(other); ok {
		return fmt.Sprintf("%s is a yes/no question: %s, not %s %s %q", name, yesNo, name, op, v)
	}
	return fmt.Sprintf("%s is a yes/no question, not a number: %s", name, yesNo)
}

func (e *Env) multichoiceHint(name string, other ast.Expr) string {
	choice, ok := stringLiteral(other)
	if name == "" || !ok {
		return `a multichoice answer is a list of choices: test one choice with in, like "fingers" in where`
	}
	return fmt.Sprintf("%s is a multichoice question, whose answer is a list of choices: test one choice with in, like %q in %s", name, choice, name)
}

func (e *Env) choiceHint(name, op string) string {
	if name == "" {
		return "a choice answer is text: compare it with one of its choices, in quotes"
	}
	out := name + " is a choice question: compare it with one of its choices, in quotes"
	if v := e.vars[e.index[name]]; len(v.Choices) > 0 && (op == "==" || op == "!=") {
		out += fmt.Sprintf(", like %s %s %q", name, op, v.Choices[0])
	}
	return out
}

// inHint explains x in y where y is not a list.
func (e *Env) inHint(args []ast.Expr, types []string) string {
	if strings.HasPrefix(types[1], "list(") || strings.HasPrefix(types[1], "map(") {
		return ""
	}
	name := e.questionName(args[1])
	if name != "" && types[1] == "string" {
		if v, ok := stringLiteral(args[0]); ok {
			return fmt.Sprintf("%s is a choice question with one answer: compare it with ==, like %s == %q", name, name, v)
		}
	}
	return `in needs a list on its right, in square brackets, like side in ["left", "right"]`
}

func stringLiteral(x ast.Expr) (string, bool) {
	if x.Kind() != ast.LiteralKind {
		return "", false
	}
	s, ok := x.AsLiteral().(types.String)
	return string(s), ok
}
