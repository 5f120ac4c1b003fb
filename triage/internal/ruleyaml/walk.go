// Package ruleyaml decodes rule files and test-case files: strict YAML
// walked node by node, so that every problem (an unknown key, a wrong type,
// a duplicate key) is reported with its line and column, and nothing is
// silently ignored.
//
// It knows the YAML library; nothing above it does. Every match on a
// yaml.v3 error text sits in yamlmsg.go.
package ruleyaml

import (
	"fmt"
	"math"
	"strings"

	"go.yaml.in/yaml/v3"

	"github.com/redflagkit/redflag/triage/internal/didyoumean"
)

// Node is a YAML node. Callers treat it as opaque and hand it back to the
// Decoder for positions and values.
type Node = yaml.Node

// Problem is one problem found in a file. Line and Column are 1-based
// (Column in code points); 0 means unknown.
type Problem struct {
	Line, Column int
	ID           string // the item involved, or ""
	Path         string // like "rules[2].when"
	Msg          string
}

// Decoder decodes one file and reports its problems.
type Decoder struct {
	kind   string // "rule file" or "test file", for messages
	src    []byte
	lines  []string
	report func(Problem)
}

// New returns a Decoder for src, a file of the given kind ("rule file",
// "test file"), that passes every problem to report.
func New(kind string, src []byte, report func(Problem)) *Decoder {
	return &Decoder{kind: kind, src: src, lines: strings.Split(string(src), "\n"), report: report}
}

// Line returns line n (1-based) of the file without its line ending, or "".
func (d *Decoder) Line(n int) string {
	if n < 1 || n > len(d.lines) {
		return ""
	}
	return strings.TrimRight(d.lines[n-1], "\r")
}

// Pos returns the line and column of n; 0, 0 for nil.
func Pos(n *Node) (line, col int) {
	if n == nil {
		return 0, 0
	}
	return n.Line, n.Column
}

// ErrAt reports a problem at line and column.
func (d *Decoder) ErrAt(line, col int, id, path, format string, args ...any) {
	d.report(Problem{Line: line, Column: col, ID: id, Path: path, Msg: fmt.Sprintf(format, args...)})
}

// Errorf reports a problem at node n.
func (d *Decoder) Errorf(n *Node, id, path, format string, args ...any) {
	line, col := Pos(n)
	d.ErrAt(line, col, id, path, format, args...)
}

// KindName names the kind of n for messages: "a mapping", "a string".
func KindName(n *Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.AliasNode:
		return "an alias"
	case yaml.ScalarNode:
		return scalarName(n.ShortTag())
	}
	return "nothing"
}

func scalarName(tag string) string {
	switch tag {
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
	if strings.HasPrefix(tag, "!!") {
		return "a " + strings.TrimPrefix(tag, "!!")
	}
	return "a value tagged " + tag
}

// IsMapping reports whether n is a mapping node, without reporting
// anything.
func IsMapping(n *Node) bool { return n != nil && n.Kind == yaml.MappingNode }

// IsEmptyList reports whether n is a list with no items.
func IsEmptyList(n *Node) bool {
	return n != nil && n.Kind == yaml.SequenceNode && len(n.Content) == 0
}

// IsScalar reports whether n is a scalar; tag, if not "", must match its
// short tag ("!!str", "!!int", "!!float", "!!bool", "!!null").
func IsScalar(n *Node, tag string) bool {
	return n != nil && n.Kind == yaml.ScalarNode && (tag == "" || n.ShortTag() == tag)
}

// NoAlias reports alias nodes. Aliases would let one edit change rules in
// several places at once, and are the vehicle of "billion laughs" blow-ups.
func (d *Decoder) NoAlias(n *Node, id, path string) bool {
	if n.Kind == yaml.AliasNode {
		d.Errorf(n, id, path, "YAML aliases are not allowed in %ss; write the value out", d.kind)
		return false
	}
	return true
}

// Entry is one key/value pair of a mapping.
type Entry struct {
	Key  string
	K, V *Node
}

// Entries returns the pairs of mapping n whose keys are known, reporting
// duplicate and unknown keys (with a suggestion) and a node that is not a
// mapping. ok is false when n is not a mapping.
func (d *Decoder) Entries(n *Node, id, path string, known []string) (entries []Entry, ok bool) {
	if !d.CheckMapping(n, id, path) {
		return nil, false
	}
	seen := make(map[string]*Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Kind != yaml.ScalarNode {
			d.Errorf(k, id, path, "keys must be plain strings, got %s", KindName(k))
			continue
		}
		kpath := JoinPath(path, k.Value)
		if first, dup := seen[k.Value]; dup {
			d.Errorf(k, id, kpath, "duplicate key %q (first at line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		if !contains(known, k.Value) {
			d.unknownKey(k, id, kpath, known)
			continue
		}
		entries = append(entries, Entry{Key: k.Value, K: k, V: v})
	}
	return entries, true
}

func (d *Decoder) unknownKey(k *Node, id, kpath string, known []string) {
	msg := fmt.Sprintf("unknown key %q", k.Value)
	if s := didyoumean.Suggest(k.Value, known); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	d.Errorf(k, id, kpath, "%s; allowed: %s", msg, strings.Join(known, ", "))
}

// Pairs returns every key/value pair of a mapping, without checking keys.
// ok is false, and the problem reported, when n is not a mapping.
func (d *Decoder) Pairs(n *Node, id, path string) (pairs [][2]*Node, ok bool) {
	if !d.CheckMapping(n, id, path) {
		return nil, false
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		pairs = append(pairs, [2]*Node{n.Content[i], n.Content[i+1]})
	}
	return pairs, true
}

// CheckMapping reports whether n is a mapping, and reports it when it is
// not.
func (d *Decoder) CheckMapping(n *Node, id, path string) bool {
	if !d.NoAlias(n, id, path) {
		return false
	}
	if n.Kind != yaml.MappingNode {
		d.Errorf(n, id, path, "%s must be a mapping, got %s", DescribePath(path), KindName(n))
		return false
	}
	return true
}

// Items returns the items of list node n, reporting a node that is not a
// list.
func (d *Decoder) Items(n *Node, id, path string) []*Node {
	if !d.NoAlias(n, id, path) {
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		// "rules:" with nothing after it (every item commented out, say)
		// is refused: write [] to mean an empty list.
		d.Errorf(n, id, path, "%s is empty; write [] for an empty list, or remove the key", DescribePath(path))
		return nil
	}
	if n.Kind != yaml.SequenceNode {
		d.Errorf(n, id, path, "%s must be a list, got %s", DescribePath(path), KindName(n))
		return nil
	}
	return n.Content
}

// Str is a scalar string with the node it came from; Node is nil when the
// key was absent.
type Str struct {
	V    string
	Node *Node
	Bad  bool // present but of the wrong type; already reported
}

// Present reports a key that was given with a usable string value.
func (s Str) Present() bool { return s.Node != nil && !s.Bad }

// Str decodes a string scalar. Only YAML strings are accepted: "when: yes"
// or "version: 1.0" would otherwise turn into something else silently.
func (d *Decoder) Str(n *Node, id, path string) Str {
	if !d.NoAlias(n, id, path) {
		return Str{Node: n, Bad: true}
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!str" {
		return Str{V: n.Value, Node: n}
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		d.Errorf(n, id, path, "%s must not be empty", DescribePath(path))
		return Str{Node: n, Bad: true}
	}
	if tag := n.ShortTag(); n.Kind == yaml.ScalarNode && strings.HasPrefix(tag, "!") && !strings.HasPrefix(tag, "!!") {
		// when: !fever parses, as an empty value with the tag !fever.
		d.Errorf(n, id, path, `in YAML a value that starts with ! is a tag, not "not"; %s (%s must be a string, got a value tagged %s)`,
			shape(d.Line(n.Line)).quoteIt(), DescribePath(path), tag)
		return Str{Node: n, Bad: true}
	}
	hint := ""
	if n.Kind == yaml.ScalarNode {
		hint = " (quote it to make it a string)"
		if path == "version" {
			hint = ` (write a quoted semantic version, like "1.0.0")`
		}
	}
	d.Errorf(n, id, path, "%s must be a string, got %s%s", DescribePath(path), KindName(n), hint)
	return Str{Node: n, Bad: true}
}

// Num is a numeric scalar with its node.
type Num struct {
	V    float64
	Node *Node
}

// Number decodes a finite numeric scalar, or reports it and returns nil.
func (d *Decoder) Number(n *Node, id, path string) *Num {
	if !d.NoAlias(n, id, path) {
		return nil
	}
	if n.Kind != yaml.ScalarNode || (n.ShortTag() != "!!int" && n.ShortTag() != "!!float") {
		d.Errorf(n, id, path, "%s must be a number, got %s", DescribePath(path), KindName(n))
		return nil
	}
	var f float64
	if err := n.Decode(&f); err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
		d.Errorf(n, id, path, "%s must be a finite number, got %q", DescribePath(path), n.Value)
		return nil
	}
	return &Num{V: f, Node: n}
}

// IsList reports whether n is a list node.
func IsList(n *Node) bool { return n != nil && n.Kind == yaml.SequenceNode }

// ScalarValue returns a boolean, integer or float scalar as bool, int64 or
// float64; ok is false for other scalars or values out of range.
func ScalarValue(n *Node) (v any, ok bool) {
	switch n.ShortTag() {
	case "!!bool":
		var b bool
		if err := n.Decode(&b); err == nil {
			return b, true
		}
	case "!!int":
		var i int64
		if err := n.Decode(&i); err == nil {
			return i, true
		}
	case "!!float":
		var f float64
		if err := n.Decode(&f); err == nil {
			return f, true
		}
	}
	return nil, false
}

// PeekID returns the value of the "id" key of a mapping, if it is a
// scalar, so that errors about other keys can name the item.
func PeekID(n *Node) string { return PeekKey(n, "id") }

// PeekKey returns the value of key in a mapping, if it is a scalar.
func PeekKey(n *Node, key string) string {
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

// JoinPath appends key to a document path.
func JoinPath(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// DescribePath names the last element of a path for messages: "when",
// "choices[1]".
func DescribePath(path string) string {
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
