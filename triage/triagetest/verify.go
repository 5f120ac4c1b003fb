package triagetest

import (
	"context"
	"fmt"
	"io/fs"
	"regexp"

	"github.com/redflagkit/redflag/triage"
)

// Option configures Run and Verify.
type Option func(*options)

type options struct {
	run          *regexp.Regexp
	mutate       bool
	minCoverage  float64
	allowUnfired bool
	loadOpts     []triage.Option
}

// WithRun selects the cases whose names match re, like go test -run. It
// is for Verify; Run refuses it, since go test -run selects Run's cases.
// Coverage is still computed, from the selected cases only, but no
// threshold is held against a selection. With WithMutation, only the
// selected cases try to kill each mutant, so survivors are relative to the
// selection.
func WithRun(re *regexp.Regexp) Option { return func(o *options) { o.run = re } }

// WithMutation turns on mutation testing: every mutant of every rule is
// loaded and run against the cases, and a surviving mutant is a failure.
func WithMutation() Option { return func(o *options) { o.mutate = true } }

// WithMinCoverage fails the run when Coverage.Percent is below pct, which
// must be between 0 and 100 (Verify and Run refuse anything else).
func WithMinCoverage(pct float64) Option { return func(o *options) { o.minCoverage = pct } }

// WithUnfiredRulesAllowed stops a rule that never fires in any case from
// failing the run. By default it does: a red flag that no case has ever
// raised is untested.
func WithUnfiredRulesAllowed() Option { return func(o *options) { o.allowUnfired = true } }

// WithLoadOptions passes opts to triage.Load when mutation testing reloads
// the rule set. Give the options the Engine was loaded with. It needs
// WithMutation: Verify and Run refuse it alone rather than ignore it.
func WithLoadOptions(opts ...triage.Option) Option {
	return func(o *options) { o.loadOpts = append(o.loadOpts, opts...) }
}

// Report is the result of Verify.
type Report struct {
	// RuleSet identifies the rule set tested.
	RuleSet triage.RuleSetInfo `json:"rule_set"`
	// Cases holds the selected cases' results, in suite order.
	Cases []CaseResult `json:"cases"`
	// Passed and Failed count Cases.
	Passed int `json:"passed"`
	Failed int `json:"failed"`
	// Coverage is computed from the selected cases.
	Coverage Coverage `json:"coverage"`
	// Unfired lists the rules that no case made fire, when that fails the
	// run: every case ran, and WithUnfiredRulesAllowed was not given.
	Unfired []string `json:"unfired,omitempty"`
	// Mutation is set when mutation testing ran. A surviving mutant, or a
	// stale equivalent-mutant declaration, fails the run.
	Mutation *MutationReport `json:"mutation,omitempty"`
	// Problems lists the other reasons the run fails: coverage under the
	// minimum, no cases at all.
	Problems []string `json:"problems,omitempty"`
}

// OK reports that every case passed, every rule fired, no mutant survived
// and there are no Problems.
func (r *Report) OK() bool {
	return r.Failed == 0 && len(r.Unfired) == 0 && len(r.Problems) == 0 &&
		(r.Mutation == nil || (r.Mutation.Survived == 0 && len(r.Mutation.Stale) == 0 && len(r.Mutation.Misdeclared) == 0))
}

// Failures lists every reason the run fails, one line each, with positions:
// failed cases, rules never fired, surviving mutants (with the case that
// would kill one, on a second line, when there is one), declarations of
// equivalent mutants that are stale or wrong, and Problems.
func (r *Report) Failures() []string {
	var out []string
	for _, c := range r.Cases {
		if !c.Passed {
			out = append(out, fmt.Sprintf("%s: case %q failed", c.Pos, c.Name))
		}
	}
	for _, id := range r.Unfired {
		for _, rc := range r.Coverage.Rules {
			if rc.ID == id {
				out = append(out, fmt.Sprintf("%s: rule %s never fires in any case", rc.Pos, id))
			}
		}
	}
	if r.Mutation != nil {
		for _, mu := range r.Mutation.Survivors() {
			line := fmt.Sprintf("%s: mutant of rule %s survived (%s): %s", mu.Pos, mu.Rule, mu.Operator, mu.Mutated)
			if mu.Suggestion != nil {
				line += "; to kill it, " + mu.Suggestion.String() + ":\n\t" + mu.Suggestion.Case
			}
			out = append(out, line)
		}
		for _, eq := range r.Mutation.Stale {
			out = append(out, fmt.Sprintf("%s: equivalent mutant of rule %s matches no mutant: %s", eq.Pos, eq.Rule, eq.Mutant))
		}
		for _, md := range r.Mutation.Misdeclared {
			out = append(out, fmt.Sprintf("%s: mutant of rule %s declared equivalent, but case %q tells it apart: %s", md.Pos, md.Rule, md.KilledBy, md.Mutant))
		}
	}
	return append(out, r.Problems...)
}

// Verify loads the test cases in fsys (see Load), runs them
// against eng and returns the Report. The error is for cases that do not
// load (a triage.ErrorList), for a broken rule set under mutation, and for
// ctx; failing cases and missed thresholds are in the Report.
func Verify(ctx context.Context, eng *triage.Engine, fsys fs.FS, opts ...Option) (*Report, error) {
	o, err := newOptions(opts)
	if err != nil {
		return nil, err
	}
	suite, err := Load(fsys, eng)
	if err != nil {
		return nil, err
	}
	cases := o.selected(suite)
	rep := &Report{RuleSet: eng.RuleSet()}
	for _, tc := range cases {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		res := runCase(ctx, eng, tc)
		if res.Err != "" && ctx.Err() != nil {
			return nil, ctx.Err()
		}
		rep.Cases = append(rep.Cases, res)
		if res.Passed {
			rep.Passed++
		} else {
			rep.Failed++
		}
	}
	rep.Coverage = coverage(eng, cases, rep.Cases)
	rep.Unfired, rep.Problems = o.thresholds(rep.Coverage, len(cases), len(suite.Cases))
	if o.mutate {
		m, err := mutate(ctx, eng, fsys, suite, passing(cases, rep.Cases), o.loadOpts)
		if err != nil {
			return nil, err
		}
		rep.Mutation = m
	}
	return rep, nil
}

func newOptions(opts []Option) (*options, error) {
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	// NaN would compare false with everything and switch the threshold off.
	if !(o.minCoverage >= 0 && o.minCoverage <= 100) {
		return nil, fmt.Errorf("triagetest: minimum coverage must be between 0 and 100, got %v", o.minCoverage)
	}
	// No option is silently ignored.
	if o.loadOpts != nil && !o.mutate {
		return nil, fmt.Errorf("triagetest: WithLoadOptions applies only to mutation testing; add WithMutation or drop it")
	}
	return &o, nil
}

// passing returns the cases that passed. Mutation testing runs only those:
// a case that already fails would "kill" every mutant and prove nothing.
func passing(cases []TestCase, results []CaseResult) []TestCase {
	var out []TestCase
	for i, tc := range cases {
		if results[i].Passed {
			out = append(out, tc)
		}
	}
	return out
}

func (o *options) selected(suite *Suite) []TestCase {
	if o.run == nil {
		return suite.Cases
	}
	var out []TestCase
	for _, tc := range suite.Cases {
		if o.run.MatchString(tc.Name) {
			out = append(out, tc)
		}
	}
	return out
}

// thresholds applies the thresholds: it returns the rules that never fire,
// when that counts, and the other problems. Thresholds are held against a
// full run only: a selection of cases is not meant to cover.
func (o *options) thresholds(c Coverage, selected, total int) (unfired, problems []string) {
	if total == 0 {
		return nil, []string{"no test cases: write *_test.yaml files beside the rule files"}
	}
	if selected == 0 {
		return nil, []string{"no test case matches the selection"}
	}
	if selected < total {
		return nil, nil
	}
	if !o.allowUnfired {
		for _, r := range c.Rules {
			if r.FiredBy == "" {
				unfired = append(unfired, r.ID)
			}
		}
	}
	if o.minCoverage > 0 && c.Percent() < o.minCoverage {
		problems = append(problems, fmt.Sprintf("coverage %.1f%% is below the minimum %.1f%%", c.Percent(), o.minCoverage))
	}
	return unfired, problems
}
