// Command peertable measures redflag and its peers on the default rule set
// and prints a Markdown table of time, memory and ratios, for the README:
//
//	cd bench && go run ./cmd/peertable -count 5
//
// Each engine is first checked to agree with redflag on the inputs (the
// full check is TestPeersAgree). Measurements are taken round-robin, every
// engine once per round, so that a noisy machine slows all of them alike;
// each figure is the median of the rounds.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/redflagkit/redflag/bench"
	"github.com/redflagkit/redflag/triage"
)

type result struct{ ns, bytes, allocs float64 }

func median(rs []result) result {
	pick := func(f func(result) float64) float64 {
		v := make([]float64, len(rs))
		for i, r := range rs {
			v[i] = f(r)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	return result{
		ns:     pick(func(r result) float64 { return r.ns }),
		bytes:  pick(func(r result) float64 { return r.bytes }),
		allocs: pick(func(r result) float64 { return r.allocs }),
	}
}

func measure(fn func()) result {
	r := testing.Benchmark(func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			fn()
		}
	})
	return result{float64(r.T.Nanoseconds()) / float64(r.N), float64(r.AllocedBytesPerOp()), float64(r.AllocsPerOp())}
}

// input is one set of answers every engine evaluates.
type input struct {
	name    string
	answers triage.Answers
}

func main() {
	testing.Init()
	count := flag.Int("count", 5, "rounds; each figure is the median")
	benchtime := flag.Duration("benchtime", 500*time.Millisecond, "time per measurement")
	flag.Parse()
	if err := flag.Set("test.benchtime", benchtime.String()); err != nil {
		fail(err)
	}
	peers := bench.Peers()
	engines := loadAll(peers)
	inputs := []input{{"complete", bench.Complete()}, {"missing 3", bench.Missing()}}
	checkAgreement(peers, engines, inputs)
	evals, loads := measureRounds(*count, peers, engines, inputs)
	printTables(peers, inputs, evals, loads)
	fmt.Printf("Median of %d rounds of %s each, %s.\n", *count, *benchtime, time.Now().UTC().Format("2006-01-02"))
}

// loadAll loads the default rule set into every peer.
func loadAll(peers []bench.Peer) []bench.Evaluator {
	engines := make([]bench.Evaluator, len(peers))
	for i, p := range peers {
		e, err := p.Load()
		if err != nil {
			fail(fmt.Errorf("%s: %w", p.Name, err))
		}
		engines[i] = e
	}
	return engines
}

// checkAgreement refuses to measure engines that disagree: a fast wrong
// answer is no result.
func checkAgreement(peers []bench.Peer, engines []bench.Evaluator, inputs []input) {
	for _, in := range inputs {
		var want string
		for i, e := range engines {
			o, fired, err := e.Eval(context.Background(), in.answers, nil)
			if err != nil {
				fail(fmt.Errorf("%s: %w", peers[i].Name, err))
			}
			got := fmt.Sprintln(o, bench.Sorted(fired))
			if i == 0 {
				want = got
			} else if got != want {
				fail(fmt.Errorf("%s disagrees on %s answers: %q, want %q", peers[i].Name, in.name, got, want))
			}
		}
	}
}

// measureRounds interleaves the engines round by round, so that a busy
// moment of the machine falls on all of them alike.
func measureRounds(count int, peers []bench.Peer, engines []bench.Evaluator, inputs []input) (evals [][][]result, loads [][]result) {
	evals = make([][][]result, len(inputs)) // input, engine, round
	loads = make([][]result, len(peers))
	for ii := range inputs {
		evals[ii] = make([][]result, len(peers))
	}
	for round := range count {
		fmt.Fprintf(os.Stderr, "round %d/%d\n", round+1, count)
		for ii, in := range inputs {
			for pi, e := range engines {
				evals[ii][pi] = append(evals[ii][pi], measure(bench.Timed(e, in.answers)))
			}
		}
		for pi, p := range peers {
			loads[pi] = append(loads[pi], measure(func() {
				if _, err := p.Load(); err != nil {
					panic(err)
				}
			}))
		}
	}
	return evals, loads
}

// printTables prints the medians as Markdown tables and the targets line.
func printTables(peers []bench.Peer, inputs []input, evals [][][]result, loads [][]result) {
	const goIdx, floorIdx, redflagIdx, opaIdx = 0, 1, 2, 4
	fmt.Printf("| answers | engine | ns/op | B/op | allocs/op | × hand-written Go | × CEL floor |\n")
	fmt.Printf("|---|---|---:|---:|---:|---:|---:|\n")
	med := make([][]result, len(inputs))
	for ii, in := range inputs {
		med[ii] = make([]result, len(peers))
		for pi := range peers {
			med[ii][pi] = median(evals[ii][pi])
		}
		for pi, p := range peers {
			m := med[ii][pi]
			fmt.Printf("| %s | %s | %s | %s | %s | %.1f× | %.2f× |\n", in.name, p.Name,
				num(m.ns), num(m.bytes), num(m.allocs), m.ns/med[ii][goIdx].ns, m.ns/med[ii][floorIdx].ns)
		}
	}
	fmt.Printf("\n| engine | load the default rule set: ns/op | B/op | allocs/op |\n|---|---:|---:|---:|\n")
	for pi, p := range peers {
		m := median(loads[pi])
		fmt.Printf("| %s | %s | %s | %s |\n", p.Name, num(m.ns), num(m.bytes), num(m.allocs))
	}
	c := med[0]
	fmt.Printf("\nredflag on complete answers: %.2f× the CEL floor (target ≤ 1.35× on one core), %.0f allocs/op, %.0f B/op; redflag loads in %.1f ms (target < 10 ms) and %.1f× the CEL floor's compile.\n",
		c[redflagIdx].ns/c[floorIdx].ns, c[redflagIdx].allocs, c[redflagIdx].bytes, median(loads[redflagIdx]).ns/1e6,
		median(loads[redflagIdx]).ns/median(loads[floorIdx]).ns)
	for ii, in := range inputs {
		fmt.Printf("OPA takes %.0f× redflag's time, %s (target ≥ 25×).\n", med[ii][opaIdx].ns/med[ii][redflagIdx].ns, in.name)
	}
}

// num formats with thousands separators.
func num(f float64) string {
	if f < 100 && f != float64(int64(f)) {
		return fmt.Sprintf("%.1f", f)
	}
	s := fmt.Sprintf("%.0f", f)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "peertable:", err)
	os.Exit(1)
}
