package fhir

import (
	"encoding/json"
	"strconv"

	"github.com/redflagkit/redflag/triage"
)

// itemTypes maps question types to R4 item types.
var itemTypes = map[triage.QuestionType]string{
	triage.BooleanType: "boolean", triage.IntegerType: "integer", triage.NumberType: "decimal",
	triage.ChoiceType: "choice", triage.MultiChoiceType: "choice",
}

// item exports one question, with its ask_if as enableWhen or FHIRPath.
func (f *Form) item(tr *translator, q triage.Question) (Item, *ExportError) {
	it := f.baseItem(q)
	if q.AskIf == "" {
		return it, nil
	}
	c, err := tr.translate(q)
	if err != nil {
		return Item{}, err
	}
	if c.fhirpath != "" {
		it.Extension = append(it.Extension, Extension{URL: extEnableWhenExpr, Value: Value{Expression: &Expression{
			Description: "Asked when: " + q.AskIf, Language: "text/fhirpath", Expression: c.fhirpath,
		}}})
	}
	it.EnableWhen, it.EnableBehavior = c.enableWhen, c.behavior
	return it, nil
}

// baseItem exports a question without its ask_if.
func (f *Form) baseItem(q triage.Question) Item {
	it := Item{LinkID: q.ID, Text: q.Text, Type: itemTypes[q.Type]}
	for _, b := range []struct {
		url string
		v   *float64
	}{{extMinValue, q.Min}, {extMaxValue, q.Max}} {
		if b.v != nil {
			it.Extension = append(it.Extension, Extension{URL: b.url, Value: bound(q.Type, *b.v)})
		}
	}
	if q.Unit != "" {
		it.Extension = append(it.Extension, Extension{URL: extUnit, Value: Value{Coding: &Coding{Display: q.Unit}}})
	}
	for _, c := range q.Choices {
		it.AnswerOption = append(it.AnswerOption, AnswerOption{Value: Value{Coding: &Coding{
			System: f.system(q.ID), Code: c.Value, Display: c.Label,
		}}})
	}
	if q.Type == triage.MultiChoiceType {
		yes := true
		it.Repeats = &yes
		it.AnswerOption = append(it.AnswerOption, AnswerOption{
			Extension: []Extension{{URL: extOptionExcl, Value: Value{Boolean: &yes}}},
			Value:     Value{Coding: &Coding{System: f.noneSystem(), Code: noneCode, Display: "None of these"}},
		})
	}
	if q.Help != "" {
		it.Item = []Item{{
			Extension: []Extension{{URL: extItemControl, Value: Value{Coding: &Coding{
				System: itemControlSystem, Code: "help", Display: "Help-Button",
			}}}},
			LinkID: q.ID + helpSuffix, Text: q.Help, Type: "display",
		}}
	}
	return it
}

// bound is a min or max as valueInteger or valueDecimal.
func bound(t triage.QuestionType, v float64) Value {
	if t == triage.IntegerType {
		n := int64(v)
		return Value{Integer: &n}
	}
	d := json.Number(strconv.FormatFloat(v, 'g', -1, 64))
	return Value{Decimal: &d}
}

// noticeItem is the display item that opens every exported form.
func noticeItem() Item {
	return Item{LinkID: noticeLinkID, Text: triage.Disclaimer, Type: "display"}
}

// Questionnaire returns the exported R4 Questionnaire (a fresh copy).
func (f *Form) Questionnaire() *Questionnaire {
	q := f.header()
	q.URL, q.Version, q.Status = f.url, f.eng.RuleSet().Version, "active"
	q.Item = []Item{noticeItem()}
	for _, qu := range f.questions {
		q.Item = append(q.Item, f.items[qu.ID])
	}
	return clone(q)
}

// header is what every Questionnaire this Form writes starts with.
func (f *Form) header() *Questionnaire {
	info := f.eng.RuleSet()
	return &Questionnaire{
		ResourceType: "Questionnaire", ID: QuestionnaireID(info.Name),
		Meta:        &Meta{Tag: []Coding{f.hashTag()}},
		Name:        questionnaireName(info.Name),
		Title:       info.Title,
		Description: f.eng.Description(),
		Purpose:     triage.Disclaimer,
	}
}

func (f *Form) hashTag() Coding {
	return Coding{System: hashSystem, Code: f.eng.RuleSet().Hash, Display: "rule set " + f.eng.RuleSet().String()}
}

// questionnaireName makes the computer-friendly name R4 asks for (inv-0:
// it starts with a capital letter and holds only letters, digits and _).
func questionnaireName(s string) string {
	out := []byte{}
	upper := true
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= 'a' && c <= 'z':
			if upper {
				c -= 'a' - 'A'
			}
			out, upper = append(out, c), false
		case c >= 'A' && c <= 'Z' || c >= '0' && c <= '9':
			out, upper = append(out, c), false
		default:
			upper = true
		}
	}
	if len(out) == 0 || out[0] < 'A' || out[0] > 'Z' {
		out = append([]byte("Q"), out...)
	}
	return string(out)
}

// clone deep-copies a resource through its JSON form, which every type here
// round-trips.
func clone[T any](v *T) *T {
	b, err := json.Marshal(v)
	if err != nil {
		panic("fhir: a resource built here does not marshal: " + err.Error())
	}
	out := new(T)
	if err := json.Unmarshal(b, out); err != nil {
		panic("fhir: a resource built here does not read back: " + err.Error())
	}
	return out
}
