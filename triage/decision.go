package triage

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// Decision is what one evaluation decided, for an audit log or a trace: which
// rule set decided, what, why, and over which answers. It holds no answer,
// only AnswersDigest, so it carries no health data.
//
// A Decision for a failed evaluation has Err set, no Outcome (the zero
// value) and no rule or question ids: an error is never a verdict, and the
// log says so instead of leaving the evaluation out.
type Decision struct {
	// RuleSet is the rule set that decided: name, version, title and
	// content hash.
	RuleSet RuleSetInfo
	// Outcome is the verdict's outcome; zero when Err is set.
	Outcome Outcome
	// Refer and Caution are the ids of the refer and caution rules that
	// fired, in reporting order (Verdict.Reasons). Never nil unless Err is
	// set.
	Refer, Caution []string
	// Missing is Verdict.Missing: the questions still needed for an
	// incomplete verdict. Never nil unless Err is set.
	Missing []string
	// AnswersDigest is "sha256:" and the hexadecimal SHA-256 of the
	// validated answers in canonical JSON (docs/library.md shows how to
	// recompute it from stored answers); "" when the answers were refused.
	AnswersDigest string
	// Duration is how long the evaluation took, from the call to its
	// return (for Explain, including the explanation).
	Duration time.Duration
	// Err is the error the evaluation returned, if any.
	Err error
}

// WithDecisionHook sets a function the Engine calls once per evaluation,
// with the caller's context and the Decision: once per call of Evaluate,
// Next (which runs Evaluate's pass: one call, whose Decision is that of
// the verdict Next is read from) and Explain, failed evaluations included.
//
// The hook runs synchronously on the evaluating goroutine, before the call
// returns, and concurrently for concurrent evaluations: it must be safe for
// concurrent use and quick (hand the Decision to a queue, a logger or a
// tracer; do not write to a slow disk from it). The Decision's slices are
// the hook's to keep. A nil hook sets none.
//
// Without a hook an evaluation costs exactly what it did before: no clock
// reading, no digest, no allocation.
func WithDecisionHook(hook func(context.Context, Decision)) Option {
	return func(o *options) error {
		o.hook = hook
		return nil
	}
}

// decide builds the Decision of an evaluation that started at start and
// calls the hook with it. validated reports that the answers passed
// validation, so that given holds them.
func (e *Engine) decide(ctx context.Context, start time.Time, validated bool, given []any, v *Verdict, err error) {
	d := Decision{RuleSet: e.info}
	if validated {
		d.AnswersDigest = e.answersDigest(given)
	}
	if err != nil {
		d.Err = err
	} else {
		d.Outcome = v.Outcome
		d.Refer, d.Caution = []string{}, []string{}
		for _, r := range v.Reasons {
			if r.Action == Refer {
				d.Refer = append(d.Refer, r.RuleID)
			} else {
				d.Caution = append(d.Caution, r.RuleID)
			}
		}
		d.Missing = slices.Clone(v.Missing)
	}
	d.Duration = time.Since(start)
	e.hook(ctx, d)
}

// answersDigest is the digest of the validated answers in given: the
// SHA-256 of the JSON object of every answered question, keys sorted, each
// value in its normal form (bool, whole number, float64, string, and a
// multichoice list sorted), written as encoding/json writes it with HTML
// escaping off, without the final newline. (TestDecisionDigestIsJSON holds
// it to encoding/json.)
func (e *Engine) answersDigest(given []any) string {
	b := make([]byte, 0, 512)
	b = append(b, '{')
	first := true
	for _, qi := range e.byID {
		v := given[qi]
		if v == nil {
			continue
		}
		if !first {
			b = append(b, ',')
		}
		first = false
		q := &e.questions[qi].Question
		b = appendJSONString(b, q.ID)
		b = append(b, ':')
		switch x := evidenceValue(q, v).(type) {
		case bool:
			b = strconv.AppendBool(b, x)
		case int64:
			b = strconv.AppendInt(b, x, 10)
		case float64:
			b = appendJSONFloat(b, x)
		case string:
			b = appendJSONString(b, x)
		case []string:
			slices.Sort(x) // evidenceValue returns a copy
			b = append(b, '[')
			for i, item := range x {
				if i > 0 {
					b = append(b, ',')
				}
				b = appendJSONString(b, item)
			}
			b = append(b, ']')
		}
	}
	b = append(b, '}')
	sum := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(sum[:])
}

// appendJSONString appends s as encoding/json writes it with HTML escaping
// off: plain text as it is, anything else through encoding/json itself.
func appendJSONString(b []byte, s string) []byte {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c < 0x20 || c == '"' || c == '\\' || c >= utf8.RuneSelf {
			var buf bytes.Buffer
			enc := json.NewEncoder(&buf)
			enc.SetEscapeHTML(false)
			_ = enc.Encode(s) // a string always encodes
			return append(b, bytes.TrimSuffix(buf.Bytes(), []byte("\n"))...)
		}
	}
	b = append(b, '"')
	b = append(b, s...)
	return append(b, '"')
}

// appendJSONFloat appends a finite f as encoding/json writes a float64:
// the shortest form that reads back as f, with an exponent only below
// 1e-6 or from 1e21 on (as JavaScript writes numbers).
func appendJSONFloat(b []byte, f float64) []byte {
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// Clean up e-09 to e-9, as encoding/json does.
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}
