package triage

import (
	"fmt"

	"github.com/redflagkit/redflag/triage/internal/didyoumean"
	"github.com/redflagkit/redflag/triage/internal/ruleyaml"
)

// decoder reads one rule or test file with ruleyaml and turns its
// problems into positioned Errors, each with its source line.
type decoder struct {
	*ruleyaml.Decoder
	file string
	errs *ErrorList
}

func newDecoder(kind, file string, src []byte, errs *ErrorList) *decoder {
	d := &decoder{file: file, errs: errs}
	d.Decoder = ruleyaml.New(kind, src, d.report)
	return d
}

func (d *decoder) report(p ruleyaml.Problem) {
	d.errAt(Position{File: d.file, Line: p.Line, Column: p.Column}, p.ID, p.Path, "%s", p.Msg)
}

// pos returns the position of n in the file.
func (d *decoder) pos(n *ruleyaml.Node) Position {
	line, col := ruleyaml.Pos(n)
	return Position{File: d.file, Line: line, Column: col}
}

// locate returns the position of a code-point offset within scalar n.
func (d *decoder) locate(n *ruleyaml.Node, offset int) Position {
	line, col := d.Locate(n, offset)
	return Position{File: d.file, Line: line, Column: col}
}

// errAt reports a problem at p and returns its Error, which callers may
// ignore.
func (d *decoder) errAt(p Position, id, path, format string, args ...any) *Error {
	e := &Error{Pos: p, ID: id, Path: path, Msg: fmt.Sprintf(format, args...)}
	e.Snippet = d.Line(p.Line)
	*d.errs = append(*d.errs, e)
	return e
}

func (d *decoder) errorf(n *ruleyaml.Node, id, path, format string, args ...any) {
	d.errAt(d.pos(n), id, path, format, args...)
}

// limitf is errorf for an input over a limit: the error wraps ErrLimit
// too.
func (d *decoder) limitf(n *ruleyaml.Node, id, path, format string, args ...any) {
	d.errAt(d.pos(n), id, path, format, args...).Err = ErrLimit
}

// suggest returns the closest known name for a misspelled one, or "".
func suggest(s string, candidates []string) string { return didyoumean.Suggest(s, candidates) }

func describePath(path string) string { return ruleyaml.DescribePath(path) }
