package triage_test

import (
	"context"
	"errors"
	"math/big"
	"regexp"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/redflagkit/redflag/triage"
)

// FuzzLoad feeds arbitrary bytes to Load as a second rule file beside a valid
// one. Load must either succeed or return a non-empty, sorted ErrorList whose
// entries all name a file, a line and a column, and rendering the errors
// must not panic.
func FuzzLoad(f *testing.F) {
	for _, seed := range []string{
		rule("chills", "fever"),
		rule("chills", "fevr"),
		rule("chills", `"fever &&\n fevr"`),
		"rules:\n  - id: x\n    title: [unclosed\n",
		"questions:\n" + qPops + "    ask_if: pops\n",
		"rules: []\n# \xff\n",
		"a: &x [1]\nb: *x\n",
		"rules:\n  - {id: c, title: T, when: \"fever && 'x' in ['a']\", action: refer, advice: A, cite: {source: doc, section: S}}\n",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, src string) {
		fsys := fstest.MapFS{"0.yaml": {Data: []byte(base0)}, "r.yaml": {Data: []byte(src)}}
		eng, err := triage.Load(fsys)
		if err == nil {
			if eng == nil {
				t.Fatal("nil engine without an error")
			}
			return
		}
		if eng != nil {
			t.Fatal("an engine together with an error")
		}
		var list triage.ErrorList
		if !errors.As(err, &list) || len(list) == 0 {
			t.Fatalf("Load error is not a non-empty ErrorList: %v", err)
		}
		if !errors.Is(err, triage.ErrInvalidRuleSet) {
			t.Fatalf("Load error does not wrap ErrInvalidRuleSet: %v", err)
		}
		for i, e := range list {
			if e.Pos.File == "" {
				t.Fatalf("error without a file: %v", e)
			}
			// Every problem in the fuzzed file is positioned, YAML syntax
			// errors too: the YAML parser names only a line, and the
			// loader finds the column.
			if e.Pos.Line <= 0 || e.Pos.Column <= 0 {
				t.Fatalf("error without a line and column: %v", e)
			}
			if i > 0 && list[i-1].Pos.File == e.Pos.File && list[i-1].Pos.Line > e.Pos.Line {
				t.Fatalf("errors out of order: %v then %v", list[i-1], e)
			}
			if !strings.HasPrefix(e.ErrorWithSnippet(), e.Error()) {
				t.Fatalf("snippet rendering lost the message: %q", e.ErrorWithSnippet())
			}
		}
	})
}

// FuzzParseAnswers checks that decoding any bytes either fails with
// ErrInvalidAnswers or yields answers that Evaluate turns into a valid
// verdict or an answers error — never a panic, never another kind of error.
func FuzzParseAnswers(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"fever": true}`, `{"fever": "yes"}`, `{"relief": 4.0, "pops": true}`,
		`{"where": ["arms", "arms"]}`, `{"temp": 1e400}`, `[1]`, `{"fever": true} {}`, `{"fever": null}`,
		`{`, `{"fever": tr`, "{\n  \"fever\": false\n  \"pops\": true\n}", `{"\u001b[2K": 1}`, "{\"\x1b\": 1}",
		`{"relief": 3.0000000000000001, "pops": true}`, `{"where": ["arms", null]}`, `{"fever": 1e999999999}`,
	} {
		f.Add([]byte(seed))
	}
	eng, err := triage.Load(demoFS())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		a, err := parseAnswers(t, data)
		if err != nil {
			if !errors.Is(err, triage.ErrInvalidAnswers) {
				t.Fatalf("DecodeAnswers error does not wrap ErrInvalidAnswers: %v", err)
			}
			assertPrintable(t, err.Error(), "a DecodeAnswers error is safe to print")
			var ae *triage.AnswerError
			// Every decoding error but a limit is about a place in the document.
			if errors.As(err, &ae) && !errors.Is(err, triage.ErrLimit) && (ae.Line < 1 || ae.Column < 1 || ae.Offset < 0 || ae.Offset > len(data)) {
				t.Fatalf("position outside the input (%d bytes): line %d, column %d, offset %d", len(data), ae.Line, ae.Column, ae.Offset)
			}
			return
		}
		v, err := eng.Evaluate(context.Background(), a)
		if err != nil {
			assertPrintable(t, err.Error(), "an Evaluate error is safe to print")
			if v != nil {
				t.Fatal("a verdict together with an error")
			}
			if !errors.Is(err, triage.ErrInvalidAnswers) {
				t.Fatalf("Evaluate error is not an answers error: %v", err)
			}
			return
		}
		switch v.Outcome {
		case triage.SelfCare, triage.SeeProfessional, triage.Incomplete:
		default:
			t.Fatalf("invalid outcome %v", v.Outcome)
		}
		if (v.Outcome == triage.Incomplete) != (len(v.Missing) > 0) {
			t.Fatalf("outcome %v with missing %v", v.Outcome, v.Missing)
		}
	})
}

// jsonNumberRE is the JSON number grammar (RFC 8259), written out
// independently of the code under test.
var jsonNumberRE = regexp.MustCompile(`^-?(?:0|[1-9][0-9]*)((?:\.[0-9]+)?)(?:[eE]([+-]?[0-9]+))?$`)

// FuzzIntegerAnswerExact checks, for any JSON number text, that an integer
// question accepts it exactly when its exact decimal value is an integer
// within int64, and then as that integer. math/big is the oracle; for
// exponents too large for big.Rat the answer follows from the exponent
// alone, since the text has far fewer digits than the exponent.
func FuzzIntegerAnswerExact(f *testing.F) {
	eng, err := triage.Load(mapFS(numericFS()))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m := jsonNumberRE.FindStringSubmatch(s)
		if m == nil {
			return // not a JSON number: the question does not arise
		}
		wantOK, want := exactIntOracle(t, s, m[2])

		a, err := parseAnswers(t, []byte(`{"n": `+s+`, "x": 1}`))
		if err != nil {
			t.Fatalf("ParseAnswers refused a valid JSON number %q: %v", s, err)
		}
		v, err := eng.Evaluate(context.Background(), a)
		if !wantOK {
			var ae *triage.AnswerError
			if !errors.As(err, &ae) || ae.Question != "n" {
				t.Fatalf("%q is not an integer in int64 range, but it was not refused naming the question: %v", s, err)
			}
			return
		}
		if err != nil {
			t.Fatalf("%q is exactly %d, but was refused: %v", s, want, err)
		}
		got := v.Reasons[0].Evidence[0].Value
		if got != want {
			t.Fatalf("%q is exactly %d, but the rules saw %v (%T)", s, want, got, got)
		}
	})
}

// exactIntOracle decides with math/big whether JSON number text s is an
// integer in int64 range. exp is its exponent text ("" for none).
func exactIntOracle(t *testing.T, s, exp string) (bool, int64) {
	e := new(big.Int)
	if exp != "" {
		e.SetString(strings.TrimPrefix(exp, "+"), 10)
	}
	// Past this bound the exponent outweighs every digit of the text.
	bound := big.NewInt(int64(len(s)) + 4096)
	if e.CmpAbs(bound) > 0 {
		mantissa := s
		if i := strings.IndexAny(s, "eE"); i >= 0 {
			mantissa = s[:i]
		}
		if strings.Trim(mantissa, "-0.") == "" {
			return true, 0 // zero times anything
		}
		return false, 0 // too large or a fraction
	}
	r, ok := new(big.Rat).SetString(s)
	if !ok {
		t.Fatalf("oracle: big.Rat cannot read %q", s)
	}
	if !r.IsInt() || !r.Num().IsInt64() {
		return false, 0
	}
	return true, r.Num().Int64()
}
