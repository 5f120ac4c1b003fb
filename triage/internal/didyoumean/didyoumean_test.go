package didyoumean

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestSuggest(t *testing.T) {
	known := []string{"when", "action", "advice", "boolean", "integer"}
	tests := []struct {
		in, want, reason string
	}{
		{"wehn", "when", "a transposition is one edit"},
		{"acton", "action", "a dropped letter"},
		{"bool", "boolean", "a prefix of a known name"},
		{"zzz", "", "nothing close"},
		{"", "", "an empty name suggests nothing"},
		{"advise", "advice", "one substitution"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Suggest(tt.in, known), "%q: %s", tt.in, tt.reason)
	}
}

func TestDistance(t *testing.T) {
	assert.Equal(t, 0, Distance("fièvre", "fièvre"))
	assert.Equal(t, 1, Distance("fièvre", "fievre"), "counted in code points, not bytes")
	assert.Equal(t, 3, Distance("", "abc"))
}
