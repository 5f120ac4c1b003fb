package ruleyaml

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// yaml.v3 often names only the line of a syntax error, and in its own
// words. explainSyntax finds the column from the line's text and what the
// problem is, and adds a hint in plain words for the slips people make
// most: an unquoted value that YAML reads as something else, a tab, a bad
// indent, a colon inside a value, an unclosed quote or bracket.

// The hints, shared by the syntax errors and the walker.
const (
	hintTab         = "YAML does not allow tabs for indentation; use spaces"
	hintIndent      = "this line is not indented like the lines around it: the keys of one item must start in the same column, indented with spaces"
	hintExtraClose  = "there is a %c with nothing to close"
	hintMissingColn = "the key on line %d has no colon after it; write %s:"
)

// lineShape is where the parts of a "- key: value" line start, as rune
// indices into the line.
type lineShape struct {
	text   []rune
	indent int    // first non-space
	key    string // "" when the line has no key
	value  int    // where the value starts; len(text) when there is none
}

// shape splits a line into indentation, list dashes, key and value.
func shape(line string) lineShape {
	rs := []rune(strings.TrimRight(line, "\r"))
	s := lineShape{text: rs, value: len(rs)}
	i := 0
	for i < len(rs) && rs[i] == ' ' {
		i++
	}
	s.indent = i
	for i+1 < len(rs) && rs[i] == '-' && (rs[i+1] == ' ' || rs[i+1] == '\t') {
		i += 2
		for i < len(rs) && rs[i] == ' ' {
			i++
		}
	}
	if i < len(rs) && !strings.ContainsRune(`"'[{!&*#`, rs[i]) {
		for j := i; j < len(rs); j++ {
			if rs[j] == ':' && (j+1 == len(rs) || rs[j+1] == ' ' || rs[j+1] == '\t') {
				s.key = string(rs[i:j])
				i = j + 1
				for i < len(rs) && (rs[i] == ' ' || rs[i] == '\t') {
					i++
				}
				break
			}
		}
	}
	s.value = i
	return s
}

// valueText returns the value as written, without a trailing comment.
func (s lineShape) valueText() string {
	v := string(s.text[s.value:])
	if i := strings.Index(v, " #"); i >= 0 {
		v = v[:i]
	}
	return strings.TrimSpace(v)
}

// quoteExample shows the line's key and value with the whole value
// quoted: `when: "!fever || chills"`; "" when that cannot be shown simply.
func (s lineShape) quoteExample() string {
	v := s.valueText()
	if v == "" || utf8.RuneCountInString(v) > 60 {
		return ""
	}
	var q string
	switch {
	case !strings.ContainsAny(v, `"\`):
		q = `"` + v + `"`
	case !strings.Contains(v, "'"):
		q = "'" + v + "'"
	default:
		return ""
	}
	if s.key != "" {
		return s.key + ": " + q
	}
	return q
}

// quoteIt is the advice to quote the whole value, with an example when
// one can be shown.
func (s lineShape) quoteIt() string {
	if ex := s.quoteExample(); ex != "" {
		return "quote the whole value, like " + ex
	}
	return "put the whole value in quotes"
}

// explainSyntax returns the 1-based column of a syntax error of kind k on
// line (never 0), and a hint in plain words, or "".
func explainSyntax(k syntaxKind, line, prev string, prevLine int) (col int, hint string) {
	s := shape(line)
	if k == tabIndent || k == cannotStart {
		if t := runeIndex(s.text[:s.leadingSpaceEnd()], '\t'); t >= 0 {
			return t + 1, hintTab
		}
		if t := runeIndex(s.text, '\t'); k == tabIndent && t >= 0 {
			return t + 1, hintTab
		}
	}
	if s.value < len(s.text) {
		if col, hint, ok := s.explainValue(k); ok {
			return col, hint
		}
	}
	switch k {
	case colonInValue:
		if c := s.colonInValue(); c >= 0 {
			return c + 1, "a colon followed by a space inside a value starts a new key in YAML; " + s.quoteIt()
		}
		if p := shape(prev); prevLine > 0 && p.key == "" && p.value < len(p.text) && !strings.ContainsAny(p.valueText(), ":#[{\"'") {
			return s.indent + 1, fmt.Sprintf(hintMissingColn, prevLine, p.valueText())
		}
		return s.indent + 1, hintIndent
	case indentMismatch:
		return s.indent + 1, hintIndent
	}
	return s.indent + 1, ""
}

// leadingSpaceEnd returns the index of the first character that is neither
// a space nor a tab.
func (s lineShape) leadingSpaceEnd() int {
	i := 0
	for i < len(s.text) && (s.text[i] == ' ' || s.text[i] == '\t') {
		i++
	}
	return i
}

// explainValue explains a problem by how the line's value starts.
func (s lineShape) explainValue(k syntaxKind) (col int, hint string, ok bool) {
	v := s.text[s.value:]
	at := s.value + 1
	switch c := v[0]; {
	case c == '!' && (len(v) == 1 || v[1] != '!'):
		return at, `in YAML a value that starts with ! is a tag, not "not"; ` + s.quoteIt(), true
	case c == '*' || c == '&':
		return at, fmt.Sprintf("in YAML a value that starts with %c is an alias or an anchor; %s", c, s.quoteIt()), true
	case c == '@' || c == '`' || c == '%':
		return at, fmt.Sprintf("a YAML value cannot start with %c; %s", c, s.quoteIt()), true
	case (c == '|' || c == '>') && k == noLineBreak:
		return at, fmt.Sprintf("a value that starts with %c begins a block of text on the lines below; to write it on this line, %s", c, s.quoteIt()), true
	case c == '"' || c == '\'':
		return s.explainQuoted(k)
	case c == '[' || c == '{':
		return s.explainFlow(k)
	}
	return 0, "", false
}

// explainQuoted explains a problem in a value that starts with a quote.
func (s lineShape) explainQuoted(k syntaxKind) (col int, hint string, ok bool) {
	v := s.text[s.value:]
	q := v[0]
	end := closingQuote(v)
	if k == unknownEscape && q == '"' {
		for i := 1; i < len(v) && (end < 0 || i < end); i++ {
			if v[i] == '\\' && i+1 < len(v) {
				if _, _, known := unescape(v[i+1:]); !known {
					return s.value + i + 1, `inside double quotes a backslash starts an escape; write \\ for a backslash, or put the value in single quotes`, true
				}
				i++
			}
		}
	}
	if end < 0 {
		if k == unexpectedEnd {
			return s.value + 1, fmt.Sprintf("this quote is never closed; end the value with a matching %c", q), true
		}
		return 0, "", false
	}
	rest := v[end+1:]
	for i, r := range rest {
		if r == '#' {
			break
		}
		if r != ' ' && r != '\t' {
			return s.value + end + 1 + i + 1, "text follows the closing quote, but a value that starts with a quote ends there; " + s.quoteIt(), true
		}
	}
	return 0, "", false
}

// closingQuote returns the index in v of the quote that closes the one at
// v[0], or -1.
func closingQuote(v []rune) int {
	q := v[0]
	for i := 1; i < len(v); i++ {
		switch {
		case q == '"' && v[i] == '\\':
			i++
		case v[i] == q && q == '\'' && i+1 < len(v) && v[i+1] == '\'':
			i++ // '' is a quote inside single quotes
		case v[i] == q:
			return i
		}
	}
	return -1
}

// explainFlow explains a problem in a value that starts with [ or {.
func (s lineShape) explainFlow(k syntaxKind) (col int, hint string, ok bool) {
	v := s.text[s.value:]
	var open []int
	for i := 0; i < len(v); i++ {
		switch c := v[i]; c {
		case '"', '\'':
			end := closingQuote(v[i:])
			if end < 0 {
				return 0, "", false
			}
			i += end
		case '[', '{':
			open = append(open, i)
		case ']', '}':
			if len(open) == 0 {
				return s.value + i + 1, fmt.Sprintf(hintExtraClose, c), true
			}
			open = open[:len(open)-1]
		case '#':
			if i > 0 && v[i-1] == ' ' {
				i = len(v)
			}
		}
	}
	if len(open) > 0 && k == unclosedFlow {
		o := open[len(open)-1]
		closer := map[rune]rune{'[': ']', '{': '}'}[v[o]]
		return s.value + o + 1, fmt.Sprintf("this %c is never closed; end it with %c on this line, or quote the value if the %c is part of the text", v[o], closer, v[o]), true
	}
	if k == unclosedFlow {
		return s.value + 1, fmt.Sprintf("check the items inside this %c: they must be separated by commas", v[0]), true
	}
	return 0, "", false
}

// colonInValue returns the index of a ": " inside the line's value, outside
// quotes, or -1.
func (s lineShape) colonInValue() int {
	v := s.text[s.value:]
	if s.key == "" || len(v) == 0 || v[0] == '"' || v[0] == '\'' {
		return -1
	}
	for i := 0; i < len(v); i++ {
		if v[i] == '#' && i > 0 && v[i-1] == ' ' {
			return -1
		}
		if v[i] == ':' && (i+1 == len(v) || v[i+1] == ' ' || v[i+1] == '\t') {
			return s.value + i
		}
	}
	return -1
}

func runeIndex(rs []rune, r rune) int {
	for i, c := range rs {
		if c == r {
			return i
		}
	}
	return -1
}
