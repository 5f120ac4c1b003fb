package triage

import (
	"math"
	"math/bits"
	"unsafe"

	"cel.dev/cel-go/common/types"
	"cel.dev/cel-go/interpreter"
)

// answerVars is the CEL activation of one evaluation: the validated
// answers, normalised to their CEL-native Go types, by question index (nil
// for unanswered). CEL resolves each variable by name; names finds its
// index without hashing the name, and no map of the answers is ever
// built.
//
// One answerVars serves one evaluation at a time: Engine.getVars takes it
// from the Engine's pool and Engine.putVars clears and returns it, so that
// a call allocates neither the values nor the activation.
type answerVars struct {
	names *nameIndex
	vals  []any
}

// ResolveName implements interpreter.Activation: an unanswered question is
// not found, which partial evaluation turns into an unknown. An empty
// multichoice answer ("none of these") is one shared CEL list, which
// spares cel-go converting it anew, an allocation, on every read.
func (a *answerVars) ResolveName(name string) (any, bool) {
	// nameIndex.lookup, with its first probe written out: this runs for
	// every variable of every condition.
	t, p := a.names, unsafe.StringData(name)
	var qi int
	if s := t.slots[t.home(p)]; s.data == p && int(s.n) == len(name) {
		qi = int(s.qi)
	} else if qi = t.probe(name); qi < 0 {
		return nil, false
	}
	v := a.vals[qi]
	if l, ok := v.([]string); ok && len(l) == 0 {
		return noneOfThese, true
	}
	return v, v != nil
}

// noneOfThese is the CEL value of every empty multichoice answer. CEL
// values are immutable, and an empty list never calls its adapter.
var noneOfThese = types.NewStringList(types.DefaultTypeAdapter, []string{})

// Parent implements interpreter.Activation; there is none.
func (a *answerVars) Parent() interpreter.Activation { return nil }

// getVars takes an answerVars from the pool, all values nil.
func (e *Engine) getVars() *answerVars {
	if a, ok := e.vars.Get().(*answerVars); ok {
		return a
	}
	return &answerVars{names: e.names, vals: make([]any, len(e.questions))}
}

// putVars clears a, so that the pool keeps no answer alive, and returns
// it to the pool.
func (e *Engine) putVars(a *answerVars) {
	clear(a.vals)
	e.vars.Put(a)
}

// nameIndex maps question ids to question indices for CEL's name
// resolution. The names CEL resolves are the very strings the questions
// were declared with, so the index is keyed by where a name's bytes are:
// an open-addressing table, at most a quarter full, over a hash of the
// pointer, which costs a multiplication where a map lookup hashes and
// compares every byte of the name. Since strings are immutable and the
// index keeps the ids alive, a name at the same address with the same
// length is that id. Any other string (a caller's, say) is looked up in the
// string-keyed map byID.
type nameIndex struct {
	byID  map[string]int
	slots []nameSlot
	shift uint // 64 - log2(len(slots))
}

// nameSlot is one slot of a nameIndex: the address and length of an id's
// bytes, and its question's index. An empty slot has data nil and n -1,
// which no name's length matches.
type nameSlot struct {
	data *byte
	n    int32
	qi   int32
}

func newNameIndex(ids []string, byID map[string]int) *nameIndex {
	size := 8
	for size < 4*len(ids) {
		size *= 2
	}
	t := &nameIndex{byID: byID, slots: make([]nameSlot, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
	for i := range t.slots {
		t.slots[i].n = -1
	}
	mask := uint64(size - 1)
	for qi, id := range ids {
		if id == "" || len(id) > math.MaxInt32 || qi > math.MaxInt32 {
			continue // never so for a valid rule set; such a name goes to byID
		}
		i := t.home(unsafe.StringData(id))
		for t.slots[i].data != nil {
			i = (i + 1) & mask
		}
		t.slots[i] = nameSlot{data: unsafe.StringData(id), n: int32(len(id)), qi: int32(qi)}
	}
	return t
}

// lookup returns the index of the question with id name, or -1. The first
// slot probed is checked here, small enough to be inlined: it holds the
// name nearly always.
func (t *nameIndex) lookup(name string) int {
	p := unsafe.StringData(name)
	if s := t.slots[t.home(p)]; s.data == p && int(s.n) == len(name) {
		return int(s.qi)
	}
	return t.probe(name)
}

// probe is lookup past the first slot.
func (t *nameIndex) probe(name string) int {
	p := unsafe.StringData(name)
	if p != nil {
		mask := uint64(len(t.slots) - 1)
		for i := (t.home(p) + 1) & mask; t.slots[i].data != nil; i = (i + 1) & mask {
			if s := t.slots[i]; s.data == p && int(s.n) == len(name) {
				return int(s.qi)
			}
		}
	}
	if qi, ok := t.byID[name]; ok {
		return qi
	}
	return -1
}

// home returns the first slot to probe for the string whose bytes start
// at p (Fibonacci hashing of the address).
func (t *nameIndex) home(p *byte) uint64 {
	return (uint64(uintptr(unsafe.Pointer(p))) * 0x9e3779b97f4a7c15) >> t.shift
}
