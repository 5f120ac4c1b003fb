// Package browsertest drives the http example's browser form in a real
// headless Chromium. It is a module of its own so that chromedp, which only
// this test needs, stays out of the library's module graph: go test ./... at
// the repository root does not enter it; .ci/run runs it.
//
// The test builds the example program (github.com/redflagkit/redflag/examples/http,
// resolved through the replace directive to this checkout), starts it on
// 127.0.0.1 with a free port, reads the address it chose from its log, and
// stops it with SIGTERM, expecting a graceful exit.
package browsertest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// chromiumNames are the binaries the browser test looks for, in order.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome"}

// requireEnv, when set to a non-empty value, turns a missing Chromium from
// a skip into a failure; .ci/run sets it so that CI never skips the test.
const requireEnv = "REDFLAG_REQUIRE_CHROMIUM"

// exampleBin is the http example, built once by TestMain.
var exampleBin string

func TestMain(m *testing.M) {
	os.Exit(runTests(m))
}

func runTests(m *testing.M) int {
	dir, err := os.MkdirTemp("", "redflag-browsertest-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	exampleBin = filepath.Join(dir, "http")
	// go test puts its own go first on PATH, so this builds with the
	// toolchain running the test.
	build := exec.Command("go", "build", "-o", exampleBin, "github.com/redflagkit/redflag/examples/http")
	build.Stdout = os.Stderr
	build.Stderr = os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "building the http example:", err)
		return 1
	}
	return m.Run()
}

// servingURL finds the address in the example's "serving" log line.
var servingURL = regexp.MustCompile(`msg=serving url=(http://\S+)`)

// startExample runs the http example on a free port of 127.0.0.1 with the
// embedded rules and returns its URL. At cleanup it sends SIGTERM and
// expects a graceful shutdown (exit status 0).
func startExample(t *testing.T) string {
	t.Helper()
	cmd := exec.Command(exampleBin, "-addr", "127.0.0.1:0")
	stderr, err := cmd.StderrPipe()
	require.NoError(t, err)
	require.NoError(t, cmd.Start())

	var (
		mu   sync.Mutex
		logs bytes.Buffer
	)
	urlc := make(chan string, 1)
	done := make(chan struct{})
	go func() { // read the log until the program exits
		defer close(done)
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			mu.Lock()
			fmt.Fprintln(&logs, sc.Text())
			mu.Unlock()
			if m := servingURL.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case urlc <- m[1]:
				default:
				}
			}
		}
		_, _ = io.Copy(io.Discard, stderr)
	}()
	logText := func() string {
		mu.Lock()
		defer mu.Unlock()
		return logs.String()
	}
	t.Cleanup(func() {
		if err := cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
			t.Errorf("stopping the http example: %v", err)
		}
		select {
		case <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if err := cmd.Wait(); err != nil {
			t.Errorf("the http example did not shut down cleanly: %v; its log:\n%s", err, logText())
		}
	})

	select {
	case u := <-urlc:
		return u
	case <-done:
		t.Fatalf("the http example exited before serving; its log:\n%s", logText())
	case <-time.After(30 * time.Second):
		t.Fatalf("the http example did not log its address within 30 s; its log:\n%s", logText())
	}
	return ""
}

// browserPage starts the http example and a headless Chromium on its form.
// The test is skipped only when no Chromium is installed (and fails instead
// when REDFLAG_REQUIRE_CHROMIUM is set); .ci/run installs one.
func browserPage(t *testing.T) (context.Context, *triage.Engine) {
	t.Helper()
	var path string
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		msg := fmt.Sprintf("no Chromium found (looked for %s on PATH); install one (apt-get install chromium) to run the browser test", strings.Join(chromiumNames, ", "))
		if os.Getenv(requireEnv) != "" {
			t.Fatalf("%s (%s is set, so this is not skipped)", msg, requireEnv)
		}
		t.Skip(msg)
	}
	eng, err := triage.Load(rules.FS) // the rules the example embeds, to compare against
	require.NoError(t, err)
	url := startExample(t)

	profile := t.TempDir() // removed after the browser has exited (cleanups run last-in first-out)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-quic", true),
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true), // /dev/shm is small in containers
		chromedp.UserDataDir(profile),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(cancelCtx)
	ctx, cancelTimeout := context.WithTimeout(ctx, 2*time.Minute)
	t.Cleanup(cancelTimeout)
	require.NoError(t, chromedp.Do(ctx, chromedp.Navigate(url)))
	return ctx, eng
}

// page drives the form. Every screen the page shows bumps body[data-step].
type page struct {
	t    *testing.T
	ctx  context.Context
	step int
}

// do runs browser actions, failing the test if they take more than a few
// seconds (a screen that never comes fails fast, not at the overall
// timeout).
func (p *page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	require.NoError(p.t, chromedp.Do(ctx, actions...), "%s; the page shows: %s", what, p.js(`document.body.innerText`))
}

// next waits for the next screen.
func (p *page) next() {
	p.t.Helper()
	p.step++
	p.do(fmt.Sprintf("waiting for screen %d", p.step), chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`body[data-step="%d"]`, p.step))))
}

func (p *page) click(css string) {
	p.t.Helper()
	p.do("click "+css, chromedp.Click(chromedp.CSS(css)))
}

// set types value into the number field.
func (p *page) set(value string) {
	p.t.Helper()
	p.do("set "+value, chromedp.SetValue(chromedp.CSS("#answer-number"), value))
}

// waitVisible waits until the element with this id shows.
func (p *page) waitVisible(id string) {
	p.t.Helper()
	p.do("waiting for #"+id, chromedp.WaitVisible(chromedp.CSS("#"+id)))
}

// js evaluates a JavaScript expression that yields a string.
func (p *page) js(expr string) string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
	require.NoError(p.t, err, expr)
	return s
}

func (p *page) text(id string) string {
	p.t.Helper()
	return p.js(fmt.Sprintf(`document.getElementById(%q).textContent`, id))
}

func (p *page) hidden(id string) bool {
	p.t.Helper()
	return p.js(fmt.Sprintf(`String(document.getElementById(%q).hidden)`, id)) == "true"
}

func (p *page) screen() string { return p.js(`document.body.dataset.screen`) }

func (p *page) questionID() string { return p.js(`document.getElementById("question").dataset.id`) }

// TestBrowserRedFlag answers a red-flag path in a real browser: a refused
// empty answer, back, and a tick that refers.
func TestBrowserRedFlag(t *testing.T) {
	ctx, _ := browserPage(t)
	p := &page{t: t, ctx: ctx}
	p.next()
	require.Equal(t, "question", p.screen())
	assert.Equal(t, triage.Disclaimer, p.text("top-notice"), "the note is on the page from the start")
	assert.Equal(t, "Red flags when self-adjusting the upper back", p.text("title"))
	assert.Equal(t, "Do you have pain that shoots down one or both of your arms?", p.text("question-text"))

	p.click("#answer-no")
	p.next()
	assert.Equal(t, "numbness_tingling", p.questionID())
	assert.Equal(t, "If you have no numbness or tingling, pick none of them.", p.text("question-help"))

	p.click("#submit") // nothing ticked: not an answer
	p.waitVisible("question-error")
	assert.Equal(t, "Please tick what applies, or None of these.", p.text("question-error"), "nothing ticked is never read as none")

	p.click("#back")
	p.next()
	assert.Equal(t, "shooting_arm_pain", p.questionID(), "back asks the previous question again")
	p.click("#answer-no")
	p.next()
	p.click(`input[name=pick][value=fingers]`)
	p.click("#submit")
	p.next()

	require.Equal(t, "verdict", p.screen())
	assert.True(t, p.hidden("question"))
	assert.Equal(t, "SEE A PROFESSIONAL — your answers include a red flag", p.text("outcome"))
	reasons := p.text("reasons")
	assert.Contains(t, reasons, "Red flag: Numbness or tingling in the fingers, arms or chest")
	assert.Contains(t, reasons, "Because you answered: numbness_tingling = fingers")
	assert.Contains(t, reasons, "Source: How to Safely Adjust Your Upper Back (001_0a05b181d71a6c01.txt), section: Crucial Safety Warnings and When to Seek Professional Help")
	assert.Contains(t, reasons, "See also: ")
	assert.Equal(t, triage.Disclaimer, p.text("notice"), "the verdict carries the not-a-diagnosis note")
	assert.True(t, p.hidden("self-care"), "no self-care guidance with a referral")
	assert.True(t, p.hidden("optional"), "nothing optional after a referral")
	assert.Contains(t, p.text("rule-set"), "upper-back-self-adjustment 1.1.0 (sha256:")
}

// TestBrowserSelfCare answers the whole adaptive path with no red flag and
// checks that the page asked exactly what Engine.Next asks, in its order,
// then the optional questions of Verdict.Optional, marked optional: it
// skips grinding and answers twelve pops a day, and the result page shows
// the frequent-popping caution with self-care.
func TestBrowserSelfCare(t *testing.T) {
	ctx, eng := browserPage(t)
	p := &page{t: t, ctx: ctx}
	person := triage.Answers{"self_pops": true, "relief_minutes": int64(30), "pain_days": int64(2), "numbness_tingling": []string{}, "pops_per_day": int64(12)}
	for _, q := range eng.Questions() {
		if _, ok := person[q.ID]; !ok && q.Type == triage.BooleanType {
			person[q.ID] = false
		}
	}
	var want []string
	walked := triage.Answers{}
	for {
		q, ok, err := eng.Next(context.Background(), walked)
		require.NoError(t, err)
		if !ok {
			break
		}
		want = append(want, q.ID)
		walked[q.ID] = person[q.ID]
	}
	v, err := eng.Evaluate(context.Background(), walked)
	require.NoError(t, err)
	require.Equal(t, triage.SelfCare, v.Outcome)
	wantOptional := v.Optional
	require.Equal(t, []string{"grinding", "pops_per_day"}, wantOptional, "the default rules' caution-only questions")

	var got, gotOptional []string
	p.next()
	for p.screen() == "question" {
		require.Less(t, len(got)+len(gotOptional), 30, "the page keeps asking")
		id := p.questionID()
		optional := p.js(`document.getElementById("question").dataset.optional`) == "true"
		assert.Equal(t, optional, !p.hidden("optional-note"), "%s: the optional note shows exactly on optional questions", id)
		assert.Equal(t, optional, strings.HasSuffix(p.text("question-count"), "(optional)"), "%s: the count says optional", id)
		if optional {
			gotOptional = append(gotOptional, id)
			assert.Contains(t, p.text("optional-note"), "cannot change the outcome")
			assert.Equal(t, "Skip this optional question", p.text("skip"))
		} else {
			require.Empty(t, gotOptional, "%s: a needed question after an optional one", id)
			got = append(got, id)
		}
		switch id {
		case "numbness_tingling":
			p.click("#answer-none")
			p.click("#submit")
		case "relief_minutes":
			p.set("30")
			p.click("#submit")
		case "pain_days":
			p.set("-3")
			p.click("#submit")
			p.waitVisible("question-error")
			assert.Equal(t, "Please enter a whole number of at least 0.", p.text("question-error"))
			p.set("2")
			p.click("#submit")
		case "pops_per_day":
			p.set("12")
			p.click("#submit")
		case "grinding":
			p.click("#skip")
		case "self_pops":
			p.click("#answer-yes")
		default:
			p.click("#answer-no")
		}
		p.next()
	}
	require.Equal(t, "verdict", p.screen())
	assert.Equal(t, want, got, "the page asks what Next asks, in its order")
	assert.Equal(t, wantOptional, gotOptional, "then the optional questions, in Verdict.Optional's order")
	assert.Equal(t, "SELF-CARE IS OK — no red flag in your answers", p.text("outcome"), "an optional answer never changes the outcome")
	reasons := p.text("reasons")
	assert.Contains(t, reasons, "Caution: Popping the back ten or more times a day")
	assert.Contains(t, reasons, "Because you answered: self_pops = yes, pops_per_day = 12")
	assert.NotContains(t, reasons, "Red flag")
	assert.False(t, p.hidden("optional"), "the skipped optional question is listed")
	assert.Equal(t, "grinding", p.text("optional-list"))
	assert.False(t, p.hidden("self-care"))
	guidance := p.text("self-care-list")
	assert.Contains(t, guidance, "Stop if it hurts: ")
	assert.Contains(t, guidance, "Source: ")
	assert.True(t, p.hidden("missing"))
	assert.Equal(t, triage.Disclaimer, p.text("notice"))
}
