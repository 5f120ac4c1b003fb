package retriage

import (
	"context"
	"fmt"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/redflagkit/redflag/internal/jsonl"
	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/impact"
)

// DiffOutput is what Diff writes, in "redflag diff --jsonl"'s shapes.
type DiffOutput struct {
	// Changes holds one line per input line whose verdict changed:
	// outcome, or the rules that fired (impact.Between).
	Changes beam.PCollection
	// Errors holds one line per input line that was not compared, with
	// the rule set that refused it: "old", "new", "both", or none when
	// the line holds no answers at all.
	Errors beam.PCollection
	// Summary holds one line: diff --jsonl's summary object.
	Summary beam.PCollection
}

// The output lines of diff --jsonl.
type (
	// ChangeLine is diff --jsonl's line for a changed line.
	ChangeLine = jsonl.ChangeLine
	// DiffErrorLine is diff --jsonl's line for a line that was not
	// compared.
	DiffErrorLine = jsonl.DiffErrorLine
	// Summary is diff --jsonl's last line.
	Summary = jsonl.Summary
	// SummaryBody is diff --jsonl's summary object.
	SummaryBody = jsonl.SummaryBody
	// Direction counts the lines whose outcome moved from Old to New.
	Direction = jsonl.Direction
)

// directionOrder is diff's order of directions: referrals lost first.
var directionOrder = jsonl.DirectionOrder

// Tally counts what diff's summary needs; tallies add up.
type Tally struct {
	Lines, Compared, Unchanged, Changed, Errors int
	// Directions counts outcome changes, in directionOrder.
	Directions []int
}

func mergeTally(a, b Tally) Tally {
	out := Tally{
		Lines: a.Lines + b.Lines, Compared: a.Compared + b.Compared, Unchanged: a.Unchanged + b.Unchanged,
		Changed: a.Changed + b.Changed, Errors: a.Errors + b.Errors,
		Directions: make([]int, len(directionOrder)),
	}
	for i := range out.Directions {
		if i < len(a.Directions) {
			out.Directions[i] += a.Directions[i]
		}
		if i < len(b.Directions) {
			out.Directions[i] += b.Directions[i]
		}
	}
	return out
}

// Diff evaluates every line of chunks under both rule sets and writes what
// changed, as redflag diff --jsonl does. Both engines are built once per
// DoFn instance, in Setup; both rule sets are loaded here first, so that a
// bad rule set fails before the pipeline runs.
func Diff(s beam.Scope, chunks beam.PCollection, old, new Rules) (DiffOutput, error) {
	s = s.Scope("Diff")
	oe, err := old.Load()
	if err != nil {
		return DiffOutput{}, fmt.Errorf("--old: %w", err)
	}
	ne, err := new.Load()
	if err != nil {
		return DiffOutput{}, fmt.Errorf("--new: %w", err)
	}
	changes, errs, tallies := beam.ParDo3(s, &diffFn{Old: old, New: new}, chunks)
	// A zero tally makes the summary appear even for an empty input.
	zero := beam.Create(s, Tally{Directions: make([]int, len(directionOrder))})
	total := beam.Combine(s, mergeTally, beam.Flatten(s, tallies, zero))
	summary := beam.ParDo(s, &summaryFn{Old: jsonl.RuleSetIDOf(oe.RuleSet()), New: jsonl.RuleSetIDOf(ne.RuleSet())}, total)
	return DiffOutput{Changes: changes, Errors: errs, Summary: summary}, nil
}

type diffFn struct {
	Old Rules `json:"old"`
	New Rules `json:"new"`

	old, new *triage.Engine
}

func (f *diffFn) Setup() error {
	var err error
	if f.old, err = f.Old.Load(); err != nil {
		return fmt.Errorf("loading the old rule set: %w", err)
	}
	if f.new, err = f.New.Load(); err != nil {
		return fmt.Errorf("loading the new rule set: %w", err)
	}
	return nil
}

func (f *diffFn) ProcessElement(ctx context.Context, c Chunk, changes, errs func(string), tallies func(Tally)) error {
	t := Tally{Directions: make([]int, len(directionOrder))}
	for _, l := range c.Lines {
		t.Lines++
		out, err := f.line(ctx, l, &t)
		if err != nil {
			return err
		}
		if cerr := ctx.Err(); cerr != nil {
			return cerr
		}
		switch v := out.(type) {
		case nil:
		case DiffErrorLine:
			s, err := marshalLine(v)
			if err != nil {
				return err
			}
			errs(s)
		default:
			s, err := marshalLine(v)
			if err != nil {
				return err
			}
			changes(s)
		}
	}
	tallies(t)
	return nil
}

// line compares one line, as redflag diff does, and tallies it.
func (f *diffFn) line(ctx context.Context, l Line, t *Tally) (any, error) {
	o := evalLine(ctx, f.old, l, f.Old.Dir)
	fail := func(ruleSet string, r Result) (any, error) {
		t.Errors++
		countErrors.Inc(ctx, 1)
		return DiffErrorLine{Line: l.No, RuleSet: ruleSet, Error: r.Error, Errors: r.Errors}, nil
	}
	if l.notAnswers() {
		return fail("", o)
	}
	n := evalLine(ctx, f.new, l, f.New.Dir)
	switch {
	case o.Verdict == nil && n.Verdict == nil:
		return fail("both", o)
	case o.Verdict == nil:
		return fail("old", o)
	case n.Verdict == nil:
		return fail("new", n)
	}
	t.Compared++
	c, changed := impact.Between(o.Verdict, n.Verdict)
	if !changed {
		t.Unchanged++
		countUnchanged.Inc(ctx, 1)
		return nil, nil
	}
	t.Changed++
	countChanged.Inc(ctx, 1)
	for i, d := range directionOrder {
		if c.Old == d[0] && c.New == d[1] {
			t.Directions[i]++
		}
	}
	if c.LostReferral() {
		countLost.Inc(ctx, 1)
	}
	return jsonl.NewChangeLine(l.No, c), nil
}

type summaryFn struct {
	Old RuleSetID `json:"old"`
	New RuleSetID `json:"new"`
}

func (f *summaryFn) ProcessElement(t Tally, emit func(string)) error {
	c := jsonl.DiffCounts{Lines: t.Lines, Compared: t.Compared, Unchanged: t.Unchanged, Changed: t.Changed, Errors: t.Errors, Directions: t.Directions}
	out, err := marshalLine(jsonl.NewSummary(c, f.Old, f.New))
	if err != nil {
		return err
	}
	emit(out)
	return nil
}
