package fhir

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"regexp"
	"slices"

	"github.com/redflagkit/redflag/triage"
)

// responseStatuses are R4's QuestionnaireResponse statuses.
var responseStatuses = []string{"in-progress", "completed", "amended", "entered-in-error", "stopped"}

// Answers reads a QuestionnaireResponse into answers. The response names
// its questionnaire as NextQuestion accepts it: Canonical itself, or "#id"
// for a contained Questionnaire derived from this form (derivedFrom or
// url|version equal to Canonical), as a $next-question response does, so a
// response completed through NextQuestion reads like any other. Every
// problem is a triage.AnswerErrors whose entries name the linkId: a
// response to another questionnaire (or version), a status of
// entered-in-error, an unknown
// linkId, an answer to a display item, a question answered twice or with
// several answers where it takes one, a value of the wrong type, and
// whatever the engine refuses (CheckAnswer). An item with no answer is
// unanswered; the "none of these" option alone is the empty list.
func (f *Form) Answers(qr *QuestionnaireResponse) (triage.Answers, error) {
	if qr == nil {
		return nil, responseError("no QuestionnaireResponse was given")
	}
	if _, err := f.adaptiveQuestionnaire(qr); err != nil {
		return nil, err
	}
	a, _, err := f.readItems(qr)
	return a, err
}

// readItems reads qr's items, whatever questionnaire it names, and returns
// the ids of the questions present with no answer (skipped) too.
func (f *Form) readItems(qr *QuestionnaireResponse) (triage.Answers, []string, error) {
	if err := checkStatus(qr.Status); err != nil {
		return nil, nil, err
	}
	if err := f.checkItemCount(qr.Item); err != nil {
		return nil, nil, err
	}
	r := &reader{f: f, out: triage.Answers{}, seen: map[string]bool{}}
	r.items(qr.Item, "")
	for _, q := range f.questions {
		v, ok := r.out[q.ID]
		if !ok {
			continue
		}
		var l triage.AnswerErrors
		if err := f.eng.CheckAnswer(q.ID, v); errors.As(err, &l) {
			r.errs = append(r.errs, l...)
		} else if err != nil {
			return nil, nil, err
		}
	}
	if len(r.errs) > 0 {
		return nil, nil, r.errs
	}
	return r.out, r.skipped, nil
}

// checkItemCount refuses a response with more items, at any depth, than
// the questionnaire has linkIds (its questions, their help items and the
// notice). Each linkId may appear once, so such a response cannot be
// valid, and reading it item by item would return one error per item: a
// 649 KB response of unknown linkIds would get a 10 MB answer. The bound
// is never above twice the engine's Limits.Answers plus one, since Load
// allows no more questions than that limit.
func (f *Form) checkItemCount(items []AnswerItem) error {
	max := len(f.byID) + len(f.display)
	if n := countItems(items, max); n > max {
		return &itemCountError{AnswerErrors: triage.AnswerErrors{{
			Msg: fmt.Sprintf("the response has more items than the %d this questionnaire has (each linkId may appear once); none of them was read", max),
		}}}
	}
	return nil
}

// countItems counts items and the items under them, stopping as soon as
// the count is over max.
func countItems(items []AnswerItem, max int) int {
	n := 0
	for _, it := range items {
		n++
		if n > max {
			return n
		}
		n += countItems(it.Item, max-n)
	}
	return n
}

// itemCountError is a response with too many items: invalid answers, and
// over a limit.
type itemCountError struct{ triage.AnswerErrors }

func (e *itemCountError) Unwrap() []error { return []error{e.AnswerErrors, triage.ErrLimit} }

func checkStatus(s string) error {
	switch {
	case s == "entered-in-error":
		return responseError("the response's status is entered-in-error: it was entered by mistake and must not be triaged")
	case !slices.Contains(responseStatuses, s):
		return responseError(fmt.Sprintf("the response's status %q is not an R4 QuestionnaireResponse status", s))
	}
	return nil
}

// reader collects answers and problems while walking response items.
type reader struct {
	f       *Form
	out     triage.Answers
	seen    map[string]bool
	skipped []string
	errs    triage.AnswerErrors
}

func (r *reader) errorf(linkID, format string, args ...any) {
	r.errs = append(r.errs, &triage.AnswerError{Question: linkID, Msg: fmt.Sprintf(format, args...)})
}

// items reads items, nested under the item parent ("" at the top level).
// Every question of a Form is a top-level item, and display items have no
// items under them (R4's que-1), so an answer found anywhere else is an
// error rather than read from a place the questionnaire never put it.
func (r *reader) items(items []AnswerItem, parent string) {
	for _, it := range items {
		switch {
		case parent != "" && !r.f.display[it.LinkID] && r.f.byID[it.LinkID].ID != "":
			r.errorf(it.LinkID, "the item is nested under %q, but this questionnaire has it at the top level", parent)
		case r.f.display[it.LinkID] && len(it.Item) > 0:
			r.errorf(it.LinkID, "this is a display item, which has no items under it")
		default:
			r.item(it)
		}
		r.items(it.Item, it.LinkID)
	}
}

func (r *reader) item(it AnswerItem) {
	id := it.LinkID
	if r.seen[id] {
		r.errorf(id, "the item appears more than once in the response")
		return
	}
	r.seen[id] = true
	if r.f.display[id] {
		if len(it.Answer) > 0 {
			r.errorf(id, "this is a display item, which takes no answer")
		}
		return
	}
	q, ok := r.f.byID[id]
	if !ok {
		r.errorf(id, "no item of this questionnaire has this linkId")
		return
	}
	if len(it.Answer) == 0 {
		r.skipped = append(r.skipped, id)
		return
	}
	if q.Type != triage.MultiChoiceType {
		if len(it.Answer) > 1 {
			r.errorf(id, "the question takes one answer, but the response gives %d", len(it.Answer))
			return
		}
		if v, ok := r.single(q, it.Answer[0].Value); ok {
			r.out[id] = v
		}
		return
	}
	r.multi(q, it.Answer)
}

// single reads the answer to a question that takes one.
func (r *reader) single(q triage.Question, v Value) (any, bool) {
	name, _, err := v.variant()
	if err != nil || name == "" {
		r.errorf(q.ID, "an answer must have exactly one value")
		return nil, false
	}
	want := map[triage.QuestionType]string{triage.BooleanType: "Boolean", triage.IntegerType: "Integer",
		triage.NumberType: "Decimal", triage.ChoiceType: "Coding"}[q.Type]
	if name != want {
		r.errorf(q.ID, "this %s question takes value%s, not value%s", q.Type, want, name)
		return nil, false
	}
	switch {
	case v.Boolean != nil:
		return *v.Boolean, true
	case v.Integer != nil:
		return *v.Integer, true
	case v.Decimal != nil:
		if _, err := parseDecimal(string(*v.Decimal)); err != nil {
			r.errorf(q.ID, "%v", err)
			return nil, false
		}
		return *v.Decimal, true
	}
	return r.code(q, v.Coding)
}

// code reads a choice's Coding: its system must be the question's.
func (r *reader) code(q triage.Question, c *Coding) (string, bool) {
	if c.System != r.f.system(q.ID) {
		r.errorf(q.ID, "the answer's coding system is %q, but this question's choices are in %q", c.System, r.f.system(q.ID))
		return "", false
	}
	return c.Code, true
}

// multi reads a multichoice answer: choices, or "none of these" alone.
func (r *reader) multi(q triage.Question, answers []Answer) {
	list := []string{}
	none := false
	for _, a := range answers {
		name, _, err := a.Value.variant()
		if err != nil || name != "Coding" {
			r.errorf(q.ID, "a multichoice question is answered with valueCoding only")
			return
		}
		if c := a.Value.Coding; c.System == r.f.noneSystem() && c.Code == noneCode {
			if none {
				r.errorf(q.ID, "\"None of these\" is picked more than once")
				return
			}
			none = true
			continue
		}
		code, ok := r.code(q, a.Value.Coding)
		if !ok {
			return
		}
		list = append(list, code)
	}
	if none && len(list) > 0 {
		r.errorf(q.ID, "\"None of these\" is picked together with other choices")
		return
	}
	r.out[q.ID] = list
}

// Response writes answers as a QuestionnaireResponse to this Form's
// Questionnaire (the inverse of Answers), with status completed and the
// answered questions in questionnaire order. Invalid answers are a
// triage.AnswerErrors, as from Evaluate, and so are answers R4 cannot carry
// (an integer beyond 32 bits). Every Go integer kind the engine accepts,
// uintptr included, is written as its value.
func (f *Form) Response(a triage.Answers) (*QuestionnaireResponse, error) {
	var errs triage.AnswerErrors
	for id, v := range a {
		var l triage.AnswerErrors
		if err := f.eng.CheckAnswer(id, v); errors.As(err, &l) {
			errs = append(errs, l...)
		} else if err != nil {
			return nil, err
		} else if e := checkWritable(f.byID[id], v); e != nil {
			errs = append(errs, e)
		}
	}
	if len(errs) > 0 {
		slices.SortFunc(errs, func(x, y *triage.AnswerError) int { return cmpString(x.Question, y.Question) })
		return nil, errs
	}
	qr := &QuestionnaireResponse{ResourceType: "QuestionnaireResponse", Questionnaire: f.Canonical(), Status: "completed"}
	for _, q := range f.questions {
		if v, ok := a[q.ID]; ok && v != nil {
			if it, ok := f.answerItem(q, v); ok {
				qr.Item = append(qr.Item, it)
			}
		}
	}
	return qr, nil
}

// checkWritable refuses an answer CheckAnswer accepted that R4 cannot
// carry: an integer outside R4's 32-bit range, or a value of a kind the
// conversions here do not know (which must never be written as 0).
func checkWritable(q triage.Question, v any) *triage.AnswerError {
	if v == nil {
		return nil
	}
	switch q.Type {
	case triage.IntegerType:
		n, ok := toInt64(v)
		switch {
		case !ok:
			return &triage.AnswerError{Question: q.ID, Value: v, Msg: fmt.Sprintf("redflag cannot write a %T as an R4 integer", v)}
		case n < math.MinInt32 || n > math.MaxInt32:
			return &triage.AnswerError{Question: q.ID, Value: v, Msg: "the answer is outside R4's integer range"}
		}
	case triage.NumberType:
		if _, ok := toDecimal(v); !ok {
			return &triage.AnswerError{Question: q.ID, Value: v, Msg: fmt.Sprintf("redflag cannot write a %T as an R4 decimal", v)}
		}
	}
	return nil
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// answerItem writes one valid answer; ok is false for a nil slice
// (unanswered) and for a number it cannot convert (Response refuses those
// first, with checkWritable).
func (f *Form) answerItem(q triage.Question, v any) (AnswerItem, bool) {
	it := AnswerItem{LinkID: q.ID, Text: q.Text}
	switch q.Type {
	case triage.BooleanType:
		b := v.(bool)
		it.Answer = []Answer{{Value: Value{Boolean: &b}}}
	case triage.IntegerType:
		n, ok := toInt64(v) // checked by checkWritable, or read from R4
		if !ok {
			return it, false
		}
		it.Answer = []Answer{{Value: Value{Integer: &n}}}
	case triage.NumberType:
		d, ok := toDecimal(v)
		if !ok {
			return it, false
		}
		it.Answer = []Answer{{Value: Value{Decimal: &d}}}
	case triage.ChoiceType:
		it.Answer = []Answer{{Value: Value{Coding: f.coding(q, v.(string))}}}
	case triage.MultiChoiceType:
		list := toStrings(v)
		if list == nil {
			return it, false
		}
		for _, s := range list {
			it.Answer = append(it.Answer, Answer{Value: Value{Coding: f.coding(q, s)}})
		}
		if len(list) == 0 {
			it.Answer = []Answer{{Value: Value{Coding: &Coding{System: f.noneSystem(), Code: noneCode, Display: "None of these"}}}}
		}
	}
	return it, true
}

// coding is the Coding of choice value s of question q.
func (f *Form) coding(q triage.Question, s string) *Coding {
	c := &Coding{System: f.system(q.ID), Code: s}
	for _, ch := range q.Choices {
		if ch.Value == s {
			c.Display = ch.Label
		}
	}
	return c
}

func toStrings(v any) []string {
	switch l := v.(type) {
	case []string:
		return l
	case []any:
		if l == nil {
			return nil
		}
		out := make([]string, len(l))
		for i, x := range l {
			out[i] = x.(string)
		}
		return out
	}
	return nil
}

// toInt64 converts an integer answer that CheckAnswer accepted; ok is false
// for a value it cannot convert exactly, which is then refused, never
// written as 0.
func toInt64(v any) (int64, bool) {
	switch n := v.(type) {
	case json.Number:
		r, ok := new(big.Rat).SetString(string(n))
		if !ok || !r.IsInt() || !r.Num().IsInt64() {
			return 0, false
		}
		return r.Num().Int64(), true
	case float32:
		return int64(n), float32(int64(n)) == n
	case float64:
		return int64(n), float64(int64(n)) == n
	}
	b, ok := toBig(v)
	if !ok || !b.IsInt64() {
		return 0, false
	}
	return b.Int64(), true
}

// toBig converts any Go integer kind (int, int8 … uint64, uintptr); ok is
// false for anything else.
func toBig(v any) (*big.Int, bool) {
	r := reflect.ValueOf(v)
	switch r.Kind() {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		return big.NewInt(r.Int()), true
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64, reflect.Uintptr:
		return new(big.Int).SetUint64(r.Uint()), true
	}
	return nil, false
}

// toDecimal converts a number answer that CheckAnswer accepted, keeping a
// json.Number's text; ok is false for a value it cannot write.
func toDecimal(v any) (json.Number, bool) {
	switch n := v.(type) {
	case json.Number:
		return n, true
	case float32:
		return json.Number(formatDouble(float64(n))), true
	case float64:
		return json.Number(formatDouble(n)), true
	}
	b, ok := toBig(v)
	if !ok {
		return "", false
	}
	return json.Number(b.String()), true
}

// decimalRe is R4's decimal syntax (JSON's number syntax).
var decimalRe = regexp.MustCompile(`^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?$`)

// parseDecimal checks s against R4's decimal syntax.
func parseDecimal(s string) (string, error) {
	if len(s) > 64 || !decimalRe.MatchString(s) {
		return "", fmt.Errorf("%q is not an R4 decimal", clip(s))
	}
	return s, nil
}

func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// wholeError is a problem with a response as a whole (its questionnaire or
// status), not with one item. It unwraps to a triage.AnswerErrors; its own
// message is the plain one, without the empty linkId the list would show.
type wholeError struct{ list triage.AnswerErrors }

func responseError(msg string) error {
	return &wholeError{triage.AnswerErrors{{Msg: msg}}}
}

func (e *wholeError) Error() string { return e.list[0].Msg }

func (e *wholeError) Unwrap() error { return e.list }
