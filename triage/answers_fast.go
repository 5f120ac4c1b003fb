package triage

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"
)

// decodeAnswers reads one answers document under e's limits. Most
// documents are flat objects of plain values, well within the limits:
// fastAnswers reads those in one pass over the bytes. Anything else (an
// escape in a string, a nested object, a syntax error, a duplicate key, a
// value over a limit) goes to decodeAnswersSlow, which reads the document
// again from the start, so that every error, and every answer it returns,
// is exactly what that decoder gives.
func (e *Engine) decodeAnswers(r io.Reader) (Answers, error) {
	data, err := readAnswers(r, e.limits.size)
	if err != nil {
		return nil, err
	}
	if a, ok := e.fastAnswers(data); ok {
		return a, nil
	}
	return decodeAnswersSlow(bytes.NewReader(data), &e.limits)
}

// readAnswers is readLimited, but reads a *bytes.Reader, *bytes.Buffer
// or *strings.Reader, which know how much they hold and never fail, into a
// buffer of that size at once: what readLimited would return, without its
// growing buffer.
func readAnswers(r io.Reader, max int) ([]byte, error) {
	var n int
	switch x := r.(type) {
	case *bytes.Reader:
		n = x.Len()
	case *bytes.Buffer:
		n = x.Len()
	case *strings.Reader:
		n = x.Len()
	default:
		return readLimited(r, max)
	}
	if n > max {
		return readLimited(r, max)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("triage: reading answers: %w", err) // not reached: these readers hold n bytes
	}
	return data, nil
}

// smallNumbers holds json.Number("0") to json.Number("99") already stored
// in an interface, so that the commonest numbers cost no allocation.
var smallNumbers = func() (t [100]any) {
	for i := range t {
		t[i] = json.Number(strconv.Itoa(i))
	}
	return t
}()

// fastReader reads a flat answers object. Every method returns ok false
// on anything it does not handle, and the caller gives up at once.
type fastReader struct {
	data []byte
	i    int
	e    *Engine
}

// fastAnswers reads data when it is a flat JSON object, surrounded by
// white space, of unique keys whose values are true, false, null, a number,
// a string, or a list of those, with no escape in any string, and all
// within the limits. ok is false for anything else, with no error: the
// caller then asks decodeAnswersSlow.
func (e *Engine) fastAnswers(data []byte) (Answers, bool) {
	fr := fastReader{data: data, e: e}
	if !fr.byte('{') {
		return nil, false
	}
	out := make(Answers, min(len(e.questions), e.limits.answers))
	if fr.byte('}') {
		return out, fr.end()
	}
	for {
		key, ok := fr.key(out)
		if !ok || !fr.byte(':') {
			return nil, false
		}
		v, ok := fr.value(key)
		if !ok {
			return nil, false
		}
		out[key] = v
		if fr.byte('}') {
			return out, fr.end()
		}
		if !fr.byte(',') {
			return nil, false
		}
	}
}

// byte skips white space and then c, reporting whether c was there; when
// it was not, only the white space is skipped.
func (fr *fastReader) byte(c byte) bool {
	fr.space()
	if fr.i < len(fr.data) && fr.data[fr.i] == c {
		fr.i++
		return true
	}
	return false
}

func (fr *fastReader) space() {
	for fr.i < len(fr.data) {
		switch fr.data[fr.i] {
		case ' ', '\t', '\n', '\r':
			fr.i++
		default:
			return
		}
	}
}

// end reports whether only white space is left.
func (fr *fastReader) end() bool {
	fr.space()
	return fr.i == len(fr.data)
}

// key reads a key that is within the limits and not yet in out. A key that
// names a question is the question's own id string, so that it costs no
// allocation.
func (fr *fastReader) key(out Answers) (string, bool) {
	fr.space()
	b, ok := fr.str()
	if !ok || len(b) > fr.e.limits.str {
		return "", false
	}
	var key string
	if qi, known := fr.e.qIndex[string(b)]; known {
		key = fr.e.questions[qi].ID
	} else {
		key = string(b)
	}
	if _, dup := out[key]; dup || len(out)+1 > fr.e.limits.answers {
		return "", false
	}
	return key, true
}

// str reads a string with no escape, no control character and valid
// UTF-8, the quotes at fr.i, and returns its bytes.
func (fr *fastReader) str() ([]byte, bool) {
	d := fr.data
	if fr.i >= len(d) || d[fr.i] != '"' {
		return nil, false
	}
	start := fr.i + 1
	ascii := true
	for i := start; i < len(d); i++ {
		switch c := d[i]; {
		case c == '"':
			fr.i = i + 1
			b := d[start:i]
			return b, ascii || utf8.Valid(b)
		case c == '\\' || c < 0x20:
			return nil, false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return nil, false
}

// value reads the answer to key: a scalar, or a list of scalars within the
// list limit.
func (fr *fastReader) value(key string) (any, bool) {
	fr.space()
	if fr.i < len(fr.data) && fr.data[fr.i] == '[' {
		return fr.list(key)
	}
	return fr.scalar(key)
}

// list reads a list of scalars, at fr.i, as []any, as encoding/json does.
func (fr *fastReader) list(key string) (any, bool) {
	fr.i++
	l := []any{}
	if fr.byte(']') {
		return l, true
	}
	for {
		fr.space()
		v, ok := fr.scalar(key)
		if !ok || len(l) == fr.e.limits.list {
			return nil, false
		}
		l = append(l, v)
		if fr.byte(']') {
			return l, true
		}
		if !fr.byte(',') {
			return nil, false
		}
	}
}

// scalar reads true, false, null, a number or a string at fr.i. A string
// that is one of key's choices is the choice's own string.
func (fr *fastReader) scalar(key string) (any, bool) {
	d := fr.data[fr.i:]
	switch {
	case len(d) == 0:
		return nil, false
	case bytes.HasPrefix(d, []byte("true")):
		fr.i += 4
		return true, true
	case bytes.HasPrefix(d, []byte("false")):
		fr.i += 5
		return false, true
	case bytes.HasPrefix(d, []byte("null")):
		fr.i += 4
		return nil, true
	case d[0] == '"':
		b, ok := fr.str()
		if !ok || len(b) > fr.e.limits.str {
			return nil, false
		}
		return fr.choice(key, b), true
	}
	n := numberLen(d)
	if n == 0 {
		return nil, false
	}
	fr.i += n
	if n == 1 && d[0] <= '9' {
		return smallNumbers[d[0]-'0'], true
	}
	if n == 2 && d[0] != '-' && d[0] != '0' && d[1] <= '9' {
		return smallNumbers[(d[0]-'0')*10+d[1]-'0'], true
	}
	return json.Number(d[:n]), true
}

// choice is b as a string: the question's own choice string when b is one
// of key's choices, or a copy.
func (fr *fastReader) choice(key string, b []byte) string {
	if qi, ok := fr.e.qIndex[key]; ok {
		for _, c := range fr.e.questions[qi].Choices {
			if c.Value == string(b) {
				return c.Value
			}
		}
	}
	return string(b)
}

// numberLen is the length of the JSON number at the start of d, by the
// grammar -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, or 0 when there
// is none. What follows the number is left to the caller.
func numberLen(d []byte) int {
	i := 0
	digits := func() int {
		start := i
		for i < len(d) && d[i] >= '0' && d[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(d) && d[i] == '-' {
		i++
	}
	if i < len(d) && d[i] == '0' {
		i++
	} else if digits() == 0 {
		return 0
	}
	if i < len(d) && d[i] == '.' {
		i++
		if digits() == 0 {
			return 0
		}
	}
	if i < len(d) && (d[i] == 'e' || d[i] == 'E') {
		i++
		if i < len(d) && (d[i] == '+' || d[i] == '-') {
			i++
		}
		if digits() == 0 {
			return 0
		}
	}
	return i
}
