package triage

import (
	"math/bits"
	"unsafe"

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
// not found, which partial evaluation turns into an unknown.
func (a *answerVars) ResolveName(name string) (any, bool) {
	qi := a.names.lookup(name)
	if qi < 0 {
		return nil, false
	}
	v := a.vals[qi]
	return v, v != nil
}

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
	ids   []string
	byID  map[string]int
	slots []nameSlot
	shift uint // 64 - log2(len(slots))
}

// nameSlot is one slot of a nameIndex; data is nil in an empty one.
type nameSlot struct {
	data *byte
	qi   int
}

func newNameIndex(ids []string, byID map[string]int) *nameIndex {
	size := 8
	for size < 4*len(ids) {
		size *= 2
	}
	t := &nameIndex{ids: ids, byID: byID, slots: make([]nameSlot, size), shift: uint(64 - bits.TrailingZeros(uint(size)))}
	mask := uint64(size - 1)
	for qi, id := range ids {
		if id == "" {
			continue // never valid; such a name goes to byID
		}
		i := t.home(unsafe.StringData(id))
		for t.slots[i].data != nil {
			i = (i + 1) & mask
		}
		t.slots[i] = nameSlot{data: unsafe.StringData(id), qi: qi}
	}
	return t
}

// lookup returns the index of the question with id name, or -1.
func (t *nameIndex) lookup(name string) int {
	if name == "" {
		return t.lookupString(name)
	}
	p := unsafe.StringData(name)
	mask := uint64(len(t.slots) - 1)
	for i := t.home(p); t.slots[i].data != nil; i = (i + 1) & mask {
		if s := t.slots[i]; s.data == p && len(t.ids[s.qi]) == len(name) {
			return s.qi
		}
	}
	return t.lookupString(name)
}

// lookupString is lookup for a name that is not one of the ids' own
// strings.
func (t *nameIndex) lookupString(name string) int {
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
