package fhir_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// Export the default rule set as an R4 Questionnaire.
func ExampleForm_Questionnaire() {
	eng, err := triage.Load(rules.FS)
	if err != nil {
		fmt.Println(err)
		return
	}
	form, err := fhir.New(eng, fhir.Options{BaseURL: "https://example.org/fhir"})
	if err != nil {
		fmt.Println(err)
		return
	}
	q := form.Questionnaire()
	fmt.Println(q.URL, q.Version)
	fmt.Println(q.Item[0].Text)
	fmt.Println(q.Item[1].LinkID, q.Item[1].Type)
	// Output:
	// https://example.org/fhir/Questionnaire/upper-back-self-adjustment 1.1.0
	// This supports triage; it is not a diagnosis. If you are worried, or your symptoms change, contact a health professional.
	// shooting_arm_pain boolean
}

// Read a QuestionnaireResponse from an EHR, triage it and answer with a
// GuidanceResponse.
func ExampleParseResponse() {
	eng, err := triage.Load(rules.FS)
	if err != nil {
		fmt.Println(err)
		return
	}
	form, err := fhir.New(eng, fhir.Options{BaseURL: "https://example.org/fhir"})
	if err != nil {
		fmt.Println(err)
		return
	}
	qr, err := fhir.ParseResponse([]byte(`{
  "resourceType": "QuestionnaireResponse",
  "questionnaire": "https://example.org/fhir/Questionnaire/upper-back-self-adjustment|1.1.0",
  "status": "completed",
  "subject": {"reference": "Patient/example"},
  "item": [{"linkId": "fever", "answer": [{"valueBoolean": true}]}]
}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	answers, err := form.Answers(qr)
	if err != nil {
		fmt.Println(err)
		return
	}
	v, err := eng.Evaluate(context.Background(), answers)
	if err != nil {
		fmt.Println(err)
		return
	}
	g := form.GuidanceResponse(v)
	fmt.Println(g.Status, g.ReasonCode[0].Coding[0].Code)
	fmt.Println(g.Note[len(g.Note)-1].Text)
	// Output:
	// success fever
	// This supports triage; it is not a diagnosis. If you are worried, or your symptoms change, contact a health professional.
}

// A response with a problem gets an OperationOutcome naming the item.
func ExampleNewOperationOutcome() {
	eng, err := triage.Load(rules.FS)
	if err != nil {
		fmt.Println(err)
		return
	}
	form, err := fhir.New(eng, fhir.Options{BaseURL: "https://example.org/fhir"})
	if err != nil {
		fmt.Println(err)
		return
	}
	_, err = form.Answers(&fhir.QuestionnaireResponse{
		Questionnaire: form.Canonical(), Status: "completed",
		Item: []fhir.AnswerItem{{LinkID: "pain_days", Answer: []fhir.Answer{{Value: fhir.Value{Boolean: new(bool)}}}}},
	})
	fmt.Println(errors.Is(err, triage.ErrInvalidAnswers))
	issue := fhir.NewOperationOutcome(err).Issue[0]
	fmt.Println(issue.Expression[0])
	fmt.Println(issue.Details.Text)
	// Output:
	// true
	// QuestionnaireResponse.repeat(item).where(linkId='pain_days')
	// The answer to "pain_days" cannot be used: this integer question takes valueInteger, not valueBoolean
}

// Drive an adaptive form with SDC $next-question: each reply adds the next
// item to the contained Questionnaire, until the response is completed with
// the verdict attached.
func ExampleForm_NextQuestion() {
	eng, err := triage.Load(rules.FS)
	if err != nil {
		fmt.Println(err)
		return
	}
	form, err := fhir.New(eng, fhir.Options{BaseURL: "https://example.org/fhir"})
	if err != nil {
		fmt.Println(err)
		return
	}
	start := &fhir.QuestionnaireResponse{ResourceType: "QuestionnaireResponse", Questionnaire: form.Canonical(), Status: "in-progress"}
	reply, err := form.NextQuestion(context.Background(), start)
	if err != nil {
		fmt.Println(err)
		return
	}
	items := reply.Contained[0].Questionnaire.Item
	fmt.Println(reply.Status, reply.Questionnaire, items[len(items)-1].LinkID)

	// The person says yes: a refer rule fires, so nothing is left to ask.
	yes := true
	reply.Item = append(reply.Item, fhir.AnswerItem{LinkID: "shooting_arm_pain", Answer: []fhir.Answer{{Value: fhir.Value{Boolean: &yes}}}})
	done, err := form.NextQuestion(context.Background(), reply)
	if err != nil {
		fmt.Println(err)
		return
	}
	g := done.Contained[1].GuidanceResponse
	fmt.Println(done.Status, g.Extension[0].Value.Coding.Code)
	// Output:
	// in-progress #questionnaire shooting_arm_pain
	// completed see_professional
}

// A rule set's name becomes a Questionnaire id R4 accepts.
func ExampleQuestionnaireID() {
	fmt.Println(fhir.QuestionnaireID("upper-back-self-adjustment"))
	fmt.Println(fhir.QuestionnaireID("back_pain v2"))
	// Output:
	// upper-back-self-adjustment
	// back-pain-v2
}
