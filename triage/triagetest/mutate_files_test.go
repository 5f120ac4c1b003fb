package triagetest

import (
	"context"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// writeDir writes the clinic rule set and its tests into dir.
func writeDir(t *testing.T, dir string) {
	t.Helper()
	for name, f := range clinicFS(allCases) {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), f.Data, 0o644))
	}
}

// verifyWithin runs mutation testing on dir, failing the test instead of
// hanging if it never returns.
func verifyWithin(t *testing.T, dir string) (*Report, error) {
	t.Helper()
	fsys := os.DirFS(dir)
	eng, err := triage.Load(fsys)
	require.NoError(t, err)
	type result struct {
		rep *Report
		err error
	}
	done := make(chan result, 1)
	go func() {
		rep, err := Verify(context.Background(), eng, fsys, WithMutation())
		done <- result{rep, err}
	}()
	select {
	case r := <-done:
		return r.rep, r.err
	case <-time.After(time.Minute): // a guard against a hang, not a speed limit
		t.Fatal("mutation testing blocked")
		return nil, nil
	}
}

// TestMutationReadsFilesAsLoadDoes: mutation testing reads the rule
// directory through the same rules as Load: a named pipe beside the rules
// never blocks it, and links that stay inside the directory work.
func TestMutationReadsFilesAsLoadDoes(t *testing.T) {
	t.Run("named pipe", func(t *testing.T) {
		dir := t.TempDir()
		writeDir(t, dir)
		require.NoError(t, syscall.Mkfifo(filepath.Join(dir, "notes.txt"), 0o644))
		rep, err := verifyWithin(t, dir)
		require.NoError(t, err, "a pipe that is not a rule file is not read")
		require.NotNil(t, rep.Mutation)
	})
	t.Run("ConfigMap volume", func(t *testing.T) {
		dir := t.TempDir()
		data := filepath.Join(dir, "..2026_12_01_00_00_00.1")
		require.NoError(t, os.Mkdir(data, 0o755))
		writeDir(t, data)
		require.NoError(t, os.Symlink(filepath.Base(data), filepath.Join(dir, "..data")))
		entries, err := os.ReadDir(data)
		require.NoError(t, err)
		for _, e := range entries {
			require.NoError(t, os.Symlink(filepath.Join("..data", e.Name()), filepath.Join(dir, e.Name())))
		}
		rep, err := verifyWithin(t, dir)
		require.NoError(t, err, "files linked into ..data are read as Load reads them")
		assert.NotEmpty(t, rep.Mutation.Mutants)
	})
	t.Run("link outside", func(t *testing.T) {
		dir := t.TempDir()
		writeDir(t, dir)
		outside := filepath.Join(t.TempDir(), "secret.yaml")
		require.NoError(t, os.WriteFile(outside, []byte("SECRET"), 0o644))
		require.NoError(t, os.Symlink(outside, filepath.Join(dir, "evil.yaml")))
		_, err := triage.Load(os.DirFS(dir))
		require.Error(t, err, "Load refuses the link, so mutation testing never starts")
		assert.NotContains(t, err.Error(), "SECRET")
	})
}
