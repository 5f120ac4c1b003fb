package triage_test

import (
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestReadmeQuickstart keeps the README's quickstart identical to Example,
// whose output `go test` checks, so the front door cannot rot.
func TestReadmeQuickstart(t *testing.T) {
	readme, err := os.ReadFile("../README.md")
	require.NoError(t, err)
	_, after, found := strings.Cut(string(readme), "<!-- quickstart")
	require.True(t, found, "README.md has no <!-- quickstart --> marker")
	_, block, found := strings.Cut(after, "```go\n")
	require.True(t, found)
	block, _, found = strings.Cut(block, "```")
	require.True(t, found)

	src, err := os.ReadFile("example_test.go")
	require.NoError(t, err)
	_, body, found := strings.Cut(string(src), "func Example() {\n")
	require.True(t, found)
	body, _, found = strings.Cut(body, "\t// Output:")
	require.True(t, found)
	var want strings.Builder
	for _, line := range strings.Split(strings.TrimRight(body, "\n"), "\n") {
		want.WriteString(strings.TrimPrefix(line, "\t"))
		want.WriteByte('\n')
	}
	assert.Equal(t, want.String(), block, "the README quickstart must match func Example in triage/example_test.go")

	_, out, _ := strings.Cut(string(src), "func Example() {\n")
	_, out, _ = strings.Cut(out, "\t// Output:\n")
	out, _, _ = strings.Cut(out, "}\n")
	var wantOut strings.Builder
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		wantOut.WriteString(strings.TrimPrefix(strings.TrimPrefix(line, "\t// "), "\t//"))
		wantOut.WriteByte('\n')
	}
	assert.Contains(t, string(readme), "```text\n"+wantOut.String()+"```", "the README shows the example's real output")
}
