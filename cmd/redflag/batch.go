package main

import (
	"bufio"
	"bytes"
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

	"github.com/redflagkit/redflag/triage"
)

// Batch limits. Together they bound memory whatever the input length:
// at most window chunks are in flight (read, being evaluated, or waiting
// for their turn to be written), and a chunk holds at most chunkLines lines
// and roughly chunkBytes bytes, each line at most maxLineBytes.
const (
	chunkLines   = 64
	chunkBytes   = 256 << 10
	maxLineBytes = 1 << 20
)

// batchLine is one line of --jsonl output: the input line number and either
// a verdict or an error.
type batchLine struct {
	Line    int             `json:"line"`
	Verdict *triage.Verdict `json:"verdict,omitempty"`
	Error   string          `json:"error,omitempty"`
	// Errors names each offending question when the answers did not fit
	// the questionnaire, as AnswerErrors does.
	Errors []answerError `json:"errors,omitempty"`
}

// compactLine is one line of --jsonl --compact output: batchLine with the
// verdict cut down to what a machine needs to count, compare and audit.
// The error forms are batchLine's, unchanged.
type compactLine struct {
	Line    int             `json:"line"`
	Verdict *compactVerdict `json:"verdict,omitempty"`
	Error   string          `json:"error,omitempty"`
	Errors  []answerError   `json:"errors,omitempty"`
}

// compactVerdict is a verdict without the words meant for a person: no
// titles, advice, evidence, citations, self-care guidance or notice. The
// lists are never null, so that a consumer can tell empty from absent.
type compactVerdict struct {
	Outcome triage.Outcome `json:"outcome"`
	// Refer and Caution are the ids of the rules that fired, by action,
	// in the order of Verdict.Reasons.
	Refer   []string       `json:"refer"`
	Caution []string       `json:"caution"`
	Missing []string       `json:"missing"`
	RuleSet compactRuleSet `json:"rule_set"`
}

// compactRuleSet is triage.RuleSetInfo without the title.
type compactRuleSet struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	Hash    string `json:"hash"`
}

// compact is l in its --compact form.
func (l batchLine) compact() compactLine {
	out := compactLine{Line: l.Line, Error: l.Error, Errors: l.Errors}
	v := l.Verdict
	if v == nil {
		return out
	}
	cv := &compactVerdict{
		Outcome: v.Outcome,
		Refer:   []string{},
		Caution: []string{},
		Missing: append([]string{}, v.Missing...),
		RuleSet: compactRuleSet{Name: v.RuleSet.Name, Version: v.RuleSet.Version, Hash: v.RuleSet.Hash},
	}
	for _, r := range v.Reasons {
		if r.Action == triage.Refer {
			cv.Refer = append(cv.Refer, r.RuleID)
		} else {
			cv.Caution = append(cv.Caution, r.RuleID)
		}
	}
	out.Verdict = cv
	return out
}

// answerError is one triage.AnswerError in JSON.
type answerError struct {
	Question string `json:"question"`
	Message  string `json:"message"`
	// Position locates a problem in the line's JSON, such as a syntax
	// error; absent when the problem is an answer that does not fit.
	Position *answerPosition `json:"position,omitempty"`
}

// answerPosition is triage.AnswerError's position: line and column from
// 1 (column in characters), byte offset from 0.
type answerPosition struct {
	Line   int `json:"line"`
	Column int `json:"column"`
	Offset int `json:"offset"`
}

func jsonAnswerError(e *triage.AnswerError) answerError {
	out := answerError{Question: e.Question, Message: e.Msg}
	if e.Line > 0 {
		out.Position = &answerPosition{Line: e.Line, Column: e.Column, Offset: e.Offset}
	}
	return out
}

// batchChunk is a run of consecutive input lines and, once evaluated, their
// output lines.
type batchChunk struct {
	seq       int         // position in the input, counting chunks from 0
	firstLine int         // 1-based input line number of lines[0]
	lines     []inputLine // the input, dropped once evaluated
	out       []byte      // one JSON line per input line
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
			for c := range jobs {
				evalChunk(ctx, eng, c, opts.rulesDir, opts.compact)
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
		line, err := readLine(br, maxLineBytes)
		if line.read {
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
			size += len(line.text)
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

// inputLine is one line of input as readLine returns it.
type inputLine struct {
	text    []byte // without its line ending; nil when tooLong
	tooLong bool   // over the limit: its bytes were skipped as they were read
	// bareCR reports a carriage return that ends no line: the sign of a
	// file with old Mac (CR) line endings, read as one long line.
	bareCR bool
	// read reports that any byte was read, line ending included: a last
	// line holding only "\r" is a line, not the end of the input.
	read bool
	// size is the number of bytes read for the line, line ending included.
	size int
}

// readLine returns the next line, as a copy. A line ends with LF or CRLF;
// at the end of the input a last line may have no line ending, or CR
// alone. At the end of the input it returns the last unterminated line (if
// any) with io.EOF. A line over limit bytes is skipped as it is read, so a
// line of any length costs no more memory than the reader's buffer.
func readLine(br *bufio.Reader, limit int) (inputLine, error) {
	var l inputLine
	for {
		frag, err := br.ReadSlice('\n')
		l.read = l.read || len(frag) > 0
		l.size += len(frag)
		if !l.tooLong {
			if len(l.text)+len(frag) > limit+2 { // +2: the line ending
				l.tooLong, l.text = true, nil
			} else {
				l.text = append(l.text, frag...)
			}
		}
		if l.tooLong && !l.bareCR {
			// The bytes are not kept, so look for a CR that ends no line
			// now (one at the very end of a fragment is left undecided).
			for i, b := range frag[:max(len(frag)-1, 0)] {
				if b == '\r' && frag[i+1] != '\n' {
					l.bareCR = true
					break
				}
			}
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if l.tooLong {
			return l, err
		}
		l.text = bytes.TrimSuffix(l.text, []byte("\n"))
		l.text = bytes.TrimSuffix(l.text, []byte("\r"))
		l.bareCR = bytes.IndexByte(l.text, '\r') >= 0
		return l, err
	}
}

// evalChunk evaluates every line of c and fills c.out and c.results.
// With compact, each line is written in its --compact form.
func evalChunk(ctx context.Context, eng *triage.Engine, c *batchChunk, rulesDir string, compact bool) {
	c.results = make([]lineResult, 0, len(c.lines))
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	encode := func(res batchLine) error {
		if compact {
			return enc.Encode(res.compact())
		}
		return enc.Encode(res)
	}
	for i, line := range c.lines {
		res := evalLine(ctx, eng, c.firstLine+i, line, rulesDir)
		if err := encode(res); err != nil {
			// A verdict always marshals; if not, say so on the line rather
			// than drop it.
			res = batchLine{Line: res.Line, Error: "cannot encode the result: " + err.Error()}
			buf.Truncate(c.end())
			_ = encode(res)
		}
		r := lineResult{end: buf.Len(), failed: res.Verdict == nil, inBytes: line.size}
		if res.Verdict != nil {
			r.outcome = res.Verdict.Outcome
		}
		c.results = append(c.results, r)
	}
	c.out = buf.Bytes()
	c.lines = nil // the input is no longer needed; let it go
	c.cancelled = ctx.Err() != nil
}

// end is where the output of the lines evaluated so far ends.
func (c *batchChunk) end() int {
	if len(c.results) == 0 {
		return 0
	}
	return c.results[len(c.results)-1].end
}

// oldMacHint tells what to do with a file whose lines end with CR alone.
const oldMacHint = `this file seems to use old Mac (CR) line endings; convert it to LF line endings (for example: tr '\r' '\n' < old.jsonl > new.jsonl), as --jsonl reads lines ended by LF or CRLF`

func evalLine(ctx context.Context, eng *triage.Engine, lineNo int, in inputLine, rulesDir string) batchLine {
	res := batchLine{Line: lineNo}
	line := in.text
	switch {
	case in.tooLong && in.bareCR:
		res.Error = fmt.Sprintf("line is longer than %d bytes, and it holds carriage returns (CR) that end no line: %s", maxLineBytes, oldMacHint)
		return res
	case in.tooLong:
		res.Error = fmt.Sprintf("line is longer than %d bytes", maxLineBytes)
		return res
	case in.bareCR:
		res.Error = "the line holds a carriage return (CR) that ends no line: " + oldMacHint
		return res
	}
	if len(bytes.TrimSpace(line)) == 0 {
		res.Error = "empty line: want one JSON object of answers per line"
		return res
	}
	answers, err := eng.DecodeAnswers(bytes.NewReader(line))
	if err != nil {
		res.Error = err.Error()
		var ae *triage.AnswerError
		if errors.As(err, &ae) {
			res.Errors = []answerError{jsonAnswerError(ae)}
		}
		return res
	}
	v, err := eng.Evaluate(ctx, answers)
	if err != nil {
		var ee *triage.EvalError
		if errors.As(err, &ee) {
			ee.Pos.File = inDir(rulesDir, ee.Pos.File)
		}
		res.Error = err.Error()
		var aerrs triage.AnswerErrors
		if errors.As(err, &aerrs) {
			res.Error = "invalid answers"
			for _, e := range aerrs {
				res.Errors = append(res.Errors, jsonAnswerError(e))
			}
		}
		return res
	}
	res.Verdict = v
	return res
}
