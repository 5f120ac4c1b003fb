package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/redflagkit/redflag/internal/jsonl"
	"github.com/redflagkit/redflag/triage"
)

// askIntro says why ask may ask fewer questions than the rule set has, and
// how to answer.
const askIntro = "These questions check for warning signs. They stop as soon as the result is clear, so you may not see them all. " +
	"Answer each one and press Enter: type ? for help, skip to leave a question unanswered, or back to change your previous answer."

// ask is "redflag ask": an interactive questionnaire that asks only what
// the engine still needs (Engine.Next's order), then, once the outcome is
// self-care, the optional questions that could add a caution
// (Verdict.Optional), each marked optional, then prints the verdict as
// check does. It reads answers line by line, so it works the same on a
// terminal and with answers piped in; at the end of the input it stops
// asking and prints the verdict for what was answered.
func ask(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fset := flag.NewFlagSet("redflag ask", flag.ContinueOnError)
	fset.SetOutput(stderr)
	rulesDir := fset.String("rules", "", "load the rule set from `DIR` instead of the embedded default")
	all := fset.Bool("all", false, "ask every question that applies, not only the ones that can still change the outcome or add a caution")
	save := fset.String("save", "", "write the answers to `FILE` as JSON, replayable with redflag check")
	details := fset.Bool("details", false, "show with the result the rule ids, citations, full self-care advice and rule-set hash")
	limits := addLimitFlag(fset)
	fset.Usage = func() {
		fmt.Fprintln(stderr, "Usage: redflag ask [--rules DIR] [--all] [--details] [--save FILE]")
		fset.PrintDefaults()
	}
	positional, exit, ok := parseArgs(fset, args)
	if !ok {
		return exit
	}
	if len(positional) > 0 {
		fmt.Fprintf(stderr, "redflag ask: unexpected argument %s; answers are typed in, not given as files\n", quote(positional[0]))
		return exitBadInput
	}
	eng, code := loadEngine(*rulesDir, limits, stderr)
	if eng == nil {
		return code
	}
	opts := askOptions{all: *all, save: *save, details: *details, width: outputWidth(stdout, os.Getenv("COLUMNS"))}
	return askEngine(ctx, eng, opts, stdin, stdout, stderr)
}

// askOptions are ask's flags past --rules, and the width to wrap to.
type askOptions struct {
	all     bool
	save    string
	details bool
	// width is the number of columns to wrap text to; 0 is defaultWidth.
	width int
}

// outputWidth is the width ask wraps its text to: columns (the COLUMNS
// environment variable) when it is a number, as ls does, or else the
// width of the terminal stdout is, or else defaultWidth; always within
// [minWidth, maxWidth].
func outputWidth(stdout io.Writer, columns string) int {
	if n, err := strconv.Atoi(strings.TrimSpace(columns)); err == nil && n > 0 {
		return clampWidth(n)
	}
	if f, ok := stdout.(*os.File); ok && isTerminalFile(f) {
		if n := terminalWidth(f); n > 0 {
			return clampWidth(n)
		}
	}
	return defaultWidth
}

// askEngine runs the questionnaire of eng; tests call it with a rule set
// held in memory.
func askEngine(ctx context.Context, eng *triage.Engine, opts askOptions, stdin io.Reader, stdout, stderr io.Writer) int {
	width := opts.width
	if width == 0 {
		width = defaultWidth
	}
	s := &session{
		eng: eng, all: opts.all, in: bufio.NewReader(stdin), out: stdout, width: width,
		// A terminal echoes what is typed; a pipe does not, so echo it to
		// keep the transcript readable.
		echo:    !isTerminalFile(stdin),
		answers: triage.Answers{}, skipped: map[string]bool{},
	}
	fmt.Fprint(stdout, wrap("", "", printable(eng.RuleSet().Title), width)+"\n"+wrap("", "", askIntro, width))
	if err := s.run(ctx); err != nil {
		if ctx.Err() != nil {
			// Interrupted (Ctrl-C): the person left; give no verdict and
			// save nothing, rather than judge a half-answered questionnaire.
			fmt.Fprintln(stdout)
			fmt.Fprintln(stderr, "redflag ask: interrupted; no verdict was given and nothing was saved")
			return exitFailure
		}
		fmt.Fprintf(stderr, "redflag ask: %s\n", printable(err.Error()))
		return exitFailure
	}
	v, err := eng.Evaluate(ctx, s.answers)
	if err != nil {
		fmt.Fprintf(stderr, "redflag ask: %s\n", printable(err.Error()))
		return exitFailure
	}
	if opts.save != "" {
		data, err := json.MarshalIndent(s.answers, "", "  ")
		if err == nil {
			err = os.WriteFile(opts.save, append(data, '\n'), 0o644)
		}
		if err != nil {
			fmt.Fprintf(stderr, "redflag ask: --save: %s\n", printable(err.Error()))
			return exitFailure
		}
	}
	fmt.Fprintln(stdout)
	if err := writeAskVerdict(stdout, eng, v, width, opts.details); err != nil {
		fmt.Fprintf(stderr, "redflag ask: %s\n", printable(err.Error()))
		return exitFailure
	}
	if opts.save != "" {
		fmt.Fprint(stdout, "\n"+wrap("", "", fmt.Sprintf("Answers saved to %s; replay them with: redflag check %s", printable(opts.save), printable(opts.save)), width))
	}
	return outcomeExit(v.Outcome)
}

// isTerminalFile reports whether r is a terminal.
func isTerminalFile(r io.Reader) bool {
	f, ok := r.(*os.File)
	if !ok {
		return false
	}
	st, err := f.Stat()
	return err == nil && st.Mode()&os.ModeCharDevice != 0
}

// session is one run of the questionnaire.
type session struct {
	eng     *triage.Engine
	all     bool
	echo    bool
	in      *bufio.Reader
	out     io.Writer
	width   int
	answers triage.Answers
	skipped map[string]bool
	// history holds the questions answered or skipped, most recent last,
	// so that back can undo them in turn.
	history []string
	// pending is the read in progress, if any.
	pending chan readResult
	// introduced is set once the optional questions have been introduced.
	introduced bool
}

// optionalIntro introduces the optional questions, once, before the first.
const optionalIntro = "No warning sign so far. A few optional questions can tailor the advice; type skip to leave any out."

// say writes text wrapped to the session's width, every line indented by
// indent.
func (s *session) say(indent, text string) {
	fmt.Fprint(s.out, wrap(indent, indent, text, s.width))
}

// errEndOfInput ends the questionnaire early: the input ran out.
var errEndOfInput = errors.New("end of input")

func (s *session) run(ctx context.Context) error {
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		q, optional, ok, err := s.next(ctx)
		if err != nil {
			return err
		}
		if !ok {
			return nil
		}
		if optional && !s.introduced {
			fmt.Fprintln(s.out)
			s.say("", optionalIntro)
			s.introduced = true
		}
		err = s.askOne(ctx, q, optional)
		if errors.Is(err, errEndOfInput) {
			fmt.Fprintln(s.out, "\n(end of input: stopping here)")
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// next picks the question to ask: Engine.Next's choice, which is the first
// of Verdict.Missing, passing over questions the person skipped; once the
// outcome is self-care, the first of Verdict.Optional not skipped, which is
// optional. With --all it is the first question, in questionnaire order,
// that applies now and is neither answered nor skipped.
func (s *session) next(ctx context.Context) (q triage.Question, optional, ok bool, err error) {
	if s.all {
		x, err := s.eng.Explain(ctx, s.answers)
		if err != nil {
			return triage.Question{}, false, false, err
		}
		q, ok := s.firstNotSkipped(x.Askable)
		return q, false, ok, nil
	}
	if len(s.skipped) == 0 {
		if q, ok, err := s.eng.Next(ctx, s.answers); err != nil || ok {
			return q, false, ok, err
		}
	}
	v, err := s.eng.Evaluate(ctx, s.answers)
	if err != nil {
		return triage.Question{}, false, false, err
	}
	if q, ok := s.firstNotSkipped(v.Missing); ok {
		return q, false, true, nil
	}
	if v.Outcome != triage.SelfCare {
		// A red flag, or a needed question skipped: nothing optional.
		return triage.Question{}, false, false, nil
	}
	q, ok = s.firstNotSkipped(v.Optional)
	return q, ok, ok, nil
}

// firstNotSkipped returns the first question of ids the person has not
// skipped.
func (s *session) firstNotSkipped(ids []string) (triage.Question, bool) {
	for _, id := range ids {
		if !s.skipped[id] {
			return questionByID(s.eng, id)
		}
	}
	return triage.Question{}, false
}

// askOne shows q, marked when it is optional, and reads lines until one is
// a valid answer or a command.
func (s *session) askOne(ctx context.Context, q triage.Question, optional bool) error {
	left, err := s.atMostLeft(ctx, q.ID)
	if err != nil {
		return err
	}
	fmt.Fprintf(s.out, "\n%s\n", questionHeading(len(s.history)+1, left, optional))
	s.say("", printable(q.Text))
	for i, c := range q.Choices {
		n := fmt.Sprintf("   %d) ", i+1)
		fmt.Fprint(s.out, wrap(n, strings.Repeat(" ", len(n)), printable(c.Label), s.width))
	}
	for {
		fmt.Fprintf(s.out, "%s> ", hint(q))
		line, tooLong, err := s.readLine(ctx)
		if err != nil && (!errors.Is(err, io.EOF) || (line == "" && !tooLong)) {
			if errors.Is(err, io.EOF) {
				return errEndOfInput
			}
			return err
		}
		if tooLong {
			if s.echo {
				fmt.Fprintln(s.out, "(a line too long to show)")
			}
			s.say("   ", fmt.Sprintf("That line is too long to be an answer (over %d bytes); the rest of it was skipped. Please type a short answer.", maxAnswerBytes))
			continue
		}
		input := strings.TrimSpace(line)
		if s.echo {
			fmt.Fprintln(s.out, shorten(input))
		}
		switch strings.ToLower(input) {
		case "?", "help":
			s.help(q)
			continue
		case "skip":
			s.skipped[q.ID] = true
			s.history = append(s.history, q.ID)
			fmt.Fprintln(s.out, "   (left unanswered)")
			return nil
		case "back":
			if len(s.history) == 0 {
				s.say("   ", "There is no previous answer to change.")
				continue
			}
			prev := s.history[len(s.history)-1]
			s.history = s.history[:len(s.history)-1]
			delete(s.answers, prev)
			delete(s.skipped, prev)
			return nil
		case "":
			s.say("   ", "Please type an answer (? for help, skip to leave it unanswered).")
			continue
		}
		v, msg := parseAnswer(q, input)
		if msg == "" {
			msg = s.validate(q, v)
		}
		if msg != "" {
			s.say("   ", msg)
			continue
		}
		if q.Type == triage.IntegerType || q.Type == triage.NumberType {
			// Say what was understood unless it is exactly what was typed,
			// so that " 0600 " or "+3.0" never passes unseen.
			if _, canonical, _ := parseNumber(q, input); canonical != line {
				fmt.Fprintf(s.out, "   Understood: %s\n", canonical)
			}
		}
		s.answers[q.ID] = v
		s.history = append(s.history, q.ID)
		return nil
	}
}

// maxAnswerBytes bounds a line of ask's input. An answer is a word or a
// number; a longer line is skipped as it is read, never held in memory.
const maxAnswerBytes = 4096

// readLine returns the next input line without its line ending, or
// tooLong for a line over maxAnswerBytes. The read runs in a goroutine, so
// that an interrupt (a cancelled ctx) is noticed while the person has not
// pressed Enter yet; the pending read, if any, is picked up by the next
// call.
func (s *session) readLine(ctx context.Context) (line string, tooLong bool, err error) {
	if s.pending == nil {
		ch := make(chan readResult, 1)
		s.pending = ch
		go func() {
			l, err := jsonl.ReadLine(s.in, maxAnswerBytes)
			ch <- readResult{string(l.Text), l.TooLong, err}
		}()
	}
	select {
	case r := <-s.pending:
		s.pending = nil
		return r.line, r.tooLong, r.err
	case <-ctx.Done():
		return "", false, ctx.Err()
	}
}

type readResult struct {
	line    string
	tooLong bool
	err     error
}

// validate checks an answer with the engine itself, so bounds and choices
// are enforced exactly as Evaluate enforces them.
func (s *session) validate(q triage.Question, v any) string {
	var aerrs triage.AnswerErrors
	if err := s.eng.CheckAnswer(q.ID, v); errors.As(err, &aerrs) && len(aerrs) > 0 {
		return "That answer does not fit: " + printable(aerrs[0].Msg) + "."
	} else if err != nil {
		return "That answer does not fit: " + printable(err.Error()) + "."
	}
	return ""
}

func (s *session) help(q triage.Question) {
	if q.Help != "" {
		s.say("   ", printable(q.Help))
	}
	switch q.Type {
	case triage.BooleanType:
		s.say("   ", "Answer yes or no (y or n).")
	case triage.IntegerType:
		s.say("   ", fmt.Sprintf("Answer with a whole number%s%s, in digits only (like 3 or 1500).", unitText(q), boundsText(q)))
	case triage.NumberType:
		s.say("   ", fmt.Sprintf("Answer with a number%s%s, in digits with a dot for decimals (like 1500 or 2.5).", unitText(q), boundsText(q)))
	case triage.ChoiceType:
		s.say("   ", "Pick one: type its number or its name.")
	case triage.MultiChoiceType:
		s.say("   ", "Pick all that apply: numbers or names separated by commas (1,3), or none.")
	}
	s.say("   ", "Type skip to leave this unanswered, or back to change your previous answer.")
}

// questionHeading is the line above a question: its number and how many more
// questions there can be at most, from the questionnaire's structure (the
// answers may settle the result sooner).
func questionHeading(n, left int, optional bool) string {
	mark := ""
	if optional {
		mark = " (optional)"
	}
	if left == 0 {
		return fmt.Sprintf("Question %d%s, the last", n, mark)
	}
	return fmt.Sprintf("Question %d%s, at most %d left", n, mark, left)
}

// atMostLeft counts the questions that could still be asked after
// current: unanswered, not skipped, and not ruled out by their ask_if;
// and, unless every question is asked (--all), needed to decide a rule
// that is still undecided. Answers only ever decide more rules, so ask
// never asks more than this.
func (s *session) atMostLeft(ctx context.Context, current string) (int, error) {
	x, err := s.eng.Explain(ctx, s.answers)
	if err != nil {
		return 0, err
	}
	needed := map[string]bool{}
	for _, r := range x.Rules {
		if r.State == triage.Undecided {
			for _, id := range r.Needs {
				needed[id] = true
			}
		}
	}
	n := 0
	for _, id := range slices.Concat(x.Askable, x.Waiting) {
		if id != current && !s.skipped[id] && (s.all || needed[id]) {
			n++
		}
	}
	return n, nil
}

// hint is the short reminder of the expected form shown before the prompt.
func hint(q triage.Question) string {
	switch q.Type {
	case triage.BooleanType:
		return "(yes/no) "
	case triage.IntegerType, triage.NumberType:
		if q.Unit != "" {
			return "(" + q.Unit + ") "
		}
		return "(number) "
	case triage.ChoiceType:
		return "(pick one) "
	case triage.MultiChoiceType:
		return "(pick any, comma-separated, or none) "
	}
	return ""
}

func unitText(q triage.Question) string {
	if q.Unit == "" {
		return ""
	}
	return " of " + q.Unit
}

func boundsText(q triage.Question) string {
	switch {
	case q.Min != nil && q.Max != nil:
		return fmt.Sprintf(", from %s to %s", fmtFloat(*q.Min), fmtFloat(*q.Max))
	case q.Min != nil:
		return ", at least " + fmtFloat(*q.Min)
	case q.Max != nil:
		return ", at most " + fmtFloat(*q.Max)
	}
	return ""
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// parseAnswer turns what a person typed into an answer of q's type, or a
// message saying what was expected.
func parseAnswer(q triage.Question, input string) (any, string) {
	lower := strings.ToLower(input)
	switch q.Type {
	case triage.BooleanType:
		switch lower {
		case "y", "yes", "true":
			return true, ""
		case "n", "no", "false":
			return false, ""
		}
		return nil, fmt.Sprintf("Please answer yes or no, not %s.", quote(input))
	case triage.IntegerType, triage.NumberType:
		v, _, msg := parseNumber(q, input)
		return v, msg
	case triage.ChoiceType:
		c, msg := pickChoice(q, input)
		if msg != "" {
			return nil, msg
		}
		return c, ""
	case triage.MultiChoiceType:
		if lower == "none" || lower == "no" || lower == "n" {
			return []string{}, ""
		}
		picked := []string{}
		for _, part := range strings.Split(input, ",") {
			part = strings.TrimSpace(part)
			if part == "" {
				continue
			}
			c, msg := pickChoice(q, part)
			if msg != "" {
				return nil, msg
			}
			if slices.Contains(picked, c) {
				return nil, fmt.Sprintf("%s is picked twice.", quote(part))
			}
			picked = append(picked, c)
		}
		if len(picked) == 0 {
			return nil, "Please pick one or more, or type none."
		}
		return picked, ""
	}
	return nil, "This question has a type that cannot be asked here."
}

// pickChoice finds a choice by its number, value or label.
func pickChoice(q triage.Question, input string) (string, string) {
	if n, err := strconv.Atoi(input); err == nil {
		if n >= 1 && n <= len(q.Choices) {
			return q.Choices[n-1].Value, ""
		}
		return "", fmt.Sprintf("There is no choice %d; pick a number from 1 to %d.", n, len(q.Choices))
	}
	for _, c := range q.Choices {
		if strings.EqualFold(input, c.Value) || strings.EqualFold(input, c.Label) {
			return c.Value, ""
		}
	}
	names := make([]string, len(q.Choices))
	for i, c := range q.Choices {
		names[i] = c.Value
	}
	return "", fmt.Sprintf("%s is not one of the choices (%s); type its number or its name.", quote(input), printable(strings.Join(names, ", ")))
}

// parseNumber reads a number typed for q, an integer or number question.
// It accepts digits with an optional sign and at most one dot, nothing
// else: a comma, space or apostrophe inside a number means a thousands
// separator in some places and a decimal mark in others (1,500 is 1500 or
// 1.5), so rather than guess it asks for digits only. An integer question
// takes a whole number exactly (3.0 is 3, 3.0000000000000000001 is not a
// whole number). canonical is the value as ask writes it back, to tell the
// person what was understood.
// numberSeparator scans the digits of a typed number (its sign removed)
// and names the first grouping mark that makes it ambiguous, or "". ok is
// false for a character that has no place in a number at all.
func numberSeparator(body string) (separator string, digits int, ok bool) {
	dots := 0
	for _, r := range body {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '.':
			dots++
		case r == ',':
			separator = "a comma"
		case r == '\'' || r == '’' || r == '‘' || r == 'ʼ':
			separator = "an apostrophe"
		case r == '_':
			separator = "an underscore"
		case unicode.IsSpace(r):
			separator = "a space"
		case r == '·' || r == '٫' || r == '٬':
			separator = "a separator"
		default:
			return "", digits, false
		}
	}
	if separator == "" && dots > 1 {
		separator = "more than one dot"
	}
	if separator == "" && thousandsDot(body) {
		// "1.500" is 1500 where a dot groups thousands and 1.5 where it
		// marks decimals: never guess which.
		separator = "a dot that could group thousands"
	}
	return separator, digits, true
}

// thousandsDot reports a number written like 1.500 or 12.000: one to
// three digits not starting with 0, a dot, and exactly three digits.
func thousandsDot(body string) bool {
	whole, frac, found := strings.Cut(body, ".")
	return found && len(whole) >= 1 && len(whole) <= 3 && whole[0] != '0' && len(frac) == 3
}

func parseNumber(q triage.Question, input string) (v any, canonical, msg string) {
	integer := q.Type == triage.IntegerType
	notNumber := func() (any, string, string) {
		if integer {
			return nil, "", fmt.Sprintf("Please answer with a whole number%s, such as 3; %s is not one.", unitText(q), quote(input))
		}
		return nil, "", fmt.Sprintf("Please answer with a number%s, such as 37.5; %s is not one.", unitText(q), quote(input))
	}
	digitsOnly := "Type the number with digits only, like 1500 or 2.5."
	if integer {
		digitsOnly = "Type the whole number with digits only, like 3 or 1500."
	}
	sign, body := "", input
	if body != "" && (body[0] == '+' || body[0] == '-') {
		sign, body = body[:1], body[1:]
	}
	separator, digits, ok := numberSeparator(body)
	if !ok || digits == 0 {
		return notNumber()
	}
	if separator != "" {
		return nil, "", fmt.Sprintf("%s has %s in it, which is read differently from place to place. %s", quote(input), separator, digitsOnly)
	}
	whole, frac, _ := strings.Cut(body, ".")
	if integer {
		if strings.Trim(frac, "0") != "" {
			return notNumber()
		}
		if whole == "" {
			whole = "0"
		}
		n, err := strconv.ParseInt(sign+whole, 10, 64)
		if err != nil {
			return nil, "", fmt.Sprintf("%s is too large to be read as a whole number. %s", quote(input), digitsOnly)
		}
		return n, strconv.FormatInt(n, 10), ""
	}
	f, err := strconv.ParseFloat(sign+"0"+whole+"."+frac+"0", 64)
	if err != nil {
		return nil, "", fmt.Sprintf("%s is too large to be read as a number. %s", quote(input), digitsOnly)
	}
	if f == 0 && strings.Trim(whole+frac, "0") != "" {
		// So small that it rounds to 0: a rule "> 0" would see no
		// difference, so do not pretend to have read it.
		return nil, "", fmt.Sprintf("%s is too small to be told apart from 0. %s", quote(input), digitsOnly)
	}
	if f == 0 {
		f = 0 // no "-0"
	}
	return f, fmtFloat(f), ""
}
