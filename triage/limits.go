package triage

import (
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/redflagkit/redflag/triage/internal/ruleset"
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

// readRuleFile reads one rule file, refusing one larger than max bytes;
// see ruleset.Read.
func readRuleFile(fsys fs.FS, name string, max int) ([]byte, *Error) {
	src, p := ruleset.Read(fsys, name, max, "WithMaxRuleFileSize")
	if p != nil {
		return nil, &Error{Pos: Position{File: p.File, Line: p.Line, Column: p.Column}, Msg: p.Msg}
	}
	return src, nil
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

// WithMaxRuleFileSize sets the largest rule file Load reads, in bytes.
func WithMaxRuleFileSize(n int) Option {
	return positive("WithMaxRuleFileSize", n, func(o *options) { o.maxRuleFileSize = n })
}

// WithMaxRuleFiles sets how many rule files a rule set may have.
func WithMaxRuleFiles(n int) Option {
	return positive("WithMaxRuleFiles", n, func(o *options) { o.maxRuleFiles = n })
}

// questionLimits refuses a questionnaire that the answers limits would make
// impossible to answer: more questions than answers allowed, a multichoice
// question with more choices than a list may hold, a choice longer than a
// string may be. Such a rule set could never reach a complete verdict.
func (b *builder) questionLimits() {
	lim := &b.opts.answers
	if len(b.questions) > lim.answers {
		q := b.questions[lim.answers]
		b.errs = append(b.errs, &Error{Pos: q.pos, ID: q.ID, Msg: fmt.Sprintf("the questionnaire has %d questions, more than the %d answers an answers set may hold (WithMaxAnswers)", len(b.questions), lim.answers)})
	}
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
