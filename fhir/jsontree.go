package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"unicode/utf8"
)

// node is a JSON value with where it starts, so that every problem found
// while mapping it to R4 can say where it is.
type node struct {
	start, end int  // byte offsets of the value in the document
	kind       byte // '{', '[', '"', '0' (number), 'b' (bool), 'n' (null)
	keys       []string
	keyAt      []int
	vals       []*node
	elems      []*node
	str        string
	num        json.Number
	b          bool
}

// maxDepth bounds nesting, so a hostile document cannot exhaust the stack.
const maxDepth = 64

// posError is a problem at a byte offset of the document.
type posError struct {
	off int
	msg string
}

func (e *posError) Error() string { return e.msg }

func errAt(off int, format string, args ...any) *posError {
	return &posError{off: off, msg: fmt.Sprintf(format, args...)}
}

// parseTree reads one JSON value, refusing duplicate keys and anything after
// the value but white space.
func parseTree(data []byte) (*node, error) {
	p := &treeParser{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	at := p.skipSpace(int(p.dec.InputOffset()))
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, errAt(at, "there is more after the JSON value")
	}
	return n, nil
}

type treeParser struct {
	data []byte
	dec  *json.Decoder
}

// skipSpace returns the offset of the next token from off.
func (p *treeParser) skipSpace(off int) int {
	for off < len(p.data) {
		switch p.data[off] {
		case ' ', '\t', '\n', '\r', ':', ',':
			off++
		default:
			return off
		}
	}
	return off
}

func (p *treeParser) token() (json.Token, int, error) {
	start := p.skipSpace(int(p.dec.InputOffset()))
	tok, err := p.dec.Token()
	if err != nil {
		var syn *json.SyntaxError
		if errors.As(err, &syn) {
			return nil, 0, errAt(int(syn.Offset), "the JSON is malformed: %s", syn.Error())
		}
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, 0, errAt(len(p.data), "the JSON ends too early")
		}
		return nil, 0, errAt(start, "the JSON is malformed: %s", err.Error())
	}
	return tok, start, nil
}

func (p *treeParser) value(depth int) (*node, error) {
	tok, start, err := p.token()
	if err != nil {
		return nil, err
	}
	if depth > maxDepth {
		return nil, errAt(start, "the JSON nests deeper than %d levels", maxDepth)
	}
	n := &node{start: start}
	switch t := tok.(type) {
	case json.Delim:
		n.kind = byte(t)
		if t == '{' {
			err = p.object(n, depth)
		} else {
			err = p.array(n, depth)
		}
		if err != nil {
			return nil, err
		}
	case string:
		n.kind, n.str = '"', t
	case json.Number:
		n.kind, n.num = '0', t
	case bool:
		n.kind, n.b = 'b', t
	case nil:
		n.kind = 'n'
	}
	n.end = int(p.dec.InputOffset())
	return n, nil
}

func (p *treeParser) object(n *node, depth int) error {
	seen := map[string]bool{}
	for p.dec.More() {
		tok, at, err := p.token()
		if err != nil {
			return err
		}
		k, _ := tok.(string)
		if seen[k] {
			return errAt(at, "the key %q appears twice in one object", k)
		}
		seen[k] = true
		v, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		n.keys, n.keyAt, n.vals = append(n.keys, k), append(n.keyAt, at), append(n.vals, v)
	}
	_, _, err := p.token() // '}'
	return err
}

func (p *treeParser) array(n *node, depth int) error {
	for p.dec.More() {
		v, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		n.elems = append(n.elems, v)
	}
	_, _, err := p.token() // ']'
	return err
}

// lineCol converts a byte offset to a 1-based line and column (in
// characters).
func lineCol(data []byte, off int) (line, col int) {
	off = min(max(off, 0), len(data))
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	lineStart := bytes.LastIndexByte(data[:off], '\n') + 1
	return line, 1 + utf8.RuneCount(data[lineStart:off])
}

// kindName names a JSON kind for messages.
func kindName(k byte) string {
	return map[byte]string{'{': "an object", '[': "an array", '"': "a string", '0': "a number", 'b': "true or false", 'n': "null"}[k]
}
