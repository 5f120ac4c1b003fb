package triage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
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

// limitError is an answers-side limit error: it wraps both ErrLimit and
// ErrInvalidAnswers.
type limitError struct{ msg string }

func (e *limitError) Error() string   { return "invalid answers: " + e.msg }
func (e *limitError) Unwrap() []error { return []error{ErrInvalidAnswers, ErrLimit} }

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
		return &limitError{fmt.Sprintf("%d answers, more than the limit of %d (WithMaxAnswers)", n, l.answers)}
	}
	return nil
}

// key refuses a question id longer than the string limit. The id is not
// quoted in the message: it is too long to be useful there.
func (l *answerLimits) key(k string) error {
	if len(k) > l.str {
		return &limitError{fmt.Sprintf("a question id of %d bytes, longer than the limit of %d (WithMaxStringLength)", len(k), l.str)}
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
		return &limitError{fmt.Sprintf("%s: a string of %d bytes, longer than the limit of %d (WithMaxStringLength)", key, n, l.str)}
	}
	return nil
}

func (l *answerLimits) listValue(key string, n int) error {
	return &limitError{fmt.Sprintf("%s: a list of %d items, longer than the limit of %d (WithMaxListLength)", key, n, l.list)}
}

// ParseAnswers is the package-level ParseAnswers under the limits the
// Engine was loaded with (WithMaxAnswersSize, WithMaxAnswers,
// WithMaxStringLength, WithMaxListLength) instead of the defaults.
func (e *Engine) ParseAnswers(data []byte) (Answers, error) {
	return decodeAnswers(bytes.NewReader(data), &e.limits)
}

// DecodeAnswers is ParseAnswers reading from r. It reads at most one byte
// more than the size limit.
func (e *Engine) DecodeAnswers(r io.Reader) (Answers, error) {
	return decodeAnswers(r, &e.limits)
}

// readLimited reads all of r, refusing more than max bytes.
func readLimited(r io.Reader, max int) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, fmt.Errorf("%w: reading answers: %v", ErrInvalidAnswers, err)
	}
	if len(data) > max {
		return nil, &limitError{fmt.Sprintf("the answers document is larger than the limit of %d bytes (WithMaxAnswersSize)", max)}
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
		return nil, false, &Error{Pos: offsetPosition(name, src, max), Msg: fmt.Sprintf("rule file is larger than the limit of %d bytes (WithMaxRuleFileSize)", max)}
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

// offsetPosition returns the line and column (in code points) of byte
// offset off in src.
func offsetPosition(file string, src []byte, off int) Position {
	off = min(off, len(src))
	before := src[:off]
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return Position{
		File:   file,
		Line:   1 + bytes.Count(before, []byte("\n")),
		Column: 1 + utf8.RuneCount(before[lineStart:]),
	}
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
func (b *builder) sizeLimits(questions []item[rawQuestion], rules []item[rawRule]) bool {
	over := false
	if max := b.opts.maxRules; len(rules) > max {
		it := rules[max]
		it.d.errorf(idNode(it.raw.id, it.raw.node), it.raw.id.v, it.raw.path, "the rule set has %d rules, more than the limit of %d (WithMaxRules); no condition was checked", len(rules), max)
		over = true
	}
	if max := b.opts.answers.answers; len(questions) > max {
		it := questions[max]
		it.d.errorf(idNode(it.raw.id, it.raw.node), it.raw.id.v, it.raw.path, "the questionnaire has %d questions, more than the %d answers an answers set may hold (WithMaxAnswers)", len(questions), max)
		over = true
	}
	budget, total := b.opts.maxRules*conditionBudgetPerRule, 0
	cross := func(d *decoder, s str, id, path string) bool {
		// A condition over WithMaxExpressionLength is refused by its own
		// limit before it is parsed, so it costs no more than one at it.
		total += min(utf8.RuneCountInString(s.v), b.opts.maxExprLength)
		if total <= budget {
			return false
		}
		d.errorf(s.node, id, path, "the conditions of the rule set hold more than %d characters of CEL together, the limit for %d rules (WithMaxRules); this one crosses it, and no condition was checked", budget, b.opts.maxRules)
		return true
	}
	for _, it := range questions {
		if cross(it.d, it.raw.askIf, it.raw.id.v, it.raw.path+".ask_if") {
			return true
		}
	}
	for _, it := range rules {
		if cross(it.d, it.raw.when, it.raw.id.v, it.raw.path+".when") {
			return true
		}
	}
	return over
}

// idNode is where an item over a limit is reported: its id, or the item.
func idNode(id str, item *yaml.Node) *yaml.Node {
	if id.node != nil {
		return id.node
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
		if q.Type == MultiChoice && len(q.Choices) > lim.list {
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
