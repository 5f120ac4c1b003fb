// Command redflag evaluates red-flag symptom questionnaires against a CEL
// rule set: by default the embedded rule set about self-adjusting
// ("popping") the upper back.
//
// Usage:
//
//	redflag check [--rules DIR] [--json] [FILE|-]
//	redflag check --jsonl [--compact] [--rules DIR] [FILE|-]
//	redflag ask [--rules DIR] [--all] [--save FILE]
//	redflag diff [--old DIR] --new DIR [--jsonl] [FILE|-]
//	redflag serve [--rules DIR] [--addr 127.0.0.1:8080] [flags]
//
// check reads one JSON object of answers (from FILE, or standard input when
// FILE is "-" or absent) and prints the verdict. With --jsonl it reads one
// answers object per line and writes one JSON result per line, in order,
// using every core; --compact keeps only outcome, rule ids, missing
// questions and rule set. ask asks the questionnaire on a terminal (or reads
// typed answers from a pipe), then, once the outcome is self-care, the
// optional questions that could add a caution, and prints the verdict as
// check does.
//
// Exit codes:
//
//	0  self-care is OK
//	3  see a professional
//	4  incomplete: more answers are needed
//	2  bad input or bad rules (the error is on standard error)
//	1  anything else
//
// redflag supports triage; it is not a diagnosis.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// Exit codes.
const (
	exitSelfCare   = 0
	exitFailure    = 1
	exitBadInput   = 2
	exitSeePro     = 3
	exitIncomplete = 4
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdin, os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}

const usage = `redflag — red-flag symptom triage with CEL rules

Usage:
  redflag check [--rules DIR] [--json] [FILE|-]   evaluate one answers JSON object
  redflag check --jsonl [--compact] [--rules DIR] [FILE|-]
                                                   evaluate one answers object per line
  redflag ask [--rules DIR] [--all] [--save FILE]  answer the questionnaire interactively
  redflag diff [--old DIR] --new DIR [--jsonl] [FILE|-]
                                                   compare two rule sets on one answers object per line
  redflag test [flags] [DIR]                       run a rule set's test cases (see redflag test -h)
  redflag lint [--fhir] [DIR]                      check a rule set and its test cases without running them
  redflag init DIR                                 write an example rule set with test cases to start from
  redflag serve [--rules DIR] [--addr ADDR] [flags]
                                                   serve the form, the JSON API, FHIR and CDS Hooks over HTTP (see redflag serve -h)
  redflag help                                     show this help

check reads answers from FILE, or from standard input when FILE is "-" or
absent, and prints the verdict. --rules loads a rule set from DIR instead of
the embedded default (self-adjusting the upper back).

ask asks only the questions that can still change the outcome; once the
outcome is self-care it goes on to the optional ones that could add a
caution, each skippable (--all: every question that applies). Then it
prints the verdict as check does; --save writes the answers as JSON for
check. It exits with check's codes.

--jsonl writes {"line": N, "verdict": {...}} or {"line": N, "error": "..."}
per input line, in input order, and a summary on standard error; it exits
0 when every line has a verdict, 2 when any line is bad, 1 on failure.
Input lines end with LF or CRLF; a line holding a carriage return that ends
no line (old Mac line endings) is refused with a hint to convert the file.
If the output cannot be written, the run stops and says the last line
written in full, the summary counts only lines written, and it exits 1.
--compact writes each verdict as {"outcome", "refer", "caution",
"missing", "rule_set"} only (about a sixth of the size): no advice and no
notice, for machines; error lines are unchanged.

diff evaluates each line under the old rule set (--old: a directory, or
the embedded one, the default) and the new one, and reports who changes
outcome and through which rules; anyone who loses a referral comes first.
It exits 0 when nothing changed, 3 when anyone loses a referral, 5 when
verdicts changed otherwise, 2 when a line is bad, 1 on failure.

serve runs the HTTP service (docs/serve.md) until SIGINT or SIGTERM, on
127.0.0.1:8080 unless --addr says otherwise; with --rules it reloads the
rule set when it changes (at once on SIGHUP) and keeps the last good one
when an edit is broken. It logs JSON lines on standard error, without
answers or other health data, and exits 0 after a graceful shutdown.

Exit codes: 0 self-care, 3 see a professional, 4 incomplete,
2 bad input or bad rules, 1 anything else.

` + triage.Disclaimer + "\n"

// run is the whole program, minus process exit, so tests can call it.
func run(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return exitBadInput
	}
	switch args[0] {
	case "check":
		return check(ctx, args[1:], stdin, stdout, stderr)
	case "test":
		return testRules(ctx, args[1:], stdout, stderr)
	case "lint":
		return lint(args[1:], stdout, stderr)
	case "init":
		return initRules(args[1:], stdout, stderr)
	case "ask":
		return ask(ctx, args[1:], stdin, stdout, stderr)
	case "diff":
		return diffCmd(ctx, args[1:], stdin, stdout, stderr)
	case "serve":
		return serveCmd(ctx, args[1:], stderr)
	case "help", "-h", "-help", "--help":
		fmt.Fprint(stdout, usage)
		return exitSelfCare
	default:
		fmt.Fprintf(stderr, "redflag: unknown command %s\n\n%s", quote(args[0]), usage)
		return exitBadInput
	}
}

// check is "redflag check": one answers object, or with --jsonl one per
// line.
func check(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("redflag check", flag.ContinueOnError)
	fset.SetOutput(stderr)
	rulesDir := fset.String("rules", "", "load the rule set from `DIR` instead of the embedded default")
	asJSON := fset.Bool("json", false, "print the verdict as JSON")
	jsonl := fset.Bool("jsonl", false, "batch: one answers object per input line, one JSON result per output line")
	compact := fset.Bool("compact", false, "with --jsonl: each verdict as outcome, fired rule ids, missing question ids and rule set only, without advice or notice")
	limits := addLimitFlag(fset)
	fset.Usage = func() {
		fmt.Fprintln(stderr, "Usage: redflag check [--rules DIR] [--json] [FILE|-]")
		fmt.Fprintln(stderr, "       redflag check --jsonl [--compact] [--rules DIR] [FILE|-]")
		fset.PrintDefaults()
	}
	positional, exit, ok := parseArgs(fset, args)
	if !ok {
		return exit
	}
	// Arguments that cannot work are refused before the rules load, so
	// that a mistake in them is what gets reported.
	if !checkArgsFit(positional, *asJSON, *jsonl, *compact, stderr) {
		return exitBadInput
	}

	eng, code := loadEngine(*rulesDir, limits, stderr)
	if eng == nil {
		return code
	}

	in, name, closeIn, ok := openInput("check", positional, stdin, stderr)
	if !ok {
		return exitBadInput
	}
	defer closeIn()
	if *jsonl {
		return checkJSONL(ctx, eng, *rulesDir, *compact, in, name, stdout, stderr)
	}
	return checkOne(ctx, eng, *rulesDir, *asJSON, in, name, stdout, stderr)
}

// checkArgsFit reports whether check's arguments go together, saying why
// not on stderr.
func checkArgsFit(positional []string, asJSON, jsonl, compact bool, stderr io.Writer) bool {
	switch {
	case len(positional) > 1:
		fmt.Fprintf(stderr, "redflag check: want at most one answers file, got %d\n", len(positional))
	case asJSON && jsonl:
		fmt.Fprintln(stderr, "redflag check: --json and --jsonl cannot be combined; --jsonl already writes JSON")
	case compact && !jsonl:
		fmt.Fprintln(stderr, "redflag check: --compact works only with --jsonl; a single verdict is always printed in full")
	default:
		return true
	}
	return false
}

// checkOne is "redflag check" without --jsonl: it evaluates the one
// answers object in "in" (name, for messages), prints the verdict, as JSON
// with asJSON, and exits with the verdict's outcome.
func checkOne(ctx context.Context, eng *triage.Engine, rulesDir string, asJSON bool, in io.Reader, name string, stdout, stderr io.Writer) int {
	v, code, ok := evaluateOne(ctx, eng, rulesDir, in, name, stderr)
	if !ok {
		return code
	}
	var err error
	if asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		err = enc.Encode(v)
	} else {
		err = writeVerdict(stdout, eng, v)
	}
	if err != nil {
		fmt.Fprintf(stderr, "redflag check: %s\n", printable(err.Error()))
		return exitFailure
	}
	return outcomeExit(v.Outcome)
}

// evaluateOne decodes one answers object from in and evaluates it. When
// either fails, it says why on stderr and ok is false: answers that are
// bad exit with exitBadInput, a rule that fails to evaluate with
// exitFailure.
func evaluateOne(ctx context.Context, eng *triage.Engine, rulesDir string, in io.Reader, name string, stderr io.Writer) (v *triage.Verdict, code int, ok bool) {
	answers, err := eng.DecodeAnswers(in)
	if err != nil {
		fmt.Fprintf(stderr, "redflag check: %s: %s\n", printable(name), printable(err.Error()))
		return nil, exitBadInput, false
	}
	v, err = eng.Evaluate(ctx, answers)
	if err == nil {
		return v, exitSelfCare, true
	}
	var aerrs triage.AnswerErrors
	if errors.As(err, &aerrs) {
		fmt.Fprintf(stderr, "redflag check: %s: invalid answers:\n", printable(name))
		for _, e := range aerrs {
			fmt.Fprintf(stderr, "  %s\n", printable(e.Error()))
		}
		return nil, exitBadInput, false
	}
	var ee *triage.EvalError
	if errors.As(err, &ee) {
		ee.Pos.File = inDir(rulesDir, ee.Pos.File)
	}
	fmt.Fprintf(stderr, "redflag check: %s\n", printable(err.Error()))
	return nil, exitFailure, false
}

// outcomeExit is the exit code for a verdict's outcome.
func outcomeExit(o triage.Outcome) int {
	switch o {
	case triage.SelfCare:
		return exitSelfCare
	case triage.SeeProfessional:
		return exitSeePro
	case triage.Incomplete:
		return exitIncomplete
	}
	return exitFailure
}

// loadEngine loads the embedded rule set, or the one in dir, under the
// limits of --limit (nil: the defaults).
func loadEngine(dir string, limits *limitFlag, stderr io.Writer) (*triage.Engine, int) {
	rs, code := openRules(dir, "redflag: --rules", stderr)
	if rs == nil {
		return nil, code
	}
	eng, err := triage.Load(rs.fsys, limits.options()...)
	if err != nil {
		rs.reportLoadError(stderr, "rules", err)
		return nil, exitBadInput
	}
	return eng, exitSelfCare
}

// ruleDir is where a rule set comes from: the embedded default or a
// directory.
type ruleDir struct {
	fsys  fs.FS
	dir   string // "" for the embedded rule set
	where string // for messages, escaped as printable does
}

// openRules opens dir, or the embedded rule set when dir is "". label
// starts error messages ("redflag: --rules").
func openRules(dir, label string, stderr io.Writer) (*ruleDir, int) {
	if dir == "" {
		return &ruleDir{fsys: rules.FS, where: "embedded rule set"}, exitSelfCare
	}
	st, err := os.Stat(dir)
	if err != nil {
		fmt.Fprintf(stderr, "%s: %s\n", label, printable(err.Error()))
		return nil, exitBadInput
	}
	if !st.IsDir() {
		fmt.Fprintf(stderr, "%s: %s is not a directory\n", label, printable(dir))
		return nil, exitBadInput
	}
	return &ruleDir{fsys: os.DirFS(dir), dir: dir, where: printable(dir)}, exitSelfCare
}

// path names a file of the rule set as the user can open it from here.
func (r *ruleDir) path(file string) string { return inDir(r.dir, file) }

// inDir names file, a path within the rule directory dir ("" for the
// embedded rule set), as the user can open it from here.
func inDir(dir, file string) string {
	if dir == "" || file == "" {
		return file
	}
	return filepath.Join(dir, filepath.FromSlash(file))
}

// pos is p with its file named as the user can open it.
func (r *ruleDir) pos(p triage.Position) triage.Position {
	p.File = r.path(p.File)
	return p
}

// reportLoadError prints the problems in the rule set's rules or tests
// (what), each with its source line and a caret.
func (r *ruleDir) reportLoadError(stderr io.Writer, what string, err error) {
	var list triage.ErrorList
	if !errors.As(err, &list) {
		fmt.Fprintf(stderr, "redflag: loading %s: %s\n", r.where, printable(err.Error()))
		return
	}
	problems := "problems"
	if len(list) == 1 {
		problems = "problem"
	}
	fmt.Fprintf(stderr, "redflag: the %s in %s do not load (%d %s):\n", what, r.where, len(list), problems)
	for _, e := range list {
		e.Pos = r.pos(e.Pos)
		fmt.Fprintln(stderr, printableLines(e.ErrorWithSnippet()))
	}
	if errors.Is(err, triage.ErrLimit) { // every error over a limit wraps it, whatever its message, and no other
		fmt.Fprintln(stderr, limitHint)
	}
}

// parseArgs parses a command's arguments. ok is false when the command
// should stop at once with exit: after -h (0), or a bad flag (2), which the
// flag package has already reported.
func parseArgs(fset *flag.FlagSet, args []string) (positional []string, exit int, ok bool) {
	positional, err := parseInterspersed(fset, args)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return nil, exitSelfCare, false
	case err != nil:
		return nil, exitBadInput, false
	}
	return positional, 0, true
}

// parseInterspersed parses flags that may come before or after positional
// arguments ("check answers.json --json"), as people type them.
func parseInterspersed(fset *flag.FlagSet, args []string) ([]string, error) {
	var positional []string
	for {
		if err := fset.Parse(args); err != nil {
			return nil, err
		}
		args = fset.Args()
		if len(args) == 0 {
			return positional, nil
		}
		if args[0] == "--" {
			return append(positional, args[1:]...), nil
		}
		positional = append(positional, args[0])
		args = args[1:]
	}
}

// openInput opens the answers input of a command: the file named by the
// one positional argument, or standard input when there is none or it is
// "-". On failure it reports the error for cmd and returns false.
func openInput(cmd string, positional []string, stdin io.Reader, stderr io.Writer) (in io.Reader, name string, closeIn func(), ok bool) {
	if len(positional) != 1 || positional[0] == "-" {
		return stdin, "standard input", func() {}, true
	}
	f, err := os.Open(positional[0])
	if err != nil {
		fmt.Fprintf(stderr, "redflag %s: %s\n", cmd, printable(err.Error()))
		return nil, "", nil, false
	}
	return f, positional[0], func() { f.Close() }, true
}
