package compile

import (
	"testing"

	"cel.dev/cel-go/cel"
	"github.com/stretchr/testify/require"
)

// TestPinnedCELMessages fails, naming the message, when a cel-go upgrade
// changes a message that celmsg.go reads: without it, unknown questions
// would silently lose their plain wording and "did you mean".
func TestPinnedCELMessages(t *testing.T) {
	env, err := cel.NewEnv(cel.Variable("fever", cel.BoolType))
	require.NoError(t, err)
	_, iss := env.Compile("fevr")
	require.Error(t, iss.Err())
	msg := iss.Errors()[0].Message
	name, ok := undeclaredReference(msg)
	require.True(t, ok, "cel-go's undeclared-reference message changed; update celmsg.go. It is now: %q", msg)
	require.Equal(t, "fevr", name, "cel-go's undeclared-reference message changed; update celmsg.go. It is now: %q", msg)
}
