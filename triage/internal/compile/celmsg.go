package compile

import "regexp"

// This file is the one place that reads cel-go's error texts. Each pattern
// is pinned by TestPinnedCELMessages, which fails, naming the message, when
// a cel-go upgrade changes it.

// undeclaredRef matches cel-go's checker message for an unknown variable.
var undeclaredRef = regexp.MustCompile(`^undeclared reference to '([^']*)'`)

// undeclaredReference returns the name in an "undeclared reference"
// message.
func undeclaredReference(msg string) (string, bool) {
	m := undeclaredRef.FindStringSubmatch(msg)
	if m == nil {
		return "", false
	}
	return m[1], true
}
