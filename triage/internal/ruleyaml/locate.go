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
	type at struct {
		r         rune
		line, col int
	}
	value := []rune(n.Value)
	startLine, startCol := n.Line, n.Column
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		startLine, startCol = n.Line+1, 1 // block scalars start after the indicator line
	}
	// A value never spans more raw lines than it has characters.
	lastLine := min(len(d.lines), startLine+len(value)+1)
	var raw []at
	double := n.Style&yaml.DoubleQuotedStyle != 0
	for l := startLine; l <= lastLine; l++ {
		rs := []rune(strings.TrimSuffix(d.lines[l-1], "\r"))
		c0 := 1
		if l == startLine {
			c0 = startCol
			// Skip a tag or an anchor written before the value.
			for c0 <= len(rs) && (rs[c0-1] == '!' || rs[c0-1] == '&') {
				for c0 <= len(rs) && rs[c0-1] != ' ' && rs[c0-1] != '\t' {
					c0++
				}
				for c0 <= len(rs) && (rs[c0-1] == ' ' || rs[c0-1] == '\t') {
					c0++
				}
			}
		}
		for c := c0; c <= len(rs); c++ {
			if double && rs[c-1] == '\\' && c < len(rs) {
				// An escape stands for one character of the value, found
				// at its backslash.
				if r, width, ok := unescape(rs[c:]); ok {
					raw = append(raw, at{r, l, c})
					c += width
					continue
				}
			}
			raw = append(raw, at{rs[c-1], l, c})
		}
		raw = append(raw, at{'\n', l, len(rs) + 1})
	}
	i := 0
	for j := 0; j < len(value); j++ {
		for i < len(raw) && raw[i].r != value[j] {
			if !strings.ContainsRune(" \t\n\"'\\", raw[i].r) {
				return n.Line, n.Column
			}
			i++
		}
		if i >= len(raw) {
			return n.Line, n.Column
		}
		if j == offset {
			return raw[i].line, raw[i].col
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
		return raw[k].line, raw[k].col + 1
	}
	return n.Line, n.Column
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
