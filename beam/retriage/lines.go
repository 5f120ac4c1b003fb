package retriage

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"

	"github.com/redflagkit/redflag/triage"
)

// The line rules are "redflag check --jsonl"'s (cmd/redflag/batch.go),
// repeated here because that command is a main package: a line ends with
// LF or CRLF, a line over MaxLineBytes is an error (its bytes are skipped
// as they are read), a CR that ends no line is an error, and so is an empty
// line. The tests compare this package's output with the command's on the
// same file, so the two cannot drift apart unnoticed.

// MaxLineBytes is the longest answers line, line ending excluded.
const MaxLineBytes = 1 << 20

// Line is one input line as the reader passes it on.
type Line struct {
	// No is the line's number in its file, from 1.
	No int `json:"no"`
	// Text is the line without its line ending; nil when TooLong.
	Text []byte `json:"text,omitempty"`
	// TooLong: the line is over MaxLineBytes and its bytes were dropped.
	TooLong bool `json:"too_long,omitempty"`
	// BareCR: the line holds a carriage return that ends no line.
	BareCR bool `json:"bare_cr,omitempty"`
}

// inputLine is readLine's result.
type inputLine struct {
	text    []byte
	tooLong bool
	bareCR  bool
	read    bool // any byte was read, line ending included
}

// readLine returns the next line, as a copy, exactly as check --jsonl
// reads it; at the end of the input it returns the last unterminated line
// (if any) with io.EOF.
func readLine(br *bufio.Reader, limit int) (inputLine, error) {
	var l inputLine
	for {
		frag, err := br.ReadSlice('\n')
		l.read = l.read || len(frag) > 0
		if !l.tooLong {
			if len(l.text)+len(frag) > limit+2 { // +2: the line ending
				l.tooLong, l.text = true, nil
			} else {
				l.text = append(l.text, frag...)
			}
		}
		if l.tooLong && !l.bareCR {
			for i, b := range frag[:max(len(frag)-1, 0)] {
				if b == '\r' && frag[i+1] != '\n' {
					l.bareCR = true
					break
				}
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if l.tooLong {
			return l, err
		}
		l.text = bytes.TrimSuffix(l.text, []byte("\n"))
		l.text = bytes.TrimSuffix(l.text, []byte("\r"))
		l.bareCR = bytes.IndexByte(l.text, '\r') >= 0
		return l, err
	}
}

// Result is one line's result: check --jsonl's output line. Exactly one
// of Verdict and Error is set.
type Result struct {
	Line    int             `json:"line"`
	Verdict *triage.Verdict `json:"verdict,omitempty"`
	Error   string          `json:"error,omitempty"`
	Errors  []AnswerError   `json:"errors,omitempty"`
}

// CompactResult is Result with the verdict in check --jsonl --compact's
// form.
type CompactResult struct {
	Line    int             `json:"line"`
	Verdict *CompactVerdict `json:"verdict,omitempty"`
	Error   string          `json:"error,omitempty"`
	Errors  []AnswerError   `json:"errors,omitempty"`
}

// CompactVerdict is a verdict without the words meant for a person.
type CompactVerdict struct {
	Outcome triage.Outcome `json:"outcome"`
	Refer   []string       `json:"refer"`
	Caution []string       `json:"caution"`
	Missing []string       `json:"missing"`
	RuleSet RuleSetID      `json:"rule_set"`
}

// RuleSetID is triage.RuleSetInfo without the title.
type RuleSetID struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Hash    string `json:"hash"`
}

func ruleSetID(i triage.RuleSetInfo) RuleSetID {
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
		RuleSet: ruleSetID(v.RuleSet),
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
	Question string    `json:"question"`
	Message  string    `json:"message"`
	Position *Position `json:"position,omitempty"`
}

// Position locates a problem in a line's JSON: line and column from 1
// (column in characters), byte offset from 0.
type Position struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

func jsonAnswerError(e *triage.AnswerError) AnswerError {
	out := AnswerError{Question: e.Question, Message: e.Msg}
	if e.Line > 0 {
		out.Position = &Position{Line: e.Line, Column: e.Column, Offset: e.Offset}
	}
	return out
}

const oldMacHint = `this file seems to use old Mac (CR) line endings; convert it to LF line endings (for example: tr '\r' '\n' < old.jsonl > new.jsonl), as --jsonl reads lines ended by LF or CRLF`

// notAnswers reports that the line cannot hold answers whatever the rule
// set: too long, a bare CR, or empty.
func (l Line) notAnswers() bool {
	return l.TooLong || l.BareCR || len(bytes.TrimSpace(l.Text)) == 0
}

// evalLine evaluates one line as check --jsonl does. rulesDir names the
// rule files in evaluation errors ("" for the embedded rule set).
func evalLine(ctx context.Context, eng *triage.Engine, l Line, rulesDir string) Result {
	res := Result{Line: l.No}
	switch {
	case l.TooLong && l.BareCR:
		res.Error = fmt.Sprintf("line is longer than %d bytes, and it holds carriage returns (CR) that end no line: %s", MaxLineBytes, oldMacHint)
		return res
	case l.TooLong:
		res.Error = fmt.Sprintf("line is longer than %d bytes", MaxLineBytes)
		return res
	case l.BareCR:
		res.Error = "the line holds a carriage return (CR) that ends no line: " + oldMacHint
		return res
	}
	if len(bytes.TrimSpace(l.Text)) == 0 {
		res.Error = "empty line: want one JSON object of answers per line"
		return res
	}
	answers, err := eng.DecodeAnswers(bytes.NewReader(l.Text))
	if err != nil {
		res.Error = err.Error()
		var ae *triage.AnswerError
		if errors.As(err, &ae) {
			res.Errors = []AnswerError{jsonAnswerError(ae)}
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
				res.Errors = append(res.Errors, jsonAnswerError(e))
			}
		}
		return res
	}
	res.Verdict = v
	return res
}

// marshalLine is v as one JSON line without its newline, encoded as
// json.Encoder does (HTML characters escaped), so that it is byte for byte
// check --jsonl's line.
func marshalLine(v any) (string, error) {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	if err := enc.Encode(v); err != nil {
		return "", err
	}
	return string(bytes.TrimSuffix(b.Bytes(), []byte("\n"))), nil
}
