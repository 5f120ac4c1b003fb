package cdshooks

import (
	"strings"

	"github.com/redflagkit/redflag/triage"
)

// detail renders the verdict in GitHub-flavoured Markdown: the headline and
// what to do, every reason with its advice, the answers that decided it and
// its source, what is still to answer or the self-care guidance, and the
// reminder that this is not a diagnosis.
func detail(v *triage.Verdict, questions []triage.Question, formURL string) string {
	byID := make(map[string]triage.Question, len(questions))
	for _, q := range questions {
		byID[q.ID] = q
	}
	var b strings.Builder
	b.WriteString("**" + md(v.Headline) + "**\n\n")
	if v.WhatToDo != "" {
		b.WriteString(md(v.WhatToDo) + "\n\n")
	}
	writeReasons(&b, v.Reasons, byID)
	switch v.Outcome {
	case triage.Incomplete:
		writeMissing(&b, v.Missing, byID, formURL)
	case triage.SelfCare:
		writeGuidance(&b, v.Guidance)
	}
	b.WriteString("*" + md(v.Notice) + "*\n\n")
	b.WriteString("Rule set: " + md(v.RuleSet.Name) + " " + md(v.RuleSet.Version) + " (`" + strings.ReplaceAll(v.RuleSet.Hash, "`", "") + "`)\n")
	return b.String()
}

func writeReasons(b *strings.Builder, reasons []triage.Reason, byID map[string]triage.Question) {
	if len(reasons) == 0 {
		return
	}
	b.WriteString("#### Why\n\n")
	for _, r := range reasons {
		kind := "Warning sign"
		if r.Action == triage.Caution {
			kind = "Caution"
		}
		b.WriteString("- **" + kind + ": " + md(r.Title) + ".** " + md(r.Advice) + "\n")
		for _, e := range r.Evidence {
			q := byID[e.Question]
			text := q.Text
			if text == "" {
				text = e.Question
			}
			b.WriteString("  - " + md(text) + " **" + md(answerText(q, e.Value)) + "**\n")
		}
		b.WriteString("  - Source: " + citation(r.Citation) + "\n")
	}
	b.WriteString("\n")
}

func writeMissing(b *strings.Builder, missing []string, byID map[string]triage.Question, formURL string) {
	b.WriteString("#### Still to answer\n\n")
	for _, id := range missing {
		text := byID[id].Text
		if text == "" {
			text = id
		}
		b.WriteString("- " + md(text) + "\n")
	}
	if formURL != "" {
		b.WriteString("\nThe patient can answer them in the form: " + link("questionnaire", formURL) + ".\n")
	}
	b.WriteString("\n")
}

func writeGuidance(b *strings.Builder, guidance []triage.Guidance) {
	if len(guidance) == 0 {
		return
	}
	b.WriteString("#### Self-care\n\n")
	for _, g := range guidance {
		b.WriteString("- **" + md(g.Title) + ".** " + md(g.Advice) + " (" + citation(g.Citation) + ")\n")
	}
	b.WriteString("\n")
}

// citation renders "Title, section" with the title linked when the source
// has a URL.
func citation(c triage.Citation) string {
	title := c.Title
	if title == "" {
		title = c.SourceID
	}
	s := md(title)
	if u := absoluteURL(c.URL); u != "" {
		s = link(title, u)
	}
	if c.Section != "" {
		s += ", " + md(c.Section)
	}
	return s
}

// link renders a Markdown link whose destination cannot break out of its
// angle brackets.
func link(text, u string) string {
	r := strings.NewReplacer("<", "%3C", ">", "%3E", "\n", "", " ", "%20")
	return "[" + md(text) + "](<" + r.Replace(u) + ">)"
}

// mdEscaper backslash-escapes the characters that would make rule-set text
// into Markdown or HTML, and folds line breaks.
var mdEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", `\<`, ">", `\>`, "|", `\|`, "~", `\~`, "&", `\&`, "#", `\#`,
	"\r\n", " ", "\n", " ", "\r", " ",
)

// md makes plain text safe to place inside a Markdown line.
func md(s string) string { return mdEscaper.Replace(s) }
