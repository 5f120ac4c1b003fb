package fhir

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
)

// variants are the value[x] types redflag reads and writes, by suffix.
var variants = []string{"Boolean", "Integer", "Decimal", "String", "Coding", "Reference", "Expression"}

// variant returns the one set variant's suffix and value, "" when none is
// set, and an error when more than one is.
func (v Value) variant() (string, any, error) {
	var name string
	var val any
	n := 0
	set := func(s string, ok bool, x any) {
		if ok {
			n++
			name, val = s, x
		}
	}
	set("Boolean", v.Boolean != nil, v.Boolean)
	set("Integer", v.Integer != nil, v.Integer)
	set("Decimal", v.Decimal != nil, v.Decimal)
	set("String", v.String != nil, v.String)
	set("Coding", v.Coding != nil, v.Coding)
	set("Reference", v.Reference != nil, v.Reference)
	set("Expression", v.Expression != nil, v.Expression)
	if n > 1 {
		return "", nil, errors.New("a choice element has more than one variant set; R4 allows exactly one")
	}
	return name, val, nil
}

// IsZero reports whether no variant is set.
func (v Value) IsZero() bool {
	name, _, err := v.variant()
	return name == "" && err == nil
}

// marshalChoice marshals base (a type without methods) and adds v under
// prefix+variant. A choice element is required wherever redflag uses one,
// so a Value with no variant is an error too.
func marshalChoice(base any, prefix string, v Value) ([]byte, error) {
	name, val, err := v.variant()
	if err != nil {
		return nil, fmt.Errorf("%s[x]: %w", prefix, err)
	}
	if name == "" {
		return nil, fmt.Errorf("%s[x] is required and has no variant set", prefix)
	}
	if d, ok := val.(*json.Number); ok {
		if _, err := parseDecimal(string(*d)); err != nil {
			return nil, fmt.Errorf("%sDecimal: %w", prefix, err)
		}
	}
	b, err := marshalPlain(base)
	if err != nil {
		return nil, err
	}
	vb, err := marshalPlain(val)
	if err != nil {
		return nil, err
	}
	var out bytes.Buffer
	out.Write(b[:len(b)-1])
	if len(b) > 2 {
		out.WriteByte(',')
	}
	fmt.Fprintf(&out, "%q:", prefix+name)
	out.Write(vb)
	out.WriteByte('}')
	return out.Bytes(), nil
}

// marshalPlain marshals v without escaping <, > and &, which FHIRPath and
// CEL use, so expressions stay readable; the JSON is the same.
func marshalPlain(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// unmarshalChoice reads data into base (a type without methods) and the one
// prefix+variant element into v. Two variants, a variant redflag does not
// know, a decimal given as a string and a missing variant are errors.
func unmarshalChoice(data []byte, base any, prefix string, v *Value) error {
	if err := json.Unmarshal(data, base); err != nil {
		return err
	}
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return err
	}
	var found []string
	for k := range raw {
		if isVariantKey(k, prefix) {
			found = append(found, k)
		}
	}
	slices.Sort(found)
	switch {
	case len(found) == 0:
		return fmt.Errorf("%s[x] is required", prefix)
	case len(found) > 1:
		return fmt.Errorf("%s[x] has %d variants (%s); R4 allows exactly one", prefix, len(found), strings.Join(found, ", "))
	}
	*v = Value{}
	return v.decode(found[0], prefix, raw[found[0]])
}

// isVariantKey reports whether k is prefix followed by a capitalised type
// name, like valueBoolean for prefix "value".
func isVariantKey(k, prefix string) bool {
	return len(k) > len(prefix) && strings.HasPrefix(k, prefix) && k[len(prefix)] >= 'A' && k[len(prefix)] <= 'Z'
}

// decode sets the variant named by key from its JSON.
func (v *Value) decode(key, prefix string, raw json.RawMessage) error {
	var dst any
	switch strings.TrimPrefix(key, prefix) {
	case "Boolean":
		v.Boolean = new(bool)
		dst = v.Boolean
	case "Integer":
		v.Integer = new(int64)
		dst = v.Integer
	case "Decimal":
		if len(raw) == 0 || raw[0] == '"' {
			return fmt.Errorf("%s must be a JSON number, not a string", key)
		}
		v.Decimal = new(json.Number)
		dst = v.Decimal
	case "String":
		v.String = new(string)
		dst = v.String
	case "Coding":
		v.Coding = new(Coding)
		dst = v.Coding
	case "Reference":
		v.Reference = new(Reference)
		dst = v.Reference
	case "Expression":
		v.Expression = new(Expression)
		dst = v.Expression
	default:
		return fmt.Errorf("%s is not a %s[x] type redflag reads (it reads %s)", key, prefix, strings.Join(variants, ", "))
	}
	if err := json.Unmarshal(raw, dst); err != nil {
		return fmt.Errorf("%s: %w", key, err)
	}
	return nil
}

type enableWhenBase struct {
	Question string `json:"question"`
	Operator string `json:"operator"`
}

// MarshalJSON writes answer[x] as the one variant set.
func (e EnableWhen) MarshalJSON() ([]byte, error) {
	return marshalChoice(enableWhenBase{e.Question, e.Operator}, "answer", e.Answer)
}

// UnmarshalJSON reads exactly one answer[x] variant.
func (e *EnableWhen) UnmarshalJSON(b []byte) error {
	var base enableWhenBase
	if err := unmarshalChoice(b, &base, "answer", &e.Answer); err != nil {
		return err
	}
	e.Question, e.Operator = base.Question, base.Operator
	return nil
}

type answerOptionBase struct {
	Extension []Extension `json:"extension,omitempty"`
}

// MarshalJSON writes value[x] as the one variant set.
func (o AnswerOption) MarshalJSON() ([]byte, error) {
	return marshalChoice(answerOptionBase{o.Extension}, "value", o.Value)
}

// UnmarshalJSON reads exactly one value[x] variant.
func (o *AnswerOption) UnmarshalJSON(b []byte) error {
	var base answerOptionBase
	if err := unmarshalChoice(b, &base, "value", &o.Value); err != nil {
		return err
	}
	o.Extension = base.Extension
	return nil
}

type extensionBase struct {
	URL string `json:"url"`
}

// MarshalJSON writes value[x] as the one variant set.
func (x Extension) MarshalJSON() ([]byte, error) {
	return marshalChoice(extensionBase{x.URL}, "value", x.Value)
}

// UnmarshalJSON reads exactly one value[x] variant.
func (x *Extension) UnmarshalJSON(b []byte) error {
	var base extensionBase
	if err := unmarshalChoice(b, &base, "value", &x.Value); err != nil {
		return err
	}
	x.URL = base.URL
	return nil
}

// MarshalJSON writes value[x] as the one variant set.
func (a Answer) MarshalJSON() ([]byte, error) {
	return marshalChoice(struct{}{}, "value", a.Value)
}

// UnmarshalJSON reads exactly one value[x] variant.
func (a *Answer) UnmarshalJSON(b []byte) error {
	var base struct{}
	return unmarshalChoice(b, &base, "value", &a.Value)
}

// MarshalJSON writes the one resource set.
func (r Resource) MarshalJSON() ([]byte, error) {
	n := 0
	var out any
	if r.Questionnaire != nil {
		n++
		out = r.Questionnaire
	}
	if r.GuidanceResponse != nil {
		n++
		out = r.GuidanceResponse
	}
	if r.Other != nil {
		n++
		out = r.Other
	}
	if n != 1 {
		return nil, fmt.Errorf("a contained resource must have exactly one resource set, not %d", n)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads a contained resource by its resourceType.
func (r *Resource) UnmarshalJSON(b []byte) error {
	var head struct {
		ResourceType string `json:"resourceType"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return err
	}
	*r = Resource{}
	switch head.ResourceType {
	case "Questionnaire":
		r.Questionnaire = new(Questionnaire)
		return json.Unmarshal(b, r.Questionnaire)
	case "GuidanceResponse":
		r.GuidanceResponse = new(GuidanceResponse)
		return json.Unmarshal(b, r.GuidanceResponse)
	case "":
		return errors.New("a contained resource has no resourceType")
	}
	r.Other = slices.Clone(json.RawMessage(b))
	return nil
}
