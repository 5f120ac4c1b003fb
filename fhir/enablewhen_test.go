package fhir_test

import (
	"context"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/fhir"
	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/triage"
)

// r4Enabled is a small R4 enableWhen evaluator, written from the R4 text
// and independent of the export: "exists" compares whether an answer
// exists; "=" holds when at least one answer equals; "!=" when no answer
// equals (so it holds while the question is unanswered); the ordered
// operators when at least one answer compares so; an item with no
// enableWhen is enabled; enableBehavior all or any combines several.
func r4Enabled(t *testing.T, it fhir.Item, answers map[string][]fhir.Answer) bool {
	t.Helper()
	if len(it.EnableWhen) == 0 {
		return true
	}
	results := make([]bool, len(it.EnableWhen))
	for i, ew := range it.EnableWhen {
		results[i] = r4Condition(t, ew, answers[ew.Question])
	}
	if len(results) == 1 {
		return results[0]
	}
	require.Contains(t, []string{"all", "any"}, it.EnableBehavior, "que-12: enableBehavior with several enableWhen")
	if it.EnableBehavior == "all" {
		return !slices.Contains(results, false)
	}
	return slices.Contains(results, true)
}

func r4Condition(t *testing.T, ew fhir.EnableWhen, got []fhir.Answer) bool {
	t.Helper()
	if ew.Operator == "exists" {
		require.NotNil(t, ew.Answer.Boolean, "que-7: exists takes a boolean")
		return (len(got) > 0) == *ew.Answer.Boolean
	}
	any := func(pred func(c int) bool) bool {
		for _, a := range got {
			c, ok := compare(a.Value, ew.Answer)
			if ok && pred(c) {
				return true
			}
		}
		return false
	}
	switch ew.Operator {
	case "=":
		return any(func(c int) bool { return c == 0 })
	case "!=":
		return !any(func(c int) bool { return c == 0 })
	case "<":
		return any(func(c int) bool { return c < 0 })
	case "<=":
		return any(func(c int) bool { return c <= 0 })
	case ">":
		return any(func(c int) bool { return c > 0 })
	case ">=":
		return any(func(c int) bool { return c >= 0 })
	}
	t.Fatalf("unknown operator %q", ew.Operator)
	return false
}

// compare orders an answer against an enableWhen answer of the same type;
// ok is false when the types differ (then no operator but != holds). Codings
// are equal when system and code are; they have no order.
func compare(a, b fhir.Value) (int, bool) {
	switch {
	case a.Boolean != nil && b.Boolean != nil:
		if *a.Boolean == *b.Boolean {
			return 0, true
		}
		return 1, true
	case a.Coding != nil && b.Coding != nil:
		if a.Coding.System == b.Coding.System && a.Coding.Code == b.Coding.Code {
			return 0, true
		}
		return 1, true
	}
	x, okA := number(a)
	y, okB := number(b)
	if !okA || !okB {
		return 0, false
	}
	return x.Cmp(y), true
}

func number(v fhir.Value) (*big.Rat, bool) {
	switch {
	case v.Integer != nil:
		return new(big.Rat).SetInt64(*v.Integer), true
	case v.Decimal != nil:
		return new(big.Rat).SetString(string(*v.Decimal))
	}
	return nil, false
}

// TestEnableWhenAgreesWithAskIf checks, on random partial answers to the
// ask_if test set, that every exported enableWhen enables its item exactly
// when the engine says the question can be asked (Explain's Askable), and
// leaves it disabled when the engine says it is not applicable or waiting:
// the != trap, the negations, the flipped comparisons, all and any.
func TestEnableWhenAgreesWithAskIf(t *testing.T) {
	f := askifForm(t)
	eng := f.Engine()
	items := map[string]fhir.Item{}
	for _, it := range f.Questionnaire().Item {
		items[it.LinkID] = it
	}
	rng := rand.New(rand.NewPCG(13, 13))
	checked := map[string]map[bool]int{}
	for range 400 {
		a := gen.Answers(rng, eng.Questions(), rng.Float64())
		for k, v := range a {
			if _, ok := v.(bool); ok {
				a[k] = rng.IntN(2) == 0 // gen makes yes rare; here both are common
			}
		}
		qr, err := f.Response(a)
		require.NoError(t, err)
		byLink := map[string][]fhir.Answer{}
		for _, it := range qr.Item {
			byLink[it.LinkID] = it.Answer
		}
		for _, q := range eng.Questions() {
			it := items[q.ID]
			if len(it.EnableWhen) == 0 {
				continue
			}
			without := maps(a, q.ID)
			ex, err := eng.Explain(context.Background(), without)
			require.NoError(t, err)
			askable := slices.Contains(ex.Askable, q.ID)
			require.True(t, askable || slices.Contains(ex.NotApplicable, q.ID) || slices.Contains(ex.Waiting, q.ID))
			got := r4Enabled(t, it, byLink)
			assert.Equal(t, askable, got, "%s (ask_if %s) with answers %v", q.ID, q.AskIf, without)
			if checked[q.ID] == nil {
				checked[q.ID] = map[bool]int{}
			}
			checked[q.ID][got]++
		}
	}
	for id, c := range checked {
		assert.Positive(t, c[true], "%s was never enabled: the samples do not exercise it", id)
		assert.Positive(t, c[false], "%s was never disabled: the samples do not exercise it", id)
	}
	assert.Len(t, checked, 16, "every enableWhen item of the test set was checked")
}

// maps returns a copy of a without id.
func maps(a triage.Answers, id string) triage.Answers {
	out := triage.Answers{}
	for k, v := range a {
		if k != id {
			out[k] = v
		}
	}
	return out
}
