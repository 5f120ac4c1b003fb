// Package browsertest drives the http example's browser form in a real
// headless Chromium. It is a module of its own so that chromedp, which only
// this test needs, stays out of the library's module graph: go test ./... at
// the repository root does not enter it; .ci/run runs it.
//
// The test builds the example program in its own module, the parent
// directory (github.com/redflagkit/redflag/examples/http, whose replace
// directive resolves the library to this checkout), starts it on
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
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// chromiumNames are the binaries the browser test looks for, in order.
var chromiumNames = []string{"chromium", "chromium-browser", "google-chrome"}

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
	// The example is a module of its own (with OpenTelemetry), in the
	// parent directory: build it there, under its own go.mod.
	build := exec.Command("go", "build", "-o", exampleBin, ".")
	build.Dir = ".."
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

// viewport is a window size the form is tested at.
type viewport struct {
	name          string
	width, height int64
	mobile        bool // a phone: mobile and touch emulation
}

// viewports are a phone (390 px, as an iPhone 12 to 15) and a laptop.
var viewports = []viewport{
	{name: "390px", width: 390, height: 844, mobile: true},
	{name: "1280px", width: 1280, height: 800},
}

// narrowest is the smallest phone the form is made for (an iPhone SE of
// the first generation); TestBrowserRedFlag checks it too.
var narrowest = viewport{name: "320px", width: 320, height: 568, mobile: true}

// newBrowser starts the http example and a headless Chromium; without a
// Chromium the test fails (.ci/run installs one). Call open to load the
// form.
func newBrowser(t *testing.T) *page {
	t.Helper()
	var path string
	for _, name := range chromiumNames {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		// This module exists only to run the form in a browser: without
		// one, it has tested nothing, which must not read as a pass.
		t.Fatalf("no Chromium found (looked for %s on PATH); install one (apt-get install chromium) to run the browser test", strings.Join(chromiumNames, ", "))
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
	ctx, cancelTimeout := context.WithTimeout(ctx, 4*time.Minute)
	t.Cleanup(cancelTimeout)
	// The first action starts the browser, which lives as long as the
	// context it is given: this one, not a later action's shorter one.
	require.NoError(t, chromedp.Do(ctx), "starting Chromium")
	return &page{t: t, ctx: ctx, url: url, eng: eng}
}

// page drives the form. Every screen the page shows bumps body[data-step].
type page struct {
	t    *testing.T // the running test or subtest
	ctx  context.Context
	url  string
	eng  *triage.Engine
	vp   viewport
	step int
}

// open sets the window to vp and loads the form afresh for the (sub)test
// t, and waits for its intro.
func (p *page) open(t *testing.T, vp viewport) {
	t.Helper()
	p.t, p.vp, p.step = t, vp, 0
	var opts []chromedp.EmulateViewportOption
	if vp.mobile {
		opts = append(opts, chromedp.EmulateMobile, chromedp.EmulateTouch, chromedp.EmulatePortrait)
	}
	p.do("open the form at "+vp.name, chromedp.EmulateViewport(vp.width, vp.height, opts...), chromedp.Navigate(p.url))
	p.next()
	require.Equal(t, "intro", p.screen())
}

// do runs browser actions, failing the test if they take more than a few
// seconds (a screen that never comes fails fast, not at the overall
// timeout).
func (p *page) do(what string, actions ...chromedp.Action[chromedp.Void]) {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	err := chromedp.Do(ctx, actions...)
	if err != nil {
		require.NoError(p.t, err, "%s; the page shows: %s", what, p.js(`document.body.innerText`))
	}
}

// next waits for the next screen.
func (p *page) next() {
	p.t.Helper()
	p.step++
	p.do(fmt.Sprintf("waiting for screen %d", p.step), chromedp.WaitReady(chromedp.CSS(fmt.Sprintf(`body[data-step="%d"]`, p.step))))
}

// click clicks the element with the mouse (or a tap, on the phone).
func (p *page) click(css string) {
	p.t.Helper()
	p.do("click "+css, chromedp.Click(chromedp.CSS(css)))
}

// key types keys on the keyboard: "\t" is Tab, "\r" Enter, " " Space.
func (p *page) key(keys string, opts ...chromedp.KeyOption) {
	p.t.Helper()
	p.do(fmt.Sprintf("type %q", keys), chromedp.KeyEvent(keys, opts...))
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

// visibleText is what the element shows (closed details and hidden parts
// left out).
func (p *page) visibleText(id string) string {
	p.t.Helper()
	return p.js(fmt.Sprintf(`document.getElementById(%q).innerText`, id))
}

func (p *page) hidden(id string) bool {
	p.t.Helper()
	return p.js(fmt.Sprintf(`String(document.getElementById(%q).hidden)`, id)) == "true"
}

func (p *page) screen() string { return p.js(`document.body.dataset.screen`) }

func (p *page) questionID() string { return p.js(`document.getElementById("question").dataset.id`) }

// focused names the element that has the keyboard focus: #id, or, for a
// box in a label, "label:" and the label's text.
func (p *page) focused() string {
	p.t.Helper()
	return p.js(`(() => {
		const a = document.activeElement;
		if (!a || a === document.body) return "body";
		const l = a.closest("label");
		if (l) return "label:" + l.textContent.trim();
		if (a.id) return "#" + a.id;
		if (a.tagName === "SUMMARY") return "summary:" + a.textContent.trim();
		return a.tagName.toLowerCase();
	})()`)
}

// announced waits for the live region to say something and returns it.
func (p *page) announced() string {
	p.t.Helper()
	ctx, cancel := context.WithTimeout(p.ctx, 15*time.Second)
	defer cancel()
	s, err := chromedp.Run(ctx, chromedp.Poll[string](`document.getElementById("status").textContent || null`))
	require.NoError(p.t, err, "the live region announces nothing")
	return s
}
