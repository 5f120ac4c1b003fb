package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	beamlog "github.com/apache/beam/sdks/v2/go/pkg/beam/log"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/testing/ptest"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"
	"github.com/stretchr/testify/require"
)

func TestMain(m *testing.M) {
	beamlog.LogLevel = "warn"
	ptest.MainWithDefault(m, "prism")
}

// setFlags sets the command's flags for one test and restores them after.
func setFlags(t *testing.T, in, out, rules, old, new string, compactOn bool) {
	t.Helper()
	saved := []string{*input, *output, *rulesDir, *oldRules, *newRules}
	savedCompact := *compact
	*input, *output, *rulesDir, *oldRules, *newRules, *compact = in, out, rules, old, new, compactOn
	t.Cleanup(func() {
		*input, *output, *rulesDir, *oldRules, *newRules = saved[0], saved[1], saved[2], saved[3], saved[4]
		*compact = savedCompact
	})
}

// TestRun runs the command's pipelines on prism: a re-triage with
// --compact and a diff of the embedded rule set with itself.
func TestRun(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "answers.jsonl")
	require.NoError(t, os.WriteFile(in, []byte("{\"fever\": true}\n{oops\n"), 0o644))

	setFlags(t, in, filepath.Join(dir, "run"), "", embedded, "", true)
	p, err := build()
	require.NoError(t, err)
	require.NoError(t, beamx.Run(context.Background(), p))
	verdicts, err := os.ReadFile(filepath.Join(dir, "run.verdicts.jsonl"))
	require.NoError(t, err)
	require.Contains(t, string(verdicts), `{"line":1,"verdict":{"outcome":"see_professional","refer":["fever"]`)
	errs, err := os.ReadFile(filepath.Join(dir, "run.errors.jsonl"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(errs), `{"line":2,"error":"invalid answers: malformed JSON`), string(errs))

	setFlags(t, in, filepath.Join(dir, "diff"), "", embedded, embedded, false)
	p, err = build()
	require.NoError(t, err)
	require.NoError(t, beamx.Run(context.Background(), p))
	summary, err := os.ReadFile(filepath.Join(dir, "diff.summary.json"))
	require.NoError(t, err)
	require.Contains(t, string(summary), `{"summary":{"lines":2,"compared":1,"unchanged":1,"changed":0,`)
}

// TestBuildErrors: flags that do not fit together, and rules that do not
// load, fail before any pipeline runs.
func TestBuildErrors(t *testing.T) {
	dir := t.TempDir()
	for _, tc := range []struct {
		name, rules, old, new string
		compact               bool
		want                  string
	}{
		{name: "old without new", old: dir, want: "--old is for a diff"},
		{name: "compact in a diff", old: embedded, new: embedded, compact: true, want: "--rules and --compact are for re-triage"},
		{name: "no such rules", rules: filepath.Join(dir, "nope"), old: embedded, want: "--rules"},
		{name: "bad rules", rules: dir, old: embedded, want: "--rules"},
		{name: "no such new", old: embedded, new: filepath.Join(dir, "nope"), want: "--new"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			setFlags(t, "in.jsonl", filepath.Join(dir, "out"), tc.rules, tc.old, tc.new, tc.compact)
			_, err := build()
			require.ErrorContains(t, err, tc.want)
		})
	}
}
