package jsonl

import (
	"bufio"
	"errors"
	"io"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// readAll reads in with a limit of 8 bytes through bufio's smallest
// buffer (16 bytes), so that long lines arrive in several fragments.
func readAll(t *testing.T, in string) []Line {
	t.Helper()
	br := bufio.NewReaderSize(strings.NewReader(in), 16)
	var got []Line
	for {
		l, err := ReadLine(br, 8)
		if l.Read {
			got = append(got, l)
		}
		if errors.Is(err, io.EOF) {
			return got
		}
		require.NoError(t, err)
	}
}

// line is a Line that was read, for the table.
func line(text string, size int) Line {
	return Line{Text: []byte(text), Read: true, Size: size}
}

func TestReadLine(t *testing.T) {
	long := strings.Repeat("x", 30)
	tests := []struct {
		in     string
		reason string
		want   []Line
	}{
		{"", "no input, no line", nil},
		{"a\nb\n", "LF ends a line; nothing follows the last newline", []Line{line("a", 2), line("b", 2)}},
		{"a\r\nb\r\n", "CRLF ends a line too, and is not part of it", []Line{line("a", 3), line("b", 3)}},
		{"a\nb", "the last line may lack its line ending", []Line{line("a", 2), line("b", 1)}},
		{"a\r", "a last line may end with CR alone", []Line{line("a", 2)}},
		{"\r", "a last line holding only CR is a line, not the end of the input", []Line{line("", 1)}},
		{"\n", "an empty line is a line, to be reported, never skipped", []Line{line("", 1)}},
		{"a\n\nb\n", "an empty line between others keeps the numbering", []Line{line("a", 2), line("", 1), line("b", 2)}},
		{"a\rb\n", "a CR that ends no line is flagged: old Mac line endings",
			[]Line{{Text: []byte("a\rb"), BareCR: true, Read: true, Size: 4}}},
		{"a\r\r\n", "only one CR belongs to the line ending",
			[]Line{{Text: []byte("a\r"), BareCR: true, Read: true, Size: 4}}},
		{"12345678\r\n", "a line at the limit, line ending excluded, is kept", []Line{line("12345678", 10)}},
		{"123456789012\nok\n", "a line over the limit is dropped, and the next line read as usual",
			[]Line{{TooLong: true, Read: true, Size: 13}, line("ok", 3)}},
		{long + "\n", "a long line spanning buffer fragments is dropped whole",
			[]Line{{TooLong: true, Read: true, Size: 31}}},
		{long[:10] + "\r" + long + "\n", "a CR that ends no line is seen even in a line that is not kept",
			[]Line{{TooLong: true, BareCR: true, Read: true, Size: 42}}},
		{long[:15] + "\r" + long + "\n", "a CR at a fragment's end in a dropped line is left undecided: the line is refused, without the hint",
			[]Line{{TooLong: true, Read: true, Size: 47}}},
		{long[:15] + "\r\n", "a CR split from its LF by the buffer is still a line ending",
			[]Line{{TooLong: true, Read: true, Size: 17}}},
		{long[:20] + "\r\n", "a long line with CRLF holds no bare CR",
			[]Line{{TooLong: true, Read: true, Size: 22}}},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			assert.Equal(t, tt.want, readAll(t, tt.in), "input %q", tt.in)
		})
	}
}

func TestProblem(t *testing.T) {
	tests := []struct {
		line   Line
		reason string
		want   string
	}{
		{Line{Text: []byte(`{"fever": true}`)}, "a line that may hold answers has no problem", ""},
		{Line{Text: []byte("[")}, "bad JSON is for the engine to report, with its position", ""},
		{Line{}, "an empty line is an error", "empty line: want one JSON object of answers per line"},
		{Line{Text: []byte(" \t")}, "so is a line of blanks", "empty line: want one JSON object of answers per line"},
		{Line{TooLong: true}, "a line over the limit", "line is longer than 1048576 bytes"},
		{Line{Text: []byte("{}\r{}"), BareCR: true}, "a bare CR gets the old Mac hint",
			"the line holds a carriage return (CR) that ends no line: " + OldMacHint},
		{Line{TooLong: true, BareCR: true}, "a line over the limit because of CR line endings says both",
			"line is longer than 1048576 bytes, and it holds carriage returns (CR) that end no line: " + OldMacHint},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.line.Problem())
		})
	}
}
