// Package server is redflag as an HTTP service: the handlers behind
// "redflag serve", as a library, so that a program can mount them in its
// own mux.
//
// One Server serves:
//
//	GET  /                                   the browser form, one question at a time
//	GET  /questionnaire                      the questions, their types, choices and ask_if (JSON)
//	POST /triage                             answers in, verdict out (JSON)
//	POST /next                               answers and skipped questions in; the next question, or the verdict
//	GET  /fhir/Questionnaire/{id}            the rule set as an R4 Questionnaire (id: fhir.QuestionnaireID of its name)
//	POST /fhir/Questionnaire/$next-question  SDC $next-question: a QuestionnaireResponse in, with its next item
//	POST /fhir/QuestionnaireResponse/$triage a QuestionnaireResponse in, a GuidanceResponse out
//	GET  /cds-services, POST /cds-services/{id}  CDS Hooks (when configured)
//	GET  /healthz                            the process is alive
//	GET  /readyz                             a rule set is in service, and whether the latest edit loaded
//
// Every request reads the rule set in service once, through Options.Engine,
// and uses that one engine to the end, so a hot reload never mixes two rule
// sets in one answer. Bodies are read strictly and bounded; each error says
// in plain words what was wrong, and no error ever comes with a verdict.
// Logs carry methods, route patterns, statuses, durations and rule-set
// ids, never answers or other health data.
//
// docs/serve.md describes every endpoint with an example exchange.
//
// This package supports triage. It is not a diagnosis.
package server
