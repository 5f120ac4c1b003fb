// Package cdshooks serves a redflag rule set as a CDS Hooks 2.0 service
// (https://cds-hooks.hl7.org/2.0/), so that an electronic health record can
// show a clinician the triage of a patient's latest questionnaire answers as a
// card when the patient's chart is opened.
//
// A Service answers two endpoints, relative to wherever it is mounted:
//
//	GET  /cds-services       discovery: one patient-view service
//	POST /cds-services/{id}  a hook call: zero or one card
//
// The patient-view service asks the client to prefetch the patient's latest
// QuestionnaireResponse to the rule set's Questionnaire (see package fhir). It
// never calls a FHIR server itself: without that prefetch it answers with no
// cards. With it, it answers with one card for the verdict: a warning for "see
// a professional", information for self-care, and information with a link
// back to the form when answers are still missing. A response that cannot be
// read is an error (400), never a card.
//
// Every request must carry a bearer JWT signed by a trusted client, checked
// as the specification's "Trusting CDS Clients" section describes: the
// signature against the issuer's configured JSON Web Key Set (no network
// fetches), an allow-listed issuer, a sub (the client_id), aud naming the
// endpoint called and nothing else, exp, iat, and a jti that is never
// accepted twice. Anything else is refused with 401,
// unless Options.Insecure, a switch for development only, lets requests
// without a token through.
//
// Logs carry no answers and no patient identifiers: only the service id, the
// hook instance, the outcome, the ids of the rules that fired and timings.
//
// This package supports triage. It is not a diagnosis.
package cdshooks
