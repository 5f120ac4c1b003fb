// Package rules holds redflag's default rule set: red flags for people who
// self-adjust ("pop") their upper back, encoded from two public articles on
// the subject. Load it with triage.Load(rules.FS).
//
// The rule set supports triage; it is not a diagnosis.
package rules

import "embed"

// FS holds the default rule set as YAML rule files; its root holds the rule
// files.
//
//go:embed *.yaml
var FS embed.FS
