package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

var update = flag.Bool("update", false, "rewrite golden files")

const answersDir = "../../examples/answers"

// noteLine is the last line of every text-mode verdict.
const noteLine = "Note: " + triage.Disclaimer + "\n"

// result is what one run of the program produced.
type result struct {
	code           int
	stdout, stderr string
}

// runCLI runs the program with args and stdin, as main would.
func runCLI(t *testing.T, ctx context.Context, stdin string, args ...string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := run(ctx, args, strings.NewReader(stdin), &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// golden compares got with testdata/name, or rewrites the file with -update.
func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		require.NoError(t, os.MkdirAll("testdata", 0o755))
		require.NoError(t, os.WriteFile(path, []byte(got), 0o644))
		return
	}
	want, err := os.ReadFile(path)
	require.NoError(t, err, "missing golden file; run go test ./cmd/redflag -update")
	assert.Equal(t, string(want), got, "output differs from %s; if the change is intended, run go test ./cmd/redflag -update and review the diff", path)
}

// readAnswers returns the content of an example answers file.
func readAnswers(t *testing.T, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(answersDir, name))
	require.NoError(t, err)
	return string(data)
}

// assertTextVerdict checks what every human-readable verdict must carry.
func assertTextVerdict(t *testing.T, stdout string) {
	t.Helper()
	assert.True(t, strings.HasPrefix(stdout, "Outcome: "), "a text verdict starts with its outcome:\n%s", stdout)
	assert.True(t, strings.HasSuffix(stdout, "\n"+noteLine), "a text verdict ends with the not-a-diagnosis note:\n%s", stdout)
}

// jsonVerdict is the JSON form of a verdict, decoded strictly enough to
// check its shape.
type jsonVerdict struct {
	Outcome  triage.Outcome     `json:"outcome"`
	Headline string             `json:"headline"`
	WhatToDo string             `json:"what_to_do"`
	Reasons  []triage.Reason    `json:"reasons"`
	Missing  []string           `json:"missing"`
	RuleSet  triage.RuleSetInfo `json:"rule_set"`
	Notice   string             `json:"notice"`
}

// decodeJSONVerdict parses stdout as one JSON verdict and checks that every
// required key is present (not merely zero after decoding).
func decodeJSONVerdict(t *testing.T, stdout string) jsonVerdict {
	t.Helper()
	var raw map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(stdout), &raw), "stdout is not one JSON object:\n%s", stdout)
	for _, key := range []string{"outcome", "headline", "what_to_do", "reasons", "missing", "rule_set", "notice"} {
		require.Contains(t, raw, key, "JSON verdict lacks %q", key)
		require.NotEqual(t, "null", string(raw[key]), "JSON verdict has null %q", key)
	}
	var v jsonVerdict
	require.NoError(t, json.Unmarshal([]byte(stdout), &v))
	assert.Equal(t, triage.Disclaimer, v.Notice, "the JSON verdict carries the disclaimer")
	assert.NotEmpty(t, v.Headline, "the JSON verdict carries the rule set's headline")
	assert.NotEmpty(t, v.WhatToDo, "the JSON verdict carries the rule set's what to do")
	assert.NotEmpty(t, v.RuleSet.Name)
	assert.NotEmpty(t, v.RuleSet.Version)
	assert.True(t, strings.HasPrefix(v.RuleSet.Hash, "sha256:"), "rule set hash %q", v.RuleSet.Hash)
	return v
}

func TestCheckExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file   string
		reason string
		code   int
		// outcome is the expected JSON outcome; zero for invalid answers.
		outcome triage.Outcome
		// stderrLines must each appear as a line of stderr.
		stderrLines []string
	}{
		{
			file:    "self-care.json",
			reason:  "every question answered and no red flag: self-care with the rule set's guidance",
			code:    exitSelfCare,
			outcome: triage.SelfCare,
		},
		{
			file:    "see-professional.json",
			reason:  "numbness in the fingers refers; popping 12 times a day is reported as a caution",
			code:    exitSeePro,
			outcome: triage.SeeProfessional,
		},
		{
			file:    "incomplete.json",
			reason:  "no red flag yet, but unanswered questions could still refer, so self-care is not cleared",
			code:    exitIncomplete,
			outcome: triage.Incomplete,
		},
		{
			file:   "invalid.json",
			reason: "answers that do not fit the questionnaire are bad input, each offending question named, and no verdict",
			code:   exitBadInput,
			stderrLines: []string{
				"redflag check: ../../examples/answers/invalid.json: invalid answers:",
				`  numbness_tingling: "toes" is not one of fingers, arms, chest`,
				"  pain_days: want a whole number, got 2.5",
				`  fever: want true or false, got string "yes"`,
				`  fevr: unknown question (did you mean "fever"?)`,
			},
		},
	}
	for _, tt := range tests {
		for _, asJSON := range []bool{false, true} {
			base := strings.TrimSuffix(tt.file, ".json")
			args := []string{"check", filepath.Join(answersDir, tt.file)}
			ext := ".txt"
			if asJSON {
				args = []string{"check", "--json", filepath.Join(answersDir, tt.file)}
				ext = ".json"
			}
			t.Run(base+ext, func(t *testing.T) {
				t.Parallel()
				got := runCLI(t, t.Context(), "", args...)
				require.Equal(t, tt.code, got.code, "%s\nstderr: %s", tt.reason, got.stderr)

				if tt.code == exitBadInput {
					assert.Empty(t, got.stdout, "no verdict may be printed for bad input")
					lines := strings.Split(strings.TrimSuffix(got.stderr, "\n"), "\n")
					assert.Equal(t, tt.stderrLines, lines, tt.reason)
					return
				}
				assert.Empty(t, got.stderr, tt.reason)
				golden(t, "check-"+base+ext, got.stdout)
				if asJSON {
					v := decodeJSONVerdict(t, got.stdout)
					assert.Equal(t, tt.outcome, v.Outcome, tt.reason)
				} else {
					assertTextVerdict(t, got.stdout)
				}
			})
		}
	}
}

// TestCheckVerdictContent pins the parts of the example verdicts that matter
// clinically, so a golden file regenerated without care cannot hide a change
// of outcome, reason or missing question.
func TestCheckVerdictContent(t *testing.T) {
	t.Parallel()
	tests := []struct {
		file        string
		reason      string
		outcome     triage.Outcome
		reasons     []string // rule ids, in reporting order
		evidence    map[string]map[string]any
		missing     []string
		textIncl    []string
		textExclude []string
	}{
		{
			file:     "self-care.json",
			reason:   "no rule fires and nothing is missing",
			outcome:  triage.SelfCare,
			reasons:  []string{},
			missing:  []string{},
			textIncl: []string{"Outcome: self_care — ", "\nSelf-care guidance:\n", "  - Stop if it hurts: "},
			textExclude: []string{
				"Red flags:", "Cautions", "Still to answer",
			},
		},
		{
			file:    "see-professional.json",
			reason:  "numbness refers; popping 12 times a day is a caution listed after it",
			outcome: triage.SeeProfessional,
			reasons: []string{"numbness_tingling", "frequent_popping"},
			evidence: map[string]map[string]any{
				"numbness_tingling": {"numbness_tingling": []any{"fingers"}},
				"frequent_popping":  {"self_pops": true, "pops_per_day": float64(12)},
			},
			missing: []string{},
			textIncl: []string{
				"Outcome: see_professional — ",
				"\nRed flags:\n  1. Numbness or tingling in the fingers, arms or chest  [refer: numbness_tingling]\n",
				"     Because: numbness_tingling = [fingers]\n",
				"     Source: How to Safely Adjust Your Upper Back (001_0a05b181d71a6c01.txt), section: Crucial Safety Warnings and When to Seek Professional Help\n",
				"\nCautions (also change this):\n  1. Popping the back ten or more times a day  [caution: frequent_popping]\n",
				"     Because: self_pops = true, pops_per_day = 12\n",
			},
			textExclude: []string{"Self-care guidance", "Still to answer"},
		},
		{
			file:    "incomplete.json",
			reason:  "relief_minutes, pain_days (null) and recent_trauma could each still refer",
			outcome: triage.Incomplete,
			reasons: []string{},
			missing: []string{"relief_minutes", "pain_days", "recent_trauma"},
			textIncl: []string{
				"Outcome: incomplete — ",
				"  - After you pop your back, how many minutes does the relief usually last?  [relief_minutes]\n",
				"  - For how many days have you had this pain?  [pain_days]\n",
				"  - Have you recently been injured, for example in a car accident or a fall?  [recent_trauma]\n",
			},
			textExclude: []string{"Self-care guidance", "Red flags", "[grinding]"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(answersDir, tt.file)

			got := runCLI(t, t.Context(), "", "check", "--json", path)
			v := decodeJSONVerdict(t, got.stdout)
			assert.Equal(t, tt.outcome, v.Outcome, tt.reason)
			ids := []string{}
			for _, r := range v.Reasons {
				ids = append(ids, r.RuleID)
				assert.NotEmpty(t, r.Citation.SourceID, "reason %s cites a source", r.RuleID)
				assert.NotEmpty(t, r.Citation.Section, "reason %s cites a section", r.RuleID)
				assert.NotEmpty(t, r.Evidence, "reason %s lists its evidence", r.RuleID)
				if want, ok := tt.evidence[r.RuleID]; ok {
					have := map[string]any{}
					for _, e := range r.Evidence {
						have[e.Question] = e.Value
					}
					assert.Equal(t, want, have, "evidence of %s", r.RuleID)
				}
			}
			assert.Equal(t, tt.reasons, ids, tt.reason)
			assert.Equal(t, tt.missing, v.Missing, tt.reason)

			got = runCLI(t, t.Context(), "", "check", path)
			assertTextVerdict(t, got.stdout)
			for _, s := range tt.textIncl {
				assert.Contains(t, got.stdout, s, tt.reason)
			}
			for _, s := range tt.textExclude {
				assert.NotContains(t, got.stdout, s, tt.reason)
			}
		})
	}
}

func TestCheckArguments(t *testing.T) {
	t.Parallel()
	selfCare := filepath.Join(answersDir, "self-care.json")
	seePro := filepath.Join(answersDir, "see-professional.json")
	incomplete := filepath.Join(answersDir, "incomplete.json")
	tests := []struct {
		name   string
		reason string
		stdin  string
		args   []string
		code   int
		// same is the canonical invocation whose stdout this one must match;
		// TestCheckExamples pins that output with golden files.
		same []string
	}{
		{
			name:   "stdin dash",
			reason: `"-" reads the answers from standard input`,
			stdin:  readAnswers(t, "see-professional.json"),
			args:   []string{"check", "-"},
			code:   exitSeePro,
			same:   []string{"check", seePro},
		},
		{
			name:   "stdin no file",
			reason: "without a file argument, answers come from standard input",
			stdin:  readAnswers(t, "incomplete.json"),
			args:   []string{"check"},
			code:   exitIncomplete,
			same:   []string{"check", incomplete},
		},
		{
			name:   "stdin json",
			reason: "--json works with standard input",
			stdin:  readAnswers(t, "self-care.json"),
			args:   []string{"check", "--json"},
			code:   exitSelfCare,
			same:   []string{"check", "--json", selfCare},
		},
		{
			name:   "stdin ignored with a file",
			reason: "a file argument wins over standard input",
			stdin:  readAnswers(t, "see-professional.json"),
			args:   []string{"check", selfCare},
			code:   exitSelfCare,
			same:   []string{"check", selfCare},
		},
		{
			name:   "flag after file",
			reason: "people type flags after the file; they must still count",
			args:   []string{"check", seePro, "--json"},
			code:   exitSeePro,
			same:   []string{"check", "--json", seePro},
		},
		{
			name:   "single-dash flag after file",
			reason: "-json is the same flag as --json",
			args:   []string{"check", selfCare, "-json"},
			code:   exitSelfCare,
			same:   []string{"check", "--json", selfCare},
		},
		{
			name:   "flag after dash",
			reason: `flags after "-" still count`,
			stdin:  readAnswers(t, "see-professional.json"),
			args:   []string{"check", "-", "--json"},
			code:   exitSeePro,
			same:   []string{"check", "--json", seePro},
		},
		{
			name:   "double dash",
			reason: `"--" ends the flags; the file after it is read`,
			args:   []string{"check", "--json", "--", selfCare},
			code:   exitSelfCare,
			same:   []string{"check", "--json", selfCare},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, t.Context(), tt.stdin, tt.args...)
			require.Equal(t, tt.code, got.code, "%s\nstderr: %s", tt.reason, got.stderr)
			assert.Empty(t, got.stderr, tt.reason)
			want := runCLI(t, t.Context(), "", tt.same...)
			require.Equal(t, tt.code, want.code)
			assert.NotEmpty(t, got.stdout, tt.reason)
			assert.Equal(t, want.stdout, got.stdout, tt.reason)
		})
	}
}

func TestCheckBadInput(t *testing.T) {
	t.Parallel()
	selfCare := filepath.Join(answersDir, "self-care.json")
	tests := []struct {
		name   string
		reason string
		stdin  string
		args   []string
		// stderr must contain each of these.
		stderr []string
		// usage is true when the usage text must be on stderr.
		usage bool
	}{
		{
			name:   "malformed JSON",
			reason: "a syntax error in the answers is bad input, not a verdict",
			stdin:  `{"fever": tru}`,
			args:   []string{"check"},
			stderr: []string{"redflag check: standard input: invalid answers: malformed JSON"},
		},
		{
			name:   "truncated JSON",
			reason: "a cut-off answers file must not be read as fewer answers",
			stdin:  `{"fever": false,`,
			args:   []string{"check", "-"},
			stderr: []string{"redflag check: standard input: invalid answers: malformed JSON"},
		},
		{
			name:   "JSON array",
			reason: "the answers are one object, not a list",
			stdin:  `[{"fever": false}]`,
			args:   []string{"check"},
			stderr: []string{"redflag check: standard input: invalid answers: answers must be a JSON object", "got a list"},
		},
		{
			name:   "empty input",
			reason: "no answers at all is bad input, never an empty (all unknown) questionnaire",
			stdin:  "",
			args:   []string{"check"},
			stderr: []string{"invalid answers: no JSON object found (empty input)"},
		},
		{
			name:   "two objects",
			reason: "only one answers object is read; more is ambiguous",
			stdin:  `{"fever": false} {"fever": true}`,
			args:   []string{"check"},
			stderr: []string{"invalid answers: unexpected data after the answers object"},
		},
		{
			name:   "duplicate key",
			reason: `a later "fever": false must not silently override "fever": true`,
			stdin:  `{"fever": true, "fever": false}`,
			args:   []string{"check"},
			stderr: []string{`invalid answers: question "fever" is answered twice`},
		},
		{
			name:   "missing file",
			reason: "an answers file that does not exist is named in the error",
			args:   []string{"check", "testdata/no-such-answers.json"},
			stderr: []string{"redflag check: open testdata/no-such-answers.json: no such file or directory"},
		},
		{
			name:   "directory as file",
			reason: "a directory is not an answers file",
			args:   []string{"check", "testdata"},
			stderr: []string{"redflag check: testdata: triage: reading answers:", "is a directory"},
		},
		{
			name:   "two files",
			reason: "check reads exactly one answers object",
			args:   []string{"check", selfCare, selfCare},
			stderr: []string{"redflag check: want at most one answers file, got 2"},
		},
		{
			name:   "unknown flag",
			reason: "a misspelled flag must not be ignored",
			args:   []string{"check", "--jsno", selfCare},
			stderr: []string{"flag provided but not defined: -jsno", "Usage: redflag check [--rules DIR] [--json] [FILE|-]"},
		},
		{
			name:   "unknown flag after file",
			reason: "flags after the file are parsed too, and checked",
			args:   []string{"check", selfCare, "--verbose"},
			stderr: []string{"flag provided but not defined: -verbose"},
		},
		{
			name:   "rules without a value",
			reason: "--rules needs a directory",
			args:   []string{"check", "--rules"},
			stderr: []string{"flag needs an argument: -rules"},
		},
		{
			name:   "unknown subcommand",
			reason: "an unknown command is named, followed by the usage",
			args:   []string{"chek", selfCare},
			stderr: []string{`redflag: unknown command "chek"`},
			usage:  true,
		},
		{
			name:   "no subcommand",
			reason: "no arguments at all prints the usage on stderr",
			args:   []string{},
			usage:  true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, t.Context(), tt.stdin, tt.args...)
			require.Equal(t, exitBadInput, got.code, "%s\nstderr: %s", tt.reason, got.stderr)
			assert.Empty(t, got.stdout, "no verdict and nothing else on stdout for bad input")
			require.NotEmpty(t, got.stderr, tt.reason)
			for _, s := range tt.stderr {
				assert.Contains(t, got.stderr, s, tt.reason)
			}
			if tt.usage {
				assert.Contains(t, got.stderr, usage, tt.reason)
			}
		})
	}
}

// demoRuleSet is a small valid rule set: a header and one file of questions
// and rules. The hash in verdicts depends on these bytes.
var demoRuleSet = map[string]string{
	"0-header.yaml": `name: demo
version: 2.1.0
title: Demo rules
sources:
  - id: doc
    title: A document
self_care:
  - id: rest
    title: Rest
    advice: Take it easy.
    cite: {source: doc, section: Rest}
`,
	"rules.yaml": `questions:
  - id: fever
    text: Do you have a fever?
    type: boolean
  - id: pain_days
    text: For how many days have you had pain?
    type: integer
    min: 0
rules:
  - id: fever
    title: Fever
    when: fever
    action: refer
    advice: See a professional.
    cite: {source: doc, section: Fever}
  - id: long_pain
    title: Long pain
    when: pain_days > 3
    action: caution
    advice: Keep an eye on it.
    cite: {source: doc, section: Pain}
`,
}

func writeRuleSet(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for name, data := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), []byte(data), 0o644))
	}
	return dir
}

func TestCheckRulesDir(t *testing.T) {
	t.Parallel()
	dir := writeRuleSet(t, demoRuleSet)
	tests := []struct {
		name    string
		reason  string
		answers string
		code    int
		want    []string // each must appear in the text output
		notWant []string
	}{
		{
			name:    "refer",
			reason:  "the demo fever rule refers",
			answers: `{"fever": true, "pain_days": 5}`,
			code:    exitSeePro,
			want: []string{
				"Outcome: see_professional — ",
				"  1. Fever  [refer: fever]\n     See a professional.\n     Because: fever = true\n",
				`     Source: A document (doc), section: Fever`,
				"  1. Long pain  [caution: long_pain]\n     Keep an eye on it.\n     Because: pain_days = 5\n",
				"\nRule set: demo 2.1.0 (sha256:",
			},
			notWant: []string{"upper-back", "Self-care guidance"},
		},
		{
			name:    "incomplete",
			reason:  "fever unanswered could still refer; pain_days only feeds a caution",
			answers: `{"pain_days": 1}`,
			code:    exitIncomplete,
			want:    []string{"Outcome: incomplete — ", "  - Do you have a fever?  [fever]\n", "\nRule set: demo 2.1.0 (sha256:"},
			notWant: []string{"[pain_days]"},
		},
		{
			name:    "self-care",
			reason:  "no fever: the demo rule set's own guidance",
			answers: `{"fever": false, "pain_days": 1}`,
			code:    exitSelfCare,
			want:    []string{"Outcome: self_care — ", "  - Rest: Take it easy.\n", "\nRule set: demo 2.1.0 (sha256:"},
			notWant: []string{"Red flags", "Cautions"},
		},
		{
			name:    "answers checked against the custom questionnaire",
			reason:  "a question of the default rule set is unknown to the demo one",
			answers: `{"fever": false, "pain_days": 1, "night_pain": false}`,
			code:    exitBadInput,
			notWant: []string{"Outcome"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, t.Context(), tt.answers, "check", "--rules", dir)
			require.Equal(t, tt.code, got.code, "%s\nstderr: %s", tt.reason, got.stderr)
			for _, s := range tt.want {
				assert.Contains(t, got.stdout, s, tt.reason)
			}
			for _, s := range tt.notWant {
				assert.NotContains(t, got.stdout, s, tt.reason)
			}
			if tt.code == exitBadInput {
				assert.Empty(t, got.stdout)
				assert.Contains(t, got.stderr, "night_pain: unknown question")
				return
			}
			assert.Empty(t, got.stderr)
			assertTextVerdict(t, got.stdout)

			// The same verdict as JSON, with --rules after the input.
			got = runCLI(t, t.Context(), tt.answers, "check", "-", "--json", "--rules", dir)
			require.Equal(t, tt.code, got.code, "%s\nstderr: %s", tt.reason, got.stderr)
			v := decodeJSONVerdict(t, got.stdout)
			assert.Equal(t, "demo", v.RuleSet.Name)
			assert.Equal(t, "2.1.0", v.RuleSet.Version)
		})
	}
}

func TestCheckRulesDirErrors(t *testing.T) {
	t.Parallel()
	broken := writeRuleSet(t, map[string]string{
		"0-header.yaml": demoRuleSet["0-header.yaml"],
		"rules.yaml": `questions:
  - id: fever
    text: Do you have a fever?
    type: boolean
rules:
  - id: chills
    title: Chills
    wehn: fever
    action: refer
    advice: See a professional.
    cite: {source: doc, section: Fever}
  - id: hot
    title: Hot
    when: fevr
    action: refer
    advice: See a professional.
    cite: {source: doc, section: Fever}
`,
	})
	notADir := filepath.Join(writeRuleSet(t, demoRuleSet), "rules.yaml")
	missing := filepath.Join(t.TempDir(), "no-such-rules")
	emptyDir := t.TempDir()

	tests := []struct {
		name   string
		reason string
		dir    string
		// stderr must contain each of these, in this order.
		stderr []string
	}{
		{
			name:   "broken rules",
			reason: "every load error is reported with its position and a caret under the column",
			dir:    broken,
			stderr: []string{
				"redflag: the rules in " + broken + " do not load (3 problems):\n" +
					filepath.Join(broken, "rules.yaml") + ":6:5: chills: missing required key \"when\"\n" +
					"      - id: chills\n" +
					"        ^\n" +
					filepath.Join(broken, "rules.yaml") + ":8:5: chills: unknown key \"wehn\" (did you mean \"when\"?); allowed: id, title, when, action, advice, note, cite, see_also\n" +
					"        wehn: fever\n" +
					"        ^\n" +
					filepath.Join(broken, "rules.yaml") + ":14:11: hot: when: unknown question \"fevr\" (did you mean \"fever\"?)\n" +
					"        when: fevr\n" +
					"              ^\n",
			},
		},
		{
			name:   "missing dir",
			reason: "a --rules directory that does not exist is bad input, not the default rules",
			dir:    missing,
			stderr: []string{"redflag: --rules: stat " + missing + ": no such file or directory"},
		},
		{
			name:   "file, not dir",
			reason: "--rules takes a directory of rule files",
			dir:    notADir,
			stderr: []string{"redflag: --rules: " + notADir + " is not a directory"},
		},
		{
			name:   "empty dir",
			reason: "a directory without rule files is not a rule set; the default must not be used instead",
			dir:    emptyDir,
			stderr: []string{"redflag: the rules in " + emptyDir + " do not load", "no rule files found"},
		},
	}
	answers := readAnswers(t, "self-care.json")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, args := range [][]string{
				{"check", "--rules", tt.dir},
				{"check", "--json", "--rules", tt.dir, "-"},
			} {
				got := runCLI(t, t.Context(), answers, args...)
				require.Equal(t, exitBadInput, got.code, "%s\nstderr: %s", tt.reason, got.stderr)
				assert.Empty(t, got.stdout, tt.reason)
				rest := got.stderr
				for _, s := range tt.stderr {
					i := strings.Index(rest, s)
					if !assert.GreaterOrEqual(t, i, 0, "%s\nstderr lacks (in order) %q:\n%s", tt.reason, s, got.stderr) {
						break
					}
					rest = rest[i+len(s):]
				}
			}
		})
	}
}

func TestHelp(t *testing.T) {
	t.Parallel()
	for _, arg := range []string{"help", "-h", "-help", "--help"} {
		t.Run(arg, func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, t.Context(), "", arg)
			require.Equal(t, exitSelfCare, got.code)
			assert.Empty(t, got.stderr)
			assert.Equal(t, usage, got.stdout)
			assert.Contains(t, got.stdout, "redflag check [--rules DIR] [--json] [FILE|-]")
			assert.Contains(t, got.stdout, "Exit codes: 0 self-care, 3 see a professional, 4 incomplete,\n2 bad input or bad rules, 1 anything else.")
			assert.True(t, strings.HasSuffix(got.stdout, triage.Disclaimer+"\n"), "help ends with the not-a-diagnosis reminder:\n%s", got.stdout)
		})
	}
}

func TestCheckHelpFlag(t *testing.T) {
	t.Parallel()
	got := runCLI(t, t.Context(), "", "check", "-h")
	assert.Equal(t, exitSelfCare, got.code, "asking for help is not an error")
	assert.Empty(t, got.stdout, "no verdict is printed")
	assert.Contains(t, got.stderr, "Usage: redflag check [--rules DIR] [--json] [FILE|-]")
	assert.Contains(t, got.stderr, "-rules DIR")
	assert.Contains(t, got.stderr, "-json")
}

func TestCheckCancelledContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	for _, file := range []string{"self-care.json", "see-professional.json", "incomplete.json"} {
		for _, asJSON := range []bool{false, true} {
			args := []string{"check", filepath.Join(answersDir, file)}
			if asJSON {
				args = append(args, "--json")
			}
			got := runCLI(t, ctx, "", args...)
			assert.Equal(t, exitFailure, got.code, "a cancelled evaluation is a failure, never a verdict (%v)", args)
			assert.Empty(t, got.stdout, "no verdict may be printed for a cancelled evaluation (%v)", args)
			assert.Contains(t, got.stderr, "context canceled", "%v", args)
		}
	}
}

// TestControlCharactersAreEscaped feeds control characters through every
// place the CLI prints text it was given (answer keys, file and directory
// names, arguments, rule file lines): none may reach the terminal raw,
// where ESC sequences and CR could rewrite what is on screen.
func TestControlCharactersAreEscaped(t *testing.T) {
	t.Parallel()
	// nasty is a name that clears the line and prints in red; file names
	// cannot hold NUL, so it comes with keys and typed answers only.
	const nasty = "\x1b[31mfever\r\x1b[2K"
	dir := t.TempDir()
	badRules := filepath.Join(dir, "rules"+nasty)
	require.NoError(t, os.MkdirAll(badRules, 0o755))
	// YAML refuses C0 control characters, but a right-to-left override
	// (which reorders what a terminal shows) can reach an error snippet.
	require.NoError(t, os.WriteFile(filepath.Join(badRules, "rules.yaml"), []byte("name: x\nversion: 1.0.0\nnope\u202e: 1\n"), 0o644))
	keyJSON, err := json.Marshal(map[string]bool{nasty + "\x00": true, "fever\x00": true})
	require.NoError(t, err)
	tests := []struct {
		reason string
		stdin  string
		args   []string
		code   int
		// shown is the escaped form that must appear on stderr or stdout.
		shown string
	}{
		{
			reason: "unknown answer keys with ESC, CR and NUL in check's errors",
			stdin:  string(keyJSON), args: []string{"check"}, code: exitBadInput,
			shown: `\x1b[31mfever\r\x1b[2K\x00`,
		},
		{
			reason: "raw control bytes in malformed JSON",
			stdin:  "{\"fever\": true,\x1b[2K\r\x00}", args: []string{"check"}, code: exitBadInput,
		},
		{
			reason: "an answers file name that does not exist",
			args:   []string{"check", filepath.Join(dir, nasty+".json")}, code: exitBadInput,
			shown: `\x1b[31mfever\r\x1b[2K.json`,
		},
		{
			reason: "a --jsonl input that cannot be read: a directory",
			args:   []string{"check", "--jsonl", badRules}, code: exitFailure,
			shown: `rules\x1b[31mfever\r\x1b[2K`,
		},
		{
			reason: "a --rules directory that does not exist",
			args:   []string{"check", "--rules", filepath.Join(dir, nasty)}, code: exitBadInput,
			shown: `\x1b[31mfever\r\x1b[2K`,
		},
		{
			reason: "a rule directory whose name and lines hold control characters",
			args:   []string{"check", "--rules", badRules}, code: exitBadInput,
			shown: `nope\u202e`,
		},
		{
			reason: "an unknown command",
			args:   []string{nasty + "\x00"}, code: exitBadInput,
			shown: `\x1b[31mfever\r\x1b[2K\x00`,
		},
		{
			reason: "an unexpected argument to ask",
			args:   []string{"ask", nasty + "\x00"}, code: exitBadInput,
			shown: `\x1b[31mfever\r\x1b[2K\x00`,
		},
		{
			reason: "ask's answers typed with control characters, echoed and quoted",
			stdin:  "n\x1b[2K\x00\nnone\x1b[31m\nyes\r\n", args: []string{"ask", "--save", filepath.Join(dir, "saved"+nasty+".json")}, code: exitSeePro,
			shown: `saved\x1b[31mfever\r\x1b[2K.json`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			t.Parallel()
			got := runCLI(t, t.Context(), tt.stdin, tt.args...)
			assert.Equal(t, tt.code, got.code, "%s\n%q\n%q", tt.reason, got.stdout, got.stderr)
			for name, out := range map[string]string{"stdout": got.stdout, "stderr": got.stderr} {
				assert.NotContains(t, out, "\x1b", "%s: raw ESC on %s: %q", tt.reason, name, out)
				assert.NotContains(t, out, "\r", "%s: raw CR on %s: %q", tt.reason, name, out)
				assert.NotContains(t, out, "\x00", "%s: raw NUL on %s: %q", tt.reason, name, out)
				assert.NotContains(t, out, "\u202e", "%s: raw right-to-left override on %s: %q", tt.reason, name, out)
			}
			if tt.shown != "" {
				assert.Contains(t, got.stdout+got.stderr, tt.shown, "%s: the characters are shown escaped", tt.reason)
			}
		})
	}
}

func TestPrintableAndQuote(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, printable, quote, reason string
	}{
		{"fever", "fever", `"fever"`, "plain text is unchanged"},
		{"38 °C, café, 頭痛 🙂", "38 °C, café, 頭痛 🙂", `"38 °C, café, 頭痛 🙂"`, "printable Unicode is shown as is"},
		{"a\x1b[2Kb\rc\x00d\n\t", `a\x1b[2Kb\rc\x00d\n\t`, `"a\x1b[2Kb\rc\x00d\n\t"`, "control characters are escaped, line breaks and tabs too"},
		{"x\u202ey\u200bz", `x\u202ey\u200bz`, `"x\u202ey\u200bz"`, "invisible format characters (bidi override, zero width space) are escaped"},
		{"\xff\xfe ok \uFFFD", `\xff\xfe ok ` + "\uFFFD", `"\xff\xfe ok ` + "\uFFFD" + `"`, "bytes that are not UTF-8 are shown as bytes; a real U+FFFD is kept"},
		{strings.Repeat("é", 41), strings.Repeat("é", 41), `"` + strings.Repeat("é", 40) + `"…`, "quote keeps the first 40 characters, not bytes"},
		{strings.Repeat("\x1b", 50), strings.Repeat(`\x1b`, 50), `"` + strings.Repeat(`\x1b`, 40) + `"…`, "quote cuts before escaping, so its length stays bounded"},
	} {
		assert.Equal(t, tt.printable, printable(tt.in), tt.reason)
		assert.Equal(t, tt.quote, quote(tt.in), tt.reason)
	}
	assert.Equal(t, "a\n  \\x1b b", printableLines("a\n  \x1b b"), "printableLines keeps line breaks")
}
