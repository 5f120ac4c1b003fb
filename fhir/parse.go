package fhir

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"

	"github.com/redflagkit/redflag/triage"
)

// ParseResponse reads a QuestionnaireResponse from JSON: the bare resource,
// or a Parameters resource whose one parameter, named "in" (SDC
// $next-question's name) or "questionnaireResponse", carries it as its
// resource.
//
// Elements redflag reads are checked strictly: resourceType, questionnaire,
// status, contained, and every item's linkId, text, answers and nested
// items. An answer's value must be valueBoolean, valueInteger (a whole
// number in JSON), valueDecimal (a JSON number, kept as its exact text) or
// valueCoding; any other value[x], two of them, or an item nested under an
// answer is an error, because reading past it could change the verdict.
// Standard elements that do not bear on triage (id, meta, text, extension,
// identifier, subject, authored, author, source, and the like) are
// tolerated; id, subject and authored are kept, the others dropped. A
// modifierExtension anywhere is an error, as R4 requires of an element
// that is not understood. Contained Questionnaires and GuidanceResponses are
// read; other contained resources are kept as they are.
//
// Every problem is a triage.AnswerErrors with one entry giving the line,
// column and byte offset (and the linkId, inside an item).
func ParseResponse(data []byte) (*QuestionnaireResponse, error) {
	return parseResponse(data, true)
}

// UnmarshalJSON reads a bare QuestionnaireResponse as ParseResponse does.
func (qr *QuestionnaireResponse) UnmarshalJSON(data []byte) error {
	out, err := parseResponse(data, false)
	if err != nil {
		return err
	}
	*qr = *out
	return nil
}

func parseResponse(data []byte, params bool) (*QuestionnaireResponse, error) {
	m := &mapper{data: data}
	qr, err := m.parse(params)
	if err != nil {
		var pe *posError
		if !errors.As(err, &pe) {
			pe = &posError{Msg: err.Error()}
		}
		line, col := lineCol(data, pe.Off)
		return nil, triage.AnswerErrors{{Question: m.linkID, Msg: pe.Msg, Line: line, Column: col, Offset: pe.Off}}
	}
	return qr, nil
}

// mapper maps a parsed JSON tree to R4 types.
type mapper struct {
	data   []byte
	linkID string // the item being read, for errors
}

func (m *mapper) parse(params bool) (*QuestionnaireResponse, error) {
	root, err := parseTree(m.data)
	if err != nil {
		return nil, err
	}
	if root.Kind != '{' {
		return nil, errAt(root.Start, "a QuestionnaireResponse must be a JSON object, not %s", kindName(root.Kind))
	}
	rt, ok := root.Get("resourceType")
	if !ok || rt.Kind != '"' {
		return nil, errAt(root.Start, "the resource has no resourceType")
	}
	if params && rt.Str == "Parameters" {
		if root, err = m.parameter(root); err != nil {
			return nil, err
		}
	} else if rt.Str != "QuestionnaireResponse" {
		want := `"QuestionnaireResponse"`
		if params {
			want += ` or "Parameters"`
		}
		return nil, errAt(rt.Start, "the resourceType is %q; want %s", rt.Str, want)
	}
	return m.response(root)
}

// parameterNames are the Parameters names a QuestionnaireResponse is read
// from.
var parameterNames = []string{"in", "questionnaireResponse"}

// parameter finds the response in a Parameters resource.
func (m *mapper) parameter(root *node) (*node, error) {
	var found *node
	err := m.object(root, map[string]elem{"resourceType": ignore, "id": ignore, "meta": ignore,
		"implicitRules": ignore, "language": ignore, "parameter": func(n *node) error {
			return m.array(n, func(p *node) error {
				return m.object(p, map[string]elem{"name": ignore, "id": ignore, "extension": ignore,
					"resource": func(r *node) error {
						name, _ := p.Get("name")
						if name == nil || name.Kind != '"' || !slices.Contains(parameterNames, name.Str) {
							return errAt(p.Start, "a parameter must be named \"in\" or \"questionnaireResponse\" and carry the QuestionnaireResponse")
						}
						if found != nil {
							return errAt(p.Start, "the Parameters carry more than one QuestionnaireResponse")
						}
						found = r
						return nil
					}})
			})
		}})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, errAt(root.Start, "the Parameters carry no QuestionnaireResponse (a parameter \"in\" or \"questionnaireResponse\" with a resource)")
	}
	if found.Kind != '{' {
		return nil, errAt(found.Start, "the resource must be a JSON object, not %s", kindName(found.Kind))
	}
	rt, _ := found.Get("resourceType")
	if rt == nil || rt.Kind != '"' || rt.Str != "QuestionnaireResponse" {
		return nil, errAt(found.Start, "the parameter's resource must be a QuestionnaireResponse")
	}
	return found, nil
}

// elem reads one element of an object; ignore (nil) tolerates it.
type elem func(*node) error

var ignore elem

// object reads n's keys with elems: a key not listed is an error. The
// extensions of a listed primitive ("_authored") are tolerated: R4 allows
// no modifier there.
func (m *mapper) object(n *node, elems map[string]elem) error {
	if n.Kind != '{' {
		return errAt(n.Start, "expected a JSON object here, not %s", kindName(n.Kind))
	}
	for i, k := range n.Keys {
		read, ok := elems[k]
		if !ok && strings.HasPrefix(k, "_") {
			if _, known := elems[k[1:]]; known {
				continue // a primitive's extensions: never a modifier
			}
		}
		switch {
		case k == "modifierExtension":
			return errAt(n.KeyAt[i], "a modifierExtension changes what the data means, and redflag does not understand it, so it cannot read this")
		case !ok:
			return errAt(n.KeyAt[i], "%q is not an element redflag knows here", k)
		}
		if read == nil {
			continue
		}
		if err := read(n.Vals[i]); err != nil {
			return err
		}
	}
	return nil
}

func (m *mapper) array(n *node, each func(*node) error) error {
	if n.Kind != '[' {
		return errAt(n.Start, "expected a JSON array here, not %s", kindName(n.Kind))
	}
	for _, e := range n.Elems {
		if err := each(e); err != nil {
			return err
		}
	}
	return nil
}

func (m *mapper) str(dst *string) elem {
	return func(n *node) error {
		if n.Kind != '"' {
			return errAt(n.Start, "expected a string here, not %s", kindName(n.Kind))
		}
		*dst = n.Str
		return nil
	}
}

// decode reads n with encoding/json into dst, positioning its errors.
func (m *mapper) decode(n *node, dst any) error {
	if err := json.Unmarshal(m.data[n.Start:n.End], dst); err != nil {
		off := n.Start
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			off += int(te.Offset)
		}
		return errAt(off, "%s", err.Error())
	}
	return nil
}
