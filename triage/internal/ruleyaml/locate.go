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

// rawText lists the characters of scalar n's raw text from the start of
// its value, each line ending in a '\n'. An escape in a double-quoted
// scalar is listed as the character it stands for, at its backslash. A
// value of runes characters never spans more raw lines than that, so no
// more are read.
func (d *Decoder) rawText(n *Node, runes int) []rawChar {
	startLine, startCol := n.Line, n.Column
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		startLine, startCol = n.Line+1, 1 // block scalars start after the indicator line
	}
	lastLine := min(len(d.lines), startLine+runes+1)
	double := n.Style&yaml.DoubleQuotedStyle != 0
	var raw []rawChar
	for l := startLine; l <= lastLine; l++ {
		rs := []rune(strings.TrimSuffix(d.lines[l-1], "\r"))
		c0 := 1
		if l == startLine {
			c0 = skipProperties(rs, startCol)
		}
		raw = appendLine(raw, rs, l, c0, double)
	}
	return raw
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

// appendLine appends the characters of line l (rs), from column c0, and
// the line break after them.
func appendLine(raw []rawChar, rs []rune, l, c0 int, double bool) []rawChar {
	for c := c0; c <= len(rs); c++ {
		if double && rs[c-1] == '\\' && c < len(rs) {
			// An escape stands for one character of the value, found at
			// its backslash.
			if r, width, ok := unescape(rs[c:]); ok {
				raw = append(raw, rawChar{r, l, c})
				c += width
				continue
			}
		}
		raw = append(raw, rawChar{rs[c-1], l, c})
	}
	return append(raw, rawChar{'\n', l, len(rs) + 1})
}

// matchValue walks raw along value, skipping only what YAML adds around a
// value (quotes, escapes, line breaks and indentation), and returns where
// the character at offset is. It fails if the walk meets anything else.
func matchValue(raw []rawChar, value []rune, offset int) (rawChar, bool) {
	i := 0
	for j := 0; j < len(value); j++ {
		for i < len(raw) && raw[i].r != value[j] {
			if !strings.ContainsRune(" \t\n\"'\\", raw[i].r) {
				return rawChar{}, false
			}
			i++
		}
		if i >= len(raw) {
			return rawChar{}, false
		}
		if j == offset {
			return raw[i], true
		}
		i++
	}
	if offset >= len(value) && i > 0 {
		// Just past the last character of the value, on its line: where
		// an expression that ends too early needs more.
		k := i - 1
		for k > 0 && strings.ContainsRune(" \t\n", raw[k].r) {
			k--
		}
		return rawChar{line: raw[k].line, col: raw[k].col + 1}, true
	}
	return rawChar{}, false
}

// unescape decodes the YAML double-quoted escape whose text (after the
// backslash) starts rs. It returns the character and how many runes after
// the backslash the escape uses.
func unescape(rs []rune) (rune, int, bool) {
	simple := map[rune]rune{
		'0': 0, 'a': '\a', 'b': '\b', 't': '\t', '\t': '\t', 'n': '\n', 'v': '\v', 'f': '\f',
		'r': '\r', 'e': 0x1b, ' ': ' ', '"': '"', '/': '/', '\\': '\\', 'N': 0x85,
		'_': 0xa0, 'L': 0x2028, 'P': 0x2029,
	}
	if r, ok := simple[rs[0]]; ok {
		return r, 1, true
	}
	digits := map[rune]int{'x': 2, 'u': 4, 'U': 8}[rs[0]]
	if digits == 0 || len(rs) < 1+digits {
		return 0, 0, false
	}
	v, err := strconv.ParseUint(string(rs[1:1+digits]), 16, 32)
	if err != nil {
		return 0, 0, false
	}
	return rune(v), 1 + digits, true
}
