package main

import (
	"bufio"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
)

// baselineLine is what the baseline encodes for each input line: the
// decoded answers, padded to the size of the verdict line redflag writes
// for the same input.
type baselineLine struct {
	Line    int            `json:"line"`
	Answers map[string]any `json:"answers"`
	Pad     string         `json:"pad"`
}

// pad is sliced for every line's padding, so that padding costs no
// allocation.
var pad = strings.Repeat("x", 1<<20)

// padLengths returns, for each line of in, how long baselineLine's pad
// must be for the line to encode to exactly sizes[i] bytes (newline
// included), as encoding/json's Encoder writes it.
func padLengths(in io.Reader, sizes []uint32) ([]uint32, error) {
	out := make([]uint32, 0, len(sizes))
	err := eachLine(in, func(n int, line []byte) error {
		if n > len(sizes) {
			return fmt.Errorf("line %d: more input lines than output lines", n)
		}
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		b, err := json.Marshal(baselineLine{Line: n, Answers: m})
		if err != nil {
			return err
		}
		out = append(out, uint32(max(int(sizes[n-1])-len(b)-1, 0)))
		return nil
	})
	return out, err
}

// runBaseline is the baseline the batch is compared with: read each line,
// decode it into a map[string]any with encoding/json, and encode an object
// of the same size as the verdict line, buffered, to out.
func runBaseline(in io.Reader, out io.Writer, pads []uint32) error {
	bw := bufio.NewWriterSize(out, 64<<10)
	enc := json.NewEncoder(bw)
	err := eachLine(in, func(n int, line []byte) error {
		var m map[string]any
		if err := json.Unmarshal(line, &m); err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		return enc.Encode(baselineLine{Line: n, Answers: m, Pad: pad[:pads[n-1]]})
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// eachLine calls f with each line of in, numbered from 1, without its
// newline.
func eachLine(in io.Reader, f func(n int, line []byte) error) error {
	br := bufio.NewReaderSize(in, 64<<10)
	for n := 1; ; n++ {
		line, err := br.ReadSlice('\n')
		if len(line) > 0 {
			if ferr := f(n, line[:len(line)-1]); ferr != nil {
				return ferr
			}
		}
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// lineSizes returns the size of each line of out, newline included.
func lineSizes(out io.Reader) ([]uint32, error) {
	var sizes []uint32
	err := eachLine(out, func(_ int, line []byte) error {
		sizes = append(sizes, uint32(len(line)+1))
		return nil
	})
	return sizes, err
}

func writeUint32s(path string, v []uint32) error {
	b := make([]byte, 0, 4*len(v))
	for _, x := range v {
		b = binary.LittleEndian.AppendUint32(b, x)
	}
	return os.WriteFile(path, b, 0o644)
}

func readUint32s(path string) ([]uint32, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	v := make([]uint32, len(b)/4)
	for i := range v {
		v[i] = binary.LittleEndian.Uint32(b[4*i:])
	}
	return v, nil
}
