package triage

import (
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/cost"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
	"go.yaml.in/yaml/v3"
)

// condition is one compiled CEL condition: a rule's when or a question's
// ask_if.
type condition struct {
	src   string
	ast   *cel.Ast
	reads []int // indices of the questions read, ascending (questionnaire order)
	// conjuncts are the top-level && operands, printed in canonical form,
	// used to check that follow-up questions are guarded.
	conjuncts []string
	// fast evaluates with every read question answered; partial treats
	// unanswered questions as unknown. Keeping both lets complete answers
	// skip the cost of partial evaluation.
	fast, partial cel.Program
	// needsCtx is set when the condition has a comprehension, the only
	// construct that can run long enough for cancellation to matter.
	needsCtx bool
	pos      Position
}

// newEnv declares every question as a typed top-level variable, so every
// expression is type-checked against the questionnaire.
//
// placeholders are ids of questions whose declaration is broken (and
// already reported); they are declared as dyn so that every rule reading
// them does not also report an "unknown question".
func newEnv(qs []*question, placeholders []string, o *options) (*cel.Env, error) {
	opts := []cel.EnvOption{
		cel.ParserRecursionLimit(o.maxNesting),
		cel.ParserExpressionSizeLimit(o.maxExprLength),
		// Let "temp >= 38" compare a number question with an integer
		// literal, as clinicians write it, instead of demanding 38.0.
		cel.CrossTypeNumericComparisons(true),
		// Keep the macro calls (filter, exists, ...) in the source info, so
		// the choice-literal check can see through m.filter(...).
		cel.EnableMacroCallTracking(),
	}
	for _, q := range qs {
		opts = append(opts, cel.Variable(q.ID, celType(q.Type)))
	}
	for _, id := range placeholders {
		opts = append(opts, cel.Variable(id, cel.DynType))
	}
	return cel.NewEnv(opts...)
}

func celType(t QuestionType) *cel.Type {
	switch t {
	case Boolean:
		return cel.BoolType
	case Integer:
		return cel.IntType
	case Number:
		return cel.DoubleType
	case Choice:
		return cel.StringType
	case MultiChoice:
		return cel.ListType(cel.StringType)
	}
	panic(fmt.Sprintf("triage: unhandled question type %d", t))
}

var undeclaredRef = regexp.MustCompile(`^undeclared reference to '([^']*)'`)

// compile parses, type-checks and plans the condition held by node n,
// reporting every problem at its position in the rule file.
func (b *builder) compile(d *decoder, n *yaml.Node, id, path string) *condition {
	src := n.Value
	start := d.locate(n, 0)
	if l := len([]rune(src)); l > b.opts.maxExprLength {
		b.unreadable = true
		d.errAt(start, id, path, "%s is %d characters long; the limit is %d", describePath(path), l, b.opts.maxExprLength)
		return nil
	}
	if strings.TrimSpace(src) == "" {
		d.errAt(start, id, path, "%s must not be empty", describePath(path))
		return nil
	}
	checked, iss := b.env.Compile(src)
	if iss != nil && iss.Err() != nil {
		b.unreadable = true
		for _, e := range iss.Errors() {
			msg := e.Message
			if m := undeclaredRef.FindStringSubmatch(msg); m != nil {
				msg = fmt.Sprintf("unknown question %q", m[1])
				if s := suggest(m[1], questionIDs(b.questions)); s != "" {
					msg += fmt.Sprintf(" (did you mean %q?)", s)
				}
			}
			off := locationOffset(src, e.Location.Line(), e.Location.Column())
			d.errAt(d.locate(n, off), id, path, "%s: %s", describePath(path), msg)
		}
		return nil
	}
	c := &condition{src: src, ast: checked, pos: start}
	native := checked.NativeRep()
	seen := map[int]bool{}
	for _, ref := range native.ReferenceMap() {
		if ref.Value != nil || len(ref.OverloadIDs) > 0 {
			continue
		}
		if qi, ok := b.qIndex[ref.Name]; ok && !seen[qi] {
			seen[qi] = true
			c.reads = append(c.reads, qi)
		}
	}
	slices.Sort(c.reads)
	for _, qi := range c.reads {
		b.read[qi] = true // even if a later check fails, the question is not unused
	}
	if out := checked.OutputType(); !out.IsExactType(types.BoolType) {
		d.errAt(start, id, path, "%s must be a boolean condition, but it is of type %s", describePath(path), out)
		return nil
	}
	if !b.checkChoiceLiterals(d, n, id, path, c) {
		return nil
	}
	ast.PreOrderVisit(native.Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		if e.Kind() == ast.ComprehensionKind {
			c.needsCtx = true
		}
	}))
	for _, e := range flattenAnd(native.Expr()) {
		s, err := cel.ExprToString(e, native.SourceInfo())
		if err != nil {
			s = fmt.Sprintf("#%d", e.ID()) // unprintable: never equal to a guard
		}
		c.conjuncts = append(c.conjuncts, s)
	}

	est, err := b.env.EstimateCost(checked, &sizeEstimator{qs: b.questions, qIndex: b.qIndex})
	if err != nil {
		d.errAt(start, id, path, "%s: cannot estimate cost: %v", describePath(path), err)
		return nil
	}
	if est.Max > b.opts.costLimit {
		d.errAt(start, id, path, "%s: estimated cost %d exceeds the limit of %d", describePath(path), est.Max, b.opts.costLimit)
		return nil
	}

	// The runtime cost limit backs up the static estimate wherever cost
	// can depend on the data: in comprehensions, and on the partial path.
	// A condition without a comprehension has no loop: each node runs at
	// most once over answers whose sizes Evaluate has bounded, so its
	// actual cost cannot exceed the estimate just checked, and tracking it
	// would only slow the complete-answers path (cost tracking is most of
	// the time of a small CEL evaluation).
	limited := []cel.ProgramOption{cel.CostLimit(b.opts.costLimit), cel.InterruptCheckFrequency(100)}
	fastOpts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	if c.needsCtx {
		fastOpts = append(fastOpts, limited...)
	}
	fast, err := b.env.Program(checked, fastOpts...)
	if err != nil {
		d.errAt(start, id, path, "%s: %v", describePath(path), err)
		return nil
	}
	partial, err := b.env.Program(checked, append(limited, cel.EvalOptions(cel.OptPartialEval))...)
	if err != nil {
		d.errAt(start, id, path, "%s: %v", describePath(path), err)
		return nil
	}
	c.fast, c.partial = fast, partial

	// A condition that is decided with every answer unknown can never
	// change with the answers: it always or never fires, which in a
	// clinical rule is a mistake, not a choice.
	out, _, err := partial.Eval(b.env.UnknownVars())
	switch {
	case err != nil:
		d.errAt(start, id, path, "%s always fails to evaluate: %v", describePath(path), err)
		return nil
	case !types.IsUnknown(out):
		d.errAt(start, id, path, "%s is always %v: it does not depend on any answer", describePath(path), out)
		return nil
	}
	return c
}

// locationOffset converts a 1-based line and 0-based column within src to a
// code-point offset.
func locationOffset(src string, line, col int) int {
	off := 0
	for i, l := range strings.Split(src, "\n") {
		if i+1 == line {
			return off + col
		}
		off += len([]rune(l)) + 1
	}
	return off
}

// flattenAnd returns the operands of a chain of && at the top of e.
func flattenAnd(e ast.Expr) []ast.Expr {
	if e.Kind() == ast.CallKind && e.AsCall().FunctionName() == operators.LogicalAnd {
		var out []ast.Expr
		for _, arg := range e.AsCall().Args() {
			out = append(out, flattenAnd(arg)...)
		}
		return out
	}
	return []ast.Expr{e}
}

// sizeEstimator tells the cost estimator how large answers can be: a
// multichoice list holds at most its number of choices, a choice string is
// at most as long as its longest value.
type sizeEstimator struct {
	qs     []*question
	qIndex map[string]int
}

// EstimateSize implements cost.Estimator.
func (s *sizeEstimator) EstimateSize(n cost.AstNode) *cost.SizeEstimate {
	p := n.Path()
	if len(p) == 0 {
		return nil
	}
	qi, ok := s.qIndex[p[0]]
	if !ok {
		return nil
	}
	q := s.qs[qi]
	switch {
	case len(p) == 1 && q.Type == MultiChoice:
		return &cost.SizeEstimate{Min: 0, Max: uint64(len(q.Choices))}
	case len(p) == 1 && q.Type == Choice, len(p) == 2 && q.Type == MultiChoice && p[1] == "@items":
		longest := 0
		for _, c := range q.Choices {
			longest = max(longest, len([]rune(c.Value)))
		}
		return &cost.SizeEstimate{Min: 0, Max: uint64(longest)}
	}
	return nil
}

// EstimateCallCost implements cost.Estimator; standard costs apply.
func (s *sizeEstimator) EstimateCallCost(function, overloadID string, target *cost.AstNode, args []cost.AstNode) *cost.CallEstimate {
	return nil
}

// batch compiles every rule's condition into one CEL list, so that complete
// answers are evaluated in a single pass. Each condition is wrapped in
// parentheses on lines of its own, so comments and newlines inside it stay
// harmless. It returns nil if the batch cannot be built; Evaluate then
// evaluates rule by rule, which is always correct.
func (b *builder) batch(rules []*rule) (cel.Program, bool) {
	if len(rules) == 0 {
		return nil, false
	}
	var src strings.Builder
	needsCtx := false
	src.WriteString("[")
	for i, r := range rules {
		if i > 0 {
			src.WriteString(",")
		}
		src.WriteString("(\n")
		src.WriteString(r.when.src)
		src.WriteString("\n)")
		needsCtx = needsCtx || r.when.needsCtx
	}
	src.WriteString("]")
	// Each condition passed the per-condition limits; the list of them may
	// be longer and one level deeper than any one of them.
	env, err := b.env.Extend(
		cel.ParserExpressionSizeLimit(len([]rune(src.String()))+1),
		cel.ParserRecursionLimit(b.opts.maxNesting+2),
	)
	if err != nil {
		return nil, false
	}
	checked, iss := env.Compile(src.String())
	if iss != nil && iss.Err() != nil {
		return nil, false
	}
	if !checked.OutputType().IsExactType(cel.ListType(cel.BoolType)) {
		return nil, false
	}
	opts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	if needsCtx {
		limit := b.opts.costLimit * uint64(len(rules))
		if limit/uint64(len(rules)) != b.opts.costLimit {
			limit = math.MaxUint64 // saturate rather than wrap
		}
		opts = append(opts, cel.CostLimit(limit), cel.InterruptCheckFrequency(100))
	}
	prg, err := env.Program(checked, opts...)
	if err != nil {
		return nil, false
	}
	return prg, needsCtx
}

// checkChoiceLiterals reports string literals compared with a choice or
// multichoice question that are not among its choices. A misspelled choice
// ("stif_neck") would otherwise load and silently never match: a red flag
// switched off by a typo. It covers q == "x", q != "x", q in ["x", "y"],
// "x" in m, m == ["x"], m[0] == "x", comprehension variables over m or over
// m.filter(...) (m.exists(s, s == "x")), and literal lists compared with m
// (["x", "y"].exists(p, p in m)).
func (b *builder) checkChoiceLiterals(d *decoder, n *yaml.Node, id, path string, c *condition) bool {
	native := c.ast.NativeRep()
	info := native.SourceInfo()
	ok := true
	check := func(lit ast.Expr, q *question) {
		if q == nil || lit.Kind() != ast.LiteralKind {
			return
		}
		s, isStr := lit.AsLiteral().Value().(string)
		if !isStr || q.hasChoice(s) {
			return
		}
		values := make([]string, len(q.Choices))
		for i, ch := range q.Choices {
			values[i] = ch.Value
		}
		msg := fmt.Sprintf("%q is not a choice of question %q (choices: %s)", s, q.ID, strings.Join(values, ", "))
		if sug := suggest(s, values); sug != "" {
			msg = fmt.Sprintf("%q is not a choice of question %q (did you mean %q?)", s, q.ID, sug)
		}
		pos := c.pos
		if r, found := info.GetOffsetRange(lit.ID()); found {
			pos = d.locate(n, int(r.Start))
		}
		d.errAt(pos, id, path, "%s: %s", describePath(path), msg)
		ok = false
	}
	checkAll := func(lits []ast.Expr, q *question) {
		for _, l := range lits {
			check(l, q)
		}
	}

	// A binding is what a comprehension variable stands for: an element of
	// a multichoice question (q), an element of a literal list (lits), or
	// neither (it only shadows any question of the same name).
	type binding struct {
		q    *question
		lits []ast.Expr
	}
	type scope map[string]binding
	questionOf := func(e ast.Expr, sc scope, t QuestionType) *question {
		if e.Kind() != ast.IdentKind {
			return nil
		}
		if _, shadowed := sc[e.AsIdent()]; shadowed {
			return nil
		}
		if qi, found := b.qIndex[e.AsIdent()]; found && b.questions[qi].Type == t {
			return b.questions[qi]
		}
		return nil
	}
	// multi returns the multichoice question whose subset e holds.
	var multi func(e ast.Expr, sc scope) *question
	multi = func(e ast.Expr, sc scope) *question {
		if q := questionOf(e, sc, MultiChoice); q != nil {
			return q
		}
		if mc, found := info.GetMacroCall(e.ID()); found && mc.Kind() == ast.CallKind &&
			mc.AsCall().FunctionName() == "filter" && mc.AsCall().IsMemberFunction() {
			return multi(mc.AsCall().Target(), sc)
		}
		return nil
	}
	// element returns the question whose single choice value e holds.
	element := func(e ast.Expr, sc scope) *question {
		if e.Kind() == ast.IdentKind {
			if bd, bound := sc[e.AsIdent()]; bound {
				return bd.q
			}
			return questionOf(e, sc, Choice)
		}
		if e.Kind() == ast.CallKind && e.AsCall().FunctionName() == operators.Index && len(e.AsCall().Args()) == 2 {
			return multi(e.AsCall().Args()[0], sc)
		}
		return nil
	}
	literals := func(e ast.Expr, sc scope) []ast.Expr {
		if e.Kind() == ast.IdentKind {
			return sc[e.AsIdent()].lits
		}
		return nil
	}
	listElems := func(e ast.Expr) []ast.Expr {
		if e.Kind() == ast.ListKind {
			return e.AsList().Elements()
		}
		return nil
	}

	var visit func(e ast.Expr, sc scope)
	visit = func(e ast.Expr, sc scope) {
		switch e.Kind() {
		case ast.CallKind:
			call := e.AsCall()
			args := call.Args()
			switch fn := call.FunctionName(); {
			case (fn == operators.Equals || fn == operators.NotEquals) && len(args) == 2:
				for _, pair := range [2][2]ast.Expr{{args[0], args[1]}, {args[1], args[0]}} {
					if q := element(pair[0], sc); q != nil {
						check(pair[1], q)
						checkAll(literals(pair[1], sc), q)
					}
					if q := multi(pair[0], sc); q != nil {
						checkAll(listElems(pair[1]), q)
					}
				}
			case fn == operators.In && len(args) == 2:
				if q := multi(args[1], sc); q != nil {
					check(args[0], q)
					checkAll(literals(args[0], sc), q)
				}
				if q := element(args[0], sc); q != nil {
					checkAll(listElems(args[1]), q)
				}
			}
			if call.IsMemberFunction() {
				visit(call.Target(), sc)
			}
			for _, a := range args {
				visit(a, sc)
			}
		case ast.ComprehensionKind:
			comp := e.AsComprehension()
			inner := scope{}
			for k, v := range sc {
				inner[k] = v
			}
			var bd binding
			if q := multi(comp.IterRange(), sc); q != nil && !comp.HasIterVar2() {
				bd.q = q
			} else if lits := listElems(comp.IterRange()); lits != nil && !comp.HasIterVar2() {
				bd.lits = lits
			}
			inner[comp.IterVar()] = bd
			if comp.HasIterVar2() {
				inner[comp.IterVar2()] = binding{}
			}
			inner[comp.AccuVar()] = binding{}
			visit(comp.IterRange(), sc)
			visit(comp.AccuInit(), sc)
			visit(comp.LoopCondition(), inner)
			visit(comp.LoopStep(), inner)
			visit(comp.Result(), inner)
		case ast.ListKind:
			for _, el := range e.AsList().Elements() {
				visit(el, sc)
			}
		case ast.SelectKind:
			visit(e.AsSelect().Operand(), sc)
		case ast.MapKind:
			for _, en := range e.AsMap().Entries() {
				visit(en.AsMapEntry().Key(), sc)
				visit(en.AsMapEntry().Value(), sc)
			}
		}
	}
	visit(native.Expr(), scope{})
	return ok
}
