package triagetest_test

import (
	"os"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// demoFS returns, in memory, the small rule set with every question type
// that triage's behaviour corpus uses.
func demoFS() fstest.MapFS {
	data, err := os.ReadFile("../testdata/corpus/demo/demo.yaml")
	if err != nil {
		panic(err)
	}
	return fstest.MapFS{"demo.yaml": {Data: data}}
}

func mustLoad(t testing.TB, fsys fstest.MapFS) *triage.Engine {
	t.Helper()
	eng, err := triage.Load(fsys)
	require.NoError(t, err)
	return eng
}

// errorLines returns the one-line form of every error in err.
func errorLines(t *testing.T, err error) []string {
	t.Helper()
	var list triage.ErrorList
	require.ErrorAs(t, err, &list)
	out := make([]string, len(list))
	for i, e := range list {
		out[i] = e.Error()
	}
	return out
}

// lines joins YAML lines, so tests can count line numbers at a glance.
func lines(ls ...string) string { return strings.Join(ls, "\n") + "\n" }
