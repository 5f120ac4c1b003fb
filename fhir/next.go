package fhir

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/redflagkit/redflag/triage"
)

// adaptiveID is the id of the contained Questionnaire NextQuestion writes
// when the response names none, and verdictID that of the contained
// GuidanceResponse of a completed response.
const (
	adaptiveID = "questionnaire"
	verdictID  = "verdict"
)

// NextQuestion implements SDC $next-question for an adaptive form. The
// response names its Questionnaire either as "#id", a contained
// Questionnaire derived from this form (derivedFrom or url|version equal to
// Canonical), or as Canonical itself, to start a form with no contained
// Questionnaire yet.
//
// The answers are read as Answers reads them and evaluated. An item present
// with no answer was skipped. The next item is the first question the
// verdict still needs (Verdict.Missing) that was not skipped, marked
// required; once the outcome is self-care, it is the first optional
// question (Verdict.Optional) that was not skipped, marked not required.
// The result holds a fresh contained Questionnaire (id kept, or
// "questionnaire"): a notice item, an item for every question in the
// response, and the next one. Items carry no enableWhen: the engine decides
// what comes next.
//
// When nothing is left to ask, the response comes back with status
// completed, the verdict as a contained GuidanceResponse (id "verdict"),
// and an extension (https://github.com/redflagkit/redflag/fhir/StructureDefinition/verdict)
// referencing it. If needed questions were skipped, that verdict is
// data-required: incomplete, never self-care.
func (f *Form) NextQuestion(ctx context.Context, qr *QuestionnaireResponse) (*QuestionnaireResponse, error) {
	if qr == nil {
		return nil, responseError("no QuestionnaireResponse was given")
	}
	qid, err := f.adaptiveQuestionnaire(qr)
	if err != nil {
		return nil, err
	}
	answers, skipped, err := f.readItems(qr)
	if err != nil {
		return nil, err
	}
	v, err := f.eng.Evaluate(ctx, answers)
	if err != nil {
		return nil, err
	}
	next, needed := pickNext(v, skipped)
	out := &QuestionnaireResponse{ResourceType: "QuestionnaireResponse", ID: qr.ID, Questionnaire: "#" + qid,
		Status: "in-progress", Authored: qr.Authored}
	if qr.Subject != nil {
		s := *qr.Subject
		out.Subject = &s
	}
	form := f.header()
	form.ID, form.DerivedFrom, form.Status = qid, []string{f.Canonical()}, "active"
	form.Item = []Item{noticeItem()}
	for _, q := range f.questions {
		a, answered := answers[q.ID]
		if !answered && !slices.Contains(skipped, q.ID) && q.ID != next {
			continue
		}
		it := f.baseItem(q)
		if q.ID == next {
			it.Required = &needed
		}
		form.Item = append(form.Item, it)
		switch {
		case answered:
			ai, _ := f.answerItem(q, a)
			out.Item = append(out.Item, ai)
		case q.ID != next:
			out.Item = append(out.Item, AnswerItem{LinkID: q.ID, Text: q.Text})
		}
	}
	out.Contained = append(out.Contained, Resource{Questionnaire: form})
	for _, r := range qr.Contained {
		if r.Other != nil {
			out.Contained = append(out.Contained, Resource{Other: slices.Clone(r.Other)})
		}
	}
	if next == "" {
		g := f.GuidanceResponse(v)
		g.ID = verdictID
		out.Status = "completed"
		out.Contained = append(out.Contained, Resource{GuidanceResponse: g})
		out.Extension = []Extension{{URL: verdictExt, Value: Value{Reference: &Reference{Reference: "#" + verdictID}}}}
	}
	return out, nil
}

// pickNext returns the next question to ask and whether it is needed, or ""
// when nothing is left.
func pickNext(v *triage.Verdict, skipped []string) (string, bool) {
	for _, id := range v.Missing {
		if !slices.Contains(skipped, id) {
			return id, true
		}
	}
	if v.Outcome == triage.SelfCare {
		for _, id := range v.Optional {
			if !slices.Contains(skipped, id) {
				return id, false
			}
		}
	}
	return "", false
}

// adaptiveQuestionnaire checks that qr answers this form, directly or
// through a contained Questionnaire derived from it, and returns the id of
// the contained Questionnaire to write. Answers and NextQuestion share it,
// so what one accepts the other reads.
func (f *Form) adaptiveQuestionnaire(qr *QuestionnaireResponse) (string, error) {
	if qr.Questionnaire == f.Canonical() {
		return adaptiveID, nil
	}
	if ref, ok := strings.CutPrefix(qr.Questionnaire, "#"); ok {
		for _, r := range qr.Contained {
			q := r.Questionnaire
			if q == nil || q.ID != ref {
				continue
			}
			if slices.Contains(q.DerivedFrom, f.Canonical()) || q.URL+"|"+q.Version == f.Canonical() {
				return ref, nil
			}
			return "", responseError(fmt.Sprintf(
				"the contained Questionnaire %q is not derived from this form, %q", ref, f.Canonical()))
		}
		return "", responseError(fmt.Sprintf("the response names questionnaire %q, but contains no Questionnaire with that id", qr.Questionnaire))
	}
	return "", responseError(fmt.Sprintf(
		"the response is to questionnaire %q, but this form is %q (url|version)", qr.Questionnaire, f.Canonical()))
}
