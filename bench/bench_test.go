package bench

import (
	"context"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/redflagkit/redflag/triage"
)

// randomAnswers draws valid answers for the default rule set in the types
// every peer reads (bool, int64, []string), half of them leaving
// about one in six questions unanswered.
func randomAnswers(rng *rand.Rand) triage.Answers {
	a := Complete()
	// Half the sets are complete with red flags rare, so that self-care
	// is common enough to be compared.
	complete, odds := rng.IntN(2) == 0, 8
	if complete {
		odds = 40
	}
	for k, v := range a {
		switch v.(type) {
		case bool:
			a[k] = rng.IntN(odds) == 0
		case int64:
			a[k] = int64(rng.IntN(14))
		case []string:
			l := []string{}
			for _, c := range []string{"fingers", "arms", "chest"} {
				if rng.IntN(6) == 0 {
					l = append(l, c)
				}
			}
			a[k] = l
		}
		if !complete && rng.IntN(6) == 0 {
			delete(a, k)
		}
	}
	return a
}

// TestPeersAgree checks, before anything is timed, that every engine gives
// the same outcome and fires the same rules as redflag on the benchmark
// inputs and on 2,000 random answer sets, complete and not.
func TestPeersAgree(t *testing.T) {
	ctx := context.Background()
	inputs := []triage.Answers{Complete(), Missing()}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		inputs = append(inputs, randomAnswers(rng))
	}
	want := make([]string, len(inputs))
	ref, err := loadRedflag()
	require.NoError(t, err)
	outcomes := map[string]int{}
	for i, a := range inputs {
		o, fired, err := ref.Eval(ctx, a, nil)
		require.NoError(t, err)
		want[i] = fmt.Sprintln(o, Sorted(fired))
		outcomes[o]++
	}
	require.Equal(t, "see_professional [frequent_popping short_relief]\n", want[0])
	require.Equal(t, "incomplete [frequent_popping]\n", want[1])
	for _, o := range []string{SeeProfessional, Incomplete, SelfCare} {
		require.Greater(t, outcomes[o], 20, "outcome %s is exercised", o)
	}
	for _, p := range Peers() {
		t.Run(p.Name, func(t *testing.T) {
			e, err := p.Load()
			require.NoError(t, err)
			for i, a := range inputs {
				o, fired, err := e.Eval(ctx, a, nil)
				require.NoError(t, err)
				require.Equal(t, want[i], fmt.Sprintln(o, Sorted(fired)), "answers: %v", a)
			}
		})
	}
}

// BenchmarkPeers times every engine on the same inputs. For the ratios in
// one table, run go run ./cmd/peertable instead.
func BenchmarkPeers(b *testing.B) {
	for _, in := range []struct {
		name    string
		answers triage.Answers
	}{{"complete", Complete()}, {"missing", Missing()}} {
		for _, p := range Peers() {
			b.Run(in.name+"/"+p.Name, func(b *testing.B) {
				e, err := p.Load()
				require.NoError(b, err)
				fn := Timed(e, in.answers)
				b.ReportAllocs()
				for b.Loop() {
					fn()
				}
			})
		}
	}
}

// BenchmarkLoad times loading the default rule set into every engine.
func BenchmarkLoad(b *testing.B) {
	for _, p := range Peers() {
		b.Run(p.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Load(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
