package ruleyaml

import (
	"regexp"
	"strconv"
	"strings"
)

// This file is the one place that reads yaml.v3's error texts. Each form is
// pinned by TestPinnedYAMLMessages, which fails, naming the message, when
// an upgrade changes it.

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// yamlParserErr matches the problems yaml.v3's parser (not its scanner)
// reports. For those, the line in the message is 0-based and marks where
// the enclosing block or flow collection starts.
var yamlParserErr = regexp.MustCompile(`^(did not find expected|found duplicate|found incompatible|found undefined tag)`)

// splitYAMLError returns the problem a yaml.v3 syntax error describes and
// the 1-based line it names (0 when it names none). yaml.v3 names the line
// where the enclosing block starts, which the caller refines.
func splitYAMLError(err error) (problem string, line int) {
	text := err.Error()
	m := yamlLineErr.FindStringSubmatch(text)
	if m == nil {
		return strings.TrimPrefix(text, "yaml: "), 0
	}
	line, _ = strconv.Atoi(m[1])
	if yamlParserErr.MatchString(m[2]) {
		line++ // parser errors count lines from 0
	}
	return m[2], max(line, 1)
}

// syntaxKind is what a yaml.v3 syntax error is about, as far as finding
// its column and a hint goes.
type syntaxKind int

const (
	otherSyntax      syntaxKind = iota
	cannotStart                 // a character no YAML token starts with: @, `, %, a tab
	tabIndent                   // a tab in the indentation
	noLineBreak                 // more text after what should end the line
	badPropertyName             // & or * (anchor, alias) or ! (tag) without a proper name
	colonInValue                // ": " in a value, or a line indented more than its block
	indentMismatch              // a line indented less, or otherwise out of line with its block
	unclosedFlow                // a [ or { never closed
	unexpectedEnd               // the file ended inside something: an unclosed quote
	unknownEscape               // a backslash escape that double quotes do not know
	unknownAnchorRef            // *name where no &name was written
)

// syntaxKinds maps the start of each yaml.v3 problem this package
// explains to its kind.
var syntaxKinds = []struct {
	prefix string
	kind   syntaxKind
}{
	{"found character that cannot start any token", cannotStart},
	{"found a tab character that violates indentation", tabIndent},
	{"did not find expected comment or line break", noLineBreak},
	{"did not find expected alphabetic or numeric character", badPropertyName},
	{"mapping values are not allowed in this context", colonInValue},
	{"did not find expected '-' indicator", indentMismatch},
	{"did not find expected key", indentMismatch},
	{"could not find expected ':'", indentMismatch},
	{"did not find expected ',' or ']'", unclosedFlow},
	{"did not find expected ',' or '}'", unclosedFlow},
	{"found unexpected end of stream", unexpectedEnd},
	{"found unknown escape character", unknownEscape},
	{"unknown anchor '", unknownAnchorRef},
}

// classifySyntax returns the kind of a problem splitYAMLError returned.
func classifySyntax(problem string) syntaxKind {
	for _, k := range syntaxKinds {
		if strings.HasPrefix(problem, k.prefix) {
			return k.kind
		}
	}
	return otherSyntax
}
