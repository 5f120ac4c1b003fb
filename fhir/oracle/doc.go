// Package oracle checks the FHIR resources that package fhir emits against
// independent FHIR tooling: google/fhir/go's validating R4 parser, and the
// fhirpath npm package for the Questionnaire invariants and the exported
// enableWhenExpression FHIRPath.
package oracle
