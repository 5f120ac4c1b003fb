package jsonl

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
)

// MaxLineBytes is the longest answers line, line ending excluded.
const MaxLineBytes = 1 << 20

// Line is one input line as ReadLine returns it.
type Line struct {
	// Text is the line without its line ending, a copy; nil when TooLong.
	Text []byte
	// TooLong: the line is over the limit; its bytes were skipped as they
	// were read.
	TooLong bool
	// BareCR reports a carriage return that ends no line: the sign of a
	// file with old Mac (CR) line endings, read as one long line.
	BareCR bool
	// Read reports that any byte was read, line ending included: a last
	// line holding only "\r" is a line, not the end of the input.
	Read bool
	// Size is the number of bytes read for the line, line ending included.
	Size int
}

// ReadLine returns the next line from br, as a copy. The limit is
// MaxLineBytes for --jsonl, line ending excluded. A line ends with LF or
// CRLF; at the end of the input a last line may have no line ending, or CR
// alone. At the end of the input it returns the last unterminated line (if
// any, with Read set) and io.EOF. A line over limit is skipped as it is
// read, so a line of any length costs no more memory than br's buffer.
func ReadLine(br *bufio.Reader, limit int) (Line, error) {
	var l Line
	for {
		frag, err := br.ReadSlice('\n')
		l.Read = l.Read || len(frag) > 0
		l.Size += len(frag)
		if !l.TooLong {
			if len(l.Text)+len(frag) > limit+2 { // +2: the line ending
				l.TooLong, l.Text = true, nil
			} else {
				l.Text = append(l.Text, frag...)
			}
		}
		if l.TooLong && !l.BareCR {
			// The bytes are not kept, so look for a CR that ends no line
			// now (one at the very end of a fragment is left undecided).
			for i, b := range frag[:max(len(frag)-1, 0)] {
				if b == '\r' && frag[i+1] != '\n' {
					l.BareCR = true
					break
				}
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if l.TooLong {
			return l, err
		}
		l.Text = bytes.TrimSuffix(l.Text, []byte("\n"))
		l.Text = bytes.TrimSuffix(l.Text, []byte("\r"))
		l.BareCR = bytes.IndexByte(l.Text, '\r') >= 0
		return l, err
	}
}

// OldMacHint tells what to do with a file whose lines end with CR alone.
const OldMacHint = `this file seems to use old Mac (CR) line endings; convert it to LF line endings (for example: tr '\r' '\n' < old.jsonl > new.jsonl), as --jsonl reads lines ended by LF or CRLF`

// Problem is why l cannot hold answers whatever the rule set (too long, a
// bare CR, empty), or "" when it may.
func (l Line) Problem() string {
	switch {
	case l.TooLong && l.BareCR:
		return fmt.Sprintf("line is longer than %d bytes, and it holds carriage returns (CR) that end no line: %s", MaxLineBytes, OldMacHint)
	case l.TooLong:
		return fmt.Sprintf("line is longer than %d bytes", MaxLineBytes)
	case l.BareCR:
		return "the line holds a carriage return (CR) that ends no line: " + OldMacHint
	case len(bytes.TrimSpace(l.Text)) == 0:
		return "empty line: want one JSON object of answers per line"
	}
	return ""
}
