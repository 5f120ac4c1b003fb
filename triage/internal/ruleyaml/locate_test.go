package ruleyaml

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

// eagerLocate is Locate as it was before the search learnt to stop once
// found: it lists every raw character up to the bound first. It is kept as
// the reference that the streaming search must agree with.
func eagerLocate(d *Decoder, n *Node, offset int) (line, col int) {
	if n == nil || n.Line < 1 || n.Line > len(d.lines) {
		return Pos(n)
	}
	value := []rune(n.Value)
	startLine, startCol := n.Line, n.Column
	if n.Style&(yaml.LiteralStyle|yaml.FoldedStyle) != 0 {
		startLine, startCol = n.Line+1, 1
	}
	lastLine := min(len(d.lines), startLine+len(value)+1)
	double := n.Style&yaml.DoubleQuotedStyle != 0
	var raw []rawChar
	for l := startLine; l <= lastLine; l++ {
		rs := []rune(strings.TrimSuffix(d.lines[l-1], "\r"))
		c0 := 1
		if l == startLine {
			c0 = skipProperties(rs, startCol)
		}
		for c := c0; c <= len(rs); c++ {
			if double && rs[c-1] == '\\' && c < len(rs) {
				if r, width, ok := unescape(rs[c:]); ok {
					raw = append(raw, rawChar{r, l, c})
					c += width
					continue
				}
			}
			raw = append(raw, rawChar{rs[c-1], l, c})
		}
		raw = append(raw, rawChar{'\n', l, len(rs) + 1})
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
		k := i - 1
		for k > 0 && strings.ContainsRune(" \t\n", raw[k].r) {
			k--
		}
		return raw[k].line, raw[k].col + 1
	}
	return n.Line, n.Column
}

// locateSeeds are documents with scalars in every style YAML has.
var locateSeeds = []string{
	"when: fever && night_pain\n",
	"when: 'fever && night_pain'\n",
	"when: \"fever &&\\n night_pain \\u00e9\"\n",
	"when: >-\n  fever &&\n  fevr\n",
	"when: |\n  fever &&\n\n  night_pain\n",
	"when: !!str &a fever\n",
	"when: \"a\\\n  b\"\n",
	"when: 'it''s' \n",
	"when: fever &&\n  night_pain &&\n  pain_days > 7\nother: x\n",
	"when: |+\n  a\n\n\n",
	"when: \"\\x41\\t\\\"q\\\"\"\r\n",
}

// checkLocateAgrees compares Locate with eagerLocate at every offset of
// every scalar in src, and one past the end.
func checkLocateAgrees(t *testing.T, src string) {
	d := New("rule file", []byte(src), func(Problem) {})
	root, ok := d.Parse()
	if !ok || root == nil {
		return
	}
	var walk func(n *Node)
	walk = func(n *Node) {
		if n.Kind == yaml.ScalarNode {
			for off := 0; off <= len([]rune(n.Value))+1; off++ {
				wl, wc := eagerLocate(d, n, off)
				gl, gc := d.Locate(n, off)
				require.Equal(t, []int{wl, wc}, []int{gl, gc}, "%q, offset %d of %q", src, off, n.Value)
			}
		}
		for _, c := range n.Content {
			walk(c)
		}
	}
	walk(root)
}

// TestLocateAgreesWithEagerSearch checks that stopping the position search
// once found changes no position.
func TestLocateAgreesWithEagerSearch(t *testing.T) {
	for _, src := range locateSeeds {
		checkLocateAgrees(t, src)
	}
}

func FuzzLocate(f *testing.F) {
	for _, src := range locateSeeds {
		f.Add(src)
	}
	f.Fuzz(func(t *testing.T, src string) {
		if len(src) > 2000 {
			return
		}
		checkLocateAgrees(t, src)
	})
}
