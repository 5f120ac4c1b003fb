// Package ruleset answers, in one place, the questions every reader of a
// rule directory asks: which files are rule files, which are test-case
// files, which look like either but would be ignored, and how a file is
// read. Load, hot reload, the test runner, mutation testing and lint all
// ask it, so they cannot disagree.
package ruleset

import (
	"io/fs"
	"path"
	"strings"
)

// Problem is one problem with a file of the rule directory. Line and
// Column are 0 when it concerns the whole file.
type Problem struct {
	File         string
	Line, Column int
	Msg          string
	// Limit is set for a problem about an input over a limit (Limits),
	// which the caller reports as such.
	Limit bool
}

// IsRuleFile reports whether name is a rule file: *.yaml or *.yml, but not
// a test-case file, nor a hidden file (a name starting with "."), which
// editors and atomic writers use for temporary copies.
func IsRuleFile(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	ext := path.Ext(name)
	if ext != ".yaml" && ext != ".yml" {
		return false
	}
	return !strings.HasSuffix(strings.TrimSuffix(name, ext), "_test")
}

// IsTestFile reports whether name is a test-case file: *_test.yaml or
// *_test.yml, not hidden.
func IsTestFile(name string) bool {
	if strings.HasPrefix(name, ".") {
		return false
	}
	ext := path.Ext(name)
	return (ext == ".yaml" || ext == ".yml") && strings.HasSuffix(strings.TrimSuffix(name, ext), "_test")
}

// Stray reports YAML files that look like rule files (or, with tests,
// test files) but would not be loaded: in a subdirectory, or with an
// upper-case extension or _TEST suffix. Ignoring them silently could drop a
// red flag. Hidden directories and testdata are skipped.
func Stray(fsys fs.FS, tests bool) []Problem {
	var out []Problem
	_ = fs.WalkDir(fsys, ".", func(p string, de fs.DirEntry, err error) error {
		if err != nil || p == "." {
			return nil // unreadable parts were reported, or will be, by ReadDir
		}
		if de.IsDir() {
			if strings.HasPrefix(de.Name(), ".") || de.Name() == "testdata" {
				return fs.SkipDir
			}
			return nil
		}
		if msg := strayReason(p, tests); msg != "" {
			out = append(out, Problem{File: p, Msg: msg})
		}
		return nil
	})
	return out
}

// strayReason says why the file at p would not be loaded, or "" when it
// would be, or is not a YAML file of the kind asked about.
func strayReason(p string, tests bool) string {
	kind := "rule files"
	if tests {
		kind = "test files"
	}
	ext := path.Ext(p)
	lower := strings.ToLower(ext)
	base := strings.TrimSuffix(p, ext)
	if lower != ".yaml" && lower != ".yml" || strings.HasSuffix(strings.ToLower(base), "_test") != tests {
		return ""
	}
	switch {
	case path.Dir(p) != ".":
		return kind + " must be at the root of the rule set; this one is in a subdirectory and would not be loaded"
	case ext != lower:
		return kind + " must end in lower-case .yaml or .yml; rename it, or it is not loaded"
	case tests && !strings.HasSuffix(base, "_test"):
		return "test files must end in lower-case _test.yaml; rename it, or it is not loaded"
	}
	return ""
}
