package fhir

import (
	"strings"
	"time"

	"github.com/redflagkit/redflag/triage"
)

// GuidanceResponse renders a verdict as an R4 GuidanceResponse:
//
//   - moduleCanonical is Canonical (url|version);
//   - status is data-required exactly when the outcome is Incomplete, with
//     one dataRequirement per missing question, and success otherwise;
//   - the outcome is an extension (valueCoding in redflag's outcome code
//     system, with the rule set's headline as display);
//   - each fired rule is a reasonCode: its id and title as a Coding, and as
//     text its advice and its citations;
//   - note holds the headline and what to do, then the self-care guidance
//     when the outcome is SelfCare, then the not-a-diagnosis notice;
//   - meta.tag carries the rule-set hash;
//   - occurrenceDateTime is Options.Now, when set.
//
// It returns nil for a nil verdict.
func (f *Form) GuidanceResponse(v *triage.Verdict) *GuidanceResponse {
	if v == nil {
		return nil
	}
	g := &GuidanceResponse{
		ResourceType: "GuidanceResponse",
		Meta:         &Meta{Tag: []Coding{f.hashTag()}},
		Extension: []Extension{{URL: outcomeExt, Value: Value{Coding: &Coding{
			System: outcomeSystem, Code: v.Outcome.String(), Display: v.Headline,
		}}}},
		ModuleCanonical: f.Canonical(),
		Status:          "success",
	}
	if f.opts.Now != nil {
		g.OccurrenceDateTime = f.opts.Now().UTC().Format(time.RFC3339)
	}
	for _, r := range v.Reasons {
		g.ReasonCode = append(g.ReasonCode, f.reason(r))
	}
	g.Note = append(g.Note, Annotation{Text: v.Headline + ". " + v.WhatToDo})
	for _, s := range v.Guidance {
		g.Note = append(g.Note, Annotation{Text: s.Title + ": " + s.Advice + " " + sources(s.Citation, s.SeeAlso)})
	}
	g.Note = append(g.Note, Annotation{Text: v.Notice})
	if v.Outcome == triage.Incomplete {
		g.Status = "data-required"
		for _, id := range v.Missing {
			g.DataRequirement = append(g.DataRequirement, f.requirement(id))
		}
	}
	return g
}

func (f *Form) reason(r triage.Reason) CodeableConcept {
	return CodeableConcept{
		Coding: []Coding{{System: f.url + "/rules", Code: r.RuleID, Display: r.Title}},
		Text:   r.Title + " (" + r.Action.String() + "): " + r.Advice + " " + sources(r.Citation, r.SeeAlso),
	}
}

// sources renders citations as one sentence.
func sources(c triage.Citation, more []triage.Citation) string {
	parts := []string{c.String()}
	for _, m := range more {
		parts = append(parts, m.String())
	}
	return "Source: " + strings.Join(parts, "; ") + "."
}

// requirement names one missing question, in the missing-item extension
// (see DataRequirement).
func (f *Form) requirement(id string) DataRequirement {
	c := Coding{System: f.url, Code: id}
	if q, ok := f.byID[id]; ok {
		c.Display = q.Text
	}
	return DataRequirement{
		Extension: []Extension{{URL: missingItemExt, Value: Value{Coding: &c}}},
		Type:      "QuestionnaireResponse",
	}
}
