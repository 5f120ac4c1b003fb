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
	name  string
	field func(*triage.Limits) *int
}{
	{"answers", func(l *triage.Limits) *int { return &l.Answers }},
	{"rules", func(l *triage.Limits) *int { return &l.Rules }},
	{"answers-size", func(l *triage.Limits) *int { return &l.AnswersSize }},
	{"string-length", func(l *triage.Limits) *int { return &l.StringLength }},
	{"list-length", func(l *triage.Limits) *int { return &l.ListLength }},
	{"expression-length", func(l *triage.Limits) *int { return &l.ExpressionLength }},
	{"rule-files", func(l *triage.Limits) *int { return &l.RuleFiles }},
	{"rule-file-size", func(l *triage.Limits) *int { return &l.RuleFileSize }},
	{"nesting", func(l *triage.Limits) *int { return &l.Nesting }},
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
		field := limitField(&l.limits, name)
		if field == nil {
			return fmt.Errorf("unknown limit %q; the limits are %s", name, limitList())
		}
		n, err := strconv.Atoi(value)
		if err != nil || n <= 0 {
			return fmt.Errorf("limit %s wants a whole number above 0, got %q", name, value)
		}
		*field = n
	}
	l.set = true
	return nil
}

func limitField(lim *triage.Limits, name string) *int {
	for _, n := range limitNames {
		if n.name == name {
			return n.field(lim)
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
