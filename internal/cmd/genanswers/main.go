// Command genanswers writes random answer sets for the embedded rule set as
// JSON lines, the input of "redflag check --jsonl", for measuring batch
// throughput:
//
//	go run ./internal/cmd/genanswers -n 1000000 > /tmp/answers.jsonl
//
// The answers describe nobody; they only exercise the engine.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

func main() {
	n := flag.Int("n", 1000000, "number of answer sets (lines) to write")
	seed := flag.Uint64("seed", 1, "random seed; the same seed writes the same file")
	flag.Parse()
	eng, err := triage.Load(rules.FS)
	if err != nil {
		fmt.Fprintln(os.Stderr, "genanswers:", err)
		os.Exit(1)
	}
	if err := gen.Write(os.Stdout, eng.Questions(), *n, *seed); err != nil {
		fmt.Fprintln(os.Stderr, "genanswers:", err)
		os.Exit(1)
	}
}
