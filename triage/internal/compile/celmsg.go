package compile

import (
	"regexp"
	"strings"
)

// This file is the one place that reads cel-go's error texts. Each pattern
// is pinned by TestPinnedCELMessages, which fails, naming the message, when
// a cel-go upgrade changes it.

// undeclaredRef matches cel-go's checker message for an unknown variable
// or function.
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

// noOverloadRe matches cel-go's checker message for an operator or function
// applied to arguments of the wrong types.
var noOverloadRe = regexp.MustCompile(`^found no matching overload for '([^']*)' applied to '\((.*)\)'$`)

// noOverload returns the function ("_>_", "@in", "size") and the argument
// types ("int", "list(string)") of a "no matching overload" message.
func noOverload(msg string) (fn string, args []string, ok bool) {
	m := noOverloadRe.FindStringSubmatch(msg)
	if m == nil {
		return "", nil, false
	}
	return m[1], splitTypes(m[2]), true
}

// splitTypes splits "int, map(string, int)" at the commas outside
// parentheses.
func splitTypes(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, r := range s {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, strings.TrimSpace(s[start:i]))
				start = i + 1
			}
		}
	}
	return append(out, strings.TrimSpace(s[start:]))
}

// tooDeepRe matches cel-go's parser messages for a condition nested
// beyond the recursion limit: the first from its current parsers, the
// second from its ANTLR visitor.
var tooDeepRe = regexp.MustCompile(`^(?:expression recursion limit exceeded: \d+|max recursion depth exceeded)$`)

// tooDeep reports whether a cel-go syntax error is about nesting beyond
// the recursion limit (Limits.Nesting).
func tooDeep(msg string) bool { return tooDeepRe.MatchString(msg) }

// syntaxSlip is what a cel-go syntax error is about, as far as a hint goes.
type syntaxSlip int

const (
	otherSyntax       syntaxSlip = iota
	unknownToken                 // a character CEL has no token for: = alone, & alone
	unexpectedToken              // a token where it does not fit
	missingCloseParen            // a ( never closed
)

var (
	tokenRecognitionRe = regexp.MustCompile(`^Syntax error: token recognition error at: '(.*)'$`)
	unexpectedInputRe  = regexp.MustCompile(`^Syntax error: (?:mismatched|extraneous) input '(.*)' expecting `)
	missingParenRe     = regexp.MustCompile(`^Syntax error: missing '\)' at `)
)

// endOfInput is how cel-go names the end of the condition in a syntax
// error.
const endOfInput = "<EOF>"

// syntaxError classifies a cel-go syntax error and returns the token it
// names ("= ", "and", "<EOF>"), if any.
func syntaxError(msg string) (syntaxSlip, string) {
	if m := tokenRecognitionRe.FindStringSubmatch(msg); m != nil {
		return unknownToken, m[1]
	}
	if m := unexpectedInputRe.FindStringSubmatch(msg); m != nil {
		return unexpectedToken, m[1]
	}
	if missingParenRe.MatchString(msg) {
		return missingCloseParen, ""
	}
	return otherSyntax, ""
}
