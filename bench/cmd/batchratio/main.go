// Command batchratio measures "redflag check --jsonl" against the
// encoding/json baseline of issue 15 on the same generated input, and
// prints the batch's speed as a share of the baseline's, on each number
// of cores asked for:
//
//	cd bench && go run ./cmd/batchratio -n 200000 -rounds 5 -cpu 1,2
//
// The baseline reads each line, decodes it into a map[string]any and
// encodes an object of the same size as the verdict line redflag writes for
// it, buffered, on one goroutine. Both run as child processes with
// GOMAXPROCS set, reading the same file and writing to /dev/null; rounds
// alternate the two, and each figure is the median of the rounds. With
// -rss it instead streams generated lines through a pipe into redflag and
// reports its peak resident memory, for inputs too large for the disk:
//
//	go run ./cmd/batchratio -rss 1000000,10000000
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/redflagkit/redflag/internal/gen"
	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/triage"
)

func main() {
	n := flag.Int("n", 200_000, "generated answer lines")
	seed := flag.Uint64("seed", 1, "generator seed")
	rounds := flag.Int("rounds", 5, "rounds, each running the batch and the baseline once per core count")
	cpus := flag.String("cpu", "1,2", "GOMAXPROCS values, comma-separated")
	redflag := flag.String("redflag", "", "the redflag binary (default: built from ../cmd/redflag)")
	rss := flag.String("rss", "", "instead: line counts, comma-separated, to stream through redflag and report its peak memory")
	child := flag.String("baseline", "", "internal: run the baseline on this input file")
	pads := flag.String("pads", "", "internal: the baseline's pad lengths")
	flag.Parse()
	if err := run(*n, *seed, *rounds, *cpus, *redflag, *rss, *child, *pads); err != nil {
		fmt.Fprintln(os.Stderr, "batchratio:", err)
		os.Exit(1)
	}
}

func run(n int, seed uint64, rounds int, cpus, redflag, rss, child, pads string) error {
	if child != "" {
		return baselineChild(child, pads)
	}
	tmp, err := os.MkdirTemp("", "batchratio")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	if redflag == "" {
		redflag = filepath.Join(tmp, "redflag")
		build := exec.Command("go", "build", "-C", "..", "-o", redflag, "./cmd/redflag")
		build.Stderr = os.Stderr
		if err := build.Run(); err != nil {
			return fmt.Errorf("building redflag: %w", err)
		}
	}
	eng, err := triage.Load(rules.FS)
	if err != nil {
		return err
	}
	if rss != "" {
		return measureRSS(redflag, eng.Questions(), rss, seed)
	}
	cores, err := parseInts(cpus)
	if err != nil {
		return err
	}
	in, padFile, err := prepare(tmp, redflag, eng.Questions(), n, seed)
	if err != nil {
		return err
	}
	return compare(redflag, in, padFile, n, rounds, cores)
}

// prepare writes the input and the baseline's pad lengths, from one run of
// redflag's output.
func prepare(tmp, redflag string, qs []triage.Question, n int, seed uint64) (in, padFile string, err error) {
	in, padFile = filepath.Join(tmp, "answers.jsonl"), filepath.Join(tmp, "pads")
	f, err := os.Create(in)
	if err != nil {
		return "", "", err
	}
	if err := gen.Write(f, qs, n, seed); err != nil {
		return "", "", err
	}
	if err := f.Close(); err != nil {
		return "", "", err
	}
	cmd := exec.Command(redflag, "check", "--jsonl", in)
	out, err := cmd.StdoutPipe()
	if err != nil {
		return "", "", err
	}
	if err := cmd.Start(); err != nil {
		return "", "", err
	}
	sizes, err := lineSizes(out)
	if werr := cmd.Wait(); err == nil && werr != nil && cmd.ProcessState.ExitCode() != 0 {
		err = fmt.Errorf("redflag check --jsonl: %w", werr)
	}
	if err != nil {
		return "", "", err
	}
	src, err := os.Open(in)
	if err != nil {
		return "", "", err
	}
	defer src.Close()
	p, err := padLengths(src, sizes)
	if err != nil {
		return "", "", err
	}
	return in, padFile, writeUint32s(padFile, p)
}

func baselineChild(in, padFile string) error {
	pads, err := readUint32s(padFile)
	if err != nil {
		return err
	}
	f, err := os.Open(in)
	if err != nil {
		return err
	}
	defer f.Close()
	return runBaseline(f, os.Stdout, pads)
}

// usage is one child process's cost.
type usage struct {
	wall, cpu time.Duration
	maxRSS    int64 // KiB
}

// runChild runs cmd with GOMAXPROCS=cores, stdout to /dev/null and stdin
// from stdin (nil: none), and returns what it cost.
func runChild(cmd *exec.Cmd, cores int, stdin io.Reader) (usage, error) {
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		return usage{}, err
	}
	defer devnull.Close()
	cmd.Stdout, cmd.Stdin = devnull, stdin
	cmd.Env = append(os.Environ(), "GOMAXPROCS="+strconv.Itoa(cores))
	var stderr strings.Builder
	cmd.Stderr = &stderr
	start := time.Now()
	err = cmd.Run()
	wall := time.Since(start)
	if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() == 1 || cmd.ProcessState.ExitCode() < 0 {
		return usage{}, fmt.Errorf("%s: %v: %s", cmd.Path, err, stderr.String())
	}
	ru, _ := cmd.ProcessState.SysUsage().(*syscall.Rusage)
	u := usage{wall: wall, cpu: cmd.ProcessState.UserTime() + cmd.ProcessState.SystemTime()}
	if ru != nil {
		u.maxRSS = ru.Maxrss
	}
	return u, nil
}

// compare runs the batch and the baseline rounds times on each core count
// and prints the medians and ratios as a Markdown table.
func compare(redflag, in, padFile string, n, rounds int, cores []int) error {
	self, err := os.Executable()
	if err != nil {
		return err
	}
	fmt.Printf("%d generated lines (seed fixed), median of %d rounds\n\n", n, rounds)
	fmt.Println("| GOMAXPROCS | batch lines/s | baseline lines/s | batch ÷ baseline (speed) | batch CPU ÷ baseline CPU | batch peak RSS | baseline peak RSS |")
	fmt.Println("|---:|---:|---:|---:|---:|---:|---:|")
	for _, c := range cores {
		var batch, base []usage
		for range rounds {
			u, err := runChild(exec.Command(redflag, "check", "--jsonl", in), c, nil)
			if err != nil {
				return err
			}
			batch = append(batch, u)
			if u, err = runChild(exec.Command(self, "-baseline", in, "-pads", padFile), c, nil); err != nil {
				return err
			}
			base = append(base, u)
		}
		b, l := medianUsage(batch), medianUsage(base)
		fmt.Printf("| %d | %.0f | %.0f | **%.0f%%** | %.2f× | %.1f MB | %.1f MB |\n", c,
			float64(n)/b.wall.Seconds(), float64(n)/l.wall.Seconds(),
			100*l.wall.Seconds()/b.wall.Seconds(), b.cpu.Seconds()/l.cpu.Seconds(),
			float64(b.maxRSS)/1024, float64(l.maxRSS)/1024)
	}
	return nil
}

// measureRSS streams generated lines into redflag through a pipe, for
// each count, and prints its peak resident memory.
func measureRSS(redflag string, qs []triage.Question, counts string, seed uint64) error {
	ns, err := parseInts(counts)
	if err != nil {
		return err
	}
	fmt.Println("| lines in | GOMAXPROCS | wall time | lines/s | redflag peak RSS |")
	fmt.Println("|---:|---:|---:|---:|---:|")
	for _, n := range ns {
		pr, pw := io.Pipe()
		go func() { pw.CloseWithError(gen.Write(pw, qs, n, seed)) }()
		u, err := runChild(exec.Command(redflag, "check", "--jsonl"), 2, pr)
		if err != nil {
			return err
		}
		fmt.Printf("| %d | 2 | %s | %.0f | %.1f MB |\n", n, u.wall.Round(time.Second), float64(n)/u.wall.Seconds(), float64(u.maxRSS)/1024)
	}
	return nil
}

func medianUsage(us []usage) usage {
	pick := func(f func(usage) time.Duration) time.Duration {
		v := make([]time.Duration, len(us))
		for i, u := range us {
			v[i] = f(u)
		}
		slices.Sort(v)
		return v[len(v)/2]
	}
	rss := make([]int64, len(us))
	for i, u := range us {
		rss[i] = u.maxRSS
	}
	return usage{
		wall:   pick(func(u usage) time.Duration { return u.wall }),
		cpu:    pick(func(u usage) time.Duration { return u.cpu }),
		maxRSS: slices.Max(rss),
	}
}

func parseInts(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		v, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("want positive whole numbers separated by commas, got %q", s)
		}
		out = append(out, v)
	}
	return out, nil
}
