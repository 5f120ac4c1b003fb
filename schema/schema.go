// Package schema holds the JSON Schemas of redflag's rule files and
// test-case files, for editors (through yaml-language-server modelines).
// They are embedded so that "redflag init" can write them beside a new
// rule set without a clone of the repository.
package schema

import "embed"

// FS holds rules.schema.json and tests.schema.json.
//
//go:embed rules.schema.json tests.schema.json
var FS embed.FS
