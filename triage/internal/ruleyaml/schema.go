package ruleyaml

import "fmt"

// The rule-file format, decoded but not yet validated: every value keeps
// its node, so later checks can report positions.

// Cite is a citation: a source id and a section.
type Cite struct {
	Source, Section Str
	Node            *Node
	Bad             bool // not a mapping; already reported
}

// Source is a declared source document.
type Source struct {
	ID, Title, URL Str
	Node           *Node
}

// Choice is one choice of a question: a plain string or {value, label}.
type Choice struct {
	Value, Label Str
	Node         *Node
}

// Question is one question.
type Question struct {
	ID, Text, Help, Type, Unit, AskIf Str
	Choices                           []Choice
	ChoicesNode                       *Node
	Min, Max                          *Num
	Node                              *Node
	Path                              string
}

// Rule is one rule.
type Rule struct {
	ID, Title, When, Action, Advice, Note Str
	Cite                                  *Cite
	SeeAlso                               []Cite
	Node                                  *Node
	Path                                  string
}

// Guidance is one piece of self-care advice.
type Guidance struct {
	ID, Title, Advice Str
	Cite              *Cite
	SeeAlso           []Cite
	Node              *Node
	Path              string
}

// OutcomeText is the rule set's wording for one outcome: a headline and a
// sentence on what to do.
type OutcomeText struct {
	Headline, Action Str
	Node             *Node
	Path             string
}

// Outcomes holds the outcome texts a header declares, by outcome name
// (self_care, see_professional, incomplete).
type Outcomes struct {
	Texts map[string]OutcomeText
	Node  *Node
}

// File is a whole rule file.
type File struct {
	Name, Version, Title, Description Str
	Outcomes                          *Outcomes
	Sources                           []Source
	Questions                         []Question
	Rules                             []Rule
	SelfCare                          []Guidance
}

// HasHeader reports whether the file declares any header key.
func (f *File) HasHeader() bool {
	return f.Name.Node != nil || f.Version.Node != nil || f.Title.Node != nil || f.Description.Node != nil ||
		f.Outcomes != nil
}

// The keys each mapping of the two formats allows, in the order messages
// list them. The JSON Schemas in schema/ must allow the same keys.
var (
	TopKeys      = []string{"name", "version", "title", "description", "outcomes", "sources", "questions", "rules", "self_care"}
	OutcomesKeys = []string{"self_care", "see_professional", "incomplete"}
	OutcomeKeys  = []string{"headline", "action"}
	SourceKeys   = []string{"id", "title", "url"}
	QuestionKeys = []string{"id", "text", "help", "type", "choices", "min", "max", "unit", "ask_if"}
	ChoiceKeys   = []string{"value", "label"}
	RuleKeys     = []string{"id", "title", "when", "action", "advice", "note", "cite", "see_also"}
	CiteKeys     = []string{"source", "section"}
	GuidanceKeys = []string{"id", "title", "advice", "cite", "see_also"}

	SuiteKeys      = []string{"fixtures", "cases", "equivalent_mutants"}
	CaseKeys       = []string{"name", "description", "baseline", "answers", "expect"}
	ExpectKeys     = []string{"outcome", "fires", "fires_exactly", "not_fires", "missing", "invalid"}
	EquivalentKeys = []string{"rule", "mutant", "reason"}
)

// DecodeFile decodes a whole rule file from its root node (nil for an
// empty file).
func (d *Decoder) DecodeFile(root *Node) File {
	var f File
	if root == nil {
		return f
	}
	entries, _ := d.Entries(root, "", "", TopKeys)
	for _, e := range entries {
		d.decodeTop(&f, e)
	}
	return f
}

func (d *Decoder) decodeTop(f *File, e Entry) {
	switch e.Key {
	case "name":
		f.Name = d.Str(e.V, "", e.Key)
	case "version":
		f.Version = d.Str(e.V, "", e.Key)
	case "title":
		f.Title = d.Str(e.V, "", e.Key)
	case "description":
		f.Description = d.Str(e.V, "", e.Key)
	case "outcomes":
		f.Outcomes = d.decodeOutcomes(e.V)
	case "sources":
		for i, item := range d.Items(e.V, "", e.Key) {
			f.Sources = append(f.Sources, d.decodeSource(item, fmt.Sprintf("sources[%d]", i)))
		}
	case "questions":
		for i, item := range d.Items(e.V, "", e.Key) {
			f.Questions = append(f.Questions, d.decodeQuestion(item, fmt.Sprintf("questions[%d]", i)))
		}
	case "rules":
		for i, item := range d.Items(e.V, "", e.Key) {
			f.Rules = append(f.Rules, d.decodeRule(item, fmt.Sprintf("rules[%d]", i)))
		}
	case "self_care":
		for i, item := range d.Items(e.V, "", e.Key) {
			f.SelfCare = append(f.SelfCare, d.decodeGuidance(item, fmt.Sprintf("self_care[%d]", i)))
		}
	}
}

// decodeOutcomes decodes the header's outcomes mapping: for each outcome
// named, a mapping of headline and action.
func (d *Decoder) decodeOutcomes(n *Node) *Outcomes {
	o := &Outcomes{Texts: map[string]OutcomeText{}, Node: n}
	entries, _ := d.Entries(n, "", "outcomes", OutcomesKeys)
	for _, e := range entries {
		path := JoinPath("outcomes", e.Key)
		t := OutcomeText{Node: e.V, Path: path}
		fields, ok := d.Entries(e.V, "", path, OutcomeKeys)
		if !ok {
			continue
		}
		for _, f := range fields {
			if f.Key == "headline" {
				t.Headline = d.Str(f.V, "", JoinPath(path, f.Key))
			} else {
				t.Action = d.Str(f.V, "", JoinPath(path, f.Key))
			}
		}
		o.Texts[e.Key] = t
	}
	return o
}

func (d *Decoder) decodeSource(n *Node, path string) Source {
	s := Source{Node: n}
	id := PeekID(n)
	entries, _ := d.Entries(n, id, path, SourceKeys)
	for _, e := range entries {
		p := JoinPath(path, e.Key)
		switch e.Key {
		case "id":
			s.ID = d.Str(e.V, id, p)
		case "title":
			s.Title = d.Str(e.V, id, p)
		case "url":
			s.URL = d.Str(e.V, id, p)
		}
	}
	return s
}

func (d *Decoder) decodeQuestion(n *Node, path string) Question {
	q := Question{Node: n, Path: path}
	id := PeekID(n)
	entries, _ := d.Entries(n, id, path, QuestionKeys)
	for _, e := range entries {
		p := JoinPath(path, e.Key)
		switch e.Key {
		case "id", "text", "help", "type", "unit", "ask_if":
			*q.strField(e.Key) = d.Str(e.V, id, p)
		case "min":
			q.Min = d.Number(e.V, id, p)
		case "max":
			q.Max = d.Number(e.V, id, p)
		case "choices":
			q.ChoicesNode = e.V
			for i, item := range d.Items(e.V, id, p) {
				q.Choices = append(q.Choices, d.decodeChoice(item, id, fmt.Sprintf("%s[%d]", p, i)))
			}
		}
	}
	return q
}

func (q *Question) strField(key string) *Str {
	switch key {
	case "id":
		return &q.ID
	case "text":
		return &q.Text
	case "help":
		return &q.Help
	case "type":
		return &q.Type
	case "unit":
		return &q.Unit
	}
	return &q.AskIf
}

// decodeChoice accepts a plain string or a {value, label} mapping.
func (d *Decoder) decodeChoice(n *Node, id, path string) Choice {
	c := Choice{Node: n}
	if !IsMapping(n) {
		c.Value = d.Str(n, id, path)
		return c
	}
	entries, _ := d.Entries(n, id, path, ChoiceKeys)
	for _, e := range entries {
		if e.Key == "value" {
			c.Value = d.Str(e.V, id, JoinPath(path, e.Key))
		} else {
			c.Label = d.Str(e.V, id, JoinPath(path, e.Key))
		}
	}
	return c
}

func (d *Decoder) decodeRule(n *Node, path string) Rule {
	r := Rule{Node: n, Path: path}
	id := PeekID(n)
	entries, _ := d.Entries(n, id, path, RuleKeys)
	for _, e := range entries {
		p := JoinPath(path, e.Key)
		switch e.Key {
		case "id":
			r.ID = d.Str(e.V, id, p)
		case "title":
			r.Title = d.Str(e.V, id, p)
		case "when":
			r.When = d.Str(e.V, id, p)
		case "action":
			r.Action = d.Str(e.V, id, p)
		case "advice":
			r.Advice = d.Str(e.V, id, p)
		case "note":
			r.Note = d.Str(e.V, id, p)
		case "cite":
			r.Cite = d.decodeCite(e.V, id, p)
		case "see_also":
			r.SeeAlso = d.decodeCites(e.V, id, p)
		}
	}
	return r
}

func (d *Decoder) decodeGuidance(n *Node, path string) Guidance {
	g := Guidance{Node: n, Path: path}
	id := PeekID(n)
	entries, _ := d.Entries(n, id, path, GuidanceKeys)
	for _, e := range entries {
		p := JoinPath(path, e.Key)
		switch e.Key {
		case "id":
			g.ID = d.Str(e.V, id, p)
		case "title":
			g.Title = d.Str(e.V, id, p)
		case "advice":
			g.Advice = d.Str(e.V, id, p)
		case "cite":
			g.Cite = d.decodeCite(e.V, id, p)
		case "see_also":
			g.SeeAlso = d.decodeCites(e.V, id, p)
		}
	}
	return g
}

func (d *Decoder) decodeCite(n *Node, id, path string) *Cite {
	c := &Cite{Node: n}
	entries, ok := d.Entries(n, id, path, CiteKeys)
	c.Bad = !ok
	for _, e := range entries {
		if e.Key == "source" {
			c.Source = d.Str(e.V, id, JoinPath(path, e.Key))
		} else {
			c.Section = d.Str(e.V, id, JoinPath(path, e.Key))
		}
	}
	return c
}

func (d *Decoder) decodeCites(n *Node, id, path string) []Cite {
	var out []Cite
	for i, item := range d.Items(n, id, path) {
		out = append(out, *d.decodeCite(item, id, fmt.Sprintf("%s[%d]", path, i)))
	}
	return out
}
