package triage

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestErrorListSorted(t *testing.T) {
	list := ErrorList{
		{Pos: Position{File: "b.yaml", Line: 1, Column: 1}, Msg: "b"},
		{Pos: Position{File: "a.yaml", Line: 9, Column: 2}, Msg: "a9"},
		{Pos: Position{File: "a.yaml", Line: 2, Column: 5}, Msg: "a2"},
		{Pos: Position{File: "a.yaml", Line: 2, Column: 5}, Msg: "a2"},
		{Pos: Position{File: "a.yaml", Line: 2, Column: 5}, Msg: "a2 again"},
	}
	var msgs []string
	for _, e := range list.sorted() {
		msgs = append(msgs, e.Msg)
	}
	assert.Equal(t, []string{"a2", "a2 again", "a9", "b"}, msgs,
		"by file, line and column; discovery order at one position; exact duplicates dropped")
}

func TestErrorWithSnippetCutsLongLines(t *testing.T) {
	long := strings.Repeat("a", 50_000) + " : x"
	tests := []struct {
		name   string
		col    int
		reason string
	}{
		{"caret at the end", 50_002, "the window ends at the line's end"},
		{"caret at the start", 1, "the window starts at the line's start"},
		{"caret in the middle", 25_000, "the window is centred on the caret"},
	}
	for _, tt := range tests {
		e := &Error{Pos: Position{File: "r.yaml", Line: 3, Column: tt.col}, Msg: "m", Snippet: long}
		lines := strings.Split(e.ErrorWithSnippet(), "\n")
		require.Len(t, lines, 3, tt.reason)
		assert.LessOrEqual(t, utf8.RuneCountInString(lines[1]), snippetWidth+6, "%s: %s", tt.name, tt.reason)
		caret := utf8.RuneCountInString(lines[2]) - 1
		want := []rune(lines[1])[caret]
		assert.Equal(t, []rune(long)[tt.col-1], want, "%s: the caret stays under the same character", tt.name)
	}
	short := &Error{Pos: Position{File: "r.yaml", Line: 1, Column: 7}, Msg: "m", Snippet: "when: fevr"}
	assert.Equal(t, "r.yaml:1:7: m\n    when: fevr\n          ^", short.ErrorWithSnippet(), "short lines are shown whole")
}
