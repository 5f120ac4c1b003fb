package cdshooks

import (
	"crypto/rand"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/redflagkit/redflag/triage"
)

// newCard renders a verdict as one card. questions is the engine's
// questionnaire (for question texts and choice labels), formURL the link
// back to the form, or "".
func newCard(v *triage.Verdict, questions []triage.Question, formURL string) Card {
	c := Card{
		UUID:      newUUID(),
		Summary:   summary(v),
		Indicator: "info",
		Source:    source(v),
		Detail:    detail(v, questions, formURL),
	}
	switch v.Outcome {
	case triage.SeeProfessional:
		c.Indicator = "warning"
	case triage.Incomplete:
		if formURL != "" {
			c.Links = []Link{{Label: "Answer the remaining questions", URL: formURL, Type: "absolute"}}
		}
	}
	return c
}

// summary is the verdict's headline on one line, cut to fewer than 140
// runes.
func summary(v *triage.Verdict) string {
	s := strings.Join(strings.Fields(v.Headline), " ")
	if s == "" {
		s = v.Outcome.String()
	}
	return truncate(s, maxSummary-1)
}

// truncate cuts s to at most n runes (n >= 1), ending a cut string with an
// ellipsis. It cuts between runes, never inside one.
func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i, count := 0, 0
	for i = range s {
		if count == n-1 {
			break
		}
		count++
	}
	return strings.TrimRight(s[:i], " ") + "…"
}

// source is the first reason's citation, or the rule set when no rule
// fired.
func source(v *triage.Verdict) Source {
	if len(v.Reasons) > 0 {
		c := v.Reasons[0].Citation
		label := c.Title
		if label == "" {
			label = c.SourceID
		}
		return Source{Label: truncate(label, 200), URL: absoluteURL(c.URL)}
	}
	label := v.RuleSet.Title
	if label == "" {
		label = v.RuleSet.Name
	}
	return Source{Label: truncate(label, 200)}
}

// absoluteURL returns u when it is an absolute http or https URL, else "".
func absoluteURL(u string) string {
	p, err := url.Parse(u)
	if err != nil || (p.Scheme != "https" && p.Scheme != "http") || p.Host == "" {
		return ""
	}
	return u
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// answerText renders an answer for a person: yes or no, a number with its
// unit, or choice labels.
func answerText(q triage.Question, value any) string {
	switch x := value.(type) {
	case bool:
		if x {
			return "yes"
		}
		return "no"
	case int64:
		return withUnit(strconv.FormatInt(x, 10), q.Unit)
	case float64:
		return withUnit(strconv.FormatFloat(x, 'g', -1, 64), q.Unit)
	case string:
		return choiceLabel(q, x)
	case []string:
		if len(x) == 0 {
			return "none of these"
		}
		labels := make([]string, len(x))
		for i, c := range x {
			labels[i] = choiceLabel(q, c)
		}
		return strings.Join(labels, ", ")
	}
	return fmt.Sprint(value)
}

func withUnit(n, unit string) string {
	if unit == "" {
		return n
	}
	return n + " " + unit
}

func choiceLabel(q triage.Question, value string) string {
	for _, c := range q.Choices {
		if c.Value == value && c.Label != "" {
			return c.Label
		}
	}
	return value
}
