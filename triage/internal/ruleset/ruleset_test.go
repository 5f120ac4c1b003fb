package ruleset

import (
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestWhichFiles(t *testing.T) {
	tests := []struct {
		name        string
		rule, suite bool
		reason      string
	}{
		{"pain.yaml", true, false, "a rule file"},
		{"pain.yml", true, false, "either YAML extension"},
		{"pain_test.yaml", false, true, "a test-case file"},
		{".pain.yaml", false, false, "hidden: an editor's or an atomic writer's temporary copy"},
		{".pain_test.yaml", false, false, "hidden test files too"},
		{"pain.YAML", false, false, "upper-case extensions are reported as stray, not read"},
		{"notes.txt", false, false, "not YAML"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.rule, IsRuleFile(tt.name), "%s: %s", tt.name, tt.reason)
		assert.Equal(t, tt.suite, IsTestFile(tt.name), "%s: %s", tt.name, tt.reason)
	}
}

func TestStray(t *testing.T) {
	fsys := fstest.MapFS{
		"a.yaml":          {Data: []byte("x")},
		"B.YAML":          {Data: []byte("x")},
		"sub/c.yaml":      {Data: []byte("x")},
		".git/d.yaml":     {Data: []byte("x")},
		"testdata/e.yaml": {Data: []byte("x")},
		"f_TEST.yaml":     {Data: []byte("x")},
		"sub/g_test.yaml": {Data: []byte("x")},
	}
	var rules, tests []string
	for _, p := range Stray(fsys, false) {
		rules = append(rules, p.File)
	}
	for _, p := range Stray(fsys, true) {
		tests = append(tests, p.File)
	}
	assert.Equal(t, []string{"B.YAML", "sub/c.yaml"}, rules, "a rule file that would not be loaded is reported; hidden directories and testdata are not")
	assert.Equal(t, []string{"f_TEST.yaml", "sub/g_test.yaml"}, tests)
}

func TestReadRulesAndHash(t *testing.T) {
	fsys := fstest.MapFS{
		"b.yaml":      {Data: []byte("b")},
		"a.yaml":      {Data: []byte("a")},
		"a_test.yaml": {Data: []byte("t")},
		".tmp.yaml":   {Data: []byte("half-written")},
	}
	s := ReadRules(fsys, Limits{Files: 10, FileSize: 100}, true)
	require.Empty(t, s.Problems)
	require.Len(t, s.Files, 2, "rule files only, in name order")
	assert.Equal(t, "a.yaml", s.Files[0].Name)
	assert.Equal(t, Hash(s.Files), s.Hash)
	assert.Equal(t, s.Hash, s.Key(), "without problems the key is the content hash")
	assert.NotEqual(t, Hash([]File{{"a.yaml", []byte("ab")}}), Hash([]File{{"a.yaml", []byte("a")}, {"b", nil}}),
		"names and lengths are part of the hash, so bytes cannot move between files unnoticed")

	same := ReadRules(NewSnapshotFS(s), Limits{Files: 1, FileSize: 1}, true)
	assert.Same(t, s, same, "a snapshot is loaded as it was read, not read again")

	over := ReadRules(fsys, Limits{Files: 1, FileSize: 100}, true)
	require.Len(t, over.Problems, 1)
	assert.True(t, over.Unreadable)
	assert.Contains(t, over.Problems[0].Msg, "more than 1 rule files (Limits.RuleFiles)")
	assert.NotEqual(t, over.Hash, over.Key(), "a problem is part of the key, so a new problem is a change")
}
