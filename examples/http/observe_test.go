package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// observed runs the service with a decision log into a buffer and spans
// into an in-memory exporter.
func observed(t *testing.T) (*httptest.Server, *bytes.Buffer, *tracetest.InMemoryExporter) {
	t.Helper()
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	var logBuf bytes.Buffer
	obs := &observer{log: newDecisionLog(&logBuf), tracer: tp.Tracer(tracerName)}
	eng, err := triage.Load(rules.FS, obs.options()...)
	require.NoError(t, err)
	return serveEngine(t, eng, slog.New(slog.DiscardHandler)), &logBuf, exp
}

// attrs returns a span's attributes by key.
func attrs(s tracetest.SpanStub) map[attribute.Key]attribute.Value {
	m := map[attribute.Key]attribute.Value{}
	for _, kv := range s.Attributes {
		m[kv.Key] = kv.Value
	}
	return m
}

// decisionLines reads the decision log, one JSON object a line, strictly.
func decisionLines(t *testing.T, log string) []decisionLine {
	t.Helper()
	var out []decisionLine
	sc := bufio.NewScanner(strings.NewReader(log))
	for sc.Scan() {
		dec := json.NewDecoder(strings.NewReader(sc.Text()))
		dec.DisallowUnknownFields()
		var l decisionLine
		require.NoError(t, dec.Decode(&l), "line %q", sc.Text())
		out = append(out, l)
	}
	return out
}

func TestDecisionLogAndSpans(t *testing.T) {
	srv, logBuf, exp := observed(t)
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	info := eng.RuleSet()

	res := call(t, srv, "POST", "/triage", `{"fever": true, "pain_days": 2}`, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)

	spans := exp.GetSpans()
	require.Len(t, spans, 1, "one span per evaluation")
	s := spans[0]
	assert.Equal(t, "redflag.evaluate", s.Name)
	assert.Equal(t, tracerName, s.InstrumentationScope.Name)
	a := attrs(s)
	assert.Equal(t, "see_professional", a["redflag.outcome"].AsString())
	assert.Equal(t, info.Version, a["redflag.rule_set.version"].AsString())
	assert.Equal(t, info.Name, a["redflag.rule_set.name"].AsString())
	assert.Equal(t, info.Hash, a["redflag.rule_set.hash"].AsString())
	assert.Equal(t, []string{"fever"}, a["redflag.refer"].AsStringSlice())
	assert.Equal(t, []string{}, a["redflag.caution"].AsStringSlice())
	assert.Equal(t, codes.Unset, s.Status.Code)
	assert.False(t, s.EndTime.Before(s.StartTime))

	lines := decisionLines(t, logBuf.String())
	require.Len(t, lines, 1)
	l := lines[0]
	assert.Equal(t, "see_professional", l.Outcome)
	assert.Equal(t, []string{"fever"}, l.Refer)
	assert.Equal(t, info.Name, l.RuleSet)
	assert.Equal(t, info.Version, l.Version)
	assert.Equal(t, info.Hash, l.Hash)
	assert.Empty(t, l.Error)
	assert.Regexp(t, `^sha256:[0-9a-f]{64}$`, l.AnswersDigest)
	assert.WithinDuration(t, time.Now(), l.Time, time.Minute)
	assert.NotContains(t, logBuf.String(), "pain_days", "no answer in the log")

	// An incomplete verdict, through /next: its missing questions.
	exp.Reset()
	logBuf.Reset()
	res = call(t, srv, "POST", "/next", `{"answers": {}}`, nil)
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Len(t, exp.GetSpans(), 1)
	assert.Equal(t, "incomplete", attrs(exp.GetSpans()[0])["redflag.outcome"].AsString())
	assert.NotEmpty(t, attrs(exp.GetSpans()[0])["redflag.missing"].AsStringSlice())
	lines = decisionLines(t, logBuf.String())
	require.Len(t, lines, 1)
	assert.Equal(t, "incomplete", lines[0].Outcome)
	assert.NotEmpty(t, lines[0].Missing)
	assert.Equal(t, "sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a", lines[0].AnswersDigest, "SHA-256 of {}")
}

// A failed evaluation is logged and traced too, as an error kind: never
// the error's text, which quotes the answer.
func TestDecisionLogAndSpansOfFailures(t *testing.T) {
	srv, logBuf, exp := observed(t)
	res := call(t, srv, "POST", "/triage", `{"fever": "secret-value"}`, nil)
	require.Equal(t, http.StatusBadRequest, res.StatusCode)

	spans := exp.GetSpans()
	require.Len(t, spans, 1)
	a := attrs(spans[0])
	assert.Equal(t, codes.Error, spans[0].Status.Code)
	assert.Equal(t, "invalid_answers", a["redflag.error"].AsString())
	_, hasOutcome := a["redflag.outcome"]
	assert.False(t, hasOutcome, "an error is never a verdict")
	assert.Empty(t, spans[0].Events, "no recorded error text")

	lines := decisionLines(t, logBuf.String())
	require.Len(t, lines, 1)
	assert.Equal(t, "invalid_answers", lines[0].Error)
	assert.Empty(t, lines[0].Outcome)
	assert.Empty(t, lines[0].AnswersDigest, "refused answers have no digest")
	assert.NotContains(t, logBuf.String(), "secret-value")
}

// Without -decisions or -trace-stdout the engine gets no hook at all.
func TestNoObserverNoHook(t *testing.T) {
	assert.Nil(t, (&observer{}).options())
}

// syncBuffer is a bytes.Buffer safe for a writer and a reader at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// The flags: -decisions FILE appends a line per evaluation, and
// -trace-stdout writes the spans to stdout (flushed at shutdown).
func TestRunDecisionsAndTraceFlags(t *testing.T) {
	file := filepath.Join(t.TempDir(), "decisions.jsonl")
	var stdout, stderr syncBuffer
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"-addr", "127.0.0.1:0", "-decisions", file, "-trace-stdout"}, &stdout, &stderr)
	}()
	url := regexp.MustCompile(`url=(http://\S+)`)
	var base string
	require.Eventually(t, func() bool {
		m := url.FindStringSubmatch(stderr.String())
		if m != nil {
			base = m[1]
		}
		return m != nil
	}, 10*time.Second, 10*time.Millisecond, "the service did not start: %s", stderr.String())
	res, err := http.Post(base+"/triage", "application/json", strings.NewReader(`{"fever": true}`))
	require.NoError(t, err)
	res.Body.Close()
	require.Equal(t, http.StatusOK, res.StatusCode)
	cancel()
	require.NoError(t, <-done)

	data, err := os.ReadFile(file)
	require.NoError(t, err)
	lines := decisionLines(t, string(data))
	require.Len(t, lines, 1)
	assert.Equal(t, "see_professional", lines[0].Outcome)
	info, err := os.Stat(file)
	require.NoError(t, err)
	assert.Equal(t, os.FileMode(0o600), info.Mode().Perm(), "the log is the operator's alone")

	assert.Contains(t, stdout.String(), `"Name":"redflag.evaluate"`)
	assert.Contains(t, stdout.String(), `"Key":"redflag.outcome"`)
	assert.NotContains(t, stderr.String(), `"outcome"`, "no decision log on stderr unless -decisions -")
}

// testdata/decision.jsonl is the line docs/examples.md shows; it must stay
// a line the service writes.
func TestDocumentedDecisionLine(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "decision.jsonl"))
	require.NoError(t, err)
	lines := decisionLines(t, string(data))
	require.Len(t, lines, 1)
	eng, err := triage.Load(rules.FS)
	require.NoError(t, err)
	assert.Equal(t, eng.RuleSet().Hash, lines[0].Hash, "the documented line is of the embedded rule set as it is")
	assert.Equal(t, "see_professional", lines[0].Outcome)
}
