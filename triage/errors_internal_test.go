package triage

import (
	"testing"

	"github.com/stretchr/testify/assert"
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
