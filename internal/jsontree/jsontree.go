package jsontree

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"unicode/utf8"
)

// Node is a JSON value with where it is, so that every problem found
// while reading it can say where.
type Node struct {
	Start, End int  // byte offsets of the value in the document
	Kind       byte // '{', '[', '"', '0' (number), 'b' (bool), 'n' (null)
	Keys       []string
	KeyAt      []int // the offset of each key
	Vals       []*Node
	Elems      []*Node
	Str        string
	Num        json.Number
	Bool       bool
}

// Get returns the value of an object's key.
func (n *Node) Get(key string) (*Node, bool) {
	i := slices.Index(n.Keys, key)
	if i < 0 {
		return nil, false
	}
	return n.Vals[i], true
}

// maxDepth bounds nesting, so a hostile document cannot exhaust the stack.
const maxDepth = 64

// Error is a problem at a byte offset of the document.
type Error struct {
	Off int
	Msg string
}

func (e *Error) Error() string { return e.Msg }

// Errorf returns an Error at off.
func Errorf(off int, format string, args ...any) *Error {
	return &Error{Off: off, Msg: fmt.Sprintf(format, args...)}
}

// Parse reads one JSON value, refusing duplicate keys, nesting deeper than
// 64 levels and anything after the value but white space. Every error is an
// *Error.
func Parse(data []byte) (*Node, error) {
	p := &treeParser{data: data, dec: json.NewDecoder(bytes.NewReader(data))}
	p.dec.UseNumber()
	n, err := p.value(0)
	if err != nil {
		return nil, err
	}
	at := p.skipSpace(int(p.dec.InputOffset()))
	if _, err := p.dec.Token(); err != io.EOF {
		return nil, Errorf(at, "there is more after the JSON value")
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
			return nil, 0, Errorf(int(syn.Offset), "the JSON is malformed: %s", syn.Error())
		}
		if err == io.EOF || errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, 0, Errorf(len(p.data), "the JSON ends too early")
		}
		return nil, 0, Errorf(start, "the JSON is malformed: %s", err.Error())
	}
	return tok, start, nil
}

func (p *treeParser) value(depth int) (*Node, error) {
	tok, start, err := p.token()
	if err != nil {
		return nil, err
	}
	if depth > maxDepth {
		return nil, Errorf(start, "the JSON nests deeper than %d levels", maxDepth)
	}
	n := &Node{Start: start}
	switch t := tok.(type) {
	case json.Delim:
		n.Kind = byte(t)
		if t == '{' {
			err = p.object(n, depth)
		} else {
			err = p.array(n, depth)
		}
		if err != nil {
			return nil, err
		}
	case string:
		n.Kind, n.Str = '"', t
	case json.Number:
		n.Kind, n.Num = '0', t
	case bool:
		n.Kind, n.Bool = 'b', t
	case nil:
		n.Kind = 'n'
	}
	n.End = int(p.dec.InputOffset())
	return n, nil
}

func (p *treeParser) object(n *Node, depth int) error {
	seen := map[string]bool{}
	for p.dec.More() {
		tok, at, err := p.token()
		if err != nil {
			return err
		}
		k, _ := tok.(string)
		if seen[k] {
			return Errorf(at, "the key %q appears twice in one object", k)
		}
		seen[k] = true
		v, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		n.Keys, n.KeyAt, n.Vals = append(n.Keys, k), append(n.KeyAt, at), append(n.Vals, v)
	}
	_, _, err := p.token() // '}'
	return err
}

func (p *treeParser) array(n *Node, depth int) error {
	for p.dec.More() {
		v, err := p.value(depth + 1)
		if err != nil {
			return err
		}
		n.Elems = append(n.Elems, v)
	}
	_, _, err := p.token() // ']'
	return err
}

// LineCol converts a byte offset to a 1-based line and column (in
// characters).
func LineCol(data []byte, off int) (line, col int) {
	off = min(max(off, 0), len(data))
	line = 1 + bytes.Count(data[:off], []byte{'\n'})
	lineStart := bytes.LastIndexByte(data[:off], '\n') + 1
	return line, 1 + utf8.RuneCount(data[lineStart:off])
}

// KindName names a JSON kind for messages.
func KindName(k byte) string {
	return map[byte]string{'{': "an object", '[': "an array", '"': "a string", '0': "a number", 'b': "true or false", 'n': "null"}[k]
}
