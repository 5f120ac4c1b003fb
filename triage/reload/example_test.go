package reload_test

import (
	"context"
	"fmt"
	"log"
	"testing/fstest"
	"time"

	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/reload"
)

// A service that edits its rules without restarting serves them through
// Watch; a broken edit leaves the last good rule set in service.
func ExampleWatch() {
	dir := fstest.MapFS{"rules.yaml": {Data: []byte(watchRules("1.0.0", "pain_days > 3"))}}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	r, err := reload.Watch(ctx, dir, // os.DirFS("/etc/myapp/rules") in a service
		reload.WithInterval(time.Hour), // default 2 s; here only Reload looks
		reload.WithErrorHandler(func(err error) {
			fmt.Println("rules not reloaded:", err)
		}),
	)
	if err != nil {
		log.Fatal(err) // the first load failed: nothing to serve
	}
	answers := triage.Answers{"pain_days": 3}
	v, err := r.Engine().Evaluate(ctx, answers)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(v.RuleSet.Version, v.Outcome)

	dir["rules.yaml"] = &fstest.MapFile{Data: []byte(watchRules("1.1.0", "pain_days >= 3"))}
	_ = r.Reload() // what a SIGHUP handler would do
	v, _ = r.Engine().Evaluate(ctx, answers)
	fmt.Println(v.RuleSet.Version, v.Outcome)

	dir["rules.yaml"] = &fstest.MapFile{Data: []byte(watchRules("1.2.0", "pain_dayz >= 3"))}
	_ = r.Reload()
	v, _ = r.Engine().Evaluate(ctx, answers)
	fmt.Println(v.RuleSet.Version, v.Outcome)
	// Output:
	// 1.0.0 self_care
	// 1.1.0 see_professional
	// rules not reloaded: rules.yaml:13:11: long_pain: when: unknown question "pain_dayz" (did you mean "pain_days"?)
	// 1.1.0 see_professional
}

// watchRules is a one-rule set with the given version and condition.
func watchRules(version, when string) string {
	return `name: watch-example
version: ` + version + `
title: Hot reload example
sources: [{id: doc, title: A document}]
questions:
  - id: pain_days
    text: For how many days have you had this pain?
    type: integer
    min: 0
rules:
  - id: long_pain
    title: Long pain
    when: ` + when + `
    action: refer
    advice: See a professional.
    cite: {source: doc, section: Pain}
`
}
