// Package triagetest runs a rule set's test cases: the *_test.yaml files
// beside its rule files, read by Load.
//
// Run makes every case a subtest of a Go test, so a rule set's clinical
// content is tested by go test:
//
//	func TestRules(t *testing.T) {
//		eng, err := triage.Load(rules.FS)
//		require.NoError(t, err)
//		triagetest.Run(t, eng, rules.FS)
//	}
//
// Verify does the same for tools and returns a Report: each case's result,
// the rule set's clinical coverage (has every rule been seen firing and not
// firing, has every question been answered and left unanswered where that
// matters) and, with WithMutation, a mutation score: how many deliberately
// broken versions of the rules the cases catch.
//
// NoLostReferrals gates a rule change in a test: it fails when anyone
// loses a referral between two versions of a rule set (package
// triage/impact does the comparison).
//
// The package registers no flags and keeps no global state.
package triagetest
