package triage_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"testing/fstest"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// numbers returns "[0, 1, ..., n-1]" as CEL source.
func numbers(n int) string {
	parts := make([]string, n)
	for i := range parts {
		parts[i] = fmt.Sprint(i)
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// Nothing here asserts how long a hostile input takes: a time bound fails
// on a loaded machine and says little on a fast one. A case that blows up
// instead of being refused shows as a test that does not finish, which
// finishes (below) turns into a failure; how long each case takes is
// measured by BenchmarkHostileRuleFiles and BenchmarkHostileRulesAtRunTime,
// which CI runs once.

// hangGuard is how long finishes waits before failing a test rather than
// hanging it. It is a guard, not a performance bound: every case takes
// milliseconds, and a blow-up (a quadratic search of 13 s, an exponential
// alias expansion) far longer than that on any machine would still pass a
// bound set so high, which is what the benchmarks are for.
const hangGuard = 2 * time.Minute

// finishes runs f in a goroutine and fails the test, rather than hanging
// it, if f has not returned within hangGuard.
func finishes[T any](t *testing.T, what string, f func() (T, error)) (T, error) {
	t.Helper()
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		v, err := f()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-time.After(hangGuard):
		t.Fatalf("%s did not return", what)
		var zero T
		return zero, nil
	}
}

// hostileFile is a rule file written to hurt, with the error that must
// refuse it.
type hostileFile struct {
	name   string
	reason string
	files  map[string]string // beside 0.yaml (base0)
	opts   []triage.Option
	// want is a substring of one error, wantPos the position it must
	// name (file:line[:col]).
	want, wantPos string
}

// fsys is the rule set of hf: base0 and its files.
func (hf hostileFile) fsys() fstest.MapFS {
	fsys := fstest.MapFS{"0.yaml": {Data: []byte(base0)}}
	for name, data := range hf.files {
		fsys[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return fsys
}

// hostileRuleFiles are the rule files of TestHostileRuleFiles.
func hostileRuleFiles() []hostileFile {
	billionLaughs := lines(
		"a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]",
		"b: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a]",
		"c: &c [*b, *b, *b, *b, *b, *b, *b, *b, *b]",
		"d: &d [*c, *c, *c, *c, *c, *c, *c, *c, *c]",
		"e: &e [*d, *d, *d, *d, *d, *d, *d, *d, *d]",
		"f: &f [*e, *e, *e, *e, *e, *e, *e, *e, *e]",
		"g: &g [*f, *f, *f, *f, *f, *f, *f, *f, *f]",
		"h: &h [*g, *g, *g, *g, *g, *g, *g, *g, *g]",
		"i: &i [*h, *h, *h, *h, *h, *h, *h, *h, *h]",
		"rules: *i",
	)
	manyFiles := map[string]string{}
	for i := range 300 {
		manyFiles[fmt.Sprintf("r%03d.yaml", i)] = "# nothing\n"
	}
	return []hostileFile{
		{
			name:   "comprehension over a huge list",
			reason: "two nested loops over 300 items cost 90,000 at least: refused by the cost estimate before anything runs",
			files:  map[string]string{"r.yaml": rule("loops", "fever || "+numbers(300)+".all(a, "+numbers(300)+".all(b, a + b >= 0))")},
			want:   "estimated cost", wantPos: "r.yaml:4:11",
		},
		{
			name:   "comprehension over a list too long to write",
			reason: "a 20,000-item list is longer than a condition may be",
			files:  map[string]string{"r.yaml": rule("loops", "fever || "+numbers(20_000)+".exists(x, x == 7)")},
			want:   "characters long; the limit is 4096", wantPos: "r.yaml:4:11",
		},
		{
			name:   "huge list with the length limit lifted",
			reason: "even when the expression-length limit is raised (and the rule set's CEL budget with it), the cost estimate refuses a loop over 20,000 items",
			files:  map[string]string{"r.yaml": rule("loops", "fever || "+numbers(20_000)+".exists(x, x == 7)")},
			opts:   []triage.Option{triage.WithLimits(triage.Limits{ExpressionLength: 1 << 20, Rules: 10_000})},
			want:   "estimated cost", wantPos: "r.yaml:4:11",
		},
		{
			name:   "deep nesting in CEL",
			reason: "200 parentheses exceed the nesting limit of 32: refused by the parser, not a stack overflow",
			files:  map[string]string{"r.yaml": rule("deep", strings.Repeat("(", 200)+"fever"+strings.Repeat(")", 200))},
			want:   "recursion", wantPos: "r.yaml:4:",
		},
		{
			name:   "deep nesting of lists",
			reason: "200 nested list literals nest as deeply as parentheses",
			files:  map[string]string{"r.yaml": rule("deep", "fever || size("+strings.Repeat("[", 200)+strings.Repeat("]", 200)+") > 1")},
			want:   "recursion", wantPos: "r.yaml:4:",
		},
		{
			name:   "deep nesting in YAML",
			reason: "20,000 nested flow lists: the YAML parser's depth limit refuses them, positioned at the line",
			files:  map[string]string{"r.yaml": "rules: " + strings.Repeat("[", 20_000) + strings.Repeat("]", 20_000) + "\n"},
			want:   "YAML syntax error", wantPos: "r.yaml:1",
		},
		{
			name:   "long file with a syntax error at its end",
			reason: "locating a YAML syntax error re-parses prefixes of the file; a line-by-line search was quadratic (13 s for these 2,000 lines), the bisection that follows a budget is not",
			files: map[string]string{"r.yaml": "questions:\n" + strings.Repeat("  - {id: q, text: T, type: boolean}\n", 1990) +
				"  - id: x\n    title: [unclosed\n"},
			want: "YAML syntax error", wantPos: "r.yaml:1993",
		},
		{
			name:   "regex that does not compile",
			reason: "a repeat count over 1,000 is refused by Go's regexp (RE2 syntax) when the program is built at load",
			files:  map[string]string{"r.yaml": rule("re", `fever || "x".matches("(a{1000}){1000}")`)},
			want:   "invalid", wantPos: "r.yaml:4:",
		},
		{
			name:   "enormous file",
			reason: "a 2 MB rule file is refused where it crosses the 1 MiB limit, without being parsed",
			files:  map[string]string{"r.yaml": rule("big", "fever") + "# " + strings.Repeat("x", 2<<20) + "\n"},
			want:   "rule file is larger than the limit of 1048576 bytes", wantPos: "r.yaml:8:",
		},
		{
			name:   "enormous file under a lower limit",
			reason: "WithMaxRuleFileSize lowers the limit",
			files:  map[string]string{"r.yaml": rule("big", "fever") + "# " + strings.Repeat("x", 1000) + "\n"},
			opts:   []triage.Option{triage.WithLimits(triage.Limits{RuleFileSize: len(base0) + 100})},
			want:   fmt.Sprintf("larger than the limit of %d bytes", len(base0)+100), wantPos: "r.yaml:8:",
		},
		{
			name:   "enormous string literal",
			reason: "a 100,000-character string in a condition is longer than a condition may be",
			files:  map[string]string{"r.yaml": rule("str", `fever || "`+strings.Repeat("a", 100_000)+`" == "b"`)},
			want:   "characters long; the limit is 4096", wantPos: "r.yaml:4:11",
		},
		{
			name:   "billion laughs",
			reason: "YAML aliases are refused outright, so nine levels of nine-fold expansion never happen",
			files:  map[string]string{"r.yaml": billionLaughs},
			want:   "YAML aliases are not allowed", wantPos: "r.yaml:10:8",
		},
		{
			name:   "duplicate keys",
			reason: "a second when: would silently replace the first",
			files: map[string]string{"r.yaml": lines(
				"rules:",
				"  - id: dup",
				"    title: T",
				"    when: fever",
				"    when: \"false\"",
				"    action: refer",
				"    advice: A.",
				"    cite: {source: doc, section: S}",
			)},
			want: `duplicate key "when"`, wantPos: "r.yaml:5:5",
		},
		{
			name:   "non-UTF-8 bytes",
			reason: "rule files are text; an invalid byte is named by line and column",
			files:  map[string]string{"r.yaml": "rules: []\n# caf\xe9\n"},
			want:   "not valid UTF-8", wantPos: "r.yaml:2:6",
		},
		{
			name:   "too many rule files",
			reason: "300 files exceed the limit of 256; the first file over the limit is named and nothing after it is read",
			files:  manyFiles,
			want:   "more than 256 rule files", wantPos: "r255.yaml",
		},
		{
			name:   "multichoice with more choices than an answer may hold",
			reason: "its complete answer could never pass the list limit",
			files: map[string]string{"r.yaml": "questions:\n  - id: where\n    text: Where?\n    type: multichoice\n    choices: [a, b, c]\n" +
				rule("numb", "size(where) > 0")},
			opts: []triage.Option{triage.WithLimits(triage.Limits{ListLength: 2})},
			want: "3 choices, more than the 2 items", wantPos: "r.yaml:2:9",
		},
	}
}

// TestHostileRuleFiles feeds Load rule files written to hurt: each is
// refused with a positioned error.
func TestHostileRuleFiles(t *testing.T) {
	for _, tc := range hostileRuleFiles() {
		t.Run(tc.name, func(t *testing.T) {
			fsys := tc.fsys()
			eng, err := finishes(t, "Load", func() (*triage.Engine, error) { return triage.Load(fsys, tc.opts...) })
			require.Nil(t, eng, tc.reason)
			require.ErrorIs(t, err, triage.ErrInvalidRuleSet, tc.reason)
			var list triage.ErrorList
			require.ErrorAs(t, err, &list)
			var found *triage.Error
			for _, e := range list {
				require.NotEmpty(t, e.Pos.File, "every error names its file: %v", e)
				if strings.Contains(e.Msg, tc.want) && found == nil {
					found = e
				}
			}
			require.NotNil(t, found, "%s\nwant an error containing %q, got:\n%s", tc.reason, tc.want, list.ErrorsWithSnippets())
			assert.True(t, strings.HasPrefix(found.Error(), tc.wantPos), "%s: got %v, want it at %s", tc.reason, found, tc.wantPos)
		})
	}
}

// hostileCondition is a condition that loads, because it is legitimate
// CEL, but is written to hurt at run time.
type hostileCondition struct {
	name, reason string
	when         string
	opts         []triage.Option
	// wantErr is a substring of the evaluation error; "" means a verdict
	// is expected.
	wantErr string
}

// fsys is the rule set of hc: base0 and one rule with its condition.
func (hc hostileCondition) fsys() fstest.MapFS {
	return fstest.MapFS{"0.yaml": {Data: []byte(base0)}, "r.yaml": {Data: []byte(rule("hostile", hc.when))}}
}

// hostileConditions are the conditions of TestHostileRulesBoundedAtRunTime.
func hostileConditions() []hostileCondition {
	return []hostileCondition{
		{
			name:   "regex bomb",
			reason: "(a|aa)+$ over a long run of a's then a mismatch backtracks exponentially in a backtracking engine; CEL uses Go's RE2, which is linear",
			when:   `fever || "` + strings.Repeat("a", 3000) + `!".matches("^(a|aa)+$")`,
		},
		{
			name:    "heavy comprehension under a roomy cost limit",
			reason:  "10,000 iterations are allowed once WithCostLimit is raised, and run to a verdict (the runtime limit itself is shown by TestRuntimeLimitsBackTheEstimate)",
			when:    `'` + numbers(100) + `.exists(a, ` + numbers(100) + `.exists(b, a + b > 190 && fever))'`,
			opts:    []triage.Option{triage.WithLimits(triage.Limits{Cost: 1 << 20})},
			wantErr: "",
		},
	}
}

// TestHostileRulesBoundedAtRunTime covers hostile conditions that load and
// shows their evaluation ends: a verdict or an error. Evaluation runs under
// a context deadline of hangGuard, as a guard that turns a runaway
// evaluation into a failed test (a context error) rather than a hung one;
// it is not a bound on speed (BenchmarkHostileRulesAtRunTime measures it).
func TestHostileRulesBoundedAtRunTime(t *testing.T) {
	for _, tc := range hostileConditions() {
		t.Run(tc.name, func(t *testing.T) {
			eng := mustLoad(t, tc.fsys(), tc.opts...)
			ctx, cancel := context.WithTimeout(context.Background(), hangGuard)
			defer cancel()
			v, err := finishes(t, "Evaluate", func() (*triage.Verdict, error) {
				return eng.Evaluate(ctx, triage.Answers{"fever": false})
			})
			require.NoError(t, ctx.Err(), "%s: the hang guard ran out; the evaluation did not end", tc.reason)
			if tc.wantErr != "" {
				require.Nil(t, v, tc.reason)
				require.ErrorContains(t, err, tc.wantErr, tc.reason)
				require.True(t, errors.Is(err, triage.ErrEvaluation), tc.reason)
				return
			}
			require.NoError(t, err, tc.reason)
			assert.Equal(t, triage.SelfCare, v.Outcome, tc.reason)
		})
	}
}

// BenchmarkHostileRuleFiles measures how long Load takes to refuse each
// hostile rule file: where a blow-up would show, since no test asserts a
// time.
func BenchmarkHostileRuleFiles(b *testing.B) {
	for _, tc := range hostileRuleFiles() {
		b.Run(tc.name, func(b *testing.B) {
			fsys := tc.fsys()
			for b.Loop() {
				if _, err := triage.Load(fsys, tc.opts...); err == nil {
					b.Fatalf("%s: loaded", tc.name)
				}
			}
		})
	}
}

// BenchmarkHostileRulesAtRunTime measures one evaluation of each hostile
// condition.
func BenchmarkHostileRulesAtRunTime(b *testing.B) {
	for _, tc := range hostileConditions() {
		b.Run(tc.name, func(b *testing.B) {
			eng := mustLoad(b, tc.fsys(), tc.opts...)
			ctx := context.Background()
			for b.Loop() {
				if _, err := eng.Evaluate(ctx, triage.Answers{"fever": false}); (err != nil) != (tc.wantErr != "") {
					b.Fatalf("%s: %v", tc.name, err)
				}
			}
		})
	}
}

// loadWithin runs Load on dir and fails the test, rather than hanging it,
// if Load does not return.
func loadWithin(t *testing.T, dir string) (*triage.Engine, error) {
	t.Helper()
	return finishes(t, "Load", func() (*triage.Engine, error) { return triage.Load(os.DirFS(dir)) })
}

// TestHostileRuleDirectories covers rule directories holding what is not a
// rule file under a rule file's name: a named pipe, which blocked Load for
// ever, and links that lead outside the directory, which were followed
// (an error snippet quoted /etc/passwd). Each is a positioned error naming
// the file, and nothing of a refused file is ever quoted.
func TestHostileRuleDirectories(t *testing.T) {
	tests := []struct {
		name, reason string
		// setup adds the hostile entry to dir, a valid rule set.
		setup   func(t *testing.T, dir string)
		wantPos string // the file named
		want    string // a substring of its error
	}{
		{
			name:   "named pipe",
			reason: "opening a FIFO blocks until something writes to it; its type is checked first, and it is never opened",
			setup: func(t *testing.T, dir string) {
				require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "pipe.yaml"), 0o644))
			},
			wantPos: "pipe.yaml", want: "not a regular file: it is a named pipe",
		},
		{
			name:   "link to /etc/passwd",
			reason: "an absolute link leads outside the rule directory",
			setup: func(t *testing.T, dir string) {
				require.NoError(t, os.Symlink("/etc/passwd", filepath.Join(dir, "evil.yaml")))
			},
			wantPos: "evil.yaml", want: "leads outside the rule directory",
		},
		{
			name:   "link climbing out",
			reason: "../outside.yaml resolves above the root",
			setup: func(t *testing.T, dir string) {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "..", "outside.yaml"), []byte("root:x:0:0:SECRET\n"), 0o644))
				require.NoError(t, os.Symlink("../outside.yaml", filepath.Join(dir, "evil.yaml")))
			},
			wantPos: "evil.yaml", want: "leads outside the rule directory",
		},
		{
			name:   "link climbing out through a directory inside",
			reason: "a link inside that leads to a link climbing out is refused all the same",
			setup: func(t *testing.T, dir string) {
				require.NoError(t, os.WriteFile(filepath.Join(dir, "..", "outside.yaml"), []byte("root:x:0:0:SECRET\n"), 0o644))
				require.NoError(t, os.Mkdir(filepath.Join(dir, ".hidden"), 0o755))
				require.NoError(t, os.Symlink("../../outside.yaml", filepath.Join(dir, ".hidden", "up.yaml")))
				require.NoError(t, os.Symlink(".hidden/up.yaml", filepath.Join(dir, "evil.yaml")))
			},
			wantPos: "evil.yaml", want: "leads outside the rule directory",
		},
		{
			name:   "loop of links",
			reason: "a.yaml -> b.yaml -> a.yaml is refused after a bounded number of hops",
			setup: func(t *testing.T, dir string) {
				require.NoError(t, os.Symlink("b.yaml", filepath.Join(dir, "a.yaml")))
				require.NoError(t, os.Symlink("a.yaml", filepath.Join(dir, "b.yaml")))
			},
			wantPos: "a.yaml", want: "more than 40 symbolic links",
		},
		{
			name:    "link to a directory",
			reason:  "a directory named like a rule file is not a rule file",
			setup:   func(t *testing.T, dir string) { require.NoError(t, os.Symlink(".", filepath.Join(dir, "dir.yaml"))) },
			wantPos: "dir.yaml", want: "the rule directory itself",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "rules")
			require.NoError(t, os.Mkdir(dir, 0o755))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "0.yaml"), []byte(base0), 0o644))
			require.NoError(t, os.WriteFile(filepath.Join(dir, "r.yaml"), []byte(rule("linked", "fever")), 0o644))
			tc.setup(t, dir)

			eng, err := loadWithin(t, dir)
			require.Nil(t, eng, tc.reason)
			require.ErrorIs(t, err, triage.ErrInvalidRuleSet, tc.reason)
			var list triage.ErrorList
			require.ErrorAs(t, err, &list)
			found := false
			for _, e := range list {
				found = found || e.Pos.File == tc.wantPos && strings.Contains(e.Msg, tc.want)
			}
			assert.True(t, found, "%s: want %s: ...%s..., got\n%v", tc.reason, tc.wantPos, tc.want, err)
			shown := list.ErrorsWithSnippets()
			assert.NotContains(t, shown, "root:", "%s: nothing of a refused file is quoted", tc.reason)
			assert.NotContains(t, shown, "SECRET", tc.reason)
		})
	}
}

// TestLinksInsideTheRuleDirectoryLoad: links that stay inside the rule
// directory are followed, through hidden directories and relative steps.
func TestLinksInsideTheRuleDirectoryLoad(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "0.yaml"), []byte(base0), 0o644))
	require.NoError(t, os.MkdirAll(filepath.Join(dir, ".store", "v1"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(dir, ".store", "v1", "real.yaml"), []byte(rule("linked", "fever")), 0o644))
	require.NoError(t, os.Symlink("v1", filepath.Join(dir, ".store", "current")))
	require.NoError(t, os.Symlink(".store/current/../current/./real.yaml", filepath.Join(dir, "r.yaml")))

	eng, err := loadWithin(t, dir)
	require.NoError(t, err)
	var linked triage.Rule
	for _, r := range eng.Rules() {
		if r.ID == "linked" {
			linked = r
		}
	}
	assert.Equal(t, "r.yaml", linked.Pos.File, "a linked file is named by its link")
	direct, err := triage.Load(fstest.MapFS{"0.yaml": {Data: []byte(base0)}, "r.yaml": {Data: []byte(rule("linked", "fever"))}})
	require.NoError(t, err)
	assert.Equal(t, direct.RuleSet().Hash, eng.RuleSet().Hash, "the hash is of the names and bytes, not of where links lead")
}
