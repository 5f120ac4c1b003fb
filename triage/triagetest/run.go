package triagetest

import (
	"context"
	"io/fs"
	"testing"

	"github.com/redflagkit/redflag/triage"
)

// Run runs every test case in fsys against eng as a subtest of t, named
// after the case, so go test -run 'TestRules/fever' selects cases. A failed
// case reports where it is written, what was expected, what happened, and
// the reasons that fired.
//
// After the cases, Run applies the coverage thresholds (by default, every
// rule must fire in some case) when every case ran, and with WithMutation
// runs mutation testing as the subtest "mutants", where each surviving
// mutant is an error. Test files that do not load fail t at once, with
// every problem and its position. Run refuses WithRun, which it would
// otherwise ignore: go test -run selects its cases.
func Run(t *testing.T, eng *triage.Engine, fsys fs.FS, opts ...Option) {
	t.Helper()
	run(goT{t}, t.Context(), eng, fsys, opts...)
}

// testingT is the part of *testing.T that Run uses, so that the runner's
// own tests can watch it fail.
type testingT interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
	Skipf(format string, args ...any)
	Run(name string, f func(testingT)) bool
}

type goT struct{ *testing.T }

func (g goT) Run(name string, f func(testingT)) bool {
	return g.T.Run(name, func(t *testing.T) { f(goT{t}) })
}

func run(t testingT, ctx context.Context, eng *triage.Engine, fsys fs.FS, opts ...Option) {
	t.Helper()
	o, err := newOptions(opts)
	if err != nil {
		t.Fatalf("%v", err)
		return
	}
	if o.run != nil {
		t.Fatalf("triagetest: Run does not take WithRun; select cases with go test -run")
		return
	}
	suite, err := Load(fsys, eng)
	if err != nil {
		t.Fatalf("test cases do not load:\n%s", errorText(err))
		return
	}
	results := make([]CaseResult, len(suite.Cases))
	ran := 0
	for i, tc := range suite.Cases {
		t.Run(tc.Name, func(t testingT) {
			t.Helper()
			ran++
			results[i] = runCase(ctx, eng, tc)
			if !results[i].Passed {
				t.Errorf("%s", results[i].Message())
			}
		})
	}
	if ran == len(suite.Cases) {
		rep := &Report{Coverage: coverage(eng, suite.Cases, results)}
		rep.Unfired, rep.Problems = o.thresholds(rep.Coverage, ran, len(suite.Cases))
		for _, f := range rep.Failures() {
			t.Errorf("%s", f)
		}
	}
	if o.mutate {
		t.Run("mutants", func(t testingT) {
			t.Helper()
			if ran < len(suite.Cases) {
				// With only some cases run, every mutant they do not
				// reach would look like a survivor.
				t.Skipf("mutation testing needs every case; %d of %d ran (go test -run selected some)", ran, len(suite.Cases))
				return
			}
			m, err := mutate(ctx, eng, fsys, suite, passing(suite.Cases, results), o.loadOpts)
			if err != nil {
				t.Fatalf("mutation testing: %v", err)
				return
			}
			rep := &Report{Mutation: m}
			for _, f := range rep.Failures() {
				t.Errorf("%s", f)
			}
		})
	}
}

func errorText(err error) string {
	if list, ok := err.(triage.ErrorList); ok {
		return list.ErrorsWithSnippets()
	}
	return err.Error()
}
