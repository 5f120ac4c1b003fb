package fhir_test

import (
	"testing"
)

// TestQuestionnaireGolden pins the exported Questionnaire of the default
// rule set and of the ask_if test set.
func TestQuestionnaireGolden(t *testing.T) {
	golden(t, "questionnaire-default.json", defaultForm(t).Questionnaire())
	golden(t, "questionnaire-askif.json", askifForm(t).Questionnaire())
}
