package triagetest

import (
	"cmp"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"strings"

	"github.com/redflagkit/redflag/triage"
	"github.com/redflagkit/redflag/triage/internal/didyoumean"
	"github.com/redflagkit/redflag/triage/internal/ruleset"
	"github.com/redflagkit/redflag/triage/internal/ruleyaml"
)

// This file reads test-case files (*_test.yaml beside the rule files) with
// the same strict, positioned walker as rule files.

// Suite is the test cases of a rule set, read from its *_test.yaml files by
// Load.
type Suite struct {
	// Cases are in file-name order, then in file order.
	Cases []TestCase
	// Equivalent lists the mutants the suite's authors declare equivalent
	// to the rule they came from: no answers could tell them apart, so no
	// case can kill them. Mutation testing leaves them out of the score.
	Equivalent []EquivalentMutant

	// fixtures are the named answer sets, in the order written; mutation
	// testing starts its suggested cases from them.
	fixtures []fixture
}

// fixture is one named answer set.
type fixture struct {
	name    string
	answers triage.Answers
}

// answer is one answer as a test file writes it; nil is null (unanswered).
type answer struct {
	question string
	value    any
}

// TestCase is one named set of answers and what the rule set must make of
// them.
type TestCase struct {
	// Name is unique within the suite. Test runners use it as the subtest
	// name.
	Name string
	// Description says what the case checks, in words.
	Description string
	// Baseline is the fixture the answers start from, or "".
	Baseline string
	// Answers are the baseline's answers with the case's own applied on
	// top; a case's null removes a baseline answer (unanswered).
	Answers triage.Answers
	// Expect is what the verdict must show.
	Expect Expectation
	// Pos is where the case is written.
	Pos triage.Position

	// own are the case's own answers, on top of its baseline, in the order
	// written.
	own []answer
}

// Expectation is what a test case checks. A nil list is not checked. Only
// FiresExactly and Missing may be empty ("fires_exactly: []" means nothing
// fires, "missing: []" that nothing is missing): an empty Fires, NotFires
// or Invalid could never fail, and Load refuses it. At least one
// expectation is set in every case.
type Expectation struct {
	// Outcome is the expected outcome; the zero value is not checked.
	Outcome triage.Outcome
	// Fires lists rules that must fire (others may fire too).
	Fires []string
	// FiresExactly is the exact set of rules that must fire.
	FiresExactly []string
	// NotFires lists rules that must not fire.
	NotFires []string
	// Missing is the exact list of missing questions, in order.
	Missing []string
	// Invalid lists the questions the answers must be refused for: the
	// evaluation must fail with AnswerErrors naming exactly these.
	Invalid []string
}

// EquivalentMutant declares one mutant of a rule equivalent to the rule.
type EquivalentMutant struct {
	// Rule is the rule's id.
	Rule string
	// Mutant is the mutated condition, as mutation testing prints it.
	Mutant string
	// Reason says why no answers can tell the mutant from the rule.
	Reason string
	// Pos is where the declaration is written.
	Pos triage.Position
}

// reservedCaseName is the subtest under which Run runs mutation testing.
const reservedCaseName = "mutants"

// maxTestFileSize bounds one test file: test files are held to the default
// rule-file size limit, since the same tools read them from the same
// places.
const maxTestFileSize = 1 << 20

// rawAnswer is one answer from a test file, with its key and value nodes.
type rawAnswer struct {
	key   string
	k, v  *ruleyaml.Node
	value any // nil: unanswered
	bad   bool
}

type rawFixture struct {
	name    string
	node    *ruleyaml.Node
	answers []rawAnswer
	d       *decoder
}

type rawCase struct {
	name, description, baseline ruleyaml.Str
	answers                     []rawAnswer
	expect                      *ruleyaml.Node
	node                        *ruleyaml.Node
	path                        string
	d                           *decoder
}

// Load reads every test-case file (*_test.yaml, *_test.yml) at the root of
// fsys, in name order, and checks it against eng, the rule set it tests:
// answers must name its questions and fit their types (unless the case
// expects them to be invalid), expectations must name its rules and
// questions, and baselines must name fixtures. A rule set without test
// files gives an empty Suite.
//
// If anything is wrong, Load returns no Suite and a triage.ErrorList of
// every problem, sorted by position; like rule-file errors, they wrap
// triage.ErrInvalidRuleSet.
//
// The format, in short:
//
//	fixtures:                  # named answer sets, shared by every file
//	  all_negative: {fever: false, pain_days: 1, ...}
//	cases:
//	  - name: fever alone refers
//	    description: optional words
//	    baseline: all_negative # optional
//	    answers: {fever: true} # on top of the baseline; null = unanswered
//	    expect:
//	      outcome: see_professional
//	      fires: [fever]       # or fires_exactly: [...]
//	      not_fires: [night_pain]
//	      missing: []          # exact, in order
//	      # invalid: [pain_days] (answers refused; not with the others)
//	equivalent_mutants:        # for mutation testing; rarely needed
//	  - {rule: id, mutant: "expression", reason: why no answers tell them apart}
func Load(fsys fs.FS, eng *triage.Engine) (*Suite, error) {
	if eng == nil {
		return nil, fmt.Errorf("triagetest.Load: nil Engine")
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, triage.ErrorList{{Pos: triage.Position{File: "."}, Msg: fmt.Sprintf("cannot read rule directory: %v", err)}}
	}
	l := newSuiteLoader(eng)
	for _, p := range ruleset.Stray(fsys, true) {
		l.errs = append(l.errs, &triage.Error{Pos: triage.Position{File: p.File}, Msg: p.Msg})
	}
	var cases []rawCase
	for _, ent := range entries {
		if !ent.IsDir() && ruleset.IsTestFile(ent.Name()) {
			cases = append(cases, l.readFile(fsys, ent.Name())...)
		}
	}
	for _, f := range l.fixtureOrder {
		l.checkAnswers(f.d, f.answers, nil, f.name)
	}
	suite := &Suite{Equivalent: l.equivalent}
	for _, f := range l.fixtureOrder {
		fx := fixture{name: f.name, answers: triage.Answers{}}
		for _, a := range f.answers {
			if a.value != nil {
				fx.answers[a.key] = a.value
			}
		}
		suite.fixtures = append(suite.fixtures, fx)
	}
	l.addCases(suite, cases)
	if len(l.errs) > 0 {
		sortErrors(l.errs)
		return nil, l.errs
	}
	return suite, nil
}

type suiteLoader struct {
	eng          *triage.Engine
	rules        []string // rule ids
	questions    []string // question ids
	errs         triage.ErrorList
	fixtures     map[string]*rawFixture
	fixtureOrder []*rawFixture
	equivalent   []EquivalentMutant
	names        map[string]namedCase // by Go subtest name
}

// namedCase is where a case name was first used.
type namedCase struct {
	name string
	pos  triage.Position
}

func newSuiteLoader(eng *triage.Engine) *suiteLoader {
	l := &suiteLoader{eng: eng, fixtures: map[string]*rawFixture{}, names: map[string]namedCase{}}
	for _, r := range eng.Rules() {
		l.rules = append(l.rules, r.ID)
	}
	for _, q := range eng.Questions() {
		l.questions = append(l.questions, q.ID)
	}
	return l
}

// readFile reads and decodes one test file, returning its cases.
func (l *suiteLoader) readFile(fsys fs.FS, name string) []rawCase {
	src, p := ruleset.ReadFile(fsys, name, maxTestFileSize)
	if p != nil {
		e := &triage.Error{Pos: triage.Position{File: p.File, Line: p.Line, Column: p.Column}, Msg: p.Msg}
		if p.Limit {
			e.Msg = fmt.Sprintf("test file is larger than the limit of %d bytes (test files may be as large as a rule file is by default, Limits.RuleFileSize, whatever the limits the rules were loaded with)", maxTestFileSize)
			e.Err = triage.ErrLimit
		}
		l.errs = append(l.errs, e)
		return nil
	}
	d := newDecoder(name, src, &l.errs)
	root, ok := d.Parse()
	if !ok || root == nil {
		return nil
	}
	return l.decodeFile(d, root)
}

// addCases builds the cases and adds those whose names are usable.
func (l *suiteLoader) addCases(suite *Suite, cases []rawCase) {
	for _, rc := range cases {
		tc, ok := l.buildCase(rc)
		if ok && l.nameOK(rc, tc) {
			suite.Cases = append(suite.Cases, tc)
		}
	}
}

// nameOK checks a case name. Case names become Go subtest names, where
// spaces turn into underscores and "/" separates levels: names must stay
// distinct and selectable after that rewrite.
func (l *suiteLoader) nameOK(rc rawCase, tc TestCase) bool {
	key := strings.ReplaceAll(tc.Name, " ", "_")
	path := ruleyaml.JoinPath(rc.path, "name")
	switch {
	case strings.Contains(tc.Name, "/"):
		rc.d.errorf(rc.name.Node, tc.Name, path, "case names cannot contain \"/\" (go test -run splits on it)")
		return false
	case key == reservedCaseName:
		rc.d.errorf(rc.name.Node, tc.Name, path, "%q is reserved for mutation testing; choose another name", tc.Name)
		return false
	}
	if first, dup := l.names[key]; dup {
		also := ""
		if first.name != tc.Name {
			also = fmt.Sprintf(", as %q: go test turns spaces into underscores", first.name)
		}
		rc.d.errorf(rc.name.Node, tc.Name, path, "duplicate case name %q (first at %s%s)", tc.Name, first.pos, also)
		return false
	}
	l.names[key] = namedCase{tc.Name, tc.Pos}
	return true
}

func (l *suiteLoader) decodeFile(d *decoder, root *ruleyaml.Node) []rawCase {
	var cases []rawCase
	entries, _ := d.Entries(root, "", "", ruleyaml.SuiteKeys)
	for _, e := range entries {
		switch e.Key {
		case "fixtures":
			l.decodeFixtures(d, e.V)
		case "cases":
			for i, item := range d.Items(e.V, "", e.Key) {
				cases = append(cases, l.decodeCase(d, item, fmt.Sprintf("cases[%d]", i)))
			}
		case "equivalent_mutants":
			for i, item := range d.Items(e.V, "", e.Key) {
				l.decodeEquivalent(d, item, fmt.Sprintf("equivalent_mutants[%d]", i))
			}
		}
	}
	return cases
}

func (l *suiteLoader) decodeFixtures(d *decoder, n *ruleyaml.Node) {
	pairs, _ := d.Pairs(n, "", "fixtures")
	for _, kv := range pairs {
		nk, nv := kv[0], kv[1]
		name := nk.Value
		p := ruleyaml.JoinPath("fixtures", name)
		if !ruleyaml.IsScalar(nk, "!!str") || name == "" {
			d.errorf(nk, "", "fixtures", "fixture names must be strings")
			continue
		}
		if first, dup := l.fixtures[name]; dup {
			d.errorf(nk, name, p, "duplicate fixture %q (first at %s)", name, first.d.pos(first.node))
			continue
		}
		f := &rawFixture{name: name, node: nk, d: d, answers: l.decodeAnswers(d, nv, name, p)}
		l.fixtures[name] = f
		l.fixtureOrder = append(l.fixtureOrder, f)
	}
}

func (l *suiteLoader) decodeCase(d *decoder, n *ruleyaml.Node, p string) rawCase {
	rc := rawCase{node: n, path: p, d: d}
	name := ruleyaml.PeekKey(n, "name")
	entries, _ := d.Entries(n, name, p, ruleyaml.CaseKeys)
	for _, e := range entries {
		kp := ruleyaml.JoinPath(p, e.Key)
		switch e.Key {
		case "name":
			rc.name = d.Str(e.V, name, kp)
		case "description":
			rc.description = d.Str(e.V, name, kp)
		case "baseline":
			rc.baseline = d.Str(e.V, name, kp)
		case "answers":
			rc.answers = l.decodeAnswers(d, e.V, name, kp)
			if rc.answers == nil {
				rc.answers = []rawAnswer{} // present, even if empty
			}
		case "expect":
			rc.expect = e.V
		}
	}
	return rc
}

// decodeAnswers reads a mapping of question id to answer. YAML scalars
// become bool, int64, float64 or string; a list of strings becomes
// []string; null means unanswered.
func (l *suiteLoader) decodeAnswers(d *decoder, n *ruleyaml.Node, id, p string) []rawAnswer {
	pairs, ok := d.Pairs(n, id, p)
	if !ok {
		return nil
	}
	var out []rawAnswer
	seen := map[string]*ruleyaml.Node{}
	for _, kv := range pairs {
		k, v := kv[0], kv[1]
		kp := ruleyaml.JoinPath(p, k.Value)
		if !ruleyaml.IsScalar(k, "") {
			d.errorf(k, id, p, "answer keys must be question ids, got %s", ruleyaml.KindName(k))
			continue
		}
		if first, dup := seen[k.Value]; dup {
			d.errorf(k, id, kp, "duplicate answer %q (first at line %d)", k.Value, first.Line)
			continue
		}
		seen[k.Value] = k
		a := rawAnswer{key: k.Value, k: k, v: v}
		a.value, a.bad = d.answerValue(v, id, kp)
		out = append(out, a)
	}
	return out
}

func (l *suiteLoader) decodeEquivalent(d *decoder, n *ruleyaml.Node, p string) {
	var rule, mutant, reason ruleyaml.Str
	entries, isMap := d.Entries(n, "", p, ruleyaml.EquivalentKeys)
	for _, e := range entries {
		s := d.Str(e.V, "", ruleyaml.JoinPath(p, e.Key))
		switch e.Key {
		case "rule":
			rule = s
		case "mutant":
			mutant = s
		case "reason":
			reason = s
		}
	}
	if !isMap {
		return
	}
	ok := true
	for _, f := range []struct {
		s   ruleyaml.Str
		key string
	}{{rule, "rule"}, {mutant, "mutant"}, {reason, "reason"}} {
		ok = d.nonEmptyKey(n, f.s, rule.V, p, f.key) && ok
	}
	if rule.Present() && !slices.Contains(l.rules, rule.V) {
		d.errorf(rule.Node, rule.V, ruleyaml.JoinPath(p, "rule"), "%s", l.unknownRule(rule.V))
		ok = false
	}
	if ok {
		l.equivalent = append(l.equivalent, EquivalentMutant{Rule: rule.V, Mutant: mutant.V, Reason: reason.V, Pos: d.pos(n)})
	}
}

func (l *suiteLoader) buildCase(rc rawCase) (TestCase, bool) {
	d := rc.d
	if !ruleyaml.IsMapping(rc.node) {
		return TestCase{}, false // already reported
	}
	errsBefore := len(l.errs)
	id := rc.name.V
	tc := TestCase{Name: rc.name.V, Description: rc.description.V, Pos: d.pos(rc.node)}
	switch {
	case rc.name.Node == nil:
		d.errorf(rc.node, "", rc.path, "missing required key \"name\"")
	case rc.name.Present() && strings.TrimSpace(rc.name.V) == "":
		d.errorf(rc.name.Node, "", ruleyaml.JoinPath(rc.path, "name"), "name must not be empty")
	}
	exp, expOK := l.decodeExpect(d, rc.expect, id, rc.path)
	tc.Expect = exp
	if rc.expect == nil {
		d.errorf(rc.node, id, rc.path, "missing required key \"expect\"")
	}
	if rc.baseline.Present() {
		tc.Baseline = rc.baseline.V
	}
	merged, order := l.mergeAnswers(rc, id)
	// The case's own answers are checked here; the fixture's were checked
	// once, where the fixture is written.
	l.checkAnswers(d, rc.answers, exp.Invalid, id)
	for _, a := range rc.answers {
		tc.own = append(tc.own, answer{a.key, a.value})
	}
	tc.Answers = triage.Answers{}
	for _, k := range order {
		if a := merged[k]; a.value != nil {
			tc.Answers[k] = a.value
		}
	}
	l.checkInvalid(rc, exp, merged, id)
	return tc, expOK && len(l.errs) == errsBefore
}

// mergeAnswers returns the baseline's answers with the case's on top, and
// the order in which they were first given.
func (l *suiteLoader) mergeAnswers(rc rawCase, id string) (map[string]rawAnswer, []string) {
	d := rc.d
	merged := map[string]rawAnswer{}
	var order []string
	if rc.baseline.Present() {
		f, ok := l.fixtures[rc.baseline.V]
		if !ok {
			msg := fmt.Sprintf("unknown fixture %q", rc.baseline.V)
			if s := didyoumean.Suggest(rc.baseline.V, l.fixtureNames()); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.errorf(rc.baseline.Node, id, ruleyaml.JoinPath(rc.path, "baseline"), "%s", msg)
		} else {
			for _, a := range f.answers {
				merged[a.key] = a
				order = append(order, a.key)
			}
		}
	}
	if rc.answers == nil && !rc.baseline.Present() {
		d.errorf(rc.node, id, rc.path, "a case needs answers, a baseline, or both (write answers: {} for none at all)")
	}
	for _, a := range rc.answers {
		if _, ok := merged[a.key]; !ok {
			order = append(order, a.key)
		}
		merged[a.key] = a
	}
	return merged, order
}

// checkInvalid checks that expect.invalid names questions or answers the
// case gives.
func (l *suiteLoader) checkInvalid(rc rawCase, exp Expectation, merged map[string]rawAnswer, id string) {
	for i, q := range exp.Invalid {
		_, given := merged[q]
		if !slices.Contains(l.questions, q) && !given {
			rc.d.errorf(rc.expect, id, fmt.Sprintf("%s.expect.invalid[%d]", rc.path, i), "invalid names %q, which is neither a question nor one of the case's answers", q)
		}
	}
}

// checkAnswers reports answers to unknown questions and answers that do not
// fit their question, except for the questions invalid lists: a case that
// expects its answers to be refused must be able to write them.
func (l *suiteLoader) checkAnswers(d *decoder, answers []rawAnswer, invalid []string, id string) {
	for _, a := range answers {
		if a.bad || slices.Contains(invalid, a.key) {
			continue
		}
		if !slices.Contains(l.questions, a.key) {
			d.errorf(a.k, id, "", "%s", l.unknownQuestion(a.key))
			continue
		}
		err := l.eng.CheckAnswer(a.key, a.value)
		if err == nil {
			continue
		}
		report := d.errorf
		if errors.Is(err, triage.ErrLimit) {
			report = d.limitf // over the limits the rules were loaded with
		}
		var aerrs triage.AnswerErrors
		if errors.As(err, &aerrs) && len(aerrs) == 1 {
			report(a.v, id, "", "answer to %s: %s", a.key, aerrs[0].Msg)
		} else {
			report(a.v, id, "", "answer to %s: %v", a.key, err)
		}
	}
}

func (l *suiteLoader) decodeExpect(d *decoder, n *ruleyaml.Node, id, casePath string) (Expectation, bool) {
	var exp Expectation
	if n == nil {
		return exp, false
	}
	p := ruleyaml.JoinPath(casePath, "expect")
	entries, isMap := d.Entries(n, id, p, ruleyaml.ExpectKeys)
	ok := true
	for _, e := range entries {
		ok = l.decodeExpectation(d, &exp, e, id, ruleyaml.JoinPath(p, e.Key)) && ok
	}
	if !isMap {
		return exp, false
	}
	return exp, l.consistent(d, n, exp, len(entries), id, p) && ok
}

// decodeExpectation decodes one key of expect into exp.
func (l *suiteLoader) decodeExpectation(d *decoder, exp *Expectation, e ruleyaml.Entry, id, kp string) bool {
	switch e.Key {
	case "outcome":
		s := d.Str(e.V, id, kp)
		if !s.Present() {
			return false
		}
		if err := exp.Outcome.UnmarshalText([]byte(s.V)); err != nil {
			d.errorf(e.V, id, kp, "unknown outcome %q; want self_care, see_professional or incomplete", s.V)
			return false
		}
	case "fires", "fires_exactly", "not_fires":
		ids := l.idList(d, e.V, id, kp, l.rules, l.unknownRule)
		switch e.Key {
		case "fires":
			exp.Fires = ids
		case "fires_exactly":
			exp.FiresExactly = ids
		default:
			exp.NotFires = ids
		}
		if ids != nil && len(ids) == 0 && e.Key != "fires_exactly" {
			// "at least none" and "none of none" hold whatever happens:
			// an expectation that cannot fail.
			d.errorf(e.V, id, kp, "%s: [] checks nothing; write fires_exactly: [] for \"no rule fires\"", e.Key)
			return false
		}
		return ids != nil
	case "missing":
		exp.Missing = l.idList(d, e.V, id, kp, l.questions, l.unknownQuestion)
		return exp.Missing != nil
	case "invalid":
		// Checked against the case's answers once they are merged.
		exp.Invalid = l.idList(d, e.V, id, kp, nil, nil)
		if exp.Invalid != nil && len(exp.Invalid) == 0 {
			d.errorf(e.V, id, kp, "invalid must name at least one question")
			return false
		}
		return exp.Invalid != nil
	}
	return true
}

// consistent reports expectations that set nothing or contradict each
// other.
func (l *suiteLoader) consistent(d *decoder, n *ruleyaml.Node, exp Expectation, set int, id, p string) bool {
	if set == 0 {
		d.errorf(n, id, p, "expect sets nothing; give an outcome, fires, fires_exactly, not_fires, missing or invalid")
		return false
	}
	if exp.Invalid != nil && set > 1 {
		d.errorf(n, id, p, "invalid cannot be combined with other expectations: invalid answers produce no verdict")
		return false
	}
	ok := true
	if exp.Fires != nil && exp.FiresExactly != nil {
		d.errorf(n, id, p, "give fires or fires_exactly, not both")
		ok = false
	}
	for _, r := range exp.NotFires {
		if slices.Contains(exp.Fires, r) || slices.Contains(exp.FiresExactly, r) {
			d.errorf(n, id, p, "rule %q is expected both to fire and not to fire", r)
			ok = false
		}
	}
	return ok
}

// idList decodes a list of ids, each one of known (any id when known is
// nil). It returns nil when the list is broken and a non-nil (perhaps
// empty) slice otherwise.
func (l *suiteLoader) idList(d *decoder, n *ruleyaml.Node, id, p string, known []string, unknown func(string) string) []string {
	out := []string{}
	ok := true
	items := d.Items(n, id, p)
	for i, item := range items {
		ip := fmt.Sprintf("%s[%d]", p, i)
		s := d.Str(item, id, ip)
		switch {
		case !s.Present():
			ok = false
		case known != nil && !slices.Contains(known, s.V):
			d.errorf(item, id, ip, "%s", unknown(s.V))
			ok = false
		case slices.Contains(out, s.V):
			d.errorf(item, id, ip, "%q is listed twice", s.V)
			ok = false
		default:
			out = append(out, s.V)
		}
	}
	if !ok || (items == nil && !ruleyaml.IsEmptyList(n)) {
		return nil
	}
	return out
}

func (l *suiteLoader) unknownRule(id string) string {
	msg := fmt.Sprintf("unknown rule %q", id)
	if s := didyoumean.Suggest(id, l.rules); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg
}

func (l *suiteLoader) unknownQuestion(id string) string {
	msg := fmt.Sprintf("unknown question %q", id)
	if s := didyoumean.Suggest(id, l.questions); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg
}

func (l *suiteLoader) fixtureNames() []string {
	names := make([]string, 0, len(l.fixtureOrder))
	for _, f := range l.fixtureOrder {
		names = append(names, f.name)
	}
	return names
}

func isBlank(s string) bool { return strings.TrimSpace(s) == "" }

// sortErrors orders errors by position, as triage.Load's are, keeping the
// discovery order of errors at the same position.
func sortErrors(errs triage.ErrorList) {
	slices.SortStableFunc(errs, func(a, b *triage.Error) int {
		return cmp.Or(cmp.Compare(a.Pos.File, b.Pos.File), cmp.Compare(a.Pos.Line, b.Pos.Line), cmp.Compare(a.Pos.Column, b.Pos.Column))
	})
}
