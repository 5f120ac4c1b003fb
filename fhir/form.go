package fhir

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"cel.dev/cel-go/cel"

	"github.com/redflagkit/redflag/triage"
)

// Options configure a Form.
type Options struct {
	// BaseURL is the canonical base of the exported resources: the
	// Questionnaire's url is BaseURL + "/Questionnaire/" + its id
	// (QuestionnaireID of the rule set's name). It must be an absolute
	// http or https URL.
	BaseURL string
	// Now, when set, dates each GuidanceResponse (occurrenceDateTime);
	// without it the element is left out, so output is reproducible.
	Now func() time.Time
}

// Form is a loaded rule set seen through FHIR R4. It is immutable and safe for
// concurrent use.
type Form struct {
	eng       *triage.Engine
	opts      Options
	url       string
	questions []triage.Question
	byID      map[string]triage.Question
	items     map[string]Item // each question's exported item
	display   map[string]bool // linkIds of display items
}

// Extension and code system URLs.
const (
	extMinValue       = "http://hl7.org/fhir/StructureDefinition/minValue"
	extMaxValue       = "http://hl7.org/fhir/StructureDefinition/maxValue"
	extUnit           = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit"
	extItemControl    = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl"
	extOptionExcl     = "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive"
	extEnableWhenExpr = "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression"
	itemControlSystem = "http://hl7.org/fhir/questionnaire-item-control"
	// redflagBase names the elements redflag defines itself: the rule-set
	// hash tag, the outcome and the verdict extension.
	redflagBase   = "https://github.com/redflagkit/redflag/fhir/"
	hashSystem    = redflagBase + "rule-set-hash"
	outcomeExt    = redflagBase + "StructureDefinition/outcome"
	outcomeSystem = redflagBase + "CodeSystem/outcome"
	verdictExt    = redflagBase + "StructureDefinition/verdict"
	// missingItemExt names a question a data-required verdict still
	// needs, on a GuidanceResponse.dataRequirement.
	missingItemExt = redflagBase + "StructureDefinition/missing-item"
	// noticeLinkID is the display item that carries triage.Disclaimer;
	// question ids start with a letter, so it cannot clash with one.
	noticeLinkID = "_notice"
	// noneCode is the code of the "none of these" option, in a system of
	// its own (Form.noneSystem).
	noneCode = "none"
	// helpSuffix makes a question's help item's linkId; question ids hold
	// no dot.
	helpSuffix = ".help"
)

// New prepares the FHIR view of eng. It fails, naming each question and its
// position, when an ask_if cannot be expressed in R4.
func New(eng *triage.Engine, opts Options) (*Form, error) {
	if eng == nil {
		return nil, errors.New("fhir: New needs an engine")
	}
	base, err := url.Parse(opts.BaseURL)
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" || base.RawQuery != "" || base.Fragment != "" {
		return nil, fmt.Errorf("fhir: BaseURL %q must be an absolute http(s) URL without query or fragment", opts.BaseURL)
	}
	f := &Form{
		eng: eng, opts: opts,
		url:       strings.TrimSuffix(opts.BaseURL, "/") + "/Questionnaire/" + QuestionnaireID(eng.RuleSet().Name),
		questions: eng.Questions(),
		byID:      map[string]triage.Question{},
		items:     map[string]Item{},
		display:   map[string]bool{noticeLinkID: true},
	}
	for _, q := range f.questions {
		f.byID[q.ID] = q
	}
	env, err := cel.NewEnv()
	if err != nil {
		return nil, fmt.Errorf("fhir: %w", err)
	}
	tr := &translator{questions: f.byID, system: f.system, env: env}
	var errs ExportErrors
	for _, q := range f.questions {
		item, xerr := f.item(tr, q)
		if xerr != nil {
			errs = append(errs, xerr)
			continue
		}
		f.items[q.ID] = item
		if q.Help != "" {
			f.display[q.ID+helpSuffix] = true
		}
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return f, nil
}

// maxID is the longest id R4 allows.
const maxID = 64

// QuestionnaireID returns the Questionnaire.id (and last URL segment) of the
// rule set named name. R4 ids hold only ASCII letters, digits, '-' and '.',
// 64 at most: every other character becomes '-', and a longer id is cut
// and ends in '-' and 8 hex digits of the name's SHA-256, so that two long
// names sharing a start still differ. An empty name gives "questionnaire".
func QuestionnaireID(name string) string {
	b := []byte(name)
	for i, c := range b {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.') {
			b[i] = '-'
		}
	}
	switch {
	case len(b) == 0:
		return adaptiveID
	case len(b) > maxID:
		sum := sha256.Sum256([]byte(name))
		return string(b[:maxID-9]) + "-" + hex.EncodeToString(sum[:4])
	}
	return string(b)
}

// Engine returns the engine the Form was built from.
func (f *Form) Engine() *triage.Engine { return f.eng }

// URL returns the Questionnaire's canonical url (without version).
func (f *Form) URL() string { return f.url }

// Canonical returns url|version, as QuestionnaireResponse.questionnaire must
// name it.
func (f *Form) Canonical() string { return f.url + "|" + f.eng.RuleSet().Version }

// system is the code system of question qid's choices.
func (f *Form) system(qid string) string { return f.url + "/choices/" + qid }

// noneSystem is the code system of the "none of these" option.
func (f *Form) noneSystem() string { return f.url + "/none-of-these" }

// ExportError is an ask_if that cannot be expressed in R4.
type ExportError struct {
	// Question is the id of the question whose ask_if it is.
	Question string
	// Pos is where the ask_if is written.
	Pos triage.Position
	// Msg says what cannot be expressed, and why.
	Msg string
}

// Error returns "file:line:col: question: message".
func (e *ExportError) Error() string {
	return e.Pos.String() + ": " + e.Question + ": " + e.Msg
}

// ExportErrors is the error New returns: every ask_if that cannot be
// exported, in questionnaire order. Reach it with errors.As.
type ExportErrors []*ExportError

// Error returns the first error and a count of the others, on one line.
func (l ExportErrors) Error() string {
	switch len(l) {
	case 0:
		return "no errors"
	case 1:
		return "fhir: " + l[0].Error()
	}
	return fmt.Sprintf("fhir: %s (and %d more)", l[0].Error(), len(l)-1)
}

// Unwrap returns the individual errors.
func (l ExportErrors) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}
