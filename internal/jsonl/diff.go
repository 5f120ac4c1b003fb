package jsonl

import (
	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/impact"
)

// ChangeLine is one line of diff --jsonl output for a changed line.
type ChangeLine struct {
	Line         int            `json:"line"`
	Old          triage.Outcome `json:"old"`
	New          triage.Outcome `json:"new"`
	LostReferral bool           `json:"lost_referral"`
	Fired        impact.Rules   `json:"fired"`
	Unfired      impact.Rules   `json:"unfired"`
	Missing      []string       `json:"missing"`
}

// NewChangeLine is diff --jsonl's line for line number lineNo, changed as c
// says.
func NewChangeLine(lineNo int, c impact.Change) ChangeLine {
	return ChangeLine{Line: lineNo, Old: c.Old, New: c.New, LostReferral: c.LostReferral(),
		Fired: c.Fired, Unfired: c.Unfired, Missing: c.Missing}
}

// DiffErrorLine is one line of diff --jsonl output for a line that was not
// compared: check --jsonl's error line, with the rule set that refused it
// ("old", "new" or "both"; absent when the line could not be read).
type DiffErrorLine struct {
	Line    int           `json:"line"`
	RuleSet string        `json:"rule_set,omitempty"`
	Error   string        `json:"error"`
	Errors  []AnswerError `json:"errors,omitempty"`
}

// DirectionOrder is the order directions are reported in: referrals lost
// first, then referrals gained, then the rest.
var DirectionOrder = [][2]triage.Outcome{
	{triage.SeeProfessional, triage.SelfCare},
	{triage.SeeProfessional, triage.Incomplete},
	{triage.SelfCare, triage.SeeProfessional},
	{triage.Incomplete, triage.SeeProfessional},
	{triage.SelfCare, triage.Incomplete},
	{triage.Incomplete, triage.SelfCare},
}

// Summary is the last line of diff --jsonl output.
type Summary struct {
	Summary SummaryBody `json:"summary"`
}

// SummaryBody is diff --jsonl's summary object.
type SummaryBody struct {
	Lines          int         `json:"lines"`
	Compared       int         `json:"compared"`
	Unchanged      int         `json:"unchanged"`
	Changed        int         `json:"changed"`
	OutcomeChanged int         `json:"outcome_changed"`
	LostReferrals  int         `json:"lost_referrals"`
	Errors         int         `json:"errors"`
	Directions     []Direction `json:"directions"`
	Old            RuleSetID   `json:"old"`
	New            RuleSetID   `json:"new"`
	Notice         string      `json:"notice"`
}

// Direction counts the lines whose outcome moved from Old to New.
type Direction struct {
	Old          triage.Outcome `json:"old"`
	New          triage.Outcome `json:"new"`
	Count        int            `json:"count"`
	LostReferral bool           `json:"lost_referral"`
}

// DiffCounts is what the summary counts. Changed counts every changed
// line, outcome or rules only; Directions counts the outcome changes in
// DirectionOrder (missing entries count 0).
type DiffCounts struct {
	Lines, Compared, Unchanged, Changed, Errors int
	Directions                                  []int
}

// NewSummary is diff --jsonl's summary of c, comparing old with new.
func NewSummary(c DiffCounts, old, new RuleSetID) Summary {
	s := SummaryBody{
		Lines: c.Lines, Compared: c.Compared, Unchanged: c.Unchanged, Changed: c.Changed, Errors: c.Errors,
		Directions: []Direction{}, Old: old, New: new, Notice: triage.Disclaimer,
	}
	for i, d := range DirectionOrder {
		n := 0
		if i < len(c.Directions) {
			n = c.Directions[i]
		}
		lost := d[0] == triage.SeeProfessional
		s.OutcomeChanged += n
		if lost {
			s.LostReferrals += n
		}
		if n > 0 {
			s.Directions = append(s.Directions, Direction{Old: d[0], New: d[1], Count: n, LostReferral: lost})
		}
	}
	return Summary{Summary: s}
}
