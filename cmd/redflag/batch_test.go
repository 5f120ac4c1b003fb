package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

func defaultEngine(t testing.TB) *triage.Engine {
	t.Helper()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	return eng
}

// decodeLines parses --jsonl output strictly: one JSON object per line.
func decodeLines(t *testing.T, out string) []batchLine {
	t.Helper()
	var got []batchLine
	sc := bufio.NewScanner(strings.NewReader(out))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l batchLine
		require.NoError(t, json.Unmarshal(sc.Bytes(), &l), "output line %q", sc.Text())
		got = append(got, l)
	}
	require.NoError(t, sc.Err())
	return got
}

// TestBatchMatchesCheck runs a few thousand generated lines through --jsonl
// and compares every output line with what Evaluate gives for that line
// alone: same order, same verdict, every line numbered.
func TestBatchMatchesCheck(t *testing.T) {
	t.Parallel()
	eng := defaultEngine(t)
	var in bytes.Buffer
	require.NoError(t, gen.Write(&in, eng.Questions(), 3000, 7))
	input := in.String()

	got := runCLI(t, t.Context(), input, "check", "--jsonl")
	require.Equal(t, exitSelfCare, got.code, "every line is valid: exit 0\nstderr: %s", got.stderr)
	lines := decodeLines(t, got.stdout)
	inLines := strings.Split(strings.TrimSuffix(input, "\n"), "\n")
	require.Len(t, lines, len(inLines), "one output line per input line")
	counts := map[triage.Outcome]int{}
	for i, l := range lines {
		require.Equal(t, i+1, l.Line, "output is in input order")
		require.Empty(t, l.Error)
		answers, err := eng.DecodeAnswers(strings.NewReader(inLines[i]))
		require.NoError(t, err)
		want, err := eng.Evaluate(context.Background(), answers)
		require.NoError(t, err)
		wantJSON, err := json.Marshal(want)
		require.NoError(t, err)
		gotJSON, err := json.Marshal(l.Verdict)
		require.NoError(t, err)
		require.JSONEq(t, string(wantJSON), string(gotJSON), "line %d", i+1)
		assert.Equal(t, triage.Disclaimer, l.Verdict.Notice, "every verdict carries the note")
		counts[want.Outcome]++
	}
	for _, o := range []triage.Outcome{triage.SelfCare, triage.SeeProfessional, triage.Incomplete} {
		require.Positive(t, counts[o], "the generated input covers %s", o)
	}
	wantSummary := fmt.Sprintf("self_care %d, see_professional %d, incomplete %d, errors 0\n",
		counts[triage.SelfCare], counts[triage.SeeProfessional], counts[triage.Incomplete])
	assert.True(t, strings.HasPrefix(got.stderr, "redflag check --jsonl: 3000 lines in "), got.stderr)
	assert.True(t, strings.HasSuffix(got.stderr, wantSummary), "summary %q, want suffix %q", got.stderr, wantSummary)
	assert.NotContains(t, got.stderr, "\r", "no progress line when stderr is not a terminal")
}

func TestBatchBadLines(t *testing.T) {
	t.Parallel()
	valid := `{"fever": true}`
	tooLong := `{"fever": true` + strings.Repeat(" ", maxLineBytes) + `}`
	tests := []struct {
		line   string
		reason string
		// want is the expected error; "" means a verdict.
		want   string
		errors []answerError
	}{
		{line: valid, reason: "a valid line between bad ones still gets its verdict"},
		{line: `{"fever": tru}`, reason: "malformed JSON is reported on its own line, with its position", want: "invalid answers: malformed JSON",
			errors: []answerError{{Question: "fever", Message: `malformed JSON in the answer to "fever": invalid character '}' in literal true (expecting 'e')`, Position: &answerPosition{Line: 1, Column: 14, Offset: 13}}}},
		{line: `[1, 2]`, reason: "a line that is not an object", want: "answers must be a JSON object",
			errors: []answerError{{Message: `answers must be a JSON object like {"fever": true}, got a list`, Position: &answerPosition{Line: 1, Column: 1, Offset: 0}}}},
		{line: ``, reason: "an empty line is an error, never skipped silently", want: "empty line: want one JSON object of answers per line"},
		{
			line: `{"fever": "yes", "pain_days": 2.5, "fevr": true}`, reason: "invalid answers name every offending question, as the library does",
			want: "invalid answers",
			errors: []answerError{
				{Question: "pain_days", Message: "want a whole number, got 2.5"},
				{Question: "fever", Message: `want true or false, got string "yes"`},
				{Question: "fevr", Message: `unknown question (did you mean "fever"?)`},
			},
		},
		{line: `{"fever": false}` + "\r", reason: "a CRLF line ending is accepted"},
		{line: tooLong, reason: "a line over the limit is refused without reading it into memory", want: fmt.Sprintf("line is longer than %d bytes", maxLineBytes)},
		{line: `{"fever": true} {"fever": false}`, reason: "two objects on one line", want: "unexpected data after the answers object",
			errors: []answerError{{Message: "unexpected data after the answers object", Position: &answerPosition{Line: 1, Column: 17, Offset: 16}}}},
		{line: valid, reason: "the last line may lack a newline"},
	}
	var in strings.Builder
	for i, tt := range tests {
		in.WriteString(tt.line)
		if i < len(tests)-1 {
			in.WriteString("\n")
		}
	}
	got := runCLI(t, t.Context(), in.String(), "check", "--jsonl")
	assert.Equal(t, exitBadInput, got.code, "any bad line makes the exit code 2, after the whole run")
	lines := decodeLines(t, got.stdout)
	require.Len(t, lines, len(tests), "a bad line never stops the run")
	nErr := 0
	for i, tt := range tests {
		l := lines[i]
		assert.Equal(t, i+1, l.Line, tt.reason)
		if tt.want == "" {
			assert.Empty(t, l.Error, tt.reason)
			require.NotNil(t, l.Verdict, tt.reason)
			continue
		}
		nErr++
		assert.Nil(t, l.Verdict, "no verdict comes with an error: %s", tt.reason)
		assert.Contains(t, l.Error, tt.want, tt.reason)
		assert.Equal(t, tt.errors, l.Errors, tt.reason)
	}
	assert.Contains(t, got.stderr, fmt.Sprintf("errors %d (lines 2, 3, 4, 5, 7, …)\n", nErr), "the summary names the first five failing lines")
}

func TestBatchArguments(t *testing.T) {
	t.Parallel()
	got := runCLI(t, t.Context(), "", "check", "--jsonl", "no-such-file.jsonl")
	assert.Equal(t, exitBadInput, got.code)
	assert.Contains(t, got.stderr, "no-such-file.jsonl")

	got = runCLI(t, t.Context(), "", "check", "--jsonl", "--json")
	assert.Equal(t, exitBadInput, got.code, "--json and --jsonl are two different outputs")
	assert.Contains(t, got.stderr, "--json and --jsonl")

	got = runCLI(t, t.Context(), "", "check", "--jsonl")
	assert.Equal(t, exitSelfCare, got.code, "empty input: nothing to do, nothing wrong")
	assert.Empty(t, got.stdout)
	assert.Contains(t, got.stderr, "0 lines in")
}

// lineSource generates n answer lines on the fly, each padded with pad
// spaces, so a test can stream far more input than it ever holds. It counts
// the bytes read from it.
type lineSource struct {
	lines []string // a few distinct lines, cycled
	n     int
	pad   int
	i     int
	buf   []byte
	read  atomic.Int64
}

func newLineSource(t testing.TB, n, pad int) *lineSource {
	eng := defaultEngine(t)
	rng := rand.New(rand.NewPCG(1, 1))
	s := &lineSource{n: n, pad: pad}
	for range 50 {
		data, err := json.Marshal(gen.Answers(rng, eng.Questions(), 0.1))
		require.NoError(t, err)
		s.lines = append(s.lines, string(data))
	}
	return s
}

func (s *lineSource) Read(p []byte) (int, error) {
	for len(s.buf) == 0 {
		if s.i == s.n {
			return 0, io.EOF
		}
		line := s.lines[s.i%len(s.lines)]
		s.buf = append(s.buf[:0], line[:len(line)-1]...)
		s.buf = append(s.buf, strings.Repeat(" ", s.pad)...)
		s.buf = append(s.buf, "}\n"...)
		s.i++
	}
	n := copy(p, s.buf)
	s.buf = s.buf[n:]
	s.read.Add(int64(n))
	return n, nil
}

// orderChecker is an output that checks line numbers as they stream past,
// keeping nothing.
type orderChecker struct {
	next    int
	partial []byte
	bad     error
	// reached, when set, is closed once notify lines have passed.
	reached chan struct{}
	notify  int
	// sample, when set, is called at each Write.
	sample func()
}

func (o *orderChecker) Write(p []byte) (int, error) {
	if o.sample != nil {
		o.sample()
	}
	data := append(o.partial, p...)
	for {
		i := bytes.IndexByte(data, '\n')
		if i < 0 {
			break
		}
		var l struct {
			Line  int    `json:"line"`
			Error string `json:"error"`
		}
		if err := json.Unmarshal(data[:i], &l); err != nil || l.Line != o.next+1 || l.Error != "" {
			if o.bad == nil {
				o.bad = fmt.Errorf("after line %d got %q (%v)", o.next, data[:i], err)
			}
		}
		o.next++
		if o.reached != nil && o.next == o.notify {
			close(o.reached)
		}
		data = data[i+1:]
	}
	o.partial = append(o.partial[:0], data...)
	return len(p), nil
}

// TestBatchMemoryIsFlat streams input far larger than the memory it may
// use and samples the heap while it runs: the heap must stay within a small
// bound that does not grow with the input.
func TestBatchMemoryIsFlat(t *testing.T) {
	eng := defaultEngine(t)
	const n, pad = 40000, 2000 // about 100 MB of input
	src := newLineSource(t, n, pad)
	out := &orderChecker{}

	runtime.GC()
	var base runtime.MemStats
	runtime.ReadMemStats(&base)
	// The heap is sampled at every output write (one per chunk of lines),
	// not every so many milliseconds: as many samples, at the same points
	// of the work, on a fast machine as on a slow one.
	var peak uint64
	out.sample = func() {
		var m runtime.MemStats
		runtime.ReadMemStats(&m)
		peak = max(peak, m.HeapAlloc)
	}
	counts, err := runBatch(t.Context(), eng, src, out, batchOptions{workers: 4, window: 16})
	require.NoError(t, err)
	require.NoError(t, out.bad)
	assert.Equal(t, n, out.next, "every line came out, in order")
	assert.Equal(t, n, counts.lines)
	inputMB := float64(src.read.Load()) / (1 << 20)
	grewMB := float64(int64(peak)-int64(base.HeapAlloc)) / (1 << 20)
	t.Logf("input %.0f MB, heap grew by at most %.1f MB", inputMB, grewMB)
	require.Greater(t, inputMB, 75.0, "the input must dwarf the bound")
	// 16 chunks of at most 256 KiB of input plus their output, with room
	// for the garbage collector's slack; far below the input size.
	assert.Less(t, grewMB, 40.0, "heap growth must be bounded by the window, not the input")
}

// blockedWriter blocks every write until released.
type blockedWriter struct {
	release chan struct{}
}

func (b *blockedWriter) Write(p []byte) (int, error) {
	<-b.release
	return len(p), nil
}

// TestBatchReadsAheadOnlyWithinTheWindow blocks the output and checks that
// reading stops once the window is full: a slow consumer can never make the
// batch buffer the whole input.
func TestBatchReadsAheadOnlyWithinTheWindow(t *testing.T) {
	t.Parallel()
	eng := defaultEngine(t)
	src := newLineSource(t, 20000, 0)
	out := &blockedWriter{release: make(chan struct{})}
	const window = 3
	done := make(chan error, 1)
	go func() {
		_, err := runBatch(t.Context(), eng, src, out, batchOptions{workers: 2, window: window})
		done <- err
	}()
	// Wait for reading to start and then stall: the same count three
	// samples running, so a busy machine cannot fake a stall.
	var last int64
	for same, deadline := 0, time.Now().Add(30*time.Second); same < 3; {
		require.True(t, time.Now().Before(deadline), "reading never stalled with the output blocked (read %d bytes)", last)
		time.Sleep(100 * time.Millisecond)
		now := src.read.Load()
		if now > 0 && now == last {
			same++
		} else {
			same = 0
		}
		last = now
	}
	// The writer holds one chunk (blocked inside Write) and the window
	// holds the rest; the reader's own buffer adds 64 KiB. One chunk is at
	// most chunkLines lines.
	lineLen := int64(len(src.lines[0]) + 200)
	bound := int64(window+2)*chunkLines*lineLen + 64<<10
	assert.Less(t, last, bound, "read %d bytes with output blocked; the window allows about %d", last, bound)
	assert.Greater(t, last, int64(0))
	close(out.release)
	require.NoError(t, <-done)
	assert.Equal(t, 20000, src.i, "once released, the run finishes")
}

// TestBatchCancel cancels a long run: it stops with the context's error,
// and what was written is an ordered prefix with no cancelled lines.
func TestBatchCancel(t *testing.T) {
	t.Parallel()
	eng := defaultEngine(t)
	src := newLineSource(t, 10_000_000, 0)
	ctx, cancel := context.WithCancel(t.Context())
	out := &orderChecker{reached: make(chan struct{}), notify: 1000}
	go func() {
		<-out.reached // cancel mid-run, once some results are out
		cancel()
	}()
	_, err := runBatch(ctx, eng, src, out, batchOptions{workers: 2, window: 8})
	require.ErrorIs(t, err, context.Canceled)
	require.NoError(t, out.bad, "output is an ordered prefix of verdicts")
	assert.GreaterOrEqual(t, out.next, 1000)
	assert.Less(t, src.i, 10_000_000, "reading stopped")
}

type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	f.n++
	return 0, errors.New("disk full")
}

func TestBatchWriteErrorStopsTheRun(t *testing.T) {
	t.Parallel()
	eng := defaultEngine(t)
	src := newLineSource(t, 10_000_000, 0)
	_, err := runBatch(t.Context(), eng, src, &failingWriter{}, batchOptions{workers: 2, window: 4})
	require.ErrorContains(t, err, "disk full")
	assert.Less(t, src.i, 10_000_000, "reading stopped once results could not be written")
}

func TestBatchProgress(t *testing.T) {
	t.Parallel()
	eng := defaultEngine(t)
	var progress bytes.Buffer
	src := newLineSource(t, 1000, 0)
	_, err := runBatch(t.Context(), eng, src, io.Discard, batchOptions{workers: 2, window: 4, progress: &progress})
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(progress.String(), "\r"), "progress lines overwrite each other: %q", progress.String())
	assert.Contains(t, progress.String(), " lines, ")
	assert.Contains(t, progress.String(), "\r1000 lines, ", "the last progress line shows the final count")
	assert.True(t, strings.HasSuffix(progress.String(), " \n"), "the last progress line is ended before the summary")

	assert.False(t, isTerminal(&progress), "a buffer is not a terminal")
}

// BenchmarkBatch measures --jsonl throughput end to end (read, decode,
// evaluate, encode, write in order) on every core; one op is 10,000
// generated lines.
func BenchmarkBatch(b *testing.B) {
	eng := defaultEngine(b)
	const lines = 10000
	var in bytes.Buffer
	require.NoError(b, gen.Write(&in, eng.Questions(), lines, 3))
	data := in.Bytes()
	workers := runtime.GOMAXPROCS(0)
	b.ReportAllocs()
	for b.Loop() {
		_, err := runBatch(context.Background(), eng, bytes.NewReader(data), io.Discard, batchOptions{workers: workers, window: 4 * workers})
		require.NoError(b, err)
	}
	b.ReportMetric(float64(lines*b.N)/b.Elapsed().Seconds(), "lines/s")
}

// TestBatchEvaluationError: a rule that fails at run time on one line is
// that line's error, named at its place in the rule file, and the run goes
// on.
func TestBatchEvaluationError(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(`name: rate
version: 1.0.0
title: Rate
sources: [{id: doc, title: Doc}]
questions:
  - {id: days, text: Days, type: integer}
rules:
  - id: rate
    title: Rate
    when: 10 / days > 2
    action: refer
    advice: See someone.
    cite: {source: doc, section: S}
`), 0o644))
	got := runCLI(t, t.Context(), "{\"days\": 1}\n{\"days\": 0}\n{\"days\": 9}\n", "check", "--jsonl", "--rules", dir)
	assert.Equal(t, exitBadInput, got.code)
	lines := decodeLines(t, got.stdout)
	require.Len(t, lines, 3)
	assert.Equal(t, triage.SeeProfessional, lines[0].Verdict.Outcome)
	assert.Nil(t, lines[1].Verdict, "an evaluation error is never a verdict")
	assert.Contains(t, lines[1].Error, filepath.Join(dir, "rules.yaml")+":10:11: rate:")
	assert.Contains(t, lines[1].Error, "division by zero")
	assert.Equal(t, triage.SelfCare, lines[2].Verdict.Outcome, "the run goes on after the failing line")
}

// limitedWriter accepts the first limit bytes written to it, then fails,
// as a full disk or a file size limit does: the write that crosses the
// limit is cut short.
type limitedWriter struct {
	limit int
	buf   bytes.Buffer
}

func (w *limitedWriter) Write(p []byte) (int, error) {
	room := w.limit - w.buf.Len()
	if len(p) <= room {
		return w.buf.Write(p)
	}
	w.buf.Write(p[:room])
	return room, errors.New("file too large")
}

// TestBatchWriteFailureCountsOnlyWrittenLines fails the output after a
// number of bytes: the summary counts only the lines written in full, the
// run exits 1, and the message says where the output stops.
func TestBatchWriteFailureCountsOnlyWrittenLines(t *testing.T) {
	t.Parallel()
	eng := defaultEngine(t)
	var in bytes.Buffer
	require.NoError(t, gen.Write(&in, eng.Questions(), 2000, 11))
	input := in.Bytes()
	for _, tt := range []struct {
		reason string
		limit  int
	}{
		{"nothing can be written, as on /dev/full", 0},
		{"the first line is cut", 100},
		{"the output fails in the middle of the run, mid-line", 300_000},
		{"the output fails well into the run", 2_000_000},
	} {
		t.Run(tt.reason, func(t *testing.T) {
			t.Parallel()
			out := &limitedWriter{limit: tt.limit}
			var stderr bytes.Buffer
			code := checkJSONL(t.Context(), eng, "", false, bytes.NewReader(input), "answers.jsonl", out, &stderr)
			require.Equal(t, exitFailure, code, "%s: a failed output is a failure\n%s", tt.reason, stderr.String())
			written := bytes.Count(out.buf.Bytes(), []byte("\n"))
			require.Less(t, written, 2000, "%s: the output failed before the end", tt.reason)
			complete := out.buf.Bytes()[:bytes.LastIndexByte(out.buf.Bytes(), '\n')+1]
			for i, l := range decodeLines(t, string(complete)) {
				require.Equal(t, i+1, l.Line, "%s: what was written is in order", tt.reason)
			}
			assert.Contains(t, stderr.String(), fmt.Sprintf("redflag check --jsonl: %d lines in ", written),
				"%s: the summary counts the lines written in full, no more", tt.reason)
			what := "no result was written in full"
			if written > 0 {
				what = fmt.Sprintf("the output holds the results of lines 1 to %d in full", written)
			}
			assert.Contains(t, stderr.String(), fmt.Sprintf(
				"redflag check: could not write the result of line %d, so the run stopped: file too large; %s", written+1, what), tt.reason)
		})
	}
}

// TestBatchLineEndings pins how --jsonl splits lines: LF and CRLF end a
// line; a last line holding only CR is reported, not dropped; a carriage
// return that ends no line (a file with old Mac line endings) is an error
// that says how to convert the file.
func TestBatchLineEndings(t *testing.T) {
	t.Parallel()
	const oldMac = "old Mac (CR) line endings; convert it to LF line endings"
	const v = `{"fever": false}`
	tests := []struct {
		reason string
		input  string
		// want is one entry per output line: "" for a verdict, else a part
		// of the error.
		want []string
	}{
		{"LF", v + "\n" + v + "\n", []string{"", ""}},
		{"CRLF", v + "\r\n" + v + "\r\n", []string{"", ""}},
		{"a last line without a line ending", v + "\n" + v, []string{"", ""}},
		{"a last line ending in CR alone counts as ended", v + "\r\n" + v + "\r", []string{"", ""}},
		{"a last line holding only CR is an empty line, reported", v + "\n\r", []string{"", "empty line"}},
		{"an empty CRLF line is reported", v + "\r\n\r\n" + v + "\r\n", []string{"", "empty line", ""}},
		{"CR-only line endings make one line, refused with what to do", v + "\r" + v + "\r" + v + "\r", []string{oldMac}},
		{"a stray CR inside a line", `{"fever":` + "\r" + `false}` + "\n" + v + "\n", []string{oldMac, ""}},
		{"CR CR LF", v + "\r\r\n", []string{oldMac}},
		{
			"a CR-only file over the line limit says so too",
			strings.Repeat(v+"\r", maxLineBytes/len(v)+10) + "\n" + v + "\n",
			[]string{fmt.Sprintf("line is longer than %d bytes", maxLineBytes), ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, t.Context(), tt.input, "check", "--jsonl")
			lines := decodeLines(t, got.stdout)
			require.Len(t, lines, len(tt.want), "%s\n%s", tt.reason, got.stdout)
			bad := false
			for i, want := range tt.want {
				if want == "" {
					assert.NotNil(t, lines[i].Verdict, "%s: line %d: %s", tt.reason, i+1, lines[i].Error)
					continue
				}
				bad = true
				assert.Contains(t, lines[i].Error, want, "%s: line %d", tt.reason, i+1)
			}
			if strings.Contains(tt.reason, "over the line limit") {
				assert.Contains(t, lines[0].Error, oldMac, "the hint comes with the length error")
			}
			if bad {
				assert.Equal(t, exitBadInput, got.code, tt.reason)
			} else {
				assert.Equal(t, exitSelfCare, got.code, tt.reason)
			}
		})
	}
}

// examplesJSONL is the example answer files as one --jsonl input, with the
// bad lines an operator meets, so that both output forms can be pinned on
// the same input.
func examplesJSONL(t *testing.T) string {
	t.Helper()
	var in strings.Builder
	for _, file := range []string{"self-care.json", "see-professional.json", "incomplete.json", "invalid.json"} {
		var line bytes.Buffer
		require.NoError(t, json.Compact(&line, []byte(readAnswers(t, file))))
		in.WriteString(line.String() + "\n")
	}
	in.WriteString("\n")
	in.WriteString(`{"fever": tru}` + "\n")
	return in.String()
}

// timingRE matches the time and rate in a --jsonl summary.
var timingRE = regexp.MustCompile(`in [0-9.]+[a-zµ]+ \([0-9]+ lines/s\)`)

// TestBatchCompactGolden pins both output forms on the same input: the full
// lines are unchanged by --compact, and the compact lines hold only the
// outcome, the fired rule ids, the missing question ids and the rule set.
func TestBatchCompactGolden(t *testing.T) {
	t.Parallel()
	input := examplesJSONL(t)
	for _, tt := range []struct {
		golden string
		args   []string
		reason string
	}{
		{"check-jsonl.jsonl", []string{"check", "--jsonl"}, "the full form, advice, guidance and notice on every verdict line"},
		{"check-jsonl-compact.jsonl", []string{"check", "--jsonl", "--compact"}, "the compact form: no words for a person, error lines as in the full form"},
	} {
		t.Run(tt.golden, func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, t.Context(), input, tt.args...)
			assert.Equal(t, exitBadInput, got.code, "%s: the input holds bad lines\n%s", tt.reason, got.stderr)
			golden(t, tt.golden, got.stdout)
			assert.Contains(t, got.stderr, "errors 3 (lines 4, 5, 6)\n", "the summary names the failing lines")
			// The summary, with its time and rate made constant.
			summary := timingRE.ReplaceAllString(got.stderr, "in 2ms (3000 lines/s)")
			golden(t, strings.TrimSuffix(tt.golden, ".jsonl")+".summary", summary)
		})
	}
}

// TestBatchCompactMatchesFull runs the same generated input in both forms:
// every compact line is its full line cut down, with exactly the keys the
// compact form promises, and every error line is byte for byte the same.
func TestBatchCompactMatchesFull(t *testing.T) {
	t.Parallel()
	eng := defaultEngine(t)
	var in bytes.Buffer
	require.NoError(t, gen.Write(&in, eng.Questions(), 500, 5))
	in.WriteString("{\"fever\": 1}\n\n") // two bad lines at the end
	full := runCLI(t, t.Context(), in.String(), "check", "--jsonl")
	compact := runCLI(t, t.Context(), in.String(), "check", "--jsonl", "--compact")
	assert.Equal(t, full.code, compact.code, "--compact does not change the exit code")
	assert.Equal(t, exitBadInput, compact.code)

	fullLines := strings.Split(strings.TrimSuffix(full.stdout, "\n"), "\n")
	compactLines := strings.Split(strings.TrimSuffix(compact.stdout, "\n"), "\n")
	require.Len(t, compactLines, 502, "one output line per input line")
	require.Len(t, fullLines, len(compactLines))
	for i, c := range compactLines {
		var f batchLine
		require.NoError(t, json.Unmarshal([]byte(fullLines[i]), &f))
		if f.Verdict == nil {
			assert.Equal(t, fullLines[i], c, "line %d: an error line is the same in both forms", i+1)
			continue
		}
		// The keys, strictly: nothing else may creep in.
		var raw struct {
			Line    int                        `json:"line"`
			Verdict map[string]json.RawMessage `json:"verdict"`
		}
		require.NoError(t, json.Unmarshal([]byte(c), &raw))
		assert.Equal(t, i+1, raw.Line, "in input order")
		keys := make([]string, 0, len(raw.Verdict))
		for k := range raw.Verdict {
			keys = append(keys, k)
		}
		assert.ElementsMatch(t, []string{"outcome", "refer", "caution", "missing", "rule_set"}, keys, "line %d", i+1)
		for _, k := range []string{"refer", "caution", "missing"} {
			assert.True(t, strings.HasPrefix(string(raw.Verdict[k]), "["), "line %d: %s is a list, never null", i+1, k)
		}
		var rs map[string]string
		require.NoError(t, json.Unmarshal(raw.Verdict["rule_set"], &rs))
		assert.Equal(t, map[string]string{"name": f.Verdict.RuleSet.Name, "version": f.Verdict.RuleSet.Version, "hash": f.Verdict.RuleSet.Hash}, rs)

		// The values, from the full verdict.
		var cl compactLine
		require.NoError(t, json.Unmarshal([]byte(c), &cl))
		assert.Equal(t, f.Verdict.Outcome, cl.Verdict.Outcome, "line %d", i+1)
		assert.Equal(t, f.Verdict.Missing, cl.Verdict.Missing, "line %d", i+1)
		refer, caution := []string{}, []string{}
		for _, r := range f.Verdict.Reasons {
			switch r.Action {
			case triage.Refer:
				refer = append(refer, r.RuleID)
			case triage.Caution:
				caution = append(caution, r.RuleID)
			default:
				t.Fatalf("line %d: unexpected action %v", i+1, r.Action)
			}
			assert.NotContains(t, c, r.Advice, "line %d: no advice text", i+1)
		}
		assert.Equal(t, refer, cl.Verdict.Refer, "line %d", i+1)
		assert.Equal(t, caution, cl.Verdict.Caution, "line %d", i+1)
		assert.NotContains(t, c, triage.Disclaimer, "line %d: the notice is in the summary, not on each line", i+1)
	}

	assert.NotContains(t, full.stderr, triage.Disclaimer, "the full form's summary is unchanged: every line carries the notice")
	assert.True(t, strings.HasSuffix(compact.stderr, compactNote), "the compact form's summary ends with the notice:\n%s", compact.stderr)
	assert.Contains(t, compact.stderr, "Note: "+triage.Disclaimer+"\n")
	// The counts are the same in both forms.
	countsOf := func(stderr string) string {
		_, after, ok := strings.Cut(stderr, "lines/s): ")
		require.True(t, ok, stderr)
		line, _, _ := strings.Cut(after, "\n")
		return line
	}
	assert.Equal(t, countsOf(full.stderr), countsOf(compact.stderr))
}

func TestBatchCompactArguments(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		args   []string
		reason string
	}{
		{[]string{"check", "--compact", filepath.Join(answersDir, "self-care.json")}, "a single verdict is always printed in full"},
		{[]string{"check", "--compact", "--json", filepath.Join(answersDir, "self-care.json")}, "--json prints the full verdict"},
	} {
		got := runCLI(t, t.Context(), "", tt.args...)
		assert.Equal(t, exitBadInput, got.code, tt.reason)
		assert.Empty(t, got.stdout, "%s: no verdict is printed", tt.reason)
		assert.Contains(t, got.stderr, "--compact works only with --jsonl", tt.reason)
	}
	got := runCLI(t, t.Context(), "", "check", "-h")
	assert.Contains(t, got.stderr, "redflag check --jsonl [--compact] [--rules DIR] [FILE|-]")
	assert.Contains(t, got.stderr, "-compact")
}

func TestBatchSummary(t *testing.T) {
	t.Parallel()
	tests := []struct {
		reason string
		counts batchCounts
		want   string
	}{
		{"no error: no line named", batchCounts{lines: 4, outcomes: map[triage.Outcome]int{triage.SelfCare: 4}},
			"4 lines in 2s (2 lines/s): self_care 4, see_professional 0, incomplete 0, errors 0\n"},
		{"one error: its line", batchCounts{lines: 9, errors: 1, failedLines: []int{7}, outcomes: map[triage.Outcome]int{triage.SeeProfessional: 8}},
			"9 lines in 2s (4 lines/s): self_care 0, see_professional 8, incomplete 0, errors 1 (line 7)\n"},
		{"a few errors: every line", batchCounts{lines: 40, errors: 3, failedLines: []int{7, 12, 40}, outcomes: map[triage.Outcome]int{triage.Incomplete: 37}},
			"40 lines in 2s (20 lines/s): self_care 0, see_professional 0, incomplete 37, errors 3 (lines 7, 12, 40)\n"},
		{"exactly five errors: all five, no ellipsis", batchCounts{lines: 5, errors: 5, failedLines: []int{1, 2, 3, 4, 5}, outcomes: map[triage.Outcome]int{}},
			"5 lines in 2s (2 lines/s): self_care 0, see_professional 0, incomplete 0, errors 5 (lines 1, 2, 3, 4, 5)\n"},
		{"more errors than named: the first five, then an ellipsis", batchCounts{lines: 100, errors: 60, failedLines: []int{3, 5, 8, 13, 21}, outcomes: map[triage.Outcome]int{triage.SelfCare: 40}},
			"100 lines in 2s (50 lines/s): self_care 40, see_professional 0, incomplete 0, errors 60 (lines 3, 5, 8, 13, 21, …)\n"},
	}
	for _, tt := range tests {
		for _, compact := range []bool{false, true} {
			var b bytes.Buffer
			writeSummary(&b, tt.counts, 2*time.Second, compact)
			want := "redflag check --jsonl: " + tt.want
			if compact {
				want += compactNote
			}
			assert.Equal(t, want, b.String(), "%s (compact %v)", tt.reason, compact)
		}
	}
}

// TestBatchSummaryNamesOnlyWrittenLines: a failing line whose result was
// not written in full is neither counted nor named.
func TestBatchSummaryNamesOnlyWrittenLines(t *testing.T) {
	t.Parallel()
	c := &batchChunk{firstLine: 11, results: []lineResult{
		{end: 10, outcome: triage.SelfCare},
		{end: 20, failed: true},
		{end: 30, failed: true},
	}}
	counts := batchCounts{outcomes: map[triage.Outcome]int{}}
	counts.addWritten(c, 25)
	assert.Equal(t, 2, counts.lines)
	assert.Equal(t, 1, counts.errors)
	assert.Equal(t, []int{12}, counts.failedLines, "line 13 was cut off: not named")
}

// TestFormatProgress pins the progress line's text from given values: no
// clock is read.
func TestFormatProgress(t *testing.T) {
	t.Parallel()
	const mb = 1 << 20
	tests := []struct {
		reason string
		p      progress
		want   string
	}{
		{"size unknown (a pipe): as before, no percentage",
			progress{lines: 5000, errors: 2, elapsed: 2 * time.Second, done: 3 * mb},
			"5000 lines, 2500 lines/s, 2 errors"},
		{"no time elapsed yet: a rate of 0, never NaN or Inf",
			progress{lines: 0, elapsed: 0},
			"0 lines, 0 lines/s, 0 errors"},
		{"size known, nothing done yet: no rate to tell the time left",
			progress{elapsed: time.Second, size: 91 * mb},
			"0 lines, 0 lines/s, 0 errors, 0%, time left unknown"},
		{"a quarter done in 10s: 30s left at that rate",
			progress{lines: 1000, elapsed: 10 * time.Second, done: 25 * mb, size: 100 * mb},
			"1000 lines, 100 lines/s, 0 errors, 25%, about 30s left"},
		{"the percentage is rounded down, never 100% before the end",
			progress{lines: 999, elapsed: 999 * time.Second, done: 999_999, size: 1_000_000},
			"999 lines, 1 lines/s, 0 errors, 99%, under 1s left"},
		{"minutes and seconds",
			progress{lines: 42, errors: 1, elapsed: 65 * time.Second, done: 50, size: 100},
			"42 lines, 1 lines/s, 1 errors, 50%, about 1m05s left"},
		{"seconds that round up to a minute",
			progress{lines: 1, elapsed: 59_600 * time.Millisecond, done: 1, size: 2},
			"1 lines, 0 lines/s, 0 errors, 50%, about 1m00s left"},
		{"hours and minutes",
			progress{lines: 1, elapsed: time.Hour + 20*time.Minute + 20*time.Second, done: 1, size: 2},
			"1 lines, 0 lines/s, 0 errors, 50%, about 1h20m left"},
		{"done: 100% and no time left",
			progress{lines: 100000, elapsed: 5 * time.Second, done: 91 * mb, size: 91 * mb},
			"100000 lines, 20000 lines/s, 0 errors, 100%"},
		{"a file that grew while read: never over 100%",
			progress{lines: 10, elapsed: time.Second, done: 120, size: 100},
			"10 lines, 10 lines/s, 0 errors, 100%"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, formatProgress(tt.p), tt.reason)
	}
}

// TestProgressLinePadsOverLongerLines: a shorter line after a longer one
// covers what the longer one left on the terminal.
func TestProgressLinePadsOverLongerLines(t *testing.T) {
	t.Parallel()
	var b bytes.Buffer
	var bar progressLine
	bar.write(&b, progress{lines: 10, elapsed: 10 * time.Second, done: 1, size: 100})  // "about 16m30s left"
	bar.write(&b, progress{lines: 20, elapsed: 10 * time.Second, done: 50, size: 100}) // "about 10s left"
	bar.write(&b, progress{lines: 30, elapsed: 10 * time.Second, done: 100, size: 100})
	assert.Equal(t,
		"\r10 lines, 1 lines/s, 0 errors, 1%, about 16m30s left "+
			"\r20 lines, 2 lines/s, 0 errors, 50%, about 10s left"+"  "+" "+
			"\r30 lines, 3 lines/s, 0 errors, 100%"+strings.Repeat(" ", 15)+" ",
		b.String())
}

// TestBatchProgressWithSize runs a batch with a known input size and a
// clock that ticks one second per reading: every progress line has a
// percentage that never goes back, and the last one says 100%.
func TestBatchProgressWithSize(t *testing.T) {
	t.Parallel()
	eng := defaultEngine(t)
	var in bytes.Buffer
	in.WriteString("\r\n") // a bad line counts towards the size too
	require.NoError(t, gen.Write(&in, eng.Questions(), 1000, 9))
	size := int64(in.Len())
	clock := time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	tick := func() time.Time {
		clock = clock.Add(time.Second)
		return clock
	}
	var out bytes.Buffer
	counts, err := runBatch(t.Context(), eng, &in, io.Discard, batchOptions{
		workers: 2, window: 4, progress: &out, interval: time.Second, size: size, now: tick,
	})
	require.NoError(t, err)
	assert.Equal(t, size, counts.inBytes, "every input byte, line endings included, is counted once written")

	text := out.String()
	require.True(t, strings.HasSuffix(text, " \n"), "%q", text)
	parts := strings.Split(strings.TrimSuffix(text, "\n"), "\r")
	require.Empty(t, parts[0], "each progress line starts with a carriage return: %q", text)
	parts = parts[1:]
	require.Greater(t, len(parts), 2, "a progress line per chunk with this clock: %q", text)
	last := -1
	for i, p := range parts {
		p = strings.TrimRight(p, " ")
		var lines, rate, errs, pct int
		n, err := fmt.Sscanf(p, "%d lines, %d lines/s, %d errors, %d%%", &lines, &rate, &errs, &pct)
		require.NoError(t, err, "progress line %q", p)
		require.Equal(t, 4, n)
		assert.GreaterOrEqual(t, pct, last, "the percentage never goes back: %q", p)
		last = pct
		switch {
		case i < len(parts)-1 && lines == 0:
			// Chunks are evaluated out of order: the first to come back
			// may wait for an earlier one before it is written.
			assert.Regexp(t, `, 0%, time left unknown$`, p, "nothing written yet: no rate")
		case i < len(parts)-1 && pct < 100:
			assert.Regexp(t, `, (about \d+s|under 1s) left$`, p, "while running, the time left")
		}
	}
	// 1001 lines in 16 chunks of at most 64; the clock is read at the
	// start, once per chunk and at the end: 17 ticks, 1001/17 lines/s.
	assert.Equal(t, "1001 lines, 59 lines/s, 1 errors, 100%", strings.TrimRight(parts[len(parts)-1], " "), "the last line: all done")
}

func TestInputSize(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "answers.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(strings.Repeat("{}\n", 100)), 0o644))
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	assert.Equal(t, int64(300), inputSize(f), "a regular file: its size")
	_, err = f.Seek(30, io.SeekStart)
	require.NoError(t, err)
	assert.Equal(t, int64(270), inputSize(f), "standard input redirected from a file read in part: what is left")

	r, w, err := os.Pipe()
	require.NoError(t, err)
	defer r.Close()
	defer w.Close()
	assert.Zero(t, inputSize(r), "a pipe: unknown")
	assert.Zero(t, inputSize(strings.NewReader("{}\n")), "not a file: unknown")
}
