// Package gen generates random, valid answer sets for a rule set's
// questionnaire, for batch tests and throughput measurements. It is not a
// clinical tool: the answers describe nobody.
package gen

import (
	"bufio"
	"encoding/json"
	"io"
	"math/rand/v2"

	"github.com/redflagkit/redflag/triage"
)

// Answers returns a random answer set for qs. Booleans are mostly false
// and integers small, so that every outcome is common; with probability
// missing each question is left unanswered.
func Answers(rng *rand.Rand, qs []triage.Question, missing float64) triage.Answers {
	a := make(triage.Answers, len(qs))
	for _, q := range qs {
		if rng.Float64() < missing {
			continue
		}
		switch q.Type {
		case triage.BooleanType:
			a[q.ID] = rng.IntN(25) == 0
		case triage.IntegerType:
			lo, hi := 0, 15
			if q.Min != nil {
				lo = int(*q.Min)
			}
			if q.Max != nil && int(*q.Max) < lo+hi {
				hi = int(*q.Max) - lo
			}
			a[q.ID] = int64(lo + rng.IntN(hi+1))
		case triage.NumberType:
			lo, hi := 0.0, 15.0
			if q.Min != nil {
				lo = *q.Min
			}
			if q.Max != nil {
				hi = *q.Max
			}
			a[q.ID] = lo + rng.Float64()*(hi-lo)
		case triage.ChoiceType:
			a[q.ID] = q.Choices[rng.IntN(len(q.Choices))].Value
		case triage.MultiChoiceType:
			l := []string{}
			for _, c := range q.Choices {
				if rng.IntN(25) == 0 {
					l = append(l, c.Value)
				}
			}
			a[q.ID] = l
		}
	}
	return a
}

// Write writes n answer sets for qs as JSON lines, one object per line.
// Four in five are complete; the others leave about one question in five
// unanswered. The output depends only on seed.
func Write(w io.Writer, qs []triage.Question, n int, seed uint64) error {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	bw := bufio.NewWriterSize(w, 64<<10)
	enc := json.NewEncoder(bw) // Encode ends each object with a newline
	for range n {
		missing := 0.0
		if rng.IntN(5) == 0 {
			missing = 0.2
		}
		if err := enc.Encode(Answers(rng, qs, missing)); err != nil {
			return err
		}
	}
	return bw.Flush()
}
