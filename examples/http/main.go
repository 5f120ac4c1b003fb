// Command http serves redflag over HTTP with the standard library only: a
// JSON API for apps and a plain HTML form for people.
//
// It is a module of its own (OpenTelemetry stays out of the library's
// dependencies); run it from its directory:
//
//	go run .                                # http://localhost:8080
//	go run . -addr :9000 -rules DIR
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
	"time"

	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/redflagkit/redflag/rules"
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
	where := *dir
	if where == "" {
		where = "embedded"
	}
	log.Info("serving", "url", "http://"+ln.Addr().String(), "rules", where, "rule_set", eng.RuleSet().String())
	return serve(ctx, ln, newServer(newHandler(eng, *dir, log), log), log)
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

// newServer returns the server for h, with its limits and timeouts.
func newServer(h http.Handler, log *slog.Logger) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      10 * time.Second,
		IdleTimeout:       60 * time.Second,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
}

// serve runs srv on ln until ctx ends, then shuts down gracefully: it stops
// accepting connections and waits up to ten seconds for requests in
// flight.
func serve(ctx context.Context, ln net.Listener, srv *http.Server, log *slog.Logger) error {
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	log.Info("shutting down")
	shutdownCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := srv.Shutdown(shutdownCtx); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
