// Package triage evaluates red-flag symptom questionnaires against clinical
// referral rules written in CEL, Google's Common Expression Language.
//
// A rule set is a directory of YAML files. It declares its name and
// version, the documents its rules cite, a questionnaire (each question a
// typed CEL variable) and rules: a CEL condition over the answers, an action
// (refer: see a professional; caution: self-care stays OK but change
// something), advice for the person and a citation.
//
// Prepare once, evaluate many:
//
//	eng, err := triage.Load(rules.FS) // check everything once
//	v, err := eng.Evaluate(ctx, triage.Answers{"fever": true})
//	switch v.Outcome {
//	case triage.SeeProfessional: // v.Reasons says why, with sources and evidence
//	case triage.Incomplete:      // v.Missing says what to ask next
//	case triage.SelfCare:        // v.Guidance holds the rule set's advice
//	}
//
// # Safety properties
//
//   - Fail closed. An unanswered question is unknown, never "no": a referral
//     rule that could still fire makes the verdict Incomplete, not SelfCare.
//     Any error is returned as an error, never as a verdict. The zero
//     Outcome is invalid, so an unset outcome cannot read as self-care.
//   - Strict loading. Load reports every problem at once, each with its
//     file:line:column: unknown keys (a misspelled "wehn:" never silently
//     disables a rule), CEL syntax and type errors at their position in the
//     YAML file, references to unknown questions, duplicate ids, citations
//     of undeclared sources, conditions that do not depend on any answer,
//     follow-up questions read without their guard, and more.
//   - Traceable. Every rule cites a source document and section. Every
//     verdict names the rule set, its version and a hash of its files, and
//     every reason lists the answers it read.
//
// # Missing answers
//
// Evaluate runs each rule whose answers are all present as a plain CEL
// program. Rules that read an unanswered question run under CEL partial
// evaluation, where the unanswered question is an unknown value: "fever ||
// night_pain" is true as soon as either is true, and undecided only while
// neither is true and one is unknown. Missing lists the unanswered questions
// that undecided referral rules still need, in questionnaire order, and only
// those that can be asked now: a follow-up question whose ask_if is itself
// undecided is represented by the questions its ask_if reads.
//
// # Test cases
//
// Files named *_test.yaml beside the rule files hold test cases: answers,
// and the outcome, rules and missing questions expected of them. Package
// triagetest reads and checks them against an Engine, with the same
// positioned errors as rule files, and runs them (from go test, or from a
// tool such as redflag test) with clinical coverage and mutation testing.
//
// # Concurrency
//
// An *Engine is immutable and safe for concurrent use. Load and Evaluate
// keep no global state.
//
// # Limits and hot reload
//
// Every input is bounded: rule files by size and count, rule sets by
// rules, questions and CEL, conditions by length, nesting and cost, answers
// by document size, count, string and list length (see Limits). An input
// over a limit is an error wrapping ErrLimit. Package triage/reload serves
// the latest rule set that loaded from a directory, swapping engines
// atomically and keeping the last good one when an edit is broken.
//
// This package supports triage. It is not a diagnosis.
package triage
