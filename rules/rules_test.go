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
		"popping_pain":            false,
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
		cite{src000, whenToSee}, []cite{{src001, crucialWarn}}, true},
	// pain.yaml
	"needle_like_pain": {triage.Refer, "needle_like_pain", []string{"needle_like_pain"},
		cite{src000, whenToSee}, []cite{{src001, safeTech001}}, true},
	"popping_pain": {triage.Refer, "popping_pain", []string{"popping_pain"},
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
	assert.Equal(t, "1.1.0", v.RuleSet.Version, "rule-set version")
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
		assert.Equal(t, want.cite.source, r.Citation.SourceID, "%s: cited source", r.ID)
		assert.Equal(t, want.cite.section, r.Citation.Section, "%s: cited section", r.ID)
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
	for _, g := range v.Guidance {
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
	{"shooting_arm_pain", triage.BooleanType, nil, ""},
	{"numbness_tingling", triage.MultiChoiceType, []string{"fingers", "arms", "chest"}, ""},
	{"electric_pain", triage.BooleanType, nil, ""},
	{"needle_like_pain", triage.BooleanType, nil, ""},
	{"popping_pain", triage.BooleanType, nil, ""},
	{"pain_wraps_to_chest", triage.BooleanType, nil, ""},
	{"deep_breath_pain", triage.BooleanType, nil, ""},
	{"constant_stiffness", triage.BooleanType, nil, ""},
	{"clunking", triage.BooleanType, nil, ""},
	{"grinding", triage.BooleanType, nil, ""},
	{"self_pops", triage.BooleanType, nil, ""},
	{"pops_per_day", triage.IntegerType, nil, "self_pops"},
	{"relief_minutes", triage.IntegerType, nil, "self_pops"},
	{"pain_days", triage.IntegerType, nil, ""},
	{"fever", triage.BooleanType, nil, ""},
	{"unexplained_weight_loss", triage.BooleanType, nil, ""},
	{"night_pain", triage.BooleanType, nil, ""},
	{"systemic_symptoms", triage.BooleanType, nil, ""},
	{"severe_osteoporosis", triage.BooleanType, nil, ""},
	{"inflammatory_condition", triage.BooleanType, nil, ""},
	{"recent_trauma", triage.BooleanType, nil, ""},
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
		if w.typ == triage.IntegerType {
			if assert.NotNil(t, q.Min, "%s: counts cannot be negative, so min must be set", w.id) {
				assert.Equal(t, 0.0, *q.Min, "%s: min", w.id)
			}
			assert.Nil(t, q.Max, "%s: no invented upper bound", w.id)
			assert.NotEmpty(t, q.Unit, "%s: a count needs a unit", w.id)
		}
	}
}

// TestHelpFailsClosed checks the help texts that settle doubt towards the
// referral: a person unsure how to answer these questions is told to answer
// yes, so an unsure answer never becomes a silent "no".
func TestHelpFailsClosed(t *testing.T) {
	eng := loadEngine(t)
	help := map[string]string{}
	for _, q := range eng.Questions() {
		help[q.ID] = q.Help
	}
	cases := []struct {
		id     string
		want   []string
		reason string
	}{
		{"severe_osteoporosis", []string{"not sure how severe", "answer yes"},
			"few people know how severe their osteoporosis is (000, When To See A Professional Instead); 1.1.0 asks them to answer yes"},
		{"inflammatory_condition", []string{"not sure", "answer yes"},
			"000's \"certain inflammatory conditions\" names none, so an unsure person answers yes"},
		{"popping_pain", []string{"attempt itself", "everyday", "not sure, answer yes"},
			"001's sentence is about pain the attempt to pop sets off, not everyday movement; doubt still answers yes"},
	}
	for _, tc := range cases {
		t.Run(tc.id, func(t *testing.T) {
			for _, w := range tc.want {
				assert.Contains(t, help[tc.id], w, tc.reason)
			}
		})
	}
}

// TestGuidanceInstructions pins the instructions of the documents that the
// self-care guidance must carry, in our words: 1.0.0 left out the first
// three.
func TestGuidanceInstructions(t *testing.T) {
	eng := loadEngine(t)
	v, err := eng.Evaluate(t.Context(), allNegative())
	require.NoError(t, err)
	require.Equal(t, triage.SelfCare, v.Outcome)
	guidance := map[string]triage.Guidance{}
	for _, g := range v.Guidance {
		guidance[g.ID] = g
	}
	cases := []struct {
		id     string
		want   string
		cite   cite
		reason string
	}{
		{"chair_lean", "behind your head (not your neck)", cite{src000, `The "Chair Lean" Method`},
			`000: "Lace your fingers behind your head—not your neck—to support your skull."`},
		{"chair_lean", "a sharp pain or a pain focused in one spot", cite{src001, safeTech001},
			`001: "stop immediately if you feel sharp or localized pain"`},
		{"no_forcing", "sudden", cite{src000, "Safe Techniques To Pop Your Upper Back Naturally"},
			`000: "No sudden movements."`},
		{"no_forcing", "heavy weights", cite{src000, "Safe Techniques To Pop Your Upper Back Naturally"},
			`000: "No heavy weights."`},
		{"stop_if_it_hurts", "stop", cite{src000, actionableNow},
			`000: "Listen to your body—if it hurts, stop."`},
	}
	for _, tc := range cases {
		t.Run(tc.id+"/"+tc.want, func(t *testing.T) {
			g, ok := guidance[tc.id]
			require.True(t, ok, "%s: self-care item %s must exist", tc.reason, tc.id)
			assert.Contains(t, g.Advice, tc.want, tc.reason)
			cites := []cite{{g.Citation.SourceID, g.Citation.Section}}
			for _, c := range g.SeeAlso {
				cites = append(cites, cite{c.SourceID, c.Section})
			}
			assert.Contains(t, cites, tc.cite, "%s: the sentence's document and section are cited", tc.reason)
		})
	}
}

// TestReasonOrder checks the order of a verdict's reasons, which the
// *_test.yaml cases cannot express (fires_exactly compares sets): refer
// rules first, then cautions, each in rule-file order.
func TestReasonOrder(t *testing.T) {
	eng := loadEngine(t)
	cases := []struct {
		name    string
		answers triage.Answers
		reasons []string
		reason  string
	}{
		{
			"both cautions", with(triage.Answers{"grinding": true, "pops_per_day": 25}),
			[]string{"grinding", "frequent_popping"},
			"cautions are listed in rule-file order",
		},
		{
			"referral and caution", with(triage.Answers{"fever": true, "pops_per_day": 12}),
			[]string{"fever", "frequent_popping"},
			"referrals come before cautions, even from a rule file that sorts later",
		},
		{
			"three referrals", with(triage.Answers{"fever": true, "shooting_arm_pain": true, "recent_trauma": true}),
			[]string{"recent_trauma", "shooting_arm_pain", "fever"},
			"referrals are listed in rule-file order: history.yaml, nerve.yaml, then systemic.yaml",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, err := eng.Evaluate(t.Context(), tc.answers)
			require.NoError(t, err, tc.reason)
			assert.Equal(t, tc.reasons, ruleIDs(v.Reasons), tc.reason)
		})
	}
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
			assert.Equal(t, sourceTitles[r.Citation.SourceID], r.Citation.Title, "%s: the citation carries the source title", tc.reason)
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
	assert.True(t, len(v.Guidance) >= 4 && len(v.Guidance) <= 7, "4 to 7 self-care items, got %d", len(v.Guidance))

	type cited struct {
		what string
		c    triage.Citation
	}
	var all []cited
	for _, r := range eng.Rules() {
		all = append(all, cited{"rule " + r.ID, r.Citation})
		for _, c := range r.SeeAlso {
			all = append(all, cited{"rule " + r.ID + " see_also", c})
		}
	}
	for _, g := range v.Guidance {
		assert.NotEmpty(t, g.Title, "self_care %s: title", g.ID)
		assert.NotEmpty(t, g.Advice, "self_care %s: advice", g.ID)
		all = append(all, cited{"self_care " + g.ID, g.Citation})
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
	triagetest.Run(t, loadEngine(t), rules.FS, triagetest.WithMutation(), triagetest.WithMinCoverage(100))
}

// TestCaseCoverage holds the shipped cases to full clinical coverage, which
// TestCases does not check by itself: every rule seen firing and seen not
// firing with its questions answered, every question answered, and every
// question a referral reads left unanswered in a case that lists it as
// missing. It also asks for each rule a case where that rule alone fires,
// with the outcome its action gives: see_professional for a referral,
// self_care for a caution.
func TestCaseCoverage(t *testing.T) {
	eng := loadEngine(t)
	rep, err := triagetest.Verify(t.Context(), eng, rules.FS)
	require.NoError(t, err, "the test cases must load")
	assert.Zero(t, rep.Failed, "every case passes (TestCases names the failures)")
	assert.Empty(t, rep.Coverage.Uncovered(), "everything the cases must show")
	assert.Equal(t, rep.Coverage.Total, rep.Coverage.Covered, "coverage is %.1f%%", rep.Coverage.Percent())

	suite, err := triagetest.Load(rules.FS, eng)
	require.NoError(t, err)
	for _, r := range eng.Rules() {
		want := triage.SeeProfessional
		if r.Action == triage.Caution {
			want = triage.SelfCare
		}
		alone := slices.ContainsFunc(suite.Cases, func(tc triagetest.TestCase) bool {
			return tc.Expect.Outcome == want && slices.Equal(tc.Expect.FiresExactly, []string{r.ID})
		})
		assert.True(t, alone, "rule %s: no case where it alone fires with outcome %s", r.ID, want)
	}
}
