package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// typed joins the lines a person types, each ended by Enter.
func typed(lines ...string) string { return strings.Join(lines, "\n") + "\n" }

// asked lists the first line of each question's text in a transcript, in
// order.
var askedRe = regexp.MustCompile(`(?m)^Question \d+[^\n]*\n(.*)$`)

func asked(transcript string) []string {
	var out []string
	for _, m := range askedRe.FindAllStringSubmatch(transcript, -1) {
		out = append(out, m[1])
	}
	return out
}

// noWrap is a width no line reaches: tests of what ask says, not of how
// it wraps, use it.
const noWrap = 1000

// askAt runs ask on the default rule set, wrapping to width columns.
func askAt(t *testing.T, width int, opts askOptions, input string) result {
	t.Helper()
	var stdout, stderr bytes.Buffer
	opts.width = width
	code := askEngine(t.Context(), defaultEngine(t), opts, strings.NewReader(input), &stdout, &stderr)
	return result{code: code, stdout: stdout.String(), stderr: stderr.String()}
}

// askNote is how ask ends at 100 columns: the not-a-diagnosis note.
const askNote = "Note: This supports triage; it is not a diagnosis. If you are worried, or your symptoms change,\n  contact a health professional.\n"

// noToEverything answers the default questionnaire in Next's order with no
// red flag: it pops twice a day with half an hour of relief, for two days.
var noToEverything = []string{
	"n",    // shooting_arm_pain
	"none", // numbness_tingling
	"n",    // electric_pain
	"n",    // needle_like_pain
	"no",   // popping_pain
	"n",    // pain_wraps_to_chest
	"n",    // deep_breath_pain
	"n",    // constant_stiffness
	"n",    // clunking
	"yes",  // self_pops
	"30",   // relief_minutes
	"2",    // pain_days
	"n",    // fever
	"n",    // unexplained_weight_loss
	"n",    // night_pain
	"n",    // systemic_symptoms
	"n",    // severe_osteoporosis
	"n",    // inflammatory_condition
	"n",    // recent_trauma
}

// optionalNo answers the optional questions that follow noToEverything, in
// Verdict.Optional's order, with no caution: no grinding, two pops a day.
var optionalNo = []string{
	"n", // grinding
	"2", // pops_per_day
}

// selfCare is the whole input of a self-care run with no caution.
var selfCare = typed(append(slices.Clone(noToEverything), optionalNo...)...)

// answeredWith returns noToEverything followed by more.
func answeredWith(more ...string) string {
	return typed(append(slices.Clone(noToEverything), more...)...)
}

// optionalIntroLine is how ask introduces the optional questions, at 100
// columns.
const optionalIntroLine = "No warning sign so far. A few optional questions can tailor the advice; type skip to leave any out."

func TestAskTranscripts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		reason string
		args   []string
		input  string
		code   int
		// asked is how many questions the transcript shows (re-asks of the
		// same question after back count again).
		asked int
		incl  []string
		excl  []string
	}{
		{
			name:   "self-care",
			reason: "no red flag: once every refer rule is settled, the caution-only questions (grinding, pops_per_day) follow, introduced once and marked optional",
			input:  selfCare,
			code:   exitSelfCare, asked: len(noToEverything) + 2,
			incl: []string{
				"\nQuestion 1, at most 20 left\nDo you have pain that shoots down one or both of your arms?\n",
				"\nQuestion 19, at most 2 left\nHave you recently been injured, for example in a car accident or a fall?\n(yes/no) > n\n\n" +
					optionalIntroLine + "\n\nQuestion 20 (optional), at most 1 left\nDoes it ever feel like bone grinding",
				"\nQuestion 21 (optional), the last\nOn a typical day, how many times do you pop or crack your back?\n",
				"Result: No warning sign found; self-care is reasonable\n", "\nSelf-care:\n  - Stop if it hurts: Let pain be your signal to stop.\n",
			},
			excl: []string{"change this", "Optional questions left", "end of input", "Source:", "sha256", ".txt"},
		},
		{
			name:   "frequent popper",
			reason: "issue 11's person: twelve pops a day, with default flags, is shown 000's frequent-popping caution; the outcome stays self-care",
			input:  answeredWith("n", "12"),
			code:   exitSelfCare, asked: len(noToEverything) + 2,
			incl: []string{
				"Result: No warning sign found; self-care is reasonable",
				"\nSelf-care can continue, but change this:\n  - Popping the back ten or more times a day\n",
				"    You said yes to: Do you pop or crack your own back?\n" +
					"    You answered 12 times a day to: On a typical day, how many times do you pop or crack your back?\n",
			},
			excl: []string{"warning signs in your answers", "Optional questions left", "frequent_popping"},
		},
		{
			name:   "optional skipped",
			reason: "each optional question can be skipped; the verdict is still self-care and lists what was left out",
			input:  answeredWith("skip", "skip"),
			code:   exitSelfCare, asked: len(noToEverything) + 2,
			incl: []string{
				"   (left unanswered)",
				"Optional questions left unanswered (they could add advice, not change the result):\n" +
					"  - Does it ever feel like bone grinding on bone when your back moves or pops?\n" +
					"  - On a typical day, how many times do you pop or crack your back?\n",
				"Result: No warning sign found",
			},
			excl: []string{"end of input", "change this", "[grinding]"},
		},
		{
			name:   "back from an optional question",
			reason: "back at the first optional question returns to the last needed one; the optional questions are introduced only once",
			input:  answeredWith("back", "n", "yes", "skip"),
			code:   exitSelfCare, asked: len(noToEverything) + 4,
			incl: []string{"  - A grinding feeling when the back moves\n", "You said yes to: Does it ever feel like bone grinding", "  - On a typical day, how many times do you pop"},
			excl: []string{"end of input"},
		},
		{
			name:   "not popping",
			reason: "self_pops no: pops_per_day does not apply, so grinding is the only optional question",
			input: typed(append(slices.Clone(noToEverything[:9]), "no", // self_pops: relief_minutes is not asked
				"2", "n", "n", "n", "n", "n", "n", "n", // pain_days ... recent_trauma
				"yes")...), // grinding (optional)
			code: exitSelfCare, asked: len(noToEverything),
			incl: []string{"Question 19 (optional), the last\nDoes it ever feel like bone grinding", "  - A grinding feeling when the back moves\n"},
			excl: []string{"how many times do you pop", "end of input"},
		},
		{
			name:   "see-professional",
			reason: "a red flag ends the questionnaire at once: nothing can change the outcome",
			input:  typed("n", "none", "n", "n", "yes"),
			code:   exitSeePro, asked: 5,
			incl: []string{
				"Question 5, at most 16 left\n",
				"Result: Stop self-adjusting and see a professional\n",
				"\nThe warning signs in your answers:\n",
				"    You said yes to: When you try to pop, crack or stretch out your back, does it cause a sharp pain\n      or make your pain worse?\n",
			},
			excl: []string{optionalIntroLine, "(optional)", "end of input"},
		},
		{
			name:   "natural answers",
			reason: "bad answers are re-asked with a clear message; ? shows the help; choices by number and by label",
			input:  typed("maybe", "", "N", "?", "2, Fingers"),
			code:   exitSeePro, asked: 2,
			incl: []string{
				`   Please answer yes or no, not "maybe".`,
				"   Please type an answer (? for help, skip to leave it unanswered).",
				"   If you have no numbness or tingling, pick none of them.",
				"   Pick all that apply: numbers or names separated by commas (1,3), or none.",
				"    You answered Arms and Fingers to: Do you have numbness or tingling in any of these places? Pick\n      all that apply.\n",
			},
		},
		{
			name:   "bad numbers and choices",
			reason: "a word for a number, a value below the minimum (checked by the engine), an unknown choice and a repeated one are all re-asked",
			input: typed(append(noToEverything[:10:10],
				"ten", "-1", "3", // relief_minutes: not a number, below min, then a red flag
			)...),
			code: exitSeePro, asked: 11,
			incl: []string{
				`   Please answer with a whole number of minutes, such as 3; "ten" is not one.`,
				"   That answer does not fit: -1 is below the minimum of 0.",
				"    You answered 3 minutes to: After you pop your back, how many minutes does the relief usually\n      last?\n",
			},
		},
		{
			name:   "choice errors",
			reason: "a choice number out of range, an unknown name and a repeat are refused",
			input:  typed("n", "7", "toes", "arms,2", "chest"),
			code:   exitSeePro, asked: 2,
			incl: []string{
				"   There is no choice 7; pick a number from 1 to 3.",
				`   "toes" is not one of the choices (fingers, arms, chest); type its number or its name.`,
				`   "2" is picked twice.`,
				"You answered Chest to: Do you have numbness",
			},
		},
		{
			name:   "back",
			reason: "back undoes the previous answer and asks it again; back at the start says so",
			input:  typed("back", "n", "back", "n", "none", "back", "back", "n", "arms"),
			code:   exitSeePro, asked: 8,
			incl: []string{"   There is no previous answer to change.", "You answered Arms to: Do you have numbness"},
			excl: []string{"You said no to: Do you have numbness"},
		},
		{
			name:   "skip and end of input",
			reason: "skip leaves a question unanswered and moves on; at the end of the input the verdict is incomplete, never self-care",
			input:  typed("skip", "none", "n"),
			code:   exitIncomplete, asked: 4,
			incl: []string{
				"   (left unanswered)",
				"(end of input: stopping here)",
				"Result: Not cleared yet; some answers are missing\n",
				"\nStill to answer (any of these could change the result):\n  - Do you have pain that shoots down one or both of your arms?\n",
			},
		},
		{
			name:   "skip everything",
			reason: "once every question still needed is skipped, nothing is left to ask: incomplete, listing them",
			input:  typed(strings.Split(strings.Repeat("skip,", 18), ",")[:18]...),
			code:   exitIncomplete, asked: 18,
			incl: []string{"Result: Not cleared yet", "  - Do you pop or crack your own back?\n", "  - Have you recently been injured"},
			excl: []string{"end of input", "how many minutes does the relief", optionalIntroLine, "(optional)"},
		},
		{
			name:   "all",
			reason: "--all asks every question that applies, cautions included, and skips follow-ups whose ask_if is false",
			args:   []string{"--all"},
			input: typed("n", "none", "n", "n", "n", "n", "n", "n", "n", "n", // ... grinding
				"no", // self_pops: pops_per_day and relief_minutes do not apply
				"2", "n", "n", "n", "n", "n", "n", "n"),
			code: exitSelfCare, asked: 19,
			incl: []string{"Question 1, at most 20 left\n", "Does it ever feel like bone grinding on bone", "Result: No warning sign found"},
			excl: []string{"how many minutes does the relief", "end of input", "(optional)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := askAt(t, 100, askOptions{all: slices.Contains(tt.args, "--all")}, tt.input)
			require.Equal(t, tt.code, got.code, "%s\nstdout:\n%s\nstderr: %s", tt.reason, got.stdout, got.stderr)
			assert.Empty(t, got.stderr)
			assert.Len(t, asked(got.stdout), tt.asked, "%s\n%s", tt.reason, got.stdout)
			for _, s := range tt.incl {
				assert.Contains(t, got.stdout, s, tt.reason)
			}
			for _, s := range tt.excl {
				assert.NotContains(t, got.stdout, s, tt.reason)
			}
			assert.LessOrEqual(t, strings.Count(got.stdout, optionalIntroLine), 1, "the optional questions are introduced once")
			if !strings.Contains(tt.input, "back") {
				assertAtMostLeft(t, got.stdout, tt.reason)
			}
			assert.True(t, strings.HasSuffix(got.stdout, "\n"+askNote), "the transcript ends with the not-a-diagnosis note")
			for _, l := range strings.Split(got.stdout, "\n") {
				assert.LessOrEqual(t, utf8.RuneCountInString(l), 100, "%s: every line fits in 100 columns: %q", tt.reason, l)
			}
		})
	}
}

var headingRe = regexp.MustCompile(`(?m)^Question (\d+)(?: \(optional\))?, (?:at most (\d+) left|the last)$`)

// assertAtMostLeft checks that "at most M left" holds: after each question
// heading, no more than M other headings follow. Without back, every
// heading is a new question.
func assertAtMostLeft(t *testing.T, transcript, reason string) {
	t.Helper()
	headings := headingRe.FindAllStringSubmatch(transcript, -1)
	require.NotEmpty(t, headings, reason)
	for i, h := range headings {
		left := 0
		if h[2] != "" {
			left, _ = strconv.Atoi(h[2])
		}
		assert.LessOrEqual(t, len(headings)-i-1, left, "%s: after %q", reason, h[0])
	}
}

// TestAskGolden pins whole transcripts at 60 and 100 columns, with input
// piped in: the questions and their order, the progress line, the
// prompts, the wrapping and the result; and one with --details.
func TestAskGolden(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, reason, input string
		details             bool
	}{
		{"ask-self-care", "the whole adaptive questionnaire, the optional questions and the caution the second brings", answeredWith("n", "12"), false},
		{"ask-see-professional", "a red flag on the second question, after asking for help", typed("n", "?", "1"), false},
		{"ask-see-professional-details", "--details adds the rule ids, citations and the rule set's hash", typed("n", "?", "1"), true},
	} {
		for _, width := range []int{60, 100} {
			name := fmt.Sprintf("%s-%d.txt", tt.name, width)
			t.Run(name, func(t *testing.T) {
				t.Parallel()
				got := askAt(t, width, askOptions{details: tt.details}, tt.input)
				require.Empty(t, got.stderr, tt.reason)
				for _, l := range strings.Split(got.stdout, "\n") {
					if !tt.details { // a citation's URL or the hash may stand alone, longer than a line
						assert.LessOrEqual(t, utf8.RuneCountInString(l), width, "%s: %q", tt.reason, l)
					}
				}
				if !tt.details {
					for _, internal := range []string{"sha256", ".txt", "[", "numbness_tingling", "Source:"} {
						assert.NotContains(t, got.stdout, internal, "%s: no ids, file names or hashes without --details", tt.reason)
					}
				}
				golden(t, name, got.stdout)
			})
		}
	}
}

// mustDecode decodes saved answers for the default rule set.
func mustDecode(t *testing.T, data []byte) triage.Answers {
	t.Helper()
	a, err := defaultEngine(t).DecodeAnswers(bytes.NewReader(data))
	require.NoError(t, err)
	return a
}

// TestAskSaveReplaysWithCheck checks that --save writes answers that check
// accepts and that give the same verdict, with the same headline.
func TestAskSaveReplaysWithCheck(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name  string
		input string
		code  int
	}{
		{"self-care", selfCare, exitSelfCare},
		{"optional skipped", answeredWith("skip", "12"), exitSelfCare},
		{"see-professional", typed("n", "1,3"), exitSeePro},
		{"incomplete", typed("skip", "none"), exitIncomplete},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			path := filepath.Join(t.TempDir(), "answers.json")
			got := runCLI(t, t.Context(), tt.input, "ask", "--save", path)
			require.Equal(t, tt.code, got.code, got.stderr)
			assert.Contains(t, strings.Join(strings.Fields(got.stdout), " "), "Answers saved to "+path)

			data, err := os.ReadFile(path)
			require.NoError(t, err)
			var saved map[string]any
			require.NoError(t, json.Unmarshal(data, &saved), "the saved file is a JSON object")
			replay := runCLI(t, t.Context(), "", "check", path)
			require.Equal(t, tt.code, replay.code, "check on the saved answers exits as ask did")
			v, err := defaultEngine(t).Evaluate(t.Context(), mustDecode(t, data))
			require.NoError(t, err)
			assert.Contains(t, replay.stdout, "Outcome: "+v.Outcome.String()+" — "+v.Headline+"\n", "check shows the rule set's headline")
			assert.Contains(t, got.stdout, "\nResult: "+v.Headline+"\n", "ask shows the same headline as check")
		})
	}
}

func TestAskArguments(t *testing.T) {
	t.Parallel()
	got := runCLI(t, t.Context(), "", "ask", "answers.json")
	assert.Equal(t, exitBadInput, got.code)
	assert.Contains(t, got.stderr, `unexpected argument "answers.json"`)

	got = runCLI(t, t.Context(), "", "ask", "--rules", "no-such-dir")
	assert.Equal(t, exitBadInput, got.code)
	assert.Contains(t, got.stderr, "redflag: --rules:")

	got = runCLI(t, t.Context(), typed("n"), "ask", "--save", filepath.Join(t.TempDir(), "no", "such", "dir.json"))
	assert.Equal(t, exitFailure, got.code, "an answers file that cannot be written is a failure, not a verdict")
	assert.Contains(t, got.stderr, "--save")
}

// TestAskCustomRules runs ask on a rule set from a directory.
func TestAskCustomRules(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "rules.yaml"), []byte(`name: demo
version: 1.0.0
title: A demo clinic
sources:
  - {id: leaflet, title: Demo leaflet}
questions:
  - id: temperature
    text: What is your temperature?
    type: number
    min: 30
    max: 45
    unit: °C
  - id: side
    text: Which side hurts?
    type: choice
    choices: [{value: left, label: Left side}, {value: right, label: Right side}]
rules:
  - id: fever
    title: Fever
    when: temperature >= 38 && side == "left"
    action: refer
    advice: See a professional.
    cite: {source: leaflet, section: Fever}
`), 0o644))
	eng, code := loadEngine(dir, nil, io.Discard)
	require.NotNil(t, eng, "exit %d", code)
	var stdout, stderr bytes.Buffer
	code = askEngine(t.Context(), eng, askOptions{width: noWrap}, strings.NewReader(typed("hot", "50", "38,5", "38.5", "left side")), &stdout, &stderr)
	got := result{code, stdout.String(), stderr.String()}
	require.Equal(t, exitSeePro, got.code, "%s\n%s", got.stdout, got.stderr)
	assert.Contains(t, got.stdout, "A demo clinic")
	assert.Contains(t, got.stdout, `Please answer with a number of °C, such as 37.5; "hot" is not one.`)
	assert.Contains(t, got.stdout, "That answer does not fit: 50 is above the maximum of 45.")
	assert.Contains(t, got.stdout, `"38,5" has a comma in it, which is read differently from place to place. Type the number with digits only, like 1500 or 2.5.`,
		"a decimal comma is refused: 1,500 would be read the same way")
	assert.Contains(t, got.stdout, "   1) Left side\n   2) Right side\n")
	assert.Contains(t, got.stdout, "You answered 38.5 °C to: What is your temperature?\n")
	assert.Contains(t, got.stdout, "You answered Left side to: Which side hurts?\n")
}

// TestAskInterrupted cancels the context while ask waits for input that
// never comes: it returns at once, with no verdict.
func TestAskInterrupted(t *testing.T) {
	t.Parallel()
	pr, pw := io.Pipe()
	defer pw.Close()
	in := &firstRead{Reader: pr, reading: make(chan struct{})}
	ctx, cancel := context.WithCancel(t.Context())
	var stdout, stderr bytes.Buffer
	done := make(chan int, 1)
	go func() { done <- run(ctx, []string{"ask"}, in, &stdout, &stderr) }()
	<-in.reading // ask is waiting for the first answer, which never comes
	cancel()
	select {
	case code := <-done:
		assert.Equal(t, exitFailure, code)
	case <-time.After(time.Minute): // a guard against hanging, not a bound on speed
		t.Fatal("ask did not notice the interrupt while waiting for input")
	}
	assert.Contains(t, stderr.String(), "interrupted; no verdict was given")
	assert.NotContains(t, stdout.String(), "Result:")
}

// firstRead is a Reader that closes reading when it is first read from.
type firstRead struct {
	io.Reader
	once    sync.Once
	reading chan struct{}
}

func (r *firstRead) Read(p []byte) (int, error) {
	r.once.Do(func() { close(r.reading) })
	return r.Reader.Read(p)
}

// weightRules is an in-memory rule set with a number question and an
// integer question, each behind a threshold rule.
var weightRules = fstest.MapFS{"rules.yaml": {Data: []byte(`name: weight
version: 1.0.0
title: Weight loss
sources: [{id: doc, title: Doc}]
questions:
  - {id: weight_loss_g, text: "How much weight have you lost without trying?", type: number, min: 0, unit: grams}
  - {id: days, text: "For how many days have you felt unwell?", type: integer, min: 0, unit: days}
rules:
  - id: weight_loss
    title: Weight loss
    when: weight_loss_g > 500.0
    action: refer
    advice: See a professional.
    cite: {source: doc, section: Weight}
  - id: long_illness
    title: Long illness
    when: days > 3
    action: refer
    advice: See a professional.
    cite: {source: doc, section: Days}
`)}}

// TestAskNumbers checks how ask reads numbers: a separator that reads
// differently from country to country (1,500 is 1500 or 1.5) is refused
// with what to type instead, and a number typed in another form than the
// value understood is echoed back. The saved answers must give the same
// verdict through Evaluate (as check would) as ask printed.
func TestAskNumbers(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(weightRules)
	require.NoError(t, err)
	const typeNumber = "Type the number with digits only, like 1500 or 2.5."
	const typeWhole = "Type the whole number with digits only, like 3 or 1500."
	tests := []struct {
		reason string
		input  []string
		code   int
		want   triage.Answers // the answers given, as check reads them
		incl   []string
		excl   []string
	}{
		{
			reason: "a comma is refused, never read as a decimal point (1,500 is not 1.5); the help says how to type a number",
			input:  []string{"?", "1,500", "1500"},
			code:   exitSeePro, want: triage.Answers{"weight_loss_g": 1500.0},
			incl: []string{
				"   Answer with a number of grams, at least 0, in digits with a dot for decimals (like 1500 or 2.5).",
				`   "1,500" has a comma in it, which is read differently from place to place. ` + typeNumber,
			},
			excl: []string{"Understood"},
		},
		{
			reason: "a decimal comma is refused too: type a dot",
			input:  []string{"0,5", "0.5", "2"},
			code:   exitSelfCare, want: triage.Answers{"weight_loss_g": 0.5, "days": int64(2)},
			incl: []string{`   "0,5" has a comma in it`},
			excl: []string{"Understood"},
		},
		{
			reason: "spaces, apostrophes, underscores and a second dot inside digits are refused",
			input:  []string{"1 500", "1'500", "1’500", "1_500", "1.500.000", "1\u202f500", "1500"},
			code:   exitSeePro, want: triage.Answers{"weight_loss_g": 1500.0},
			incl: []string{
				`   "1 500" has a space in it`,
				`   "1'500" has an apostrophe in it`,
				`   "1’500" has an apostrophe in it`,
				`   "1_500" has an underscore in it`,
				`   "1.500.000" has more than one dot in it`,
				`   "1\u202f500" has a space in it`,
			},
		},
		{
			reason: "a dot followed by exactly three digits could group thousands (1.500 is 1500 in some places, 1.5 in others): refused, never guessed, for number and whole-number questions",
			input:  []string{"1.500", "12.000", "0", "1.000", "1000"},
			code:   exitSeePro, want: triage.Answers{"weight_loss_g": 0.0, "days": int64(1000)},
			incl: []string{
				`   "1.500" has a dot that could group thousands in it`,
				`   "12.000" has a dot that could group thousands in it`,
				`   "1.000" has a dot that could group thousands in it`,
			},
		},
		{
			reason: "a number typed in another form than the value is echoed back",
			input:  []string{" 0600 "},
			code:   exitSeePro, want: triage.Answers{"weight_loss_g": 600.0},
			incl: []string{"   Understood: 600\n"},
		},
		{
			reason: "a plus sign, trailing zeros and a bare dot are echoed; a canonical answer is not",
			input:  []string{"+400.50", "3"},
			code:   exitSelfCare, want: triage.Answers{"weight_loss_g": 400.5, "days": int64(3)},
			incl: []string{"   Understood: 400.5\n"},
			excl: []string{"Understood: 3"},
		},
		{
			reason: "an integer question reads 3.0 and 03 as 3 and says so; 3.5 is not a whole number",
			input:  []string{"100", "?", "3.5", "3,0", "03.00"},
			code:   exitSelfCare, want: triage.Answers{"weight_loss_g": 100.0, "days": int64(3)},
			incl: []string{
				"   Answer with a whole number of days, at least 0, in digits only (like 3 or 1500).",
				`   Please answer with a whole number of days, such as 3; "3.5" is not one.`,
				`   "3,0" has a comma in it, which is read differently from place to place. ` + typeWhole,
				"   Understood: 3\n",
			},
			excl: []string{"Understood: 100"},
		},
		{
			reason: "an integer question refuses a fraction hidden far past the dot",
			input:  []string{"100", "3.0000000000000000001", "4"},
			code:   exitSeePro, want: triage.Answers{"weight_loss_g": 100.0, "days": int64(4)},
			incl: []string{`"3.0000000000000000001" is not one.`},
		},
		{
			reason: "words, signs in the wrong place, exponents, infinities and NaN are not numbers",
			input:  []string{"lots", "1e3", "inf", "NaN", "5-", "--5", "0x10", "1500"},
			code:   exitSeePro, want: triage.Answers{"weight_loss_g": 1500.0},
			incl: []string{
				`"lots" is not one.`, `"1e3" is not one.`, `"inf" is not one.`, `"NaN" is not one.`,
				`"5-" is not one.`, `"--5" is not one.`, `"0x10" is not one.`,
			},
		},
		{
			reason: "a number too large for the question's type is refused, not rounded to infinity",
			input:  []string{"1" + strings.Repeat("0", 400), "100", "99999999999999999999", "2"},
			code:   exitSelfCare, want: triage.Answers{"weight_loss_g": 100.0, "days": int64(2)},
			incl: []string{"is too large to be read as a number", "is too large to be read as a whole number"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			t.Parallel()
			save := filepath.Join(t.TempDir(), "answers.json")
			var stdout, stderr bytes.Buffer
			code := askEngine(t.Context(), eng, askOptions{save: save, width: noWrap}, strings.NewReader(typed(tt.input...)), &stdout, &stderr)
			require.Equal(t, tt.code, code, "%s\n%s\n%s", tt.reason, stdout.String(), stderr.String())
			for _, s := range tt.incl {
				assert.Contains(t, stdout.String(), s, tt.reason)
			}
			for _, s := range tt.excl {
				assert.NotContains(t, stdout.String(), s, tt.reason)
			}
			data, err := os.ReadFile(save)
			require.NoError(t, err)
			saved, err := eng.DecodeAnswers(bytes.NewReader(data))
			require.NoError(t, err)
			got, err := eng.Evaluate(t.Context(), saved)
			require.NoError(t, err)
			want, err := eng.Evaluate(t.Context(), tt.want)
			require.NoError(t, err)
			assert.Equal(t, want.Outcome, got.Outcome, "check on the saved answers agrees: %s", tt.reason)
			assert.Equal(t, tt.code, outcomeExit(got.Outcome), tt.reason)
			assert.Len(t, saved, len(tt.want), tt.reason)
			for id, v := range tt.want {
				want, err := json.Marshal(v)
				require.NoError(t, err)
				got, err := json.Marshal(saved[id])
				require.NoError(t, err)
				assert.Equal(t, string(want), string(got), "%s: %s", tt.reason, id)
			}
		})
	}
}

// repeatReader yields n copies of b, without holding them.
type repeatReader struct {
	b byte
	n int
}

func (r *repeatReader) Read(p []byte) (int, error) {
	if r.n == 0 {
		return 0, io.EOF
	}
	k := min(len(p), r.n)
	for i := range k {
		p[i] = r.b
	}
	r.n -= k
	return k, nil
}

// TestAskLongLines checks that ask reads a line of bounded length: a line
// of several MB is refused and the rest of it skipped, and no message
// quotes more than a short start of what was typed.
func TestAskLongLines(t *testing.T) {
	t.Parallel()
	eng, err := triage.Load(weightRules)
	require.NoError(t, err)
	const tooLong = "   That line is too long to be an answer (over 4096 bytes); the rest of it was skipped. Please type a short answer."
	tests := []struct {
		reason string
		input  io.Reader
		code   int
		incl   []string
	}{
		{
			reason: "a line of 8 MB is refused, and the next line is read as the answer",
			input:  io.MultiReader(&repeatReader{'1', 8 << 20}, strings.NewReader("\n1500\n")),
			code:   exitSeePro,
			incl:   []string{tooLong, "You answered 1500 grams to: How much weight have you lost without trying?"},
		},
		{
			reason: "a line of 8 MB at the end of the input, with no line ending, is refused too",
			input:  io.MultiReader(strings.NewReader("100\n"), &repeatReader{'x', 8 << 20}),
			code:   exitIncomplete,
			incl:   []string{tooLong, "(end of input: stopping here)"},
		},
		{
			reason: "a bad answer under the limit is quoted by its first 40 characters only",
			input:  strings.NewReader(typed(strings.Repeat("x", 4000), "1500")),
			code:   exitSeePro,
			incl:   []string{`; "` + strings.Repeat("x", 40) + `"… is not one.`},
		},
		{
			reason: "a long number with separators is quoted short too",
			input:  strings.NewReader(typed(strings.Repeat("1,", 2000), "100", strings.Repeat("9", 4000), "2")),
			code:   exitSelfCare,
			incl: []string{
				`   "` + strings.Repeat("1,", 20) + `"… has a comma in it`,
				`   "` + strings.Repeat("9", 40) + `"… is too large to be read as a whole number.`,
			},
		},
		{
			reason: "a line just under the limit is read as usual",
			input:  strings.NewReader(typed(strings.Repeat(" ", 4000) + "1500")),
			code:   exitSeePro,
			incl:   []string{"Understood: 1500"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.reason, func(t *testing.T) {
			t.Parallel()
			var stdout, stderr bytes.Buffer
			code := askEngine(t.Context(), eng, askOptions{width: 180}, tt.input, &stdout, &stderr)
			require.Equal(t, tt.code, code, "%s\n%.2000s\n%s", tt.reason, stdout.String(), stderr.String())
			assert.Empty(t, stderr.String())
			for _, s := range tt.incl {
				assert.Contains(t, stdout.String(), s, tt.reason)
			}
			for _, l := range strings.Split(stdout.String(), "\n") {
				assert.LessOrEqual(t, utf8.RuneCountInString(l), 200, "%s: every line of the transcript is short, echo included: %.300q", tt.reason, l)
			}
		})
	}
}

// TestAskQuotesShort checks every re-ask message of the default
// questionnaire quotes at most the start of a long answer.
func TestAskQuotesShort(t *testing.T) {
	t.Parallel()
	long := strings.Repeat("z", 3000)
	got := askAt(t, 180, askOptions{}, typed(long, "n", long, "arms,"+long, "arms,arms,"+long, "99999"+long, "arms"))
	require.Equal(t, exitSeePro, got.code, got.stdout)
	short := `"` + strings.Repeat("z", 40) + `"…`
	for _, want := range []string{
		"   Please answer yes or no, not " + short + ".",
		"   " + short + " is not one of the choices (fingers, arms, chest); type its number or its name.",
	} {
		assert.Contains(t, got.stdout, want)
	}
	assert.Contains(t, got.stdout, `   "arms" is picked twice.`)
	for _, l := range strings.Split(got.stdout, "\n") {
		assert.LessOrEqual(t, utf8.RuneCountInString(l), 200, "%.300q", l)
	}
}
