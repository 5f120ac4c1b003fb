package triage

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"

	"github.com/redflagkit/redflag/triage/internal/didyoumean"
)

// This file turns rule-file YAML into raw, unvalidated structs. It walks
// yaml.Node trees by hand instead of using struct tags so that every
// problem — an unknown key, a wrong type, a duplicate key — is reported
// with its file, line and column, and so that nothing is silently ignored.

// str is a scalar string with the node it came from; node is nil when the
// key was absent.
type str struct {
	v    string
	node *yaml.Node
	bad  bool // present but of the wrong type; already reported
}

// present reports a key that was given with a usable string value.
func (s str) present() bool { return s.node != nil && !s.bad }

type num struct {
	v    float64
	node *yaml.Node
}

type rawCite struct {
	source, section str
	node            *yaml.Node
	bad             bool // not a mapping; already reported
}

type rawSource struct {
	id, title, url str
	node           *yaml.Node
}

type rawChoice struct {
	value, label str
	node         *yaml.Node
}

type rawQuestion struct {
	id, text, help, typ, unit, askIf str
	choices                          []rawChoice
	choicesNode                      *yaml.Node
	min, max                         *num
	node                             *yaml.Node
	path                             string
}

type rawRule struct {
	id, title, when, action, advice, note str
	cite                                  *rawCite
	seeAlso                               []rawCite
	node                                  *yaml.Node
	path                                  string
}

type rawGuidance struct {
	id, title, advice str
	cite              *rawCite
	seeAlso           []rawCite
	node              *yaml.Node
	path              string
}

type rawFile struct {
	name, version, title, description str
	sources                           []rawSource
	questions                         []rawQuestion
	rules                             []rawRule
	selfCare                          []rawGuidance
}

// decoder decodes one rule file and records its problems.
type decoder struct {
	kind  string // "rule file" or "test file", for messages
	file  string
	src   []byte
	lines []string
	errs  *ErrorList
}

func newDecoder(file string, src []byte, errs *ErrorList) *decoder {
	return &decoder{kind: "rule file", file: file, src: src, lines: strings.Split(string(src), "\n"), errs: errs}
}

// pos returns the position of n in the file.
func (d *decoder) pos(n *yaml.Node) Position {
	if n == nil {
		return Position{File: d.file}
	}
	return Position{File: d.file, Line: n.Line, Column: n.Column}
}

func (d *decoder) errAt(p Position, id, path, format string, args ...any) {
	e := &Error{Pos: p, ID: id, Path: path, Msg: fmt.Sprintf(format, args...)}
	if p.Line > 0 && p.Line <= len(d.lines) {
		e.line = strings.TrimRight(d.lines[p.Line-1], "\r")
	}
	*d.errs = append(*d.errs, e)
}

func (d *decoder) errorf(n *yaml.Node, id, path, format string, args ...any) {
	d.errAt(d.pos(n), id, path, format, args...)
}

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserErr matches the problems yaml.v3's parser (not its scanner)
// reports. For those, the line in the message is 0-based and marks where
// the enclosing block or flow collection starts.
var yamlParserErr = regexp.MustCompile(`^(did not find expected|found duplicate|found incompatible|found undefined tag)`)

// parse decodes the YAML document; ok is false when the file could not be
// parsed. A file may hold only one document: a second one would otherwise be
// ignored without a word.
func (d *decoder) parse() (root *yaml.Node, ok bool) {
	if !utf8.Valid(d.src) {
		d.errAt(offsetPosition(d.file, d.src, firstInvalidUTF8(d.src)), "", "", "file is not valid UTF-8")
		return nil, false
	}
	dec := yaml.NewDecoder(bytes.NewReader(d.src))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, true // an empty file, or one with only comments
		}
		d.yamlError(err)
		return nil, false
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		d.errorf(&extra, "", "", "a %s must hold a single YAML document; split it into several files instead", d.kind)
	} else if !errors.Is(err, io.EOF) {
		d.yamlError(err)
		return nil, false
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		return doc.Content[0], true
	}
	return nil, true
}

func (d *decoder) yamlError(err error) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	problem := msg
	if m := yamlLineErr.FindStringSubmatch(err.Error()); m != nil {
		problem = m[2]
	}
	// yaml.v3 names the line where the enclosing block starts (0-based for
	// parser errors, sometimes off by one for scanner errors), which can be
	// far from the mistake. The first prefix of the file that fails with the
	// same problem ends at the line that is actually wrong.
	if line := d.firstFailingLine(problem); line > 0 {
		d.errAt(Position{File: d.file, Line: line}, "", "", "YAML syntax error: %s", problem)
		return
	}
	if m := yamlLineErr.FindStringSubmatch(err.Error()); m != nil {
		line, _ := strconv.Atoi(m[1])
		if yamlParserErr.MatchString(problem) {
			line++
		}
		d.errAt(Position{File: d.file, Line: max(line, 1)}, "", "", "YAML syntax error: %s", problem)
		return
	}
	d.errAt(Position{File: d.file, Line: 1}, "", "", "YAML syntax error: %s", problem)
}

// maxSearchLines bounds the search for the failing line: each step parses
// a prefix of the file, so the search is quadratic in its length.
const maxSearchLines = 2000

// searchBudget bounds the bytes firstFailingLine parses in all. Without it,
// a 2,000-line file with a syntax error at its end took seconds to load.
const searchBudget = 1 << 20

// firstFailingLine returns the first line n such that the file's first n
// lines fail to parse with the given problem, or 0.
//
// It tries prefixes line by line while that is cheap, then by bisection,
// which assumes that once a prefix fails with the problem every longer one
// does (the parser stops at the mistake, whatever follows). When even that
// would exceed searchBudget it gives up, and the caller falls back to the
// line the parser named.
func (d *decoder) firstFailingLine(problem string) int {
	if len(d.lines) > maxSearchLines {
		return 0
	}
	budget := searchBudget
	// fails reports whether the first n lines fail with problem, and false
	// for ok when parsing them would exceed the budget.
	fails := func(n int) (failing, ok bool) {
		prefix := strings.Join(d.lines[:n], "\n") + "\n"
		if len(prefix) > budget {
			return false, false
		}
		budget -= len(prefix)
		dec := yaml.NewDecoder(strings.NewReader(prefix))
		var err error
		for err == nil {
			var doc yaml.Node
			err = dec.Decode(&doc)
		}
		if errors.Is(err, io.EOF) {
			return false, true
		}
		got := strings.TrimPrefix(err.Error(), "yaml: ")
		if m := yamlLineErr.FindStringSubmatch(err.Error()); m != nil {
			got = m[2]
		}
		return got == problem, true
	}
	n := 1
	for ; n <= len(d.lines) && budget > searchBudget/2; n++ {
		failing, ok := fails(n)
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
	// lo's prefix does not fail with the problem; hi's does.
	lo, hi := n-1, len(d.lines)
	if failing, ok := fails(hi); !ok || !failing {
		return 0
	}
	for lo+1 < hi {
		mid := lo + (hi-lo)/2
		failing, ok := fails(mid)
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

func kindName(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!str":
			return "a string"
		case "!!int":
			return "an integer"
		case "!!float":
			return "a number"
		case "!!bool":
			return "a boolean"
		case "!!null":
			return "null"
		}
		if strings.HasPrefix(n.ShortTag(), "!!") {
			return "a " + strings.TrimPrefix(n.ShortTag(), "!!")
		}
		return "a value tagged " + n.ShortTag()
	}
	return "nothing"
}

// noAlias reports alias nodes. Aliases would let one edit change rules in
// several places at once, and are the vehicle of "billion laughs" blow-ups.
func (d *decoder) noAlias(n *yaml.Node, id, path string) bool {
	if n.Kind == yaml.AliasNode {
		d.errorf(n, id, path, "YAML aliases are not allowed in %ss; write the value out", d.kind)
		return false
	}
	return true
}

// mapping walks the key/value pairs of a mapping node, reporting duplicate
// and unknown keys (with a suggestion) and a node that is not a mapping.
// It calls fn for each known key.
func (d *decoder) mapping(n *yaml.Node, id, path string, known []string, fn func(key string, k, v *yaml.Node)) bool {
	if !d.isMapping(n, id, path) {
		return false
	}
	seen := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, id, path, "keys must be plain strings, got %s", kindName(k))
			continue
		}
		key := k.Value
		kpath := joinPath(path, key)
		if first, dup := seen[key]; dup {
			d.errorf(k, id, kpath, "duplicate key %q (first at line %d)", key, first.Line)
			continue
		}
		seen[key] = k
		if !contains(known, key) {
			msg := fmt.Sprintf("unknown key %q", key)
			if s := suggest(key, known); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			msg += "; allowed: " + strings.Join(known, ", ")
			d.errorf(k, id, kpath, "%s", msg)
			continue
		}
		fn(key, k, v)
	}
	return true
}

// isMapping reports whether n is a mapping, and reports it when it is not.
func (d *decoder) isMapping(n *yaml.Node, id, path string) bool {
	if !d.noAlias(n, id, path) {
		return false
	}
	if n.Kind != yaml.MappingNode {
		d.errorf(n, id, path, "%s must be a mapping, got %s", describePath(path), kindName(n))
		return false
	}
	return true
}

// sequence calls fn for every item of a list node.
func (d *decoder) sequence(n *yaml.Node, id, path string, fn func(i int, item *yaml.Node)) {
	if !d.noAlias(n, id, path) {
		return
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		// "rules:" with nothing after it (every item commented out, say)
		// is refused: write [] to mean an empty list.
		d.errorf(n, id, path, "%s is empty; write [] for an empty list, or remove the key", describePath(path))
		return
	}
	if n.Kind != yaml.SequenceNode {
		d.errorf(n, id, path, "%s must be a list, got %s", describePath(path), kindName(n))
		return
	}
	for i, item := range n.Content {
		fn(i, item)
	}
}

// str decodes a string scalar. Only YAML strings are accepted: "when: yes"
// or "version: 1.0" would otherwise turn into something else silently.
func (d *decoder) str(n *yaml.Node, id, path string) str {
	if !d.noAlias(n, id, path) {
		return str{node: n, bad: true}
	}
	if n.Kind != yaml.ScalarNode || n.ShortTag() != "!!str" {
		hint := ""
		if n.Kind == yaml.ScalarNode && n.ShortTag() != "!!null" {
			hint = " (quote it to make it a string)"
			if path == "version" {
				hint = ` (write a quoted semantic version, like "1.0.0")`
			}
		}
		if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
			d.errorf(n, id, path, "%s must not be empty", describePath(path))
			return str{node: n, bad: true}
		}
		d.errorf(n, id, path, "%s must be a string, got %s%s", describePath(path), kindName(n), hint)
		return str{node: n, bad: true}
	}
	return str{v: n.Value, node: n}
}

// number decodes a numeric scalar.
func (d *decoder) number(n *yaml.Node, id, path string) *num {
	if !d.noAlias(n, id, path) {
		return nil
	}
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		d.errorf(n, id, path, "%s must be a number, got %s", describePath(path), kindName(n))
		return nil
	}
	var f float64
	if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		d.errorf(n, id, path, "%s must be a finite number, got %q", describePath(path), n.Value)
		return nil
	}
	return &num{v: f, node: n}
}

// peekID returns the value of the "id" key of a mapping, if it is a string,
// so that errors about other keys can name the item.
func peekID(n *yaml.Node) string { return peekKey(n, "id") }

// peekKey returns the value of key in a mapping, if it is a scalar.
func peekKey(n *yaml.Node, key string) string {
	if n.Kind != yaml.MappingNode {
		return ""
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key && n.Content[i+1].Kind == yaml.ScalarNode {
			return n.Content[i+1].Value
		}
	}
	return ""
}

var (
	topKeys      = []string{"name", "version", "title", "description", "sources", "questions", "rules", "self_care"}
	sourceKeys   = []string{"id", "title", "url"}
	questionKeys = []string{"id", "text", "help", "type", "choices", "min", "max", "unit", "ask_if"}
	choiceKeys   = []string{"value", "label"}
	ruleKeys     = []string{"id", "title", "when", "action", "advice", "note", "cite", "see_also"}
	citeKeys     = []string{"source", "section"}
	guidanceKeys = []string{"id", "title", "advice", "cite", "see_also"}
)

// decodeFile decodes a whole rule file.
func (d *decoder) decodeFile(root *yaml.Node) rawFile {
	var f rawFile
	if root == nil {
		return f
	}
	d.mapping(root, "", "", topKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "name":
			f.name = d.str(v, "", key)
		case "version":
			f.version = d.str(v, "", key)
		case "title":
			f.title = d.str(v, "", key)
		case "description":
			f.description = d.str(v, "", key)
		case "sources":
			d.sequence(v, "", key, func(i int, item *yaml.Node) {
				f.sources = append(f.sources, d.decodeSource(item, fmt.Sprintf("sources[%d]", i)))
			})
		case "questions":
			d.sequence(v, "", key, func(i int, item *yaml.Node) {
				f.questions = append(f.questions, d.decodeQuestion(item, fmt.Sprintf("questions[%d]", i)))
			})
		case "rules":
			d.sequence(v, "", key, func(i int, item *yaml.Node) {
				f.rules = append(f.rules, d.decodeRule(item, fmt.Sprintf("rules[%d]", i)))
			})
		case "self_care":
			d.sequence(v, "", key, func(i int, item *yaml.Node) {
				f.selfCare = append(f.selfCare, d.decodeGuidance(item, fmt.Sprintf("self_care[%d]", i)))
			})
		}
	})
	return f
}

func (d *decoder) decodeSource(n *yaml.Node, path string) rawSource {
	s := rawSource{node: n}
	id := peekID(n)
	d.mapping(n, id, path, sourceKeys, func(key string, k, v *yaml.Node) {
		p := joinPath(path, key)
		switch key {
		case "id":
			s.id = d.str(v, id, p)
		case "title":
			s.title = d.str(v, id, p)
		case "url":
			s.url = d.str(v, id, p)
		}
	})
	return s
}

func (d *decoder) decodeQuestion(n *yaml.Node, path string) rawQuestion {
	q := rawQuestion{node: n, path: path}
	id := peekID(n)
	d.mapping(n, id, path, questionKeys, func(key string, k, v *yaml.Node) {
		p := joinPath(path, key)
		switch key {
		case "id":
			q.id = d.str(v, id, p)
		case "text":
			q.text = d.str(v, id, p)
		case "help":
			q.help = d.str(v, id, p)
		case "type":
			q.typ = d.str(v, id, p)
		case "unit":
			q.unit = d.str(v, id, p)
		case "ask_if":
			q.askIf = d.str(v, id, p)
		case "min":
			q.min = d.number(v, id, p)
		case "max":
			q.max = d.number(v, id, p)
		case "choices":
			q.choicesNode = v
			d.sequence(v, id, p, func(i int, item *yaml.Node) {
				q.choices = append(q.choices, d.decodeChoice(item, id, fmt.Sprintf("%s[%d]", p, i)))
			})
		}
	})
	return q
}

// decodeChoice accepts a plain string or a {value, label} mapping.
func (d *decoder) decodeChoice(n *yaml.Node, id, path string) rawChoice {
	c := rawChoice{node: n}
	if n.Kind == yaml.MappingNode {
		d.mapping(n, id, path, choiceKeys, func(key string, k, v *yaml.Node) {
			switch key {
			case "value":
				c.value = d.str(v, id, joinPath(path, key))
			case "label":
				c.label = d.str(v, id, joinPath(path, key))
			}
		})
		return c
	}
	c.value = d.str(n, id, path)
	return c
}

func (d *decoder) decodeRule(n *yaml.Node, path string) rawRule {
	r := rawRule{node: n, path: path}
	id := peekID(n)
	d.mapping(n, id, path, ruleKeys, func(key string, k, v *yaml.Node) {
		p := joinPath(path, key)
		switch key {
		case "id":
			r.id = d.str(v, id, p)
		case "title":
			r.title = d.str(v, id, p)
		case "when":
			r.when = d.str(v, id, p)
		case "action":
			r.action = d.str(v, id, p)
		case "advice":
			r.advice = d.str(v, id, p)
		case "note":
			r.note = d.str(v, id, p)
		case "cite":
			r.cite = d.decodeCite(v, id, p)
		case "see_also":
			r.seeAlso = d.decodeCites(v, id, p)
		}
	})
	return r
}

func (d *decoder) decodeGuidance(n *yaml.Node, path string) rawGuidance {
	g := rawGuidance{node: n, path: path}
	id := peekID(n)
	d.mapping(n, id, path, guidanceKeys, func(key string, k, v *yaml.Node) {
		p := joinPath(path, key)
		switch key {
		case "id":
			g.id = d.str(v, id, p)
		case "title":
			g.title = d.str(v, id, p)
		case "advice":
			g.advice = d.str(v, id, p)
		case "cite":
			g.cite = d.decodeCite(v, id, p)
		case "see_also":
			g.seeAlso = d.decodeCites(v, id, p)
		}
	})
	return g
}

func (d *decoder) decodeCite(n *yaml.Node, id, path string) *rawCite {
	c := &rawCite{node: n}
	c.bad = !d.mapping(n, id, path, citeKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "source":
			c.source = d.str(v, id, joinPath(path, key))
		case "section":
			c.section = d.str(v, id, joinPath(path, key))
		}
	})
	return c
}

func (d *decoder) decodeCites(n *yaml.Node, id, path string) []rawCite {
	var out []rawCite
	d.sequence(n, id, path, func(i int, item *yaml.Node) {
		out = append(out, *d.decodeCite(item, id, fmt.Sprintf("%s[%d]", path, i)))
	})
	return out
}

func joinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// describePath names the last element of a path for messages: "when",
// "choices[1]".
func describePath(path string) string {
	if path == "" {
		return "the file"
	}
	if i := strings.LastIndexByte(path, '.'); i >= 0 {
		return path[i+1:]
	}
	return path
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest returns the closest known name for a misspelled one, or "".
func suggest(s string, candidates []string) string { return didyoumean.Suggest(s, candidates) }

// locate maps a code-point offset within the value of scalar n to its
// position in the file. It walks the raw text from the node's start,
// matching the value character by character and skipping only what YAML
// adds around a value: quotes, escapes, line breaks and indentation. That
// handles plain, quoted, literal and folded scalars alike; if the walk
// loses its way (an escape like \n, say) it falls back to the node's own
// position, which is still the right line for single-line values.
func (d *decoder) locate(n *yaml.Node, offset int) Position {
	fallback := d.pos(n)
	if n == nil || n.Line < 1 || n.Line > len(d.lines) {
		return fallback
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
				return fallback
			}
			i++
		}
		if i >= len(raw) {
			return fallback
		}
		if j == offset {
			return Position{File: d.file, Line: raw[i].line, Column: raw[i].col}
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
		return Position{File: d.file, Line: raw[k].line, Column: raw[k].col + 1}
	}
	return fallback
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
