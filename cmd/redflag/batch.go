package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/redflagkit/redflag/internal/jsonl"
	"github.com/redflagkit/redflag/triage"
)

// Batch limits. Together they bound memory whatever the input length:
// at most window chunks are in flight (read, being evaluated, or waiting
// for their turn to be written), and a chunk holds at most chunkLines lines
// and roughly chunkBytes bytes, each line at most maxLineBytes.
const (
	chunkLines   = 64
	chunkBytes   = 256 << 10
	maxLineBytes = jsonl.MaxLineBytes
)

// The --jsonl output lines, by their names here; internal/jsonl holds
// them, shared with redflag-beam.
type (
	batchLine      = jsonl.Result
	compactLine    = jsonl.CompactResult
	answerError    = jsonl.AnswerError
	answerPosition = jsonl.Position
)

// batchChunk is a run of consecutive input lines and, once evaluated, their
// output lines.
type batchChunk struct {
	seq       int          // position in the input, counting chunks from 0
	firstLine int          // 1-based input line number of lines[0]
	lines     []jsonl.Line // the input, dropped once evaluated
	out       []byte       // one JSON line per input line
	// results holds, for each output line, where it ends in out and what
	// it counts as, so that a write cut short counts only whole lines.
	results []lineResult
	// cancelled is set when ctx ended during evaluation: some lines may
	// hold the cancellation instead of a verdict, so none is written.
	cancelled bool
}

// lineResult is what one output line counts as in the summary.
type lineResult struct {
	end     int // offset in batchChunk.out just past the line's newline
	outcome triage.Outcome
	failed  bool // an error, not a verdict
	inBytes int  // the input line's size, line ending included
}

// summaryLines is how many failing line numbers the summary names.
const summaryLines = 5

// batchCounts tallies results for the summary.
type batchCounts struct {
	outcomes map[triage.Outcome]int
	errors   int
	lines    int
	// failedLines holds the numbers of the first summaryLines lines that
	// got an error, in input order.
	failedLines []int
	// inBytes is the input size of the lines counted, for progress.
	inBytes int64
}

// addWritten counts the lines of c whose output lies within its first n
// bytes, the ones that were written in full.
func (t *batchCounts) addWritten(c *batchChunk, n int) {
	for i, r := range c.results {
		if r.end > n {
			return
		}
		if r.failed {
			t.errors++
			if len(t.failedLines) < summaryLines {
				t.failedLines = append(t.failedLines, c.firstLine+i)
			}
		} else {
			t.outcomes[r.outcome]++
		}
		t.lines++
		t.inBytes += int64(r.inBytes)
	}
}

// writeError is a failure to write the results: the run stops there.
type writeError struct {
	line int // the input line whose result could not be written in full
	err  error
}

func (e *writeError) Error() string {
	what := "no result was written in full"
	if e.line > 1 {
		what = fmt.Sprintf("the output holds the results of lines 1 to %d in full; anything after them is missing or cut off", e.line-1)
	}
	return fmt.Sprintf("could not write the result of line %d, so the run stopped: %v; %s", e.line, e.err, what)
}

func (e *writeError) Unwrap() error { return e.err }

// batchOptions configures runBatch; tests shrink the window and workers.
type batchOptions struct {
	workers  int
	window   int           // chunks in flight; bounds memory
	progress io.Writer     // nil: no progress line
	interval time.Duration // between progress lines
	// size is the input's size in bytes, for the percentage and time left
	// on the progress line; 0 when unknown, as for a pipe.
	size     int64
	now      func() time.Time // the clock for progress; nil: time.Now
	rulesDir string           // --rules, to name rule files in errors as check does
	compact  bool             // --compact: compactLine instead of batchLine
}

// checkJSONL is "redflag check --jsonl": it evaluates one answers object per
// input line and writes one JSON result per line, in input order.
// With compact, each verdict is written in its --compact form.
func checkJSONL(ctx context.Context, eng *triage.Engine, rulesDir string, compact bool, in io.Reader, name string, stdout, stderr io.Writer) int {
	workers := runtime.GOMAXPROCS(0)
	opts := batchOptions{workers: workers, window: 4 * workers, interval: time.Second, rulesDir: rulesDir, compact: compact}
	if isTerminal(stderr) {
		opts.progress = stderr
		opts.size = inputSize(in)
	}
	start := time.Now()
	counts, err := runBatch(ctx, eng, in, stdout, opts)
	elapsed := time.Since(start)
	writeSummary(stderr, counts, elapsed, compact)
	var werr *writeError
	if errors.As(err, &werr) {
		fmt.Fprintf(stderr, "redflag check: %s\n", printable(err.Error()))
		return exitFailure
	}
	if err != nil {
		fmt.Fprintf(stderr, "redflag check: %s: %s\n", printable(name), printable(err.Error()))
		return exitFailure
	}
	if counts.errors > 0 {
		return exitBadInput
	}
	return exitSelfCare
}

// inputSize is how many bytes are left to read from in when it is a
// regular file (a FILE argument, or standard input redirected from a
// file), and 0 when that is unknown: a pipe, a terminal, a device.
func inputSize(in io.Reader) int64 {
	f, ok := in.(*os.File)
	if !ok {
		return 0
	}
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return 0
	}
	off, err := f.Seek(0, io.SeekCurrent)
	if err != nil {
		return 0
	}
	return max(st.Size()-off, 0)
}

// isTerminal reports whether w is a character device such as a terminal.
func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && isTerminalFile(f)
}

// compactNote ends the summary of a --compact run: its lines carry
// neither advice nor the not-a-diagnosis notice, so the summary does.
const compactNote = "Compact lines hold no advice and no notice; what a person reads must come from the full verdict.\nNote: " + triage.Disclaimer + "\n"

// writeSummary writes the summary of a --jsonl run, and with compact the
// note that compact lines leave out.
func writeSummary(w io.Writer, c batchCounts, elapsed time.Duration, compact bool) {
	rate := 0.0
	if s := elapsed.Seconds(); s > 0 {
		rate = float64(c.lines) / s
	}
	fmt.Fprintf(w, "redflag check --jsonl: %d lines in %s (%.0f lines/s): self_care %d, see_professional %d, incomplete %d, errors %d%s\n",
		c.lines, elapsed.Round(time.Millisecond), rate,
		c.outcomes[triage.SelfCare], c.outcomes[triage.SeeProfessional], c.outcomes[triage.Incomplete], c.errors,
		failedLinesNote(c.errors, c.failedLines))
	if compact {
		fmt.Fprint(w, compactNote)
	}
}

// failedLinesNote names the first failing lines after the error count:
// " (line 7)", " (lines 7, 12, 40)", or with more errors than lines named,
// " (lines 1, 2, 3, 4, 5, …)"; nothing when no line failed.
func failedLinesNote(errors int, lines []int) string {
	if errors == 0 || len(lines) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(" (line")
	if errors > 1 {
		b.WriteString("s")
	}
	for i, l := range lines {
		if i > 0 {
			b.WriteString(",")
		}
		fmt.Fprintf(&b, " %d", l)
	}
	if errors > len(lines) {
		b.WriteString(", …")
	}
	b.WriteString(")")
	return b.String()
}

// runBatch reads lines from in, evaluates them on opts.workers goroutines
// and writes results to out in input order. A bad line is reported on its
// own output line and never stops the run; only a read or write failure or
// a cancelled ctx does. The counts returned are of the lines written in
// full; a write failure is a *writeError naming where the output stops.
//
// Memory stays flat: the reader takes a slot before reading a chunk and the
// writer frees it after writing the chunk, so at most opts.window chunks
// exist at any time, and the reorder buffer is a ring of that many slots.
func runBatch(ctx context.Context, eng *triage.Engine, in io.Reader, out io.Writer, opts batchOptions) (batchCounts, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	slots := make(chan struct{}, opts.window)
	p := startBatch(ctx, eng, in, slots, opts)
	w := &batchWriter{
		out:    out,
		ring:   make([]*batchChunk, opts.window),
		slots:  slots,
		cancel: cancel,
		total:  batchCounts{outcomes: map[triage.Outcome]int{}},
	}
	prog := newBatchProgress(opts)
	for c := range p.done {
		w.add(c)
		prog.tick(w.total)
	}
	prog.finish(w.total)
	switch {
	case w.err != nil:
		return w.total, w.err
	case p.readErr != nil:
		return w.total, p.readErr
	}
	return w.total, ctx.Err()
}

// batchPipeline is a running batch: one reader and opts.workers evaluators.
type batchPipeline struct {
	// done delivers the evaluated chunks, in any order; it is closed once
	// the reader and every evaluator have finished.
	done chan *batchChunk
	// readErr is the reader's error, set before done is closed: read it
	// only after that.
	readErr error
}

// startBatch starts the reader, which takes a slot from slots for each
// chunk it reads, and the evaluators, which pass the chunks to done.
func startBatch(ctx context.Context, eng *triage.Engine, in io.Reader, slots chan struct{}, opts batchOptions) *batchPipeline {
	p := &batchPipeline{done: make(chan *batchChunk, opts.window)}
	jobs := make(chan *batchChunk, opts.window)
	go func() {
		defer close(jobs)
		p.readErr = readChunks(ctx, in, slots, jobs)
	}()

	var wg sync.WaitGroup
	for range opts.workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			enc := jsonl.NewEncoder()
			for c := range jobs {
				evalChunk(ctx, eng, enc, c, opts.rulesDir, opts.compact)
				p.done <- c
			}
		}()
	}
	go func() {
		wg.Wait()
		close(p.done)
	}()
	return p
}

// batchWriter writes evaluated chunks, which arrive in any order, to out
// in sequence. A chunk's seq is below next+len(ring) (the reader could not
// have taken its slot otherwise), so the ring never overwrites a pending
// chunk.
type batchWriter struct {
	out    io.Writer
	ring   []*batchChunk // the reorder buffer, one entry per slot
	next   int           // seq of the chunk to write next
	slots  chan struct{} // freed, one per chunk, once it is written or skipped
	cancel context.CancelFunc
	total  batchCounts // of the lines written in full
	err    error       // a *writeError once a write failed
	// stopped is set once a chunk was cancelled: nothing after it is
	// written.
	stopped bool
}

// add takes c and writes every chunk that is now next in sequence.
func (w *batchWriter) add(c *batchChunk) {
	size := len(w.ring)
	w.ring[c.seq%size] = c
	for {
		r := w.ring[w.next%size]
		if r == nil || r.seq != w.next {
			return
		}
		w.ring[w.next%size] = nil
		w.write(r)
		w.next++
		<-w.slots
	}
}

// write writes r's output, unless the run stopped or a write failed. It
// writes with one Write straight to out, unbuffered, so that a failure is
// seen at the chunk it hits and nothing is counted that did not reach out.
func (w *batchWriter) write(r *batchChunk) {
	w.stopped = w.stopped || r.cancelled
	if w.err != nil || w.stopped {
		return
	}
	n, err := w.out.Write(r.out)
	if err == nil && n < len(r.out) {
		err = io.ErrShortWrite
	}
	w.total.addWritten(r, n)
	if err != nil {
		// Every line before it was written: one output line per input
		// line, in order.
		w.err = &writeError{line: w.total.lines + 1, err: err}
		w.cancel() // stop reading: nobody can see the results
	}
}

// batchProgress writes a progress line at most every interval, and a last
// one at the end, when opts.progress is set.
type batchProgress struct {
	w        io.Writer // nil: no progress line
	interval time.Duration
	size     int64
	now      func() time.Time
	start    time.Time
	last     time.Time // when the last progress line was written
	bar      progressLine
}

func newBatchProgress(opts batchOptions) *batchProgress {
	p := &batchProgress{w: opts.progress, interval: opts.interval, size: opts.size, now: opts.now}
	if p.now == nil {
		p.now = time.Now
	}
	// The clock is read here even when no progress is shown: a test clock
	// that ticks once per reading relies on the count.
	p.start = p.now()
	return p
}

// tick writes a progress line for total if the last one is interval old.
func (p *batchProgress) tick(total batchCounts) {
	if p.w == nil {
		return
	}
	if t := p.now(); t.Sub(p.last) >= p.interval {
		p.last = t
		p.bar.write(p.w, progressOf(total, t.Sub(p.start), p.size))
	}
}

// finish writes the last progress line, for total, and ends it.
func (p *batchProgress) finish(total batchCounts) {
	if p.w == nil {
		return
	}
	p.bar.write(p.w, progressOf(total, p.now().Sub(p.start), p.size))
	fmt.Fprint(p.w, "\n")
}

// progress is what a progress line shows.
type progress struct {
	lines, errors int
	elapsed       time.Duration
	// done is the input size of the lines written; size is the input's
	// size, 0 when unknown.
	done, size int64
}

func progressOf(c batchCounts, elapsed time.Duration, size int64) progress {
	return progress{lines: c.lines, errors: c.errors, elapsed: elapsed, done: c.inBytes, size: size}
}

// formatProgress is the text of a progress line: lines, rate and errors,
// and when the input's size is known, the share of it done and the time
// left at the rate so far.
func formatProgress(p progress) string {
	rate := 0.0
	if s := p.elapsed.Seconds(); s > 0 {
		rate = float64(p.lines) / s
	}
	text := fmt.Sprintf("%d lines, %.0f lines/s, %d errors", p.lines, rate, p.errors)
	if p.size <= 0 {
		return text
	}
	if p.done >= p.size {
		return text + ", 100%"
	}
	// Rounded down: 100% only once everything is done.
	text += fmt.Sprintf(", %d%%", p.done*100/p.size)
	if p.done <= 0 || p.elapsed <= 0 {
		return text + ", time left unknown"
	}
	left := time.Duration(float64(p.elapsed) * float64(p.size-p.done) / float64(p.done))
	return text + ", " + formatLeft(left)
}

// formatLeft says how long is left: "about 42s left", "about 3m05s left",
// "about 1h20m left".
func formatLeft(d time.Duration) string {
	s := d.Round(time.Second)
	switch {
	case d < time.Second:
		return "under 1s left"
	case s < time.Minute:
		return fmt.Sprintf("about %ds left", int(s/time.Second))
	case s < time.Hour:
		return fmt.Sprintf("about %dm%02ds left", int(s/time.Minute), int(s%time.Minute/time.Second))
	default:
		m := d.Round(time.Minute)
		return fmt.Sprintf("about %dh%02dm left", int(m/time.Hour), int(m%time.Hour/time.Minute))
	}
}

// progressLine writes progress lines over each other on a terminal.
type progressLine struct {
	width int // of the text last written
}

// write overwrites the progress line in place, padding with spaces over
// what a longer previous line left.
func (b *progressLine) write(w io.Writer, p progress) {
	text := formatProgress(p)
	pad := max(b.width-len(text), 0)
	b.width = len(text)
	fmt.Fprintf(w, "\r%s%s ", text, strings.Repeat(" ", pad))
}

// readChunks splits in into chunks of lines and sends them to jobs, taking
// one slot from slots for each. A line longer than maxLineBytes is
// discarded as it is read and reported as an error, so one bad line cannot
// exhaust memory.
func readChunks(ctx context.Context, in io.Reader, slots chan struct{}, jobs chan<- *batchChunk) error {
	br := bufio.NewReaderSize(in, 64<<10)
	lineNo, seq := 0, 0
	var c *batchChunk
	size := 0
	send := func() bool {
		select {
		case jobs <- c:
		case <-ctx.Done():
			return false
		}
		seq++
		c, size = nil, 0
		return true
	}
	for {
		line, err := jsonl.ReadLine(br, maxLineBytes)
		if line.Read {
			if c == nil {
				select {
				case slots <- struct{}{}:
				case <-ctx.Done():
					return ctx.Err()
				}
				c = &batchChunk{seq: seq, firstLine: lineNo + 1}
			}
			lineNo++
			c.lines = append(c.lines, line)
			size += len(line.Text)
			if len(c.lines) == chunkLines || size >= chunkBytes {
				if !send() {
					return ctx.Err()
				}
			}
		}
		if err != nil {
			if c != nil && !send() {
				return ctx.Err()
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("reading line %d: %w", lineNo+1, err)
		}
	}
}

// evalChunk evaluates every line of c and fills c.out and c.results.
// With compact, each line is written in its --compact form. enc belongs
// to the calling goroutine and keeps what it encoded once for the next
// chunks.
func evalChunk(ctx context.Context, eng *triage.Engine, enc *jsonl.Encoder, c *batchChunk, rulesDir string, compact bool) {
	c.results = make([]lineResult, 0, len(c.lines))
	out := make([]byte, 0, chunkOutBytes*len(c.lines))
	encode := func(res batchLine) ([]byte, error) {
		if compact {
			return appendJSON(out, res.Compact())
		}
		return enc.AppendResult(out, res)
	}
	for i, line := range c.lines {
		res := jsonl.Eval(ctx, eng, c.firstLine+i, line, rulesDir)
		b, err := encode(res)
		if err != nil {
			// A verdict always marshals; if not, say so on the line rather
			// than drop it.
			res = batchLine{Line: res.Line, Error: "cannot encode the result: " + err.Error()}
			b, _ = encode(res)
		}
		out = b
		r := lineResult{end: len(out), failed: res.Verdict == nil, inBytes: line.Size}
		if res.Verdict != nil {
			r.outcome = res.Verdict.Outcome
		}
		c.results = append(c.results, r)
	}
	c.out = out
	c.lines = nil // the input is no longer needed; let it go
	c.cancelled = ctx.Err() != nil
}

// chunkOutBytes is roughly the size of one full verdict line, so that a
// chunk's output buffer seldom grows.
const chunkOutBytes = 2 << 10

// appendJSON appends v as encoding/json's Encoder writes it.
func appendJSON(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	dst = append(dst, b...)
	return append(dst, '\n'), nil
}
