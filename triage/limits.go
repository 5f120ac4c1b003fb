package triage

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"unicode/utf8"

	"github.com/redflagkit/redflag/triage/internal/ruleyaml"
)

// Default limits on input. Like the CEL limits in options.go, they are far
// above what a questionnaire needs and far below what could hurt a
// service: a client that sends a 100 MB answers document, or a rule
// directory that fills up with junk, gets a clear error instead of a
// service that swaps.
const (
	// DefaultMaxAnswersSize bounds an answers document read by
	// ParseAnswers and DecodeAnswers, in bytes. The default rule set's
	// complete answers take about 600 bytes as JSON.
	DefaultMaxAnswersSize = 64 << 10
	// DefaultMaxAnswers bounds the number of answers in one answers set.
	// Every answer beyond the questionnaire is an error anyway; the limit
	// bounds how much work an invalid set can cause before it is refused.
	// A rule set whose questionnaire is longer does not load.
	DefaultMaxAnswers = 1_000
	// DefaultMaxStringLength bounds each string in an answers set — a
	// choice, a multichoice item, a question id — in bytes.
	DefaultMaxStringLength = 1_024
	// DefaultMaxListLength bounds the number of items of a multichoice
	// answer. A rule set with a question with more choices does not load.
	DefaultMaxListLength = 256
	// DefaultMaxRuleFileSize bounds one rule file, in bytes. The default
	// rule set's largest file is about 6 KB.
	DefaultMaxRuleFileSize = 1 << 20
	// DefaultMaxRuleFiles bounds the number of rule files in a rule set.
	DefaultMaxRuleFiles = 256
)

// ErrLimit is wrapped by every error about an input over a limit: an
// answers document, an answer, or a rule file. Such an error also wraps
// ErrInvalidAnswers or ErrInvalidRuleSet, so code that only knows those
// keeps working.
var ErrLimit = errors.New("limit exceeded")

// limitError is an answers-side limit error: invalid answers, wrapping
// ErrLimit too. key is the question involved, or "" when the limit is on
// the answers as a whole.
func limitError(key, format string, args ...any) error {
	return AnswerErrors{{Question: key, Msg: fmt.Sprintf(format, args...), whole: key == "", limit: true}}
}

// answerLimits are the limits on answers, copied into each Engine so that
// Evaluate and the Engine's decoding methods honour what Load was given.
type answerLimits struct {
	size    int // bytes of a JSON document
	answers int // entries in one answers set
	str     int // bytes of one string
	list    int // items of one list
}

func defaultAnswerLimits() answerLimits {
	return answerLimits{
		size:    DefaultMaxAnswersSize,
		answers: DefaultMaxAnswers,
		str:     DefaultMaxStringLength,
		list:    DefaultMaxListLength,
	}
}

// count refuses an answers set with more than l.answers entries.
func (l *answerLimits) count(n int) error {
	if n > l.answers {
		return limitError("", "%d answers, more than the limit of %d (WithMaxAnswers)", n, l.answers)
	}
	return nil
}

// key refuses a question id longer than the string limit. The id is not
// quoted in the message: it is too long to be useful there.
func (l *answerLimits) key(k string) error {
	if len(k) > l.str {
		return limitError("", "a question id of %d bytes, longer than the limit of %d (WithMaxStringLength)", len(k), l.str)
	}
	return nil
}

// value refuses a string or a list over the limits, and a list holding a
// string over them. Other values are left to validation: they are small.
func (l *answerLimits) value(key string, v any) error {
	switch x := v.(type) {
	case string:
		return l.stringValue(key, len(x))
	case []string:
		if len(x) > l.list {
			return l.listValue(key, len(x))
		}
		for _, s := range x {
			if err := l.stringValue(key, len(s)); err != nil {
				return err
			}
		}
	case []any:
		if len(x) > l.list {
			return l.listValue(key, len(x))
		}
		for _, item := range x {
			if s, ok := item.(string); ok {
				if err := l.stringValue(key, len(s)); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

func (l *answerLimits) stringValue(key string, n int) error {
	if n > l.str {
		return limitError(key, "a string of %d bytes, longer than the limit of %d (WithMaxStringLength)", n, l.str)
	}
	return nil
}

func (l *answerLimits) listValue(key string, n int) error {
	return limitError(key, "a list of %d items, longer than the limit of %d (WithMaxListLength)", n, l.list)
}

// DecodeAnswers reads one JSON object of answers from r, under the limits
// the Engine was loaded with, and rejects anything after it except white
// space. It reads at most one byte more than the size limit.
//
// Numbers keep their exact text (json.Number), so an integer question can
// tell 4 from 4.5 without rounding. A duplicate key is an error, because a
// later "true" silently overriding an earlier "false" is not something to
// guess about. Every error is an AnswerErrors (wrapping ErrInvalidAnswers,
// and ErrLimit too when a limit was hit); for a document that cannot be read
// as answers (malformed JSON, a duplicate key, not an object, data after
// it) its one AnswerError's Line, Column and Offset say where. A failure to
// read r is returned as it is, wrapped.
func (e *Engine) DecodeAnswers(r io.Reader) (Answers, error) {
	return decodeAnswers(r, &e.limits)
}

// readLimited reads all of r, refusing more than max bytes.
func readLimited(r io.Reader, max int) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, fmt.Errorf("triage: reading answers: %w", err)
	}
	if len(data) > max {
		return nil, limitError("", "the answers document is larger than the limit of %d bytes (WithMaxAnswersSize)", max)
	}
	return data, nil
}

// readRuleFile reads one rule file, refusing one larger than max bytes,
// anything but a regular file, and a link that leads outside fsys. A file
// that changes while it is read is read again, and refused if it keeps
// changing.
func readRuleFile(fsys fs.FS, name string, max int) ([]byte, *Error) {
	var (
		src     []byte
		changed bool
		err     *Error
	)
	for range readAttempts {
		if src, changed, err = readStable(fsys, name, max); !changed {
			break
		}
	}
	return src, err
}

// readStable reads one rule file once, refusing what readRuleFile refuses.
// The file's type is checked before it is opened, since opening a named
// pipe would block until something writes to it. changed reports that the
// file changed while it was being read (its size or modification time
// moved, or its length is not its size); the error then says so.
//
// The error is placed where the file crosses the size limit, so an editor
// opens it at the right spot; no error quotes the content of a refused
// file.
func readStable(fsys fs.FS, name string, max int) (src []byte, changed bool, e *Error) {
	fail := func(format string, args ...any) ([]byte, bool, *Error) {
		return nil, false, &Error{Pos: Position{File: name}, Msg: fmt.Sprintf(format, args...)}
	}
	resolved, info, err := resolveInRoot(fsys, name)
	if err != nil {
		return fail("cannot read rule file: %v", err)
	}
	if !info.Mode().IsRegular() {
		return fail("not a regular file: it is %s, and only regular files are read as rule files", fileKind(info.Mode()))
	}
	f, err := fsys.Open(resolved)
	if err != nil {
		return fail("cannot read rule file: %v", err)
	}
	defer f.Close()
	before, err := f.Stat()
	if err != nil {
		return fail("cannot read rule file: %v", err)
	}
	if !before.Mode().IsRegular() {
		return fail("not a regular file: it is %s, and only regular files are read as rule files", fileKind(before.Mode()))
	}
	src, err = io.ReadAll(io.LimitReader(f, int64(max)+1))
	if err != nil {
		return fail("cannot read rule file: %v", err)
	}
	if len(src) > max {
		line, col := ruleyaml.OffsetPos(src, max)
		return nil, false, &Error{Pos: Position{File: name, Line: line, Column: col}, Msg: fmt.Sprintf("rule file is larger than the limit of %d bytes (WithMaxRuleFileSize)", max)}
	}
	after, err := f.Stat()
	if err != nil {
		return fail("cannot read rule file: %v", err)
	}
	if after.Size() != before.Size() || !after.ModTime().Equal(before.ModTime()) || int64(len(src)) != after.Size() {
		_, _, e = fail("the file changed while it was being read, so what was read may be half of an edit; nothing is loaded from it until it is read whole")
		return nil, true, e
	}
	return src, false, nil
}

// positive builds an Option that sets one positive int limit.
func positive(name string, n int, set func(*options)) Option {
	return func(o *options) error {
		if n <= 0 {
			return fmt.Errorf("triage: %s: the limit must be positive", name)
		}
		set(o)
		return nil
	}
}

// WithMaxAnswersSize sets the largest answers document, in bytes, that the
// Engine's ParseAnswers and DecodeAnswers accept.
func WithMaxAnswersSize(n int) Option {
	return positive("WithMaxAnswersSize", n, func(o *options) { o.answers.size = n })
}

// WithMaxAnswers sets how many answers one answers set may hold, in
// Evaluate and in the Engine's decoding methods. Load refuses a
// questionnaire longer than this, since its complete answers could never be
// evaluated.
func WithMaxAnswers(n int) Option {
	return positive("WithMaxAnswers", n, func(o *options) { o.answers.answers = n })
}

// WithMaxStringLength sets the longest string, in bytes, an answers set may
// hold: a choice, a multichoice item or a question id.
func WithMaxStringLength(n int) Option {
	return positive("WithMaxStringLength", n, func(o *options) { o.answers.str = n })
}

// WithMaxListLength sets the most items a multichoice answer may hold. Load
// refuses a multichoice question with more choices than this.
func WithMaxListLength(n int) Option {
	return positive("WithMaxListLength", n, func(o *options) { o.answers.list = n })
}

// ruleSetSizeFactor bounds the size of all rule files together, as a
// multiple of WithMaxRuleFileSize: 4 MiB by default. Without it, the file
// count and size limits together would allow 256 MiB of YAML.
const ruleSetSizeFactor = 4

// WithMaxRuleFileSize sets the largest rule file Load reads, in bytes. The
// rule files together may be at most four times as large.
func WithMaxRuleFileSize(n int) Option {
	return positive("WithMaxRuleFileSize", n, func(o *options) { o.maxRuleFileSize = n })
}

// WithMaxRuleFiles sets how many rule files a rule set may have.
func WithMaxRuleFiles(n int) Option {
	return positive("WithMaxRuleFiles", n, func(o *options) { o.maxRuleFiles = n })
}

// defaultMaxRules is WithMaxRules' default: 25 times the default rule set's
// 20 rules.
const defaultMaxRules = 500

// conditionBudgetPerRule is how many code points of CEL, on average, each
// rule WithMaxRules allows may hold: compiling CEL is most of what loading
// costs, and a count of rules alone would let each condition be 4,096 code
// points long (WithMaxExpressionLength). The default rule set's conditions
// average 18.
const conditionBudgetPerRule = 64

// WithMaxRules sets how many rules a rule set may hold (500 by default; the
// default rule set has 20). It also bounds the CEL that Load compiles: all
// conditions together (every when and ask_if) may hold at most 64 code
// points per rule allowed (32,000 by default; the default rule set's hold
// 358). Both are checked before any
// condition is compiled, so the largest rule set allowed by default loads
// in well under a second.
func WithMaxRules(n int) Option {
	return positive("WithMaxRules", n, func(o *options) { o.maxRules = n })
}

// sizeLimits refuses a rule set with more rules than WithMaxRules, more
// questions than WithMaxAnswers, or more CEL than WithMaxRules allows,
// before anything is compiled. It reports whether any limit was crossed.
func (b *builder) sizeLimits(questions []item[ruleyaml.Question], rules []item[ruleyaml.Rule]) bool {
	over := false
	if max := b.opts.maxRules; len(rules) > max {
		it := rules[max]
		it.d.errorf(idNode(it.raw.ID, it.raw.Node), it.raw.ID.V, it.raw.Path, "the rule set has %d rules, more than the limit of %d (WithMaxRules); no condition was checked", len(rules), max)
		over = true
	}
	if max := b.opts.answers.answers; len(questions) > max {
		it := questions[max]
		it.d.errorf(idNode(it.raw.ID, it.raw.Node), it.raw.ID.V, it.raw.Path, "the questionnaire has %d questions, more than the %d answers an answers set may hold (WithMaxAnswers)", len(questions), max)
		over = true
	}
	c := celBudget{budget: b.opts.maxRules * conditionBudgetPerRule, maxExpr: b.opts.maxExprLength, rules: b.opts.maxRules}
	for _, it := range questions {
		if c.crossed(it.d, it.raw.AskIf, it.raw.ID.V, it.raw.Path+".ask_if") {
			return true
		}
	}
	for _, it := range rules {
		if c.crossed(it.d, it.raw.When, it.raw.ID.V, it.raw.Path+".when") {
			return true
		}
	}
	return over
}

// celBudget adds up the CEL of a rule set's conditions against the budget
// WithMaxRules allows.
type celBudget struct {
	budget, total, maxExpr, rules int
}

// crossed adds condition s and reports, at s, the condition that crosses
// the budget.
func (c *celBudget) crossed(d *decoder, s ruleyaml.Str, id, path string) bool {
	// A condition over WithMaxExpressionLength is refused by its own limit
	// before it is parsed, so it costs no more than one at it.
	c.total += min(utf8.RuneCountInString(s.V), c.maxExpr)
	if c.total <= c.budget {
		return false
	}
	d.errorf(s.Node, id, path, "the conditions of the rule set hold more than %d characters of CEL together, the limit for %d rules (WithMaxRules); this one crosses it, and no condition was checked", c.budget, c.rules)
	return true
}

// idNode is where an item over a limit is reported: its id, or the item.
func idNode(id ruleyaml.Str, item *ruleyaml.Node) *ruleyaml.Node {
	if id.Node != nil {
		return id.Node
	}
	return item
}

// questionLimits refuses a questionnaire that the answers limits would make
// impossible to answer (sizeLimits counts the questions): a multichoice
// question with more choices than a list may hold, a choice longer than a
// string may be. Such a rule set could never reach a complete verdict.
func (b *builder) questionLimits() {
	lim := &b.opts.answers
	for _, q := range b.questions {
		if q.Type == MultiChoiceType && len(q.Choices) > lim.list {
			b.errs = append(b.errs, &Error{Pos: q.pos, ID: q.ID, Msg: fmt.Sprintf("%d choices, more than the %d items a multichoice answer may hold (WithMaxListLength)", len(q.Choices), lim.list)})
		}
		for _, c := range q.Choices {
			if len(c.Value) > lim.str {
				b.errs = append(b.errs, &Error{Pos: q.pos, ID: q.ID, Msg: fmt.Sprintf("a choice of %d bytes, longer than the %d an answer may hold (WithMaxStringLength)", len(c.Value), lim.str)})
				break
			}
		}
		if len(q.ID) > lim.str {
			b.errs = append(b.errs, &Error{Pos: q.pos, ID: q.ID, Msg: fmt.Sprintf("a question id of %d bytes, longer than the %d an answers set may use (WithMaxStringLength)", len(q.ID), lim.str)})
		}
	}
}
