package fhir_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/redflagkit/redflag/fhir"
)

// TestQuestionnaireGolden pins the exported Questionnaire of the default
// rule set and of the ask_if test set.
func TestQuestionnaireGolden(t *testing.T) {
	golden(t, "questionnaire-default.json", defaultForm(t).Questionnaire())
	golden(t, "questionnaire-askif.json", askifForm(t).Questionnaire())
}

// TestExtensionURLs pins every extension and code-system URL the export
// writes to the one its specification defines: a misspelt URL is an
// extension no form renderer knows, so the item silently loses its
// meaning (an enableWhenExpression that is never run shows a follow-up
// question to everyone).
func TestExtensionURLs(t *testing.T) {
	urls, systems := map[string]bool{}, map[string]bool{}
	var walk func([]fhir.Item)
	walk = func(items []fhir.Item) {
		for _, it := range items {
			for _, x := range it.Extension {
				urls[x.URL] = true
				if x.Value.Coding != nil && x.Value.Coding.System != "" {
					systems[x.Value.Coding.System] = true
				}
			}
			for _, o := range it.AnswerOption {
				for _, x := range o.Extension {
					urls[x.URL] = true
				}
			}
			walk(it.Item)
		}
	}
	walk(askifForm(t).Questionnaire().Item)
	for _, tc := range []struct {
		url, reason string
		system      bool
	}{
		{url: "http://hl7.org/fhir/StructureDefinition/minValue", reason: "R4 core extension for min"},
		{url: "http://hl7.org/fhir/StructureDefinition/maxValue", reason: "R4 core extension for max"},
		{url: "http://hl7.org/fhir/StructureDefinition/questionnaire-unit", reason: "R4 core extension for unit"},
		{url: "http://hl7.org/fhir/StructureDefinition/questionnaire-optionExclusive", reason: "R4 core extension for the \"none of these\" option"},
		{url: "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl", reason: "R4 core extension for the help item"},
		{url: "http://hl7.org/fhir/uv/sdc/StructureDefinition/sdc-questionnaire-enableWhenExpression", reason: "SDC extension: its canonical lives under /fhir/uv/sdc"},
		{url: "http://hl7.org/fhir/questionnaire-item-control", system: true, reason: "R4 item-control code system for help"},
	} {
		got := urls
		if tc.system {
			got = systems
		}
		assert.True(t, got[tc.url], "%s is not written (%s)", tc.url, tc.reason)
		delete(got, tc.url)
	}
	assert.Empty(t, urls, "extension URLs written but not pinned here")
	assert.Empty(t, systems, "code systems written but not pinned here")
}
