package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/redflagkit/redflag/triage"
)

// tracerName names the example's tracer (its instrumentation scope).
const tracerName = "github.com/redflagkit/redflag/examples/http"

// observer turns the engine's Decisions into decision-log lines and
// OpenTelemetry spans. Its hook is installed only when one of them is
// asked for, so an example run without -decisions or -trace-stdout pays
// nothing for it.
type observer struct {
	log    *decisionLog // nil: no decision log
	tracer trace.Tracer // nil: no spans
}

// options returns the Load options for o: the decision hook, when o has
// anything to do.
func (o *observer) options() []triage.Option {
	if o.log == nil && o.tracer == nil {
		return nil
	}
	return []triage.Option{triage.WithDecisionHook(o.hook)}
}

// hook is the engine's decision hook: one log line and one span per
// evaluation. It carries no answer and no error text (an answers error
// quotes the answer): only what was decided, by which rules, and a
// digest of the answers.
func (o *observer) hook(ctx context.Context, d triage.Decision) {
	end := time.Now()
	if o.log != nil {
		o.log.write(end, d)
	}
	if o.tracer != nil {
		o.span(ctx, end, d)
	}
}

// span records the evaluation as a span of the request's trace, timed by
// the Decision's duration.
func (o *observer) span(ctx context.Context, end time.Time, d triage.Decision) {
	attrs := []attribute.KeyValue{
		attribute.String("redflag.rule_set.name", d.RuleSet.Name),
		attribute.String("redflag.rule_set.version", d.RuleSet.Version),
		attribute.String("redflag.rule_set.hash", d.RuleSet.Hash),
	}
	if d.Err == nil {
		attrs = append(attrs,
			attribute.String("redflag.outcome", d.Outcome.String()),
			attribute.StringSlice("redflag.refer", d.Refer),
			attribute.StringSlice("redflag.caution", d.Caution),
			attribute.StringSlice("redflag.missing", d.Missing),
		)
	}
	_, span := o.tracer.Start(ctx, "redflag.evaluate",
		trace.WithTimestamp(end.Add(-d.Duration)), trace.WithAttributes(attrs...), trace.WithSpanKind(trace.SpanKindInternal))
	if d.Err != nil {
		span.SetAttributes(attribute.String("redflag.error", errorKind(d.Err)))
		span.SetStatus(codes.Error, errorKind(d.Err))
	}
	span.End(trace.WithTimestamp(end))
}

// decisionLog writes one JSON line per Decision.
type decisionLog struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func newDecisionLog(w io.Writer) *decisionLog {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return &decisionLog{enc: enc}
}

// decisionLine is one line of the decision log. For a failed evaluation
// it has error (a kind, never the error's text) and no outcome.
type decisionLine struct {
	Time          time.Time `json:"time"`
	RuleSet       string    `json:"rule_set"`
	Version       string    `json:"version"`
	Hash          string    `json:"hash"`
	Outcome       string    `json:"outcome,omitempty"`
	Refer         []string  `json:"refer,omitempty"`
	Caution       []string  `json:"caution,omitempty"`
	Missing       []string  `json:"missing,omitempty"`
	AnswersDigest string    `json:"answers_digest,omitempty"`
	DurationUS    float64   `json:"duration_us"`
	Error         string    `json:"error,omitempty"`
}

func (l *decisionLog) write(at time.Time, d triage.Decision) {
	line := decisionLine{
		Time: at.UTC(), RuleSet: d.RuleSet.Name, Version: d.RuleSet.Version, Hash: d.RuleSet.Hash,
		Refer: d.Refer, Caution: d.Caution, Missing: d.Missing, AnswersDigest: d.AnswersDigest,
		DurationUS: float64(d.Duration.Nanoseconds()) / 1e3,
	}
	if d.Err != nil {
		line.Error = errorKind(d.Err)
	} else {
		line.Outcome = d.Outcome.String()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	_ = l.enc.Encode(line) // a log that cannot be written must not fail the request
}

// errorKind names the kind of an evaluation error without its text, which
// may quote an answer.
func errorKind(err error) string {
	var answers triage.AnswerErrors
	var eval *triage.EvalError
	switch {
	case errors.Is(err, triage.ErrLimit):
		return "limit"
	case errors.As(err, &answers):
		return "invalid_answers"
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.Is(err, context.DeadlineExceeded):
		return "deadline_exceeded"
	case errors.As(err, &eval):
		return "evaluation_failed"
	}
	return "error"
}
