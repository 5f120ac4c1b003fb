package triage

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage/internal/ruleset"
	"github.com/redflagkit/redflag/triage/internal/ruleyaml"
	"go.yaml.in/yaml/v3"
)

// The JSON Schemas in ../schema let editors complete and check rule and
// test files. These tests keep them in step with the loader: the same keys
// at every level, and every shipped file valid against its schema.

func readSchema(t *testing.T, name string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "schema", name))
	require.NoError(t, err)
	var s map[string]any
	require.NoError(t, json.Unmarshal(data, &s))
	return s
}

// keysAt returns the property names of the schema object at path (a chain
// of keys through the schema document), in sorted order.
func keysAt(t *testing.T, s map[string]any, path ...string) []string {
	t.Helper()
	var node any = s
	for _, k := range path {
		m, ok := node.(map[string]any)
		require.True(t, ok, "schema path %v", path)
		node = m[k]
	}
	props, ok := node.(map[string]any)["properties"].(map[string]any)
	require.True(t, ok, "no properties at %v", path)
	var keys []string
	for k := range props {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func sorted(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

func TestSchemasMatchTheLoader(t *testing.T) {
	rules := readSchema(t, "rules.schema.json")
	assert.Equal(t, sorted(ruleyaml.TopKeys), keysAt(t, rules))
	assert.Equal(t, sorted(ruleyaml.OutcomesKeys), keysAt(t, rules, "definitions", "outcomes"))
	assert.Equal(t, sorted(ruleyaml.OutcomeKeys), keysAt(t, rules, "definitions", "outcome_text"))
	assert.Equal(t, sorted(ruleyaml.SourceKeys), keysAt(t, rules, "definitions", "source"))
	assert.Equal(t, sorted(ruleyaml.QuestionKeys), keysAt(t, rules, "definitions", "question"))
	assert.Equal(t, sorted(ruleyaml.RuleKeys), keysAt(t, rules, "definitions", "rule"))
	assert.Equal(t, sorted(ruleyaml.CiteKeys), keysAt(t, rules, "definitions", "citation"))
	assert.Equal(t, sorted(ruleyaml.GuidanceKeys), keysAt(t, rules, "definitions", "guidance"))

	tests := readSchema(t, "tests.schema.json")
	assert.Equal(t, sorted(ruleyaml.SuiteKeys), keysAt(t, tests))
	assert.Equal(t, sorted(ruleyaml.CaseKeys), keysAt(t, tests, "definitions", "case"))
	assert.Equal(t, sorted(ruleyaml.ExpectKeys), keysAt(t, tests, "definitions", "case", "properties", "expect"))
}

func TestShippedFilesMatchTheSchemas(t *testing.T) {
	rules := readSchema(t, "rules.schema.json")
	tests := readSchema(t, "tests.schema.json")
	files, err := filepath.Glob(filepath.Join("..", "rules", "*.yaml"))
	require.NoError(t, err)
	more, err := filepath.Glob(filepath.Join("..", "examples", "*", "*", "*.yaml"))
	require.NoError(t, err)
	files = append(files, more...)
	// redflag init's example, which it writes with the schemas in .schema/.
	more, err = filepath.Glob(filepath.Join("..", "cmd", "redflag", "initdata", "*.yaml"))
	require.NoError(t, err)
	files = append(files, more...)
	require.NotEmpty(t, files)
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			data, err := os.ReadFile(f)
			require.NoError(t, err)
			schema, want := rules, "rules.schema.json"
			if ruleset.IsTestFile(filepath.Base(f)) {
				schema, want = tests, "tests.schema.json"
			}
			first, _, _ := strings.Cut(string(data), "\n")
			assert.Regexp(t, `^# yaml-language-server: \$schema=((\.\./)+|\.)schema/`+regexp.QuoteMeta(want)+`$`, first,
				"the first line points editors at the schema")
			var doc any
			require.NoError(t, yaml.Unmarshal(data, &doc))
			assert.Empty(t, validate(schema, schema, doc, "$"))
		})
	}
}

func TestSchemaRejectsMistakes(t *testing.T) {
	rules := readSchema(t, "rules.schema.json")
	tests := readSchema(t, "tests.schema.json")
	for _, tt := range []struct {
		schema map[string]any
		doc    string
		want   string
	}{
		{rules, "rules: [{id: a, title: A, when: x, action: refer, advice: B, cite: {source: s, section: S}, wehn: y}]", `$.rules[0]: unknown key "wehn"`},
		{rules, "rules: [{id: a, title: A, when: x, action: reefer, advice: B, cite: {source: s, section: S}}]", `$.rules[0].action: not one of [refer caution]`},
		{rules, "questions: [{id: a, text: A}]", `$.questions[0]: missing "type"`},
		{tests, "cases: [{name: a, expect: {not_fire: [x]}}]", `$.cases[0].expect: unknown key "not_fire"`},
		{tests, "cases: [{name: a, expect: {outcome: fine}}]", `$.cases[0].expect.outcome: not one of [self_care see_professional incomplete]`},
		{tests, "fixtures: {calm: {fever: {nested: true}}}", `$.fixtures.calm.fever: matches none of the allowed forms`},
	} {
		var doc any
		require.NoError(t, yaml.Unmarshal([]byte(tt.doc), &doc))
		assert.Contains(t, validate(tt.schema, tt.schema, doc, "$"), tt.want, tt.doc)
	}
}

// validate checks v against the subset of JSON Schema draft-07 the two
// schemas use, and returns every problem.
func validate(root, s map[string]any, v any, at string) []string {
	if ref, ok := s["$ref"].(string); ok {
		def := root["definitions"].(map[string]any)[strings.TrimPrefix(ref, "#/definitions/")]
		return validate(root, def.(map[string]any), v, at)
	}
	var errs []string
	fail := func(format string, args ...any) { errs = append(errs, at+": "+fmt.Sprintf(format, args...)) }
	if enum, ok := s["enum"].([]any); ok && !slices.Contains(enum, v) {
		fail("not one of %v", enum)
	}
	if anyOf, ok := s["anyOf"].([]any); ok {
		matched := false
		for _, alt := range anyOf {
			if len(validate(root, alt.(map[string]any), v, at)) == 0 {
				matched = true
			}
		}
		if !matched {
			fail("matches none of the allowed forms")
		}
	}
	if typ, ok := s["type"].(string); ok && !hasType(v, typ) {
		fail("want %s, got %T", typ, v)
		return errs
	}
	switch x := v.(type) {
	case string:
		if n, ok := s["minLength"].(float64); ok && float64(len(x)) < n {
			fail("shorter than %v", n)
		}
		if p, ok := s["pattern"].(string); ok && !regexp.MustCompile(p).MatchString(x) {
			fail("%q does not match %s", x, p)
		}
	case []any:
		if n, ok := s["minItems"].(float64); ok && float64(len(x)) < n {
			fail("fewer than %v items", n)
		}
		if items, ok := s["items"].(map[string]any); ok {
			for i, item := range x {
				errs = append(errs, validate(root, items, item, fmt.Sprintf("%s[%d]", at, i))...)
			}
		}
	case map[string]any:
		if n, ok := s["minProperties"].(float64); ok && float64(len(x)) < n {
			fail("fewer than %v keys", n)
		}
		for _, r := range asStrings(s["required"]) {
			if _, ok := x[r]; !ok {
				fail("missing %q", r)
			}
		}
		props, _ := s["properties"].(map[string]any)
		for k, val := range x {
			if p, ok := props[k]; ok {
				errs = append(errs, validate(root, p.(map[string]any), val, at+"."+k)...)
				continue
			}
			switch ap := s["additionalProperties"].(type) {
			case bool:
				if !ap {
					fail("unknown key %q", k)
				}
			case map[string]any:
				errs = append(errs, validate(root, ap, val, at+"."+k)...)
			}
		}
	}
	return errs
}

func hasType(v any, typ string) bool {
	switch typ {
	case "object":
		_, ok := v.(map[string]any)
		return ok
	case "array":
		_, ok := v.([]any)
		return ok
	case "string":
		_, ok := v.(string)
		return ok
	case "boolean":
		_, ok := v.(bool)
		return ok
	case "null":
		return v == nil
	case "number", "integer":
		var f float64
		switch x := v.(type) {
		case int:
			f = float64(x)
		case float64:
			f = x
		default:
			return false
		}
		return typ == "number" || f == math.Trunc(f)
	}
	return false
}

func asStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, x := range list {
		out = append(out, x.(string))
	}
	return out
}
