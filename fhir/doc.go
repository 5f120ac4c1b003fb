// Package fhir presents a redflag rule set in FHIR R4: the questionnaire as a
// Questionnaire, answers read from a QuestionnaireResponse, a verdict as a
// GuidanceResponse, and SDC's $next-question for adaptive forms.
//
// The R4 types here are hand-written and minimal: only the elements redflag
// reads or writes. Every choice element (value[x], answer[x],
// enableWhen.answer[x]) holds at most one variant, so what is marshalled is
// always valid R4.
//
// This package supports triage. It is not a diagnosis.
package fhir
