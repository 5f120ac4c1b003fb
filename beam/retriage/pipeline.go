// Package retriage re-triages answers on Apache Beam: it reads answers
// JSONL, evaluates every line with a redflag engine built once per worker
// from rule files carried as data, and writes the verdicts (full, or
// compact like "redflag check --jsonl --compact") and, separately, the
// lines that could not be evaluated. Diff compares two rule sets line by
// line as "redflag diff --jsonl" does.
//
// Output lines are check's and diff's own JSON lines, byte for byte; only
// their order differs, as Beam does not keep it: each line carries its
// input line number.
package retriage

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/register"
	"github.com/redflagkit/redflag/internal/jsonl"
	"github.com/redflagkit/redflag/triage"
)

// Chunk is a run of consecutive input lines: the unit the reader emits and
// the evaluators take, so that Beam's per-element cost is paid per chunk.
type Chunk struct {
	Lines []Line `json:"lines"`
}

// Chunk limits: at most chunkLines lines, and a chunk closes once it holds
// chunkBytes (a line is at most MaxLineBytes).
const (
	chunkLines = 256
	chunkBytes = 256 << 10
)

func init() {
	beam.RegisterType(reflect.TypeOf((*Chunk)(nil)).Elem())
	beam.RegisterType(reflect.TypeOf((*Tally)(nil)).Elem())
	register.DoFn3x1[context.Context, string, func(Chunk), error](&readFn{})
	register.DoFn4x1[context.Context, Chunk, func(string), func(string), error](&checkFn{})
	register.DoFn5x1[context.Context, Chunk, func(string), func(string), func(Tally), error](&diffFn{})
	register.DoFn2x1[Tally, func(string), error](&summaryFn{})
	register.Function2x1(mergeTally)
	register.Emitter1[Chunk]()
	register.Emitter1[string]()
	register.Emitter1[Tally]()
}

// Metrics: one counter per outcome and one for errors, in the "redflag"
// namespace; diff counts its own.
var (
	countOutcome = map[triage.Outcome]beam.Counter{
		triage.SelfCare:        beam.NewCounter("redflag", "self_care"),
		triage.SeeProfessional: beam.NewCounter("redflag", "see_professional"),
		triage.Incomplete:      beam.NewCounter("redflag", "incomplete"),
	}
	countErrors    = beam.NewCounter("redflag", "errors")
	countUnchanged = beam.NewCounter("redflag", "diff_unchanged")
	countChanged   = beam.NewCounter("redflag", "diff_changed")
	countLost      = beam.NewCounter("redflag", "diff_lost_referral")
)

// ReadLines reads the answers file at path (any Beam file system: a local
// path, gs://…) into chunks of numbered lines, by check --jsonl's line
// rules, and reshuffles them so that evaluation spreads over the workers.
// One worker reads the file, as the line numbers need a count from its
// start; evaluation, the costly part, is parallel.
func ReadLines(s beam.Scope, path string) beam.PCollection {
	s = s.Scope("ReadLines")
	files := beam.Create(s, path)
	chunks := beam.ParDo(s, &readFn{}, files)
	return beam.Reshuffle(s, chunks)
}

type readFn struct{}

func (*readFn) ProcessElement(ctx context.Context, path string, emit func(Chunk)) error {
	fsys, err := filesystem.New(ctx, path)
	if err != nil {
		return err
	}
	defer fsys.Close()
	r, err := fsys.OpenRead(ctx, path)
	if err != nil {
		return err
	}
	defer r.Close()
	return splitLines(r, emit)
}

// splitLines reads r line by line and emits the lines in chunks.
func splitLines(r io.Reader, emit func(Chunk)) error {
	br := bufio.NewReaderSize(r, 64<<10)
	var c Chunk
	size, no := 0, 0
	for {
		l, err := jsonl.ReadLine(br, MaxLineBytes)
		if l.Read {
			no++
			c.Lines = append(c.Lines, Line{No: no, Text: l.Text, TooLong: l.TooLong, BareCR: l.BareCR})
			size += len(l.Text)
			if len(c.Lines) == chunkLines || size >= chunkBytes {
				emit(c)
				c, size = Chunk{}, 0
			}
		}
		if err != nil {
			if len(c.Lines) > 0 {
				emit(c)
			}
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("reading line %d: %w", no+1, err)
		}
	}
}

// CheckOutput is what Check writes: one JSON line per input line, either
// in Verdicts or in Errors.
type CheckOutput struct {
	// Verdicts holds check --jsonl's verdict lines, {"line":N,"verdict":…}.
	Verdicts beam.PCollection
	// Errors holds check --jsonl's error lines,
	// {"line":N,"error":…,"errors":[…]}: every line that has no verdict,
	// with its number and, for a syntax error, the position in the line.
	Errors beam.PCollection
}

// Check evaluates every line of chunks (from ReadLines) under rules, with
// an engine built once per DoFn instance, in Setup. With compact, verdicts
// are in check --jsonl --compact's form.
func Check(s beam.Scope, chunks beam.PCollection, rules Rules, compact bool) CheckOutput {
	s = s.Scope("Check")
	v, e := beam.ParDo2(s, &checkFn{Rules: rules, Compact: compact}, chunks)
	return CheckOutput{Verdicts: v, Errors: e}
}

type checkFn struct {
	Rules   Rules `json:"rules"`
	Compact bool  `json:"compact"`

	eng *triage.Engine
}

func (f *checkFn) Setup() error {
	eng, err := f.Rules.Load()
	if err != nil {
		return fmt.Errorf("loading the rule set: %w", err)
	}
	f.eng = eng
	return nil
}

func (f *checkFn) ProcessElement(ctx context.Context, c Chunk, verdicts, errs func(string)) error {
	for _, l := range c.Lines {
		res := evalLine(ctx, f.eng, l, f.Rules.Dir)
		if err := ctx.Err(); err != nil {
			// Cancelled: the result may be the cancellation, not the
			// line's; fail the bundle rather than write it.
			return err
		}
		var v any = res
		if f.Compact {
			v = res.Compact()
		}
		out, err := marshalLine(v)
		if err != nil {
			res = Result{Line: res.Line, Error: "cannot encode the result: " + err.Error()}
			if out, err = marshalLine(res); err != nil {
				return err
			}
		}
		if res.Verdict == nil {
			countErrors.Inc(ctx, 1)
			errs(out)
			continue
		}
		countOutcome[res.Verdict.Outcome].Inc(ctx, 1)
		verdicts(out)
	}
	return nil
}
