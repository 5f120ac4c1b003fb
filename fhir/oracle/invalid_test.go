package oracle

import (
	"encoding/json"
	"slices"
	"sort"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	apb "github.com/google/fhir/go/proto/google/fhir/proto/annotations_go_proto"
	qpb "github.com/google/fhir/go/proto/google/fhir/proto/r4/core/resources/questionnaire_go_proto"
)

// TestOracleRejectsInvalidResources shows that the oracle can fail: each
// resource breaks one R4 rule a mistake in package fhir could break, and
// the parser must reject it where the rule is broken. The valid rows show it
// does not reject everything.
func TestOracleRejectsInvalidResources(t *testing.T) {
	o := newR4(t)
	for _, tc := range []struct {
		name, reason, resource, wantErr string
	}{
		{"valid response", "the control: a minimal valid QuestionnaireResponse parses",
			`{"resourceType":"QuestionnaireResponse","status":"completed","questionnaire":"https://example.org/fhir/Questionnaire/q|1.0","item":[{"linkId":"a","answer":[{"valueBoolean":true}]}]}`, ""},
		{"valid guidance", "the control: module[x] as a canonical with |version parses",
			`{"resourceType":"GuidanceResponse","status":"data-required","moduleCanonical":"https://example.org/fhir/Questionnaire/q|1.0","dataRequirement":[{"type":"QuestionnaireResponse"}],"note":[{"text":"not a diagnosis"}]}`, ""},
		{"two answer variants", "answer[x] is a choice: a package writing every variant at once writes invalid FHIR",
			`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"a","answer":[{"valueBoolean":true,"valueInteger":1}]}]}`, "multiple values for value field"},
		{"two enableWhen answers", "enableWhen.answer[x] is a choice too",
			`{"resourceType":"Questionnaire","status":"active","item":[{"linkId":"b","type":"boolean","enableWhen":[{"question":"a","operator":"=","answerBoolean":true,"answerInteger":1}]}]}`, "multiple values for answer field"},
		{"two module variants", "module[x] takes one of uri, canonical and CodeableConcept",
			`{"resourceType":"GuidanceResponse","status":"success","moduleUri":"https://example.org/a","moduleCanonical":"https://example.org/b"}`, "multiple values for module field"},
		{"missing status", "Questionnaire.status is required (1..1)",
			`{"resourceType":"Questionnaire","item":[{"linkId":"a","type":"boolean"}]}`, `missing required field "status"`},
		{"missing response status", "QuestionnaireResponse.status is required",
			`{"resourceType":"QuestionnaireResponse","item":[{"linkId":"a"}]}`, `missing required field "status"`},
		{"missing module", "GuidanceResponse.module[x] is required",
			`{"resourceType":"GuidanceResponse","status":"success"}`, `missing required field "module"`},
		{"missing linkId", "Questionnaire.item.linkId is required",
			`{"resourceType":"Questionnaire","status":"active","item":[{"type":"boolean"}]}`, `missing required field "linkId"`},
		{"bad item type", "item.type is bound to a required value set",
			`{"resourceType":"Questionnaire","status":"active","item":[{"linkId":"a","type":"yesno"}]}`, "code type mismatch"},
		{"bad operator", "enableWhen.operator is bound to a required value set",
			`{"resourceType":"Questionnaire","status":"active","item":[{"linkId":"b","type":"boolean","enableWhen":[{"question":"a","operator":"~=","answerBoolean":true}]}]}`, "code type mismatch"},
		{"bad enableBehavior", "enableBehavior is all or any",
			`{"resourceType":"Questionnaire","status":"active","item":[{"linkId":"b","type":"boolean","enableWhen":[{"question":"a","operator":"exists","answerBoolean":true},{"question":"c","operator":"exists","answerBoolean":true}],"enableBehavior":"both"}]}`, "code type mismatch"},
		{"bad response status", "QuestionnaireResponse.status is bound to a required value set",
			`{"resourceType":"QuestionnaireResponse","status":"finished"}`, "code type mismatch"},
		{"bad guidance status", "GuidanceResponse.status is bound to a required value set",
			`{"resourceType":"GuidanceResponse","status":"incomplete","moduleUri":"https://example.org/a"}`, "code type mismatch"},
		{"bad code", "a code has no leading or trailing white space",
			`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"a","answer":[{"valueCoding":{"system":"https://example.org/c","code":" fever"}}]}]}`, "invalid Code format"},
		{"fractional integer", "valueInteger is a whole number",
			`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"a","answer":[{"valueInteger":2.5}]}]}`, "expected integer"},
		{"quoted decimal", "valueDecimal is a JSON number, not a string",
			`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"a","answer":[{"valueDecimal":"37.5"}]}]}`, "expected decimal"},
		{"misspelt element", "an unknown element is an error, not ignored",
			`{"resourceType":"QuestionnaireResponse","status":"completed","item":[{"linkId":"a","answer":[{"valueBoolen":true}]}]}`, "unknown field"},
		{"expression without language", "Expression.language is required",
			`{"resourceType":"Questionnaire","status":"active","item":[{"linkId":"a","type":"boolean","extension":[{"url":"https://example.org/x","valueExpression":{"expression":"true"}}]}]}`, `missing required field "language"`},
		{"note without text", "Annotation.text is required",
			`{"resourceType":"GuidanceResponse","status":"success","moduleUri":"https://example.org/a","note":[{}]}`, `missing required field "text"`},
		{"bad authored", "authored is a dateTime",
			`{"resourceType":"QuestionnaireResponse","status":"completed","authored":"yesterday"}`, "expected datetime"},
		{"bad contained", "a contained resource is checked on its own, as check does",
			`{"resourceType":"QuestionnaireResponse","status":"in-progress","questionnaire":"#q","contained":[{"resourceType":"Questionnaire","id":"q"}]}`, `contained[0]: error at "Questionnaire": missing required field "status"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := o.check([]byte(tc.resource))
			if tc.wantErr == "" {
				assert.NoError(t, err, tc.reason)
				return
			}
			require.Error(t, err, tc.reason)
			assert.Contains(t, err.Error(), tc.wantErr, tc.reason)
		})
	}
}

// TestInvariantsAreR4s compares check.js's invariant table, as published,
// with the FHIRPath constraints google/fhir/go's R4 protos carry for the
// Questionnaire, its items and their enableWhen, so a typo in the table, or
// an invariant left out, fails here.
func TestInvariantsAreR4s(t *testing.T) {
	out, code := runCheck(t, "--invariants")
	require.Zero(t, code)
	var table []struct{ Key, Context, Published, Expression string }
	require.NoError(t, json.Unmarshal(out, &table))
	got := map[string][]string{}
	for _, inv := range table {
		got[inv.Context] = append(got[inv.Context], inv.Published)
	}
	md := (&qpb.Questionnaire{}).ProtoReflect().Descriptor()
	item := md.Messages().ByName("Item")
	want := map[string][]string{
		"Questionnaire":                 constraints(md),
		"Questionnaire.item":            constraints(item),
		"Questionnaire.item.enableWhen": constraints(item.Messages().ByName("EnableWhen")),
	}
	for ctx := range want {
		sort.Strings(want[ctx])
		sort.Strings(got[ctx])
	}
	assert.Equal(t, want, got)
	assert.Len(t, table, 13)
}

// constraints returns the FHIRPath constraints of a message.
func constraints(md protoreflect.MessageDescriptor) []string {
	return slices.Clone(proto.GetExtension(md.Options(), apb.E_FhirPathMessageConstraint).([]string))
}

// TestInvariantChecksCanFail runs check.js on a Questionnaire that breaks
// every invariant R4 lets it break, each on an item of its own, and expects
// each invariant to fail on exactly that item.
func TestInvariantChecksCanFail(t *testing.T) {
	require.NoError(t, newR4(t).check([]byte(brokenQuestionnaire)),
		"the parser checks no invariant, which is why check.js does")
	var q map[string]any
	require.NoError(t, json.Unmarshal([]byte(brokenQuestionnaire), &q))
	in := map[string]any{"questionnaires": []any{map[string]any{"name": "broken", "resource": q}}}
	r, code := check(t, in)
	assert.Equal(t, 1, code, "check.js exits 1 on a failure")
	require.Len(t, r.Invariants, 1)
	var got []string
	for _, f := range r.Invariants[0].Failures {
		got = append(got, f.Invariant+" "+f.LinkID)
	}
	sort.Strings(got)
	assert.Equal(t, []string{
		"que-1 empty-group", "que-1 parent-display",
		"que-10 choice-maxlength",
		"que-11 option-initial",
		"que-12 two-conditions",
		"que-13 many-initial",
		"que-2 (resource)",
		"que-3 coded-display",
		"que-4 option-and-valueset",
		"que-5 boolean-options",
		"que-6 repeating-display",
		"que-7 exists-integer enableWhen[0]",
		"que-8 group-initial",
		"que-9 readonly-display",
	}, got)
}

// brokenQuestionnaire breaks que-1 ... que-13, one item each (que-2 by a
// repeated linkId), and is otherwise valid R4.
const brokenQuestionnaire = `{"resourceType": "Questionnaire", "status": "draft", "item": [
 {"linkId": "empty-group", "type": "group"},
 {"linkId": "parent-display", "type": "display", "text": "x", "item": [{"linkId": "child", "type": "boolean"}]},
 {"linkId": "coded-display", "type": "display", "text": "x", "code": [{"code": "c"}]},
 {"linkId": "option-and-valueset", "type": "choice", "answerValueSet": "https://example.org/vs", "answerOption": [{"valueCoding": {"code": "a"}}]},
 {"linkId": "boolean-options", "type": "boolean", "answerOption": [{"valueCoding": {"code": "a"}}]},
 {"linkId": "repeating-display", "type": "display", "text": "x", "repeats": true},
 {"linkId": "exists-integer", "type": "boolean", "enableWhen": [{"question": "child", "operator": "exists", "answerInteger": 1}]},
 {"linkId": "group-initial", "type": "group", "item": [{"linkId": "g1", "type": "boolean"}], "initial": [{"valueBoolean": true}]},
 {"linkId": "readonly-display", "type": "display", "text": "x", "readOnly": true},
 {"linkId": "choice-maxlength", "type": "choice", "maxLength": 3, "answerOption": [{"valueCoding": {"code": "a"}}]},
 {"linkId": "option-initial", "type": "choice", "answerOption": [{"valueCoding": {"code": "a"}}], "initial": [{"valueCoding": {"code": "a"}}]},
 {"linkId": "two-conditions", "type": "boolean", "enableWhen": [
   {"question": "child", "operator": "exists", "answerBoolean": true},
   {"question": "g1", "operator": "exists", "answerBoolean": true}]},
 {"linkId": "many-initial", "type": "integer", "initial": [{"valueInteger": 1}, {"valueInteger": 2}]},
 {"linkId": "child", "type": "string", "text": "the repeated linkId"}
]}`
