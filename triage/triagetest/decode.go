package triagetest

import (
	"fmt"

	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/internal/ruleyaml"
)

// decoder reads one test file with ruleyaml and turns its problems into
// positioned triage.Errors, each with its source line.
type decoder struct {
	*ruleyaml.Decoder
	file string
	errs *triage.ErrorList
}

func newDecoder(file string, src []byte, errs *triage.ErrorList) *decoder {
	d := &decoder{file: file, errs: errs}
	d.Decoder = ruleyaml.New("test file", src, d.report)
	return d
}

func (d *decoder) report(p ruleyaml.Problem) {
	pos := triage.Position{File: d.file, Line: p.Line, Column: p.Column}
	*d.errs = append(*d.errs, &triage.Error{Pos: pos, ID: p.ID, Path: p.Path, Msg: p.Msg, Snippet: d.Line(p.Line)})
}

func (d *decoder) pos(n *ruleyaml.Node) triage.Position {
	line, col := ruleyaml.Pos(n)
	return triage.Position{File: d.file, Line: line, Column: col}
}

func (d *decoder) errorf(n *ruleyaml.Node, id, path, format string, args ...any) {
	d.Errorf(n, id, path, format, args...)
}

// limitf is errorf for an input over a limit: the error wraps
// triage.ErrLimit too.
func (d *decoder) limitf(n *ruleyaml.Node, id, path, format string, args ...any) {
	d.Errorf(n, id, path, format, args...) // reported at once, by report
	(*d.errs)[len(*d.errs)-1].Err = triage.ErrLimit
}

// nonEmptyKey reports a required key of the mapping n that is missing or
// blank.
func (d *decoder) nonEmptyKey(n *ruleyaml.Node, s ruleyaml.Str, id, path, key string) bool {
	switch {
	case s.Node == nil:
		d.errorf(n, id, path, "missing required key %q", key)
		return false
	case !s.Present():
		return false
	case isBlank(s.V):
		d.errorf(s.Node, id, ruleyaml.JoinPath(path, key), "%s must not be empty", key)
		return false
	}
	return true
}

// answerValue converts one YAML answer to the Go value Evaluate takes;
// bad reports a value that cannot be an answer (already reported).
func (d *decoder) answerValue(n *ruleyaml.Node, id, p string) (v any, bad bool) {
	if !d.NoAlias(n, id, p) {
		return nil, true
	}
	switch {
	case ruleyaml.IsScalar(n, ""):
		return d.scalarAnswer(n, id, p)
	case ruleyaml.IsList(n):
		return d.listAnswer(n, id, p)
	}
	d.errorf(n, id, p, "%s must be a single value or a list, got %s", ruleyaml.DescribePath(p), ruleyaml.KindName(n))
	return nil, true
}

func (d *decoder) scalarAnswer(n *ruleyaml.Node, id, p string) (any, bool) {
	if ruleyaml.IsScalar(n, "!!str") {
		return n.Value, false
	}
	if ruleyaml.IsScalar(n, "!!null") {
		return nil, false
	}
	v, ok := ruleyaml.ScalarValue(n)
	if !ok {
		d.errorf(n, id, p, "%s: cannot use %s as an answer", ruleyaml.DescribePath(p), ruleyaml.KindName(n))
		return nil, true
	}
	return v, false
}

func (d *decoder) listAnswer(n *ruleyaml.Node, id, p string) (any, bool) {
	list := make([]string, 0, len(n.Content))
	for i, item := range n.Content {
		if !d.NoAlias(item, id, p) {
			return nil, true
		}
		if !ruleyaml.IsScalar(item, "!!str") {
			d.errorf(item, id, fmt.Sprintf("%s[%d]", p, i), "%s: list answers hold choice values (strings), got %s", ruleyaml.DescribePath(p), ruleyaml.KindName(item))
			return nil, true
		}
		list = append(list, item.Value)
	}
	return list, false
}
