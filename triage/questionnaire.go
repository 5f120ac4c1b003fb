package triage

import (
	"fmt"
	"slices"
)

// QuestionType is the type of answer a question takes. It decides the CEL
// type of the question's variable and how answers are validated.
type QuestionType int

const (
	// BooleanType questions take true or false; CEL type bool.
	BooleanType QuestionType = iota + 1
	// IntegerType questions take a whole number; CEL type int. JSON numbers with
	// an integral value (4.0) are accepted, others (2.5) are not.
	IntegerType
	// NumberType questions take any finite number; CEL type double.
	NumberType
	// ChoiceType questions take one value from a fixed list; CEL type string.
	ChoiceType
	// MultiChoiceType questions take a subset of a fixed list; CEL type
	// list(string). An empty list means "none of these".
	MultiChoiceType
)

var questionTypeNames = [...]string{BooleanType: "boolean", IntegerType: "integer", NumberType: "number", ChoiceType: "choice", MultiChoiceType: "multichoice"}

// String returns the name used in rule files: "boolean", "integer",
// "number", "choice" or "multichoice".
func (t QuestionType) String() string {
	if t >= BooleanType && t <= MultiChoiceType {
		return questionTypeNames[t]
	}
	return fmt.Sprintf("QuestionType(%d)", int(t))
}

// MarshalText implements encoding.TextMarshaler.
func (t QuestionType) MarshalText() ([]byte, error) {
	if t < BooleanType || t > MultiChoiceType {
		return nil, fmt.Errorf("triage: cannot marshal invalid question type %d", int(t))
	}
	return []byte(questionTypeNames[t]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (t *QuestionType) UnmarshalText(b []byte) error {
	v, ok := parseQuestionType(string(b))
	if !ok {
		return fmt.Errorf("triage: unknown question type %q", b)
	}
	*t = v
	return nil
}

func parseQuestionType(s string) (QuestionType, bool) {
	for i, name := range questionTypeNames {
		if name != "" && name == s {
			return QuestionType(i), true
		}
	}
	return 0, false
}

// Question is one entry of a rule set's questionnaire. Values returned by
// the Engine are copies; changing them does not affect the Engine.
type Question struct {
	// ID is the question's CEL variable name and the key of its answer.
	ID string `json:"id"`
	// Text is the question as a person reads it.
	Text string `json:"text"`
	// Help is optional extra explanation.
	Help string `json:"help,omitempty"`
	// Type decides how answers are validated and the variable's CEL type.
	Type QuestionType `json:"type"`
	// Choices lists the allowed values of Choice and MultiChoice questions.
	Choices []Choice `json:"choices,omitempty"`
	// Min and Max bound Integer and Number answers when set (inclusive).
	Min *float64 `json:"min,omitempty"`
	Max *float64 `json:"max,omitempty"`
	// Unit names the unit of a numeric answer ("days").
	Unit string `json:"unit,omitempty"`
	// AskIf is the CEL condition over earlier answers under which the
	// question is asked; empty means always.
	AskIf string `json:"ask_if,omitempty"`
	// AskIfAt is where the ask_if is written in the rule file, for tools
	// that translate it (zero when AskIf is empty).
	AskIfAt Position `json:"-"`
}

// Choice is one allowed value of a Choice or MultiChoice question.
type Choice struct {
	// Value is what the answer holds and what CEL expressions compare with.
	Value string `json:"value"`
	// Label is how the choice is shown to a person; it defaults to Value.
	Label string `json:"label"`
}

func (q Question) clone() Question {
	q.Choices = slices.Clone(q.Choices)
	if q.Min != nil {
		v := *q.Min
		q.Min = &v
	}
	if q.Max != nil {
		v := *q.Max
		q.Max = &v
	}
	return q
}

func (q *Question) hasChoice(v string) bool {
	for _, c := range q.Choices {
		if c.Value == v {
			return true
		}
	}
	return false
}

// Source is a document that a rule set cites.
type Source struct {
	// ID is what citations name; for the default rule set, the document's
	// file name.
	ID string `json:"id"`
	// Title is the document's title.
	Title string `json:"title"`
	// URL is where the document can be read, when known.
	URL string `json:"url,omitempty"`
}

// Rule describes one loaded rule, for apps and tools that list or document a
// rule set.
type Rule struct {
	// ID is the rule's stable id.
	ID string `json:"id"`
	// Title is the rule's short title.
	Title string `json:"title"`
	// Action is Refer or Caution.
	Action Action `json:"action"`
	// When is the rule's CEL condition as written in the rule file.
	When string `json:"when"`
	// Advice is the rule's advice for the person.
	Advice string `json:"advice"`
	// Note records how the rule reads its source where the source is vague.
	Note string `json:"note,omitempty"`
	// Citation is the primary citation; SeeAlso holds any others.
	Citation Citation   `json:"source"`
	SeeAlso  []Citation `json:"see_also,omitempty"`
	// Reads lists the question ids the condition reads, in questionnaire
	// order.
	Reads []string `json:"reads"`
	// Pos is where the rule is declared.
	Pos Position `json:"pos"`
}

func (r Rule) clone() Rule {
	r.SeeAlso = slices.Clone(r.SeeAlso)
	r.Reads = slices.Clone(r.Reads)
	return r
}
