package triage_test

import (
	"go/ast"
	"go/doc"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// maxExported is the most exported identifiers package triage may have:
// types, functions, methods, constants and variables, but not struct
// fields, nor methods that implement standard interfaces. Raising it is a
// decision about the public API, to be made on purpose, not by drift.
const maxExported = 60

// standardMethods implement interfaces of the standard library; they are
// part of what a type is, not extra surface.
var standardMethods = []string{"String", "Error", "Unwrap", "MarshalText", "UnmarshalText", "MarshalJSON", "UnmarshalJSON", "Format", "Is", "As"}

// exportedNames lists package triage's exported identifiers, as go doc
// shows them.
func exportedNames(t *testing.T) []string {
	t.Helper()
	fset := token.NewFileSet()
	paths, err := filepath.Glob("*.go")
	require.NoError(t, err)
	var files []*ast.File
	for _, p := range paths {
		if strings.HasSuffix(p, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, p, nil, parser.ParseComments)
		require.NoError(t, err)
		files = append(files, f)
	}
	d, err := doc.NewFromFiles(fset, files, "github.com/redflagkit/redflag/triage")
	require.NoError(t, err)
	var names []string
	for _, v := range append(d.Consts, d.Vars...) {
		names = append(names, v.Names...)
	}
	for _, f := range d.Funcs {
		names = append(names, f.Name)
	}
	for _, typ := range d.Types {
		names = append(names, typ.Name)
		for _, v := range append(typ.Consts, typ.Vars...) {
			names = append(names, v.Names...)
		}
		for _, f := range typ.Funcs {
			names = append(names, f.Name)
		}
		for _, m := range typ.Methods {
			if ast.IsExported(m.Name) && !slices.Contains(standardMethods, m.Name) {
				names = append(names, typ.Name+"."+m.Name)
			}
		}
	}
	slices.Sort(names)
	return names
}

func TestExportedSurface(t *testing.T) {
	names := exportedNames(t)
	assert.LessOrEqual(t, len(names), maxExported,
		"package triage exports %d names, more than the %d decided on: %s", len(names), maxExported, strings.Join(names, " "))
	assert.Contains(t, names, "Engine.Evaluate", "the count sees methods")
	assert.NotContains(t, names, "Outcome.String", "standard-interface methods are not counted")
}
