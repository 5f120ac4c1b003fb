package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// audit checks the screen on show at the page's width: nothing wider than
// the window, tap targets of at least 44 × 44 CSS px, and no axe-core
// violation of WCAG 2.1 A or AA.
func (p *page) audit(where string) {
	p.t.Helper()
	where = p.vp.name + ", " + where
	p.checkWidths(where)
	p.checkTapTargets(where)
	p.axe(where)
}

// layout is what checkWidths measures.
type layout struct {
	ScrollWidth float64  `json:"scrollWidth"`
	InnerWidth  float64  `json:"innerWidth"`
	ClientWidth float64  `json:"clientWidth"`
	Right       float64  `json:"right"` // the right edge furthest right
	Elements    int      `json:"elements"`
	Outside     []string `json:"outside"`
}

// checkWidths requires that the page does not scroll sideways and that
// every element shown lies within the window. Chromium lays out the content
// of a closed details element too (it is hidden with content-visibility),
// so the sources and the rule-set hash are measured either way.
func (p *page) checkWidths(where string) {
	p.t.Helper()
	var l layout
	require.NoError(p.t, json.Unmarshal([]byte(p.js(`(() => {
		const html = document.documentElement, w = html.clientWidth;
		const out = {scrollWidth: html.scrollWidth, innerWidth: window.innerWidth, clientWidth: w, right: 0, elements: 0, outside: []};
		for (const e of document.body.querySelectorAll("*")) {
			const r = e.getBoundingClientRect();
			if (r.width === 0 && r.height === 0) continue; // not rendered
			out.elements++;
			out.right = Math.max(out.right, r.right);
			if (r.left < -0.5 || r.right > w + 0.5) {
				out.outside.push(e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + (e.className ? "." + e.className : "") +
					" from " + Math.round(r.left) + " to " + Math.round(r.right) + " px: " + (e.textContent || "").trim().slice(0, 60));
			}
		}
		return JSON.stringify(out);
	})()`)), &l))
	assert.LessOrEqual(p.t, l.ScrollWidth, l.InnerWidth, "%s: the page scrolls sideways (%v px wide in a %v px window)", where, l.ScrollWidth, l.InnerWidth)
	assert.Empty(p.t, l.Outside, "%s: elements outside the %v px window", where, l.ClientWidth)
	assert.Positive(p.t, l.Elements, where)
	p.t.Logf("%s: page %v px wide in a %v px window; %d elements shown, the furthest right edge at %.0f px", where, l.ScrollWidth, l.InnerWidth, l.Elements, l.Right)
}

// target is one thing to tap, measured by checkTapTargets.
type target struct {
	What   string  `json:"what"`
	Width  float64 `json:"width"`
	Height float64 `json:"height"`
}

// checkTapTargets requires every button, choice label, number field and
// details summary shown to be at least 44 × 44 CSS px.
func (p *page) checkTapTargets(where string) {
	p.t.Helper()
	var targets []target
	require.NoError(p.t, json.Unmarshal([]byte(p.js(`JSON.stringify(
		[...document.querySelectorAll("button, label.option, input[type=number], summary")]
			.map((e) => [e, e.getBoundingClientRect()])
			.filter(([e, r]) => r.width > 0 && r.height > 0)
			.map(([e, r]) => ({what: e.tagName.toLowerCase() + (e.id ? "#" + e.id : "") + " " + JSON.stringify(e.textContent.trim().slice(0, 30)), width: r.width, height: r.height})))`)), &targets))
	require.NotEmpty(p.t, targets, "%s: nothing to tap", where)
	minW, minH := targets[0], targets[0]
	for _, tg := range targets {
		assert.GreaterOrEqual(p.t, tg.Width, 44.0, "%s: %s is %.1f px wide", where, tg.What, tg.Width)
		assert.GreaterOrEqual(p.t, tg.Height, 44.0, "%s: %s is %.1f px high", where, tg.What, tg.Height)
		if tg.Width < minW.Width {
			minW = tg
		}
		if tg.Height < minH.Height {
			minH = tg
		}
	}
	p.t.Logf("%s: %d tap targets; narrowest %s %.0f×%.0f, lowest %s %.0f×%.0f", where, len(targets), minW.What, minW.Width, minW.Height, minH.What, minH.Width, minH.Height)
}

// axeFile is axe-core as npm ci installs it from package-lock.json.
const axeFile = "node_modules/axe-core/axe.min.js"

var axeSource = sync.OnceValues(func() ([]byte, error) { return os.ReadFile(axeFile) })

// axeViolation is the part of an axe-core result the test reports.
type axeViolation struct {
	ID     string `json:"id"`
	Impact string `json:"impact"`
	Help   string `json:"help"`
	Nodes  []struct {
		Target         []any  `json:"target"`
		HTML           string `json:"html"`
		FailureSummary string `json:"failureSummary"`
	} `json:"nodes"`
}

// axe injects axe-core into the page and requires no violation of WCAG 2.0
// and 2.1, levels A and AA. Without axe-core installed (npm ci in this
// directory) the test fails: an audit that did not run is not a pass.
func (p *page) axe(where string) {
	p.t.Helper()
	src, err := axeSource()
	if err != nil {
		p.t.Fatalf("%s: axe-core is not installed (%v); run npm ci in examples/http/browsertest", where, err)
	}
	if p.js(`typeof axe`) == "undefined" {
		p.do("inject axe-core", chromedp.Evaluate[chromedp.Void](string(src)))
	}
	ctx, cancel := context.WithTimeout(p.ctx, time.Minute)
	defer cancel()
	out, err := chromedp.Run(ctx, chromedp.Evaluate[string](`axe.run(document, {runOnly: {type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}})
		.then((r) => JSON.stringify({violations: r.violations, passes: r.passes.length, version: axe.version}))`, chromedp.EvalAwaitPromise))
	require.NoError(p.t, err, "%s: running axe-core", where)
	var res struct {
		Violations []axeViolation `json:"violations"`
		Passes     int            `json:"passes"`
		Version    string         `json:"version"`
	}
	require.NoError(p.t, json.Unmarshal([]byte(out), &res))
	for _, v := range res.Violations {
		var b strings.Builder
		fmt.Fprintf(&b, "%s: axe-core %s: %s (%s): %s", where, res.Version, v.ID, v.Impact, v.Help)
		for _, n := range v.Nodes {
			fmt.Fprintf(&b, "\n\t%v %s\n\t\t%s", n.Target, n.HTML, strings.ReplaceAll(n.FailureSummary, "\n", "\n\t\t"))
		}
		p.t.Error(b.String())
	}
	if len(res.Violations) == 0 {
		p.t.Logf("%s: axe-core %s, WCAG 2.1 A and AA: no violations, %d rules passed", where, res.Version, res.Passes)
	}
}

// screenshotsEnv names the directory screenshots are saved to; without it
// they go to a temporary directory removed after the test.
const screenshotsEnv = "REDFLAG_SCREENSHOTS"

// screenshot saves the whole page as name.png.
func (p *page) screenshot(name string) {
	p.t.Helper()
	dir := os.Getenv(screenshotsEnv)
	if dir == "" {
		dir = p.t.TempDir()
	}
	require.NoError(p.t, os.MkdirAll(dir, 0o755))
	png, err := chromedp.Run(p.ctx, chromedp.FullScreenshot(100))
	require.NoError(p.t, err)
	file := filepath.Join(dir, name+".png")
	require.NoError(p.t, os.WriteFile(file, png, 0o644))
	p.t.Logf("screenshot: %s", file)
}
