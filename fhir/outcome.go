package fhir

import (
	"context"
	"errors"
	"fmt"
	"strconv"

	"github.com/redflagkit/redflag/triage"
)

// Standard extensions that place an issue in a JSON document.
const (
	extIssueLine = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-line"
	extIssueCol  = "http://hl7.org/fhir/StructureDefinition/operationoutcome-issue-col"
)

// maxIssues is how many problems NewOperationOutcome lists one by one; an
// issue after them says how many more there are.
const maxIssues = 20

// NewOperationOutcome describes err as an R4 OperationOutcome, one issue per
// problem, each of severity error. An answer problem (triage.AnswerErrors)
// names its linkId in expression and location as FHIRPath
// (QuestionnaireResponse.repeat(item).where(linkId='...')), and a problem
// in a JSON document its line and column (the operationoutcome-issue-line
// and -col extensions). details.text says in plain words what is wrong;
// diagnostics holds the full error. Only the first twenty answer problems
// are listed, then one issue saying how many more there are, so the
// outcome stays small whatever was sent. A response refused as a whole for
// a limit (too many items) is code too-costly. It returns nil for nil.
func NewOperationOutcome(err error) *OperationOutcome {
	if err == nil {
		return nil
	}
	oo := &OperationOutcome{ResourceType: "OperationOutcome"}
	var answers triage.AnswerErrors
	var export ExportErrors
	switch {
	case errors.As(err, &answers):
		for _, e := range answers[:min(len(answers), maxIssues)] {
			oo.Issue = append(oo.Issue, answerIssue(e))
		}
		if more := len(answers) - maxIssues; more > 0 {
			oo.Issue = append(oo.Issue, Issue{Severity: "error", Code: "invalid", Details: &CodeableConcept{
				Text: fmt.Sprintf("… and %d more problems with the answers, not listed; fix the ones above and send the response again.", more)}})
		}
		if len(answers) == 1 && errors.Is(err, triage.ErrLimit) && answers[0].Question == "" {
			oo.Issue[0].Code = "too-costly"
		}
	case errors.As(err, &export):
		for _, e := range export {
			oo.Issue = append(oo.Issue, plainIssue("not-supported", "This rule set cannot be shown as a FHIR questionnaire: "+e.Msg, e))
		}
	case errors.Is(err, context.DeadlineExceeded):
		oo.Issue = append(oo.Issue, plainIssue("timeout", "The triage took too long and was stopped. No verdict was given.", err))
	case errors.Is(err, context.Canceled):
		oo.Issue = append(oo.Issue, plainIssue("exception", "The request was cancelled. No verdict was given.", err))
	case errors.Is(err, triage.ErrEvaluation):
		oo.Issue = append(oo.Issue, plainIssue("exception", "The answers could not be evaluated. No verdict was given.", err))
	default:
		oo.Issue = append(oo.Issue, plainIssue("exception", "The request could not be processed. No verdict was given.", err))
	}
	return oo
}

func plainIssue(code, text string, err error) Issue {
	return Issue{Severity: "error", Code: code, Details: &CodeableConcept{Text: text}, Diagnostics: err.Error()}
}

func answerIssue(e *triage.AnswerError) Issue {
	code := "invalid"
	if errors.Is(e, triage.ErrLimit) {
		code = "too-long"
	}
	text := e.Msg
	switch {
	case e.Line > 0:
		text = fmt.Sprintf("The response could not be read: %s (line %d, column %d).", e.Msg, e.Line, e.Column)
	case e.Question != "":
		text = "The answer to " + strconv.Quote(e.Question) + " cannot be used: " + e.Msg
	}
	diag := e.Error()
	if e.Question == "" && e.Line == 0 {
		diag = e.Msg // about the response as a whole
	}
	is := Issue{Severity: "error", Code: code, Details: &CodeableConcept{Text: text}, Diagnostics: diag}
	if e.Question != "" {
		path := "QuestionnaireResponse.repeat(item).where(linkId=" + fpString(e.Question) + ")"
		is.Expression, is.Location = []string{path}, []string{path}
	}
	if e.Line > 0 {
		line, col := int64(e.Line), int64(e.Column)
		is.Extension = []Extension{{URL: extIssueLine, Value: Value{Integer: &line}}, {URL: extIssueCol, Value: Value{Integer: &col}}}
	}
	return is
}
