package impact_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/impact"
)

// edited is a copy of the shipped rule set with edits made: triples of a
// file, a text that must appear in it exactly once, and its replacement.
func edited(t *testing.T, edits ...string) fstest.MapFS {
	t.Helper()
	out := fstest.MapFS{}
	err := fs.WalkDir(rules.FS, ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := fs.ReadFile(rules.FS, p)
		if err != nil {
			return err
		}
		out[p] = &fstest.MapFile{Data: data}
		return nil
	})
	require.NoError(t, err)
	for i := 0; i+2 < len(edits); i += 3 {
		file, old, new := edits[i], edits[i+1], edits[i+2]
		text := string(out[file].Data)
		require.Equal(t, 1, strings.Count(text, old), "%s must hold %q exactly once", file, old)
		out[file] = &fstest.MapFile{Data: []byte(strings.Replace(text, old, new, 1))}
	}
	return out
}

func load(t *testing.T, fsys fs.FS) *triage.Engine {
	t.Helper()
	eng, err := triage.Load(fsys)
	require.NoError(t, err)
	return eng
}

// generated is n generated answer sets for the shipped questionnaire,
// decoded as redflag check --jsonl decodes each line.
func generated(t *testing.T, eng *triage.Engine, n int) []triage.Answers {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, gen.Write(&buf, eng.Questions(), n, 14))
	var out []triage.Answers
	sc := bufio.NewScanner(&buf)
	for sc.Scan() {
		a, err := eng.DecodeAnswers(bytes.NewReader(sc.Bytes()))
		require.NoError(t, err)
		out = append(out, a)
	}
	require.NoError(t, sc.Err())
	require.Len(t, out, n)
	return out
}

// TestThresholdMoved moves the shipped rule set's "more than a few days"
// from pain_days > 3 to pain_days > 4, and checks that the report names
// exactly the generated people at that boundary: those with pain_days 4
// and no other referral rule firing lose their referral, and those with
// pain_days 4 and another referral keep it, for one reason less. Both
// sets, and the outcome each person who loses a referral gets instead, are
// worked out here without the package: from the old verdict's reasons, and
// from the old rule set evaluating the same answers with pain_days 3.
func TestThresholdMoved(t *testing.T) {
	ctx := context.Background()
	old := load(t, rules.FS)
	moved := load(t, edited(t, "pain.yaml", "when: pain_days > 3", "when: pain_days > 4"))
	answers := generated(t, old, 5000)

	// lost: the new outcome of each person who loses a referral.
	// fewer: the people still referred, for one reason less.
	lost := map[int]triage.Outcome{}
	fewer := map[int]bool{}
	for i, a := range answers {
		if d, ok := a["pain_days"]; !ok || fmt.Sprint(d) != "4" { // json.Number from DecodeAnswers
			continue
		}
		v, err := old.Evaluate(ctx, a)
		require.NoError(t, err)
		var refer []string
		for _, r := range v.Reasons {
			if r.Action == triage.Refer {
				refer = append(refer, r.RuleID)
			}
		}
		require.Contains(t, refer, "pain_more_than_few_days", "pain_days 4 refers under the shipped rules")
		if len(refer) > 1 {
			fewer[i] = true
			continue
		}
		below := triage.Answers{}
		for k, x := range a {
			below[k] = x
		}
		below["pain_days"] = int64(3)
		bv, err := old.Evaluate(ctx, below)
		require.NoError(t, err)
		lost[i] = bv.Outcome
	}
	require.Greater(t, len(lost), 50, "too few people at the boundary for the test to mean anything")
	require.NotEmpty(t, fewer)

	rep, err := impact.Compare(ctx, old, moved, answers)
	require.NoError(t, err)
	assert.Empty(t, rep.Errors)
	assert.Equal(t, len(answers), rep.Compared)
	assert.Equal(t, old.RuleSet().Version, rep.New.Version)
	assert.NotEqual(t, rep.Old.Hash, rep.New.Hash)

	gotLost := map[int]triage.Outcome{}
	for _, c := range rep.LostReferrals() {
		gotLost[c.Index] = c.New
	}
	assert.Equal(t, lost, gotLost, "the people who lose a referral, and what they get instead")
	assert.Equal(t, rep.LostReferrals(), rep.OutcomeChanges(), "no other outcome changes")
	gotFewer := map[int]bool{}
	for _, c := range rep.Changes {
		assert.Equal(t, triage.SeeProfessional, c.Old, "%v", c)
		assert.Equal(t, impact.Rules{Refer: []string{"pain_more_than_few_days"}, Caution: []string{}}, c.Unfired, "%v", c)
		assert.Equal(t, none, c.Fired, "%v", c)
		if !c.OutcomeChanged() {
			gotFewer[c.Index] = true
		}
	}
	assert.Equal(t, fewer, gotFewer, "the people still referred for another reason: a change of rules only")
	assert.Len(t, rep.Changes, len(lost)+len(fewer))
	outcomes := map[triage.Outcome]int{}
	for _, o := range lost {
		outcomes[o]++
	}
	assert.Positive(t, outcomes[triage.SelfCare], "some at the boundary become self-care")
	t.Logf("%d of %d generated people lose a referral (%v), %d keep one for another reason", len(lost), len(answers), outcomes, len(fewer))
}

// TestSameRules: a rule set compared with itself changes nobody.
func TestSameRules(t *testing.T) {
	eng := load(t, rules.FS)
	rep, err := impact.Compare(context.Background(), eng, load(t, rules.FS), generated(t, eng, 500))
	require.NoError(t, err)
	assert.Equal(t, 500, rep.Compared)
	assert.Empty(t, rep.Changes)
	assert.Empty(t, rep.Errors)
}

func rules_(refer, caution []string) impact.Rules {
	if refer == nil {
		refer = []string{}
	}
	if caution == nil {
		caution = []string{}
	}
	return impact.Rules{Refer: refer, Caution: caution}
}

var none = rules_(nil, nil)

func TestCompareTable(t *testing.T) {
	ctx := context.Background()
	old := load(t, rules.FS)
	// fever now only cautions.
	feverCaution := load(t, edited(t, "systemic.yaml",
		"when: fever\n    action: refer", "when: fever\n    action: caution"))
	// pain_days is renamed: an answer under the old id is unknown.
	renamed := load(t, edited(t,
		"questions.yaml", "id: pain_days", "id: days_of_pain",
		"pain.yaml", "when: pain_days > 3", "when: days_of_pain > 3"))
	// Ten pops a day refers instead of cautioning.
	popsRefer := load(t, edited(t, "popping.yaml", "pops_per_day >= 10\n    action: caution", "pops_per_day >= 10\n    action: refer"))
	base := func(extra triage.Answers, drop ...string) triage.Answers {
		a := triage.Answers{
			"shooting_arm_pain": false, "numbness_tingling": []string{}, "electric_pain": false,
			"needle_like_pain": false, "popping_pain": false, "pain_wraps_to_chest": false,
			"deep_breath_pain": false, "constant_stiffness": false, "clunking": false, "grinding": false,
			"self_pops": false, "pain_days": 1, "fever": false, "unexplained_weight_loss": false,
			"night_pain": false, "systemic_symptoms": false, "severe_osteoporosis": false,
			"inflammatory_condition": false, "recent_trauma": false,
		}
		for k, v := range extra {
			a[k] = v
		}
		for _, k := range drop {
			delete(a, k)
		}
		return a
	}
	for _, tc := range []struct {
		name    string
		new     *triage.Engine
		answers triage.Answers
		want    *impact.Change // nil: no change
		lost    bool
		err     string // the InputError's RuleSet, when the input is an error
	}{
		{
			name:    "nothing wrong stays self-care",
			new:     feverCaution,
			answers: base(nil),
		},
		{
			name:    "fever alone loses its referral: the rule now only cautions",
			new:     feverCaution,
			answers: base(triage.Answers{"fever": true}),
			want: &impact.Change{Old: triage.SeeProfessional, New: triage.SelfCare,
				Fired: rules_(nil, []string{"fever"}), Unfired: rules_([]string{"fever"}, nil), Missing: []string{}},
			lost: true,
		},
		{
			name:    "fever with night pain is still referred, for one reason less: a change of rules, not of outcome",
			new:     feverCaution,
			answers: base(triage.Answers{"fever": true, "night_pain": true}),
			want: &impact.Change{Old: triage.SeeProfessional, New: triage.SeeProfessional,
				Fired: rules_(nil, []string{"fever"}), Unfired: rules_([]string{"fever"}, nil), Missing: []string{}},
		},
		{
			name:    "fever unanswered with nothing else: incomplete before, and now self-care since fever refers no one",
			new:     feverCaution,
			answers: base(nil, "fever"),
			want: &impact.Change{Old: triage.Incomplete, New: triage.SelfCare,
				Fired: none, Unfired: none, Missing: []string{}},
		},
		{
			name:    "fever with a question unanswered: referred before, incomplete now, which loses the referral too",
			new:     feverCaution,
			answers: base(triage.Answers{"fever": true}, "recent_trauma"),
			want: &impact.Change{Old: triage.SeeProfessional, New: triage.Incomplete,
				Fired: rules_(nil, []string{"fever"}), Unfired: rules_([]string{"fever"}, nil), Missing: []string{"recent_trauma"}},
			lost: true,
		},
		{
			name:    "many pops a day gains a referral",
			new:     popsRefer,
			answers: base(triage.Answers{"self_pops": true, "pops_per_day": 12, "relief_minutes": 60}),
			want: &impact.Change{Old: triage.SelfCare, New: triage.SeeProfessional,
				Fired: rules_([]string{"frequent_popping"}, nil), Unfired: rules_(nil, []string{"frequent_popping"}), Missing: []string{}},
		},
		{
			name:    "an answer the new rule set no longer asks is an error, never a change",
			new:     renamed,
			answers: base(triage.Answers{"pain_days": 10}),
			err:     "new",
		},
		{
			name:    "an answer neither rule set accepts is an error under both",
			new:     feverCaution,
			answers: base(triage.Answers{"fever": "yes"}),
			err:     "both",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rep, err := impact.Compare(ctx, old, tc.new, []triage.Answers{tc.answers})
			require.NoError(t, err)
			if tc.err != "" {
				require.Len(t, rep.Errors, 1)
				assert.Equal(t, tc.err, rep.Errors[0].RuleSet)
				var aerrs triage.AnswerErrors
				assert.True(t, errors.As(rep.Errors[0], &aerrs), "%v", rep.Errors[0])
				assert.Empty(t, rep.Changes)
				assert.Zero(t, rep.Compared)
				return
			}
			require.Empty(t, rep.Errors)
			assert.Equal(t, 1, rep.Compared)
			if tc.want == nil {
				assert.Empty(t, rep.Changes)
				return
			}
			require.Len(t, rep.Changes, 1)
			assert.Equal(t, *tc.want, rep.Changes[0])
			assert.Equal(t, tc.lost, rep.Changes[0].LostReferral())
			assert.Equal(t, tc.lost, len(rep.LostReferrals()) == 1)
		})
	}
}

func TestCompareCancelled(t *testing.T) {
	eng := load(t, rules.FS)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	rep, err := impact.Compare(ctx, eng, eng, generated(t, eng, 3))
	assert.ErrorIs(t, err, context.Canceled)
	assert.Nil(t, rep, "a cancelled comparison has no report, never a partial one that looks complete")
}
