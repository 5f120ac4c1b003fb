// Command http serves redflag over HTTP: a JSON API for apps, a plain HTML
// form for people and the FHIR endpoints, all from package server, mounted
// in this program's own mux beside a decision log and OpenTelemetry spans.
// For a service to run as it is, see "redflag serve".
//
// It is a module of its own (OpenTelemetry stays out of the library's
// dependencies); run it from its directory:
//
//	go run .                                # http://localhost:8080
//	go run . -addr 127.0.0.1:9000 -rules DIR
//	go run . -decisions decisions.jsonl     # a decision log, one JSON line per evaluation
//	go run . -decisions - -trace-stdout     # the log on stderr, spans on stdout
//
// Routes:
//
//	GET  /               a browser form that asks one question at a time
//	GET  /questionnaire  the questions, with their types, choices and ask_if
//	POST /triage         answers in, verdict out (400 with per-question errors)
//	POST /next           {"answers": {...}, "skip": [...]} in; the next question (with a count of those left), or the verdict
//
// and the FHIR endpoints and health checks of package server (see
// docs/serve.md).
//
// POST bodies must be sent as Content-Type: application/json (else 415,
// which keeps cross-site "simple" form posts out) and are read strictly: one
// JSON object, exact field names, no duplicate or unknown field, nothing
// after it (else 400). They are limited to 64 KiB (else 413); a body that
// stops arriving before the read timeout is a 408. Every error is a JSON
// {"error": ...}. The server has read, write and idle timeouts, and SIGINT
// or SIGTERM shut it down gracefully. Every verdict carries the reminder
// that it supports triage and is not a diagnosis.
//
// Decisions: with -decisions FILE (or - for stderr) every evaluation adds a
// JSON line to FILE: when, the rule set's name, version and hash, the
// outcome, the refer and caution rules that fired, the missing questions,
// the answers' digest (never the answers) and the duration; a failed
// evaluation has an error kind instead of an outcome. Every evaluation is
// also an OpenTelemetry span ("redflag.evaluate", with the outcome, the
// rule-set version and the fired rule ids as attributes) for the
// TracerProvider given to it: the stdout exporter with -trace-stdout, and
// none otherwise. Without either flag the engine has no decision hook.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"

	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/redflagkit/redflag/rules"
	"github.com/redflagkit/redflag/server"
	"github.com/redflagkit/redflag/triage"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "http:", err)
		os.Exit(1)
	}
}

// run parses flags, loads the rules and serves until ctx ends.
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (err error) {
	fset := flag.NewFlagSet("http", flag.ContinueOnError)
	fset.SetOutput(stderr)
	addr := fset.String("addr", "localhost:8080", "listen `address`")
	dir := fset.String("rules", "", "load the rule set from `DIR` instead of the embedded default")
	decisions := fset.String("decisions", "", "append a JSON line per evaluation to `FILE` (- for stderr): outcome, rules, rule set, answers digest")
	traceStdout := fset.Bool("trace-stdout", false, "export an OpenTelemetry span per evaluation to stdout")
	if err := fset.Parse(args); err != nil {
		return err
	}
	var obs observer
	switch *decisions {
	case "":
	case "-":
		obs.log = newDecisionLog(stderr)
	default:
		f, err := os.OpenFile(*decisions, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
		if err != nil {
			return err
		}
		defer f.Close()
		obs.log = newDecisionLog(f)
	}
	if *traceStdout {
		exp, err := stdouttrace.New(stdouttrace.WithWriter(stdout))
		if err != nil {
			return err
		}
		tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
		defer func() {
			// Flush the spans still batched.
			if shutdownErr := tp.Shutdown(context.Background()); err == nil {
				err = shutdownErr
			}
		}()
		obs.tracer = tp.Tracer(tracerName)
	}
	var fsys fs.FS = rules.FS
	if *dir != "" {
		fsys = os.DirFS(*dir)
	}
	eng, err := triage.Load(fsys, obs.options()...)
	if err != nil {
		var list triage.ErrorList
		if errors.As(err, &list) {
			for _, e := range list {
				e.Pos.File = inDir(*dir, e.Pos.File)
			}
			return fmt.Errorf("the rules do not load:\n%s", list.ErrorsWithSnippets())
		}
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, nil))
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	h, err := newHandler(eng, *dir, "http://"+ln.Addr().String(), log)
	if err != nil {
		ln.Close()
		return err
	}
	where := *dir
	if where == "" {
		where = "embedded"
	}
	log.Info("serving", "url", "http://"+ln.Addr().String(), "rules", where, "rule_set", eng.RuleSet().String())
	return server.Serve(ctx, ln, h, log)
}

// newHandler is the program's own mux, with redflag's handlers (package
// server) mounted in it; a program of your own adds its routes beside
// them. baseURL is where the service is reached, for the FHIR resources'
// canonical urls.
func newHandler(eng *triage.Engine, dir, baseURL string, log *slog.Logger) (http.Handler, error) {
	srv, err := server.New(server.Options{
		Engine:   func() *triage.Engine { return eng },
		BaseURL:  baseURL,
		RulesDir: dir,
		Logger:   log,
	})
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/", srv.Handler())
	return mux, nil
}

// inDir names file, a path within the rule directory dir ("" for the
// embedded rule set), as the operator can open it from here: the engine
// only knows paths within the fs.FS it loaded.
func inDir(dir, file string) string {
	if dir == "" || file == "" {
		return file
	}
	return filepath.Join(dir, filepath.FromSlash(file))
}
