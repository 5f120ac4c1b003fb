package browsertest

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// selfCarePerson answers every question with no red flag: no to every
// yes-or-no question but self_pops, no numbness, two days of pain, relief
// for half an hour and twelve pops a day (which adds the frequent-popping
// caution).
func selfCarePerson(eng *triage.Engine) triage.Answers {
	person := triage.Answers{"self_pops": true, "relief_minutes": int64(30), "pain_days": int64(2), "numbness_tingling": []string{}, "pops_per_day": int64(12)}
	for _, q := range eng.Questions() {
		if _, ok := person[q.ID]; !ok && q.Type == triage.BooleanType {
			person[q.ID] = false
		}
	}
	return person
}

// idLike matches a question id (snake_case) or a source file name, which
// people must never see.
var idLike = regexp.MustCompile(`\b[a-z]+_[a-z_]+\b|\b\d{3}_[0-9a-f]{16}\.txt\b|sha256:`)

// noInternals checks that what the page shows has no question id, file
// name or hash in it (the collapsed details section is not shown).
func (p *page) noInternals(where string) {
	p.t.Helper()
	shown := p.js(`document.body.innerText`)
	assert.Empty(p.t, idLike.FindAllString(shown, -1), "%s: the page shows internals:\n%s", where, shown)
}

// answerWith answers the question on screen with the mouse (or a tap):
// a boolean's button, choice labels and Next, or the number field and Next.
func (p *page) answerWith(value any) {
	p.t.Helper()
	switch v := value.(type) {
	case bool:
		if v {
			p.click("#answer-yes")
		} else {
			p.click("#answer-no")
		}
	case []string:
		if len(v) == 0 {
			p.click("label:has(#answer-none)")
		}
		for _, c := range v {
			p.click(fmt.Sprintf(`label:has(input[name=pick][value=%q])`, c))
		}
		p.click("#submit")
	case int64:
		p.set(fmt.Sprint(v))
		p.click("#submit")
	default:
		p.t.Fatalf("cannot answer %T", value)
	}
}

// TestBrowserRedFlag walks a red-flag path at each width with the mouse:
// the intro, a refused empty answer, Back (which keeps the earlier answer)
// and a tick that refers. Each screen is audited: widths, tap targets and
// axe-core; the narrowest phone is audited as well.
func TestBrowserRedFlag(t *testing.T) {
	p := newBrowser(t)
	for _, vp := range append(viewports, narrowest) {
		t.Run(vp.name, func(t *testing.T) {
			p.open(t, vp)
			assert.Equal(t, "#intro-heading", p.focused(), "focus starts on the intro")
			assert.Contains(t, p.announced(), "not a diagnosis")
			assert.Equal(t, triage.Disclaimer, p.text("top-notice"), "the note is on the page from the start")
			assert.Equal(t, "Red flags when self-adjusting the upper back", p.text("title"))
			intro := p.visibleText("intro")
			assert.Contains(t, intro, "It supports triage; it is not a diagnosis.")
			assert.Contains(t, intro, "up to 21 short questions about your symptoms and your health, one at a time (most are yes or no; some ask you to tick what applies; a few ask for a number)")
			assert.Contains(t, intro, "Nothing is stored.")
			p.audit("intro")
			p.screenshot("intro-" + vp.name)

			p.click("#start")
			p.next()
			require.Equal(t, "question", p.screen())
			assert.Equal(t, "#question-text", p.focused(), "focus moves to the question")
			assert.Equal(t, "Question 1 · about 18 questions left. Do you have pain that shoots down one or both of your arms?", p.announced())
			assert.Equal(t, "Question 1 · about 18 questions left", p.text("progress"))
			assert.Equal(t, "Do you have pain that shoots down one or both of your arms?", p.text("question-text"))
			assert.Equal(t, "true", p.js(`String(document.getElementById("back").disabled)`), "nothing to go back to")
			p.noInternals("first question")
			p.audit("first question (yes or no)")

			p.click("#answer-no")
			p.next()
			assert.Equal(t, "numbness_tingling", p.questionID())
			assert.Equal(t, "#question-text", p.focused())
			assert.Equal(t, "Question 2 · about 17 questions left", p.text("progress"))
			assert.Equal(t, "If you have no numbness or tingling, pick none of them.", p.text("question-help"))
			assert.Equal(t, "Fingers\nArms\nChest\nNone of them", p.js(`[...document.querySelectorAll("#controls label")].map((l) => l.textContent.trim()).join("\n")`),
				"the help says to pick none of them, and the form offers it")
			p.audit("checkbox question")
			p.screenshot("question-" + vp.name)

			p.click("#submit") // nothing ticked: not an answer
			p.waitVisible("question-error")
			assert.Equal(t, "Please tick what applies, or tick “None of them”.", p.text("question-error"), "nothing ticked is never read as none")

			p.click("#back")
			p.next()
			assert.Equal(t, "shooting_arm_pain", p.questionID(), "back asks the previous question again")
			assert.Equal(t, "#question-text", p.focused())
			assert.Equal(t, "Your earlier answer: No.", p.text("earlier"), "back keeps the answer")
			p.click("#answer-no")
			p.next()
			p.click(`label:has(input[value=fingers])`)
			p.click("#submit")
			p.next()

			require.Equal(t, "verdict", p.screen())
			assert.Equal(t, "#outcome", p.focused(), "focus moves to the result")
			assert.Equal(t, "Result: Stop self-adjusting and see a professional.", p.announced())
			assert.True(t, p.hidden("question"))
			assert.Equal(t, "Stop self-adjusting and see a professional", p.text("outcome"))
			assert.Contains(t, p.text("what-to-do"), "see a physician, physical therapist or chiropractor", "what to do comes from the rule set with the verdict")
			reasons := p.visibleText("reasons")
			assert.Contains(t, reasons, "Red flag: Numbness or tingling in the fingers, arms or chest")
			assert.Contains(t, reasons, "Because you answered: Do you have numbness or tingling in any of these places? Pick all that apply. — Fingers")
			assert.NotContains(t, reasons, "Source")
			assert.Equal(t, triage.Disclaimer, p.text("notice"), "the result carries the not-a-diagnosis note")
			assert.True(t, p.hidden("self-care"), "no self-care guidance with a referral")
			assert.True(t, p.hidden("optional"), "nothing optional after a referral")
			assert.Equal(t, "false", p.js(`String(document.getElementById("details").open)`), "the sources are collapsed")
			p.noInternals("red-flag result")
			p.audit("red-flag result")
			p.screenshot("red-flag-" + vp.name)

			p.click("#details summary")
			require.Equal(t, "true", p.js(`String(document.getElementById("details").open)`), "the sources open")
			details := p.visibleText("details")
			assert.Contains(t, details, "Red flag: Numbness or tingling in the fingers, arms or chest: How to Safely Adjust Your Upper Back (001_0a05b181d71a6c01.txt), section: Crucial Safety Warnings and When to Seek Professional Help")
			assert.Contains(t, details, "see also")
			assert.Contains(t, details, "Rule set: Red flags when self-adjusting the upper back, upper-back-self-adjustment 1.1.0 (sha256:")
			p.audit("red-flag result, sources shown")
		})
	}
}

// TestBrowserSelfCare answers the whole adaptive path with no red flag at
// both widths and checks that the page asked exactly what Engine.Next asks,
// in its order, then the optional questions of Verdict.Optional, marked
// optional: it skips grinding and answers twelve pops a day, and the result
// shows the frequent-popping caution with self-care.
func TestBrowserSelfCare(t *testing.T) {
	p := newBrowser(t)
	person := selfCarePerson(p.eng)
	var want []string
	walked := triage.Answers{}
	for {
		q, ok, err := p.eng.Next(context.Background(), walked)
		require.NoError(t, err)
		if !ok {
			break
		}
		want = append(want, q.ID)
		walked[q.ID] = person[q.ID]
	}
	v, err := p.eng.Evaluate(context.Background(), walked)
	require.NoError(t, err)
	require.Equal(t, triage.SelfCare, v.Outcome)
	wantOptional := v.Optional
	require.Equal(t, []string{"grinding", "pops_per_day"}, wantOptional, "the default rules' caution-only questions")

	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			p.open(t, vp)
			p.click("#start")
			p.next()
			var got, gotOptional []string
			for p.screen() == "question" {
				require.Less(t, len(got)+len(gotOptional), 30, "the page keeps asking")
				id := p.questionID()
				assert.Equal(t, "#question-text", p.focused(), "%s: focus moves to the question", id)
				optional := p.js(`document.getElementById("question").dataset.optional`) == "true"
				assert.Equal(t, optional, !p.hidden("optional-note"), "%s: the optional note shows exactly on optional questions", id)
				assert.Equal(t, optional, strings.HasPrefix(p.text("progress"), "Optional question · about "), "%s: the progress says optional", id)
				if optional {
					gotOptional = append(gotOptional, id)
					assert.Contains(t, p.text("optional-note"), "cannot change the result")
					assert.Equal(t, "Skip this optional question", p.text("skip"))
				} else {
					require.Empty(t, gotOptional, "%s: a needed question after an optional one", id)
					got = append(got, id)
					assert.Regexp(t, `^Question \d+ · about \d+ questions? left$`, p.text("progress"))
				}
				switch id {
				case "pain_days":
					p.set("-3")
					p.click("#submit")
					p.waitVisible("question-error")
					assert.Equal(t, "Please enter a whole number of at least 0.", p.text("question-error"))
					p.answerWith(person[id])
				case "grinding":
					assert.Equal(t, "Optional question · about 2 questions left", p.text("progress"))
					p.audit("optional question")
					p.click("#skip")
				case "relief_minutes":
					p.audit("number question")
					p.answerWith(person[id])
				default:
					p.answerWith(person[id])
				}
				p.next()
			}
			require.Equal(t, "verdict", p.screen())
			assert.Equal(t, "#outcome", p.focused(), "focus moves to the result")
			assert.Equal(t, want, got, "the page asks what Next asks, in its order")
			assert.Equal(t, wantOptional, gotOptional, "then the optional questions, in Verdict.Optional's order")
			assert.Equal(t, "No warning sign found; self-care is reasonable", p.text("outcome"), "an optional answer never changes the outcome")
			reasons := p.visibleText("reasons")
			assert.Contains(t, reasons, "Caution: Popping the back ten or more times a day")
			assert.Contains(t, reasons, "Because you answered:\n\nDo you pop or crack your own back? — Yes\nOn a typical day, how many times do you pop or crack your back? — 12 times a day")
			assert.NotContains(t, reasons, "Red flag")
			assert.False(t, p.hidden("optional"), "the skipped optional question is listed")
			assert.Equal(t, "Does it ever feel like bone grinding on bone when your back moves or pops?", p.visibleText("optional-list"))
			assert.False(t, p.hidden("self-care"))
			guidance := p.visibleText("self-care-list")
			assert.Contains(t, guidance, "Stop if it hurts. ")
			assert.NotContains(t, guidance, "Source")
			assert.True(t, p.hidden("missing"))
			assert.Equal(t, triage.Disclaimer, p.text("notice"))
			p.noInternals("self-care result")
			p.audit("self-care result")
			p.screenshot("self-care-" + vp.name)
			p.click("#details summary")
			require.Equal(t, "true", p.js(`String(document.getElementById("details").open)`), "the sources open")
			assert.Contains(t, p.visibleText("details"), "Stop if it hurts: ")
			p.audit("self-care result, sources shown")
		})
	}
}

// TestBrowserIncomplete skips two questions that can change the outcome,
// then answers them from the incomplete result without starting over, then
// the optional ones skipped, and finally goes back from the result: every
// answer is kept all along.
func TestBrowserIncomplete(t *testing.T) {
	p := newBrowser(t)
	person := selfCarePerson(p.eng)
	skip := map[string]bool{"fever": true, "night_pain": true, "grinding": true, "pops_per_day": true}
	p.open(t, viewports[0])
	p.click("#start")
	p.next()
	for p.screen() == "question" {
		id := p.questionID()
		if skip[id] {
			p.click("#skip")
		} else {
			p.answerWith(person[id])
		}
		p.next()
	}
	require.Equal(t, "verdict", p.screen())
	assert.Equal(t, "Not cleared yet; some answers are missing", p.text("outcome"))
	assert.Equal(t, "Do you have a fever?\nIs your pain worse at night?", p.visibleText("missing-list"), "question texts, never ids")
	assert.True(t, p.hidden("self-care"))
	p.noInternals("incomplete result")
	p.audit("incomplete result")

	p.click("#answer-missing")
	p.next()
	assert.Equal(t, "fever", p.questionID(), "the first missing question")
	assert.Equal(t, "#question-text", p.focused())
	assert.Regexp(t, `^Question \d+ · about 2 questions left$`, p.text("progress"))
	p.click("#answer-no")
	p.next()
	assert.Equal(t, "night_pain", p.questionID())
	assert.Regexp(t, `^Question \d+ · about 1 question left$`, p.text("progress"))
	p.click("#answer-no")
	p.next()
	for p.screen() == "question" { // the optional ones, skipped again
		require.Equal(t, "true", p.js(`document.getElementById("question").dataset.optional`))
		p.click("#skip")
		p.next()
	}
	assert.Equal(t, "No warning sign found; self-care is reasonable", p.text("outcome"), "the other answers were kept")
	assert.Equal(t, "Does it ever feel like bone grinding on bone when your back moves or pops?\nOn a typical day, how many times do you pop or crack your back?", p.visibleText("optional-list"))

	p.click("#answer-optional")
	p.next()
	assert.Equal(t, "grinding", p.questionID())
	p.click("#answer-no")
	p.next()
	assert.Equal(t, "pops_per_day", p.questionID())
	p.answerWith(person["pops_per_day"])
	p.next()
	assert.Equal(t, "No warning sign found; self-care is reasonable", p.text("outcome"))
	assert.Contains(t, p.visibleText("reasons"), "Caution: Popping the back ten or more times a day")
	assert.True(t, p.hidden("optional"), "nothing optional left")

	p.click("#verdict-back")
	p.next()
	assert.Equal(t, "pops_per_day", p.questionID(), "back from the result asks the last question again")
	assert.Equal(t, "Your earlier answer: 12 times a day.", p.text("earlier"))
	assert.Equal(t, "12", p.js(`document.getElementById("answer-number").value`), "with the earlier answer filled in")
	assert.Equal(t, "Optional question · about 1 question left", p.text("progress"))
	p.click("#submit")
	p.next()
	assert.Contains(t, p.visibleText("reasons"), "Caution: Popping the back ten or more times a day")
}

// keyboard walks the form with Tab, Shift+Tab, Space and Enter only.
type keyboard struct {
	*page
	checked map[triage.QuestionType]bool // question types whose whole focus order was checked
}

// tabTo presses Tab until want has the focus.
func (k *keyboard) tabTo(want string) {
	k.t.Helper()
	var seen []string
	for range 15 {
		if f := k.focused(); f == want {
			return
		} else if len(seen) > 0 || f != "#question-text" {
			seen = append(seen, f)
		}
		k.key("\t")
	}
	k.t.Fatalf("Tab never reaches %s; the focus went %v", want, seen)
}

// shiftTabTo presses Shift+Tab until want has the focus.
func (k *keyboard) shiftTabTo(want string) {
	k.t.Helper()
	for range 15 {
		if k.focused() == want {
			return
		}
		k.key("\t", chromedp.KeyModifiers(chromedp.ModifierShift))
	}
	k.t.Fatalf("Shift+Tab never reaches %s", want)
}

// order presses Tab n times and returns what got the focus.
func (k *keyboard) order(n int) []string {
	k.t.Helper()
	var got []string
	for range n {
		k.key("\t")
		got = append(got, k.focused())
	}
	return got
}

// answer answers the question on screen from the keyboard, or skips it
// (value nil). The first time a question type comes, it checks the whole
// focus order from the question to Skip.
func (k *keyboard) answer(value any) {
	k.t.Helper()
	id := k.questionID()
	require.Equal(k.t, "#question-text", k.focused(), "%s: focus moves to the question", id)
	i := slices.IndexFunc(k.eng.Questions(), func(q triage.Question) bool { return q.ID == id })
	require.GreaterOrEqual(k.t, i, 0)
	q := k.eng.Questions()[i]
	var order []string
	switch q.Type {
	case triage.BooleanType:
		order = []string{"#answer-yes", "#answer-no"}
	case triage.MultiChoiceType:
		for _, c := range q.Choices {
			order = append(order, "label:"+c.Label)
		}
		order = append(order, "label:None of them", "#submit")
	default:
		order = []string{"#answer-number", "#submit"}
	}
	if k.js(`String(document.getElementById("back").disabled)`) == "false" {
		order = append(order, "#back")
	}
	order = append(order, "#skip")
	if !k.checked[q.Type] {
		k.checked[q.Type] = true
		assert.Equal(k.t, order, k.order(len(order)), "%s: the focus order", id)
		k.shiftTabTo(order[0])
	}
	switch v := value.(type) {
	case nil:
		k.tabTo("#skip")
		k.key("\r")
	case bool:
		if v {
			k.tabTo("#answer-yes")
			k.key("\r")
		} else {
			k.tabTo("#answer-no")
			k.key(" ")
		}
	case []string:
		if len(v) == 0 {
			k.tabTo("label:None of them")
			k.key(" ")
		}
		for _, c := range v {
			for _, choice := range q.Choices {
				if choice.Value == c {
					k.tabTo("label:" + choice.Label)
					k.key(" ")
				}
			}
		}
		k.tabTo("#submit")
		k.key("\r")
	case int64:
		k.tabTo("#answer-number")
		k.key(fmt.Sprint(v))
		k.key("\r") // Enter in the field submits
	default:
		k.t.Fatalf("cannot answer %T", value)
	}
	k.next()
}

// TestBrowserKeyboard walks a red-flag path and then a self-care path with
// the keyboard only (Tab, Shift+Tab, Space, Enter; no mouse) at both
// widths, checking the focus order of each kind of screen and that the
// focus lands on each new question and on the result.
func TestBrowserKeyboard(t *testing.T) {
	p := newBrowser(t)
	person := selfCarePerson(p.eng)
	for _, vp := range viewports {
		t.Run(vp.name, func(t *testing.T) {
			p.open(t, vp)
			k := &keyboard{page: p, checked: map[triage.QuestionType]bool{}}
			require.Equal(t, "#intro-heading", p.focused())
			assert.Equal(t, []string{"#start"}, k.order(1))
			p.key("\r")
			p.next()

			// The red-flag path: no arm pain, then numbness in the arms.
			k.answer(false)
			k.answer([]string{"arms"})
			require.Equal(t, "verdict", p.screen())
			assert.Equal(t, "#outcome", p.focused(), "focus moves to the result")
			assert.Equal(t, "Stop self-adjusting and see a professional", p.text("outcome"))
			assert.Contains(t, p.visibleText("reasons"), "— Arms")
			assert.Equal(t, []string{"summary:Sources and rule set", "#verdict-back", "#restart"}, k.order(3), "the result's focus order")
			k.shiftTabTo("summary:Sources and rule set")
			p.key("\r")
			assert.Equal(t, "true", p.js(`String(document.getElementById("details").open)`), "Enter opens the sources")
			k.tabTo("#restart")
			p.key("\r")
			p.next()

			// The self-care path, from the start again: nothing remembered.
			assert.True(t, p.hidden("earlier"), "start again forgets every answer")
			for p.screen() == "question" {
				id := p.questionID()
				if id == "grinding" {
					k.answer(nil)
				} else {
					k.answer(person[id])
				}
			}
			assert.Equal(t, "#outcome", p.focused(), "focus moves to the result")
			assert.Equal(t, "No warning sign found; self-care is reasonable", p.text("outcome"))
			assert.Contains(t, p.visibleText("reasons"), "On a typical day, how many times do you pop or crack your back? — 12 times a day", "the number typed and sent with Enter")
			assert.Equal(t, []string{"#answer-optional", "summary:Sources and rule set", "#verdict-back", "#restart"}, k.order(4), "the self-care result's focus order")
		})
	}
}
