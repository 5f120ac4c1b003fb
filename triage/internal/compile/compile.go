// Package compile turns rule conditions (CEL source text) into checked,
// planned programs over a questionnaire. It knows nothing of YAML: a
// problem is reported at a code-point offset into the condition's text,
// and the caller maps that to a file position.
package compile

import (
	"fmt"
	"slices"
	"strings"

	"cel.dev/cel-go/cel"
	"cel.dev/cel-go/common/ast"
	"cel.dev/cel-go/common/operators"
	"cel.dev/cel-go/common/types"
)

// Kind is the CEL type of a question's answer.
type Kind int

// The kinds of answer a condition can read.
const (
	Bool       Kind = iota + 1 // boolean questions
	Int                        // integer questions
	Double                     // number questions
	String                     // choice questions
	StringList                 // multichoice questions
)

func (k Kind) celType() *cel.Type {
	switch k {
	case Bool:
		return cel.BoolType
	case Int:
		return cel.IntType
	case Double:
		return cel.DoubleType
	case String:
		return cel.StringType
	case StringList:
		return cel.ListType(cel.StringType)
	}
	panic(fmt.Sprintf("compile: unhandled kind %d", k))
}

// Var is one question as conditions see it.
type Var struct {
	Name    string
	Kind    Kind
	Choices []string // the allowed values of a String or StringList question
}

// Limits bound what a condition may cost to parse and run.
type Limits struct {
	Cost             uint64 // estimated and runtime CEL cost of one condition
	ExpressionLength int    // code points of one condition
	Nesting          int    // parser recursion depth
}

// Env compiles conditions over one questionnaire. It is safe for
// concurrent use once built.
type Env struct {
	cel   *cel.Env
	vars  []Var
	index map[string]int
	lim   Limits
}

// NewEnv declares every question as a typed top-level variable, so every
// condition is type-checked against the questionnaire. placeholders are
// names of questions whose declaration is broken (and already reported);
// they are declared as dyn so that the rules reading them do not also
// report an "unknown question".
func NewEnv(vars []Var, placeholders []string, lim Limits) (*Env, error) {
	opts := []cel.EnvOption{
		cel.ParserRecursionLimit(lim.Nesting),
		cel.ParserExpressionSizeLimit(lim.ExpressionLength),
		// Let "temp >= 38" compare a number question with an integer
		// literal, as clinicians write it, instead of demanding 38.0.
		cel.CrossTypeNumericComparisons(true),
		// Keep the macro calls (filter, exists, ...) in the source info, so
		// the choice-literal check can see through m.filter(...).
		cel.EnableMacroCallTracking(),
	}
	index := make(map[string]int, len(vars))
	for i, v := range vars {
		opts = append(opts, cel.Variable(v.Name, v.Kind.celType()))
		index[v.Name] = i
	}
	for _, name := range placeholders {
		opts = append(opts, cel.Variable(name, cel.DynType))
	}
	env, err := cel.NewEnv(opts...)
	if err != nil {
		return nil, err
	}
	return &Env{cel: env, vars: vars, index: index, lim: lim}, nil
}

// CEL returns the underlying CEL environment, for building activations.
func (e *Env) CEL() *cel.Env { return e.cel }

// Condition is one compiled condition: a rule's when or a question's
// ask_if.
type Condition struct {
	Src string
	AST *cel.Ast
	// Reads holds the indices of the questions read, ascending
	// (questionnaire order).
	Reads []int
	// Conjuncts are the top-level && operands, printed in canonical form,
	// used to check that follow-up questions are guarded.
	Conjuncts []string
	// Fast evaluates with every read question answered; Partial treats
	// unanswered questions as unknown. Keeping both lets complete answers
	// skip the cost of partial evaluation.
	Fast, Partial cel.Program
	// Track evaluates exhaustively (no short circuit), with unanswered
	// questions unknown, and keeps the evaluation state, from which
	// Decisive reads the answers that made the condition true. It is nil
	// when the condition needs no state for that, a tree of && over
	// comparisons and other leaves: then every answered question it reads
	// decided it. It is also nil for a condition that reads more than 64
	// questions, which then cites every answer it read (more than decided
	// it, never less).
	Track cel.Program
	// Blank is what the partial program gives when no question the
	// condition reads is answered, computed once at compile time: the
	// result is then always undecided, and Blank lists the questions it
	// needs (as Env.Unanswered reports them; empty means the unknown named
	// no question, which evaluation treats as a failure). Evaluation
	// returns it instead of running Partial, so rules that read nothing
	// answered cost nothing. nil means not precomputed: run Partial.
	Blank []int
	// NeedsCtx is set when the condition has a comprehension, the only
	// construct that can run long enough for cancellation to matter.
	NeedsCtx bool

	logic logic // the boolean structure, for Decisive
}

// Problem is one thing wrong with a condition, at a code-point offset into
// its text (-1: the condition as a whole).
type Problem struct {
	Offset int
	Msg    string
	// Limit is set when the condition is over one of Limits, so that the
	// caller reports it as an input over a limit.
	Limit bool
}

// Result is what Compile found.
type Result struct {
	// Cond is the compiled condition, or nil if there were problems.
	Cond *Condition
	// Reads holds the questions the condition reads, known as soon as it
	// type-checks, even when a later check fails: such a question is not
	// unused.
	Reads    []int
	Problems []Problem
	// Unreadable is set when the condition could not be parsed or
	// type-checked, so what it reads is not known.
	Unreadable bool
}

func (r *Result) fail(offset int, format string, args ...any) Result {
	r.Problems = append(r.Problems, Problem{Offset: offset, Msg: fmt.Sprintf(format, args...)})
	r.Cond = nil
	return *r
}

// failLimit is fail for a condition over one of Limits.
func (r *Result) failLimit(offset int, format string, args ...any) Result {
	r.fail(offset, format, args...)
	r.Problems[len(r.Problems)-1].Limit = true
	return *r
}

// Compile parses, type-checks and plans src, the condition called subject
// ("when", "ask_if") in messages.
func (e *Env) Compile(src, subject string) Result {
	var r Result
	if l := len([]rune(src)); l > e.lim.ExpressionLength {
		r.Unreadable = true
		return r.failLimit(-1, "%s is %d characters long; the limit is %d (Limits.ExpressionLength)", subject, l, e.lim.ExpressionLength)
	}
	if strings.TrimSpace(src) == "" {
		return r.fail(-1, "%s must not be empty", subject)
	}
	parsed, iss := e.cel.Parse(src)
	if iss != nil && iss.Err() != nil {
		r.Unreadable = true
		return e.syntaxProblem(&r, src, subject, iss.Errors())
	}
	checked, iss := e.cel.Check(parsed)
	if iss != nil && iss.Err() != nil {
		r.Unreadable = true
		e.describeCheckErrors(&r, src, subject, parsed, iss.Errors())
		return r
	}
	c := &Condition{Src: src, AST: checked, Reads: e.reads(checked)}
	r.Reads = c.Reads
	if out := checked.OutputType(); !out.IsExactType(types.BoolType) {
		return r.fail(-1, "%s must be a boolean condition, but it is of type %s", subject, out)
	}
	for _, p := range e.choiceLiterals(checked) {
		r.Problems = append(r.Problems, Problem{Offset: p.Offset, Msg: subject + ": " + p.Msg})
	}
	if len(r.Problems) > 0 {
		return r
	}
	c.NeedsCtx = hasComprehension(checked)
	c.Conjuncts = conjuncts(checked)
	if len(c.Reads) <= maxTracked {
		c.logic = e.structure(checked.NativeRep().Expr(), checked.NativeRep().ReferenceMap(), c.Reads)
	}
	if err, over := e.checkCost(checked, subject); err != "" {
		if over {
			return r.failLimit(-1, "%s", err)
		}
		return r.fail(-1, "%s", err)
	}
	if err := e.plan(c); err != nil {
		return r.fail(-1, "%s: %v", subject, err)
	}
	// A condition that is decided with every answer unknown can never
	// change with the answers: it always or never fires, which in a
	// clinical rule is a mistake, not a choice.
	out, _, err := c.Partial.Eval(unknownReads(checked))
	switch {
	case err != nil:
		return r.fail(-1, "%s always fails to evaluate: %v", subject, err)
	case !types.IsUnknown(out):
		return r.fail(-1, "%s is always %v: it does not depend on any answer", subject, out)
	}
	c.Blank = e.Unanswered(out.(*types.Unknown), func(int) bool { return true })
	r.Cond = c
	return r
}

// unknownReads is an activation in which every variable the checked
// condition reads is unknown. Marking only those, rather than every
// question of the questionnaire, keeps load linear in the questions each
// condition reads. Placeholders (questions whose declaration is broken)
// are marked too, so that a rule reading one is not also reported as
// always failing.
func unknownReads(checked *cel.Ast) cel.PartialActivation {
	var patterns []*cel.AttributePatternType
	for _, ref := range checked.NativeRep().ReferenceMap() {
		if ref.Value == nil && len(ref.OverloadIDs) == 0 {
			patterns = append(patterns, cel.AttributePattern(ref.Name))
		}
	}
	act, _ := cel.PartialVars(map[string]any{}, patterns...) // fails only for an invalid map
	return act
}

// Unanswered lists the questions an undecided result still needs: the
// variables its attribute trails name, in the order CEL reports them,
// kept when unanswered(question index) holds. Evaluation and the
// precomputed Condition.Blank share it, so they agree by construction.
func (e *Env) Unanswered(u *types.Unknown, unanswered func(qi int) bool) []int {
	qs := []int{}
	for _, id := range u.IDs() {
		trails, _ := u.GetAttributeTrails(id)
		for _, t := range trails {
			if qi, ok := e.index[t.Variable()]; ok && unanswered(qi) {
				qs = append(qs, qi)
			}
		}
	}
	return qs
}

// describeCheckErrors rewords the type-check errors of a condition, the
// ones a clinician is likely to meet in plain words first.
func (e *Env) describeCheckErrors(r *Result, src, subject string, parsed *cel.Ast, errs []*cel.Error) {
	root := parsed.NativeRep().Expr()
	var unknownFuncs []string
	for _, ce := range errs {
		if name, ok := undeclaredReference(ce.Message); ok {
			if x := findExpr(root, ce.ExprID); x != nil && x.Kind() == ast.CallKind {
				unknownFuncs = append(unknownFuncs, name)
			}
		}
	}
	loopVars := loopVariables(root, unknownFuncs)
	for _, ce := range errs {
		off := locationOffset(src, ce.Location.Line(), ce.Location.Column())
		off, msg, skip := e.describeCheckError(checkErr{src: src, off: off, msg: ce.Message, exprID: ce.ExprID, parsed: root}, loopVars)
		if !skip {
			r.Problems = append(r.Problems, Problem{Offset: off, Msg: subject + ": " + msg})
		}
	}
}

func (e *Env) names() []string {
	out := make([]string, len(e.vars))
	for i, v := range e.vars {
		out[i] = v.Name
	}
	return out
}

// reads returns the indices of the questions a checked condition reads.
func (e *Env) reads(checked *cel.Ast) []int {
	var out []int
	for _, ref := range checked.NativeRep().ReferenceMap() {
		if ref.Value != nil || len(ref.OverloadIDs) > 0 {
			continue
		}
		if qi, ok := e.index[ref.Name]; ok && !slices.Contains(out, qi) {
			out = append(out, qi)
		}
	}
	slices.Sort(out)
	return out
}

// FirstRef returns the code-point offset of the first reference to
// question name in c, or -1.
func FirstRef(c *Condition, name string) int {
	native := c.AST.NativeRep()
	best := -1
	for exprID, ref := range native.ReferenceMap() {
		if ref.Name != name {
			continue
		}
		if r, ok := native.SourceInfo().GetOffsetRange(exprID); ok && (best < 0 || int(r.Start) < best) {
			best = int(r.Start)
		}
	}
	return best
}

func hasComprehension(checked *cel.Ast) bool {
	found := false
	ast.PreOrderVisit(checked.NativeRep().Expr(), ast.NewExprVisitor(func(e ast.Expr) {
		found = found || e.Kind() == ast.ComprehensionKind
	}))
	return found
}

// conjuncts prints the top-level && operands of a condition.
func conjuncts(checked *cel.Ast) []string {
	native := checked.NativeRep()
	var out []string
	for _, e := range flattenAnd(native.Expr()) {
		s, err := cel.ExprToString(e, native.SourceInfo())
		if err != nil {
			s = fmt.Sprintf("#%d", e.ID()) // unprintable: never equal to a guard
		}
		out = append(out, s)
	}
	return out
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

// syntaxProblem reports a condition that does not parse. It reports only
// the first syntax error, since the ones after it are mostly its echoes
// ("extraneous input '7'" after "pain_days = 7"), unless some error is
// about nesting over Limits.Nesting: then the condition is over a limit,
// and that is what it reports.
func (e *Env) syntaxProblem(r *Result, src, subject string, errs []*cel.Error) Result {
	for _, ce := range errs {
		if tooDeep(ce.Message) {
			off := locationOffset(src, ce.Location.Line(), ce.Location.Column())
			hint := fmt.Sprintf("nested more deeply than the %d levels Limits.Nesting allows", e.lim.Nesting)
			return r.failLimit(off, "%s: %s", subject, withHint(hint, ce.Message))
		}
	}
	ce := errs[0]
	off, msg := describeSyntaxError(src, locationOffset(src, ce.Location.Line(), ce.Location.Column()), ce.Message)
	return r.fail(off, "%s: %s", subject, msg)
}

// checkCost refuses a condition whose estimated cost is over the limit
// (over is then set), or cannot be estimated.
func (e *Env) checkCost(checked *cel.Ast, subject string) (msg string, over bool) {
	est, err := e.cel.EstimateCost(checked, &sizeEstimator{e})
	if err != nil {
		return fmt.Sprintf("%s: cannot estimate cost: %v", subject, err), false
	}
	if est.Max > e.lim.Cost {
		return fmt.Sprintf("%s: estimated cost %d exceeds the limit of %d (Limits.Cost)", subject, est.Max, e.lim.Cost), true
	}
	return "", false
}

// plan builds c's fast, partial and (when its structure needs state)
// tracking programs.
//
// The runtime cost limit backs up the static estimate wherever cost can
// depend on the data: in comprehensions, and on the partial path. A
// condition without a comprehension has no loop: each node runs at most
// once over answers whose sizes the engine has bounded, so its actual cost
// cannot exceed the estimate, and tracking it would only slow the
// complete-answers path (cost tracking is most of the time of a small CEL
// evaluation).
func (e *Env) plan(c *Condition) error {
	limited := []cel.ProgramOption{cel.CostLimit(e.lim.Cost), cel.InterruptCheckFrequency(100)}
	fastOpts := []cel.ProgramOption{cel.EvalOptions(cel.OptOptimize)}
	if c.NeedsCtx {
		fastOpts = append(fastOpts, limited...)
	}
	fast, err := e.cel.Program(c.AST, fastOpts...)
	if err != nil {
		return err
	}
	partial, err := e.cel.Program(c.AST, append(limited, cel.EvalOptions(cel.OptPartialEval))...)
	if err != nil {
		return err
	}
	c.Fast, c.Partial = fast, partial
	if !c.logic.needsState() {
		return nil
	}
	// The tracking program runs only for a condition that was found true,
	// to say why. Like the fast program it tracks cost only where cost can
	// depend on the data: without a comprehension, exhaustive evaluation
	// still runs each node at most once.
	trackOpts := []cel.ProgramOption{cel.EvalOptions(cel.OptExhaustiveEval, cel.OptPartialEval)}
	if c.NeedsCtx {
		trackOpts = append(trackOpts, limited...)
	}
	track, err := e.cel.Program(c.AST, trackOpts...)
	if err != nil {
		return err
	}
	c.Track = track
	return nil
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
