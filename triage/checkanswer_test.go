package triage_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

func TestCheckAnswer(t *testing.T) {
	eng := mustLoad(t, demoFS())
	tests := []struct {
		id     string
		value  any
		ok     bool
		reason string
	}{
		{"fever", true, true, "a boolean answers a boolean question"},
		{"fever", nil, true, "nil is unanswered, which is always allowed"},
		{"fever", "yes", false, "a string is not a boolean"},
		{"temp", 37.5, true, "in range"},
		{"temp", 50.0, false, "above the maximum"},
		{"relief", int64(3), true, "an integer"},
		{"relief", 3.5, false, "not a whole number"},
		{"side", "left", true, "one of the choices"},
		{"side", "up", false, "not one of the choices"},
		{"where", []string{}, true, "an empty list is \"none of these\""},
		{"where", []string{"arms", "arms"}, false, "a choice listed twice"},
		{"fevr", true, false, "not a question"},
	}
	for _, tt := range tests {
		err := eng.CheckAnswer(tt.id, tt.value)
		if tt.ok {
			assert.NoError(t, err, "%s=%v: %s", tt.id, tt.value, tt.reason)
			continue
		}
		var aerrs triage.AnswerErrors
		require.ErrorAs(t, err, &aerrs, "%s=%v: %s", tt.id, tt.value, tt.reason)
		require.Len(t, aerrs, 1)
		assert.Equal(t, tt.id, aerrs[0].Question, tt.reason)
		assert.ErrorIs(t, err, triage.ErrInvalidAnswers)
	}
}
