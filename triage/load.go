package triage

import (
	"context"
	"fmt"
	"io/fs"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"

	"cel.dev/cel-go/cel"

	"github.com/redflagkit/redflag/triage/internal/compile"
	"github.com/redflagkit/redflag/triage/internal/ruleset"
	"github.com/redflagkit/redflag/triage/internal/ruleyaml"
)

// Engine is a loaded, checked rule set, ready to evaluate answers.
//
// An Engine is immutable once Load returns it and is safe for concurrent use
// by any number of goroutines: prepare it once, evaluate many times.
type Engine struct {
	info        RuleSetInfo
	description string
	// outcomes holds, by Outcome, the headline and what-to-do sentence
	// every verdict of that outcome carries.
	outcomes  [Incomplete + 1]outcomeText
	sources   []Source
	questions []*question
	qIndex    map[string]int
	// names finds a question's index by id for CEL's name resolution, and
	// vars pools the activations of evaluations (a pointer, so that an
	// Engine stays copyable).
	names *nameIndex
	vars  *sync.Pool
	// rules are in evaluation and reporting order: refer rules, then
	// caution rules, each in rule-set order.
	rules    []*rule
	guidance []Guidance
	env      *cel.Env
	// limits are the answers limits Load was given, for Evaluate and the
	// Engine's decoding methods.
	limits answerLimits
	// hook is called with each evaluation's Decision (WithDecisionHook);
	// nil for none.
	hook func(context.Context, Decision)
	// byID holds the question indices in the order of their ids, for the
	// answers digest; only with a hook.
	byID []int
}

type question struct {
	Question
	askIf *condition
	pos   Position
}

type rule struct {
	Rule
	when *condition
}

// RuleSet returns the name, version, title and content hash of the loaded
// rule set.
func (e *Engine) RuleSet() RuleSetInfo { return e.info }

// Description returns the rule set's optional description.
func (e *Engine) Description() string { return e.description }

// Sources returns the documents the rule set cites, in declaration order.
func (e *Engine) Sources() []Source { return slices.Clone(e.sources) }

// Questions returns the questionnaire in order. The slice and its elements
// are copies.
func (e *Engine) Questions() []Question {
	out := make([]Question, len(e.questions))
	for i, q := range e.questions {
		out[i] = q.clone()
	}
	return out
}

// Rules returns the rules in reporting order: refer rules, then caution
// rules, each in rule-set order (files by name, then order within a file).
func (e *Engine) Rules() []Rule {
	out := make([]Rule, len(e.rules))
	for i, r := range e.rules {
		out[i] = r.clone()
	}
	return out
}

func cloneGuidance(gs []Guidance) []Guidance {
	out := slices.Clone(gs)
	for i := range out {
		out[i].SeeAlso = slices.Clone(out[i].SeeAlso)
	}
	return out
}

// Load reads every rule file (*.yaml, *.yml; not *_test.yaml) at the root of
// fsys, in name order, and checks the rule set as a whole.
//
// Only regular files are read. A symbolic link is followed only while it
// stays inside fsys (as in a Kubernetes ConfigMap volume, whose files link
// into a hidden ..data directory); a link that leads outside, and anything
// that is not a regular file (a named pipe, a device), is an error naming
// the file, and is never opened.
//
// If anything is wrong, Load returns no Engine and an ErrorList holding
// every problem found, sorted by position; the error wraps
// ErrInvalidRuleSet. Problems include unknown or missing keys, YAML type
// errors, CEL syntax and type errors (at their position in the YAML file),
// references to unknown questions, non-boolean conditions, duplicate ids,
// citations of undeclared sources, ask_if conditions that read later
// questions, follow-up questions read without their guard, conditions that
// do not depend on any answer, conditions over the cost limit, questions
// that nothing reads, and a rule file that kept changing while it was read.
func Load(fsys fs.FS, opts ...Option) (*Engine, error) {
	o := defaultOptions()
	for _, opt := range opts {
		if err := opt(&o); err != nil {
			return nil, err
		}
	}
	return build(ruleset.ReadRules(fsys, o.fileLimits(), true), o)
}

// build checks the rule set read into s and builds its Engine.
func build(s *ruleset.Snapshot, o options) (*Engine, error) {
	b := &builder{opts: o, qIndex: map[string]int{}}
	return b.load(s)
}

type builder struct {
	opts      options
	errs      ErrorList
	env       *compile.Env
	questions []*question
	qIndex    map[string]int
	// unreadable is set when some file or condition could not be parsed,
	// so what the rule set holds is not fully known and errors such as
	// "unused question" or "no rules" would be noise.
	unreadable bool
	// read marks the questions some condition reads.
	read []bool
	// placeholders are ids of questions whose declaration is broken.
	placeholders []string
}

// item pairs raw decoded data with the decoder of the file it came from.
type item[T any] struct {
	raw T
	d   *decoder
}

func (b *builder) load(s *ruleset.Snapshot) (*Engine, error) {
	b.errs = append(b.errs, problemErrors(s.Problems)...)
	b.unreadable = s.Unreadable
	if s.NoDir {
		return nil, b.errs
	}
	in := b.decode(s.Files)
	if in.firstFile == "" {
		b.errs = append(b.errs, &Error{Pos: Position{File: "."}, Msg: "no rule files found (want *.yaml files other than *_test.yaml)"})
		return nil, b.errs
	}

	eng := &Engine{}
	eng.info.Hash = s.Hash
	if len(in.headers) > 0 || !b.unreadable {
		b.header(eng, in.headers, in.firstFile)
	}
	if b.sizeLimits(in.questions, in.rules) {
		// Compiling an oversized rule set is the cost the limits exist
		// to avoid.
		return nil, b.finish(in.decoders)
	}
	srcByID := b.sources(eng, in.sources)
	b.questionnaire(in.questions)
	b.questionLimits()

	env, err := newEnv(b.questions, b.placeholders, &b.opts)
	if err != nil {
		// Only reachable through a bug: every declaration was validated.
		return nil, fmt.Errorf("triage: creating CEL environment: %w", err)
	}
	b.env, eng.env = env, env.CEL()
	b.read = make([]bool, len(b.questions))
	b.askIfs(in.questions)
	eng.rules = b.rules(in.rules, srcByID)
	eng.guidance = b.guidance(in.guidance, srcByID)
	b.wholeSet(in)
	if len(b.errs) > 0 {
		return nil, b.finish(in.decoders)
	}
	b.complete(eng)
	return eng, nil
}

// decoded is what the rule files declare, in file order, each item with
// the decoder of its file so that its errors are positioned there.
type decoded struct {
	headers   []item[ruleyaml.File]
	sources   []item[ruleyaml.Source]
	questions []item[ruleyaml.Question]
	rules     []item[ruleyaml.Rule]
	guidance  []item[ruleyaml.Guidance]
	// firstFile is the first rule file by name, "" when there is none:
	// where errors about the set as a whole are reported.
	firstFile string
	decoders  map[string]*decoder
}

// decode parses and decodes every rule file. Nothing is checked across
// files yet: the rule set is only known once every file is read.
func (b *builder) decode(files []ruleset.File) *decoded {
	in := &decoded{decoders: map[string]*decoder{}}
	for _, rf := range files {
		name := rf.Name
		if in.firstFile == "" {
			in.firstFile = name
		}
		d := newDecoder("rule file", name, rf.Src, &b.errs)
		in.decoders[name] = d
		root, parsed := d.Parse()
		b.unreadable = b.unreadable || !parsed
		f := d.DecodeFile(root)
		if f.HasHeader() {
			in.headers = append(in.headers, item[ruleyaml.File]{f, d})
		}
		for _, s := range f.Sources {
			in.sources = append(in.sources, item[ruleyaml.Source]{s, d})
		}
		for _, q := range f.Questions {
			in.questions = append(in.questions, item[ruleyaml.Question]{q, d})
		}
		for _, r := range f.Rules {
			in.rules = append(in.rules, item[ruleyaml.Rule]{r, d})
		}
		for _, g := range f.SelfCare {
			in.guidance = append(in.guidance, item[ruleyaml.Guidance]{g, d})
		}
	}
	return in
}

// wholeSet reports what is wrong only with the rule set as a whole:
// questions nothing reads, and no rules at all. When some file or
// condition could not be read, both would be guesses, so neither is said.
func (b *builder) wholeSet(in *decoded) {
	for i, q := range b.questions {
		if !b.read[i] && !b.unreadable {
			b.errs = append(b.errs, &Error{Pos: q.pos, ID: q.ID, Msg: "no rule or ask_if reads this question, so it would be asked for nothing"})
		}
	}
	if len(in.rules) == 0 && !b.unreadable {
		b.errs = append(b.errs, &Error{Pos: Position{File: in.firstFile}, Msg: "the rule set has no rules"})
	}
}

// complete gives a rule set that checked clean its questionnaire and
// answer limits.
func (b *builder) complete(eng *Engine) {
	eng.questions, eng.qIndex = b.questions, b.qIndex
	eng.names, eng.vars = newNameIndex(questionIDs(eng.questions), eng.qIndex), &sync.Pool{}
	eng.limits = b.opts.answerLimits()
	eng.hook = b.opts.hook
	if eng.hook != nil {
		eng.byID = make([]int, len(eng.questions))
		for i := range eng.byID {
			eng.byID[i] = i
		}
		slices.SortFunc(eng.byID, func(i, j int) int { return strings.Compare(eng.questions[i].ID, eng.questions[j].ID) })
	}
}

// finish sorts the errors and gives each its source line, for
// ErrorWithSnippet. Only the rule files read have lines: no error ever
// quotes a file that was refused.
func (b *builder) finish(decoders map[string]*decoder) ErrorList {
	b.errs = b.errs.sorted()
	for _, e := range b.errs {
		if e.Snippet == "" && e.Pos.Line > 0 {
			if d := decoders[e.Pos.File]; d != nil {
				e.Snippet = d.Line(e.Pos.Line)
			}
		}
	}
	return b.errs
}

var (
	semverRe   = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)
	setNameRe  = regexp.MustCompile(`^[a-z0-9]+(?:[-_.][a-z0-9]+)*$`)
	identRe    = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)
	sourceIDRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]*$`)
	// CEL reserves these words; a question cannot be named after one.
	celReserved = []string{"as", "break", "const", "continue", "else", "false", "for", "function", "if", "import",
		"in", "let", "loop", "package", "namespace", "null", "return", "true", "var", "void", "while"}
)

// problemErrors turns the problems found reading a rule directory into
// Errors.
func problemErrors(ps []ruleset.Problem) ErrorList {
	var errs ErrorList
	for _, p := range ps {
		errs = append(errs, &Error{Pos: Position{File: p.File, Line: p.Line, Column: p.Column}, Msg: p.Msg, Err: limitErr(p.Limit)})
	}
	return errs
}

func (b *builder) header(eng *Engine, headers []item[ruleyaml.File], firstFile string) {
	if len(headers) == 0 {
		b.errs = append(b.errs, &Error{Pos: Position{File: firstFile}, Msg: "the rule set has no header: one file must declare name, version and title"})
		return
	}
	h := headers[0]
	for _, other := range headers[1:] {
		n := other.raw.Name.Node
		if n == nil {
			n = firstNode(other.raw.Version, other.raw.Title, other.raw.Description)
		}
		if n == nil {
			n = other.raw.Outcomes.Node
		}
		other.d.errorf(n, "", "name", "the rule set header is declared twice (first in %s); declare name, version, title and description in one file", h.d.file)
	}
	f, d := h.raw, h.d
	if headerKey(d, f.Name, "name") {
		if !setNameRe.MatchString(f.Name.V) {
			d.errorf(f.Name.Node, "", "name", "name %q must be lower-case letters and digits separated by '-', '_' or '.'", f.Name.V)
		}
		eng.info.Name = f.Name.V
	}
	if headerKey(d, f.Version, "version") {
		if !semverRe.MatchString(f.Version.V) {
			d.errorf(f.Version.Node, "", "version", "version %q is not a semantic version like 1.2.0", f.Version.V)
		}
		eng.info.Version = f.Version.V
	}
	if headerKey(d, f.Title, "title") {
		b.nonEmpty(d, f.Title, "", "title")
		eng.info.Title = strings.TrimSpace(f.Title.V)
	}
	eng.description = strings.TrimSpace(f.Description.V)
	b.outcomeTexts(eng, f.Outcomes, d)
}

// outcomeText is the wording of one outcome: Verdict.Headline and
// Verdict.WhatToDo.
type outcomeText struct{ headline, whatToDo string }

// defaultOutcomeTexts are the outcome texts of a rule set that declares
// none. They name no condition, since any rule set may use them.
var defaultOutcomeTexts = [Incomplete + 1]outcomeText{
	SelfCare: {
		"No red flag in your answers",
		"Self-care is reasonable for now. Follow the self-care advice, and see a health professional if your symptoms change, get worse or do not improve.",
	},
	SeeProfessional: {
		"See a health professional",
		"Your answers include a red flag. Stop treating this yourself and arrange to see a health professional; if your symptoms are severe or came on suddenly, get urgent care.",
	},
	Incomplete: {
		"Not cleared yet: some answers are missing",
		"Self-care cannot be cleared until the questions still open are answered. Until then, treat it as not cleared; if you cannot answer them, ask a health professional.",
	},
}

// outcomeTexts sets the outcome texts: those the header declares under
// outcomes, each with both its headline and its action, and the defaults
// for the outcomes it leaves out.
func (b *builder) outcomeTexts(eng *Engine, o *ruleyaml.Outcomes, d *decoder) {
	eng.outcomes = defaultOutcomeTexts
	if o == nil {
		return
	}
	for outcome := SelfCare; outcome <= Incomplete; outcome++ {
		t, ok := o.Texts[outcome.String()]
		if !ok {
			continue
		}
		valid := b.required(d, t.Headline, t.Node, "", t.Path, "headline")
		valid = b.required(d, t.Action, t.Node, "", t.Path, "action") && valid
		if !valid {
			continue
		}
		valid = b.nonEmpty(d, t.Headline, "", t.Path+".headline")
		valid = b.nonEmpty(d, t.Action, "", t.Path+".action") && valid
		if valid {
			eng.outcomes[outcome] = outcomeText{strings.TrimSpace(t.Headline.V), strings.TrimSpace(t.Action.V)}
		}
	}
}

// headerKey reports whether the header's key holds a string, and reports
// it missing, at the top of the header's file, when it is absent.
func headerKey(d *decoder, s ruleyaml.Str, key string) bool {
	if s.Bad {
		return false
	}
	if !s.Present() {
		d.errAt(Position{File: d.file, Line: 1, Column: 1}, "", key, "missing required key %q in the rule set header", key)
		return false
	}
	return true
}

func firstNode(ss ...ruleyaml.Str) *ruleyaml.Node {
	for _, s := range ss {
		if s.Node != nil {
			return s.Node
		}
	}
	return nil
}

// required reports a missing key of the item at node n.
func (b *builder) required(d *decoder, s ruleyaml.Str, n *ruleyaml.Node, id, path, key string) bool {
	if s.Bad {
		return false
	}
	if s.Node == nil {
		d.errorf(n, id, path, "missing required key %q", key)
		return false
	}
	return true
}

// nonEmpty reports a present but blank string.
func (b *builder) nonEmpty(d *decoder, s ruleyaml.Str, id, path string) bool {
	if strings.TrimSpace(s.V) == "" {
		d.errorf(s.Node, id, path, "%s must not be blank", describePath(path))
		return false
	}
	return true
}

func (b *builder) sources(eng *Engine, items []item[ruleyaml.Source]) map[string]Source {
	byID := map[string]Source{}
	firstPos := map[string]Position{}
	for _, it := range items {
		s, d := it.raw, it.d
		ok := b.required(d, s.ID, s.Node, s.ID.V, "sources", "id")
		ok = b.required(d, s.Title, s.Node, s.ID.V, "sources", "title") && ok
		if !ok {
			continue
		}
		if !sourceIDRe.MatchString(s.ID.V) {
			d.errorf(s.ID.Node, s.ID.V, "sources.id", "source id %q must start with a letter or digit and hold only letters, digits, '.', '_' and '-'", s.ID.V)
			continue
		}
		if p, dup := firstPos[s.ID.V]; dup {
			d.errorf(s.ID.Node, s.ID.V, "sources.id", "duplicate source id %q (first declared at %s)", s.ID.V, p)
			continue
		}
		b.nonEmpty(d, s.Title, s.ID.V, "sources.title")
		firstPos[s.ID.V] = d.pos(s.ID.Node)
		src := Source{ID: s.ID.V, Title: strings.TrimSpace(s.Title.V), URL: strings.TrimSpace(s.URL.V)}
		byID[src.ID] = src
		eng.sources = append(eng.sources, src)
	}
	return byID
}

// questionnaire checks the question declarations, in order, and keeps
// those that can be asked. A question whose type is unknown becomes a
// placeholder, so conditions reading it are not also reported as reading
// an unknown question.
func (b *builder) questionnaire(items []item[ruleyaml.Question]) {
	firstPos := map[string]Position{}
	for _, it := range items {
		if out := b.question(&it.raw, it.d, firstPos); out != nil {
			b.qIndex[out.ID] = len(b.questions)
			b.questions = append(b.questions, out)
		}
	}
}

// question checks one question declaration; nil when it cannot be declared.
func (b *builder) question(q *ruleyaml.Question, d *decoder, firstPos map[string]Position) *question {
	if !b.questionID(q, d, firstPos) {
		return nil
	}
	id := q.ID.V
	b.nonEmpty(d, q.Text, id, q.Path+".text")
	typ, valid := parseQuestionType(q.Type.V)
	if !valid {
		msg := fmt.Sprintf("unknown question type %q; want boolean, integer, number, choice or multichoice", q.Type.V)
		if s := suggest(q.Type.V, questionTypeNames[1:]); s != "" {
			msg = fmt.Sprintf("unknown question type %q (did you mean %q?); want boolean, integer, number, choice or multichoice", q.Type.V, s)
		}
		d.errorf(q.Type.Node, id, q.Path+".type", "%s", msg)
		b.placeholders = append(b.placeholders, id)
		return nil
	}
	out := &question{Question: Question{
		ID: id, Text: strings.TrimSpace(q.Text.V), Help: strings.TrimSpace(q.Help.V),
		Type: typ, Unit: strings.TrimSpace(q.Unit.V),
	}, pos: d.pos(q.ID.Node)}
	b.choices(out, q, d)
	b.bounds(out, q, d)
	if q.Unit.Present() && !out.numeric() {
		d.errorf(q.Unit.Node, id, q.Path+".unit", "unit applies only to integer and number questions, not %s", typ)
	}
	if q.AskIf.Present() {
		out.AskIf, out.AskIfAt = q.AskIf.V, d.pos(q.AskIf.Node)
	}
	return out
}

// questionID checks that a question has its required keys and an id that
// is a CEL identifier, declared once.
func (b *builder) questionID(q *ruleyaml.Question, d *decoder, firstPos map[string]Position) bool {
	id := q.ID.V
	ok := b.required(d, q.ID, q.Node, id, q.Path, "id")
	ok = b.required(d, q.Text, q.Node, id, q.Path, "text") && ok
	ok = b.required(d, q.Type, q.Node, id, q.Path, "type") && ok
	if !ok {
		return false
	}
	if !identRe.MatchString(id) || slices.Contains(celReserved, id) {
		d.errorf(q.ID.Node, id, q.Path+".id", "question id %q must be a snake_case identifier (a-z, 0-9, _) and not a CEL reserved word", id)
		return false
	}
	if p, dup := firstPos[id]; dup {
		d.errorf(q.ID.Node, id, q.Path+".id", "duplicate question id %q (first declared at %s)", id, p)
		return false
	}
	firstPos[id] = d.pos(q.ID.Node)
	return true
}

func (q *question) numeric() bool { return q.Type == IntegerType || q.Type == NumberType }

// choices checks that choices are declared exactly for choice and
// multichoice questions, and adds each valid, distinct one to out.
func (b *builder) choices(out *question, q *ruleyaml.Question, d *decoder) {
	id, typ := out.ID, out.Type
	choice := typ == ChoiceType || typ == MultiChoiceType
	switch {
	case choice && q.ChoicesNode == nil:
		d.errorf(q.Node, id, q.Path, "missing required key \"choices\" for a %s question", typ)
	case !choice && q.ChoicesNode != nil:
		d.errorf(q.ChoicesNode, id, q.Path+".choices", "choices apply only to choice and multichoice questions, not %s", typ)
	case choice && len(q.Choices) == 0 && ruleyaml.IsEmptyList(q.ChoicesNode):
		d.errorf(q.ChoicesNode, id, q.Path+".choices", "a %s question needs at least one choice", typ)
	}
	if !choice {
		return
	}
	for _, c := range q.Choices {
		if !c.Value.Present() {
			if ruleyaml.IsMapping(c.Node) {
				d.errorf(c.Node, id, q.Path+".choices", "missing required key \"value\"")
			}
			continue
		}
		if !b.nonEmpty(d, c.Value, id, q.Path+".choices") {
			continue
		}
		if out.hasChoice(c.Value.V) {
			d.errorf(c.Value.Node, id, q.Path+".choices", "duplicate choice %q", c.Value.V)
			continue
		}
		label := strings.TrimSpace(c.Label.V)
		if label == "" {
			label = c.Value.V
		}
		out.Choices = append(out.Choices, Choice{Value: c.Value.V, Label: label})
	}
}

// bounds checks min and max, which only numeric questions have (whole
// numbers, for an integer question), and sets them on out.
func (b *builder) bounds(out *question, q *ruleyaml.Question, d *decoder) {
	id, typ := out.ID, out.Type
	for _, m := range []struct {
		n   *ruleyaml.Num
		key string
		dst **float64
	}{{q.Min, "min", &out.Min}, {q.Max, "max", &out.Max}} {
		if m.n == nil {
			continue
		}
		if !out.numeric() {
			d.errorf(m.n.Node, id, q.Path+"."+m.key, "%s applies only to integer and number questions, not %s", m.key, typ)
			continue
		}
		if typ == IntegerType && (m.n.V != math.Trunc(m.n.V) || math.Abs(m.n.V) > 1<<53) {
			d.errorf(m.n.Node, id, q.Path+"."+m.key, "%s of an integer question must be a whole number, got %s", m.key, m.n.Node.Value)
			continue
		}
		v := m.n.V
		*m.dst = &v
	}
	if out.Min != nil && out.Max != nil && *out.Min > *out.Max {
		d.errorf(q.Max.Node, id, q.Path+".max", "max %s is less than min %s", fmtNum(*out.Max), fmtNum(*out.Min))
	}
}

func fmtNum(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// askIfs compiles the ask_if conditions. A condition may read only earlier
// questions, so the questionnaire can always be asked top to bottom.
func (b *builder) askIfs(items []item[ruleyaml.Question]) {
	for _, it := range items {
		q, d := it.raw, it.d
		qi, ok := b.qIndex[q.ID.V]
		if !ok || !q.AskIf.Present() || b.questions[qi].pos != d.pos(q.ID.Node) {
			continue
		}
		c := b.compile(d, q.AskIf.Node, q.ID.V, q.Path+".ask_if")
		if c == nil {
			continue
		}
		valid := true
		for _, ri := range c.Reads {
			if ri >= qi {
				where := "a later question"
				if ri == qi {
					where = "the question itself"
				}
				d.errAt(b.refPos(d, q.AskIf.Node, c, b.questions[ri].ID), q.ID.V, q.Path+".ask_if",
					"ask_if reads %q, which is %s; ask_if may read only earlier questions", b.questions[ri].ID, where)
				valid = false
			}
		}
		if valid && b.guarded(d, q.AskIf.Node, q.ID.V, q.Path+".ask_if", c) {
			b.questions[qi].askIf = c
		}
	}
}

// guarded checks that a condition reading a follow-up question also
// requires that question's ask_if, as top-level && operands. Without the
// guard, the condition could stay undecided for ever once the follow-up is
// no longer asked, and the verdict could never leave Incomplete.
func (b *builder) guarded(d *decoder, n *ruleyaml.Node, id, path string, c *condition) bool {
	ok := true
	for _, ri := range c.Reads {
		f := b.questions[ri]
		if f.AskIf == "" {
			continue
		}
		if f.askIf == nil {
			ok = false // its ask_if is broken and already reported
			continue
		}
		for _, g := range f.askIf.Conjuncts {
			if !slices.Contains(c.Conjuncts, g) {
				d.errAt(b.refPos(d, n, c, f.ID), id, path,
					"reads follow-up question %q without its guard: the condition must have the form `%s && ...`, with the guard as a top-level && operand (split an || into separate rules), so it is decided when %q is not asked",
					f.ID, strings.TrimSpace(f.AskIf), f.ID)
				ok = false
				break
			}
		}
	}
	return ok
}

// refPos returns the file position of the first reference to question qid
// in condition c, or the condition's start.
func (b *builder) refPos(d *decoder, n *ruleyaml.Node, c *condition, qid string) Position {
	best := compile.FirstRef(c.Condition, qid)
	if best < 0 {
		return c.pos
	}
	return d.locate(n, best)
}

var ruleIDRe = regexp.MustCompile(`^[a-z][a-z0-9_]*(?:[-.][a-z0-9_]+)*$`)

// rules checks and compiles the rules, and returns those that are sound in
// reporting order: refer rules, then caution rules.
func (b *builder) rules(items []item[ruleyaml.Rule], srcByID map[string]Source) []*rule {
	var refer, caution []*rule
	firstPos := map[string]Position{}
	for _, it := range items {
		out := b.rule(&it.raw, it.d, firstPos, srcByID)
		switch {
		case out == nil:
		case out.Action == Refer:
			refer = append(refer, out)
		default:
			caution = append(caution, out)
		}
	}
	return append(refer, caution...)
}

// rule checks one rule and compiles its condition; nil when anything is
// wrong with it. Every check runs, so one pass reports every problem.
func (b *builder) rule(r *ruleyaml.Rule, d *decoder, firstPos map[string]Position, srcByID map[string]Source) *rule {
	id := r.ID.V
	ok := b.ruleKeys(r, d)
	ok = b.uniqueID(d, r.ID, r.Path, "rule", "rule", firstPos) && ok
	action, actionOK := b.action(r, d)
	ok = actionOK && ok
	if r.Title.Present() {
		ok = b.nonEmpty(d, r.Title, id, r.Path+".title") && ok
	}
	if r.Advice.Present() {
		ok = b.nonEmpty(d, r.Advice, id, r.Path+".advice") && ok
	}
	var when *condition
	if r.When.Present() {
		when = b.when(r, d)
		ok = ok && when != nil
	}
	cite, citeOK := b.citation(d, r.Cite, srcByID, id, r.Path+".cite")
	seeAlso, seeOK := b.citations(d, r.SeeAlso, srcByID, id, r.Path+".see_also")
	if !ok || !citeOK || !seeOK {
		return nil
	}
	out := &rule{Rule: Rule{
		ID: id, Title: strings.TrimSpace(r.Title.V), Action: action, When: r.When.V,
		Advice: strings.TrimSpace(r.Advice.V), Note: strings.TrimSpace(r.Note.V),
		Citation: cite, SeeAlso: seeAlso, Pos: d.pos(r.ID.Node),
	}, when: when}
	for _, ri := range when.Reads {
		out.Reads = append(out.Reads, b.questions[ri].ID)
	}
	return out
}

// ruleKeys reports a rule's missing required keys. A rule without a
// condition leaves the rule set not fully known (see builder.unreadable).
func (b *builder) ruleKeys(r *ruleyaml.Rule, d *decoder) bool {
	id := r.ID.V
	ok := b.required(d, r.ID, r.Node, id, r.Path, "id")
	if !r.When.Present() {
		b.unreadable = true
	}
	for _, f := range []struct {
		s   ruleyaml.Str
		key string
	}{{r.Title, "title"}, {r.When, "when"}, {r.Action, "action"}, {r.Advice, "advice"}} {
		ok = b.required(d, f.s, r.Node, id, r.Path, f.key) && ok
	}
	if r.Cite == nil {
		d.errorf(r.Node, id, r.Path, "missing required key \"cite\": every rule must cite its source")
		ok = false
	}
	return ok
}

// uniqueID checks the form of a rule or guidance id s, when present, and
// that no earlier item of the same kind took it. kind names the item in
// the message about its form, dupKind in the one about a duplicate.
func (b *builder) uniqueID(d *decoder, s ruleyaml.Str, path, kind, dupKind string, firstPos map[string]Position) bool {
	if !s.Present() {
		return true // reported as missing, or as the wrong type
	}
	id := s.V
	if !ruleIDRe.MatchString(id) {
		d.errorf(s.Node, id, path+".id", "%s id %q must be lower-case letters, digits and '_', optionally separated by '-' or '.'", kind, id)
		return false
	}
	if p, dup := firstPos[id]; dup {
		d.errorf(s.Node, id, path+".id", "duplicate %s id %q (first declared at %s)", dupKind, id, p)
		return false
	}
	firstPos[id] = d.pos(s.Node)
	return true
}

// action parses a rule's action, when present; a missing one is reported
// by ruleKeys.
func (b *builder) action(r *ruleyaml.Rule, d *decoder) (Action, bool) {
	var action Action
	if !r.Action.Present() {
		return action, true
	}
	if err := action.UnmarshalText([]byte(r.Action.V)); err != nil {
		msg := fmt.Sprintf("unknown action %q", r.Action.V)
		if s := suggest(r.Action.V, []string{"refer", "caution"}); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		d.errorf(r.Action.Node, r.ID.V, r.Path+".action", "%s; want refer or caution", msg)
		return action, false
	}
	return action, true
}

// when compiles a rule's condition; nil when it does not compile or reads
// a follow-up question without its guard.
func (b *builder) when(r *ruleyaml.Rule, d *decoder) *condition {
	c := b.compile(d, r.When.Node, r.ID.V, r.Path+".when")
	if c == nil || !b.guarded(d, r.When.Node, r.ID.V, r.Path+".when", c) {
		return nil
	}
	return c
}

func (b *builder) citation(d *decoder, c *ruleyaml.Cite, srcByID map[string]Source, id, path string) (Citation, bool) {
	if c == nil || c.Bad {
		return Citation{}, false
	}
	ok := b.required(d, c.Source, c.Node, id, path, "source")
	ok = b.required(d, c.Section, c.Node, id, path, "section") && ok
	if !ok {
		return Citation{}, false
	}
	src, found := srcByID[c.Source.V]
	if !found {
		msg := fmt.Sprintf("cites undeclared source %q", c.Source.V)
		ids := make([]string, 0, len(srcByID))
		for k := range srcByID {
			ids = append(ids, k)
		}
		slices.Sort(ids)
		if s := suggest(c.Source.V, ids); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		d.errorf(c.Source.Node, id, path+".source", "%s", msg)
		return Citation{}, false
	}
	if !b.nonEmpty(d, c.Section, id, path+".section") {
		return Citation{}, false
	}
	return Citation{SourceID: src.ID, Title: src.Title, URL: src.URL, Section: strings.TrimSpace(c.Section.V)}, true
}

func (b *builder) citations(d *decoder, cs []ruleyaml.Cite, srcByID map[string]Source, id, path string) ([]Citation, bool) {
	var out []Citation
	ok := true
	for i := range cs {
		c, cok := b.citation(d, &cs[i], srcByID, id, fmt.Sprintf("%s[%d]", path, i))
		ok = ok && cok
		out = append(out, c)
	}
	return out, ok
}

func (b *builder) guidance(items []item[ruleyaml.Guidance], srcByID map[string]Source) []Guidance {
	var out []Guidance
	firstPos := map[string]Position{}
	for _, it := range items {
		g, d := it.raw, it.d
		id := g.ID.V
		ok := b.required(d, g.ID, g.Node, id, g.Path, "id")
		ok = b.required(d, g.Title, g.Node, id, g.Path, "title") && ok
		ok = b.required(d, g.Advice, g.Node, id, g.Path, "advice") && ok
		if g.Cite == nil {
			d.errorf(g.Node, id, g.Path, "missing required key \"cite\": self-care guidance must cite its source")
			ok = false
		}
		ok = b.uniqueID(d, g.ID, g.Path, "guidance", "self_care", firstPos) && ok
		cite, citeOK := b.citation(d, g.Cite, srcByID, id, g.Path+".cite")
		seeAlso, seeOK := b.citations(d, g.SeeAlso, srcByID, id, g.Path+".see_also")
		if !ok || !citeOK || !seeOK {
			continue
		}
		if !b.nonEmpty(d, g.Title, id, g.Path+".title") || !b.nonEmpty(d, g.Advice, id, g.Path+".advice") {
			continue
		}
		out = append(out, Guidance{ID: id, Title: strings.TrimSpace(g.Title.V), Advice: strings.TrimSpace(g.Advice.V), Citation: cite, SeeAlso: seeAlso})
	}
	return out
}

// limitErr is ErrLimit for a problem about an input over a limit, and nil
// otherwise: the cause an Error wraps.
func limitErr(over bool) error {
	if over {
		return ErrLimit
	}
	return nil
}
