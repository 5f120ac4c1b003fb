package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// editedRules writes a copy of the embedded rule files to a new directory
// with edits made (triples of file, text found exactly once, replacement)
// and returns the directory.
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

// movedThreshold is the edit that moves "more than a few days" from 3 to 4.
var movedThreshold = []string{"pain.yaml", "when: pain_days > 3", "when: pain_days > 4"}

// popsRefer is the edit that makes popping ten times a day a referral.
var popsRefer = []string{"popping.yaml", "pops_per_day >= 10\n    action: caution", "pops_per_day >= 10\n    action: refer"}

// TestDiffGolden pins the human report and the JSONL output on
// testdata/diff-answers.jsonl, with the threshold moved and popping ten
// times a day made a referral: line 2 (pain_days 4) becomes self-care and
// line 3 (the same, with recent_trauma unanswered) incomplete, both
// losing a referral; line 4 is still referred for numbness; line 5 (12
// pops a day) gains a referral; lines 1 and 6 do not change; lines 7 to 9
// are errors.
func TestDiffGolden(t *testing.T) {
	ctx := context.Background()
	dir := editedRules(t, append(movedThreshold, popsRefer...)...)
	in := filepath.Join("testdata", "diff-answers.jsonl")
	for _, tc := range []struct {
		name   string
		args   []string
		golden string
	}{
		{name: "human", args: []string{"diff", "--new", dir, in}, golden: "diff.txt"},
		{name: "jsonl", args: []string{"diff", "--jsonl", "--new", dir, in}, golden: "diff.jsonl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runCLI(t, ctx, "", tc.args...)
			assert.Equal(t, exitSeePro, got.code, "someone loses a referral: exit 3")
			golden(t, tc.golden, strings.ReplaceAll(got.stdout, dir, "new-rules"))
			if tc.name == "jsonl" {
				golden(t, "diff-jsonl.summary", got.stderr)
			} else {
				assert.Empty(t, got.stderr)
			}
		})
	}
}

func TestDiffExitCodes(t *testing.T) {
	ctx := context.Background()
	moved := editedRules(t, movedThreshold...)
	lowered := editedRules(t, "pain.yaml", "when: pain_days > 3", "when: pain_days > 2")
	broken := editedRules(t, "pain.yaml", "when: pain_days > 3", "when: pain_dayz > 3")
	sc := strings.TrimSpace(strings.ReplaceAll(readAnswers(t, "self-care.json"), "\n", ""))
	day := func(n int) string {
		return strings.Replace(sc, `"pain_days": 1`, fmt.Sprintf(`"pain_days": %d`, n), 1) + "\n"
	}
	require.Contains(t, sc, `"pain_days": 1`)
	for _, tc := range []struct {
		name, reason string
		args         []string
		stdin        string
		code         int
		stderr       string
	}{
		{name: "same rules", reason: "nothing can change", args: []string{"diff", "--new", "embedded"}, stdin: day(4), code: exitSelfCare},
		{name: "version of the embedded set", reason: "--old 1.1.0 names the embedded rule set", args: []string{"diff", "--old", "1.1.0", "--new", "embedded"}, stdin: day(4), code: exitSelfCare},
		{name: "lost referral", reason: "pain_days 4 is no longer referred", args: []string{"diff", "--new", moved}, stdin: day(1) + day(4), code: exitSeePro},
		{name: "lost referral in reverse", reason: "--old and --new swapped: a referral gained is a change, exit 5", args: []string{"diff", "--old", moved, "--new", "embedded"}, stdin: day(4), code: exitChanged},
		{name: "gained referral", reason: "pain_days 3 is now referred: a change, but no one loses a referral", args: []string{"diff", "--new", lowered}, stdin: day(3), code: exitChanged},
		{name: "no one at the boundary", reason: "the change touches nobody in the input", args: []string{"diff", "--new", moved}, stdin: day(1) + day(9), code: exitSelfCare},
		{name: "bad line", reason: "a bad line is an error, exit 2, when no one loses a referral", args: []string{"diff", "--new", moved}, stdin: day(1) + "\n", code: exitBadInput},
		{name: "bad line and lost referral", reason: "a lost referral outranks a bad line", args: []string{"diff", "--new", moved}, stdin: "\n" + day(4), code: exitSeePro},
		{name: "no --new", reason: "--new is required", args: []string{"diff"}, code: exitBadInput, stderr: "--new DIR is required"},
		{name: "unknown version", reason: "a version is only known when it is the embedded one's", args: []string{"diff", "--old", "0.9.0", "--new", moved}, code: exitBadInput, stderr: "not the version of the embedded rule set (1.1.0)"},
		{name: "new does not load", reason: "rules that do not load are bad rules", args: []string{"diff", "--new", broken}, code: exitBadInput, stderr: "do not load"},
		{name: "two files", reason: "one input at most", args: []string{"diff", "--new", moved, "a", "b"}, code: exitBadInput, stderr: "at most one answers file"},
		{name: "missing file", reason: "a file that cannot be opened", args: []string{"diff", "--new", moved, "nope.jsonl"}, code: exitBadInput, stderr: "nope.jsonl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := runCLI(t, ctx, tc.stdin, tc.args...)
			assert.Equal(t, tc.code, got.code, "%s\nstdout:\n%s\nstderr:\n%s", tc.reason, got.stdout, got.stderr)
			assert.Contains(t, got.stderr, tc.stderr)
			if tc.code != exitBadInput || tc.stdin != "" {
				assert.Contains(t, got.stdout, noteLine, "every report ends with the notice")
			}
		})
	}
}

// TestDiffInterrupted: a run stopped by its context writes no report and
// exits 1, never a report that looks complete.
func TestDiffInterrupted(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	moved := editedRules(t, movedThreshold...)
	for _, args := range [][]string{{"diff", "--new", moved}, {"diff", "--jsonl", "--new", moved}} {
		got := runCLI(t, ctx, readAnswers(t, "self-care.json"), args...)
		assert.Equal(t, exitFailure, got.code)
		assert.Empty(t, got.stdout)
		assert.Contains(t, got.stderr, "the comparison is incomplete")
	}
}

// TestDiffBoundary runs diff --jsonl on generated answers with the
// threshold moved, and checks that the lines that lose a referral are
// exactly the generated people with pain_days 4 and no other referral,
// worked out here from the embedded engine's own verdicts.
func TestDiffBoundary(t *testing.T) {
	ctx := context.Background()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	var input bytes.Buffer
	require.NoError(t, gen.Write(&input, eng.Questions(), 3000, 7))

	want := map[int]bool{}
	sc := bufio.NewScanner(bytes.NewReader(input.Bytes()))
	for line := 1; sc.Scan(); line++ {
		var raw map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &raw))
		if raw["pain_days"] != float64(4) {
			continue
		}
		a, err := eng.DecodeAnswers(bytes.NewReader(sc.Bytes()))
		require.NoError(t, err)
		v, err := eng.Evaluate(ctx, a)
		require.NoError(t, err)
		refers := 0
		for _, r := range v.Reasons {
			if r.Action == triage.Refer {
				refers++
			}
		}
		if refers == 1 {
			want[line] = true
		}
	}
	require.Greater(t, len(want), 20)

	got := runCLI(t, ctx, input.String(), "diff", "--jsonl", "--new", editedRules(t, movedThreshold...))
	require.Equal(t, exitSeePro, got.code, got.stderr)
	lost := map[int]bool{}
	lines := strings.Split(strings.TrimSpace(got.stdout), "\n")
	for _, l := range lines[:len(lines)-1] {
		var c diffChangeLine
		require.NoError(t, json.Unmarshal([]byte(l), &c), l)
		assert.Equal(t, []string{"pain_more_than_few_days"}, c.Unfired.Refer, l)
		if c.LostReferral {
			lost[c.Line] = true
		}
	}
	assert.Equal(t, want, lost)
	var s diffSummary
	require.NoError(t, json.Unmarshal([]byte(lines[len(lines)-1]), &s))
	assert.Equal(t, len(want), s.Summary.LostReferrals)
	assert.Equal(t, 3000, s.Summary.Lines)
	assert.Equal(t, 3000, s.Summary.Compared)
	assert.Zero(t, s.Summary.Errors)
	assert.Equal(t, triage.Disclaimer, s.Summary.Notice)
}
