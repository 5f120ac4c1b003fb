// Command redflag-beam re-triages answers JSONL on Apache Beam: the same
// evaluation as "redflag check --jsonl" (or, with --new, "redflag diff
// --jsonl"), on any Beam runner.
//
//	redflag-beam --input answers.jsonl --output out/run [--rules DIR] [--compact]
//	redflag-beam --input answers.jsonl --output out/run --old DIR --new DIR
//	redflag-beam --runner dataflow --project P --region R \
//	    --staging_location gs://B/staging --input gs://B/a.jsonl --output gs://B/out/run
//
// It writes OUTPUT.verdicts.jsonl (or, for a diff, OUTPUT.changes.jsonl
// and OUTPUT.summary.json) and OUTPUT.errors.jsonl: the lines that have no
// verdict, each with its line number. Lines are in no particular order:
// sort by "line" to compare with redflag check. The runner is chosen with
// --runner (prism, the default, runs in this process; dataflow, flink, …),
// with Beam's usual flags; see docs/scale.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/apache/beam/sdks/v2/go/pkg/beam"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/io/textio"
	"github.com/apache/beam/sdks/v2/go/pkg/beam/x/beamx"
	"github.com/redflagkit/redflag/beam/retriage"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

const embedded = "embedded"

var (
	input    = flag.String("input", "", "the answers JSONL file: one answers object per line (a local path, or gs://… on Dataflow)")
	output   = flag.String("output", "", "output prefix: writes PREFIX.verdicts.jsonl and PREFIX.errors.jsonl (a diff: PREFIX.changes.jsonl, PREFIX.errors.jsonl, PREFIX.summary.json)")
	rulesDir = flag.String("rules", "", "the rule set `DIR` (default: the embedded rule set)")
	compact  = flag.Bool("compact", false, "write verdicts in redflag check --jsonl --compact's form")
	oldRules = flag.String("old", embedded, "diff: the rule set in service: `DIR`, embedded, or the embedded rule set's version")
	newRules = flag.String("new", "", "diff: the changed rule set `DIR` (or embedded); setting it runs a diff")
)

func main() {
	flag.Usage = func() {
		fmt.Fprintln(os.Stderr, "Usage: redflag-beam [--runner prism|dataflow|flink|…] --input FILE --output PREFIX [--rules DIR] [--compact]")
		fmt.Fprintln(os.Stderr, "       redflag-beam [--runner …] --input FILE --output PREFIX [--old DIR|embedded] --new DIR")
		flag.PrintDefaults()
	}
	flag.Parse()
	beam.Init() // after flag.Parse: on a worker, Init runs the worker harness and never returns
	log.SetFlags(0)
	log.SetPrefix("redflag-beam: ")
	if *input == "" || *output == "" {
		flag.Usage()
		os.Exit(2)
	}
	if flag.NArg() > 0 {
		log.Printf("unexpected arguments %q: give the input with --input", flag.Args())
		os.Exit(2)
	}
	p, err := build()
	if err != nil {
		log.Print(err)
		os.Exit(2)
	}
	res, err := beamx.RunWithMetrics(context.Background(), p)
	if err != nil {
		log.Printf("pipeline failed: %v", err)
		os.Exit(1)
	}
	report(res)
}

// build constructs the pipeline from the flags.
func build() (*beam.Pipeline, error) {
	p, s := beam.NewPipelineWithRoot()
	chunks := retriage.ReadLines(s, *input)
	if *newRules == "" {
		if *oldRules != embedded {
			return nil, errors.New("--old is for a diff: give --new too, or use --rules to re-triage with one rule set")
		}
		r, err := ruleSet("--rules", *rulesDir)
		if err != nil {
			return nil, err
		}
		if _, err := r.Load(); err != nil {
			return nil, fmt.Errorf("--rules: %w", err)
		}
		out := retriage.Check(s, chunks, r, *compact)
		textio.Write(s, *output+".verdicts.jsonl", out.Verdicts)
		textio.Write(s, *output+".errors.jsonl", out.Errors)
		return p, nil
	}
	if *rulesDir != "" || *compact {
		return nil, errors.New("--rules and --compact are for re-triage with one rule set; a diff takes --old and --new")
	}
	old, err := ruleSet("--old", *oldRules)
	if err != nil {
		return nil, err
	}
	nw, err := ruleSet("--new", *newRules)
	if err != nil {
		return nil, err
	}
	out, err := retriage.Diff(s, chunks, old, nw)
	if err != nil {
		return nil, err
	}
	textio.Write(s, *output+".changes.jsonl", out.Changes)
	textio.Write(s, *output+".errors.jsonl", out.Errors)
	textio.Write(s, *output+".summary.json", out.Summary)
	return p, nil
}

// ruleSet reads the rule set arg names: "" or embedded for the embedded
// one (or its version), a directory otherwise.
func ruleSet(name, arg string) (retriage.Rules, error) {
	if arg == "" || arg == embedded {
		return retriage.EmbeddedRules()
	}
	if _, err := os.Stat(arg); err != nil {
		if eng, lerr := triage.Load(rules.FS); lerr == nil && eng.RuleSet().Version == arg {
			return retriage.EmbeddedRules()
		}
	}
	r, err := retriage.ReadRules(arg)
	if err != nil {
		return r, fmt.Errorf("%s: %w", name, err)
	}
	return r, nil
}

// report writes the counters to standard error, when the runner gives
// them.
func report(res beam.PipelineResult) {
	if res == nil {
		return
	}
	for _, c := range res.Metrics().AllMetrics().Counters() {
		if c.Key.Namespace == "redflag" {
			fmt.Fprintf(os.Stderr, "%s: %d\n", c.Key.Name, c.Result())
		}
	}
}
