//go:build linux

package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// TestBatchPercentOnATerminal: with a FILE argument the size is known, so
// the progress line on a terminal ends at 100%; --compact's summary ends
// with the notice its lines leave out. The helpers are in pty_test.go.
func TestBatchPercentOnATerminal(t *testing.T) {
	dir := t.TempDir()
	in := filepath.Join(dir, "in.jsonl")
	require.NoError(t, os.WriteFile(in, []byte(strings.Repeat(`{"fever": true}`+"\n", 500)+"\n"), 0o644))
	out, err := os.Create(filepath.Join(dir, "out.jsonl"))
	require.NoError(t, err)
	defer out.Close()
	term, cmd := startOnPTY(t, out, "check", "--jsonl", "--compact", in)
	code := exitCode(t, cmd)
	<-term.done
	got := term.text()
	assert.Equal(t, exitBadInput, code, got)
	assert.Contains(t, got, "\r501 lines, ", "a progress line, overwritten in place")
	assert.Regexp(t, ` lines/s, 1 errors, 100% *\n`, got, "the last progress line: all of the file")
	assert.Contains(t, got, ", errors 1 (line 501)\n", "the summary names the failing line")
	assert.True(t, strings.HasSuffix(got, "Note: "+triage.Disclaimer+"\n"), got)
	data, err := os.ReadFile(out.Name())
	require.NoError(t, err)
	assert.Equal(t, 501, strings.Count(string(data), "\n"), "results go to standard output, not the terminal")
	assert.NotContains(t, string(data), "advice")
}
