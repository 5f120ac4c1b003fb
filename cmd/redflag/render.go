package main

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/redflagkit/redflag/triage"
)

// writeVerdict prints a verdict for a person to read, with every id and
// citation: check's text output. The headline and what to do are the rule
// set's (Verdict.Headline, Verdict.WhatToDo), after the outcome's name.
// Plain text only: no colours, so it reads the same in a terminal, a log
// or a file.
func writeVerdict(w io.Writer, eng *triage.Engine, v *triage.Verdict) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Outcome: %s — %s\n", v.Outcome, printable(v.Headline))
	fmt.Fprintf(&b, "What to do: %s\n", printable(v.WhatToDo))

	var refer, caution []triage.Reason
	for _, r := range v.Reasons {
		if r.Action == triage.Refer {
			refer = append(refer, r)
		} else {
			caution = append(caution, r)
		}
	}
	writeReasons(&b, "Red flags", refer)
	cautionHeading := "Cautions (self-care can continue, but change this)"
	if v.Outcome != triage.SelfCare {
		cautionHeading = "Cautions (also change this)"
	}
	writeReasons(&b, cautionHeading, caution)

	if len(v.Missing) > 0 {
		b.WriteString("\nStill to answer (any of these could change the outcome):\n")
		writeQuestionList(&b, eng, v.Missing)
	}
	if len(v.Optional) > 0 {
		b.WriteString("\nOptional, not answered (these cannot change the outcome, but could add a caution):\n")
		writeQuestionList(&b, eng, v.Optional)
	}
	if len(v.Guidance) > 0 {
		b.WriteString("\nSelf-care guidance:\n")
		for _, g := range v.Guidance {
			fmt.Fprintf(&b, "  - %s: %s\n", g.Title, g.Advice)
			fmt.Fprintf(&b, "    Source: %s\n", g.Citation)
			for _, c := range g.SeeAlso {
				fmt.Fprintf(&b, "    See also: %s\n", c)
			}
		}
	}
	fmt.Fprintf(&b, "\nRule set: %s %s (%s)\n", v.RuleSet.Name, v.RuleSet.Version, v.RuleSet.Hash)
	fmt.Fprintf(&b, "Note: %s\n", v.Notice)
	_, err := io.WriteString(w, b.String())
	return err
}

// questionByID returns the question of eng with the given id.
func questionByID(eng *triage.Engine, id string) (triage.Question, bool) {
	for _, q := range eng.Questions() {
		if q.ID == id {
			return q, true
		}
	}
	return triage.Question{}, false
}

// writeQuestionList lists questions by their text and id.
func writeQuestionList(b *strings.Builder, eng *triage.Engine, ids []string) {
	for _, id := range ids {
		text := id
		if q, ok := questionByID(eng, id); ok {
			text = q.Text
		}
		fmt.Fprintf(b, "  - %s  [%s]\n", text, id)
	}
}

func writeReasons(b *strings.Builder, heading string, rs []triage.Reason) {
	if len(rs) == 0 {
		return
	}
	fmt.Fprintf(b, "\n%s:\n", heading)
	for i, r := range rs {
		fmt.Fprintf(b, "  %d. %s  [%s: %s]\n", i+1, r.Title, r.Action, r.RuleID)
		fmt.Fprintf(b, "     %s\n", r.Advice)
		if len(r.Evidence) > 0 {
			parts := make([]string, len(r.Evidence))
			for j, e := range r.Evidence {
				parts[j] = fmt.Sprintf("%s = %s", e.Question, formatValue(e.Value))
			}
			fmt.Fprintf(b, "     Because: %s\n", strings.Join(parts, ", "))
		}
		fmt.Fprintf(b, "     Source: %s\n", r.Citation)
		for _, c := range r.SeeAlso {
			fmt.Fprintf(b, "     See also: %s\n", c)
		}
	}
}

// formatValue shows an answer; strings are escaped, never printed raw.
func formatValue(v any) string {
	switch x := v.(type) {
	case []string:
		if len(x) == 0 {
			return "none"
		}
		return "[" + printable(strings.Join(x, ", ")) + "]"
	case string:
		return strconv.Quote(x)
	}
	return printable(fmt.Sprint(v))
}

// printable returns s with every character that a terminal would act on
// rather than show (control characters such as ESC, CR and NUL, invisible
// format characters, invalid UTF-8) written as an escape like \x1b, so that
// text from answers, files or arguments can never rewrite the screen.
func printable(s string) string {
	clean := utf8.ValidString(s)
	for _, r := range s {
		if !clean || !unicode.IsPrint(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !strings.HasPrefix(s[i:], "\uFFFD"):
			fmt.Fprintf(&b, `\x%02x`, s[i]) // a byte that is not UTF-8
		case unicode.IsPrint(r):
			b.WriteRune(r)
		default:
			q := strconv.QuoteRune(r)
			b.WriteString(q[1 : len(q)-1])
		}
	}
	return b.String()
}

// printableLines is printable for text of several lines: the line breaks
// stay, everything else is escaped.
func printableLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = printable(l)
	}
	return strings.Join(lines, "\n")
}

// quoteMax is how many characters of someone's input a message quotes.
const quoteMax = 40

// quote quotes input for a message, escaped as printable does, and cut to
// its first quoteMax characters followed by "…": a message must stay
// readable however long the input was.
func quote(input string) string {
	head, cut := clip(input)
	if cut {
		return strconv.Quote(head) + "…"
	}
	return strconv.Quote(head)
}

// shorten is input cut as quote cuts it and escaped, without quotes.
func shorten(input string) string {
	head, cut := clip(input)
	if cut {
		return printable(head) + "…"
	}
	return printable(head)
}

// clip returns the first quoteMax characters of s, and whether that cut
// anything off.
func clip(s string) (string, bool) {
	n := 0
	for i := range s {
		if n == quoteMax {
			return s[:i], true
		}
		n++
	}
	return s, false
}

// Wrapping for ask: a person reads it on a terminal, so text is
// word-wrapped to the terminal's width and never broken inside a word.

// minWidth and maxWidth bound the width ask wraps to: narrower than
// minWidth, wrapping would leave a word or two a line; wider than
// maxWidth, lines get too long to read comfortably.
const (
	minWidth     = 30
	maxWidth     = 100
	defaultWidth = 80
)

// clampWidth returns width within [minWidth, maxWidth].
func clampWidth(width int) int { return min(max(width, minWidth), maxWidth) }

// wrap returns text word-wrapped to lines of at most width characters, the
// first line starting with first and the others with rest (both counted
// in the width), each line ended by a newline. Runs of spaces and line
// breaks in text are read as one space. A word is never broken: one
// longer than a line (a long URL, say) stands alone on its line.
func wrap(first, rest, text string, width int) string {
	var b strings.Builder
	prefix := first
	line := 0 // characters on the current line, its prefix included
	for _, word := range strings.Fields(text) {
		n := utf8.RuneCountInString(word)
		switch {
		case line == 0:
			b.WriteString(prefix)
			line = utf8.RuneCountInString(prefix)
		case line+1+n > width:
			b.WriteString("\n")
			b.WriteString(rest)
			line = utf8.RuneCountInString(rest)
		default:
			b.WriteByte(' ')
			line++
		}
		b.WriteString(word)
		line += n
	}
	if line == 0 {
		b.WriteString(strings.TrimRight(first, " "))
	}
	b.WriteString("\n")
	return b.String()
}

// askVerdict is how ask shows a verdict: the rule set's headline and what
// to do, each reason in plain words with the answers that decided it as
// question and answer, the self-care advice as a compact list, and no ids,
// file names or hashes. With details, it adds what check shows: rule ids,
// citations, the full self-care advice and the rule set's hash.
type askVerdict struct {
	eng     *triage.Engine
	v       *triage.Verdict
	width   int
	details bool
	b       strings.Builder
}

func (a *askVerdict) para(first, rest, text string) {
	a.b.WriteString(wrap(first, rest, text, a.width))
}

// writeAskVerdict prints v for ask.
func writeAskVerdict(w io.Writer, eng *triage.Engine, v *triage.Verdict, width int, details bool) error {
	a := &askVerdict{eng: eng, v: v, width: width, details: details}
	a.para("Result: ", "        ", printable(v.Headline))
	a.para("", "", printable(v.WhatToDo))

	var refer, caution []triage.Reason
	for _, r := range v.Reasons {
		if r.Action == triage.Refer {
			refer = append(refer, r)
		} else {
			caution = append(caution, r)
		}
	}
	a.reasons("The warning signs in your answers:", refer)
	cautionHeading := "Self-care can continue, but change this:"
	if v.Outcome != triage.SelfCare {
		cautionHeading = "Also change this:"
	}
	a.reasons(cautionHeading, caution)
	a.questions("Still to answer (any of these could change the result):", v.Missing)
	a.questions("Optional questions left unanswered (they could add advice, not change the result):", v.Optional)
	a.selfCare()
	a.b.WriteString("\n")
	if details {
		a.para("Rule set: ", "  ", printable(v.RuleSet.String()))
	} else {
		a.para("Rules: ", "  ", printable(fmt.Sprintf("%s, version %s", v.RuleSet.Title, v.RuleSet.Version)))
	}
	a.para("Note: ", "  ", v.Notice)
	_, err := io.WriteString(w, a.b.String())
	return err
}

// reasons lists the reasons that fired, each with its advice and the
// answers that decided it.
func (a *askVerdict) reasons(heading string, rs []triage.Reason) {
	if len(rs) == 0 {
		return
	}
	a.b.WriteString("\n")
	a.para("", "", heading)
	for _, r := range rs {
		a.para("  - ", "    ", printable(r.Title))
		a.para("    ", "    ", printable(r.Advice))
		for _, e := range r.Evidence {
			a.para("    ", "      ", answerPhrase(a.eng, e))
		}
		if a.details {
			a.para("    Rule: ", "      ", fmt.Sprintf("%s (%s)", printable(r.RuleID), r.Action))
			a.citations(r.Citation, r.SeeAlso)
		}
	}
}

func (a *askVerdict) citations(c triage.Citation, seeAlso []triage.Citation) {
	a.para("    Source: ", "      ", printable(c.String()))
	for _, c := range seeAlso {
		a.para("    See also: ", "      ", printable(c.String()))
	}
}

// questions lists questions by their text (and, with details, their id).
func (a *askVerdict) questions(heading string, ids []string) {
	if len(ids) == 0 {
		return
	}
	a.b.WriteString("\n")
	a.para("", "", heading)
	for _, id := range ids {
		text := id
		if q, ok := questionByID(a.eng, id); ok {
			text = q.Text
		}
		if a.details {
			text += " [" + id + "]"
		}
		a.para("  - ", "    ", printable(text))
	}
}

// selfCare lists the self-care guidance: each title with the first
// sentence of its advice, or, with details, the whole advice and its
// sources.
func (a *askVerdict) selfCare() {
	if len(a.v.Guidance) == 0 {
		return
	}
	a.b.WriteString("\nSelf-care:\n")
	for _, g := range a.v.Guidance {
		if !a.details {
			a.para("  - ", "    ", printable(g.Title+": "+firstSentence(g.Advice)))
			continue
		}
		a.para("  - ", "    ", printable(g.Title))
		a.para("    ", "    ", printable(g.Advice))
		a.citations(g.Citation, g.SeeAlso)
	}
	if !a.details {
		a.para("", "", "For the full advice and where it comes from, run redflag ask --details.")
	}
}

// firstSentence returns text up to the end of its first sentence: a '.',
// '!' or '?' followed by a space, or the whole text.
func firstSentence(text string) string {
	text = strings.Join(strings.Fields(text), " ")
	for i := 0; i+1 < len(text); i++ {
		if strings.IndexByte(".!?", text[i]) >= 0 && text[i+1] == ' ' {
			return text[:i+1]
		}
	}
	return text
}

// answerPhrase says in plain words what the person answered to a
// question: "You said yes to: <question>", "You answered 12 times a day
// to: <question>".
func answerPhrase(eng *triage.Engine, e triage.Evidence) string {
	q, ok := questionByID(eng, e.Question)
	if !ok {
		return "You answered " + formatValue(e.Value) + " to: " + printable(e.Question)
	}
	text := printable(q.Text)
	switch x := e.Value.(type) {
	case bool:
		if x {
			return "You said yes to: " + text
		}
		return "You said no to: " + text
	case string:
		return "You answered " + printable(choiceLabel(q, x)) + " to: " + text
	case []string:
		if len(x) == 0 {
			return "You answered none of them to: " + text
		}
		labels := make([]string, len(x))
		for i, v := range x {
			labels[i] = printable(choiceLabel(q, v))
		}
		return "You answered " + joinAnd(labels) + " to: " + text
	}
	answer := printable(fmt.Sprint(e.Value))
	if f, ok := e.Value.(float64); ok {
		answer = fmtFloat(f)
	}
	if q.Unit != "" {
		answer += " " + printable(q.Unit)
	}
	return "You answered " + answer + " to: " + text
}

// choiceLabel returns the label of q's choice value.
func choiceLabel(q triage.Question, value string) string {
	for _, c := range q.Choices {
		if c.Value == value {
			return c.Label
		}
	}
	return value
}

// joinAnd joins words as "a, b and c".
func joinAnd(words []string) string {
	if len(words) == 1 {
		return words[0]
	}
	return strings.Join(words[:len(words)-1], ", ") + " and " + words[len(words)-1]
}
