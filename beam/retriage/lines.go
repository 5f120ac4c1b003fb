package retriage

import (
	"bytes"
	"context"
	"encoding/json"

	"github.com/redflagkit/redflag/internal/jsonl"
	"github.com/redflagkit/redflag/triage"
)

// The line rules and the output lines are "redflag check --jsonl"'s,
// shared through the root module's internal/jsonl: a line ends with LF or
// CRLF, a line over MaxLineBytes is an error (its bytes are skipped as
// they are read), a CR that ends no line is an error, and so is an empty
// line. The tests also compare this package's output with the command's on
// the same file.

// MaxLineBytes is the longest answers line, line ending excluded.
const MaxLineBytes = jsonl.MaxLineBytes

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

// jsonl is l as internal/jsonl reads it.
func (l Line) jsonl() jsonl.Line {
	return jsonl.Line{Text: l.Text, TooLong: l.TooLong, BareCR: l.BareCR}
}

// The output lines of check --jsonl, full and --compact.
type (
	// Result is one line's result: check --jsonl's output line. Exactly
	// one of Verdict and Error is set.
	Result = jsonl.Result
	// CompactResult is Result with the verdict in check --jsonl
	// --compact's form.
	CompactResult = jsonl.CompactResult
	// CompactVerdict is a verdict without the words meant for a person.
	CompactVerdict = jsonl.CompactVerdict
	// RuleSetID is triage.RuleSetInfo without the title.
	RuleSetID = jsonl.RuleSetID
	// AnswerError is one triage.AnswerError in JSON.
	AnswerError = jsonl.AnswerError
	// Position locates a problem in a line's JSON.
	Position = jsonl.Position
)

// notAnswers reports that the line cannot hold answers whatever the rule
// set: too long, a bare CR, or empty.
func (l Line) notAnswers() bool {
	return l.jsonl().Problem() != ""
}

// evalLine evaluates one line as check --jsonl does. rulesDir names the
// rule files in evaluation errors ("" for the embedded rule set).
func evalLine(ctx context.Context, eng *triage.Engine, l Line, rulesDir string) Result {
	return jsonl.Eval(ctx, eng, l.No, l.jsonl(), rulesDir)
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
