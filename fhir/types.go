package fhir

import "encoding/json"

// The R4 resources and data types redflag reads and writes, with only the
// elements it uses. Field order follows the R4 element order, so marshalled
// resources read like the specification's examples.

// Questionnaire is an R4 Questionnaire.
type Questionnaire struct {
	ResourceType string       `json:"resourceType"`
	ID           string       `json:"id,omitempty"`
	Meta         *Meta        `json:"meta,omitempty"`
	Extension    []Extension  `json:"extension,omitempty"`
	URL          string       `json:"url,omitempty"`
	Identifier   []Identifier `json:"identifier,omitempty"`
	Version      string       `json:"version,omitempty"`
	Name         string       `json:"name,omitempty"`
	Title        string       `json:"title,omitempty"`
	DerivedFrom  []string     `json:"derivedFrom,omitempty"`
	Status       string       `json:"status"`
	Publisher    string       `json:"publisher,omitempty"`
	Description  string       `json:"description,omitempty"`
	Purpose      string       `json:"purpose,omitempty"`
	Item         []Item       `json:"item,omitempty"`
}

// Item is a Questionnaire.item: one question, or a display text.
type Item struct {
	Extension      []Extension    `json:"extension,omitempty"`
	LinkID         string         `json:"linkId"`
	Text           string         `json:"text,omitempty"`
	Type           string         `json:"type"`
	EnableWhen     []EnableWhen   `json:"enableWhen,omitempty"`
	EnableBehavior string         `json:"enableBehavior,omitempty"`
	Required       *bool          `json:"required,omitempty"`
	Repeats        *bool          `json:"repeats,omitempty"`
	AnswerOption   []AnswerOption `json:"answerOption,omitempty"`
	Item           []Item         `json:"item,omitempty"`
}

// EnableWhen is a Questionnaire.item.enableWhen: the item is enabled when
// the answer to Question compares with Answer (answer[x]) by Operator.
// Operator "exists" takes a Boolean answer.
type EnableWhen struct {
	Question string `json:"question"`
	Operator string `json:"operator"`
	// Answer is answer[x]: Boolean, Integer, Decimal or Coding.
	Answer Value `json:"-"`
}

// AnswerOption is a Questionnaire.item.answerOption; Value is value[x]
// (a Coding, for redflag's choices).
type AnswerOption struct {
	Extension []Extension `json:"extension,omitempty"`
	Value     Value       `json:"-"`
}

// Extension is an R4 Extension with a value[x].
type Extension struct {
	URL   string `json:"url"`
	Value Value  `json:"-"`
}

// Coding is an R4 Coding.
type Coding struct {
	System  string `json:"system,omitempty"`
	Version string `json:"version,omitempty"`
	Code    string `json:"code,omitempty"`
	Display string `json:"display,omitempty"`
}

// CodeableConcept is an R4 CodeableConcept.
type CodeableConcept struct {
	Coding []Coding `json:"coding,omitempty"`
	Text   string   `json:"text,omitempty"`
}

// Identifier is an R4 Identifier.
type Identifier struct {
	Use    string `json:"use,omitempty"`
	System string `json:"system,omitempty"`
	Value  string `json:"value,omitempty"`
}

// Meta is an R4 Meta.
type Meta struct {
	Profile []string `json:"profile,omitempty"`
	Tag     []Coding `json:"tag,omitempty"`
}

// Expression is an R4 Expression, as the SDC enableWhenExpression
// extension carries it.
type Expression struct {
	Description string `json:"description,omitempty"`
	Language    string `json:"language"`
	Expression  string `json:"expression,omitempty"`
}

// Reference is an R4 Reference.
type Reference struct {
	Reference string `json:"reference,omitempty"`
	Display   string `json:"display,omitempty"`
}

// Annotation is an R4 Annotation (text only).
type Annotation struct {
	Text string `json:"text"`
}

// QuestionnaireResponse is an R4 QuestionnaireResponse. Contained holds
// contained resources; redflag reads and writes only a Questionnaire there
// (SDC's adaptive form), and for $next-question a GuidanceResponse.
type QuestionnaireResponse struct {
	ResourceType  string       `json:"resourceType"`
	ID            string       `json:"id,omitempty"`
	Meta          *Meta        `json:"meta,omitempty"`
	Contained     []Resource   `json:"contained,omitempty"`
	Extension     []Extension  `json:"extension,omitempty"`
	Identifier    *Identifier  `json:"identifier,omitempty"`
	Questionnaire string       `json:"questionnaire,omitempty"`
	Status        string       `json:"status"`
	Subject       *Reference   `json:"subject,omitempty"`
	Authored      string       `json:"authored,omitempty"`
	Item          []AnswerItem `json:"item,omitempty"`
}

// Resource is one contained resource: exactly one of its fields is set.
// Other keeps, as it was read, a resource of another type (a contained
// Patient, say), which redflag neither reads nor changes.
type Resource struct {
	Questionnaire    *Questionnaire
	GuidanceResponse *GuidanceResponse
	Other            json.RawMessage
}

// AnswerItem is a QuestionnaireResponse.item: the answers to the
// Questionnaire item with the same LinkID, and nested items.
type AnswerItem struct {
	LinkID string       `json:"linkId"`
	Text   string       `json:"text,omitempty"`
	Answer []Answer     `json:"answer,omitempty"`
	Item   []AnswerItem `json:"item,omitempty"`
}

// Answer is a QuestionnaireResponse.item.answer; Value is value[x].
type Answer struct {
	Value Value `json:"-"`
}

// GuidanceResponse is an R4 GuidanceResponse.
type GuidanceResponse struct {
	ResourceType       string            `json:"resourceType"`
	ID                 string            `json:"id,omitempty"`
	Meta               *Meta             `json:"meta,omitempty"`
	Extension          []Extension       `json:"extension,omitempty"`
	ModuleCanonical    string            `json:"moduleCanonical"`
	Status             string            `json:"status"`
	Subject            *Reference        `json:"subject,omitempty"`
	OccurrenceDateTime string            `json:"occurrenceDateTime,omitempty"`
	ReasonCode         []CodeableConcept `json:"reasonCode,omitempty"`
	Note               []Annotation      `json:"note,omitempty"`
	DataRequirement    []DataRequirement `json:"dataRequirement,omitempty"`
}

// DataRequirement is an R4 DataRequirement: here, an unanswered
// QuestionnaireResponse item the verdict still needs. R4 has no element
// for it (codeFilter.path must lead to a code, and item.linkId is a
// string; mustSupport takes only plain paths), so the item is named in an
// extension, https://github.com/redflagkit/redflag/fhir/StructureDefinition/missing-item,
// whose valueCoding has the Questionnaire's url as system, the linkId as
// code and the question as display.
type DataRequirement struct {
	Extension []Extension `json:"extension,omitempty"`
	Type      string      `json:"type"`
}

// OperationOutcome is an R4 OperationOutcome: why a request was refused.
type OperationOutcome struct {
	ResourceType string  `json:"resourceType"`
	Issue        []Issue `json:"issue"`
}

// Issue is an R4 OperationOutcome.issue.
type Issue struct {
	Extension   []Extension      `json:"extension,omitempty"`
	Severity    string           `json:"severity"`
	Code        string           `json:"code"`
	Details     *CodeableConcept `json:"details,omitempty"`
	Diagnostics string           `json:"diagnostics,omitempty"`
	Location    []string         `json:"location,omitempty"`
	Expression  []string         `json:"expression,omitempty"`
}

// Value is an R4 choice element (value[x], answer[x]): at most one of its
// fields is set. Marshalling writes the one set variant under the element's
// prefix ("valueBoolean", "answerCoding"); unmarshalling refuses two
// variants, and a variant redflag does not know.
type Value struct {
	Boolean    *bool
	Integer    *int64
	Decimal    *json.Number
	String     *string
	Coding     *Coding
	Reference  *Reference
	Expression *Expression
}
