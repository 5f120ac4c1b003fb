package jsontree_test

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/internal/jsontree"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name, in, reason string
		off              int    // of the error
		msg              string // "" when the document is accepted
	}{
		{"object", `{"a": [1, "x", true, null]}`, "every kind of value is read", 0, ""},
		{"duplicate key", `{"a": 1, "a": 2}`, "the later value would silently win", 9, `"a" appears twice`},
		{"keys differ in case", `{"a": 1, "A": 2}`, "keys are kept as written; the caller decides which it knows", 0, ""},
		{"trailing data", `{} {}`, "one value per document", 3, "more after the JSON value"},
		{"too deep", strings.Repeat("[", 70) + strings.Repeat("]", 70), "a hostile document must not exhaust the stack", 65, "deeper than 64"},
		{"truncated", `{"a": `, "a document cut short", 6, "ends too early"},
		{"malformed", `{"a" 1}`, "a syntax error is positioned", 5, "malformed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := jsontree.Parse([]byte(tt.in))
			if tt.msg == "" {
				require.NoError(t, err, tt.reason)
				require.NotNil(t, n)
				return
			}
			var e *jsontree.Error
			require.True(t, errors.As(err, &e), "%s: %v", tt.reason, err)
			assert.Contains(t, e.Msg, tt.msg, tt.reason)
			assert.Equal(t, tt.off, e.Off, tt.reason)
		})
	}
}

func TestNodePositions(t *testing.T) {
	doc := "{\n  \"a\": {\"b\": \"é\"},\n  \"c\": [7]\n}"
	n, err := jsontree.Parse([]byte(doc))
	require.NoError(t, err)
	a, ok := n.Get("a")
	require.True(t, ok)
	b, ok := a.Get("b")
	require.True(t, ok)
	assert.Equal(t, "é", b.Str)
	line, col := jsontree.LineCol([]byte(doc), b.Start)
	assert.Equal(t, [2]int{2, 14}, [2]int{line, col}, "line and column (in characters) of the value")
	c, _ := n.Get("c")
	require.Len(t, c.Elems, 1)
	assert.Equal(t, json.Number("7"), c.Elems[0].Num)
	_, ok = n.Get("A")
	assert.False(t, ok, "Get is exact about case")
	assert.Equal(t, "an array", jsontree.KindName(c.Kind))
}

// FuzzParse: Parse never panics, accepts only valid JSON, and every error
// is an *Error inside the document.
func FuzzParse(f *testing.F) {
	for _, s := range []string{`{}`, `{"a":1,"a":2}`, `[1,[2,[3]]]`, `"x"`, `{"a":`, `{} x`, "\xff", `{"a":{"b":[true,null,1e9]}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		n, err := jsontree.Parse(data)
		if err == nil {
			require.NotNil(t, n)
			require.True(t, json.Valid(data), "accepted invalid JSON %q", data)
			return
		}
		var e *jsontree.Error
		require.True(t, errors.As(err, &e), "%T: %v", err, err)
		require.GreaterOrEqual(t, e.Off, 0)
		require.LessOrEqual(t, e.Off, len(data))
	})
}
