package cdshooks

import (
	"context"
	"encoding/json"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// outcomeAnswers give each outcome with the test rule set.
var outcomeAnswers = []struct {
	name, reason string
	answers      triage.Answers
	outcome      triage.Outcome
	indicator    string
}{
	{"see-professional", "fever and numb fingers fire two referrals; popping eight times a day adds a caution",
		triage.Answers{"fever": true, "numb": []string{"fingers"}, "pain_days": 2, "pops": true, "pops_per_day": 8}, triage.SeeProfessional, "warning"},
	{"incomplete", "only fever answered: numbness and pain days could still refer",
		triage.Answers{"fever": false}, triage.Incomplete, "info"},
	{"self-care", "every referral settled as no",
		triage.Answers{"fever": false, "numb": []string{}, "pain_days": 3, "pops": false}, triage.SelfCare, "info"},
}

var uuidV4 = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// TestCardGolden posts each outcome's answers and compares the response
// with its golden file (the card's uuid, random, replaced).
func TestCardGolden(t *testing.T) {
	eng := loadEngine(t)
	for _, tt := range outcomeAnswers {
		t.Run(tt.name, func(t *testing.T) {
			s, _ := testService(t, &fakeForm{eng: eng, canonical: canonical, answers: tt.answers}, nil)
			w := post(t, s, hookBody(t, bundle(bareQR(canonical))))
			require.Equal(t, 200, w.Code, "%s", w.Body)
			var resp Response
			require.NoError(t, json.Unmarshal(w.Body.Bytes(), &resp))
			require.Len(t, resp.Cards, 1, "one card per verdict")
			c := resp.Cards[0]
			assert.Regexp(t, uuidV4, c.UUID, "a random version 4 UUID")
			assert.Equal(t, tt.indicator, c.Indicator, tt.reason)
			assert.Contains(t, c.Detail, triage.Disclaimer, "every card reminds the reader this is not a diagnosis")
			if tt.outcome == triage.Incomplete {
				require.Len(t, c.Links, 1, "an incomplete card links back to the form")
				assert.Equal(t, Link{Label: "Answer the remaining questions", URL: formURL, Type: "absolute"}, c.Links[0])
			} else {
				assert.Empty(t, c.Links)
			}
			golden(t, "card-"+tt.name+".json", indentJSON(t, []byte(strings.Replace(w.Body.String(), c.UUID, "00000000-0000-4000-8000-000000000000", 1))))
		})
	}
}

// The card's parts come from the verdict: the headline, the first reason's
// citation, the evidence with question text and readable values.
func TestCardContent(t *testing.T) {
	eng := loadEngine(t)
	v, err := eng.Evaluate(context.Background(), outcomeAnswers[0].answers)
	require.NoError(t, err)
	c := newCard(v, eng.Questions(), formURL)
	assert.Equal(t, v.Headline, c.Summary)
	assert.Equal(t, Source{Label: "Back pain leaflet <2024>", URL: "https://example.org/leaflet"}, c.Source, "the first reason's citation")
	assert.Contains(t, c.Detail, `Where is the numbness or \*tingling\*? **Fingers**`, "question text escaped, choice label shown")
	assert.Contains(t, c.Detail, `[Back pain leaflet \<2024\>](<https://example.org/leaflet>), When to get help`, "linked citation with its section")
	assert.Contains(t, c.Detail, "Caution: Popping many times a day", "caution reasons are listed too")
	assert.Contains(t, c.Detail, "How many times a day? **8**")

	v, err = eng.Evaluate(context.Background(), outcomeAnswers[2].answers)
	require.NoError(t, err)
	c = newCard(v, eng.Questions(), "")
	assert.Equal(t, Source{Label: "A made-up back clinic"}, c.Source, "no reason: the rule set's title")
	assert.Contains(t, c.Detail, `Stretch gently twice a day \& keep moving.`)

	v, err = eng.Evaluate(context.Background(), outcomeAnswers[1].answers)
	require.NoError(t, err)
	c = newCard(v, eng.Questions(), "")
	assert.Empty(t, c.Links, "no form URL configured: no link")
	assert.Contains(t, c.Detail, "- How many days has your back hurt?\n", "missing questions listed")
}

func TestAnswerText(t *testing.T) {
	q := triage.Question{Unit: "days", Choices: []triage.Choice{{Value: "l", Label: "Left"}, {Value: "r"}}}
	tests := []struct {
		reason string
		value  any
		want   string
	}{
		{"true reads as yes", true, "yes"},
		{"false reads as no", false, "no"},
		{"an integer with its unit", int64(4), "4 days"},
		{"a number with its unit, shortest form", 37.5, "37.5 days"},
		{"a choice by its label", "l", "Left"},
		{"a choice without a label by its value", "r", "r"},
		{"a multichoice by labels", []string{"l", "r"}, "Left, r"},
		{"an empty multichoice is none of these", []string{}, "none of these"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, answerText(q, tt.value), tt.reason)
	}
}

// The summary stays under 140 runes for any headline, cut between runes
// with an ellipsis, and unchanged when it fits.
func TestSummaryRuneLimit(t *testing.T) {
	alphabets := [][]rune{
		[]rune("abc XYZ "),
		[]rune("é ü ß "),
		[]rune("日本語の見出し "),
		[]rune("🩺🦴❤️ "),
		[]rune("e\u0301 \u200d"),
	}
	r := rand.New(rand.NewPCG(1, 13))
	for i := range 2000 {
		alpha := alphabets[i%len(alphabets)]
		n := r.IntN(400)
		var b strings.Builder
		for range n {
			b.WriteRune(alpha[r.IntN(len(alpha))])
		}
		headline := b.String()
		got := summary(&triage.Verdict{Outcome: triage.SeeProfessional, Headline: headline})
		require.True(t, utf8.ValidString(got), "valid UTF-8 for %q", headline)
		require.Less(t, utf8.RuneCountInString(got), maxSummary, "for %q", headline)
		require.NotEmpty(t, got)
		folded := strings.Join(strings.Fields(headline), " ")
		if utf8.RuneCountInString(folded) < maxSummary {
			if folded != "" {
				require.Equal(t, folded, got, "a headline that fits is kept")
			}
			continue
		}
		require.True(t, strings.HasSuffix(got, "…"), "a cut summary ends in an ellipsis")
		require.True(t, strings.HasPrefix(folded, strings.TrimSuffix(got, "…")), "a cut summary is a prefix of the headline")
		require.Greater(t, utf8.RuneCountInString(got), maxSummary-40, "not cut more than needed")
		_, err := json.Marshal(Card{Summary: got, Indicator: "info", Source: Source{Label: "x"}})
		require.NoError(t, err, "the card accepts it")
	}
}

func TestCardRules(t *testing.T) {
	ok := Card{Summary: "s", Indicator: "info", Source: Source{Label: "l"}}
	tests := []struct {
		name, reason string
		change       func(*Card)
		msg          string // "" when the card is valid
	}{
		{"valid", "a plain card", func(*Card) {}, ""},
		{"suggestions without selectionBehavior", "the specification: suggestions need selectionBehavior", func(c *Card) { c.Suggestions = []Suggestion{{Label: "Order an X-ray"}} }, "selectionBehavior"},
		{"suggestions with an unknown selectionBehavior", "clients must treat unknown values as an error", func(c *Card) {
			c.Suggestions = []Suggestion{{Label: "x"}}
			c.SelectionBehavior = "all"
		}, "selectionBehavior"},
		{"suggestions with selectionBehavior", "allowed", func(c *Card) {
			c.Suggestions = []Suggestion{{Label: "x"}}
			c.SelectionBehavior = "at-most-one"
		}, ""},
		{"selectionBehavior alone", "it describes suggestions that are not there", func(c *Card) { c.SelectionBehavior = "any" }, "without suggestions"},
		{"summary of 140 runes", "the summary must be under 140", func(c *Card) { c.Summary = strings.Repeat("é", 140) }, "summary of 140"},
		{"summary of 139 runes", "139 multibyte runes fit", func(c *Card) { c.Summary = strings.Repeat("é", 139) }, ""},
		{"empty summary", "required", func(c *Card) { c.Summary = "" }, "empty summary"},
		{"bad indicator", "only info, warning, critical", func(c *Card) { c.Indicator = "hard-stop" }, "indicator"},
		{"no source label", "required", func(c *Card) { c.Source.Label = "" }, "source"},
		{"link without type", "absolute or smart", func(c *Card) { c.Links = []Link{{Label: "l", URL: "https://x"}} }, "link"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ok
			tt.change(&c)
			_, err := json.Marshal(c)
			if tt.msg == "" {
				assert.NoError(t, err, tt.reason)
				return
			}
			require.ErrorIs(t, err, errCard, tt.reason)
			assert.Contains(t, err.Error(), tt.msg, tt.reason)
		})
	}
}

func TestMarkdownEscapes(t *testing.T) {
	assert.Equal(t, `a \*b\* \_c\_ \<script\> \[x\](y) \# \| \~ \& \\ \`+"`"+` d e`, md("a *b* _c_ <script> [x](y) # | ~ & \\ ` d\ne"))
	assert.Equal(t, `[t](<https://x.org/a%20b%3Cc%3E>)`, link("t", "https://x.org/a b<c>"))
}
