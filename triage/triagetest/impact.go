package triagetest

import (
	"context"
	"testing"

	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/impact"
)

// NoLostReferrals compares the old and new rule sets on answers with
// impact.Compare and fails t for each answer set that loses a referral
// (see a professional under old, anything else under new), naming the
// rules behind it, and for each answer set that either rule set cannot
// evaluate: one that is not compared could hide a lost referral. Other
// changes (a referral gained, a caution dropped) do not fail t; the
// report returned lists them, to check further.
//
// A rule repository gates a merge with it: old loaded from the last
// release, new from the working tree, answers from stored or generated
// questionnaires, or from its test cases.
func NoLostReferrals(t testing.TB, old, new *triage.Engine, answers []triage.Answers) *impact.Report {
	t.Helper()
	return noLostReferrals(t, t.Context(), old, new, answers)
}

// errorT is the part of testing.TB that NoLostReferrals uses, so that its
// own test can watch it fail.
type errorT interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}

func noLostReferrals(t errorT, ctx context.Context, old, new *triage.Engine, answers []triage.Answers) *impact.Report {
	t.Helper()
	rep, err := impact.Compare(ctx, old, new, answers)
	if err != nil {
		t.Fatalf("comparing %s with %s: %v", old.RuleSet(), new.RuleSet(), err)
		return nil
	}
	lost := rep.LostReferrals()
	if len(lost) > 0 {
		t.Errorf("%d of %d answer sets lose a referral from %s to %s:", len(lost), len(answers), rep.Old, rep.New)
	}
	for _, c := range lost {
		t.Errorf("%s", c)
	}
	if len(rep.Errors) > 0 {
		t.Errorf("%d of %d answer sets could not be compared, so they could hide a lost referral:", len(rep.Errors), len(answers))
	}
	for _, e := range rep.Errors {
		t.Errorf("%v", e)
	}
	return rep
}
