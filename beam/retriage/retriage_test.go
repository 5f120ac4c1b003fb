package retriage

import (
	"bytes"
	"cmp"
	"encoding/json"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	_ "github.com/apache/beam/sdks/v2/go/pkg/beam/io/filesystem/local"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
	"github.com/stretchr/testify/require"
)

// The tests run their pipelines on prism, Beam's portable runner, inside
// the test process: ptest's default runner. Prism starts its job service
// (which also serves the Fn API) on a free port and, with no environment
// type given, runs the SDK worker in this process too ("loopback", its
// pool on 127.0.0.1), and the SDK connects to localhost: nothing leaves the
// machine and no container or network is needed. (Prism's listener binds
// the wildcard address, ":0"; the SDK offers no way to choose.)
func TestMain(m *testing.M) {
	// Prism and the SDK harness log every job's progress at INFO; the
	// harness sets slog's default from beamlog.LogLevel in beam.Init.
	beamlog.LogLevel = "warn"
	code := ptest.MainRetWithDefault(m, "prism")
	if redflagBin != "" {
		os.RemoveAll(filepath.Dir(redflagBin))
	}
	os.Exit(code)
}

var (
	redflagOnce sync.Once
	redflagBin  string
	redflagErr  error
)

// redflag builds cmd/redflag from this checkout, once, and returns its
// path: the reference the pipeline's output is compared with.
func redflag(t *testing.T) string {
	t.Helper()
	redflagOnce.Do(func() {
		dir, err := os.MkdirTemp("", "redflag-beam-test")
		if err != nil {
			redflagErr = err
			return
		}
		redflagBin = filepath.Join(dir, "redflag")
		cmd := exec.Command("go", "build", "-o", redflagBin, "./cmd/redflag")
		cmd.Dir = filepath.Join("..", "..")
		if out, err := cmd.CombinedOutput(); err != nil {
			redflagErr = &buildError{out: string(out), err: err}
		}
	})
	require.NoError(t, redflagErr)
	return redflagBin
}

type buildError struct {
	out string
	err error
}

func (e *buildError) Error() string { return "go build ./cmd/redflag: " + e.err.Error() + "\n" + e.out }

// run runs redflag with args and returns its standard output; exit codes
// other than 0 are check's and diff's verdict codes, not failures.
func run(t *testing.T, args ...string) []byte {
	t.Helper()
	var stdout, stderr bytes.Buffer
	cmd := exec.Command(redflag(t), args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !(errorsAs(err, &ee) && ee.ExitCode() != 1) {
		t.Fatalf("redflag %s: %v\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.Bytes()
}

func errorsAs(err error, target **exec.ExitError) bool {
	e, ok := err.(*exec.ExitError)
	*target = e
	return ok
}

// generated writes n generated answer lines, as genanswers does, to a
// file and returns its path.
func generated(t *testing.T, n int, seed uint64) string {
	t.Helper()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	var b bytes.Buffer
	require.NoError(t, gen.Write(&b, eng.Questions(), n, seed))
	path := filepath.Join(t.TempDir(), "answers.jsonl")
	require.NoError(t, os.WriteFile(path, b.Bytes(), 0o644))
	return path
}

// lines reads a JSONL file; a file that was never written (an empty
// output) has no lines.
func lines(t *testing.T, path string) []string {
	t.Helper()
	data, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return nil
	}
	require.NoError(t, err)
	return splitJSONL(data)
}

func splitJSONL(data []byte) []string {
	var out []string
	for l := range strings.SplitSeq(string(data), "\n") {
		if l != "" {
			out = append(out, l)
		}
	}
	return out
}

// byLine sorts JSON lines by their "line" member, as Beam keeps no order.
func byLine(t *testing.T, ls []string) []string {
	t.Helper()
	num := func(l string) int {
		var v struct {
			Line int `json:"line"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &v), l)
		return v.Line
	}
	out := slices.Clone(ls)
	slices.SortStableFunc(out, func(a, b string) int { return cmp.Compare(num(a), num(b)) })
	return out
}

// counters returns the pipeline's counters in the redflag namespace.
func counters(res beam.PipelineResult) map[string]int64 {
	out := map[string]int64{}
	for _, c := range res.Metrics().AllMetrics().Counters() {
		if c.Key.Namespace == "redflag" {
			out[c.Key.Name] += c.Result()
		}
	}
	return out
}

// runCheck runs Check on the file at in and returns the verdict and
// error lines, each sorted by line number, and the counters.
func runCheck(t *testing.T, in string, r Rules, compact bool) (verdicts, errs []string, count map[string]int64) {
	t.Helper()
	out := t.TempDir()
	p, s := beam.NewPipelineWithRoot()
	c := Check(s, ReadLines(s, in), r, compact)
	textio.Write(s, filepath.Join(out, "verdicts.jsonl"), c.Verdicts)
	textio.Write(s, filepath.Join(out, "errors.jsonl"), c.Errors)
	res, err := ptest.RunWithMetrics(p)
	require.NoError(t, err)
	return byLine(t, lines(t, filepath.Join(out, "verdicts.jsonl"))),
		byLine(t, lines(t, filepath.Join(out, "errors.jsonl"))),
		counters(res)
}

// requireSameAsCheck checks that verdicts and errs together are check
// --jsonl's output want (in input order), verdict lines in verdicts and
// error lines in errs, and that the counters count them.
func requireSameAsCheck(t *testing.T, want []byte, verdicts, errs []string, count map[string]int64) {
	t.Helper()
	var wantVerdicts, wantErrs []string
	outcomes := map[string]int64{}
	for _, l := range splitJSONL(want) {
		var v struct {
			Verdict *struct {
				Outcome string `json:"outcome"`
			} `json:"verdict"`
		}
		require.NoError(t, json.Unmarshal([]byte(l), &v))
		if v.Verdict == nil {
			wantErrs = append(wantErrs, l)
			continue
		}
		wantVerdicts = append(wantVerdicts, l)
		outcomes[v.Verdict.Outcome]++
	}
	// Compared as whole slices only when equal, so that a failure shows
	// the first differing line rather than megabytes.
	require.Equal(t, len(wantVerdicts), len(verdicts), "verdict lines")
	for i := range wantVerdicts {
		require.Equal(t, wantVerdicts[i], verdicts[i])
	}
	require.Equal(t, wantErrs, errs)
	if len(wantErrs) > 0 {
		outcomes["errors"] = int64(len(wantErrs))
	}
	require.Equal(t, outcomes, count)
}

// TestCheckMatchesRedflagCheck runs the pipeline on 20,000 generated lines
// and compares its output, line by line, with redflag check --jsonl's,
// full and --compact.
func TestCheckMatchesRedflagCheck(t *testing.T) {
	in := generated(t, 20000, 1)
	r, err := EmbeddedRules()
	require.NoError(t, err)
	for _, compact := range []bool{false, true} {
		args := []string{"check", "--jsonl", in}
		if compact {
			args = []string{"check", "--jsonl", "--compact", in}
		}
		want := run(t, args...)
		verdicts, errs, count := runCheck(t, in, r, compact)
		require.Len(t, verdicts, 20000)
		requireSameAsCheck(t, want, verdicts, errs, count)
	}
}

// TestCheckRulesDir runs the pipeline with a rule directory, as --rules
// DIR does: the verdicts name the edited rule set's hash, as check's do.
func TestCheckRulesDir(t *testing.T) {
	dir := editedRules(t, movedThreshold...)
	in := generated(t, 500, 3)
	r, err := ReadRules(dir)
	require.NoError(t, err)
	verdicts, errs, count := runCheck(t, in, r, true)
	requireSameAsCheck(t, run(t, "check", "--jsonl", "--compact", "--rules", dir, in), verdicts, errs, count)
}

// poison is a file of good and bad lines: each bad line is there with the
// reason it must be an error.
func poison(t *testing.T) (path string, bad map[int]string) {
	t.Helper()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	var good bytes.Buffer
	require.NoError(t, gen.Write(&good, eng.Questions(), 50, 9))
	goodLines := splitJSONL(good.Bytes())

	huge := `{"fever": true, "pad": "` + strings.Repeat("x", MaxLineBytes) + `"}`
	hugeCR := strings.Repeat("y", MaxLineBytes/2) + "\r" + strings.Repeat("z", MaxLineBytes)
	// Within the line limit, but over the engine's answers limit.
	fits := `{"fever": true}` + strings.Repeat(" ", MaxLineBytes-len(`{"fever": true}`))
	items := []struct{ text, bad string }{
		{`{"fever": tru`, "malformed JSON"},
		{``, "empty line"},
		{`   `, "blank line"},
		{huge, "over 1 MiB"},
		{`{"fever": true}` + "\r", "CRLF line: fine"},
		{`{"fever": "yes please"}`, "wrong type"},
		{`{"no_such_question": 1}`, "unknown question"},
		{`[1, 2, 3]`, "not an object"},
		{hugeCR, "over 1 MiB with a bare CR"},
		{fits, "over Limits.AnswersSize"},
		{`{"fever": true}` + "\r" + `{"fever": false}`, "bare CR"},
		{`{"fever": true}{"fever": true}`, "two objects"},
		{"\x00\xff\xfe", "binary"},
		{`{"fever": true, "fever": false}`, "duplicate key"},
	}
	var b strings.Builder
	bad = map[int]string{}
	no := 0
	for i, it := range items {
		for _, g := range goodLines[i*3 : i*3+3] {
			b.WriteString(g + "\n")
			no++
		}
		b.WriteString(it.text + "\n")
		no++
		if it.bad != "" && !strings.HasPrefix(it.bad, "CRLF") {
			bad[no] = it.bad
		}
	}
	// The last line has no line ending, and is malformed.
	b.WriteString(`{"fever":`)
	no++
	bad[no] = "unterminated last line, malformed"
	path = filepath.Join(t.TempDir(), "poisoned.jsonl")
	require.NoError(t, os.WriteFile(path, []byte(b.String()), 0o644))
	return path, bad
}

// TestPoisonedInput checks that every bad line of a poisoned file is in
// the errors output, with its line number and, for malformed JSON, its
// position, and never among the verdicts; the run does not fail, and the
// output is still redflag check --jsonl's.
func TestPoisonedInput(t *testing.T) {
	in, bad := poison(t)
	r, err := EmbeddedRules()
	require.NoError(t, err)
	verdicts, errs, count := runCheck(t, in, r, false)
	requireSameAsCheck(t, run(t, "check", "--jsonl", in), verdicts, errs, count)

	got := map[int]bool{}
	for _, l := range errs {
		var e Result
		require.NoError(t, json.Unmarshal([]byte(l), &e))
		require.Nil(t, e.Verdict)
		require.NotEmpty(t, e.Error)
		if strings.Contains(e.Error, "malformed JSON") {
			require.NotEmpty(t, e.Errors, l)
			require.NotNil(t, e.Errors[0].Position, l)
		}
		got[e.Line] = true
	}
	for no, why := range bad {
		require.True(t, got[no], "line %d (%s) is not in the errors output", no, why)
	}
	require.Len(t, got, len(bad), "errors beyond the poisoned lines")
	for _, l := range verdicts {
		var v Result
		require.NoError(t, json.Unmarshal([]byte(l), &v))
		require.NotNil(t, v.Verdict)
		require.False(t, bad[v.Line] != "", "line %d is poisoned but has a verdict", v.Line)
	}
}

// editedRules copies the embedded rule set to a directory with each edit
// (file, old, new) applied once, as cmd/redflag's diff tests do.
func editedRules(t *testing.T, edits ...string) string {
	t.Helper()
	dir := t.TempDir()
	entries, err := fs.ReadDir(rules.FS, ".")
	require.NoError(t, err)
	files := map[string]string{}
	for _, e := range entries {
		data, err := fs.ReadFile(rules.FS, e.Name())
		require.NoError(t, err)
		files[e.Name()] = string(data)
	}
	for i := 0; i+2 < len(edits); i += 3 {
		require.Equal(t, 1, strings.Count(files[edits[i]], edits[i+1]), "%s: %q", edits[i], edits[i+1])
		files[edits[i]] = strings.Replace(files[edits[i]], edits[i+1], edits[i+2], 1)
	}
	for name, text := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644))
	}
	return dir
}

// movedThreshold moves "more than a few days" from 3 to 4; popsRefer
// makes popping ten times a day a referral.
var (
	movedThreshold = []string{"pain.yaml", "when: pain_days > 3", "when: pain_days > 4"}
	popsRefer      = []string{"popping.yaml", "pops_per_day >= 10\n    action: caution", "pops_per_day >= 10\n    action: refer"}
)

// TestDiffMatchesRedflagDiff runs the diff pipeline on 20,000 generated
// lines, and a few bad ones, against a copy of the rule set with a
// threshold moved and a caution made a referral, and compares its output
// with redflag diff --jsonl's: the same change and error lines, and the
// same summary.
func TestDiffMatchesRedflagDiff(t *testing.T) {
	dir := editedRules(t, append(slices.Clone(movedThreshold), popsRefer...)...)
	gen := generated(t, 20000, 5)
	data, err := os.ReadFile(gen)
	require.NoError(t, err)
	in := filepath.Join(t.TempDir(), "answers.jsonl")
	require.NoError(t, os.WriteFile(in, append(data, "\n{\"fever\": 1}\n{oops\n"...), 0o644))

	want := splitJSONL(run(t, "diff", "--jsonl", "--new", dir, in))
	require.NotEmpty(t, want)
	wantSummary, wantLines := want[len(want)-1], want[:len(want)-1]

	old, err := EmbeddedRules()
	require.NoError(t, err)
	nw, err := ReadRules(dir)
	require.NoError(t, err)
	out := t.TempDir()
	p, s := beam.NewPipelineWithRoot()
	d, err := Diff(s, ReadLines(s, in), old, nw)
	require.NoError(t, err)
	textio.Write(s, filepath.Join(out, "changes.jsonl"), d.Changes)
	textio.Write(s, filepath.Join(out, "errors.jsonl"), d.Errors)
	textio.Write(s, filepath.Join(out, "summary.json"), d.Summary)
	res, err := ptest.RunWithMetrics(p)
	require.NoError(t, err)

	changes := lines(t, filepath.Join(out, "changes.jsonl"))
	errs := lines(t, filepath.Join(out, "errors.jsonl"))
	require.Len(t, errs, 3) // the empty line, the wrong type, the malformed JSON
	require.Equal(t, byLine(t, wantLines), byLine(t, append(changes, errs...)))
	require.Equal(t, []string{wantSummary}, lines(t, filepath.Join(out, "summary.json")))

	var sum Summary
	require.NoError(t, json.Unmarshal([]byte(wantSummary), &sum))
	require.Positive(t, sum.Summary.LostReferrals)
	count := counters(res)
	require.Equal(t, int64(sum.Summary.Changed), count["diff_changed"])
	require.Equal(t, int64(sum.Summary.Unchanged), count["diff_unchanged"])
	require.Equal(t, int64(sum.Summary.LostReferrals), count["diff_lost_referral"])
	require.Equal(t, int64(sum.Summary.Errors), count["errors"])
}

// TestDiffEmptyInput: an empty file still gets its summary.
func TestDiffEmptyInput(t *testing.T) {
	in := filepath.Join(t.TempDir(), "empty.jsonl")
	require.NoError(t, os.WriteFile(in, nil, 0o644))
	dir := editedRules(t, movedThreshold...)
	want := splitJSONL(run(t, "diff", "--jsonl", "--new", dir, in))

	old, err := EmbeddedRules()
	require.NoError(t, err)
	nw, err := ReadRules(dir)
	require.NoError(t, err)
	out := t.TempDir()
	p, s := beam.NewPipelineWithRoot()
	d, err := Diff(s, ReadLines(s, in), old, nw)
	require.NoError(t, err)
	textio.Write(s, filepath.Join(out, "summary.json"), d.Summary)
	ptest.RunAndValidate(t, p)
	require.Equal(t, want, lines(t, filepath.Join(out, "summary.json")))
}

// TestBadRules: a rule set that does not load fails before the pipeline
// runs.
func TestBadRules(t *testing.T) {
	dir := editedRules(t, movedThreshold...)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pain.yaml"), []byte("rules: [\n"), 0o644))
	r, err := ReadRules(dir)
	require.NoError(t, err)
	_, err = r.Load()
	require.Error(t, err)
	_, s := beam.NewPipelineWithRoot()
	old, err := EmbeddedRules()
	require.NoError(t, err)
	_, err = Diff(s, beam.Create(s, Chunk{}), old, r)
	require.ErrorContains(t, err, "--new")
}
