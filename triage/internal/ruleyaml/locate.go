package ruleyaml

import (
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Locate maps a code-point offset within the value of scalar n to its
// position in the file. It walks the raw text from the node's start,
// matching the value character by character and skipping only what YAML
// adds around a value: quotes, escapes, line breaks and indentation. That
// handles plain, quoted, literal and folded scalars alike; if the walk
// loses its way (an escape like \n, say) it falls back to the node's own
// position, which is still the right line for single-line values.
func (d *Decoder) Locate(n *Node, offset int) (line, col int) {
	if n == nil || n.Line < 1 || n.Line > len(d.lines) {
		return Pos(n)
	}
	value := []rune(n.Value)
	if at, ok := matchValue(d.rawText(n, len(value)), value, offset); ok {
		return at.line, at.col
	}
	return n.Line, n.Column
}

// rawChar is one character of a scalar's raw text, and where it is.
type rawChar struct {
	r         rune
	line, col int
}

// rawReader reads the characters of a scalar's raw text from the start of
// its value, each line ending in a '\n', one at a time: the search stops
// as soon as it finds the offset, so only the lines up to it are read. An
// escape in a double-quoted scalar is read as the character it stands for,
// at its backslash.
type rawReader struct {
	lines          []string
	line, lastLine int    // the line being read, and the last to read
	rs             []rune // the line being read
	col            int    // the next column of rs to read
	double         bool
}

// rawText starts reading scalar n's raw text. A value of runes characters
// never spans more raw lines than that, so no more are read.
func (d *Decoder) rawText(n *Node, runes int) *rawReader {
	startLine, startCol := n.Line, n.Column
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		startLine, startCol = n.Line+1, 1 // block scalars start after the indicator line
	}
	rd := &rawReader{lines: d.lines, line: startLine, lastLine: min(len(d.lines), startLine+runes+1),
		double: n.Style&yaml.DoubleQuotedStyle != 0}
	if rd.line <= rd.lastLine {
		rd.rs = []rune(strings.TrimSuffix(d.lines[rd.line-1], "\r"))
		rd.col = skipProperties(rd.rs, startCol)
	}
	return rd
}

// next returns the next character, or false at the end of the lines to
// read.
func (rd *rawReader) next() (rawChar, bool) {
	if rd.line > rd.lastLine {
		return rawChar{}, false
	}
	l, c, rs := rd.line, rd.col, rd.rs
	if c > len(rs) {
		// The line break; the next line starts at column 1.
		rd.line++
		if rd.line <= rd.lastLine {
			rd.rs, rd.col = []rune(strings.TrimSuffix(rd.lines[rd.line-1], "\r")), 1
		}
		return rawChar{'\n', l, len(rs) + 1}, true
	}
	if rd.double && rs[c-1] == '\\' && c < len(rs) {
		// An escape stands for one character of the value, found at its
		// backslash.
		if r, width, ok := unescape(rs[c:]); ok {
			rd.col = c + 1 + width
			return rawChar{r, l, c}, true
		}
	}
	rd.col = c + 1
	return rawChar{rs[c-1], l, c}, true
}

// skipProperties returns the column, from c0 on, where the value starts
// after any tag or anchor written before it.
func skipProperties(rs []rune, c0 int) int {
	for c0 <= len(rs) && (rs[c0-1] == '!' || rs[c0-1] == '&') {
		for c0 <= len(rs) && rs[c0-1] != ' ' && rs[c0-1] != '\t' {
			c0++
		}
		for c0 <= len(rs) && (rs[c0-1] == ' ' || rs[c0-1] == '\t') {
			c0++
		}
	}
	return c0
}

// matchValue walks raw along value, skipping only what YAML adds around a
// value (quotes, escapes, line breaks and indentation), and returns where
// the character at offset is. It fails if the walk meets anything else.
func matchValue(raw *rawReader, value []rune, offset int) (rawChar, bool) {
	// anchor is the last character read that is not a space or a line
	// break (or the first character read): where the value ends.
	var anchor rawChar
	read := 0
	for j := 0; j < len(value); j++ {
		ch, ok := raw.next()
		for ok && ch.r != value[j] {
			if !strings.ContainsRune(" \t\n\"'\\", ch.r) {
				return rawChar{}, false
			}
			anchor, read = anchorAfter(anchor, ch, read), read+1
			ch, ok = raw.next()
		}
		if !ok {
			return rawChar{}, false
		}
		if j == offset {
			return ch, true
		}
		anchor, read = anchorAfter(anchor, ch, read), read+1
	}
	if offset >= len(value) && read > 0 {
		// Just past the last character of the value, on its line: where
		// an expression that ends too early needs more.
		return rawChar{line: anchor.line, col: anchor.col + 1}, true
	}
	return rawChar{}, false
}

// anchorAfter returns the anchor once ch, the read-th character, is read.
func anchorAfter(anchor, ch rawChar, read int) rawChar {
	if read == 0 || !strings.ContainsRune(" \t\n", ch.r) {
		return ch
	}
	return anchor
}

// simpleEscapes are YAML's one-character escapes; hexEscapes give the
// number of hex digits after \x, \u and \U.
var (
	simpleEscapes = map[rune]rune{
		'0': 0, 'a': '\a', 'b': '\b', 't': '\t', '\t': '\t', 'n': '\n', 'v': '\v', 'f': '\f',
		'r': '\r', 'e': 0x1b, ' ': ' ', '"': '"', '/': '/', '\\': '\\', 'N': 0x85,
		'_': 0xa0, 'L': 0x2028, 'P': 0x2029,
	}
	hexEscapes = map[rune]int{'x': 2, 'u': 4, 'U': 8}
)

// unescape decodes the YAML double-quoted escape whose text (after the
// backslash) starts rs. It returns the character and how many runes after
// the backslash the escape uses.
func unescape(rs []rune) (rune, int, bool) {
	if r, ok := simpleEscapes[rs[0]]; ok {
		return r, 1, true
	}
	digits := hexEscapes[rs[0]]
	if digits == 0 || len(rs) < 1+digits {
		return 0, 0, false
	}
	v, err := strconv.ParseUint(string(rs[1:1+digits]), 16, 32)
	if err != nil {
		return 0, 0, false
	}
	return rune(v), 1 + digits, true
}
