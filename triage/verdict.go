package triage

import (
	"fmt"
)

// Disclaimer is the reminder that every human-readable rendering of a
// verdict carries. Apps that show verdicts to people should show it too.
const Disclaimer = "This supports triage; it is not a diagnosis. If you are worried, or your symptoms change, contact a health professional."

// Outcome is the overall result of a triage evaluation.
//
// The zero value is deliberately not a valid outcome, so an Outcome that was
// never set can never be mistaken for SelfCare.
type Outcome int

const (
	// SelfCare means no referral rule fired and every referral rule could be
	// decided from the answers: self-care is reasonable.
	SelfCare Outcome = iota + 1
	// SeeProfessional means at least one referral rule fired.
	SeeProfessional
	// Incomplete means no referral rule fired, but at least one could still
	// fire depending on questions that were not answered. Verdict.Missing
	// lists them.
	Incomplete
)

var outcomeNames = [...]string{SelfCare: "self_care", SeeProfessional: "see_professional", Incomplete: "incomplete"}

// String returns the snake_case name of o ("self_care", "see_professional",
// "incomplete"), or "Outcome(N)" for an invalid value.
func (o Outcome) String() string {
	if o.valid() {
		return outcomeNames[o]
	}
	return fmt.Sprintf("Outcome(%d)", int(o))
}

func (o Outcome) valid() bool { return o >= SelfCare && o <= Incomplete }

// MarshalText implements encoding.TextMarshaler. Invalid outcomes (including
// the zero value) are an error rather than an empty or default string.
func (o Outcome) MarshalText() ([]byte, error) {
	if !o.valid() {
		return nil, fmt.Errorf("triage: cannot marshal invalid outcome %d", int(o))
	}
	return []byte(outcomeNames[o]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler; it accepts exactly the
// names String returns for valid outcomes.
func (o *Outcome) UnmarshalText(b []byte) error {
	for i, name := range outcomeNames {
		if name != "" && name == string(b) {
			*o = Outcome(i)
			return nil
		}
	}
	return fmt.Errorf("triage: unknown outcome %q (want self_care, see_professional or incomplete)", b)
}

// Action is what a rule asks for when it fires.
//
// The zero value is not a valid action.
type Action int

const (
	// Refer means the person should see a professional. A firing Refer rule
	// makes the outcome SeeProfessional.
	Refer Action = iota + 1
	// Caution means self-care can continue but something should stop or
	// change. Caution rules are reported as reasons and never change the
	// outcome.
	Caution
)

var actionNames = [...]string{Refer: "refer", Caution: "caution"}

// String returns "refer" or "caution", or "Action(N)" for an invalid value.
func (a Action) String() string {
	if a.valid() {
		return actionNames[a]
	}
	return fmt.Sprintf("Action(%d)", int(a))
}

func (a Action) valid() bool { return a == Refer || a == Caution }

// MarshalText implements encoding.TextMarshaler.
func (a Action) MarshalText() ([]byte, error) {
	if !a.valid() {
		return nil, fmt.Errorf("triage: cannot marshal invalid action %d", int(a))
	}
	return []byte(actionNames[a]), nil
}

// UnmarshalText implements encoding.TextUnmarshaler.
func (a *Action) UnmarshalText(b []byte) error {
	switch string(b) {
	case "refer":
		*a = Refer
	case "caution":
		*a = Caution
	default:
		return fmt.Errorf("triage: unknown action %q (want refer or caution)", b)
	}
	return nil
}

// Verdict is the result of evaluating one set of answers.
type Verdict struct {
	// Outcome is SelfCare, SeeProfessional or Incomplete; never zero.
	Outcome Outcome `json:"outcome"`
	// Headline is the rule set's short headline for Outcome, such as "See a
	// health professional", and WhatToDo its sentence on what to do next.
	// Both are clinical wording, declared with the rules under the header's
	// outcomes key (or the library's defaults where the rule set declares
	// none), so that every app shows the same words for the same outcome.
	Headline string `json:"headline"`
	WhatToDo string `json:"what_to_do"`
	// Reasons lists every rule that fired: Refer rules first, then Caution
	// rules, each group in rule-set order.
	Reasons []Reason `json:"reasons"`
	// Missing lists, in questionnaire order, the unanswered questions that
	// could still change the outcome and can be asked now. It is non-empty
	// exactly when Outcome is Incomplete.
	Missing []string `json:"missing"`
	// Optional lists, in questionnaire order, the unanswered questions that
	// could still add a caution and can be asked now (a follow-up whose
	// ask_if is undecided is represented by the questions its ask_if
	// reads, as in Missing). It is set only when Outcome is SelfCare, and
	// empty (never nil) otherwise: when a refer rule has fired, or while
	// one is undecided, there is nothing optional to ask yet.
	//
	// Answering these questions can add Caution reasons but never changes
	// the outcome, so an app asks them after the outcome is decided, marked
	// as optional and each skippable, then evaluates again: an answer can
	// make a follow-up askable, so walk the new verdict's Optional, passing
	// over what the person skipped, until nothing is left. Engine.Next does
	// not return these questions. With every question answered, Optional
	// is always empty.
	Optional []string `json:"optional"`
	// Guidance is the rule set's self-care guidance. It is set only when
	// Outcome is SelfCare.
	Guidance []Guidance `json:"self_care,omitempty"`
	// RuleSet identifies the rule set that produced this verdict, so a stored
	// verdict can be audited later.
	RuleSet RuleSetInfo `json:"rule_set"`
	// Notice is Disclaimer, carried in the verdict so that every rendering of
	// it, including JSON, keeps the reminder.
	Notice string `json:"notice"`
}

// Reason is one rule that fired.
type Reason struct {
	// RuleID is the id of the rule that fired.
	RuleID string `json:"rule_id"`
	// Title is the rule's short title.
	Title string `json:"title"`
	// Action is Refer or Caution.
	Action Action `json:"action"`
	// Advice is the rule's advice for the person, in plain language.
	Advice string `json:"advice"`
	// Citation is the rule's primary citation.
	Citation Citation `json:"source"`
	// SeeAlso holds further citations for the same criterion, if any.
	SeeAlso []Citation `json:"see_also,omitempty"`
	// Evidence holds the answers that made the rule's condition true, in
	// questionnaire order: not every answer the rule read, only those that
	// decided it. For a || b with only b true, b; with both true, both
	// (each is enough on its own); for a && b, both; for !e, the answers
	// that made e false (for !can_walk || size(spots) > 0 with can_walk
	// true and a spot, only spots); for c ? x : y, c and the branch
	// taken; for a comparison, a function or a macro such as exists,
	// every question read within it. Unanswered questions are never
	// evidence. The answers given here, with the other questions the rule
	// reads unanswered or answered anyhow, still make it fire.
	// Explanation's RuleExplanation.Read keeps every answer the rule read.
	Evidence []Evidence `json:"evidence"`
}

// Evidence is one answer behind a reason, or read by a rule in an
// Explanation.
type Evidence struct {
	// Question is the id of the question answered.
	Question string `json:"question"`
	// Value is the normalised answer: bool, int64, float64, string or
	// []string, depending on the question type.
	Value any `json:"value"`
}

// Guidance is one piece of self-care advice from the rule set.
type Guidance struct {
	// ID is the guidance's id in the rule set.
	ID string `json:"id"`
	// Title is a short heading.
	Title string `json:"title"`
	// Advice is the guidance itself, in plain language.
	Advice string `json:"advice"`
	// Citation is the primary citation.
	Citation Citation `json:"source"`
	// SeeAlso holds further citations, if any.
	SeeAlso []Citation `json:"see_also,omitempty"`
}

// Citation points at the section of a source document that a rule or piece
// of guidance comes from.
type Citation struct {
	// SourceID is the id of a source declared by the rule set.
	SourceID string `json:"source_id"`
	// Title is the source's title.
	Title string `json:"title"`
	// URL is the source's URL, when the rule set knows one.
	URL string `json:"url,omitempty"`
	// Section is the heading of the cited section.
	Section string `json:"section"`
}

// String renders c as "Title (source_id), section: Section".
func (c Citation) String() string {
	s := fmt.Sprintf("%s (%s), section: %s", c.Title, c.SourceID, c.Section)
	if c.URL != "" {
		s += " " + c.URL
	}
	return s
}

// RuleSetInfo identifies a loaded rule set.
type RuleSetInfo struct {
	// Name, Version and Title are as declared in the rule set's header.
	Name    string `json:"name"`
	Version string `json:"version"`
	Title   string `json:"title"`
	// Hash is "sha256:" followed by the hex SHA-256 of the rule files, in
	// name order, each preceded by its name and length. Two engines with the
	// same Hash were loaded from identical files.
	Hash string `json:"hash"`
}

// String renders the rule set as "name version (hash)".
func (r RuleSetInfo) String() string {
	return fmt.Sprintf("%s %s (%s)", r.Name, r.Version, r.Hash)
}
