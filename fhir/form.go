package fhir

import (
	"context"
	"errors"
	"time"

	"github.com/redflagkit/redflag/triage"
)

// Options configure a Form.
type Options struct {
	// BaseURL is the canonical base of the exported resources: the
	// Questionnaire's url is BaseURL + "/Questionnaire/" + the rule set's
	// name. It must be an absolute URL.
	BaseURL string
	// Now, when set, dates each GuidanceResponse (occurrenceDateTime);
	// without it the element is left out, so output is reproducible.
	Now func() time.Time
}

// Form is a loaded rule set seen through FHIR R4. It is immutable and safe for
// concurrent use.
type Form struct {
	eng  *triage.Engine
	opts Options
}

var errTODO = errors.New("fhir: not implemented yet")

// New prepares the FHIR view of eng. It fails, naming each question and its
// position, when an ask_if cannot be expressed in R4.
func New(eng *triage.Engine, opts Options) (*Form, error) {
	return &Form{eng: eng, opts: opts}, errTODO
}

// Engine returns the engine the Form was built from.
func (f *Form) Engine() *triage.Engine { return f.eng }

// URL returns the Questionnaire's canonical url (without version).
func (f *Form) URL() string { return "" }

// Canonical returns url|version, as QuestionnaireResponse.questionnaire must
// name it.
func (f *Form) Canonical() string { return "" }

// Questionnaire returns the exported R4 Questionnaire (a fresh copy).
func (f *Form) Questionnaire() *Questionnaire { return nil }

// Answers reads a QuestionnaireResponse into answers. Every problem is a
// triage.AnswerErrors whose entries name the linkId.
func (f *Form) Answers(qr *QuestionnaireResponse) (triage.Answers, error) { return nil, errTODO }

// Response writes answers as a QuestionnaireResponse to this Form's
// Questionnaire (the inverse of Answers).
func (f *Form) Response(a triage.Answers) (*QuestionnaireResponse, error) { return nil, errTODO }

// GuidanceResponse renders a verdict as an R4 GuidanceResponse.
func (f *Form) GuidanceResponse(v *triage.Verdict) *GuidanceResponse { return nil }

// NextQuestion implements SDC $next-question: given a response (with its
// Questionnaire contained), it returns the response with the next item(s)
// appended, or completed with the verdict attached.
func (f *Form) NextQuestion(ctx context.Context, qr *QuestionnaireResponse) (*QuestionnaireResponse, error) {
	return nil, errTODO
}

// ParseResponse reads a QuestionnaireResponse from JSON: the bare resource,
// or a Parameters resource carrying it in a parameter named "in" or
// "questionnaireResponse". Every problem is a triage.AnswerErrors whose
// entries give the line and column.
func ParseResponse(data []byte) (*QuestionnaireResponse, error) { return nil, errTODO }

// NewOperationOutcome describes err as an R4 OperationOutcome, one issue per
// problem, each naming the linkId it is about. It returns nil for nil.
func NewOperationOutcome(err error) *OperationOutcome { return nil }

// ExportError is an ask_if that cannot be expressed in R4.
type ExportError struct {
	// Question is the id of the question whose ask_if it is.
	Question string
	// Pos is where the ask_if is written.
	Pos triage.Position
	// Msg says what cannot be expressed, and why.
	Msg string
}

func (e *ExportError) Error() string {
	return e.Pos.String() + ": " + e.Question + ": " + e.Msg
}

// ExportErrors is the error New returns: every ask_if that cannot be
// exported, in questionnaire order. Reach it with errors.As.
type ExportErrors []*ExportError

func (l ExportErrors) Error() string { return "" }

// Unwrap returns the individual errors.
func (l ExportErrors) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}
