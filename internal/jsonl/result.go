package jsonl

import (
	"bytes"
	"context"
	"errors"
	"path/filepath"

	"github.com/redflagkit/redflag/triage"
)

// Result is one line of check --jsonl output: the input line number and
// either a verdict or an error.
type Result struct {
	Line    int             `json:"line"`
	Verdict *triage.Verdict `json:"verdict,omitempty"`
	Error   string          `json:"error,omitempty"`
	// Errors names each offending question when the answers did not fit
	// the questionnaire, as AnswerErrors does.
	Errors []AnswerError `json:"errors,omitempty"`
}

// CompactResult is one line of check --jsonl --compact output: Result with
// the verdict cut down to what a machine needs to count, compare and
// audit. The error forms are Result's, unchanged.
type CompactResult struct {
	Line    int             `json:"line"`
	Verdict *CompactVerdict `json:"verdict,omitempty"`
	Error   string          `json:"error,omitempty"`
	Errors  []AnswerError   `json:"errors,omitempty"`
}

// CompactVerdict is a verdict without the words meant for a person: no
// titles, advice, evidence, citations, self-care guidance or notice. The
// lists are never null, so that a consumer can tell empty from absent.
type CompactVerdict struct {
	Outcome triage.Outcome `json:"outcome"`
	// Refer and Caution are the ids of the rules that fired, by action,
	// in the order of Verdict.Reasons.
	Refer   []string  `json:"refer"`
	Caution []string  `json:"caution"`
	Missing []string  `json:"missing"`
	RuleSet RuleSetID `json:"rule_set"`
}

// RuleSetID is triage.RuleSetInfo without the title.
type RuleSetID struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Hash    string `json:"hash"`
}

// RuleSetIDOf is i without the title.
func RuleSetIDOf(i triage.RuleSetInfo) RuleSetID {
	return RuleSetID{Name: i.Name, Version: i.Version, Hash: i.Hash}
}

// Compact is r in its --compact form.
func (r Result) Compact() CompactResult {
	out := CompactResult{Line: r.Line, Error: r.Error, Errors: r.Errors}
	v := r.Verdict
	if v == nil {
		return out
	}
	cv := &CompactVerdict{
		Outcome: v.Outcome,
		Refer:   []string{},
		Caution: []string{},
		Missing: append([]string{}, v.Missing...),
		RuleSet: RuleSetIDOf(v.RuleSet),
	}
	for _, reason := range v.Reasons {
		if reason.Action == triage.Refer {
			cv.Refer = append(cv.Refer, reason.RuleID)
		} else {
			cv.Caution = append(cv.Caution, reason.RuleID)
		}
	}
	out.Verdict = cv
	return out
}

// AnswerError is one triage.AnswerError in JSON.
type AnswerError struct {
	Question string `json:"question"`
	Message  string `json:"message"`
	// Position locates a problem in the line's JSON, such as a syntax
	// error; absent when the problem is an answer that does not fit.
	Position *Position `json:"position,omitempty"`
}

// Position is triage.AnswerError's position: line and column from 1
// (column in characters), byte offset from 0.
type Position struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

func answerError(e *triage.AnswerError) AnswerError {
	out := AnswerError{Question: e.Question, Message: e.Msg}
	if e.Line > 0 {
		out.Position = &Position{Line: e.Line, Column: e.Column, Offset: e.Offset}
	}
	return out
}

// Eval evaluates line number lineNo, l, under eng as check --jsonl does.
// rulesDir is the directory eng's rule files came from, to name them in
// evaluation errors; "" for the embedded rule set.
func Eval(ctx context.Context, eng *triage.Engine, lineNo int, l Line, rulesDir string) Result {
	res := Result{Line: lineNo}
	if p := l.Problem(); p != "" {
		res.Error = p
		return res
	}
	answers, err := eng.DecodeAnswers(bytes.NewReader(l.Text))
	if err != nil {
		res.Error = err.Error()
		var ae *triage.AnswerError
		if errors.As(err, &ae) {
			res.Errors = []AnswerError{answerError(ae)}
		}
		return res
	}
	v, err := eng.Evaluate(ctx, answers)
	if err != nil {
		var ee *triage.EvalError
		if errors.As(err, &ee) && rulesDir != "" && ee.Pos.File != "" {
			ee.Pos.File = filepath.Join(rulesDir, filepath.FromSlash(ee.Pos.File))
		}
		res.Error = err.Error()
		var aerrs triage.AnswerErrors
		if errors.As(err, &aerrs) {
			res.Error = "invalid answers"
			for _, e := range aerrs {
				res.Errors = append(res.Errors, answerError(e))
			}
		}
		return res
	}
	res.Verdict = v
	return res
}
