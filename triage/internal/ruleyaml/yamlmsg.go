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
