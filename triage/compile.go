package triage

import (
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/redflagkit/redflag/triage/internal/compile"
)

// condition is one compiled CEL condition (a rule's when or a question's
// ask_if) with its position in the rule file.
type condition struct {
	*compile.Condition
	pos Position
}

// newEnv declares the questionnaire to the condition compiler.
func newEnv(qs []*question, placeholders []string, o *options) (*compile.Env, error) {
	vars := make([]compile.Var, len(qs))
	for i, q := range qs {
		v := compile.Var{Name: q.ID, Kind: kindOf(q.Type)}
		for _, c := range q.Choices {
			v.Choices = append(v.Choices, c.Value)
		}
		vars[i] = v
	}
	lim := compile.Limits{Cost: o.limits.Cost, ExpressionLength: o.limits.ExpressionLength, Nesting: o.limits.Nesting}
	return compile.NewEnv(vars, placeholders, lim)
}

func kindOf(t QuestionType) compile.Kind {
	switch t {
	case BooleanType:
		return compile.Bool
	case IntegerType:
		return compile.Int
	case NumberType:
		return compile.Double
	case ChoiceType:
		return compile.String
	case MultiChoiceType:
		return compile.StringList
	}
	panic(fmt.Sprintf("triage: unhandled question type %d", t))
}

// compile compiles the condition held by node n and reports every problem
// at its position in the rule file.
func (b *builder) compile(d *decoder, n *yaml.Node, id, path string) *condition {
	start := d.locate(n, 0)
	res := b.env.Compile(n.Value, describePath(path))
	b.unreadable = b.unreadable || res.Unreadable
	for _, qi := range res.Reads {
		b.read[qi] = true // even if a later check fails, the question is not unused
	}
	for _, p := range res.Problems {
		pos := start
		if p.Offset >= 0 {
			pos = d.locate(n, p.Offset)
		}
		e := d.errAt(pos, id, path, "%s", p.Msg)
		if p.Limit {
			e.Err = ErrLimit
		}
	}
	if res.Cond == nil {
		return nil
	}
	return &condition{Condition: res.Cond, pos: start}
}
