package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"regexp"
	"strings"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/triagetest"
)

const testUsage = `Usage: redflag test [--json] [--run REGEXP] [--mutate] [--min-coverage PCT] [-v] [DIR]

Runs the test cases (*_test.yaml) of the rule set in DIR, or of the embedded
default rule set, and prints failures, clinical coverage and, with --mutate,
the mutation score.

Exit codes: 0 every case passed and every threshold was met, 1 a case failed
or a threshold was missed, 2 the rules or the test cases do not load.
`

// testRules is "redflag test".
func testRules(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("redflag test", flag.ContinueOnError)
	fset.SetOutput(stderr)
	asJSON := fset.Bool("json", false, "print the report as JSON")
	runExpr := fset.String("run", "", "run only the cases whose names match `REGEXP`")
	mutateFlag := fset.Bool("mutate", false, "run mutation testing: check that the cases catch small mistakes in every rule")
	minCov := fset.Float64("min-coverage", 0, "fail when clinical coverage is below `PCT` percent")
	verbose := fset.Bool("v", false, "list every case, not only the failures, and every mutant the loader refused")
	fset.Usage = func() {
		fmt.Fprint(stderr, testUsage)
		fset.PrintDefaults()
	}
	positional, exit, ok := parseArgs(fset, args)
	if !ok {
		return exit
	}
	if !(*minCov >= 0 && *minCov <= 100) { // NaN too
		fmt.Fprintf(stderr, "redflag test: --min-coverage must be between 0 and 100, got %g\n", *minCov)
		return exitBadInput
	}
	var opts []triagetest.Option
	if *runExpr != "" {
		re, err := regexp.Compile(*runExpr)
		if err != nil {
			fmt.Fprintf(stderr, "redflag test: --run: %v\n", err)
			return exitBadInput
		}
		opts = append(opts, triagetest.WithRun(re))
	}
	if *mutateFlag {
		opts = append(opts, triagetest.WithMutation())
	}
	if *minCov > 0 {
		opts = append(opts, triagetest.WithMinCoverage(*minCov))
	}

	rs, eng, code := loadRuleDir("redflag test", positional, stderr)
	if eng == nil {
		return code
	}
	rep, err := triagetest.Verify(ctx, eng, rs.fsys, opts...)
	if err != nil {
		var list triage.ErrorList
		if errors.As(err, &list) {
			rs.reportLoadError(stderr, "test cases", err)
			return exitBadInput
		}
		fmt.Fprintf(stderr, "redflag test: %v\n", err)
		return exitFailure
	}
	rs.relocate(rep)

	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		out := struct {
			*triagetest.Report
			OK     bool   `json:"ok"`
			Notice string `json:"notice"`
		}{rep, rep.OK(), triage.Disclaimer}
		if err := enc.Encode(out); err != nil {
			fmt.Fprintf(stderr, "redflag test: %v\n", err)
			return exitFailure
		}
	} else {
		writeReport(stdout, rs, rep, *verbose)
	}
	if !rep.OK() {
		return exitFailure
	}
	return exitSelfCare
}

// relocate names every file in rep as the user can open it.
func (r *ruleDir) relocate(rep *triagetest.Report) {
	for i := range rep.Cases {
		rep.Cases[i].Pos = r.pos(rep.Cases[i].Pos)
	}
	for i := range rep.Coverage.Rules {
		rep.Coverage.Rules[i].Pos = r.pos(rep.Coverage.Rules[i].Pos)
	}
	if rep.Mutation != nil {
		for i := range rep.Mutation.Mutants {
			rep.Mutation.Mutants[i].Pos = r.pos(rep.Mutation.Mutants[i].Pos)
		}
		for i := range rep.Mutation.Stale {
			rep.Mutation.Stale[i].Pos = r.pos(rep.Mutation.Stale[i].Pos)
		}
		for i := range rep.Mutation.Misdeclared {
			rep.Mutation.Misdeclared[i].Pos = r.pos(rep.Mutation.Misdeclared[i].Pos)
		}
	}
}

// writeReport prints rep for a person: the failing cases, coverage, the
// mutation score when mutation testing ran, problems, the outcome and the
// notice.
func writeReport(w io.Writer, rs *ruleDir, rep *triagetest.Report, verbose bool) {
	fmt.Fprintf(w, "redflag test: %s, %s\n", rep.RuleSet, rs.where)
	writeCases(w, rep, verbose)
	writeCoverage(w, rep.Coverage)
	if m := rep.Mutation; m != nil {
		writeMutation(w, m, verbose)
	}
	if len(rep.Problems) > 0 {
		fmt.Fprintln(w, "\nproblems:")
		for _, p := range rep.Problems {
			fmt.Fprintf(w, "  %s\n", p)
		}
	}
	if rep.OK() {
		fmt.Fprintln(w, "\nok")
	} else {
		fmt.Fprintf(w, "\nFAIL: %s\n", strings.Join(failReasons(rep), ", "))
	}
	fmt.Fprintf(w, "\n%s\n", triage.Disclaimer)
}

// writeCases prints each failed case with its message, and with verbose
// each passing one too, then the counts.
func writeCases(w io.Writer, rep *triagetest.Report, verbose bool) {
	for _, c := range rep.Cases {
		switch {
		case !c.Passed:
			fmt.Fprintf(w, "\nFAIL %s\n", indent(c.Message(), ""))
		case verbose:
			fmt.Fprintf(w, "ok   %s (%s)\n", c.Name, c.Pos)
		}
	}
	fmt.Fprintf(w, "\ncases: %d passed, %d failed\n", rep.Passed, rep.Failed)
}

// writeCoverage prints clinical coverage: the overall figure, each of its
// four parts, and what no case covers.
func writeCoverage(w io.Writer, cov triagetest.Coverage) {
	fmt.Fprintf(w, "\ncoverage: %.1f%% (%d of %d)\n", cov.Percent(), cov.Covered, cov.Total)
	fired, notFired := 0, 0
	for _, r := range cov.Rules {
		fired += b2i(r.FiredBy != "")
		notFired += b2i(r.NotFiredBy != "")
	}
	// A missing answer counts only for the questions where it matters.
	answered, unanswered, matters := 0, 0, 0
	for _, q := range cov.Questions {
		answered += b2i(q.AnsweredBy != "")
		if q.UnansweredMatters {
			matters++
			unanswered += b2i(q.UnansweredBy != "")
		}
	}
	fmt.Fprintf(w, "  rules fired:                      %d of %d\n", fired, len(cov.Rules))
	fmt.Fprintf(w, "  rules not fired, answers given:   %d of %d\n", notFired, len(cov.Rules))
	fmt.Fprintf(w, "  questions answered:               %d of %d\n", answered, len(cov.Questions))
	fmt.Fprintf(w, "  questions missing where needed:   %d of %d\n", unanswered, matters)
	if gaps := cov.Uncovered(); len(gaps) > 0 {
		fmt.Fprintln(w, "  not covered:")
		for _, g := range gaps {
			fmt.Fprintf(w, "    %s\n", g)
		}
	}
}

// writeMutation prints the mutation score, the surviving mutants with a
// case that would kill each when one is known, with verbose the mutants the
// loader refused, and the equivalent_mutants declarations that are wrong.
func writeMutation(w io.Writer, m *triagetest.MutationReport, verbose bool) {
	fmt.Fprintf(w, "\nmutation: %d mutants: %d killed, %d survived, %d refused by the loader, %d declared equivalent\n",
		len(m.Mutants), m.Killed, m.Survived, m.Refused, m.Equivalent)
	fmt.Fprintf(w, "  score: %.1f%% (killed / (killed + survived))\n", m.Score())
	if s := m.Survivors(); len(s) > 0 {
		fmt.Fprintln(w, "  survivors (no case notices these mistakes):")
		for _, mu := range s {
			fmt.Fprintf(w, "    %s\n", mu)
			if sg := mu.Suggestion; sg != nil {
				fmt.Fprintf(w, "      to kill it, %s:\n        %s\n", sg, sg.Case)
			}
		}
	}
	if verbose {
		for _, mu := range m.Mutants {
			if mu.Status == triagetest.Refused {
				fmt.Fprintf(w, "  refused: %s\n      %s\n", mu, mu.Refusal)
			}
		}
	}
	for _, md := range m.Misdeclared {
		fmt.Fprintf(w, "  declared equivalent, but case %q tells it apart: %s: %s: %s\n", md.KilledBy, md.Pos, md.Rule, md.Mutant)
	}
	if len(m.Stale) > 0 {
		fmt.Fprintln(w, "  equivalent_mutants declarations that match no mutant (remove them):")
		for _, eq := range m.Stale {
			fmt.Fprintf(w, "    %s: %s: %s\n", eq.Pos, eq.Rule, eq.Mutant)
		}
	}
}

// failReasons says, counted, why rep is not OK, in the order of
// Report.OK's conditions as the FAIL line lists them.
func failReasons(rep *triagetest.Report) []string {
	var why []string
	if rep.Failed > 0 {
		why = append(why, plural(rep.Failed, "case failed", "cases failed"))
	}
	if n := len(rep.Unfired); n > 0 {
		why = append(why, plural(n, "rule never fires", "rules never fire"))
	}
	if m := rep.Mutation; m != nil && m.Survived > 0 {
		why = append(why, plural(m.Survived, "mutant survived", "mutants survived"))
	}
	if m := rep.Mutation; m != nil && len(m.Stale)+len(m.Misdeclared) > 0 {
		why = append(why, plural(len(m.Stale)+len(m.Misdeclared), "wrong equivalent_mutants declaration", "wrong equivalent_mutants declarations"))
	}
	if n := len(rep.Problems); n > 0 {
		why = append(why, plural(n, "problem", "problems"))
	}
	return why
}

func indent(s, prefix string) string {
	return prefix + strings.ReplaceAll(s, "\n", "\n"+prefix)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// loadRuleDir opens the rule directory named by positional (the embedded
// rule set when there is none) and loads its rules, reporting problems as
// cmd. The engine is nil on failure; the directory is non-nil when it was
// opened and its rules did not load.
func loadRuleDir(cmd string, positional []string, stderr io.Writer) (*ruleDir, *triage.Engine, int) {
	if len(positional) > 1 {
		fmt.Fprintf(stderr, "%s: want at most one rule directory, got %d\n", cmd, len(positional))
		return nil, nil, exitBadInput
	}
	dir := ""
	if len(positional) == 1 {
		dir = positional[0]
	}
	rs, code := openRules(dir, cmd, stderr)
	if rs == nil {
		return nil, nil, code
	}
	eng, err := triage.Load(rs.fsys)
	if err != nil {
		rs.reportLoadError(stderr, "rules", err)
		return rs, nil, exitBadInput
	}
	return rs, eng, exitSelfCare
}

const lintUsage = `Usage: redflag lint [--fhir] [DIR]

Loads the rule set in DIR, or the embedded default rule set, and its test
cases, and reports every problem, without running anything.

  --fhir   also report every ask_if that cannot be exported to FHIR R4
           (as an enableWhen or a FHIRPath enableWhenExpression)

Exit codes: 0 no problems, 2 problems found.
`

// lint is "redflag lint".
func lint(args []string, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("redflag lint", flag.ContinueOnError)
	fset.SetOutput(stderr)
	fset.Usage = func() { fmt.Fprint(stderr, lintUsage) }
	withFHIR := fset.Bool("fhir", false, "also check that every ask_if exports to FHIR R4")
	positional, exit, ok := parseArgs(fset, args)
	if !ok {
		return exit
	}
	rs, eng, code := loadRuleDir("redflag lint", positional, stderr)
	if eng == nil {
		if rs != nil {
			fmt.Fprintln(stderr, "redflag lint: the test cases are checked once the rules load")
		}
		return code
	}
	suite, err := triagetest.Load(rs.fsys, eng)
	if err != nil {
		rs.reportLoadError(stderr, "test cases", err)
		return exitBadInput
	}
	if *withFHIR && !lintFHIR(rs, eng, stderr) {
		return exitBadInput
	}
	fmt.Fprintf(stdout, "redflag lint: %s, %s: %d questions, %d rules, %d test cases: no problems\n",
		eng.RuleSet(), rs.where, len(eng.Questions()), len(eng.Rules()), len(suite.Cases))
	return exitSelfCare
}

// lintFHIR reports the ask_if conditions that have no FHIR R4 form, each at
// its position with the line and a caret, and returns whether there are
// none.
func lintFHIR(rs *ruleDir, eng *triage.Engine, stderr io.Writer) bool {
	_, err := fhir.New(eng, fhir.Options{BaseURL: "https://example.org/fhir"})
	if err == nil {
		return true
	}
	var list fhir.ExportErrors
	if !errors.As(err, &list) {
		fmt.Fprintf(stderr, "redflag lint: FHIR export: %s\n", printable(err.Error()))
		return false
	}
	conditions := "ask_if conditions"
	if len(list) == 1 {
		conditions = "ask_if condition"
	}
	fmt.Fprintf(stderr, "redflag lint: %d %s in %s cannot be exported to FHIR R4:\n", len(list), conditions, rs.where)
	for _, e := range list {
		te := &triage.Error{Pos: rs.pos(e.Pos), ID: e.Question, Msg: e.Msg, Snippet: sourceLine(rs.fsys, e.Pos)}
		fmt.Fprintln(stderr, printableLines(te.ErrorWithSnippet()))
	}
	return false
}

// sourceLine returns line pos.Line of pos.File in fsys, or "".
func sourceLine(fsys fs.FS, pos triage.Position) string {
	data, err := fs.ReadFile(fsys, pos.File)
	if err != nil || pos.Line < 1 {
		return ""
	}
	lines := strings.Split(string(data), "\n")
	if pos.Line > len(lines) {
		return ""
	}
	return strings.TrimRight(lines[pos.Line-1], "\r")
}
