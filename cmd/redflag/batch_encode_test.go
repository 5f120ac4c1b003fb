package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/internal/jsonl"
)

// TestBatchOutputMatchesEncodingJSON runs generated lines, with bad ones
// among them, through the batch, full and compact, and compares its output
// byte for byte with each line's result written by encoding/json's
// Encoder, as check --jsonl wrote it before it cached encodings.
func TestBatchOutputMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	eng := defaultEngine(t)
	var in bytes.Buffer
	require.NoError(t, gen.Write(&in, eng.Questions(), 3_000, 11))
	in.WriteString("{\"fever\": tru}\n\n{\"fever\": true, \"fever\": false}\n{\"pain_days\": 1.5}\n{\"x<y>\": \"&\"}\n")
	for _, compact := range []bool{false, true} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		br := bufio.NewReader(bytes.NewReader(in.Bytes()))
		for n := 1; ; n++ {
			line, err := jsonl.ReadLine(br, maxLineBytes)
			if !line.Read {
				break
			}
			res := jsonl.Eval(context.Background(), eng, n, line, "")
			if compact {
				require.NoError(t, enc.Encode(res.Compact()))
			} else {
				require.NoError(t, enc.Encode(res))
			}
			if err != nil {
				break
			}
		}
		var got bytes.Buffer
		counts, err := runBatch(t.Context(), eng, bytes.NewReader(in.Bytes()), &got, batchOptions{workers: 2, window: 4, compact: compact})
		require.NoError(t, err)
		assert.Equal(t, 5, counts.errors, "the bad lines")
		require.Equal(t, bytes.Count(want.Bytes(), []byte("\n")), bytes.Count(got.Bytes(), []byte("\n")))
		// Compared line by line, so that a failure shows the line.
		wl, gl := bytes.Split(want.Bytes(), []byte("\n")), bytes.Split(got.Bytes(), []byte("\n"))
		for i := range wl {
			require.Equal(t, string(wl[i]), string(gl[i]), "compact %v, line %d", compact, i+1)
		}
	}
}

// BenchmarkBatchEncode encodes the results of generated lines with the
// caching Encoder and with encoding/json, side by side.
func BenchmarkBatchEncode(b *testing.B) {
	eng := defaultEngine(b)
	var in bytes.Buffer
	require.NoError(b, gen.Write(&in, eng.Questions(), 1_000, 3))
	var results []jsonl.Result
	for n, text := range bytes.Split(bytes.TrimSpace(in.Bytes()), []byte("\n")) {
		results = append(results, jsonl.Eval(context.Background(), eng, n+1, jsonl.Line{Text: text}, ""))
	}
	b.Run("cached", func(b *testing.B) {
		b.ReportAllocs()
		enc := jsonl.NewEncoder()
		var out []byte
		i := 0
		for b.Loop() {
			out, _ = enc.AppendResult(out[:0], results[i%len(results)])
			i++
		}
	})
	b.Run("encoding-json", func(b *testing.B) {
		b.ReportAllocs()
		var out bytes.Buffer
		enc := json.NewEncoder(&out)
		i := 0
		for b.Loop() {
			out.Reset()
			_ = enc.Encode(results[i%len(results)])
			i++
		}
	})
}
