package fhir_test

import (
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/triage"
)

// unknownItems is a response to f with n items of unknown linkIds, all at
// the top level or, with nested, each under the one before.
func unknownItems(f *fhir.Form, n int, nested bool) *fhir.QuestionnaireResponse {
	qr := &fhir.QuestionnaireResponse{Questionnaire: f.Canonical(), Status: "completed"}
	items := make([]fhir.AnswerItem, n)
	for i := range items {
		items[i] = fhir.AnswerItem{LinkID: fmt.Sprintf("x%d", i)}
	}
	if !nested {
		qr.Item = items
		return qr
	}
	for i := n - 1; i > 0; i-- {
		items[i-1].Item = []fhir.AnswerItem{items[i]}
	}
	qr.Item = items[:1]
	return qr
}

// TestResponseItemBound: a response with more items than the questionnaire
// has linkIds cannot be valid (each appears at most once), so it is refused
// with one limit error before any item is read, however deep the items
// are; a response within the bound is read item by item as before.
func TestResponseItemBound(t *testing.T) {
	f := defaultForm(t)
	linkIDs := len(f.Questionnaire().Item) + countHelp(f.Questionnaire().Item)
	cases := []struct {
		name, reason string
		qr           *fhir.QuestionnaireResponse
		wantOne      bool
	}{
		{"30,000 unknown", "the reviewer's 649 KB response", unknownItems(f, 30000, false), true},
		{"nested", "items under items count too", unknownItems(f, linkIDs+1, true), true},
		{"one over", "one more item than the questionnaire has linkIds", unknownItems(f, linkIDs+1, false), true},
		{"at the bound", "as many items as linkIds is read, each error named", unknownItems(f, linkIDs, false), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := f.Answers(c.qr)
			require.Error(t, err, c.reason)
			var list triage.AnswerErrors
			require.True(t, errors.As(err, &list), c.reason)
			if !c.wantOne {
				assert.Equal(t, linkIDs, len(list), c.reason)
				assert.False(t, errors.Is(err, triage.ErrLimit), c.reason)
				return
			}
			require.Equal(t, 1, len(list), c.reason)
			assert.True(t, errors.Is(err, triage.ErrLimit), "%s: a limit error", c.reason)
			assert.True(t, errors.Is(err, triage.ErrInvalidAnswers), "%s: and the client's fault", c.reason)
			assert.Contains(t, list[0].Msg, "more items than", c.reason)
			oo := fhir.NewOperationOutcome(err)
			require.Equal(t, 1, len(oo.Issue), c.reason)
			assert.Equal(t, "too-costly", oo.Issue[0].Code, c.reason)
		})
	}
	_, err := f.NextQuestion(t.Context(), unknownItems(f, 30000, false))
	assert.True(t, errors.Is(err, triage.ErrLimit), "$next-question reads under the same bound")
}

// countHelp counts the help display items under items.
func countHelp(items []fhir.Item) int {
	n := 0
	for _, it := range items {
		n += len(it.Item)
	}
	return n
}

// TestOperationOutcomeIssueCap: an error with many problems becomes the
// first twenty issues and one that says how many more there are.
func TestOperationOutcomeIssueCap(t *testing.T) {
	cases := []struct {
		name, reason string
		n, want      int
	}{
		{"few", "under the cap, one issue per problem", 3, 3},
		{"at the cap", "twenty problems, twenty issues", 20, 20},
		{"one over", "the twenty-first is summed up", 21, 21},
		{"many", "5,000 problems, twenty-one issues", 5000, 21},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var list triage.AnswerErrors
			for i := range c.n {
				list = append(list, &triage.AnswerError{Question: fmt.Sprintf("q%d", i), Msg: "no item of this questionnaire has this linkId"})
			}
			oo := fhir.NewOperationOutcome(list)
			require.Equal(t, c.want, len(oo.Issue), c.reason)
			assert.Equal(t, []string{"QuestionnaireResponse.repeat(item).where(linkId='q0')"}, oo.Issue[0].Expression)
			if c.n > 20 {
				last := oo.Issue[20]
				assert.Equal(t, "error", last.Severity)
				assert.Contains(t, last.Details.Text, fmt.Sprintf("and %d more", c.n-20), c.reason)
				assert.Empty(t, last.Expression, c.reason)
			}
		})
	}
}
