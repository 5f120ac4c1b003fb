package jsonl

import (
	"encoding/json"
	"math"
	"slices"
	"strconv"

	"github.com/redflagkit/redflag/triage"
)

// Encoder appends Results as JSON lines, byte for byte as encoding/json's
// Encoder writes them (HTML characters escaped, a newline after each), but
// encodes what is the same on every line only once: each rule's id,
// title, action, advice and citations, each piece of self-care guidance,
// the headline and what-to-do sentence of each outcome, the rule set and
// the notice. A cached encoding is used only when the texts it was made
// from are equal to the ones at hand, so the output never depends on the
// cache. Lines that are not a plain verdict (an error, an invalid outcome)
// go through encoding/json itself.
//
// An Encoder is not safe for concurrent use: give each goroutine its own.
type Encoder struct {
	reasons  map[string]*cached[reasonKey]
	guidance map[string]*cached[triage.Guidance]
	outcomes [triage.Incomplete + 1]cached[outcomeKey]
	ruleSet  cached[triage.RuleSetInfo]
	notice   cached[string]
}

// cached is the JSON encoding of a value of type K, with the value it was
// made from.
type cached[K any] struct {
	key  K
	json []byte // nil until made
}

// reasonKey is what a reason's cached encoding depends on: everything but
// its evidence.
type reasonKey struct {
	RuleID, Title, Advice string
	Action                triage.Action
	Citation              triage.Citation
	SeeAlso               []triage.Citation
}

func (k reasonKey) equal(o reasonKey) bool {
	return k.RuleID == o.RuleID && k.Title == o.Title && k.Advice == o.Advice && k.Action == o.Action &&
		k.Citation == o.Citation && slices.Equal(k.SeeAlso, o.SeeAlso)
}

type outcomeKey struct{ Headline, WhatToDo string }

// NewEncoder returns an Encoder with nothing cached yet.
func NewEncoder() *Encoder {
	return &Encoder{reasons: map[string]*cached[reasonKey]{}, guidance: map[string]*cached[triage.Guidance]{}}
}

// AppendResult appends r's JSON line to dst, as encoding/json's
// Encoder.Encode would write it.
func (e *Encoder) AppendResult(dst []byte, r Result) ([]byte, error) {
	v := r.Verdict
	if v == nil || r.Error != "" || len(r.Errors) > 0 || !validVerdict(v) {
		return appendMarshal(dst, r)
	}
	dst = append(dst, `{"line":`...)
	dst = strconv.AppendInt(dst, int64(r.Line), 10)
	dst = append(dst, `,"verdict":`...)
	dst = e.appendVerdict(dst, v)
	return append(dst, "}\n"...), nil
}

// appendMarshal appends what encoding/json's Encoder writes for r.
func appendMarshal(dst []byte, r any) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return dst, err
	}
	dst = append(dst, b...)
	return append(dst, '\n'), nil
}

// validVerdict reports whether v's outcome and actions marshal and its
// evidence is of the types Evaluate gives; when not, encoding/json writes
// the line, or says why it cannot.
func validVerdict(v *triage.Verdict) bool {
	if v.Outcome < triage.SelfCare || v.Outcome > triage.Incomplete {
		return false
	}
	for _, r := range v.Reasons {
		if r.Action != triage.Refer && r.Action != triage.Caution {
			return false
		}
		for _, ev := range r.Evidence {
			if !plainValue(ev.Value) {
				return false
			}
		}
	}
	return true
}

func (e *Encoder) appendVerdict(dst []byte, v *triage.Verdict) []byte {
	dst = append(dst, `{"outcome":`...)
	dst = appendString(dst, v.Outcome.String())
	o := &e.outcomes[v.Outcome]
	if k := (outcomeKey{v.Headline, v.WhatToDo}); o.json == nil || o.key != k {
		b := append([]byte(`,"headline":`), appendString(nil, k.Headline)...)
		b = append(b, `,"what_to_do":`...)
		*o = cached[outcomeKey]{key: k, json: appendString(b, k.WhatToDo)}
	}
	dst = append(dst, o.json...)
	dst = append(dst, `,"reasons":`...)
	if v.Reasons == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i := range v.Reasons {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.appendReason(dst, &v.Reasons[i])
		}
		dst = append(dst, ']')
	}
	dst = append(dst, `,"missing":`...)
	dst = appendStrings(dst, v.Missing)
	dst = append(dst, `,"optional":`...)
	dst = appendStrings(dst, v.Optional)
	if len(v.Guidance) > 0 {
		dst = append(dst, `,"self_care":[`...)
		for i := range v.Guidance {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = e.appendGuidance(dst, &v.Guidance[i])
		}
		dst = append(dst, ']')
	}
	if e.ruleSet.json == nil || e.ruleSet.key != v.RuleSet {
		e.ruleSet = cached[triage.RuleSetInfo]{key: v.RuleSet, json: appendRuleSet(nil, v.RuleSet)}
	}
	dst = append(dst, e.ruleSet.json...)
	if e.notice.json == nil || e.notice.key != v.Notice {
		e.notice = cached[string]{key: v.Notice, json: appendString([]byte(`,"notice":`), v.Notice)}
	}
	dst = append(dst, e.notice.json...)
	return append(dst, '}')
}

func appendRuleSet(dst []byte, i triage.RuleSetInfo) []byte {
	dst = append(dst, `,"rule_set":{"name":`...)
	dst = appendString(dst, i.Name)
	dst = append(dst, `,"version":`...)
	dst = appendString(dst, i.Version)
	dst = append(dst, `,"title":`...)
	dst = appendString(dst, i.Title)
	dst = append(dst, `,"hash":`...)
	dst = appendString(dst, i.Hash)
	return append(dst, '}')
}

// appendReason appends r: its cached beginning, then its evidence.
func (e *Encoder) appendReason(dst []byte, r *triage.Reason) []byte {
	k := reasonKey{RuleID: r.RuleID, Title: r.Title, Advice: r.Advice, Action: r.Action, Citation: r.Citation, SeeAlso: r.SeeAlso}
	c := e.reasons[r.RuleID]
	if c == nil || !c.key.equal(k) {
		k.SeeAlso = slices.Clone(k.SeeAlso)
		c = &cached[reasonKey]{key: k, json: appendReasonStart(nil, r)}
		e.reasons[r.RuleID] = c
	}
	dst = append(dst, c.json...)
	dst = append(dst, `,"evidence":`...)
	if r.Evidence == nil {
		dst = append(dst, "null"...)
	} else {
		dst = append(dst, '[')
		for i, ev := range r.Evidence {
			if i > 0 {
				dst = append(dst, ',')
			}
			dst = append(dst, `{"question":`...)
			dst = appendString(dst, ev.Question)
			dst = append(dst, `,"value":`...)
			dst = appendValue(dst, ev.Value)
			dst = append(dst, '}')
		}
		dst = append(dst, ']')
	}
	return append(dst, '}')
}

// appendReasonStart appends r up to its evidence, without the closing }.
func appendReasonStart(dst []byte, r *triage.Reason) []byte {
	dst = append(dst, `{"rule_id":`...)
	dst = appendString(dst, r.RuleID)
	dst = append(dst, `,"title":`...)
	dst = appendString(dst, r.Title)
	dst = append(dst, `,"action":`...)
	dst = appendString(dst, r.Action.String())
	dst = append(dst, `,"advice":`...)
	dst = appendString(dst, r.Advice)
	dst = append(dst, `,"source":`...)
	dst = appendCitation(dst, r.Citation)
	return appendSeeAlso(dst, r.SeeAlso)
}

func (e *Encoder) appendGuidance(dst []byte, g *triage.Guidance) []byte {
	c := e.guidance[g.ID]
	if c == nil || !equalGuidance(c.key, *g) {
		k := *g
		k.SeeAlso = slices.Clone(k.SeeAlso)
		b := append([]byte(`{"id":`), appendString(nil, g.ID)...)
		b = append(b, `,"title":`...)
		b = appendString(b, g.Title)
		b = append(b, `,"advice":`...)
		b = appendString(b, g.Advice)
		b = append(b, `,"source":`...)
		b = appendCitation(b, g.Citation)
		b = appendSeeAlso(b, g.SeeAlso)
		c = &cached[triage.Guidance]{key: k, json: append(b, '}')}
		e.guidance[g.ID] = c
	}
	return append(dst, c.json...)
}

func equalGuidance(a, b triage.Guidance) bool {
	return a.ID == b.ID && a.Title == b.Title && a.Advice == b.Advice && a.Citation == b.Citation && slices.Equal(a.SeeAlso, b.SeeAlso)
}

// appendSeeAlso appends the see_also field, left out when empty.
func appendSeeAlso(dst []byte, see []triage.Citation) []byte {
	if len(see) == 0 {
		return dst
	}
	dst = append(dst, `,"see_also":[`...)
	for i, c := range see {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendCitation(dst, c)
	}
	return append(dst, ']')
}

func appendCitation(dst []byte, c triage.Citation) []byte {
	dst = append(dst, `{"source_id":`...)
	dst = appendString(dst, c.SourceID)
	dst = append(dst, `,"title":`...)
	dst = appendString(dst, c.Title)
	if c.URL != "" {
		dst = append(dst, `,"url":`...)
		dst = appendString(dst, c.URL)
	}
	dst = append(dst, `,"section":`...)
	dst = appendString(dst, c.Section)
	return append(dst, '}')
}

func appendStrings(dst []byte, l []string) []byte {
	if l == nil {
		return append(dst, "null"...)
	}
	dst = append(dst, '[')
	for i, s := range l {
		if i > 0 {
			dst = append(dst, ',')
		}
		dst = appendString(dst, s)
	}
	return append(dst, ']')
}

// plainValue reports whether v is one of the evidence types Evaluate
// gives, which appendValue writes.
func plainValue(v any) bool {
	switch x := v.(type) {
	case bool, int64, string, []string:
		return true
	case float64:
		return !math.IsInf(x, 0) && !math.IsNaN(x)
	}
	return false
}

// appendValue appends v, for which plainValue holds.
func appendValue(dst []byte, v any) []byte {
	switch x := v.(type) {
	case bool:
		return strconv.AppendBool(dst, x)
	case int64:
		return strconv.AppendInt(dst, x, 10)
	case string:
		return appendString(dst, x)
	case []string:
		return appendStrings(dst, x)
	case float64:
		return appendFloat(dst, x)
	}
	return append(dst, "null"...) // not reached: plainValue holds
}
