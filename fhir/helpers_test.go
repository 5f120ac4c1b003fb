package fhir_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

const baseURL = "https://example.org/fhir"

// fixedNow is the clock of every golden GuidanceResponse.
func fixedNow() time.Time { return time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC) }

func newForm(t testing.TB, eng *triage.Engine) *fhir.Form {
	t.Helper()
	f, err := fhir.New(eng, fhir.Options{BaseURL: baseURL, Now: fixedNow})
	require.NoError(t, err)
	return f
}

func defaultForm(t testing.TB) *fhir.Form {
	t.Helper()
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	return newForm(t, eng)
}

func askifForm(t testing.TB) *fhir.Form {
	t.Helper()
	eng, err := triage.Load(os.DirFS("testdata/askif"))
	require.NoError(t, err)
	return newForm(t, eng)
}

// golden compares v, as indented JSON, with testdata/golden/name, or
// rewrites the file with -update.
func golden(t *testing.T, name string, v any) {
	t.Helper()
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	require.NoError(t, enc.Encode(v))
	path := filepath.Join("testdata", "golden", name)
	if *update {
		require.NoError(t, os.WriteFile(path, buf.Bytes(), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "run go test ./fhir -update to write it")
	require.Equal(t, string(want), buf.String(), "%s differs; if the change is intended, run go test ./fhir -update", path)
}
