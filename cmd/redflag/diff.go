package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/redflagkit/redflag/internal/jsonl"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/impact"
)

// exitChanged is diff's code for verdicts that changed without anyone
// losing a referral. The other codes are check's: 0 nothing changed, 3
// someone loses a referral, 2 bad input or rules, 1 failure.
const exitChanged = 5

// embeddedName is the --old and --new value that names the embedded rule
// set.
const embeddedName = "embedded"

// diffSide is one of the two rule sets diff compares.
type diffSide struct {
	eng   *triage.Engine
	dir   string // "" for the embedded rule set
	where string // for the report
}

// diffTally is what the human report and the summary need, gathered line
// by line.
type diffTally struct {
	lines, compared, unchanged, errors int
	// groups holds the changes by direction and then by causes, each with
	// its line numbers, in the order first seen.
	groups []*diffGroup
	// errLines holds the first error lines, with their messages, and
	// errNums their numbers.
	errLines []string
	errNums  []int
}

// diffGroup is the changed lines that share a direction and causes.
type diffGroup struct {
	old, new triage.Outcome
	causes   string
	lines    []int
}

func (g *diffGroup) lost() bool {
	return g.old == triage.SeeProfessional && g.new != triage.SeeProfessional
}

// maxErrorLines is how many error lines the human report quotes.
const maxErrorLines = 10

func (t *diffTally) addChange(line int, c impact.Change) {
	causes := c.Causes()
	if causes == "" {
		causes = "no rule changed; the questions still needed did"
	}
	for _, g := range t.groups {
		if g.old == c.Old && g.new == c.New && g.causes == causes {
			g.lines = append(g.lines, line)
			return
		}
	}
	t.groups = append(t.groups, &diffGroup{old: c.Old, new: c.New, causes: causes, lines: []int{line}})
}

// count sums the lines of the groups for which keep is true.
func (t *diffTally) count(keep func(*diffGroup) bool) int {
	n := 0
	for _, g := range t.groups {
		if keep(g) {
			n += len(g.lines)
		}
	}
	return n
}

func (t *diffTally) lost() int { return t.count((*diffGroup).lost) }
func (t *diffTally) outcomeChanged() int {
	return t.count(func(g *diffGroup) bool { return g.old != g.new })
}
func (t *diffTally) changed() int { return t.count(func(*diffGroup) bool { return true }) }

// exit is diff's exit code for a complete run: a lost referral first, then
// bad lines, then any other change.
func (t *diffTally) exit() int {
	switch {
	case t.lost() > 0:
		return exitSeePro
	case t.errors > 0:
		return exitBadInput
	case t.changed() > 0:
		return exitChanged
	}
	return exitSelfCare
}

// The diff --jsonl output lines, by their names here; internal/jsonl holds
// them, shared with redflag-beam.
type (
	diffChangeLine = jsonl.ChangeLine
	diffErrorLine  = jsonl.DiffErrorLine
	diffSummary    = jsonl.Summary
)

// directionOrder is the order directions are reported in: referrals lost
// first, then referrals gained, then the rest.
var directionOrder = jsonl.DirectionOrder

func diffCmd(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("redflag diff", flag.ContinueOnError)
	fset.SetOutput(stderr)
	oldArg := fset.String("old", embeddedName, "the rule set in service: `DIR`, embedded, or the embedded rule set's version")
	newArg := fset.String("new", "", "the changed rule set: `DIR`, or embedded")
	jsonl := fset.Bool("jsonl", false, "one JSON line per changed or bad input line, then a summary object")
	limits := addLimitFlag(fset)
	fset.Usage = func() {
		fmt.Fprintln(stderr, "Usage: redflag diff [--old DIR|embedded|VERSION] --new DIR [--jsonl] [FILE|-]")
		fset.PrintDefaults()
	}
	positional, exit, ok := parseArgs(fset, args)
	if !ok {
		return exit
	}
	if len(positional) > 1 {
		fmt.Fprintf(stderr, "redflag diff: want at most one answers file, got %d\n", len(positional))
		return exitBadInput
	}
	if *newArg == "" {
		fmt.Fprintln(stderr, "redflag diff: --new DIR is required: the changed rule set to compare with --old (default: the embedded rule set)")
		return exitBadInput
	}
	old, code := diffRules("--old", *oldArg, limits, stderr)
	if old == nil {
		return code
	}
	nw, code := diffRules("--new", *newArg, limits, stderr)
	if nw == nil {
		return code
	}

	in, name, closeIn, ok := openInput("diff", positional, stdin, stderr)
	if !ok {
		return exitBadInput
	}
	defer closeIn()

	var t diffTally
	write := func(v any) error { return nil }
	if *jsonl {
		enc := json.NewEncoder(stdout)
		write = enc.Encode
	}
	err := diffLines(ctx, old, nw, in, &t, write)
	if err != nil {
		fmt.Fprintf(stderr, "redflag diff: %s: %s; no summary was written: the comparison is incomplete\n", printable(name), printable(err.Error()))
		return exitFailure
	}
	if *jsonl {
		if err := write(t.summary(old, nw)); err != nil {
			fmt.Fprintf(stderr, "redflag diff: could not write the summary: %s\n", printable(err.Error()))
			return exitFailure
		}
		fmt.Fprintf(stderr, "redflag diff --jsonl: %s\nNote: %s\n", t.oneLine(), triage.Disclaimer)
		return t.exit()
	}
	var buf bytes.Buffer
	t.writeReport(&buf, old, nw)
	if _, err := stdout.Write(buf.Bytes()); err != nil {
		fmt.Fprintf(stderr, "redflag diff: could not write the report: %s\n", printable(err.Error()))
		return exitFailure
	}
	return t.exit()
}

// diffRules loads the rule set that --old or --new (flagName) names:
// "embedded", a directory, or the embedded rule set's version.
// Both sides are loaded under the limits of --limit (nil: the defaults).
func diffRules(flagName, arg string, limits *limitFlag, stderr io.Writer) (*diffSide, int) {
	label := "redflag diff: " + flagName
	dir := arg
	if arg == embeddedName {
		dir = ""
	} else if _, err := os.Stat(arg); err != nil {
		// Not a directory: perhaps the version of the embedded rule set.
		eng, lerr := triage.Load(rules.FS, limits.options()...)
		if lerr == nil && arg == eng.RuleSet().Version {
			return &diffSide{eng: eng, where: "embedded rule set"}, exitSelfCare
		}
		version := "?"
		if lerr == nil {
			version = eng.RuleSet().Version
		}
		fmt.Fprintf(stderr, "%s %s: no such directory, and not the version of the embedded rule set (%s); give the directory of the rule set at that version, for example a checkout of your rules repository at its tag\n",
			label, printable(arg), printable(version))
		return nil, exitBadInput
	}
	rs, code := openRules(dir, label, stderr)
	if rs == nil {
		return nil, code
	}
	eng, err := triage.Load(rs.fsys, limits.options()...)
	if err != nil {
		rs.reportLoadError(stderr, "rules", err)
		return nil, exitBadInput
	}
	return &diffSide{eng: eng, dir: dir, where: rs.where}, exitSelfCare
}

// diffLines reads answers lines from in as check --jsonl does, evaluates
// each under both rule sets, tallies the result in t and writes each
// changed or bad line with write. It stops at a read or write error or
// when ctx ends.
func diffLines(ctx context.Context, old, nw *diffSide, in io.Reader, t *diffTally, write func(any) error) error {
	br := bufio.NewReaderSize(in, 64<<10)
	for {
		line, rerr := jsonl.ReadLine(br, maxLineBytes)
		if line.Read {
			t.lines++
			out := diffLine(ctx, old, nw, t.lines, line, t)
			if err := ctx.Err(); err != nil {
				return fmt.Errorf("stopped at line %d: %w", t.lines, err)
			}
			if out != nil {
				if err := write(out); err != nil {
					return fmt.Errorf("could not write the result of line %d: %w", t.lines, err)
				}
			}
		}
		if rerr == io.EOF {
			return nil
		}
		if rerr != nil {
			return fmt.Errorf("reading line %d: %w", t.lines+1, rerr)
		}
	}
}

// diffLine compares one line and tallies it; it returns the JSON line to
// write, or nil when the line is unchanged.
func diffLine(ctx context.Context, old, nw *diffSide, lineNo int, in jsonl.Line, t *diffTally) any {
	o := jsonl.Eval(ctx, old.eng, lineNo, in, old.dir)
	if in.Problem() != "" {
		// Not an answers object: the same error under any rule set.
		return t.addError(diffErrorLine{Line: lineNo, Error: o.Error, Errors: o.Errors})
	}
	n := jsonl.Eval(ctx, nw.eng, lineNo, in, nw.dir)
	switch {
	case o.Verdict == nil && n.Verdict == nil:
		return t.addError(diffErrorLine{Line: lineNo, RuleSet: "both", Error: o.Error, Errors: o.Errors})
	case o.Verdict == nil:
		return t.addError(diffErrorLine{Line: lineNo, RuleSet: "old", Error: o.Error, Errors: o.Errors})
	case n.Verdict == nil:
		return t.addError(diffErrorLine{Line: lineNo, RuleSet: "new", Error: n.Error, Errors: n.Errors})
	}
	t.compared++
	c, changed := impact.Between(o.Verdict, n.Verdict)
	if !changed {
		t.unchanged++
		return nil
	}
	t.addChange(lineNo, c)
	return jsonl.NewChangeLine(lineNo, c)
}

func (t *diffTally) addError(e diffErrorLine) diffErrorLine {
	t.errors++
	if len(t.errLines) < maxErrorLines {
		msg := e.Error
		if msg == "invalid answers" {
			var parts []string
			for _, ae := range e.Errors {
				parts = append(parts, ae.Question+": "+ae.Message)
			}
			msg += ": " + strings.Join(parts, "; ")
		}
		where := ""
		switch e.RuleSet {
		case "both":
			where = "under both rule sets: "
		case "old", "new":
			where = "under the " + e.RuleSet + " rule set only: "
		}
		t.errLines = append(t.errLines, fmt.Sprintf("line %d: %s%s", e.Line, where, printable(msg)))
		t.errNums = append(t.errNums, e.Line)
	}
	return e
}

func (t *diffTally) summary(old, nw *diffSide) diffSummary {
	c := jsonl.DiffCounts{Lines: t.lines, Compared: t.compared, Unchanged: t.unchanged, Changed: t.changed(), Errors: t.errors}
	for _, d := range directionOrder {
		c.Directions = append(c.Directions, t.count(func(g *diffGroup) bool { return g.old == d[0] && g.new == d[1] }))
	}
	return jsonl.NewSummary(c, jsonl.RuleSetIDOf(old.eng.RuleSet()), jsonl.RuleSetIDOf(nw.eng.RuleSet()))
}

// oneLine is the summary on standard error after --jsonl.
func (t *diffTally) oneLine() string {
	return fmt.Sprintf("%d lines: %d lose a referral, %d other outcome changes, %d with the same outcome but other rules, %d unchanged, errors %d%s",
		t.lines, t.lost(), t.outcomeChanged()-t.lost(), t.changed()-t.outcomeChanged(), t.unchanged, t.errors, failedLinesNote(t.errors, t.errNums[:min(len(t.errNums), summaryLines)]))
}

// writeReport writes the human report: the rule sets, who loses a
// referral (first, always), the other outcome changes, the changes of
// rules only, the unchanged and the errors, and the notice.
func (t *diffTally) writeReport(w io.Writer, old, nw *diffSide) {
	fmt.Fprintf(w, "redflag diff: %d lines, each evaluated under two rule sets\n", t.lines)
	fmt.Fprintf(w, "  old: %s, %s\n", old.eng.RuleSet(), old.where)
	fmt.Fprintf(w, "  new: %s, %s\n", nw.eng.RuleSet(), nw.where)
	oi, ni := old.eng.RuleSet(), nw.eng.RuleSet()
	switch {
	case oi.Hash == ni.Hash:
		fmt.Fprintln(w, "  The two rule sets are the same files: nothing can change.")
	case oi.Name == ni.Name && oi.Version == ni.Version:
		fmt.Fprintf(w, "  Both say version %s, but their files differ: give the changed one a new version before it ships.\n", printable(oi.Version))
	}
	fmt.Fprintln(w)

	if lost := t.lost(); lost > 0 {
		fmt.Fprintf(w, "LOST REFERRALS: %d %s told to see a professional under the old rules %s not under the new ones:\n",
			lost, word(lost, "person", "people"), word(lost, "is", "are"))
		t.writeGroups(w, (*diffGroup).lost)
	} else {
		fmt.Fprintln(w, "No one loses a referral: everyone told to see a professional under the old rules still is.")
	}
	fmt.Fprintln(w)

	other := t.outcomeChanged() - t.lost()
	if other > 0 {
		fmt.Fprintf(w, "Other outcome changes: %d\n", other)
		t.writeGroups(w, func(g *diffGroup) bool { return g.old != g.new && !g.lost() })
	} else {
		fmt.Fprintln(w, "Other outcome changes: none")
	}
	if same := t.changed() - t.outcomeChanged(); same > 0 {
		fmt.Fprintf(w, "Same outcome, other rules: %d\n", same)
		t.writeGroups(w, func(g *diffGroup) bool { return g.old == g.new })
	} else {
		fmt.Fprintln(w, "Same outcome, other rules: none")
	}
	fmt.Fprintf(w, "Unchanged: %d\n", t.unchanged)
	if t.errors > 0 {
		fmt.Fprintf(w, "Not compared, because a rule set could not evaluate them: %d (an error is never a verdict; any of them could hide a lost referral)\n", t.errors)
		for _, l := range t.errLines {
			fmt.Fprintf(w, "  %s\n", l)
		}
		if t.errors > len(t.errLines) {
			fmt.Fprintf(w, "  … and %d more; --jsonl lists every one\n", t.errors-len(t.errLines))
		}
	} else {
		fmt.Fprintln(w, "Not compared: none")
	}
	fmt.Fprintf(w, "\nNote: %s\n", triage.Disclaimer)
}

// writeGroups writes the groups for which keep is true, by direction in
// directionOrder and, within one, in the order first seen.
func (t *diffTally) writeGroups(w io.Writer, keep func(*diffGroup) bool) {
	type dir struct{ old, new triage.Outcome }
	var dirs []dir
	for _, d := range directionOrder {
		dirs = append(dirs, dir{d[0], d[1]})
	}
	for _, o := range []triage.Outcome{triage.SeeProfessional, triage.SelfCare, triage.Incomplete} {
		dirs = append(dirs, dir{o, o})
	}
	for _, d := range dirs {
		var gs []*diffGroup
		n := 0
		for _, g := range t.groups {
			if g.old == d.old && g.new == d.new && keep(g) {
				gs = append(gs, g)
				n += len(g.lines)
			}
		}
		if len(gs) == 0 {
			continue
		}
		if d.old == d.new {
			fmt.Fprintf(w, "  %s, still: %d\n", d.old, n)
		} else {
			fmt.Fprintf(w, "  %s → %s: %d\n", d.old, d.new, n)
		}
		for _, g := range gs {
			fmt.Fprintf(w, "    %s (%d)\n", g.causes, len(g.lines))
			writeLineNumbers(w, "      ", g.lines)
		}
	}
}

// writeLineNumbers writes "line 4" or "lines 4, 9, 12", wrapped.
func writeLineNumbers(w io.Writer, indent string, lines []int) {
	var b strings.Builder
	b.WriteString(indent + word(len(lines), "line", "lines"))
	width := b.Len()
	for i, l := range lines {
		s := fmt.Sprintf(" %d", l)
		if i < len(lines)-1 {
			s += ","
		}
		if width+len(s) > 78 {
			b.WriteString("\n" + indent + "     ")
			width = len(indent) + 5
		}
		b.WriteString(s)
		width += len(s)
	}
	fmt.Fprintln(w, b.String())
}

// word is one when n is 1, else many.
func word(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}
