package triage

import (
	"fmt"
	"time"
)

// Default limits. They are far above what clinical rules need and far below
// what could hurt a service.
const (
	// DefaultCostLimit bounds both the estimated cost of every condition at
	// load time and the actual cost of each evaluation at run time, in CEL
	// cost units (roughly, one unit per operation).
	DefaultCostLimit = 10_000
	// DefaultMaxExpressionLength bounds the length of one CEL condition, in
	// code points.
	DefaultMaxExpressionLength = 4_096
	// DefaultMaxNesting bounds how deeply a CEL condition may nest.
	DefaultMaxNesting = 32
)

// Option configures Load. Options are applied in order; an option with an
// invalid value makes Load fail.
type Option func(*options) error

type options struct {
	costLimit     uint64
	maxExprLength int
	maxNesting    int
	// Input limits; see limits.go.
	answers         answerLimits
	maxRuleFileSize int
	maxRuleFiles    int
	maxRules        int
	// Watch only; see watch.go.
	pollInterval  time.Duration
	onReloadError func(error)
	onReload      func(*Engine)
}

func defaultOptions() options {
	return options{
		costLimit:     DefaultCostLimit,
		maxExprLength: DefaultMaxExpressionLength,
		maxNesting:    DefaultMaxNesting,

		answers:         defaultAnswerLimits(),
		maxRuleFileSize: DefaultMaxRuleFileSize,
		maxRuleFiles:    DefaultMaxRuleFiles,
		maxRules:        defaultMaxRules,
		pollInterval:    DefaultPollInterval,
	}
}

// WithCostLimit sets the CEL cost limit: a condition whose estimated
// worst-case cost exceeds it does not load, and an evaluation that exceeds it
// at run time fails with an error (never a verdict).
func WithCostLimit(limit uint64) Option {
	return func(o *options) error {
		if limit == 0 {
			return fmt.Errorf("triage: WithCostLimit: limit must be positive")
		}
		o.costLimit = limit
		return nil
	}
}

// WithMaxExpressionLength sets the longest CEL condition accepted, in code
// points.
func WithMaxExpressionLength(n int) Option {
	return func(o *options) error {
		if n <= 0 {
			return fmt.Errorf("triage: WithMaxExpressionLength: length must be positive")
		}
		o.maxExprLength = n
		return nil
	}
}

// WithMaxNesting sets how deeply a CEL condition may nest (parentheses,
// calls, lists).
func WithMaxNesting(n int) Option {
	return func(o *options) error {
		if n <= 0 {
			return fmt.Errorf("triage: WithMaxNesting: depth must be positive")
		}
		o.maxNesting = n
		return nil
	}
}
