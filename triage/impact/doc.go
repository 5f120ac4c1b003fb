// Package impact compares two rule sets on the same answers: whose outcome
// a rule change moves, in which direction, and through which rules. A rule
// repository can gate a merge on "no one loses a referral" with it, in Go
// (Compare, Report.LostReferrals) or in a test (triagetest.NoLostReferrals);
// "redflag diff" is the same comparison on a file of answers.
//
// A person loses a referral when the old rule set's outcome is
// SeeProfessional and the new one's is anything else: self-care, or
// incomplete (they are no longer told to see a professional, only asked
// more questions). An input that either rule set cannot evaluate is an
// error, never a change and never "unchanged": it could hide a lost
// referral.
//
// The comparison supports the review of a rule change; it is not a
// diagnosis, and it says nothing about answer sets it was not given.
package impact
