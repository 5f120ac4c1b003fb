package main

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
)

func TestWrap(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason            string
		first, rest, text string
		width             int
		want              string
	}{
		{"a short text stays on one line", "", "", "Do you have a fever?", 60, "Do you have a fever?\n"},
		{"lines break between words, never inside one", "", "", "sudden lightning pain", 12, "sudden\nlightning\npain\n"},
		{"a line may be exactly the width", "", "", "abc def", 7, "abc def\n"},
		{"the prefixes count in the width; the rest hangs under the first", "  - ", "    ", "one two three", 11, "  - one two\n    three\n"},
		{"a word longer than the line stands alone, unbroken", "", "", "see sha256:0123456789abcdef now", 10, "see\nsha256:0123456789abcdef\nnow\n"},
		{"runs of spaces and line breaks read as one space", "", "", "a  b\n c", 80, "a b c\n"},
		{"characters are counted, not bytes", "", "", "°C °C °C", 5, "°C °C\n°C\n"},
		{"empty text is an empty line", "Note: ", "  ", "", 80, "Note:\n"},
	}
	for _, tt := range tests {
		got := wrap(tt.first, tt.rest, tt.text, tt.width)
		assert.Equal(t, tt.want, got, tt.reason)
	}
	// Every word of a long text survives, in order, and no line is wider
	// than the width unless it is one word.
	text := strings.Repeat("physician lightning a bb ccc ", 40)
	for width := minWidth; width <= maxWidth; width++ {
		got := wrap("   ", "   ", text, width)
		assert.Equal(t, strings.Fields(text), strings.Fields(got), "width %d: the words are kept", width)
		for _, l := range strings.Split(strings.TrimSuffix(got, "\n"), "\n") {
			assert.LessOrEqual(t, utf8.RuneCountInString(l), width, "width %d: %q", width, l)
		}
	}
}

func TestFirstSentence(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ reason, in, want string }{
		{"up to the first full stop followed by a space", "Let pain be your signal to stop. If it hurts, stop.", "Let pain be your signal to stop."},
		{"a question mark ends a sentence too", "Sore? Rest it.", "Sore?"},
		{"a decimal point does not end a sentence", "Keep it under 37.5 degrees. Then rest.", "Keep it under 37.5 degrees."},
		{"one sentence is the whole text, line breaks folded", "Move slowly\nand breathe.", "Move slowly and breathe."},
	} {
		assert.Equal(t, tt.want, firstSentence(tt.in), tt.reason)
	}
}

func TestOutputWidth(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		reason, columns string
		want            int
	}{
		{"not a terminal and no COLUMNS: 80", "", defaultWidth},
		{"COLUMNS sets the width", "60", 60},
		{"a narrow COLUMNS is raised to the minimum", "10", minWidth},
		{"a wide COLUMNS is capped for reading", "250", maxWidth},
		{"a COLUMNS that is not a number is ignored", "wide", defaultWidth},
		{"a COLUMNS of 0 is ignored", "0", defaultWidth},
	} {
		assert.Equal(t, tt.want, outputWidth(&strings.Builder{}, tt.columns), tt.reason)
	}
}
