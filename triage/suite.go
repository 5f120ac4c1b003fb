package triage

import (
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// This file reads test-case files (*_test.yaml beside the rule files). They
// are part of a rule set's format, so they are decoded here with the same
// strict, positioned walker as rule files; the triagetest package runs them.

// Suite is the test cases of a rule set, read from its *_test.yaml files by
// LoadTests.
type Suite struct {
	// Cases are in file-name order, then in file order.
	Cases []TestCase
	// Equivalent lists the mutants the suite's authors declare equivalent
	// to the rule they came from: no answers could tell them apart, so no
	// case can kill them. Mutation testing leaves them out of the score.
	Equivalent []EquivalentMutant
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
	Answers Answers
	// Expect is what the verdict must show.
	Expect Expectation
	// Pos is where the case is written.
	Pos Position
}

// Expectation is what a test case checks. A nil list is not checked. Only
// FiresExactly and Missing may be empty ("fires_exactly: []" means nothing
// fires, "missing: []" that nothing is missing): an empty Fires, NotFires
// or Invalid could never fail, and LoadTests refuses it. At least one
// expectation is set in every case.
type Expectation struct {
	// Outcome is the expected outcome; the zero value is not checked.
	Outcome Outcome
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
	Pos Position
}

// reservedCaseName is the subtest under which triagetest runs mutation
// testing.
const reservedCaseName = "mutants"

// isTestFile reports whether name is a test-case file.
func isTestFile(name string) bool {
	ext := path.Ext(name)
	return (ext == ".yaml" || ext == ".yml") && strings.HasSuffix(strings.TrimSuffix(name, ext), "_test")
}

var (
	suiteKeys      = []string{"fixtures", "cases", "equivalent_mutants"}
	caseKeys       = []string{"name", "description", "baseline", "answers", "expect"}
	expectKeys     = []string{"outcome", "fires", "fires_exactly", "not_fires", "missing", "invalid"}
	equivalentKeys = []string{"rule", "mutant", "reason"}
)

// rawAnswer is one answer from a test file, with its key and value nodes.
type rawAnswer struct {
	key   string
	k, v  *yaml.Node
	value any // nil: unanswered
	bad   bool
}

type rawFixture struct {
	name    string
	node    *yaml.Node
	answers []rawAnswer
	d       *decoder
}

type rawCase struct {
	name, description, baseline str
	answers                     []rawAnswer
	expect                      *yaml.Node
	node                        *yaml.Node
	path                        string
	d                           *decoder
}

// LoadTests reads every test-case file (*_test.yaml, *_test.yml) at the
// root of fsys, in name order, and checks it against eng, the rule set it
// tests: answers must name its questions and fit their types (unless the
// case expects them to be invalid), expectations must name its rules and
// questions, and baselines must name fixtures. A rule set without test
// files gives an empty Suite.
//
// If anything is wrong, LoadTests returns no Suite and an ErrorList of
// every problem, sorted by position; like rule-file errors, they wrap
// ErrInvalidRuleSet.
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
func LoadTests(fsys fs.FS, eng *Engine) (*Suite, error) {
	if eng == nil {
		return nil, fmt.Errorf("triage.LoadTests: nil Engine")
	}
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return nil, ErrorList{{Pos: Position{File: "."}, Msg: fmt.Sprintf("cannot read rule directory: %v", err)}}
	}
	l := &suiteLoader{eng: eng, fixtures: map[string]*rawFixture{}}
	l.errs = strayFiles(fsys, true)
	var cases []rawCase
	for _, ent := range entries {
		if ent.IsDir() || !isTestFile(ent.Name()) {
			continue
		}
		// Test files are held to the default rule-file size limit: they
		// are read by the same tools, often from the same places.
		src, rerr := readRuleFile(fsys, ent.Name(), defaultOptions().maxRuleFileSize)
		if rerr != nil {
			l.errs = append(l.errs, rerr)
			continue
		}
		d := newDecoder(ent.Name(), src, &l.errs)
		d.kind = "test file"
		root, ok := d.parse()
		if !ok || root == nil {
			continue
		}
		cases = append(cases, l.decodeFile(d, root)...)
	}
	for _, f := range l.fixtureOrder {
		l.checkAnswers(f.d, f.answers, nil, f.name)
	}
	suite := &Suite{Equivalent: l.equivalent}
	type named struct {
		name string
		pos  Position
	}
	names := map[string]named{}
	for _, rc := range cases {
		tc, ok := l.buildCase(rc)
		if !ok {
			continue
		}
		// Case names become Go subtest names, where spaces turn into
		// underscores and "/" separates levels: names must stay distinct
		// and selectable after that rewrite.
		key := strings.ReplaceAll(tc.Name, " ", "_")
		switch {
		case strings.Contains(tc.Name, "/"):
			rc.d.errorf(rc.name.node, tc.Name, joinPath(rc.path, "name"), "case names cannot contain \"/\" (go test -run splits on it)")
		case key == reservedCaseName:
			rc.d.errorf(rc.name.node, tc.Name, joinPath(rc.path, "name"), "%q is reserved for mutation testing; choose another name", tc.Name)
		default:
			if first, dup := names[key]; dup {
				also := ""
				if first.name != tc.Name {
					also = fmt.Sprintf(", as %q: go test turns spaces into underscores", first.name)
				}
				rc.d.errorf(rc.name.node, tc.Name, joinPath(rc.path, "name"), "duplicate case name %q (first at %s%s)", tc.Name, first.pos, also)
				continue
			}
			names[key] = named{tc.Name, tc.Pos}
			suite.Cases = append(suite.Cases, tc)
		}
	}
	l.errs.Sort()
	if len(l.errs) > 0 {
		return nil, l.errs
	}
	return suite, nil
}

type suiteLoader struct {
	eng          *Engine
	errs         ErrorList
	fixtures     map[string]*rawFixture
	fixtureOrder []*rawFixture
	equivalent   []EquivalentMutant
}

func (l *suiteLoader) decodeFile(d *decoder, root *yaml.Node) []rawCase {
	var cases []rawCase
	d.mapping(root, "", "", suiteKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "fixtures":
			if !d.isMapping(v, "", key) {
				return
			}
			for i := 0; i+1 < len(v.Content); i += 2 {
				nk, nv := v.Content[i], v.Content[i+1]
				name := nk.Value
				p := joinPath(key, name)
				if nk.Kind != yaml.ScalarNode || nk.ShortTag() != "!!str" || name == "" {
					d.errorf(nk, "", key, "fixture names must be strings")
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
		case "cases":
			d.sequence(v, "", key, func(i int, item *yaml.Node) {
				cases = append(cases, l.decodeCase(d, item, fmt.Sprintf("cases[%d]", i)))
			})
		case "equivalent_mutants":
			d.sequence(v, "", key, func(i int, item *yaml.Node) {
				l.decodeEquivalent(d, item, fmt.Sprintf("equivalent_mutants[%d]", i))
			})
		}
	})
	return cases
}

func (l *suiteLoader) decodeCase(d *decoder, n *yaml.Node, p string) rawCase {
	rc := rawCase{node: n, path: p, d: d}
	name := peekKey(n, "name")
	d.mapping(n, name, p, caseKeys, func(key string, k, v *yaml.Node) {
		kp := joinPath(p, key)
		switch key {
		case "name":
			rc.name = d.str(v, name, kp)
		case "description":
			rc.description = d.str(v, name, kp)
		case "baseline":
			rc.baseline = d.str(v, name, kp)
		case "answers":
			rc.answers = l.decodeAnswers(d, v, name, kp)
			if rc.answers == nil {
				rc.answers = []rawAnswer{} // present, even if empty
			}
		case "expect":
			rc.expect = v
		}
	})
	return rc
}

// decodeAnswers reads a mapping of question id to answer. YAML scalars
// become bool, int64, float64 or string; a list of strings becomes
// []string; null means unanswered.
func (l *suiteLoader) decodeAnswers(d *decoder, n *yaml.Node, id, p string) []rawAnswer {
	var out []rawAnswer
	if !d.isMapping(n, id, p) {
		return nil
	}
	seen := map[string]*yaml.Node{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		kp := joinPath(p, k.Value)
		if k.Kind != yaml.ScalarNode {
			d.errorf(k, id, p, "answer keys must be question ids, got %s", kindName(k))
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

// answerValue converts one YAML answer to the Go value Evaluate takes.
func (d *decoder) answerValue(n *yaml.Node, id, p string) (any, bool) {
	if !d.noAlias(n, id, p) {
		return nil, true
	}
	switch n.Kind {
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return nil, false
		case "!!bool":
			var b bool
			if err := n.Decode(&b); err == nil {
				return b, false
			}
		case "!!int":
			var i int64
			if err := n.Decode(&i); err == nil {
				return i, false
			}
		case "!!float":
			var f float64
			if err := n.Decode(&f); err == nil {
				return f, false
			}
		case "!!str":
			return n.Value, false
		}
		d.errorf(n, id, p, "%s: cannot use %s as an answer", describePath(p), kindName(n))
		return nil, true
	case yaml.SequenceNode:
		list := make([]string, 0, len(n.Content))
		for i, item := range n.Content {
			if !d.noAlias(item, id, p) {
				return nil, true
			}
			if item.Kind != yaml.ScalarNode || item.ShortTag() != "!!str" {
				d.errorf(item, id, fmt.Sprintf("%s[%d]", p, i), "%s: list answers hold choice values (strings), got %s", describePath(p), kindName(item))
				return nil, true
			}
			list = append(list, item.Value)
		}
		return list, false
	}
	d.errorf(n, id, p, "%s must be a single value or a list, got %s", describePath(p), kindName(n))
	return nil, true
}

func (l *suiteLoader) decodeEquivalent(d *decoder, n *yaml.Node, p string) {
	var rule, mutant, reason str
	d.mapping(n, "", p, equivalentKeys, func(key string, k, v *yaml.Node) {
		switch key {
		case "rule":
			rule = d.str(v, "", joinPath(p, key))
		case "mutant":
			mutant = d.str(v, "", joinPath(p, key))
		case "reason":
			reason = d.str(v, "", joinPath(p, key))
		}
	})
	if n.Kind != yaml.MappingNode {
		return
	}
	ok := true
	for _, f := range []struct {
		s   str
		key string
	}{{rule, "rule"}, {mutant, "mutant"}, {reason, "reason"}} {
		if f.s.node == nil {
			d.errorf(n, rule.v, p, "missing required key %q", f.key)
			ok = false
		} else if !f.s.present() {
			ok = false
		} else if strings.TrimSpace(f.s.v) == "" {
			d.errorf(f.s.node, rule.v, joinPath(p, f.key), "%s must not be empty", f.key)
			ok = false
		}
	}
	if rule.present() && !l.isRule(rule.v) {
		d.errorf(rule.node, rule.v, joinPath(p, "rule"), "%s", l.unknownRule(rule.v))
		ok = false
	}
	if ok {
		l.equivalent = append(l.equivalent, EquivalentMutant{Rule: rule.v, Mutant: mutant.v, Reason: reason.v, Pos: d.pos(n)})
	}
}

func (l *suiteLoader) buildCase(rc rawCase) (TestCase, bool) {
	d := rc.d
	if rc.node.Kind != yaml.MappingNode {
		return TestCase{}, false // already reported
	}
	errsBefore := len(l.errs)
	id := rc.name.v
	tc := TestCase{Name: rc.name.v, Description: rc.description.v, Pos: d.pos(rc.node)}
	switch {
	case rc.name.node == nil:
		d.errorf(rc.node, "", rc.path, "missing required key \"name\"")
	case rc.name.present() && strings.TrimSpace(rc.name.v) == "":
		d.errorf(rc.name.node, "", joinPath(rc.path, "name"), "name must not be empty")
	}
	exp, expOK := l.decodeExpect(d, rc.expect, id, rc.path)
	tc.Expect = exp
	if rc.expect == nil {
		d.errorf(rc.node, id, rc.path, "missing required key \"expect\"")
	}

	// Answers: the baseline's, then the case's on top.
	merged := map[string]rawAnswer{}
	var order []string
	if rc.baseline.present() {
		tc.Baseline = rc.baseline.v
		f, ok := l.fixtures[rc.baseline.v]
		if !ok {
			msg := fmt.Sprintf("unknown fixture %q", rc.baseline.v)
			if s := suggest(rc.baseline.v, l.fixtureNames()); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.errorf(rc.baseline.node, id, joinPath(rc.path, "baseline"), "%s", msg)
		} else {
			for _, a := range f.answers {
				merged[a.key] = a
				order = append(order, a.key)
			}
		}
	}
	if rc.answers == nil && !rc.baseline.present() {
		d.errorf(rc.node, id, rc.path, "a case needs answers, a baseline, or both (write answers: {} for none at all)")
	}
	for _, a := range rc.answers {
		if _, ok := merged[a.key]; !ok {
			order = append(order, a.key)
		}
		merged[a.key] = a
	}
	// The case's own answers are checked here; the fixture's were checked
	// once, where the fixture is written.
	l.checkAnswers(d, rc.answers, exp.Invalid, id)
	tc.Answers = Answers{}
	for _, k := range order {
		a := merged[k]
		if a.value != nil {
			tc.Answers[k] = a.value
		}
	}
	if exp.Invalid != nil {
		for i, q := range exp.Invalid {
			if _, known := l.eng.qIndex[q]; !known {
				if _, given := merged[q]; !given {
					d.errorf(rc.expect, id, fmt.Sprintf("%s.expect.invalid[%d]", rc.path, i), "invalid names %q, which is neither a question nor one of the case's answers", q)
				}
			}
		}
	}
	return tc, expOK && len(l.errs) == errsBefore
}

// checkAnswers reports answers to unknown questions and answers that do not
// fit their question, except for the questions invalid lists: a case that
// expects its answers to be refused must be able to write them.
func (l *suiteLoader) checkAnswers(d *decoder, answers []rawAnswer, invalid []string, id string) {
	for _, a := range answers {
		if a.bad || slices.Contains(invalid, a.key) {
			continue
		}
		qi, ok := l.eng.qIndex[a.key]
		if !ok {
			msg := fmt.Sprintf("unknown question %q", a.key)
			if s := suggest(a.key, questionIDs(l.eng.questions)); s != "" {
				msg += fmt.Sprintf(" (did you mean %q?)", s)
			}
			d.errorf(a.k, id, "", "%s", msg)
			continue
		}
		if a.value == nil {
			continue
		}
		if _, msg := check(&l.eng.questions[qi].Question, a.value); msg != "" {
			d.errorf(a.v, id, "", "answer to %s: %s", a.key, msg)
		}
	}
}

func (l *suiteLoader) decodeExpect(d *decoder, n *yaml.Node, id, casePath string) (Expectation, bool) {
	var exp Expectation
	if n == nil {
		return exp, false
	}
	p := joinPath(casePath, "expect")
	ok := true
	set := 0
	d.mapping(n, id, p, expectKeys, func(key string, k, v *yaml.Node) {
		kp := joinPath(p, key)
		set++
		switch key {
		case "outcome":
			s := d.str(v, id, kp)
			if !s.present() {
				ok = false
				return
			}
			if err := exp.Outcome.UnmarshalText([]byte(s.v)); err != nil {
				d.errorf(v, id, kp, "unknown outcome %q; want self_care, see_professional or incomplete", s.v)
				ok = false
			}
		case "fires", "fires_exactly", "not_fires":
			ids := l.idList(d, v, id, kp, l.isRule, l.unknownRule)
			if ids == nil {
				ok = false
			} else if len(ids) == 0 && key != "fires_exactly" {
				// "at least none" and "none of none" hold whatever
				// happens: an expectation that cannot fail.
				d.errorf(v, id, kp, "%s: [] checks nothing; write fires_exactly: [] for \"no rule fires\"", key)
				ok = false
			}
			switch key {
			case "fires":
				exp.Fires = ids
			case "fires_exactly":
				exp.FiresExactly = ids
			default:
				exp.NotFires = ids
			}
		case "missing":
			exp.Missing = l.idList(d, v, id, kp, l.isQuestion, l.unknownQuestion)
			if exp.Missing == nil {
				ok = false
			}
		case "invalid":
			// Checked against the case's answers once they are merged.
			exp.Invalid = l.idList(d, v, id, kp, func(string) bool { return true }, nil)
			if exp.Invalid == nil {
				ok = false
			} else if len(exp.Invalid) == 0 {
				d.errorf(v, id, kp, "invalid must name at least one question")
				ok = false
			}
		}
	})
	if n.Kind != yaml.MappingNode {
		return exp, false
	}
	if set == 0 {
		d.errorf(n, id, p, "expect sets nothing; give an outcome, fires, fires_exactly, not_fires, missing or invalid")
		return exp, false
	}
	if exp.Invalid != nil && set > 1 {
		d.errorf(n, id, p, "invalid cannot be combined with other expectations: invalid answers produce no verdict")
		return exp, false
	}
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
	return exp, ok
}

// idList decodes a list of ids, each checked by known. It returns nil when
// the list is broken and a non-nil (perhaps empty) slice otherwise.
func (l *suiteLoader) idList(d *decoder, n *yaml.Node, id, p string, known func(string) bool, unknown func(string) string) []string {
	out := []string{}
	ok := true
	d.sequence(n, id, p, func(i int, item *yaml.Node) {
		s := d.str(item, id, fmt.Sprintf("%s[%d]", p, i))
		if !s.present() {
			ok = false
			return
		}
		if !known(s.v) {
			d.errorf(item, id, fmt.Sprintf("%s[%d]", p, i), "%s", unknown(s.v))
			ok = false
			return
		}
		if slices.Contains(out, s.v) {
			d.errorf(item, id, fmt.Sprintf("%s[%d]", p, i), "%q is listed twice", s.v)
			ok = false
			return
		}
		out = append(out, s.v)
	})
	if !ok || n.Kind != yaml.SequenceNode {
		return nil
	}
	return out
}

func (l *suiteLoader) isRule(id string) bool {
	return slices.ContainsFunc(l.eng.rules, func(r *rule) bool { return r.ID == id })
}

func (l *suiteLoader) isQuestion(id string) bool {
	_, ok := l.eng.qIndex[id]
	return ok
}

func (l *suiteLoader) unknownRule(id string) string {
	ids := make([]string, len(l.eng.rules))
	for i, r := range l.eng.rules {
		ids[i] = r.ID
	}
	msg := fmt.Sprintf("unknown rule %q", id)
	if s := suggest(id, ids); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg
}

func (l *suiteLoader) unknownQuestion(id string) string {
	msg := fmt.Sprintf("unknown question %q", id)
	if s := suggest(id, questionIDs(l.eng.questions)); s != "" {
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
