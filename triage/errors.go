package triage

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Sentinel errors for errors.Is. Every error Load returns for a bad rule set
// wraps ErrInvalidRuleSet (an invalid Option is a programming error and does
// not); every answer-validation error wraps ErrInvalidAnswers; a failure
// while evaluating a rule wraps ErrEvaluation. None of them ever comes with
// a verdict.
var (
	ErrInvalidRuleSet = errors.New("invalid rule set")
	ErrInvalidAnswers = errors.New("invalid answers")
	ErrEvaluation     = errors.New("rule evaluation failed")
)

// Position is a place in a rule file. Line and Column are 1-based; Column
// counts Unicode code points. A zero Line means the whole file.
type Position struct {
	// File is the file's path within the rule set's fs.FS.
	File string `json:"file"`
	// Line is 1-based; 0 means the whole file.
	Line int `json:"line,omitempty"`
	// Column is 1-based, in code points; 0 means the whole line.
	Column int `json:"column,omitempty"`
}

// String returns "file:line:column", "file:line" or "file".
func (p Position) String() string {
	switch {
	case p.Line == 0:
		return p.File
	case p.Column == 0:
		return fmt.Sprintf("%s:%d", p.File, p.Line)
	default:
		return fmt.Sprintf("%s:%d:%d", p.File, p.Line, p.Column)
	}
}

func (p Position) compare(o Position) int {
	return cmp.Or(cmp.Compare(p.File, o.File), cmp.Compare(p.Line, o.Line), cmp.Compare(p.Column, o.Column))
}

// Error is one problem found while loading a rule set.
type Error struct {
	// Pos is where the problem is.
	Pos Position
	// ID is the id of the rule, question, source or guidance involved, or ""
	// when the problem is not about one item.
	ID string
	// Path locates the value in the document, like "rules[2].when".
	Path string
	// Msg describes the problem.
	Msg string

	// Snippet is the text of the line at Pos, shown by ErrorWithSnippet;
	// empty when unknown.
	Snippet string

	// Err is the cause a program can test for, when there is one: ErrLimit
	// for a rule set, a rule file or a test-case file over a limit. Unwrap
	// returns it beside ErrInvalidRuleSet.
	Err error
}

// Error returns the one-line form "file:line:col: [id: ]message".
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Pos.String())
	b.WriteString(": ")
	if e.ID != "" {
		b.WriteString(e.ID)
		b.WriteString(": ")
	}
	b.WriteString(e.Msg)
	return b.String()
}

// Unwrap returns ErrInvalidRuleSet, and Err too when it is set (ErrLimit
// for an input over a limit).
func (e *Error) Unwrap() []error {
	if e.Err != nil {
		return []error{ErrInvalidRuleSet, e.Err}
	}
	return []error{ErrInvalidRuleSet}
}

// ErrorWithSnippet returns Error followed by the offending source line and a
// caret under the column, when they are known. The caret is placed by code
// points, so it can drift after wide characters (emoji, CJK) in a terminal:
//
//	rules/fever.yaml:4:11: fever: when: unknown question "fevr" (did you mean "fever"?)
//	    when: fevr
//	          ^
//
// A long line is cut to a window around the column, marked with "…", so a
// 50,000-character line does not flood a terminal.
func (e *Error) ErrorWithSnippet() string {
	s := e.Error()
	if e.Snippet == "" || e.Pos.Column == 0 {
		return s
	}
	line := []rune(strings.ReplaceAll(e.Snippet, "\t", " ")) // one column per tab, so the caret lines up
	caret := min(e.Pos.Column-1, len(line))
	line, caret = snippetWindow(line, caret)
	var b strings.Builder
	b.WriteString(s)
	b.WriteString("\n    ")
	b.WriteString(string(line))
	b.WriteString("\n    ")
	b.WriteString(strings.Repeat(" ", caret))
	b.WriteByte('^')
	return b.String()
}

// snippetWidth is the most characters of a source line a snippet shows.
const snippetWidth = 100

// snippetWindow cuts line to at most snippetWidth characters around the
// caret, marking each cut with "…", and returns the caret's new column.
func snippetWindow(line []rune, caret int) ([]rune, int) {
	if len(line) <= snippetWidth {
		return line, caret
	}
	start := max(0, min(caret-snippetWidth/2, len(line)-snippetWidth))
	end := min(len(line), start+snippetWidth)
	out := append([]rune{}, line[start:end]...)
	if start > 0 {
		out = append([]rune("…"), out...)
		caret = caret - start + 1
	}
	if end < len(line) {
		out = append(out, '…')
	}
	return out, caret
}

// ErrorList is the error Load returns: every problem found, sorted by
// position. Reach it with errors.As:
//
//	var list triage.ErrorList
//	if errors.As(err, &list) { for _, e := range list { ... } }
type ErrorList []*Error

// Error returns the first error and a count of the others, on one line.
func (l ErrorList) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return l[0].Error()
	}
	more := "errors"
	if len(l) == 2 {
		more = "error"
	}
	return fmt.Sprintf("%s (and %d more %s)", l[0].Error(), len(l)-1, more)
}

// Unwrap returns the individual errors, so errors.Is(err,
// ErrInvalidRuleSet) and errors.As(err, new(*Error)) work.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// sorted orders l by file, line and column, keeping the discovery order
// of errors at the same position, and drops exact duplicates.
func (l ErrorList) sorted() ErrorList {
	slices.SortStableFunc(l, func(a, b *Error) int { return a.Pos.compare(b.Pos) })
	return slices.CompactFunc(l, func(a, b *Error) bool {
		return a.Pos == b.Pos && a.ID == b.ID && a.Msg == b.Msg
	})
}

// ErrorsWithSnippets renders every error with ErrorWithSnippet, one after
// the other, each followed by a newline.
func (l ErrorList) ErrorsWithSnippets() string {
	var b strings.Builder
	for _, e := range l {
		b.WriteString(e.ErrorWithSnippet())
		b.WriteByte('\n')
	}
	return b.String()
}

// AnswerError is one problem with one answer, or with the answers as a
// whole: a JSON document that cannot be read (with its position), or an
// input over a limit. It always comes in an AnswerErrors.
type AnswerError struct {
	// Question is the id the answer was given under, as given; "" when
	// the problem is not inside one answer.
	Question string
	// Value is the offending value as given.
	Value any
	// Msg describes the problem.
	Msg string
	// Line and Column (both 1-based, Column in characters) and Offset (in
	// bytes from 0) locate the problem in a JSON answers document. Line
	// is 0 when the error is not about a place in a document, as for
	// every error Evaluate returns.
	Line, Column, Offset int

	whole bool // about the answers as a whole, not one answer
	limit bool // over a limit: wraps ErrLimit too
}

// Error returns "question: message" for an answer that does not fit, and
// "message at line L, column C (byte offset O)" for a problem in a JSON
// document, whose message names the question itself when there is one.
//
// It is safe to print: a question id that is not a plain identifier is
// quoted, cut short and escaped, and any character in the message that a
// terminal would act on is escaped. Question itself keeps the id as given.
func (e *AnswerError) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%s at line %d, column %d (byte offset %d)", printable(e.Msg), e.Line, e.Column, e.Offset)
	}
	if e.whole {
		return printable(e.Msg)
	}
	return displayKey(e.Question) + ": " + printable(e.Msg)
}

// maxQuoted is how many characters of a bad input a message repeats: a
// 65,000-digit number helps nobody, in full, in an error.
const maxQuoted = 40

// clip cuts s after maxQuoted characters, adding "…" and the total length.
// Otherwise it leaves s alone: callers quote or vet it.
func clip(s string) (head, tail string) {
	n := 0
	for i := range s {
		if n == maxQuoted {
			return s[:i], fmt.Sprintf("… (%d characters)", utf8.RuneCountInString(s))
		}
		n++
	}
	return s, ""
}

// quoteInput quotes a string from the input for a message: escaped like a
// Go string literal, so no control character reaches a terminal, and cut
// short.
func quoteInput(s string) string {
	head, tail := clip(s)
	return strconv.Quote(head) + tail
}

// numberText shows JSON number text in a message, cut short. Valid number
// text is plain ASCII; anything else is quoted.
func numberText(s string) string {
	if _, ok := splitNumber(s); !ok {
		return quoteInput(s)
	}
	head, tail := clip(s)
	return head + tail
}

// displayKey shows a question id in a message: as it is when it looks like
// an id, quoted by quoteInput otherwise.
func displayKey(k string) string {
	if k == "" || len(k) > maxQuoted {
		return quoteInput(k)
	}
	for _, r := range k {
		if !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '_' && r != '-' && r != '.' {
			return quoteInput(k)
		}
	}
	return k
}

// printable escapes the characters of s that a terminal may act on
// (control and format characters, invalid UTF-8), leaving the rest as it
// is. Messages built here need nothing; this guards ones built elsewhere.
func printable(s string) string {
	clean := true
	for _, r := range s {
		if r == utf8.RuneError || !unicode.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			fmt.Fprintf(&b, "\\x%02x", s[i])
		case !unicode.IsPrint(r):
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		default:
			b.WriteRune(r)
		}
		i += size
	}
	return b.String()
}

// Unwrap returns ErrInvalidAnswers, and ErrLimit too for an input over a
// limit.
func (e *AnswerError) Unwrap() []error {
	if e.limit {
		return []error{ErrInvalidAnswers, ErrLimit}
	}
	return []error{ErrInvalidAnswers}
}

// AnswerErrors is the one error shape for invalid answers, from Evaluate,
// Explain, Next, CheckAnswer and DecodeAnswers: one entry per offending
// question, in questionnaire order (unknown question ids last, sorted), or
// one entry about the answers as a whole (a JSON document that cannot be
// read, an input over a limit). Reach it with errors.As.
type AnswerErrors []*AnswerError

// Error lists every problem on one line.
func (l AnswerErrors) Error() string {
	parts := make([]string, len(l))
	for i, e := range l {
		parts[i] = e.Error()
	}
	return "invalid answers: " + strings.Join(parts, "; ")
}

// Unwrap returns the individual errors.
func (l AnswerErrors) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

// EvalError reports a rule or ask_if condition that failed at run time, for
// example by exceeding the cost limit. Evaluate never turns such a failure
// into a verdict.
type EvalError struct {
	// ID is the rule id, or the question id for an ask_if condition.
	ID string
	// Pos is where the condition is written.
	Pos Position
	// Err is the cause reported by CEL.
	Err error
}

// Error returns "file:line:col: id: evaluation failed: cause".
func (e *EvalError) Error() string {
	return fmt.Sprintf("%s: %s: %v: %v", e.Pos, e.ID, ErrEvaluation, e.Err)
}

// Unwrap returns ErrEvaluation and the cause.
func (e *EvalError) Unwrap() []error { return []error{ErrEvaluation, e.Err} }
