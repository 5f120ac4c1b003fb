package triage_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"math/rand/v2"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// The behaviour corpus pins what the engine answers, so that reshaping its
// code cannot change a verdict, a missing list or an error message without
// a test failing. It holds generated answer texts (valid, partial and
// invalid) for two rule sets, each with the JSON of the verdict or the
// error message they got when the corpus was recorded. Record it again with
// -update only when a change of behaviour is intended, and say so in the
// commit.
const corpusFile = "testdata/corpus/behaviour.jsonl.gz"

// corpusEntry is one line of the corpus.
type corpusEntry struct {
	Set     string          `json:"set"`
	In      string          `json:"in"`
	Verdict json.RawMessage `json:"verdict,omitempty"`
	Error   string          `json:"error,omitempty"`
}

// corpusSets are the rule sets the corpus covers: the default one, and a
// small one with every question type.
func corpusSets(t *testing.T) map[string]*triage.Engine {
	t.Helper()
	demo, err := fs.Sub(os.DirFS("testdata/corpus"), "demo")
	require.NoError(t, err)
	out := map[string]*triage.Engine{}
	for name, fsys := range map[string]fs.FS{"default": rules.FS, "demo": demo} {
		eng, err := triage.Load(fsys)
		require.NoError(t, err, name)
		out[name] = eng
	}
	return out
}

// corpusRun decodes and evaluates one answers text the way a service
// would, and records the outcome.
func corpusRun(t *testing.T, eng *triage.Engine, set, in string) corpusEntry {
	t.Helper()
	e := corpusEntry{Set: set, In: in}
	answers, err := eng.DecodeAnswers(bytes.NewReader([]byte(in)))
	if err == nil {
		var v *triage.Verdict
		v, err = eng.Evaluate(context.Background(), answers)
		if err == nil {
			b, merr := json.Marshal(v)
			require.NoError(t, merr)
			e.Verdict = b
		}
	}
	if err != nil {
		e.Error = err.Error()
	}
	return e
}

func TestBehaviourCorpus(t *testing.T) {
	engines := corpusSets(t)
	if *update {
		writeCorpus(t, engines)
	}
	f, err := os.Open(corpusFile)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<24)
	n, failures := 0, 0
	kinds := map[string]int{}
	for sc.Scan() {
		n++
		var want corpusEntry
		require.NoError(t, json.Unmarshal(sc.Bytes(), &want), "corpus line %d", n)
		eng := engines[want.Set]
		require.NotNil(t, eng, "corpus line %d names rule set %q", n, want.Set)
		got := corpusRun(t, eng, want.Set, want.In)
		switch {
		case want.Error != "":
			kinds["error"]++
		default:
			var v struct{ Outcome string }
			require.NoError(t, json.Unmarshal(want.Verdict, &v))
			kinds[v.Outcome]++
		}
		if !assert.Equal(t, want.Error, got.Error, "corpus line %d: %s", n, want.In) ||
			!assert.JSONEq(t, string(orNull(want.Verdict)), string(orNull(got.Verdict)), "corpus line %d: %s", n, want.In) {
			if failures++; failures >= 10 {
				t.Fatal("stopping after 10 differences")
			}
		}
	}
	require.NoError(t, sc.Err())
	// The corpus must stay big and varied enough to mean something.
	assert.GreaterOrEqual(t, n, 20_000)
	for _, k := range []string{"error", "self_care", "see_professional", "incomplete"} {
		assert.GreaterOrEqual(t, kinds[k], 1_000, "corpus entries ending in %s", k)
	}
}

func orNull(b json.RawMessage) json.RawMessage {
	if len(b) == 0 {
		return json.RawMessage("null")
	}
	return b
}

// writeCorpus records the corpus anew from generated inputs.
func writeCorpus(t *testing.T, engines map[string]*triage.Engine) {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	enc := json.NewEncoder(zw)
	names := make([]string, 0, len(engines))
	for name := range engines {
		names = append(names, name)
	}
	sort.Strings(names)
	for i, name := range names {
		eng := engines[name]
		rng := rand.New(rand.NewPCG(uint64(i+1), 0x5eed))
		for _, in := range corpusInputs(rng, eng.Questions(), 12_000) {
			require.NoError(t, enc.Encode(corpusRun(t, eng, name, in)))
		}
	}
	require.NoError(t, zw.Close())
	require.NoError(t, os.WriteFile(corpusFile, buf.Bytes(), 0o644))
}

// corpusInputs returns n answer texts for qs: about a third complete and
// valid, a quarter partial, the rest broken in one of many ways.
func corpusInputs(rng *rand.Rand, qs []triage.Question, n int) []string {
	out := make([]string, 0, n)
	for len(out) < n {
		missing := 0.0
		kind := rng.IntN(12)
		if kind >= 4 && kind < 7 {
			missing = 0.1 + 0.6*rng.Float64()
		}
		a := gen.Answers(rng, qs, missing)
		if kind >= 7 && len(qs) > 0 {
			out = append(out, broken(rng, qs, a))
			continue
		}
		b, err := json.Marshal(a)
		if err != nil {
			panic(err)
		}
		out = append(out, string(b))
	}
	return out
}

// oddValues are JSON texts of values of every kind, including numbers that
// only look whole and numbers out of range.
var oddValues = []string{
	`true`, `false`, `null`, `"yes"`, `""`, `"true"`, `0`, `1`, `-1`, `3`, `1.5`, `3.0`, `3e0`, `30e-1`,
	`3.0000000000000001`, `4.9999999999999999`, `1e-400`, `1e400`, `-0`, `0.5`, `1E+1`,
	`9223372036854775807`, `9223372036854775808`, `-9223372036854775808`, `100000000000000000000000`,
	`[]`, `[null]`, `["fingers"]`, `["fingers","fingers"]`, `["arms","x"]`, `[1]`, `{}`, `{"a":1}`,
	`"left"`, `"right"`, `"Left"`, `"\u001b[31mred"`, `"a\u0000b"`, `37.5`, `45.0001`, `29.9`, `38`,
	`"` + strings.Repeat("9", 200) + `"`, strings.Repeat("9", 300),
}

// broken spoils a valid answers object in one way.
func broken(rng *rand.Rand, qs []triage.Question, a triage.Answers) string {
	q := qs[rng.IntN(len(qs))]
	switch rng.IntN(6) {
	case 0, 1: // an odd value for a real question
		return withRaw(a, q.ID, oddValues[rng.IntN(len(oddValues))])
	case 2: // an unknown key: a typo, another case, or control characters
		keys := []string{q.ID[1:], strings.ToUpper(q.ID), q.ID + " ", "\u001b[2K" + q.ID, "x\u0000", "answers"}
		return withRaw(a, keys[rng.IntN(len(keys))], `true`)
	case 3: // the same question twice
		b, _ := json.Marshal(a)
		s := strings.TrimSuffix(string(b), "}")
		if len(a) > 0 {
			s += ","
		}
		return s + fmt.Sprintf("%q:true}", q.ID)
	case 4: // cut short
		b, _ := json.Marshal(a)
		return string(b[:rng.IntN(len(b))])
	default: // not an object, or something after it
		b, _ := json.Marshal(a)
		forms := []string{`null`, `[]`, `"fever"`, `42`, string(b) + ` {}`, string(b) + `x`, ` ` + string(b) + "\n", `{"fever": true,}`, "\ufeff" + string(b)}
		return forms[rng.IntN(len(forms))]
	}
}

// withRaw returns a as JSON with key set to the raw JSON text val.
func withRaw(a triage.Answers, key, val string) string {
	keys := make([]string, 0, len(a)+1)
	for k := range a {
		if k != key {
			keys = append(keys, k)
		}
	}
	keys = append(keys, key)
	sort.Strings(keys)
	var sb strings.Builder
	sb.WriteByte('{')
	for i, k := range keys {
		if i > 0 {
			sb.WriteByte(',')
		}
		kb, _ := json.Marshal(k)
		sb.Write(kb)
		sb.WriteByte(':')
		if k == key {
			sb.WriteString(val)
			continue
		}
		vb, _ := json.Marshal(a[k])
		sb.Write(vb)
	}
	sb.WriteByte('}')
	return sb.String()
}
