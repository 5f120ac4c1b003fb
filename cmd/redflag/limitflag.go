package main

import (
	"flag"
	"fmt"
	"strconv"
	"strings"

	"github.com/redflagkit/redflag/triage"
)

// limitNames are the names --limit takes, each for one field of
// triage.Limits, in the order the help lists them.
var limitNames = []struct {
	name string
	set  func(l *triage.Limits, n int)
}{
	{"answers", func(l *triage.Limits, n int) { l.Answers = n }},
	{"rules", func(l *triage.Limits, n int) { l.Rules = n }},
	{"answers-size", func(l *triage.Limits, n int) { l.AnswersSize = n }},
	{"string-length", func(l *triage.Limits, n int) { l.StringLength = n }},
	{"list-length", func(l *triage.Limits, n int) { l.ListLength = n }},
	{"expression-length", func(l *triage.Limits, n int) { l.ExpressionLength = n }},
	{"rule-files", func(l *triage.Limits, n int) { l.RuleFiles = n }},
	{"rule-file-size", func(l *triage.Limits, n int) { l.RuleFileSize = n }},
	{"nesting", func(l *triage.Limits, n int) { l.Nesting = n }},
	{"cost", func(l *triage.Limits, n int) { l.Cost = uint64(n) }},
}

// limitFlag is --limit NAME=N[,NAME=N...], which may be repeated: it
// raises (or lowers) the limits the rule set is loaded with and answers
// are read under. A limit not named keeps its default.
type limitFlag struct {
	limits triage.Limits
	set    bool
}

// addLimitFlag defines --limit on fset.
func addLimitFlag(fset *flag.FlagSet) *limitFlag {
	l := &limitFlag{}
	fset.Var(l, "limit", "raise a limit, as `NAME=N[,NAME=N]`, for a rule set larger than the defaults allow (for example answers=2000,rules=1500); names: "+limitList())
	return l
}

func (l *limitFlag) String() string { return "" }

// Set parses one --limit value.
func (l *limitFlag) Set(s string) error {
	for item := range strings.SplitSeq(s, ",") {
		name, value, ok := strings.Cut(strings.TrimSpace(item), "=")
		if !ok {
			return fmt.Errorf("want NAME=N, such as answers=2000, got %q", item)
		}
		set := limitSetter(name)
		if set == nil {
			return fmt.Errorf("unknown limit %q; the limits are %s", name, limitList())
		}
		n, err := strconv.Atoi(value)
		if err != nil || n <= 0 {
			return fmt.Errorf("limit %s wants a whole number above 0, got %q", name, value)
		}
		set(&l.limits, n)
	}
	l.set = true
	return nil
}

func limitSetter(name string) func(*triage.Limits, int) {
	for _, n := range limitNames {
		if n.name == name {
			return n.set
		}
	}
	return nil
}

func limitList() string {
	names := make([]string, len(limitNames))
	for i, n := range limitNames {
		names[i] = n.name
	}
	return strings.Join(names, ", ")
}

// options are the triage options --limit stands for: none when it was not
// given.
func (l *limitFlag) options() []triage.Option {
	if l == nil || !l.set {
		return nil
	}
	return []triage.Option{triage.WithLimits(l.limits)}
}

// limitHint follows a rule set refused for a limit.
const limitHint = "The limits guard against runaway input. If the rule set is meant to be this large, raise the limit it names with --limit, for example --limit answers=2000,rules=1500."
