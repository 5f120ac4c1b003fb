package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/schema"
	"github.com/redflagkit/redflag/triage"
)

// TestInitPassesEveryCheck writes a rule set into a directory that does
// not exist yet and runs lint, test and test --mutate on it as written.
func TestInitPassesEveryCheck(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "rules")
	got := runCLI(t, t.Context(), "", "init", dir)
	require.Equal(t, exitSelfCare, got.code, got.stderr)
	assert.Empty(t, got.stderr)
	assert.Contains(t, got.stdout, "wrote an example rule set to "+dir)
	assert.Contains(t, got.stdout, "It is an example, not clinical advice")
	assert.True(t, strings.HasSuffix(got.stdout, triage.Disclaimer+"\n"), "ends with the not-a-diagnosis note")

	checks := []struct {
		reason string
		args   []string
		stdout []string
	}{
		{"it loads, and so do its cases", []string{"lint", dir}, []string{"6 questions, 5 rules, 13 test cases: no problems"}},
		{"its cases pass", []string{"test", dir}, []string{"cases: 13 passed, 0 failed", "\nok\n"}},
		{"its cases cover everything and kill every mutant", []string{"test", "--mutate", "--min-coverage", "100", dir},
			[]string{"coverage: 100.0%", "0 survived", "score: 100.0%", "\nok\n"}},
	}
	for _, c := range checks {
		res := runCLI(t, t.Context(), "", c.args...)
		assert.Equal(t, exitSelfCare, res.code, "%s\nstdout:\n%s\nstderr:\n%s", c.reason, res.stdout, res.stderr)
		for _, s := range c.stdout {
			assert.Contains(t, res.stdout, s, c.reason)
		}
	}

	// The files as the user sees them.
	rules, err := os.ReadFile(filepath.Join(dir, "rules.yaml"))
	require.NoError(t, err)
	tests, err := os.ReadFile(filepath.Join(dir, "rules_test.yaml"))
	require.NoError(t, err)
	for _, f := range []struct {
		name, data, schema string
	}{{"rules.yaml", string(rules), "rules.schema.json"}, {"rules_test.yaml", string(tests), "tests.schema.json"}} {
		first, _, _ := strings.Cut(f.data, "\n")
		assert.Equal(t, "# yaml-language-server: $schema=.schema/"+f.schema, first, "%s: the first line points editors at the schema written beside it", f.name)
		assert.Contains(t, f.data, "NOT CLINICAL ADVICE", "%s says it is an example", f.name)
		want, err := schema.FS.ReadFile(f.schema)
		require.NoError(t, err)
		written, err := os.ReadFile(filepath.Join(dir, ".schema", f.schema))
		require.NoError(t, err)
		assert.Equal(t, string(want), string(written), "the schema is written as shipped, so editors work offline")
	}
	assert.Contains(t, string(rules), "it is not a diagnosis")
	for _, want := range []string{"type: boolean", "type: integer", "type: number", "type: choice", "ask_if:", "action: refer", "action: caution", "note:", "cite:", "self_care:"} {
		assert.Contains(t, string(rules), want, "the example shows %s", want)
	}
}

// TestInitOutput is what docs/cli.md shows: init run from a directory, with
// a relative DIR.
func TestInitOutput(t *testing.T) {
	wd, err := os.Getwd()
	require.NoError(t, err)
	t.Chdir(t.TempDir())
	got := runCLI(t, t.Context(), "", "init", "my-rules")
	require.Equal(t, exitSelfCare, got.code, got.stderr)
	t.Chdir(wd)
	golden(t, "init.txt", got.stdout)
}

func TestInitRefusesToOverwrite(t *testing.T) {
	tests := []struct {
		name, reason string
		existing     string // a file made before init runs, within the directory
		wantListed   []string
	}{
		{name: "rules file", reason: "a rule file of the user's is never replaced", existing: "rules.yaml", wantListed: []string{"rules.yaml"}},
		{name: "test file", reason: "one existing file is enough to write nothing", existing: "rules_test.yaml", wantListed: []string{"rules_test.yaml"}},
		{name: "schema", reason: "the schema files count too", existing: filepath.Join(".schema", "rules.schema.json"), wantListed: []string{filepath.Join(".schema", "rules.schema.json")}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			p := filepath.Join(dir, tt.existing)
			require.NoError(t, os.MkdirAll(filepath.Dir(p), 0o755))
			require.NoError(t, os.WriteFile(p, []byte("mine\n"), 0o644))
			got := runCLI(t, t.Context(), "", "init", dir)
			assert.Equal(t, exitBadInput, got.code, tt.reason)
			assert.Empty(t, got.stdout)
			assert.Contains(t, got.stderr, "already holds files redflag init would write, so nothing was written", tt.reason)
			for _, f := range tt.wantListed {
				assert.Contains(t, got.stderr, "  "+filepath.Join(dir, f)+"\n", tt.reason)
			}
			data, err := os.ReadFile(p)
			require.NoError(t, err)
			assert.Equal(t, "mine\n", string(data), "the existing file is untouched")
			entries, err := os.ReadDir(dir)
			require.NoError(t, err)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name())
			}
			first, _, _ := strings.Cut(filepath.ToSlash(tt.existing), "/")
			assert.Equal(t, []string{first}, names, "nothing else was written")
		})
	}
}

func TestInitArguments(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	require.NoError(t, os.WriteFile(file, nil, 0o644))
	tests := []struct {
		name, reason string
		args         []string
		code         int
		stderr       string
	}{
		{name: "no directory", reason: "init needs to be told where", args: []string{"init"}, code: exitBadInput, stderr: "want one directory to write the rule set into, got 0"},
		{name: "two directories", reason: "one rule set at a time", args: []string{"init", "a", "b"}, code: exitBadInput, stderr: "got 2"},
		{name: "a file", reason: "a file is not a directory", args: []string{"init", file}, code: exitBadInput, stderr: "is not a directory"},
		{name: "help", reason: "-h prints the usage and succeeds", args: []string{"init", "-h"}, code: exitSelfCare, stderr: "Usage: redflag init DIR"},
		{name: "unknown flag", reason: "usage error", args: []string{"init", "--force", "x"}, code: exitBadInput, stderr: "flag provided but not defined: -force"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := runCLI(t, t.Context(), "", tt.args...)
			assert.Equal(t, tt.code, got.code, tt.reason)
			assert.Contains(t, got.stderr, tt.stderr, tt.reason)
		})
	}
}
