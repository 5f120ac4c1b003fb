// Package jsonl holds what "redflag check --jsonl" and "redflag diff
// --jsonl" share with redflag-beam (module beam/), so that the two cannot
// drift apart:
//
//   - the line rules: a line ends with LF or CRLF, the last line may lack
//     one, a line over the limit is an error whose bytes are skipped as
//     they are read, a carriage return that ends no line is an error (old
//     Mac line endings), and so is an empty line (Reader, Line);
//   - one line's evaluation and its JSON result, full, compact or error
//     (Eval, Result, CompactResult);
//   - diff's change, error and summary lines (ChangeLine, DiffErrorLine,
//     Summary).
//
// The output shapes are a public format: a change here changes both
// commands' output, and their golden files and byte-for-byte comparisons
// must say so.
package jsonl
