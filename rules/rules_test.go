package rules_test

import (
	"errors"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/triagetest"
)

const (
	src000 = "000_00087ff1b98cbee7.txt"
	src001 = "001_0a05b181d71a6c01.txt"

	// Section headings cited more than once.
	whenToSee     = "When To See A Professional Instead"
	crucialWarn   = "Crucial Safety Warnings and When to Seek Professional Help"
	safeTech001   = "Safe Techniques for Self-Adjustment"
	ribHead       = `A Note On "Rib Head" Pain`
	dangerHabit   = `The Danger Of The "Self-Adjustment" Habit`
	actionableNow = "Actionable Steps For Immediate Relief"
)

// sourceTitles are the titles the rule set declares for its two sources.
var sourceTitles = map[string]string{
	src000: "Popping your upper back yourself: safe techniques and when to stop",
	src001: "How to Safely Adjust Your Upper Back",
}

// loadEngine loads the embedded default rule set, failing the test with
// every load error when it does not load.
func loadEngine(t *testing.T) *triage.Engine {
	t.Helper()
	eng, err := triage.Load(rules.FS)
	if err != nil {
		var list triage.ErrorList
		if errors.As(err, &list) {
			t.Fatalf("default rule set does not load:\n%s", list.ErrorsWithSnippets())
		}
		t.Fatalf("default rule set does not load: %v", err)
	}
	require.NotNil(t, eng)
	return eng
}

// allNegative returns a complete answer set with no red flag: every boolean
// false, no numbness, a person who pops their back twice a day with half an
// hour of relief, and pain for one day.
func allNegative() triage.Answers {
	return triage.Answers{
		"shooting_arm_pain":       false,
		"numbness_tingling":       []string{},
		"electric_pain":           false,
		"needle_like_pain":        false,
		"worsening_pain":          false,
		"pain_wraps_to_chest":     false,
		"deep_breath_pain":        false,
		"constant_stiffness":      false,
		"clunking":                false,
		"grinding":                false,
		"self_pops":               true,
		"pops_per_day":            2,
		"relief_minutes":          30,
		"pain_days":               1,
		"fever":                   false,
		"unexplained_weight_loss": false,
		"night_pain":              false,
		"systemic_symptoms":       false,
		"severe_osteoporosis":     false,
		"inflammatory_condition":  false,
		"recent_trauma":           false,
	}
}

// with returns allNegative with set applied and the del keys removed.
func with(set triage.Answers, del ...string) triage.Answers {
	a := allNegative()
	maps.Copy(a, set)
	for _, k := range del {
		delete(a, k)
	}
	return a
}

func ruleIDs(rs []triage.Reason) []string {
	ids := []string{}
	for _, r := range rs {
		ids = append(ids, r.RuleID)
	}
	return ids
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// cite is a short way to write a citation in the tables below.
type cite struct{ source, section string }

// wantRule is the expected shape of one rule of the default set.
type wantRule struct {
	action  triage.Action
	when    string
	reads   []string
	cite    cite
	seeAlso []cite
	// vague marks rules whose source is vague and whose reading is recorded
	// in the rule's note.
	vague bool
}

// wantRules is every rule of the default set: one per referral or caution
// criterion of the two source documents.
var wantRules = map[string]wantRule{
	// nerve.yaml
	"shooting_arm_pain": {triage.Refer, "shooting_arm_pain", []string{"shooting_arm_pain"},
		cite{src000, whenToSee}, nil, false},
	"numbness_tingling": {triage.Refer, "size(numbness_tingling) > 0", []string{"numbness_tingling"},
		cite{src001, crucialWarn}, []cite{{src000, whenToSee}}, true},
	"electric_pain": {triage.Refer, "electric_pain", []string{"electric_pain"},
		cite{src000, whenToSee}, []cite{{src001, crucialWarn}}, false},
	// pain.yaml
	"needle_like_pain": {triage.Refer, "needle_like_pain", []string{"needle_like_pain"},
		cite{src000, whenToSee}, []cite{{src001, safeTech001}, {src001, crucialWarn}}, true},
	"worsening_pain": {triage.Refer, "worsening_pain", []string{"worsening_pain"},
		cite{src001, crucialWarn}, nil, true},
	"pain_wraps_to_chest": {triage.Refer, "pain_wraps_to_chest", []string{"pain_wraps_to_chest"},
		cite{src000, whenToSee}, nil, false},
	"deep_breath_pain": {triage.Refer, "deep_breath_pain", []string{"deep_breath_pain"},
		cite{src000, ribHead}, nil, true},
	"constant_stiffness": {triage.Refer, "constant_stiffness", []string{"constant_stiffness"},
		cite{src001, crucialWarn}, nil, false},
	"pain_more_than_few_days": {triage.Refer, "pain_days > 3", []string{"pain_days"},
		cite{src001, crucialWarn}, nil, true},
	// popping.yaml
	"clunking": {triage.Refer, "clunking", []string{"clunking"},
		cite{src000, whenToSee}, nil, false},
	"grinding": {triage.Caution, "grinding", []string{"grinding"},
		cite{src000, actionableNow}, nil, true},
	"short_relief": {triage.Refer, "self_pops && relief_minutes < 5", []string{"self_pops", "relief_minutes"},
		cite{src000, whenToSee}, nil, true},
	"frequent_popping": {triage.Caution, "self_pops && pops_per_day >= 10", []string{"self_pops", "pops_per_day"},
		cite{src000, dangerHabit}, nil, true},
	// systemic.yaml
	"fever": {triage.Refer, "fever", []string{"fever"},
		cite{src001, crucialWarn}, nil, false},
	"unexplained_weight_loss": {triage.Refer, "unexplained_weight_loss", []string{"unexplained_weight_loss"},
		cite{src001, crucialWarn}, nil, false},
	"night_pain": {triage.Refer, "night_pain", []string{"night_pain"},
		cite{src001, crucialWarn}, nil, false},
	"systemic_symptoms": {triage.Refer, "systemic_symptoms", []string{"systemic_symptoms"},
		cite{src001, crucialWarn}, nil, true},
	// history.yaml
	"severe_osteoporosis": {triage.Refer, "severe_osteoporosis", []string{"severe_osteoporosis"},
		cite{src000, whenToSee}, nil, true},
	"inflammatory_condition": {triage.Refer, "inflammatory_condition", []string{"inflammatory_condition"},
		cite{src000, whenToSee}, nil, true},
	"recent_trauma": {triage.Refer, "recent_trauma", []string{"recent_trauma"},
		cite{src000, whenToSee}, nil, true},
}

func TestRuleSetLoads(t *testing.T) {
	eng := loadEngine(t)
	v, err := eng.Evaluate(t.Context(), allNegative())
	require.NoError(t, err)
	assert.Equal(t, "upper-back-self-adjustment", v.RuleSet.Name, "rule-set name")
	assert.Equal(t, "1.0.0", v.RuleSet.Version, "rule-set version")
	assert.Equal(t, "Red flags when self-adjusting the upper back", v.RuleSet.Title, "rule-set title")
	assert.True(t, strings.HasPrefix(v.RuleSet.Hash, "sha256:"), "the verdict must identify the rule files by hash")

	got := map[string]string{}
	for _, s := range eng.Sources() {
		got[s.ID] = s.Title
		assert.Empty(t, s.URL, "%s: no URL is known for the sources", s.ID)
	}
	assert.Equal(t, sourceTitles, got, "the rule set declares exactly the two source documents")
}

func TestRules(t *testing.T) {
	eng := loadEngine(t)
	got := eng.Rules()
	require.Len(t, got, len(wantRules), "one rule per criterion of the source documents, no more, no fewer")
	for _, r := range got {
		want, ok := wantRules[r.ID]
		if !assert.True(t, ok, "rule %q is not a criterion of the source documents", r.ID) {
			continue
		}
		assert.Equal(t, want.action, r.Action, "%s: action", r.ID)
		assert.Equal(t, want.when, r.When, "%s: condition", r.ID)
		assert.Equal(t, want.reads, r.Reads, "%s: questions read", r.ID)
		assert.Equal(t, want.cite.source, r.Source.SourceID, "%s: cited source", r.ID)
		assert.Equal(t, want.cite.section, r.Source.Section, "%s: cited section", r.ID)
		var seeAlso []cite
		for _, c := range r.SeeAlso {
			seeAlso = append(seeAlso, cite{c.SourceID, c.Section})
		}
		assert.Equal(t, want.seeAlso, seeAlso, "%s: see_also citations", r.ID)
		assert.NotEmpty(t, r.Title, "%s: every rule needs a title", r.ID)
		assert.NotEmpty(t, r.Advice, "%s: every rule needs advice", r.ID)
		if want.vague {
			assert.NotEmpty(t, r.Note, "%s: the reading of a vague criterion must be recorded in note", r.ID)
		}
	}
}

// sentenceEnd matches the end of a sentence: ., ! or ? followed by a space or
// the end of the text.
var sentenceEnd = regexp.MustCompile(`[.!?](\s|$)`)

func TestAdviceIsShort(t *testing.T) {
	eng := loadEngine(t)
	v, err := eng.Evaluate(t.Context(), allNegative())
	require.NoError(t, err)
	texts := map[string]string{}
	for _, r := range eng.Rules() {
		texts["rule "+r.ID] = r.Advice
	}
	for _, g := range v.SelfCare {
		texts["self_care "+g.ID] = g.Advice
	}
	for id, text := range texts {
		n := len(sentenceEnd.FindAllString(strings.TrimSpace(text), -1))
		assert.True(t, n >= 1 && n <= 3, "%s: advice should be 1 to 3 sentences, has %d: %q", id, n, text)
	}
}

// wantQuestions is the questionnaire, in order.
var wantQuestions = []struct {
	id      string
	typ     triage.QuestionType
	choices []string
	askIf   string
}{
	{"shooting_arm_pain", triage.Boolean, nil, ""},
	{"numbness_tingling", triage.MultiChoice, []string{"fingers", "arms", "chest"}, ""},
	{"electric_pain", triage.Boolean, nil, ""},
	{"needle_like_pain", triage.Boolean, nil, ""},
	{"worsening_pain", triage.Boolean, nil, ""},
	{"pain_wraps_to_chest", triage.Boolean, nil, ""},
	{"deep_breath_pain", triage.Boolean, nil, ""},
	{"constant_stiffness", triage.Boolean, nil, ""},
	{"clunking", triage.Boolean, nil, ""},
	{"grinding", triage.Boolean, nil, ""},
	{"self_pops", triage.Boolean, nil, ""},
	{"pops_per_day", triage.Integer, nil, "self_pops"},
	{"relief_minutes", triage.Integer, nil, "self_pops"},
	{"pain_days", triage.Integer, nil, ""},
	{"fever", triage.Boolean, nil, ""},
	{"unexplained_weight_loss", triage.Boolean, nil, ""},
	{"night_pain", triage.Boolean, nil, ""},
	{"systemic_symptoms", triage.Boolean, nil, ""},
	{"severe_osteoporosis", triage.Boolean, nil, ""},
	{"inflammatory_condition", triage.Boolean, nil, ""},
	{"recent_trauma", triage.Boolean, nil, ""},
}

func TestQuestions(t *testing.T) {
	eng := loadEngine(t)
	got := eng.Questions()
	var gotIDs, wantIDs []string
	for _, q := range got {
		gotIDs = append(gotIDs, q.ID)
	}
	for _, w := range wantQuestions {
		wantIDs = append(wantIDs, w.id)
	}
	require.Equal(t, wantIDs, gotIDs, "question ids are public API and their order is the questionnaire's")
	for i, w := range wantQuestions {
		q := got[i]
		assert.Equal(t, w.typ, q.Type, "%s: type", w.id)
		assert.Equal(t, w.askIf, q.AskIf, "%s: ask_if", w.id)
		assert.NotEmpty(t, q.Text, "%s: every question needs text", w.id)
		var choices []string
		for _, c := range q.Choices {
			choices = append(choices, c.Value)
			assert.NotEmpty(t, c.Label, "%s: choice %q needs a label", w.id, c.Value)
		}
		assert.Equal(t, w.choices, choices, "%s: choices", w.id)
		if w.typ == triage.Integer {
			if assert.NotNil(t, q.Min, "%s: counts cannot be negative, so min must be set", w.id) {
				assert.Equal(t, 0.0, *q.Min, "%s: min", w.id)
			}
			assert.Nil(t, q.Max, "%s: no invented upper bound", w.id)
			assert.NotEmpty(t, q.Unit, "%s: a count needs a unit", w.id)
		}
	}
}

type evalCase struct {
	name    string
	answers triage.Answers
	outcome triage.Outcome
	reasons []string // fired rule ids, in order
	missing []string
	reason  string
}

func runEvalCases(t *testing.T, eng *triage.Engine, cases []evalCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := eng.Evaluate(t.Context(), tc.answers)
			require.NoError(t, err, tc.reason)
			require.NotNil(t, v, tc.reason)
			assert.Equal(t, tc.outcome, v.Outcome, tc.reason)
			assert.Equal(t, orEmpty(tc.reasons), ruleIDs(v.Reasons), tc.reason)
			assert.Equal(t, orEmpty(tc.missing), orEmpty(v.Missing), tc.reason)
			for _, r := range v.Reasons {
				if want, ok := wantRules[r.RuleID]; ok {
					assert.Equal(t, want.action, r.Action, "%s: action of reason %s", tc.reason, r.RuleID)
				}
				assert.NotEmpty(t, r.Advice, "%s: reason %s carries advice", tc.reason, r.RuleID)
			}
			if tc.outcome == triage.SelfCare {
				assert.NotEmpty(t, v.SelfCare, "%s: self-care verdicts carry guidance", tc.reason)
			} else {
				assert.Empty(t, v.SelfCare, "%s: guidance is only for self-care verdicts", tc.reason)
			}
		})
	}
}

// referrals are the referral criteria, each set alone on the all-negative
// baseline.
var referrals = []struct {
	rule   string
	set    triage.Answers
	reason string
}{
	{"shooting_arm_pain", triage.Answers{"shooting_arm_pain": true}, "000: shooting pains down the arms"},
	{"numbness_tingling", triage.Answers{"numbness_tingling": []string{"fingers"}}, "000: numbness in the fingers"},
	{"numbness_tingling", triage.Answers{"numbness_tingling": []string{"arms"}}, "001: numbness or tingling into the arms"},
	{"numbness_tingling", triage.Answers{"numbness_tingling": []string{"chest"}}, "001: numbness or tingling into the chest"},
	{"electric_pain", triage.Answers{"electric_pain": true}, "000 lightning bolt / 001 electric pain on moving"},
	{"needle_like_pain", triage.Answers{"needle_like_pain": true}, "000: localized sharp pain like a needle; 001: sharp or localized pain"},
	{"worsening_pain", triage.Answers{"worsening_pain": true}, "001: worsening pain"},
	{"pain_wraps_to_chest", triage.Answers{"pain_wraps_to_chest": true}, "000: pain radiating around the ribs to the chest"},
	{"deep_breath_pain", triage.Answers{"deep_breath_pain": true}, "000: rib-head ache that makes a deep breath hard"},
	{"constant_stiffness", triage.Answers{"constant_stiffness": true}, "001: constant stiffness"},
	{"pain_more_than_few_days", triage.Answers{"pain_days": 4}, "001: pain for more than a few days, read as > 3"},
	{"clunking", triage.Answers{"clunking": true}, "000: clunking rather than popping"},
	{"short_relief", triage.Answers{"relief_minutes": 4}, "000: relief from popping for less than 5 minutes"},
	{"short_relief", triage.Answers{"relief_minutes": 0}, "no relief at all is less than 5 minutes of relief"},
	{"fever", triage.Answers{"fever": true}, "001: fever"},
	{"unexplained_weight_loss", triage.Answers{"unexplained_weight_loss": true}, "001: unexplained weight loss"},
	{"night_pain", triage.Answers{"night_pain": true}, "001: pain that worsens at night"},
	{"systemic_symptoms", triage.Answers{"systemic_symptoms": true}, "001: systemic symptoms"},
	{"severe_osteoporosis", triage.Answers{"severe_osteoporosis": true}, "000: severe osteoporosis"},
	{"inflammatory_condition", triage.Answers{"inflammatory_condition": true}, "000: certain inflammatory conditions"},
	{"recent_trauma", triage.Answers{"recent_trauma": true}, "000: recent trauma such as a car accident"},
}

func TestEachReferralAlone(t *testing.T) {
	eng := loadEngine(t)
	var cases []evalCase
	covered := map[string]bool{}
	for _, r := range referrals {
		covered[r.rule] = true
		keys := slices.Sorted(maps.Keys(r.set))
		cases = append(cases, evalCase{
			name:    r.rule + "/" + strings.Join(keys, ","),
			answers: with(r.set),
			outcome: triage.SeeProfessional,
			reasons: []string{r.rule},
			reason:  r.reason + " alone must refer, and only through its own rule",
		})
	}
	runEvalCases(t, eng, cases)

	for _, r := range eng.Rules() {
		if r.Action == triage.Refer {
			assert.True(t, covered[r.ID], "referral rule %s has no single-criterion case", r.ID)
		}
	}
}

func TestEvaluate(t *testing.T) {
	eng := loadEngine(t)
	// Every question that can change the outcome, in questionnaire order.
	// grinding and pops_per_day feed only caution rules, so they never
	// change the outcome; relief_minutes is represented by self_pops, the
	// question its ask_if depends on.
	allDeciding := []string{
		"shooting_arm_pain", "numbness_tingling", "electric_pain",
		"needle_like_pain", "worsening_pain", "pain_wraps_to_chest",
		"deep_breath_pain", "constant_stiffness", "clunking", "self_pops",
		"pain_days", "fever", "unexplained_weight_loss", "night_pain",
		"systemic_symptoms", "severe_osteoporosis", "inflammatory_condition",
		"recent_trauma",
	}
	runEvalCases(t, eng, []evalCase{
		{
			name: "all negative", answers: allNegative(), outcome: triage.SelfCare,
			reason: "no red flag and every referral rule decided: self-care with guidance",
		},

		// Boundaries.
		{
			name: "relief 4 minutes", answers: with(triage.Answers{"relief_minutes": 4}),
			outcome: triage.SeeProfessional, reasons: []string{"short_relief"},
			reason: "4 minutes is less than 5",
		},
		{
			name: "relief 5 minutes", answers: with(triage.Answers{"relief_minutes": 5}),
			outcome: triage.SelfCare,
			reason:  "5 minutes is not less than 5",
		},
		{
			name: "pain 3 days", answers: with(triage.Answers{"pain_days": 3}),
			outcome: triage.SelfCare,
			reason:  "3 days is not more than a few days (read as > 3)",
		},
		{
			name: "pain 4 days", answers: with(triage.Answers{"pain_days": 4}),
			outcome: triage.SeeProfessional, reasons: []string{"pain_more_than_few_days"},
			reason: "4 days is more than a few days (read as > 3)",
		},
		{
			name: "pops 9 a day", answers: with(triage.Answers{"pops_per_day": 9}),
			outcome: triage.SelfCare,
			reason:  "9 is fewer than ten times a day: no caution",
		},
		{
			name: "pops 10 a day", answers: with(triage.Answers{"pops_per_day": 10}),
			outcome: triage.SelfCare, reasons: []string{"frequent_popping"},
			reason: "ten times a day (read as >= 10) is a caution, which never changes the outcome",
		},
		{
			name: "grinding", answers: with(triage.Answers{"grinding": true}),
			outcome: triage.SelfCare, reasons: []string{"grinding"},
			reason: "a bone-on-bone grind is a caution to stop, not a referral",
		},
		{
			name: "both cautions", answers: with(triage.Answers{"grinding": true, "pops_per_day": 25}),
			outcome: triage.SelfCare, reasons: []string{"grinding", "frequent_popping"},
			reason: "cautions are listed in rule-file order and keep the outcome at self-care",
		},

		// The follow-ups of self_pops.
		{
			name: "no self-popping, follow-ups absent", answers: with(triage.Answers{"self_pops": false}, "pops_per_day", "relief_minutes"),
			outcome: triage.SelfCare,
			reason:  "follow-ups that are not asked cannot be missing",
		},
		{
			name: "no self-popping, short relief given anyway", answers: with(triage.Answers{"self_pops": false, "relief_minutes": 1}, "pops_per_day"),
			outcome: triage.SelfCare,
			reason:  "short_relief is guarded by self_pops, so an answer to an unasked follow-up cannot refer",
		},
		{
			name: "no self-popping, many pops given anyway", answers: with(triage.Answers{"self_pops": false, "pops_per_day": 50}, "relief_minutes"),
			outcome: triage.SelfCare,
			reason:  "frequent_popping is guarded by self_pops",
		},

		// Missing answers.
		{
			name: "nothing answered", answers: triage.Answers{},
			outcome: triage.Incomplete, missing: allDeciding,
			reason: "every question that could refer is missing; the follow-ups are represented by self_pops, once",
		},
		{
			name: "fever unanswered", answers: with(nil, "fever"),
			outcome: triage.Incomplete, missing: []string{"fever"},
			reason: "one unanswered referral question keeps the verdict incomplete",
		},
		{
			name: "grinding unanswered", answers: with(nil, "grinding"),
			outcome: triage.SelfCare,
			reason:  "grinding feeds only a caution, so leaving it unanswered cannot change the outcome",
		},
		{
			name: "self_pops unanswered", answers: with(nil, "self_pops", "pops_per_day", "relief_minutes"),
			outcome: triage.Incomplete, missing: []string{"self_pops"},
			reason: "the relief follow-up could refer, and it depends on self_pops",
		},
		{
			name: "relief unanswered", answers: with(nil, "relief_minutes"),
			outcome: triage.Incomplete, missing: []string{"relief_minutes"},
			reason: "self_pops is true, so relief_minutes is asked and could refer",
		},
		{
			name: "pops per day unanswered", answers: with(nil, "pops_per_day"),
			outcome: triage.SelfCare,
			reason:  "pops_per_day feeds only a caution, so it is not missing",
		},
		{
			name: "fever alone", answers: triage.Answers{"fever": true},
			outcome: triage.SeeProfessional, reasons: []string{"fever"},
			reason: "a positive answer refers however much is unanswered, and then nothing is missing",
		},
		{
			name: "short relief alone", answers: triage.Answers{"self_pops": true, "relief_minutes": 2},
			outcome: triage.SeeProfessional, reasons: []string{"short_relief"},
			reason: "a guarded follow-up refers on its own once its guard is answered",
		},

		// Several reasons.
		{
			name: "fever and frequent popping", answers: with(triage.Answers{"fever": true, "pops_per_day": 12}),
			outcome: triage.SeeProfessional, reasons: []string{"fever", "frequent_popping"},
			reason: "referrals come before cautions, and the caution is still reported",
		},
		{
			name: "three referrals", answers: with(triage.Answers{"fever": true, "shooting_arm_pain": true, "recent_trauma": true}),
			outcome: triage.SeeProfessional, reasons: []string{"recent_trauma", "shooting_arm_pain", "fever"},
			reason: "referrals are listed in rule-file order: history.yaml, nerve.yaml, then systemic.yaml",
		},

		// Answer normalisation.
		{
			name: "pain days as a whole float", answers: with(triage.Answers{"pain_days": 4.0}),
			outcome: triage.SeeProfessional, reasons: []string{"pain_more_than_few_days"},
			reason: "a JSON-style 4.0 is a valid integer answer of 4",
		},
	})
}

func TestEvidence(t *testing.T) {
	eng := loadEngine(t)
	cases := []struct {
		name     string
		answers  triage.Answers
		rule     string
		evidence []triage.Evidence
		reason   string
	}{
		{
			name: "short relief", answers: with(triage.Answers{"relief_minutes": 4}), rule: "short_relief",
			evidence: []triage.Evidence{{Question: "self_pops", Value: true}, {Question: "relief_minutes", Value: int64(4)}},
			reason:   "the evidence shows both the guard and the relief time, normalised to int64",
		},
		{
			name: "numbness", answers: with(triage.Answers{"numbness_tingling": []string{"arms"}}), rule: "numbness_tingling",
			evidence: []triage.Evidence{{Question: "numbness_tingling", Value: []string{"arms"}}},
			reason:   "multichoice evidence is a []string",
		},
		{
			name: "pain days as float", answers: with(triage.Answers{"pain_days": 4.0}), rule: "pain_more_than_few_days",
			evidence: []triage.Evidence{{Question: "pain_days", Value: int64(4)}},
			reason:   "an integral float answer is normalised to int64",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := eng.Evaluate(t.Context(), tc.answers)
			require.NoError(t, err, tc.reason)
			i := slices.IndexFunc(v.Reasons, func(r triage.Reason) bool { return r.RuleID == tc.rule })
			require.GreaterOrEqual(t, i, 0, "%s: rule %s must fire", tc.reason, tc.rule)
			r := v.Reasons[i]
			assert.Equal(t, tc.evidence, r.Evidence, tc.reason)
			assert.Equal(t, sourceTitles[r.Source.SourceID], r.Source.Title, "%s: the citation carries the source title", tc.reason)
		})
	}
}

func TestInvalidAnswers(t *testing.T) {
	eng := loadEngine(t)
	cases := []struct {
		name     string
		answers  triage.Answers
		question string
		reason   string
	}{
		{"string for boolean", with(triage.Answers{"fever": "yes"}), "fever", `"yes" is not a boolean`},
		{"fraction for integer", with(triage.Answers{"pain_days": 2.5}), "pain_days", "2.5 is not a whole number of days"},
		{"negative count", with(triage.Answers{"pain_days": -1}), "pain_days", "pain_days has min 0"},
		{"unknown choice", with(triage.Answers{"numbness_tingling": []string{"toes"}}), "numbness_tingling", `"toes" is not one of the choices`},
		{"unknown question", with(triage.Answers{"fevr": true}), "fevr", "a misspelt id must not be silently ignored"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := eng.Evaluate(t.Context(), tc.answers)
			require.Error(t, err, tc.reason)
			assert.ErrorIs(t, err, triage.ErrInvalidAnswers, tc.reason)
			assert.Nil(t, v, "%s: an invalid answer set never gets a verdict", tc.reason)
			var list triage.AnswerErrors
			require.True(t, errors.As(err, &list), "%s: error must carry AnswerErrors", tc.reason)
			var questions []string
			for _, e := range list {
				questions = append(questions, e.Question)
			}
			assert.Equal(t, []string{tc.question}, questions, "%s: exactly the offending question is named", tc.reason)
		})
	}
}

// TestCitations checks that every rule and every piece of guidance cites a
// declared source, and that every cited heading is a line of the cited
// document, so citations cannot drift from the sources.
func TestCitations(t *testing.T) {
	eng := loadEngine(t)
	v, err := eng.Evaluate(t.Context(), allNegative())
	require.NoError(t, err)
	require.Equal(t, triage.SelfCare, v.Outcome)
	assert.True(t, len(v.SelfCare) >= 4 && len(v.SelfCare) <= 7, "4 to 7 self-care items, got %d", len(v.SelfCare))

	type cited struct {
		what string
		c    triage.Citation
	}
	var all []cited
	for _, r := range eng.Rules() {
		all = append(all, cited{"rule " + r.ID, r.Source})
		for _, c := range r.SeeAlso {
			all = append(all, cited{"rule " + r.ID + " see_also", c})
		}
	}
	for _, g := range v.SelfCare {
		assert.NotEmpty(t, g.Title, "self_care %s: title", g.ID)
		assert.NotEmpty(t, g.Advice, "self_care %s: advice", g.ID)
		all = append(all, cited{"self_care " + g.ID, g.Source})
		for _, c := range g.SeeAlso {
			all = append(all, cited{"self_care " + g.ID + " see_also", c})
		}
	}
	for _, x := range all {
		title, ok := sourceTitles[x.c.SourceID]
		if assert.True(t, ok, "%s cites undeclared source %q", x.what, x.c.SourceID) {
			assert.Equal(t, title, x.c.Title, "%s: source title", x.what)
		}
		assert.NotEmpty(t, x.c.Section, "%s: a citation names its section", x.what)
		assert.Empty(t, x.c.URL, "%s: no URL is known for the sources", x.what)
	}

	// headings[source][heading] lists the documents' section headings,
	// kept in testdata so this runs on every clone.
	headings := map[string]map[string]bool{}
	b, err := os.ReadFile(filepath.Join("testdata", "headings.tsv"))
	require.NoError(t, err)
	for _, l := range strings.Split(string(b), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		id, heading, ok := strings.Cut(l, "\t")
		require.True(t, ok, "headings.tsv: bad line %q", l)
		if headings[id] == nil {
			headings[id] = map[string]bool{}
		}
		headings[id][heading] = true
	}
	for _, x := range all {
		assert.True(t, headings[x.c.SourceID][x.c.Section],
			"%s: section %q must be a heading of %s (see testdata/headings.tsv), copied exactly", x.what, x.c.Section, x.c.SourceID)
	}

	t.Run("headings appear in the documents", func(t *testing.T) {
		dir := filepath.Join("..", "..", "shared", "seeds")
		if _, err := os.Stat(dir); errors.Is(err, os.ErrNotExist) {
			t.Skipf("source documents not found at %s (they sit beside the repository in CI)", dir)
		}
		for id, hs := range headings {
			b, err := os.ReadFile(filepath.Join(dir, id))
			require.NoError(t, err, "source document %s must be readable", id)
			lines := map[string]bool{}
			for _, l := range strings.Split(strings.ReplaceAll(string(b), "\r\n", "\n"), "\n") {
				lines[l] = true
			}
			for h := range hs {
				assert.True(t, lines[h], "testdata/headings.tsv: %q must be a line of %s, copied exactly", h, id)
			}
		}
	})
}

// TestCases runs the shipped test cases (*_test.yaml) through the
// triagetest runner, with mutation testing: every case must pass, every
// rule must fire in some case, and every mutant of every rule must be
// caught. go test -run 'TestCases/fever' runs one case.
func TestCases(t *testing.T) {
	triagetest.Run(t, loadEngine(t), rules.FS, triagetest.WithMutation())
}
