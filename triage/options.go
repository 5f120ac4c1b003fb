package triage

import (
	"context"
	"fmt"

	"github.com/redflagkit/redflag/triage/internal/ruleset"
)

// Option configures Load. Options are applied in order; an option with an
// invalid value makes Load fail.
type Option func(*options) error

// Limits bound what a rule set and an answers set may cost, so that a
// client that sends a 100 MB answers document, or a rule directory that
// fills up with junk, gets a clear error instead of a service that swaps.
// The defaults are far above what a questionnaire needs and far below what
// could hurt a service. A zero field keeps its default.
//
// An input over a limit is refused with an error that wraps ErrLimit and
// names the field that raises it.
type Limits struct {
	// RuleFiles bounds the number of rule files in a rule set. Default
	// 256.
	RuleFiles int
	// RuleFileSize bounds one rule file, in bytes; all of them together may
	// hold four times as much. Default 1 MiB (the default rule set's
	// largest file is about 6 KB).
	RuleFileSize int
	// Rules bounds the rules of a rule set. It also bounds the CEL that
	// Load compiles: all conditions together (every when and ask_if) may
	// hold 64 code points per rule allowed. Both are checked before any
	// condition is compiled, so the largest rule set allowed by default
	// loads in about a second. Default 500 (the default rule set has 20
	// rules and 356 code points of CEL).
	Rules int
	// ExpressionLength bounds one CEL condition, in code points. Default
	// 4,096.
	ExpressionLength int
	// Nesting bounds how deeply a CEL condition may nest. Default 32.
	Nesting int
	// Cost bounds both the estimated worst-case cost of every condition at
	// load time and the actual cost of each evaluation at run time, in CEL
	// cost units (roughly one per operation). Default 10,000.
	Cost uint64
	// AnswersSize bounds an answers document read by
	// Engine.DecodeAnswers, in bytes. Default 64 KiB (the default rule
	// set's complete answers take about 600 bytes).
	AnswersSize int
	// Answers bounds the answers in one answers set; a questionnaire may
	// not have more questions. Default 1,000.
	Answers int
	// StringLength bounds each string in an answers set (a choice, a
	// multichoice item, a question id), in bytes; no choice may be longer.
	// Default 1,024.
	StringLength int
	// ListLength bounds the items of a multichoice answer; no question may
	// have more choices. Default 256.
	ListLength int
}

// defaultLimits are the limits a zero Limits field stands for.
var defaultLimits = Limits{
	RuleFiles:        ruleset.DefaultFiles,
	RuleFileSize:     ruleset.DefaultFileSize,
	Rules:            500,
	ExpressionLength: 4_096,
	Nesting:          32,
	Cost:             10_000,
	AnswersSize:      64 << 10,
	Answers:          1_000,
	StringLength:     1_024,
	ListLength:       256,
}

// WithLimits sets the limits Load applies to the rule set, and the Engine
// to answers. Zero fields keep their defaults; a negative one makes Load
// fail.
func WithLimits(l Limits) Option {
	return func(o *options) error {
		// In field order, so the error names the same field every time.
		for _, f := range []struct {
			name string
			v    int
		}{
			{"RuleFiles", l.RuleFiles}, {"RuleFileSize", l.RuleFileSize}, {"Rules", l.Rules},
			{"ExpressionLength", l.ExpressionLength}, {"Nesting", l.Nesting}, {"AnswersSize", l.AnswersSize},
			{"Answers", l.Answers}, {"StringLength", l.StringLength}, {"ListLength", l.ListLength},
		} {
			if f.v < 0 {
				return fmt.Errorf("triage: WithLimits: Limits.%s is %d; a limit must be positive, or 0 for its default", f.name, f.v)
			}
		}
		o.limits = l.withDefaults()
		return nil
	}
}

// withDefaults fills the zero fields of l with their defaults.
func (l Limits) withDefaults() Limits {
	d := defaultLimits
	l.RuleFiles = cmpOr(l.RuleFiles, d.RuleFiles)
	l.RuleFileSize = cmpOr(l.RuleFileSize, d.RuleFileSize)
	l.Rules = cmpOr(l.Rules, d.Rules)
	l.ExpressionLength = cmpOr(l.ExpressionLength, d.ExpressionLength)
	l.Nesting = cmpOr(l.Nesting, d.Nesting)
	l.Cost = cmpOr(l.Cost, d.Cost)
	l.AnswersSize = cmpOr(l.AnswersSize, d.AnswersSize)
	l.Answers = cmpOr(l.Answers, d.Answers)
	l.StringLength = cmpOr(l.StringLength, d.StringLength)
	l.ListLength = cmpOr(l.ListLength, d.ListLength)
	return l
}

func cmpOr[T int | uint64](v, def T) T {
	if v == 0 {
		return def
	}
	return v
}

type options struct {
	limits Limits // every field set
	hook   func(context.Context, Decision)
}

func defaultOptions() options { return options{limits: defaultLimits} }

// fileLimits are the limits on reading the rule directory.
func (o *options) fileLimits() ruleset.Limits {
	return ruleset.Limits{Files: o.limits.RuleFiles, FileSize: o.limits.RuleFileSize}
}

// answerLimits are the limits on answers.
func (o *options) answerLimits() answerLimits {
	l := &o.limits
	return answerLimits{size: l.AnswersSize, answers: l.Answers, str: l.StringLength, list: l.ListLength}
}
