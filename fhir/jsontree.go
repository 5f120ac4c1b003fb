package fhir

import "github.com/redflagkit/redflag/internal/jsontree"

// The strict JSON reader is shared with package cdshooks.
type (
	node     = jsontree.Node
	posError = jsontree.Error
)

var (
	errAt     = jsontree.Errorf
	parseTree = jsontree.Parse
	lineCol   = jsontree.LineCol
	kindName  = jsontree.KindName
)
