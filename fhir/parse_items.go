package fhir

import (
	"encoding/json"
	"math"
	"strconv"
)

// response maps a QuestionnaireResponse object.
func (m *mapper) response(n *node) (*QuestionnaireResponse, error) {
	qr := &QuestionnaireResponse{ResourceType: "QuestionnaireResponse"}
	hasStatus := false
	err := m.object(n, map[string]elem{
		"resourceType": ignore, "meta": ignore, "implicitRules": ignore, "language": ignore,
		"text": ignore, "extension": ignore, "identifier": ignore, "basedOn": ignore,
		"partOf": ignore, "encounter": ignore, "author": ignore, "source": ignore,
		"id": m.str(&qr.ID), "authored": m.str(&qr.Authored),
		"subject": func(s *node) error {
			qr.Subject = new(Reference)
			return m.decode(s, qr.Subject)
		},
		"questionnaire": m.str(&qr.Questionnaire),
		"status": func(s *node) error {
			hasStatus = true
			return m.str(&qr.Status)(s)
		},
		"contained": func(c *node) error {
			return m.array(c, func(r *node) error {
				res, err := m.contained(r)
				qr.Contained = append(qr.Contained, res)
				return err
			})
		},
		"item": func(items *node) error {
			var err error
			if qr.Item, err = m.items(items); err == nil {
				m.linkID = ""
			}
			return err
		},
	})
	if err != nil {
		return nil, err
	}
	if !hasStatus {
		return nil, errAt(n.Start, "the QuestionnaireResponse has no status, which R4 requires")
	}
	return qr, nil
}

// contained reads one contained resource.
func (m *mapper) contained(n *node) (Resource, error) {
	if n.Kind != '{' {
		return Resource{}, errAt(n.Start, "a contained resource must be a JSON object, not %s", kindName(n.Kind))
	}
	var r Resource
	if err := m.decode(n, &r); err != nil {
		return Resource{}, err
	}
	return r, nil
}

func (m *mapper) items(n *node) ([]AnswerItem, error) {
	var out []AnswerItem
	err := m.array(n, func(e *node) error {
		it, err := m.item(e)
		out = append(out, it)
		return err
	})
	return out, err
}

func (m *mapper) item(n *node) (AnswerItem, error) {
	var it AnswerItem
	if n.Kind == '{' {
		if id, ok := n.Get("linkId"); ok && id.Kind == '"' {
			m.linkID = id.Str
		} else {
			m.linkID = ""
			return it, errAt(n.Start, "an item has no linkId")
		}
	}
	err := m.object(n, map[string]elem{
		"id": ignore, "extension": ignore, "definition": ignore,
		"linkId": m.str(&it.LinkID), "text": m.str(&it.Text),
		"answer": func(a *node) error {
			return m.array(a, func(e *node) error {
				v, err := m.answer(e)
				it.Answer = append(it.Answer, Answer{Value: v})
				return err
			})
		},
		"item": func(c *node) error {
			id := m.linkID
			var err error
			it.Item, err = m.items(c)
			if err == nil {
				m.linkID = id
			}
			return err
		},
	})
	return it, err
}

// answer reads one answer's value[x].
func (m *mapper) answer(n *node) (Value, error) {
	var v Value
	set := 0
	read := func(f func(*node) error) elem {
		return func(x *node) error {
			set++
			if set > 1 {
				return errAt(x.Start, "an answer has more than one value[x]; R4 allows exactly one")
			}
			return f(x)
		}
	}
	elems := map[string]elem{"id": ignore, "extension": ignore,
		"item": func(x *node) error {
			return errAt(x.Start, "redflag does not read items nested under an answer; they could hold answers it would miss")
		},
		"valueBoolean": read(func(x *node) error { return m.boolean(x, &v) }),
		"valueInteger": read(func(x *node) error { return m.integer(x, &v) }),
		"valueDecimal": read(func(x *node) error { return m.decimal(x, &v) }),
		"valueCoding": read(func(x *node) error {
			v.Coding = new(Coding)
			return m.coding(x, v.Coding)
		}),
	}
	if n.Kind == '{' {
		for i, k := range n.Keys {
			if _, ok := elems[k]; !ok && isVariantKey(k, "value") {
				return v, errAt(n.KeyAt[i], "%s is not an answer redflag reads (it reads valueBoolean, valueInteger, valueDecimal and valueCoding)", k)
			}
		}
	}
	if err := m.object(n, elems); err != nil {
		return v, err
	}
	if set == 0 {
		return v, errAt(n.Start, "an answer has no value")
	}
	return v, nil
}

func (m *mapper) boolean(n *node, v *Value) error {
	if n.Kind != 'b' {
		return errAt(n.Start, "valueBoolean must be true or false, not %s", kindName(n.Kind))
	}
	v.Boolean = &n.Bool
	return nil
}

func (m *mapper) integer(n *node, v *Value) error {
	if n.Kind != '0' {
		return errAt(n.Start, "valueInteger must be a number, not %s", kindName(n.Kind))
	}
	i, err := strconv.ParseInt(string(n.Num), 10, 64)
	if err != nil || i < math.MinInt32 || i > math.MaxInt32 {
		return errAt(n.Start, "valueInteger must be a whole number written without a decimal point or exponent, within R4's integer range, not %s", clip(string(n.Num)))
	}
	v.Integer = &i
	return nil
}

func (m *mapper) decimal(n *node, v *Value) error {
	if n.Kind != '0' {
		return errAt(n.Start, "valueDecimal must be a number, not %s", kindName(n.Kind))
	}
	if _, err := parseDecimal(string(n.Num)); err != nil {
		return errAt(n.Start, "valueDecimal: %s", err.Error())
	}
	d := json.Number(n.Num)
	v.Decimal = &d
	return nil
}

func (m *mapper) coding(n *node, c *Coding) error {
	return m.object(n, map[string]elem{"id": ignore, "extension": ignore, "userSelected": ignore,
		"system": m.str(&c.System), "version": m.str(&c.Version), "code": m.str(&c.Code), "display": m.str(&c.Display)})
}
