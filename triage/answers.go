package triage

import (
	"github.com/redflagkit/redflag/triage/internal/ruleyaml"

	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Answers maps question ids to answers. A question that is absent, or whose
// value is nil (JSON null) or a nil slice, is unanswered: unknown, never
// "no". An empty, non-nil list answers a multichoice question with "none of
// these".
//
// An answer to a follow-up question whose ask_if is false is accepted; it
// has no effect, because every condition that reads a follow-up also
// requires its ask_if.
//
// Accepted values, by question type:
//   - boolean: bool
//   - integer: any Go integer type, a float with an integral value (JSON
//     decoders produce 4.0 for 4), or a json.Number whose exact decimal
//     value is a whole number within int64: "3.0" and "30e-1" are 3, while
//     "3.0000000000000001" is refused even though it rounds to 3 as a float
//   - number: any Go integer or float type, or json.Number; finite only, so
//     1e400 is refused
//   - choice: string, one of the question's choices
//   - multichoice: []string or []any of strings, each one of the choices,
//     no repeats; an empty list means "none of these"
//
// Evaluate neither modifies nor retains the map.
type Answers map[string]any

// decodeAnswersSlow is the general answers decoder, built on
// encoding/json's streaming Decoder. It is the reference: the fast path in
// answers_fast.go falls back to it for anything unusual, and its
// differential tests compare the two.
func decodeAnswersSlow(r io.Reader, limits *answerLimits) (Answers, error) {
	data, err := readLimited(r, limits.size)
	if err != nil {
		return nil, err
	}
	ar := &answersReader{data: data, dec: json.NewDecoder(bytes.NewReader(data)), limits: limits}
	ar.dec.UseNumber()
	if err := ar.open(); err != nil {
		return nil, err
	}
	out := Answers{}
	prev := ""
	for ar.dec.More() {
		key, v, err := ar.answer(out, prev)
		if err != nil {
			return nil, err
		}
		out[key] = v
		prev = key
	}
	if err := ar.close(prev); err != nil {
		return nil, err
	}
	return out, nil
}

// answersReader reads one answers document as a stream, so that limits
// apply as it goes, and keeps its text, so that every error says where in
// it the problem is.
type answersReader struct {
	data   []byte
	dec    *json.Decoder
	limits *answerLimits
}

// open reads the { that starts the answers object.
func (ar *answersReader) open() error {
	first := skipSpace(ar.data, 0)
	tok, err := ar.dec.Token()
	if err != nil {
		if errors.Is(err, io.EOF) {
			return ar.at(first, "", "no JSON object found (empty input)")
		}
		return ar.malformed("", "")
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return ar.at(first, "", "answers must be a JSON object like {\"fever\": true}, got "+describeToken(tok))
	}
	return nil
}

// answer reads the next key and its value. out holds the answers read so
// far, and prev the last key, for the errors.
func (ar *answersReader) answer(out Answers, prev string) (string, any, error) {
	// The key starts after the comma that the decoder skips for us.
	keyStart := skipSpace(ar.data, ar.dec.InputOffset())
	if keyStart < int64(len(ar.data)) && ar.data[keyStart] == ',' {
		keyStart = skipSpace(ar.data, keyStart+1)
	}
	tok, err := ar.dec.Token()
	if err != nil {
		return "", nil, ar.malformed("", prev)
	}
	key, _ := tok.(string)
	if err := ar.limits.key(key); err != nil {
		return "", nil, err
	}
	if _, dup := out[key]; dup {
		return "", nil, ar.at(keyStart, key, fmt.Sprintf("question %s is answered twice", quoteInput(key)))
	}
	if err := ar.limits.count(len(out) + 1); err != nil {
		return "", nil, err
	}
	var v any
	if err := ar.dec.Decode(&v); err != nil {
		return "", nil, ar.malformed(key, "")
	}
	if err := ar.limits.value(key, v); err != nil {
		return "", nil, err
	}
	return key, v, nil
}

// close reads the } that ends the answers object, after the answer to
// prev, and checks that nothing follows it.
func (ar *answersReader) close(prev string) error {
	if _, err := ar.dec.Token(); err != nil {
		return ar.malformed("", prev)
	}
	if rest := skipSpace(ar.data, ar.dec.InputOffset()); rest < int64(len(ar.data)) {
		return ar.at(rest, "", "unexpected data after the answers object")
	}
	return nil
}

// at reports a problem at byte offset off of the document.
func (ar *answersReader) at(off int64, question, msg string) error {
	return docError(ar.data, int(off), question, msg)
}

// malformed reports a syntax error found while reading the answer to key
// (or, with key "", between answers; after is the key before).
func (ar *answersReader) malformed(key, after string) error {
	off, problem := syntaxError(ar.data, key, after)
	if key != "" && !strings.HasPrefix(problem, "expected a colon") {
		return ar.at(off, key, fmt.Sprintf("malformed JSON in the answer to %s: %s", quoteInput(key), problem))
	}
	return ar.at(off, key, "malformed JSON: "+problem)
}

// docError is an *AnswerError at byte offset off of the JSON document
// data, wrapped so that its text starts like every other answers error.
func docError(data []byte, off int, question, msg string) error {
	line, col := ruleyaml.OffsetPos(data, off)
	return AnswerErrors{{Question: question, Msg: msg, Line: line, Column: col, Offset: off}}
}

func skipSpace(data []byte, off int64) int64 {
	for off < int64(len(data)) && strings.IndexByte(" \t\r\n", data[off]) >= 0 {
		off++
	}
	return off
}

// syntaxError finds the first syntax error in data, which the streaming
// decoder has just run into, and says what it is in plain words. The
// decoder cannot say where: its offsets count from the start of the
// current value, and at the end of the input it reports a bare EOF. A full
// validation pass over the document can, and costs nothing on valid input.
func syntaxError(data []byte, key, after string) (int64, string) {
	var raw json.RawMessage
	err := json.Unmarshal(data, &raw)
	var se *json.SyntaxError
	if !errors.As(err, &se) {
		return int64(len(data)), "the input ends too early" // not reached: the decoder failed
	}
	// At the end of the input the validator reports "unexpected end", or,
	// inside a literal such as tr, the space it feeds itself to finish it.
	end := int64(len(data))
	if se.Offset >= end && (strings.HasPrefix(se.Error(), "unexpected end") ||
		strings.HasPrefix(se.Error(), "invalid character ' '") && data[end-1] != ' ') {
		return end, "the input ends too early"
	}
	off := se.Offset - 1 // the offending byte; Offset counts it
	// "invalid character 'c' context": the character is quoted by
	// encoding/json ('\x1b' for ESC, ' ' for a space), so safe to print.
	rest, ok := strings.CutPrefix(se.Error(), "invalid character '")
	q := strings.Index(rest, "' ") // the closing quote: "' '" for a space
	if !ok || q < 1 {
		return off, se.Error()
	}
	found, context := "'"+rest[:q+1], rest[q+2:]
	switch context {
	case "after object key:value pair":
		if after != "" {
			return off, fmt.Sprintf("expected a comma or } after the answer to %s, found %s", quoteInput(after), found)
		}
		return off, "expected a comma or } after an answer, found " + found
	case "after object key":
		return off, fmt.Sprintf("expected a colon after %s, found %s", quoteInput(key), found)
	case "looking for beginning of object key string":
		return off, "expected a question id in double quotes, found " + found
	case "looking for beginning of value":
		return off, "expected a value, found " + found
	case "after array element":
		return off, "expected a comma or ] in the list, found " + found
	case "in string literal":
		return off, "found " + found + " inside a string; write a control character as an escape such as \\n"
	}
	return off, se.Error()
}

func describeToken(tok json.Token) string {
	switch t := tok.(type) {
	case json.Delim:
		if t == '[' {
			return "a list"
		}
		return string(t)
	case nil:
		return "null"
	case string:
		return "a string"
	case bool:
		return "a boolean"
	default:
		return "a number"
	}
}

// prepare validates the answers and stores each valid one in given, by
// question index, normalised to its CEL-native Go type: given is then the
// evaluation's activation, and no copy of the map is made.
//
// given must have one element per question, all nil. complete reports that
// every question is answered.
func (e *Engine) prepare(a Answers, given []any) (complete bool, err error) {
	if err := e.limits.count(len(a)); err != nil {
		return false, err
	}
	sc, err := e.scan(a, given)
	if err != nil {
		return false, err
	}
	errs := sc.errs
	if sc.found != len(a) {
		unknown, err := e.unknownAnswers(a)
		if err != nil {
			return false, err
		}
		errs = append(errs, unknown...)
	}
	if len(errs) > 0 {
		return false, errs
	}
	return sc.answered == len(e.questions), nil
}

// scanned is what scan found in the answers to known questions.
type scanned struct {
	found, answered int          // keys of known questions; valid answers among them
	errs            AnswerErrors // invalid answers, in questionnaire order
}

// scan checks the answer to each question and stores each valid one in
// given, normalised. It walks the questionnaire rather than the map:
// lookups are cheaper than map iteration, and errors come out in
// questionnaire order. It returns an error only for an invalid answer over
// a limit.
func (e *Engine) scan(a Answers, given []any) (scanned, error) {
	var sc scanned
	for qi, q := range e.questions {
		v, ok := a[q.ID]
		if !ok {
			continue
		}
		sc.found++
		if unanswered(&q.Question, v) {
			continue
		}
		nv, msg := check(&q.Question, v)
		if msg != "" {
			// A valid answer is within the limits (Load made sure the
			// choices fit them), so only an invalid one needs checking:
			// the complete-answers path pays nothing for the limits.
			if err := e.limits.value(q.ID, v); err != nil {
				return scanned{}, err
			}
			sc.errs = append(sc.errs, &AnswerError{Question: q.ID, Value: v, Msg: msg})
			continue
		}
		given[qi] = nv
		sc.answered++
	}
	return sc, nil
}

// unknownAnswers reports the answers to questions the rule set does not
// have, sorted by id, each with a suggestion when one is close. It returns
// an error alone when such an answer is over a limit.
func (e *Engine) unknownAnswers(a Answers) (AnswerErrors, error) {
	var unknown AnswerErrors
	for k, v := range a {
		if _, ok := e.qIndex[k]; ok {
			continue
		}
		if err := e.limits.key(k); err != nil {
			return nil, err
		}
		if err := e.limits.value(k, v); err != nil {
			return nil, err
		}
		msg := "unknown question"
		if s := suggest(k, questionIDs(e.questions)); s != "" {
			msg += fmt.Sprintf(" (did you mean %q?)", s)
		}
		unknown = append(unknown, &AnswerError{Question: k, Value: v, Msg: msg})
	}
	slices.SortFunc(unknown, func(x, y *AnswerError) int { return strings.Compare(x.Question, y.Question) })
	return unknown, nil
}

// unanswered reports an answer that is nil, or a nil slice for a
// multichoice question: a Go form field that was never filled in ("var
// picked []string") must not read as "none of these". An empty, non-nil list
// is an answer; a nil slice for any other question is a wrong type.
func unanswered(q *Question, v any) bool {
	switch x := v.(type) {
	case nil:
		return true
	case []string:
		return x == nil && q.Type == MultiChoiceType
	case []any:
		return x == nil && q.Type == MultiChoiceType
	}
	return false
}

// questionIDs lists the ids of qs, for "did you mean" suggestions.
func questionIDs(qs []*question) []string {
	ids := make([]string, len(qs))
	for i, q := range qs {
		ids[i] = q.ID
	}
	return ids
}

// check validates v against q. It returns the value in a form CEL takes
// as q's type, v itself when normalising would not change it (so that an
// answer in its native type is never boxed again), and a message when v
// is invalid. The common cases are checked first, without normalize.
func check(q *Question, v any) (any, string) {
	switch q.Type {
	case BooleanType:
		if _, ok := v.(bool); ok {
			return v, ""
		}
	case IntegerType:
		if i, ok := v.(int64); ok {
			return v, checkRange(q, float64(i), false)
		}
	case ChoiceType:
		if s, ok := v.(string); ok && q.hasChoice(s) {
			return v, ""
		}
	case MultiChoiceType:
		if l, ok := v.([]string); ok {
			return v, checkMulti(q, l)
		}
	}
	out, changed, msg := normalize(q, v)
	if !changed {
		return v, msg
	}
	return out, msg
}

// normalize checks v against q. It returns the value in a form CEL takes
// as q's type, whether that differs from v, and a message when v is
// invalid.
func normalize(q *Question, v any) (out any, changed bool, msg string) {
	switch q.Type {
	case BooleanType:
		if b, ok := v.(bool); ok {
			return b, false, ""
		}
		return nil, false, "want true or false, got " + describeValue(v)
	case IntegerType:
		return normalizeInt(q, v)
	case NumberType:
		f, ok, m := toFloat(v)
		if !ok {
			return nil, false, m
		}
		if m := checkRange(q, f, true); m != "" {
			return nil, false, m
		}
		_, isF64 := v.(float64)
		return f, !isF64, ""
	case ChoiceType:
		s, ok := v.(string)
		if !ok {
			return nil, false, "want one of " + choiceList(q) + ", got " + describeValue(v)
		}
		if !q.hasChoice(s) {
			return nil, false, fmt.Sprintf("%s is not one of %s", quoteInput(s), choiceList(q))
		}
		return s, false, ""
	case MultiChoiceType:
		return normalizeMulti(q, v)
	}
	return nil, false, "question has an invalid type"
}

func normalizeInt(q *Question, v any) (any, bool, string) {
	var (
		i       int64
		changed = true
	)
	switch n := v.(type) {
	case int64:
		i, changed = n, false
	case int:
		i, changed = int64(n), false // CEL takes int as int
	case int32:
		i, changed = int64(n), false
	case int16:
		i, changed = int64(n), false
	case int8:
		i, changed = int64(n), false
	case uint, uint8, uint16, uint32, uint64, uintptr:
		u, _ := strconv.ParseUint(fmt.Sprint(n), 10, 64)
		if u > math.MaxInt64 {
			return nil, false, fmt.Sprintf("%d is too large", u)
		}
		i = int64(u)
	case json.Number:
		// Decided on the decimal text: parsing to float64 first would round
		// 3.0000000000000001 to 3 and 1e-400 to 0.
		exact, problem := exactInt(string(n))
		switch problem {
		case intNotJSON:
			return nil, false, fmt.Sprintf("want a whole number, got %s, which is not a JSON number", quoteInput(string(n)))
		case intFraction:
			return nil, false, "want a whole number, got " + numberText(string(n))
		case intTooLarge:
			return nil, false, numberText(string(n)) + " is too large"
		}
		i = exact
	case float32, float64:
		// A float from Go (say, from a JSON decoder without UseNumber) has
		// already been rounded; its integral value is all there is to check.
		f, ok, m := toFloat(n)
		if !ok {
			return nil, false, m
		}
		if f != math.Trunc(f) {
			return nil, false, fmt.Sprintf("want a whole number, got %s", fmtNum(f))
		}
		if f < -(1<<63) || f >= 1<<63 {
			return nil, false, fmt.Sprintf("%s is too large", fmtNum(f))
		}
		i = int64(f)
	default:
		return nil, false, "want a whole number, got " + describeValue(v)
	}
	if m := checkRange(q, float64(i), false); m != "" {
		return nil, false, m
	}
	return i, changed, ""
}

func toFloat(v any) (float64, bool, string) {
	var f float64
	switch n := v.(type) {
	case float64:
		f = n
	case float32:
		f = float64(n)
	case int:
		f = float64(n)
	case int8:
		f = float64(n)
	case int16:
		f = float64(n)
	case int32:
		f = float64(n)
	case int64:
		f = float64(n)
	case uint, uint8, uint16, uint32, uint64, uintptr:
		u, _ := strconv.ParseUint(fmt.Sprint(n), 10, 64)
		f = float64(u)
	case json.Number:
		if _, ok := splitNumber(string(n)); !ok {
			return 0, false, fmt.Sprintf("want a number, got %s, which is not a JSON number", quoteInput(string(n)))
		}
		var err error
		if f, err = strconv.ParseFloat(string(n), 64); err != nil {
			// Valid JSON number text fails only by overflowing float64.
			return 0, false, numberText(string(n)) + " is too large"
		}
	default:
		return 0, false, "want a number, got " + describeValue(v)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false, "want a finite number, got " + fmtNum(f)
	}
	return f, true, ""
}

// numberParts is JSON number text taken apart: the value is
// (-1 if neg) × digits(intPart frac) × 10^(exp - len(frac)).
type numberParts struct {
	neg           bool
	intPart, frac string
	exp           int64 // clamped to ±maxExp
}

// maxExp clamps exponents. No number text has anywhere near this many
// digits, so an exponent beyond it decides the outcome on its own, and the
// arithmetic below cannot overflow.
const maxExp = 1 << 40

// splitNumber parses s by the JSON number grammar,
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?, without building the
// number: a 1e999999999 costs no more than its text.
func splitNumber(s string) (numberParts, bool) {
	var p numberParts
	i := 0
	digits := func() int {
		start := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		return i - start
	}
	if i < len(s) && s[i] == '-' {
		p.neg = true
		i++
	}
	start := i
	if i < len(s) && s[i] == '0' {
		i++
	} else if digits() == 0 {
		return p, false
	}
	p.intPart = s[start:i]
	if i < len(s) && s[i] == '.' {
		i++
		start = i
		if digits() == 0 {
			return p, false
		}
		p.frac = s[start:i]
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		negExp := false
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			negExp = s[i] == '-'
			i++
		}
		start = i
		if digits() == 0 {
			return p, false
		}
		for _, c := range s[start:i] {
			p.exp = min(p.exp*10+int64(c-'0'), maxExp)
		}
		if negExp {
			p.exp = -p.exp
		}
	}
	return p, i == len(s)
}

// Why exactInt refuses a number.
const (
	intOK = iota
	intNotJSON
	intFraction
	intTooLarge
)

// exactInt returns the integer that JSON number text s stands for exactly,
// or why there is none. It works on the digits, never on a rounded float,
// and in time linear in len(s).
func exactInt(s string) (int64, int) {
	p, ok := splitNumber(s)
	if !ok {
		return 0, intNotJSON
	}
	// The significant digits run from the first to the last non-zero digit
	// of intPart followed by frac.
	n := len(p.intPart) + len(p.frac)
	digit := func(k int) byte {
		if k < len(p.intPart) {
			return p.intPart[k]
		}
		return p.frac[k-len(p.intPart)]
	}
	first, last := -1, -1
	for k := range n {
		if digit(k) != '0' {
			if first < 0 {
				first = k
			}
			last = k
		}
	}
	if first < 0 {
		return 0, intOK // zero, whatever the exponent
	}
	// value = digits[first..last] × 10^scale, with no trailing zero left
	// in the digits: a negative scale leaves a fraction.
	scale := p.exp - int64(len(p.frac)) + int64(n-1-last)
	if scale < 0 {
		return 0, intFraction
	}
	// An int64 has at most 19 digits; so does a uint64 product below it.
	if int64(last-first+1)+scale > 19 {
		return 0, intTooLarge
	}
	var u uint64
	for k := first; k <= last; k++ {
		u = u*10 + uint64(digit(k)-'0')
	}
	for range scale {
		u *= 10
	}
	if p.neg {
		if u > 1<<63 {
			return 0, intTooLarge
		}
		return int64(-u), intOK // -(1<<63) wraps to itself, as it should
	}
	if u > math.MaxInt64 {
		return 0, intTooLarge
	}
	return int64(u), intOK
}

// checkRange checks f against q's bounds. The message is built only on
// failure: this runs for every numeric answer of every evaluation.
func checkRange(q *Question, f float64, isFloat bool) string {
	below := q.Min != nil && f < *q.Min
	above := q.Max != nil && f > *q.Max
	if !below && !above {
		return ""
	}
	text := fmtNum(f)
	if !isFloat {
		text = strconv.FormatInt(int64(f), 10)
	}
	if below {
		return fmt.Sprintf("%s is below the minimum of %s", text, fmtNum(*q.Min))
	}
	return fmt.Sprintf("%s is above the maximum of %s", text, fmtNum(*q.Max))
}

func normalizeMulti(q *Question, v any) (any, bool, string) {
	var (
		list    []string
		changed bool
	)
	switch l := v.(type) {
	case []string:
		list = l
	case []any:
		changed = true
		list = make([]string, len(l))
		for i, x := range l {
			s, ok := x.(string)
			if x == nil {
				return nil, false, fmt.Sprintf("item %d is empty (null); want a list of choices from %s", i+1, choiceList(q))
			}
			if !ok {
				return nil, false, fmt.Sprintf("want a list of choices from %s, but item %d is %s", choiceList(q), i+1, describeValue(x))
			}
			list[i] = s
		}
	default:
		return nil, false, "want a list of choices from " + choiceList(q) + " (empty for none), got " + describeValue(v)
	}
	if m := checkMulti(q, list); m != "" {
		return nil, false, m
	}
	return list, changed, ""
}

func checkMulti(q *Question, list []string) string {
	for i, s := range list {
		if !q.hasChoice(s) {
			return fmt.Sprintf("%s is not one of %s", quoteInput(s), choiceList(q))
		}
		if slices.Contains(list[:i], s) {
			return fmt.Sprintf("%s is listed twice", quoteInput(s))
		}
	}
	return ""
}

func choiceList(q *Question) string {
	vals := make([]string, len(q.Choices))
	for i, c := range q.Choices {
		vals[i] = c.Value
	}
	return strings.Join(vals, ", ")
}

func describeValue(v any) string {
	switch x := v.(type) {
	case string:
		return "string " + quoteInput(x)
	case bool:
		return fmt.Sprintf("boolean %v", x)
	case json.Number:
		return "number " + numberText(string(x))
	case float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return fmt.Sprintf("number %v", x)
	case []any, []string:
		return "a list"
	case map[string]any:
		return "an object"
	}
	return fmt.Sprintf("a value of type %T", v)
}
