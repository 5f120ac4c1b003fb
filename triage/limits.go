package triage

import (
	"errors"
	"fmt"
	"io"
	"unicode/utf8"

	"github.com/redflagkit/redflag/triage/internal/ruleyaml"
)

// ErrLimit is wrapped by every error about an input over one of Limits: an
// answers document, an answer, a rule set (its files, rules, questions,
// choices or conditions), or a test-case file. Such an error also wraps
// ErrInvalidAnswers or ErrInvalidRuleSet, so code that only knows those
// keeps working; in an ErrorList it is the *Error about the limit that
// wraps ErrLimit, and no other.
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

// count refuses an answers set with more than l.answers entries.
func (l *answerLimits) count(n int) error {
	if n > l.answers {
		return limitError("", "%d answers, more than the limit of %d (Limits.Answers)", n, l.answers)
	}
	return nil
}

// key refuses a question id longer than the string limit. The id is not
// quoted in the message: it is too long to be useful there.
func (l *answerLimits) key(k string) error {
	if len(k) > l.str {
		return limitError("", "a question id of %d bytes, longer than the limit of %d (Limits.StringLength)", len(k), l.str)
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
		return limitError(key, "a string of %d bytes, longer than the limit of %d (Limits.StringLength)", n, l.str)
	}
	return nil
}

func (l *answerLimits) listValue(key string, n int) error {
	return limitError(key, "a list of %d items, longer than the limit of %d (Limits.ListLength)", n, l.list)
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
	return e.decodeAnswers(r)
}

// readLimited reads all of r, refusing more than max bytes.
func readLimited(r io.Reader, max int) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, int64(max)+1))
	if err != nil {
		return nil, fmt.Errorf("triage: reading answers: %w", err)
	}
	if len(data) > max {
		return nil, limitError("", "the answers document is larger than the limit of %d bytes (Limits.AnswersSize)", max)
	}
	return data, nil
}

// conditionBudgetPerRule is how many code points of CEL, on average, each
// rule Limits.Rules allows may hold: compiling CEL is most of what loading
// costs, and a count of rules alone would let each condition be 4,096 code
// points long (Limits.ExpressionLength). The default rule set's conditions
// average 18.
const conditionBudgetPerRule = 64

// sizeLimits refuses a rule set with more rules than Limits.Rules, more
// questions than Limits.Answers, or more CEL than Limits.Rules allows,
// before anything is compiled. It reports whether any limit was crossed.
func (b *builder) sizeLimits(questions []item[ruleyaml.Question], rules []item[ruleyaml.Rule]) bool {
	over := false
	if max := b.opts.limits.Rules; len(rules) > max {
		it := rules[max]
		it.d.limitf(idNode(it.raw.ID, it.raw.Node), it.raw.ID.V, it.raw.Path, "the rule set has %d rules, more than the limit of %d (Limits.Rules); no condition was checked", len(rules), max)
		over = true
	}
	if max := b.opts.limits.Answers; len(questions) > max {
		it := questions[max]
		it.d.limitf(idNode(it.raw.ID, it.raw.Node), it.raw.ID.V, it.raw.Path, "the questionnaire has %d questions, more than the %d answers an answers set may hold (Limits.Answers)", len(questions), max)
		over = true
	}
	c := celBudget{budget: b.opts.limits.Rules * conditionBudgetPerRule, maxExpr: b.opts.limits.ExpressionLength, rules: b.opts.limits.Rules}
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
// Limits.Rules allows.
type celBudget struct {
	budget, total, maxExpr, rules int
}

// crossed adds condition s and reports, at s, the condition that crosses
// the budget.
func (c *celBudget) crossed(d *decoder, s ruleyaml.Str, id, path string) bool {
	// A condition over Limits.ExpressionLength is refused by its own limit
	// before it is parsed, so it costs no more than one at it.
	c.total += min(utf8.RuneCountInString(s.V), c.maxExpr)
	if c.total <= c.budget {
		return false
	}
	d.limitf(s.Node, id, path, "the conditions of the rule set hold more than %d characters of CEL together, the limit for %d rules (Limits.Rules); this one crosses it, and no condition was checked", c.budget, c.rules)
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
	lim := b.opts.answerLimits()
	for _, q := range b.questions {
		if q.Type == MultiChoiceType && len(q.Choices) > lim.list {
			b.errs = append(b.errs, &Error{Pos: q.pos, ID: q.ID, Msg: fmt.Sprintf("%d choices, more than the %d items a multichoice answer may hold (Limits.ListLength)", len(q.Choices), lim.list), Err: ErrLimit})
		}
		for _, c := range q.Choices {
			if len(c.Value) > lim.str {
				b.errs = append(b.errs, &Error{Pos: q.pos, ID: q.ID, Msg: fmt.Sprintf("a choice of %d bytes, longer than the %d an answer may hold (Limits.StringLength)", len(c.Value), lim.str), Err: ErrLimit})
				break
			}
		}
		if len(q.ID) > lim.str {
			b.errs = append(b.errs, &Error{Pos: q.pos, ID: q.ID, Msg: fmt.Sprintf("a question id of %d bytes, longer than the %d an answers set may use (Limits.StringLength)", len(q.ID), lim.str), Err: ErrLimit})
		}
	}
}
