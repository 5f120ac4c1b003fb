package triage_test

import (
	"bytes"
	"strings"
	"sync"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// header is a valid rule-set header with one source.
const header = `name: demo
version: 1.0.0
title: Demo rules
sources:
  - id: doc
    title: A document
`

// demoQuestions is a small questionnaire with every question type and a
// follow-up.
const demoQuestions = `questions:
  - id: fever
    text: Do you have a fever?
    type: boolean
  - id: where
    text: Where is the numbness?
    type: multichoice
    choices: [fingers, arms]
  - id: side
    text: Which side?
    type: choice
    choices:
      - {value: left, label: Left side}
      - right
  - id: temp
    text: Temperature?
    type: number
    min: 30
    max: 45
    unit: °C
  - id: pops
    text: Do you pop your back?
    type: boolean
  - id: relief
    text: How many minutes does relief last?
    type: integer
    min: 0
    ask_if: pops
`

// demoRules reads every demo question.
const demoRules = `rules:
  - id: fever
    title: Fever
    when: fever
    action: refer
    advice: See a professional.
    cite: {source: doc, section: Fever}
  - id: numb
    title: Numbness
    when: size(where) > 0
    action: refer
    advice: See a professional.
    cite: {source: doc, section: Numbness}
  - id: hot
    title: High temperature
    when: temp >= 38.0 && side == "left"
    action: refer
    advice: See a professional.
    cite: {source: doc, section: Fever}
  - id: short_relief
    title: Short relief
    when: pops && relief < 5
    action: refer
    advice: See a professional.
    cite: {source: doc, section: Relief}
  - id: long_relief
    title: Popping habit
    when: pops && relief > 60
    action: caution
    advice: Pop less.
    cite: {source: doc, section: Habit}
`

func demoFS() fstest.MapFS {
	return fstest.MapFS{"demo.yaml": {Data: []byte(header + demoQuestions + demoRules)}}
}

func mapFS(files map[string]string) fstest.MapFS {
	m := fstest.MapFS{}
	for name, data := range files {
		m[name] = &fstest.MapFile{Data: []byte(data)}
	}
	return m
}

func mustLoad(t testing.TB, fsys fstest.MapFS, opts ...triage.Option) *triage.Engine {
	t.Helper()
	eng, err := triage.Load(fsys, opts...)
	if err != nil {
		var list triage.ErrorList
		if ok := asList(err, &list); ok {
			t.Fatalf("Load: %s", list.ErrorsWithSnippets())
		}
		require.NoError(t, err)
	}
	return eng
}

func asList(err error, list *triage.ErrorList) bool {
	l, ok := err.(triage.ErrorList)
	if ok {
		*list = l
	}
	return ok
}

// errorLines returns the one-line form of every error in err.
func errorLines(t *testing.T, err error) []string {
	t.Helper()
	require.Error(t, err)
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

// defaultEngine is the default rule set, loaded once for the tests that
// only need an engine's answers decoder.
var defaultEngine = sync.OnceValues(func() (*triage.Engine, error) { return triage.Load(rules.FS) })

// parseAnswers decodes a JSON answers document as a service would, with
// the default limits.
func parseAnswers(t testing.TB, data []byte) (triage.Answers, error) {
	t.Helper()
	eng, err := defaultEngine()
	require.NoError(t, err)
	return eng.DecodeAnswers(bytes.NewReader(data))
}
