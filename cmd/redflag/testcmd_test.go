package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// clinicRules is a small rule set for the test and lint commands.
const clinicRules = `name: clinic
version: 0.1.0
title: A made-up clinic
sources:
  - {id: doc, title: A document}
questions:
  - {id: fever, text: Do you have a fever, type: boolean}
  - {id: pain_days, text: How many days, type: integer, min: 0}
rules:
  - {id: fever, title: Fever, when: fever, action: refer, advice: See someone., cite: {source: doc, section: Fever}}
  - {id: long_pain, title: Long pain, when: pain_days > 3, action: refer, advice: See someone., cite: {source: doc, section: Pain}}
`

// weakCases cover both rules, but far from long_pain's threshold.
const weakCases = `fixtures:
  calm: {fever: false, pain_days: 1}
cases:
  - {name: calm, baseline: calm, expect: {outcome: self_care, fires_exactly: []}}
  - {name: fever, baseline: calm, answers: {fever: true}, expect: {outcome: see_professional, fires_exactly: [fever]}}
  - {name: ten days, baseline: calm, answers: {pain_days: 10}, expect: {outcome: see_professional, fires_exactly: [long_pain]}}
  - {name: nothing, answers: {}, expect: {outcome: incomplete, missing: [fever, pain_days]}}
`

const boundaryCases = `cases:
  - {name: 3 days, baseline: calm, answers: {pain_days: 3}, expect: {outcome: self_care}}
  - {name: 4 days, baseline: calm, answers: {pain_days: 4}, expect: {outcome: see_professional}}
`

func TestTestCommandDefaultRules(t *testing.T) {
	t.Parallel()
	got := runCLI(t, t.Context(), "", "test", "--mutate")
	require.Equal(t, exitSelfCare, got.code, "the shipped cases pass, cover everything and kill every mutant:\n%s%s", got.stdout, got.stderr)
	assert.Empty(t, got.stderr)
	golden(t, "test-default-mutate.txt", got.stdout)
	assert.Contains(t, got.stdout, "coverage: 100.0%")
	assert.Contains(t, got.stdout, "0 survived")
	assert.True(t, strings.HasSuffix(got.stdout, "\n"+triage.Disclaimer+"\n"), "ends with the not-a-diagnosis reminder")
}

func TestTestCommand(t *testing.T) {
	t.Parallel()
	weak := writeRuleSet(t, map[string]string{"clinic.yaml": clinicRules, "clinic_test.yaml": weakCases})
	strong := writeRuleSet(t, map[string]string{"clinic.yaml": clinicRules, "clinic_test.yaml": weakCases, "more_test.yaml": boundaryCases})
	wrong := writeRuleSet(t, map[string]string{"clinic.yaml": clinicRules, "clinic_test.yaml": weakCases + `  - {name: wrong, baseline: calm, answers: {pain_days: 4}, expect: {outcome: self_care}}
`})
	untested := writeRuleSet(t, map[string]string{"clinic.yaml": clinicRules, "clinic_test.yaml": `cases:
  - {name: fever, answers: {fever: true}, expect: {outcome: see_professional, fires: [fever]}}
`})
	badTests := writeRuleSet(t, map[string]string{"clinic.yaml": clinicRules, "clinic_test.yaml": `cases:
  - {name: x, answers: {fevr: true}, expect: {outcome: self_care}}
`})
	badRules := writeRuleSet(t, map[string]string{"clinic.yaml": strings.Replace(clinicRules, "when: fever", "when: fevr", 1)})

	tests := []struct {
		name   string
		reason string
		args   []string
		code   int
		stdout []string // each must appear
		stderr []string
	}{
		{
			name: "weak suite passes without mutation", reason: "cases pass and every rule fires",
			args: []string{"test", weak}, code: exitSelfCare,
			stdout: []string{"cases: 4 passed, 0 failed", "coverage: 100.0% (8 of 8)", "\nok\n"},
		},
		{
			name: "weak suite lets mutants survive", reason: "a missed boundary is reported with the mutant and its file:line:col",
			args: []string{"test", "--mutate", weak}, code: exitFailure,
			stdout: []string{
				"mutation: 7 mutants: 4 killed, 3 survived, 0 refused by the loader, 0 declared equivalent",
				filepath.Join(weak, "clinic.yaml") + ":11:55: long_pain: > to >=: pain_days >= 3\n" +
					"      to kill it, add a case with pain_days: 3 expecting outcome: self_care, not_fires: [long_pain]:\n" +
					"        - {name: long_pain does not fire at pain_days 3, baseline: calm, answers: {pain_days: 3}, expect: {outcome: self_care, not_fires: [long_pain]}}\n",
				"FAIL: 3 mutants survived",
			},
		},
		{
			name: "boundary cases kill them", reason: "both sides of the threshold",
			args: []string{"test", "--mutate", strong}, code: exitSelfCare,
			stdout: []string{"score: 100.0%", "\nok\n"},
		},
		{
			name: "a failing case", reason: "expected vs got, and the reasons that fired",
			args: []string{"test", wrong}, code: exitFailure,
			stdout: []string{
				"FAIL " + filepath.Join(wrong, "clinic_test.yaml") + `:8:5: case "wrong" failed:`,
				"    outcome: want self_care, got see_professional",
				"    fired: long_pain (refer) on pain_days=4",
				"FAIL: 1 case failed",
			},
		},
		{
			name: "an untested rule", reason: "a rule no case fires fails the run",
			args: []string{"test", untested}, code: exitFailure,
			stdout: []string{"rule long_pain never fires", "FAIL: 1 rule never fires"},
		},
		{
			name: "minimum coverage", reason: "--min-coverage fails a run below it",
			args: []string{"test", "--min-coverage", "90", untested}, code: exitFailure,
			stdout: []string{"coverage 25.0% is below the minimum 90.0%"},
		},
		{
			name: "run selects cases", reason: "--run REGEXP, like go test -run",
			args: []string{"test", "--run", "^ten", "-v", weak}, code: exitSelfCare,
			stdout: []string{"ok   ten days (", "cases: 1 passed, 0 failed"},
		},
		{
			name: "tests do not load", reason: "exit 2 with every problem at its position, with a caret",
			args: []string{"test", badTests}, code: exitBadInput,
			stderr: []string{
				"the test cases in " + badTests + " do not load (1 problem):",
				filepath.Join(badTests, "clinic_test.yaml") + `:2:25: x: unknown question "fevr" (did you mean "fever"?)`,
				"\n" + strings.Repeat(" ", 4+24) + "^\n",
			},
		},
		{
			name: "rules do not load", reason: "exit 2",
			args: []string{"test", badRules}, code: exitBadInput,
			stderr: []string{"the rules in " + badRules + " do not load", `unknown question "fevr"`},
		},
		{name: "bad regexp", reason: "usage error", args: []string{"test", "--run", "(", weak}, code: exitBadInput, stderr: []string{"--run: error parsing regexp"}},
		{name: "bad coverage", reason: "usage error", args: []string{"test", "--min-coverage", "101"}, code: exitBadInput, stderr: []string{"between 0 and 100"}},
		{name: "two dirs", reason: "usage error", args: []string{"test", weak, strong}, code: exitBadInput, stderr: []string{"want at most one rule directory, got 2"}},
		{name: "no such dir", reason: "usage error", args: []string{"test", filepath.Join(weak, "nope")}, code: exitBadInput, stderr: []string{"redflag test: stat "}},
		{
			name: "lint a good set", reason: "loads rules and tests, runs nothing",
			args: []string{"lint", weak}, code: exitSelfCare,
			stdout: []string{"clinic 0.1.0", "2 questions, 2 rules, 4 test cases: no problems"},
		},
		{name: "lint the default set", reason: "the embedded rule set and its cases", args: []string{"lint"}, code: exitSelfCare, stdout: []string{"21 questions, 20 rules"}},
		{
			name: "lint bad tests", reason: "every problem, exit 2",
			args: []string{"lint", badTests}, code: exitBadInput,
			stderr: []string{`clinic_test.yaml:2:25: x: unknown question "fevr"`},
		},
		{
			name: "lint bad rules", reason: "tests are checked once the rules load",
			args: []string{"lint", badRules}, code: exitBadInput,
			stderr: []string{`unknown question "fevr"`, "the test cases are checked once the rules load"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, t.Context(), "", tt.args...)
			assert.Equal(t, tt.code, got.code, "%s\nstdout:\n%s\nstderr:\n%s", tt.reason, got.stdout, got.stderr)
			for _, s := range tt.stdout {
				assert.Contains(t, got.stdout, s, tt.reason)
			}
			for _, s := range tt.stderr {
				assert.Contains(t, got.stderr, s, tt.reason)
			}
		})
	}
}

func TestTestCommandJSON(t *testing.T) {
	t.Parallel()
	weak := writeRuleSet(t, map[string]string{"clinic.yaml": clinicRules, "clinic_test.yaml": weakCases})
	got := runCLI(t, t.Context(), "", "test", "--json", "--mutate", weak)
	require.Equal(t, exitFailure, got.code, got.stderr)
	var rep struct {
		OK       bool `json:"ok"`
		Passed   int  `json:"passed"`
		Coverage struct {
			Covered, Total int
		} `json:"coverage"`
		Mutation struct {
			Survived int `json:"survived"`
			Mutants  []struct {
				Rule, Mutated, Status string
				Pos                   triage.Position
				Suggestion            *struct {
					Question string         `json:"question"`
					Value    any            `json:"value"`
					Outcome  string         `json:"outcome"`
					NotFires []string       `json:"not_fires"`
					Baseline string         `json:"baseline"`
					Answers  map[string]any `json:"answers"`
					Case     string         `json:"case"`
				} `json:"suggestion"`
			} `json:"mutants"`
		} `json:"mutation"`
		Notice string `json:"notice"`
	}
	require.NoError(t, json.Unmarshal([]byte(got.stdout), &rep))
	assert.False(t, rep.OK)
	assert.Equal(t, 4, rep.Passed)
	assert.Equal(t, 8, rep.Coverage.Total)
	assert.Equal(t, 3, rep.Mutation.Survived)
	assert.Equal(t, filepath.Join(weak, "clinic.yaml"), rep.Mutation.Mutants[0].Pos.File, "files are named as the user can open them")
	var suggested int
	for _, m := range rep.Mutation.Mutants {
		if m.Status != "survived" {
			assert.Nil(t, m.Suggestion, "only survivors get a suggestion: %s", m.Mutated)
			continue
		}
		require.NotNil(t, m.Suggestion, "every surviving threshold mutant comes with the case that kills it: %s", m.Mutated)
		suggested++
		if m.Mutated == "pain_days >= 3" {
			s := m.Suggestion
			assert.Equal(t, "pain_days", s.Question)
			assert.Equal(t, 3.0, s.Value)
			assert.Equal(t, "self_care", s.Outcome)
			assert.Equal(t, []string{"long_pain"}, s.NotFires)
			assert.Equal(t, "calm", s.Baseline)
			assert.Equal(t, map[string]any{"pain_days": 3.0}, s.Answers)
			assert.Contains(t, s.Case, "answers: {pain_days: 3}")
		}
	}
	assert.Equal(t, 3, suggested)
	assert.Equal(t, triage.Disclaimer, rep.Notice)
}

// TestTestCommandClinicExample produces the README's example of a suite
// with a wrong expectation and a missed boundary, from the repository root
// as the README runs it.
func TestTestCommandClinicExample(t *testing.T) {
	t.Chdir("../..")
	got := runCLI(t, t.Context(), "", "test", "--mutate", "cmd/redflag/testdata/clinic")
	require.Equal(t, exitFailure, got.code, got.stderr)
	t.Chdir("cmd/redflag")
	golden(t, "test-clinic-mutate.txt", got.stdout)
}

// TestReadmeShowsRealOutput keeps the pasted output of redflag test in
// docs/testing.md identical to the golden files, which the tests above
// produce. (docs/docs_test.go checks every such block too.)
func TestReadmeShowsRealOutput(t *testing.T) {
	readme, err := os.ReadFile("../../docs/testing.md")
	require.NoError(t, err)
	for _, name := range []string{"test-default-mutate.txt", "test-clinic-mutate.txt"} {
		want, err := os.ReadFile(filepath.Join("testdata", name))
		require.NoError(t, err)
		assert.Contains(t, string(readme), "```\n"+string(want)+"```\n", "docs/testing.md must show the real output of %s; paste testdata/%s", name, name)
	}
}

// TestLintFHIR checks redflag lint --fhir: an ask_if with no R4 form is
// reported at its position, with its line and a caret, and exits 2 as
// other lint problems do; rule sets that export pass, and without --fhir
// the export is not checked.
func TestLintFHIR(t *testing.T) {
	t.Parallel()
	followUp := clinicRules + `  - {id: bad, title: Bad, when: '(fever ? true : pain_days > 2) && chills', action: refer, advice: See someone., cite: {source: doc, section: Fever}}
`
	followUp = strings.Replace(followUp, "rules:\n", `  - id: chills
    text: Do you have chills
    type: boolean
    ask_if: 'fever ? true : pain_days > 2'
rules:
`, 1)
	bad := writeRuleSet(t, map[string]string{"clinic.yaml": followUp})
	good := writeRuleSet(t, map[string]string{"clinic.yaml": clinicRules})
	tests := []struct {
		name, reason string
		args         []string
		code         int
		stdout       []string
		stderr       []string
	}{
		{"untranslatable", "positioned, with a caret, exit 2", []string{"lint", "--fhir", bad}, exitBadInput, nil, []string{
			"redflag lint: 1 ask_if condition in " + bad + " cannot be exported to FHIR R4:",
			filepath.Join(bad, "clinic.yaml") + ":12:13: chills: the ask_if cannot be exported to FHIR: in `fever ? true : (pain_days > 2)`, the operator ? :",
			"\n        ask_if: 'fever ? true : pain_days > 2'\n" + strings.Repeat(" ", 16) + "^\n",
		}},
		{"not asked for", "without --fhir nothing is exported", []string{"lint", bad}, exitSelfCare, []string{"no problems"}, nil},
		{"exports", "a set without ask_if exports", []string{"lint", "--fhir", good}, exitSelfCare, []string{"no problems"}, nil},
		{"default set", "the embedded rule set exports", []string{"lint", "--fhir"}, exitSelfCare, []string{"21 questions"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, t.Context(), "", tt.args...)
			assert.Equal(t, tt.code, got.code, "%s\nstdout:\n%s\nstderr:\n%s", tt.reason, got.stdout, got.stderr)
			for _, s := range tt.stdout {
				assert.Contains(t, got.stdout, s, tt.reason)
			}
			for _, s := range tt.stderr {
				assert.Contains(t, got.stderr, s, tt.reason)
			}
		})
	}
}
