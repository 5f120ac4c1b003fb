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

// The headlines name no condition: --rules may load any rule set.
var headlines = map[triage.Outcome]string{
	triage.SelfCare:        "SELF-CARE IS OK — no red flag in your answers",
	triage.SeeProfessional: "SEE A PROFESSIONAL — your answers include a red flag",
	triage.Incomplete:      "INCOMPLETE — a few more answers are needed before self-care can be cleared",
}

// writeVerdict prints a verdict for a person to read. Plain text only: no
// colours, so it reads the same in a terminal, a log or a file.
func writeVerdict(w io.Writer, eng *triage.Engine, v *triage.Verdict) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Outcome: %s\n", headlines[v.Outcome])

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

// writeQuestionList lists questions by their text and id.
func writeQuestionList(b *strings.Builder, eng *triage.Engine, ids []string) {
	for _, id := range ids {
		text := id
		if q, ok := eng.Question(id); ok {
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
