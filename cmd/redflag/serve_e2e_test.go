//go:build unix

package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/server"
	"github.com/redflagkit/redflag/triage"
)

// service is a running "redflag serve" and everything it has logged.
type service struct {
	cmd    *exec.Cmd
	url    string
	client *http.Client
	mu     sync.Mutex
	logs   bytes.Buffer
	done   chan struct{} // closed when its standard error ends
}

// startServe builds redflag into a temporary directory, starts "redflag
// serve" on a free port of 127.0.0.1 with args, and returns once it has
// logged the URL it serves at. client is the HTTP client to call it with.
func startServe(t *testing.T, client *http.Client, args ...string) *service {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "redflag")
	out, err := exec.Command("go", "build", "-o", bin, ".").CombinedOutput()
	require.NoError(t, err, "go build: %s", out)
	s := &service{cmd: exec.Command(bin, append([]string{"serve", "--addr", "127.0.0.1:0"}, args...)...), client: client, done: make(chan struct{})}
	stderr, err := s.cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, s.cmd.Start())
	t.Cleanup(func() { _ = s.cmd.Process.Kill() }) // only if a check failed before stop
	url := make(chan string, 1)
	go func() {
		defer close(s.done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			s.mu.Lock()
			s.logs.Write(append(sc.Bytes(), '\n'))
			s.mu.Unlock()
			var line struct{ Msg, URL string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == "serving" {
				url <- line.URL
			}
		}
	}()
	select {
	case s.url = <-url:
	case <-s.done:
		t.Fatalf("redflag serve exited before serving; its log:\n%s", s.log())
	case <-time.After(30 * time.Second):
		t.Fatalf("redflag serve did not log its address within 30 s; its log:\n%s", s.log())
	}
	return s
}

func (s *service) log() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.logs.String()
}

// do sends a request (with body as contentType when not "") and decodes
// the JSON response into out; it returns the status.
func (s *service) do(t *testing.T, method, path, contentType, body string, header http.Header, out any) int {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	require.NoError(t, err)
	for k, v := range header {
		req.Header[k] = v
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	res, err := s.client.Do(req)
	require.NoError(t, err)
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	require.NoError(t, err)
	if out != nil {
		require.NoError(t, json.Unmarshal(data, out), "%s %s: %s", method, path, data)
	}
	return res.StatusCode
}

// stop sends SIGTERM and requires a graceful shutdown: exit status 0.
func (s *service) stop(t *testing.T) {
	t.Helper()
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGTERM))
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		t.Fatalf("redflag serve did not stop within 20 s of SIGTERM; its log:\n%s", s.log())
	}
	require.NoError(t, s.cmd.Wait(), "a graceful shutdown exits 0; log:\n%s", s.log())
}

// copyRules writes the embedded rule set into a new directory.
func copyRules(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	files, err := fs.Glob(rules.FS, "*.yaml")
	require.NoError(t, err)
	for _, name := range files {
		data, err := fs.ReadFile(rules.FS, name)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), data, 0o644))
	}
	return dir
}

// readiness is the body of /readyz, as far as the test reads it.
type readiness struct {
	Status       string   `json:"status"`
	Message      string   `json:"message"`
	ReloadErrors []string `json:"reload_errors"`
	RuleSet      struct {
		Version string `json:"version"`
	} `json:"rule_set"`
}

// secretAnswers are answers whose values are distinctive enough to find
// in a log; none of them may ever appear there.
const secretAnswers = `{"shooting_arm_pain": false, "self_pops": true, "relief_minutes": 7391, "pops_per_day": 52913, "pain_days": 86417}`

var secretValues = []string{"7391", "52913", "86417", patientID, "moderate", "40173"}

// TestServeEndToEnd runs the real binary over TLS: the JSON API, the FHIR
// endpoints ($next-question walked to a completed response), CDS Hooks
// with signed and refused tokens, a hot-reload edit that loads and one
// that does not (the last good rule set kept, the problem at /readyz),
// SIGTERM, and a scan of the whole log for health data.
func TestServeEndToEnd(t *testing.T) {
	dir := copyRules(t)
	client := newCDSClient(t)
	cert, key, https := selfSigned(t)
	s := startServe(t, https, "--rules", dir, "--tls-cert", cert, "--tls-key", key,
		"--cds-issuer", cdsIssuer, "--cds-jwks", client.jwks)
	require.True(t, strings.HasPrefix(s.url, "https://127.0.0.1:"), s.url)

	t.Run("ready", func(t *testing.T) {
		var r readiness
		require.Equal(t, http.StatusOK, s.do(t, "GET", "/readyz", "", "", nil, &r))
		assert.Equal(t, "ready", r.Status)
		assert.Equal(t, "1.1.0", r.RuleSet.Version)
		require.Equal(t, http.StatusOK, s.do(t, "GET", "/healthz", "", "", nil, nil))
	})
	t.Run("JSON API", func(t *testing.T) {
		var v struct{ Outcome, Notice string }
		require.Equal(t, http.StatusOK, s.do(t, "POST", "/triage", "application/json", secretAnswers, nil, &v))
		assert.Equal(t, "see_professional", v.Outcome, "86417 days of pain is a red flag")
		assert.Contains(t, v.Notice, "not a diagnosis")
		require.Equal(t, http.StatusUnsupportedMediaType, s.do(t, "POST", "/triage", "text/plain", secretAnswers, nil, nil))
	})
	t.Run("FHIR", func(t *testing.T) { checkFHIR(t, s) })
	t.Run("CDS Hooks", func(t *testing.T) { checkCDSHooks(t, s, client) })
	t.Run("hot reload", func(t *testing.T) { checkHotReload(t, s, dir) })
	t.Run("evaluation failure", func(t *testing.T) { checkEvaluationFailure(t, s, dir) })

	s.stop(t)
	checkLog(t, s.log())
}

// checkHotReload edits the rules twice: a new version, picked up by
// polling, then a broken file, reloaded at once on SIGHUP, which leaves
// the last good rule set in service and is reported at /readyz.
func checkHotReload(t *testing.T, s *service, dir string) {
	file := filepath.Join(dir, "ruleset.yaml")
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	edited := strings.Replace(string(data), "version: 1.1.0", "version: 1.1.1", 1)
	require.NotEqual(t, string(data), edited)
	require.NoError(t, os.WriteFile(file, []byte(edited), 0o644))
	require.Eventually(t, func() bool {
		var r readiness
		s.do(t, "GET", "/readyz", "", "", nil, &r)
		return r.RuleSet.Version == "1.1.1" && r.Status == "ready"
	}, 30*time.Second, 100*time.Millisecond, "the good edit is put in service by polling; log:\n%s", s.log())

	require.NoError(t, os.WriteFile(file, []byte(edited+"\nnot_a_key: [\n"), 0o644))
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGHUP))
	var r readiness
	require.Eventually(t, func() bool {
		r = readiness{}
		return s.do(t, "GET", "/readyz", "", "", nil, &r) == http.StatusOK && r.Status == "stale"
	}, 30*time.Second, 100*time.Millisecond, "the broken edit is reported; log:\n%s", s.log())
	assert.Equal(t, "1.1.1", r.RuleSet.Version, "the last good rule set stays in service")
	assert.Contains(t, r.Message, "does not load")
	assert.True(t, slices.ContainsFunc(r.ReloadErrors, func(e string) bool { return strings.HasPrefix(e, "ruleset.yaml:") }),
		"the problem is named at its file: %q", r.ReloadErrors)
	var v struct{ Outcome string }
	require.Equal(t, http.StatusOK, s.do(t, "POST", "/triage", "application/json", `{"fever": true}`, nil, &v))
	assert.Equal(t, "see_professional", v.Outcome, "still answering, with the last good rule set")
	assert.Contains(t, s.log(), filepath.Join(dir, "ruleset.yaml")+":", "the log names the file as the operator can open it")
}

// quotingRules are two rules whose CEL failure message quotes the answer:
// "no such key: moderate" and "index out of bounds: 40173".
const quotingRules = `questions:
  - {id: severity, text: Severity, type: choice, choices: [mild, moderate, severe]}
rules:
  - id: lookup
    title: Lookup
    when: 'severity == "severe" || {"mild": 1}[severity] > 0'
    action: refer
    advice: See someone.
    cite: {source: 000_00087ff1b98cbee7.txt, section: S}
  - id: index
    title: Index
    when: '[1,2,3][pain_days] > 0'
    action: refer
    advice: See someone.
    cite: {source: 000_00087ff1b98cbee7.txt, section: S}
`

// checkEvaluationFailure puts two rules in service whose CEL errors quote
// the answer, and sends answers that make them fail: each request gets a
// 500 with no verdict, and checkLog then proves that neither answer is in
// the log.
func checkEvaluationFailure(t *testing.T, s *service, dir string) {
	file := filepath.Join(dir, "ruleset.yaml")
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	fixed := strings.Replace(strings.TrimSuffix(string(data), "\nnot_a_key: [\n"), "version: 1.1.1", "version: 1.1.2", 1)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "quoting.yaml"), []byte(quotingRules), 0o644))
	require.NoError(t, os.WriteFile(file, []byte(fixed), 0o644))
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGHUP))
	require.Eventually(t, func() bool {
		var r readiness
		s.do(t, "GET", "/readyz", "", "", nil, &r)
		return r.RuleSet.Version == "1.1.2" && r.Status == "ready"
	}, 30*time.Second, 100*time.Millisecond, "the rules are put in service; log:\n%s", s.log())
	for _, body := range []string{`{"severity": "moderate"}`, `{"pain_days": 40173}`} {
		var e struct{ Error, Outcome string }
		assert.Equal(t, http.StatusInternalServerError, s.do(t, "POST", "/triage", "application/json", body, nil, &e), body)
		assert.Empty(t, e.Outcome, "no verdict")
		assert.Equal(t, http.StatusInternalServerError, s.do(t, "POST", "/next", "application/json", `{"answers": `+body+`}`, nil, nil), body)
	}
	assert.Contains(t, s.log(), `"problem":"evaluation_failed","rule":"lookup"`)
	assert.Contains(t, s.log(), `"problem":"evaluation_failed","rule":"index"`)
}

// logKeys are the only keys a log line may have: ids, outcomes, timings
// and the service's own state, never a place for answers.
var logKeys = map[string]bool{
	"time": true, "level": true, "msg": true, "method": true, "route": true, "status": true, "duration_ms": true,
	"addr": true, "url": true, "tls": true, "rules": true, "hot_reload": true, "rule_set": true, "notice": true,
	"grace": true, "err": true, "rule": true, "at": true, "type": true, "stack": true, "in_service": true, "hash": true, "problems": true,
	"cds_hooks": true, "cds_issuers": true, "insecure_dev": true,
	// package cdshooks
	"service": true, "reason": true, "hookInstance": true, "problem": true, "outcome": true, "cards": true,
	"refer": true, "caution": true, "seconds": true,
}

// checkLog reads every line the service logged: each is JSON with only
// the keys above, and no answer value appears anywhere.
func checkLog(t *testing.T, log string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(log), "\n")
	require.Greater(t, len(lines), 5, "the log has the startup, the requests and the reloads")
	msgs := map[string]bool{}
	for _, l := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m), "every log line is JSON: %s", l)
		for k := range m {
			assert.True(t, logKeys[k], "log key %q in %s", k, l)
		}
		msg, _ := m["msg"].(string)
		msgs[msg] = true
	}
	for _, want := range []string{"serving", "request", "rules reloaded", "the edited rules do not load; the last good rule set stays in service", "shutting down", "stopped"} {
		assert.True(t, msgs[want], "the log has %q", want)
	}
	tokens, text := logTokens(t, lines)
	for _, v := range secretValues {
		assert.False(t, tokens[v], "no answer value in the log: %q appears", v)
		if !logWord.MatchString(v) { // an id such as "patient-4711" spans several tokens
			assert.NotContains(t, text, v, "no answer value in the log")
		}
	}
	if t.Failed() {
		t.Logf("the log:\n%s", log)
	}
}

// machineFields hold what the service makes itself: times, durations, the
// bound address (its port is random) and hashes. Their digits could match an
// answer by chance (a nanosecond timestamp once held "52913"), so they are
// left out of the scan; none of them is built from a request.
var machineFields = map[string]bool{"time": true, "duration_ms": true, "seconds": true, "addr": true, "url": true, "hash": true}

// logWord is one word or number of a log value.
var logWord = regexp.MustCompile(`^[\p{L}\p{N}_]+$`)

// logTokens returns every word and number in the log's values (keys in
// machineFields aside), split at anything but letters, digits and "_", so
// that an answer shows up however it is quoted ("52913", "=52913",
// "52913.5") and a digit run inside a longer one does not count; and the
// same values joined, for ids that span several words.
func logTokens(t *testing.T, lines []string) (map[string]bool, string) {
	t.Helper()
	word := regexp.MustCompile(`[\p{L}\p{N}_]+`)
	tokens := map[string]bool{}
	var text strings.Builder
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				if !machineFields[k] {
					walk(x)
				}
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		default:
			str := fmt.Sprint(v)
			text.WriteString(str)
			text.WriteByte('\n')
			for _, w := range word.FindAllString(str, -1) {
				tokens[w] = true
			}
		}
	}
	for _, l := range lines {
		var m map[string]any
		require.NoError(t, json.Unmarshal([]byte(l), &m))
		walk(m)
	}
	return tokens, text.String()
}

// TestServeHangupWithEmbeddedRules: SIGHUP, the usual "reload" signal,
// must not kill a service that serves the embedded rule set (Go's default
// for SIGHUP is to exit): it logs that there is nothing to reload and goes
// on serving, and SIGTERM still stops it cleanly.
func TestServeHangupWithEmbeddedRules(t *testing.T) {
	s := startServe(t, http.DefaultClient)
	require.NoError(t, s.cmd.Process.Signal(syscall.SIGHUP))
	require.Eventually(t, func() bool { return strings.Contains(s.log(), "nothing to reload") },
		30*time.Second, 50*time.Millisecond, "SIGHUP is logged; log:\n%s", s.log())
	require.Equal(t, http.StatusOK, s.do(t, "GET", "/healthz", "", "", nil, nil), "still serving")
	s.stop(t)
}

// TestRulesSourceReadsTheReloader: with --rules, the engine the server
// uses is the Reloader's own, read at each request, so no copy kept
// beside it can fall behind (a copy stored after Watch could overwrite a
// newer engine that a reload had put in service).
func TestRulesSourceReadsTheReloader(t *testing.T) {
	dir := copyRules(t)
	srv, err := server.New(server.Options{Engine: func() *triage.Engine { return nil }, BaseURL: "http://redflag.test"})
	require.NoError(t, err)
	var src rulesSource
	var stderr bytes.Buffer
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, ok := startRules(ctx, dir, srv, &src, slog.New(slog.DiscardHandler), &stderr)
	require.True(t, ok, stderr.String())
	r := src.watched.Load()
	require.NotNil(t, r)
	assert.Same(t, r.Engine(), src.Engine())
	assert.Nil(t, src.fixed.Load(), "no copy of the engine is kept")

	file := filepath.Join(dir, "ruleset.yaml")
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, bytes.Replace(data, []byte("version: 1.1.0"), []byte("version: 1.1.1"), 1), 0o644))
	require.NoError(t, r.Reload())
	assert.Equal(t, "1.1.1", src.Engine().RuleSet().Version)
	assert.Same(t, r.Engine(), src.Engine())
}
