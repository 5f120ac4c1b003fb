// Package jsontree reads JSON strictly, for the packages that take health
// data from outside (fhir, cdshooks): one value, no duplicate keys, bounded
// nesting, and every value kept with its byte offset, so that a problem
// can be reported at its line and column. Keys keep their case and order;
// callers decide which keys they know.
package jsontree
