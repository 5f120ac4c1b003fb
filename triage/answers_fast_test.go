package triage_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"os"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

// decodeEngines are the engines the differential tests decode with: the
// default rule set, the demo rule set (every question type), and the demo
// rule set under tight limits, so that inputs cross every limit.
func decodeEngines(t testing.TB) map[string]*triage.Engine {
	t.Helper()
	def, err := triage.Load(rules.FS)
	require.NoError(t, err)
	return map[string]*triage.Engine{
		"default": def,
		"demo":    mustLoad(t, demoFS()),
		"tight": mustLoad(t, demoFS(), triage.WithLimits(triage.Limits{
			AnswersSize: 200, Answers: 6, StringLength: 8, ListLength: 2,
		})),
	}
}

// sameAsSlow decodes data with DecodeAnswers and with the reference
// decoder, and fails unless both give the same answers, or the same error
// with the same text and position.
func sameAsSlow(t testing.TB, eng *triage.Engine, data []byte) {
	t.Helper()
	got, gotErr := eng.DecodeAnswers(bytes.NewReader(data))
	want, wantErr := triage.DecodeAnswersSlow(eng, bytes.NewReader(data))
	if wantErr != nil {
		require.Error(t, gotErr, "input %q", data)
		require.Equal(t, wantErr.Error(), gotErr.Error(), "input %q", data)
		require.Equal(t, wantErr, gotErr, "input %q: the error's fields", data)
	} else {
		require.NoError(t, gotErr, "input %q", data)
	}
	require.Equal(t, want, got, "input %q", data)
	// A reader that does not know its length is read the general way.
	got, gotErr = eng.DecodeAnswers(iotest.OneByteReader(bytes.NewReader(data)))
	require.Equal(t, want, got, "input %q, read a byte at a time", data)
	require.Equal(t, wantErr, gotErr, "input %q, read a byte at a time", data)
}

func TestDecodeAnswersFastPathMatchesSlow(t *testing.T) {
	engines := decodeEngines(t)
	for _, tc := range []struct {
		in     string
		fast   bool // the demo engine's fast path reads it on its own
		reason string
	}{
		{`{}`, true, "the empty object is a valid answers set"},
		{" \t\r\n{ }\n", true, "white space of every kind around and inside"},
		{`{"fever": true, "pops": false, "temp": null}`, true, "literals"},
		{`{"relief": 5, "temp": 37.5}`, true, "small integer and decimal"},
		{`{"relief": 99, "temp": -0, "x": 100}`, true, "the ends of the small-number table, and -0"},
		{`{"relief": 3.0, "temp": 1E2, "x": 2e-3, "y": -12.5e+10}`, true, "numbers keep their exact text"},
		{`{"relief": 3.0000000000000001}`, true, "a number that rounds to an integer stays exact"},
		{`{"relief": 1e999999999}`, true, "a number too large for float64 is still its text"},
		{`{"side": "left", "where": ["fingers", "arms"]}`, true, "choices and a list"},
		{`{"where": []}`, true, "the empty list is an answer"},
		{`{"where": ["fingers", 1, true, null]}`, true, "a list of mixed scalars, left to Evaluate"},
		{`{"side": "lèft", "ünknown": "é"}`, true, "UTF-8 in keys and values"},
		{`{"side": "l\u00e9ft"}`, false, "an escape goes to the slow path"},
		{`{"a\"b": 1}`, false, "an escaped quote in a key"},
		{"{\"side\": \"a\xffb\"}", false, "invalid UTF-8 is replaced by the slow path"},
		{"{\"side\": \"a\tb\"}", false, "a raw control character is a syntax error"},
		{`{"fever": true, "fever": false}`, false, "a duplicate key"},
		{`{"fever": {"a": 1}}`, false, "a nested object"},
		{`{"where": [["a"]]}`, false, "a nested list"},
		{`{"fever": tru}`, false, "a cut-off literal"},
		{`{"fever": truex}`, false, "a literal run on"},
		{`{"fever": true,}`, false, "a trailing comma"},
		{`{"fever": true} {}`, false, "data after the object"},
		{`{"fever": true`, false, "the input ends early"},
		{`{"relief": 01}`, false, "a leading zero"},
		{`{"relief": 1.}`, false, "a fraction without digits"},
		{`{"relief": -}`, false, "a minus alone"},
		{`{"relief": 1e}`, false, "an exponent without digits"},
		{`{"relief": .5}`, false, "no integer part"},
		{`{"relief": +1}`, false, "a plus sign"},
		{`{"relief": NaN}`, false, "not JSON"},
		{`[1]`, false, "not an object"},
		{``, false, "empty input"},
		{`{"fever" true}`, false, "a missing colon"},
		{`{fever: true}`, false, "an unquoted key"},
		{`{"fever": true "pops": true}`, false, "a missing comma"},
		{`{"where": ["fingers" "arms"]}`, false, "a missing comma in a list"},
		{`{"fever": true, "pops": true, "temp": 37, "side": "left", "where": [], "relief": 3, "x": 1}`, true, "over the tight answers limit only (the demo engine reads it fast)"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			for name, eng := range engines {
				sameAsSlow(t, eng, []byte(tc.in))
				if name == "demo" {
					_, ok := triage.FastAnswers(eng, []byte(tc.in))
					assert.Equal(t, tc.fast, ok, "fast path taken on %q", tc.in)
				}
			}
		})
	}
}

// TestDecodeAnswersFastPathLimits checks that every limit the fast path
// could cross leaves the document to the slow path, which says which.
func TestDecodeAnswersFastPathLimits(t *testing.T) {
	eng := decodeEngines(t)["tight"]
	for _, tc := range []struct {
		in     string
		reason string
	}{
		{`{"side": "123456789"}`, "a string over Limits.StringLength"},
		{`{"where": ["fingers", "123456789"]}`, "a list item over Limits.StringLength"},
		{`{"123456789": true}`, "a key over Limits.StringLength"},
		{`{"where": ["a", "b", "c"]}`, "a list over Limits.ListLength"},
		{`{"a": 1, "b": 2, "c": 3, "d": 4, "e": 5, "f": 6, "g": 7}`, "more answers than Limits.Answers"},
		{`{"fever": true, "pad": "` + strings.Repeat(" ", 200) + `"}`, "a document over Limits.AnswersSize"},
	} {
		t.Run(tc.reason, func(t *testing.T) {
			_, err := eng.DecodeAnswers(strings.NewReader(tc.in))
			require.ErrorIs(t, err, triage.ErrLimit)
			_, ok := triage.FastAnswers(eng, []byte(tc.in))
			assert.False(t, ok, "the fast path must not accept %q", tc.in)
			sameAsSlow(t, eng, []byte(tc.in))
		})
	}
	// At the limits exactly, the fast path reads the document itself.
	at := `{"side": "12345678", "where": ["fingers", "arms"], "a": 1, "b": 2, "c": 3, "d": 4}`
	_, ok := triage.FastAnswers(eng, []byte(at))
	assert.True(t, ok, "a document at every limit is read by the fast path")
	sameAsSlow(t, eng, []byte(at))
}

// TestDecodeAnswersFastPathCorpus decodes every input of the behaviour
// corpus, and generated answer lines, both ways.
func TestDecodeAnswersFastPathCorpus(t *testing.T) {
	engines := decodeEngines(t)
	f, err := os.Open(corpusFile)
	require.NoError(t, err)
	defer f.Close()
	zr, err := gzip.NewReader(f)
	require.NoError(t, err)
	sc := bufio.NewScanner(zr)
	sc.Buffer(make([]byte, 0, 1<<20), 1<<24)
	n := 0
	for sc.Scan() {
		var e corpusEntry
		require.NoError(t, json.Unmarshal(sc.Bytes(), &e))
		for _, eng := range engines {
			sameAsSlow(t, eng, []byte(e.In))
		}
		n++
	}
	require.NoError(t, sc.Err())
	require.GreaterOrEqual(t, n, 20_000)

	for name, eng := range engines {
		var buf bytes.Buffer
		require.NoError(t, gen.Write(&buf, eng.Questions(), 2_000, 15))
		fast := 0
		for line := range bytes.Lines(buf.Bytes()) {
			sameAsSlow(t, eng, line)
			if _, ok := triage.FastAnswers(eng, line); ok {
				fast++
			}
		}
		if name != "tight" {
			assert.Equal(t, 2_000, fast, "%s: every generated line is read by the fast path", name)
		}
	}
}

// FuzzDecodeAnswersDifferential checks, for any bytes, that DecodeAnswers
// (its fast path, or the fallback) gives exactly what the reference
// decoder gives: the same answers, or the same error text and position.
func FuzzDecodeAnswersDifferential(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"fever": true, "pops": false}`, `{"relief": 5, "temp": 37.5, "side": "left"}`,
		`{"where": ["fingers", "arms"]}`, `{"where": []}`, `{"relief": 3.0000000000000001}`,
		`{"relief": -0.0e+0}`, `{"side": "l\u00e9ft"}`, "{\"side\": \"\xff\"}", `{"fever": true, "fever": true}`,
		`{"a": {"b": 1}}`, `{"a": [[1]]}`, `{"a": tru}`, `{"a": 1,}`, `{"a": 1} x`, `{"a": 01}`, `[`, ``,
		`{"side": "123456789"}`, `{"where": ["a", "b", "c"]}`, `{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7}`,
	} {
		f.Add([]byte(seed))
	}
	engines := decodeEngines(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, eng := range engines {
			sameAsSlow(t, eng, data)
		}
	})
}

// BenchmarkDecodeAnswers decodes generated answer lines for the default
// rule set with DecodeAnswers and with the reference decoder, side by
// side: compare the two in one run.
func BenchmarkDecodeAnswers(b *testing.B) {
	eng, err := triage.Load(rules.FS)
	require.NoError(b, err)
	var buf bytes.Buffer
	require.NoError(b, gen.Write(&buf, eng.Questions(), 1_000, 3))
	var lines [][]byte
	for l := range bytes.Lines(buf.Bytes()) {
		lines = append(lines, l)
	}
	for _, d := range []struct {
		name   string
		decode func(*triage.Engine, *bytes.Reader) (triage.Answers, error)
	}{
		{"fast", func(e *triage.Engine, r *bytes.Reader) (triage.Answers, error) { return e.DecodeAnswers(r) }},
		{"slow", func(e *triage.Engine, r *bytes.Reader) (triage.Answers, error) { return triage.DecodeAnswersSlow(e, r) }},
	} {
		b.Run(d.name, func(b *testing.B) {
			b.ReportAllocs()
			var r bytes.Reader
			i := 0
			for b.Loop() {
				r.Reset(lines[i%len(lines)])
				if _, err := d.decode(eng, &r); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}
