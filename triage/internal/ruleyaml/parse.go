package ruleyaml

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
)

// Parse decodes the file's YAML document and returns its root, or nil for
// an empty file (or one with only comments); ok is false when the file
// could not be parsed. A file may hold only one document: a second one
// would otherwise be ignored without a word.
func (d *Decoder) Parse() (root *Node, ok bool) {
	if !utf8.Valid(d.src) {
		line, col := OffsetPos(d.src, firstInvalidUTF8(d.src))
		d.ErrAt(line, col, "", "", "file is not valid UTF-8")
		return nil, false
	}
	dec := yaml.NewDecoder(bytes.NewReader(d.src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, true
		}
		d.syntaxError(err)
		return nil, false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.Errorf(&extra, "", "", "a %s must hold a single YAML document; split it into several files instead", d.kind)
	} else if !errors.Is(err, io.EOF) {
		d.syntaxError(err)
		return nil, false
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0], true
	}
	return nil, true
}

// syntaxError reports a YAML syntax error on the line that is actually
// wrong. yaml.v3 names the line where the enclosing block starts
// (sometimes off by one for scanner errors), which can be far from the
// mistake; the first prefix of the file that fails with the same problem
// ends at the right line. yaml.v3 names no column: explainSyntax finds it
// on that line, with a hint in plain words for the common slips, which
// comes before the parser's own words.
func (d *Decoder) syntaxError(err error) {
	problem, named := splitYAMLError(err)
	line := d.firstFailingLine(problem)
	if line == 0 {
		line = max(named, 1)
	}
	prevLine := line - 1
	for prevLine > 0 && strings.TrimSpace(d.Line(prevLine)) == "" {
		prevLine--
	}
	col, hint := explainSyntax(classifySyntax(problem), d.Line(line), d.Line(prevLine), prevLine)
	if hint == "" {
		d.ErrAt(line, col, "", "", "YAML syntax error: %s", problem)
		return
	}
	d.ErrAt(line, col, "", "", "YAML syntax error: %s (YAML parser: %s)", hint, problem)
}

// maxSearchLines bounds the search for the failing line: each step parses
// a prefix of the file, so the search is quadratic in its length.
const maxSearchLines = 2000

// searchBudget bounds the bytes firstFailingLine parses in all. Without it,
// a 2,000-line file with a syntax error at its end took seconds to load.
const searchBudget = 1 << 20

// prefixSearch parses prefixes of a file under a budget of bytes.
type prefixSearch struct {
	lines   []string
	problem string
	budget  int
}

// fails reports whether the first n lines fail with the problem, and false
// for ok when parsing them would exceed the budget.
func (s *prefixSearch) fails(n int) (failing, ok bool) {
	prefix := strings.Join(s.lines[:n], "\n") + "\n"
	if len(prefix) > s.budget {
		return false, false
	}
	s.budget -= len(prefix)
	dec := yaml.NewDecoder(strings.NewReader(prefix))
	var err error
	for err == nil {
		var doc yaml.Node
		err = dec.Decode(&doc)
	}
	if errors.Is(err, io.EOF) {
		return false, true
	}
	got, _ := splitYAMLError(err)
	return got == s.problem, true
}

// firstFailingLine returns the first line n such that the file's first n
// lines fail to parse with the given problem, or 0.
//
// It tries prefixes line by line while that is cheap, then by bisection,
// which assumes that once a prefix fails with the problem every longer one
// does (the parser stops at the mistake, whatever follows). When even that
// would exceed searchBudget it gives up, and the caller falls back to the
// line the parser named.
func (d *Decoder) firstFailingLine(problem string) int {
	if len(d.lines) > maxSearchLines {
		return 0
	}
	s := &prefixSearch{lines: d.lines, problem: problem, budget: searchBudget}
	n := 1
	for ; n <= len(d.lines) && s.budget > searchBudget/2; n++ {
		failing, ok := s.fails(n)
		if !ok {
			return 0
		}
		if failing {
			return n
		}
	}
	if n > len(d.lines) {
		return 0
	}
	return s.bisect(n-1, len(d.lines))
}

// bisect finds the first failing prefix length in (lo, hi], where lo's
// prefix does not fail with the problem; 0 when hi's does not either or the
// budget runs out.
func (s *prefixSearch) bisect(lo, hi int) int {
	if failing, ok := s.fails(hi); !ok || !failing {
		return 0
	}
	for lo+1 < hi {
		mid := lo + (hi-lo)/2
		failing, ok := s.fails(mid)
		if !ok {
			return 0
		}
		if failing {
			hi = mid
		} else {
			lo = mid
		}
	}
	return hi
}

func firstInvalidUTF8(b []byte) int {
	for i := 0; i < len(b); {
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && size <= 1 {
			return i
		}
		i += size
	}
	return len(b)
}

// OffsetPos returns the line and column (in code points) of byte offset
// off in src.
func OffsetPos(src []byte, off int) (line, col int) {
	off = min(off, len(src))
	before := src[:off]
	lineStart := bytes.LastIndexByte(before, '\n') + 1
	return 1 + bytes.Count(before, []byte("\n")), 1 + utf8.RuneCount(before[lineStart:])
}
